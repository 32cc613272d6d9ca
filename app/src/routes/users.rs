//! `/users` (admin): list, add, change role, reset password, delete.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::users::{list_users, AddUser, ChangeRole, DeleteUser, ResetPassword};
use crate::api::workspaces::workspace_choices;
use crate::components::error_view::ErrorView;
use crate::components::form::{clear_on_success, confirm, last_error, FormAlert, TextField};
use crate::components::layout::ForAdmins;
use crate::components::revocable::ListHead;
use crate::dto::{Role, UserId, UserSummary, WorkspaceChoice};
use crate::error::AppError;
use crate::resource::resource;
use crate::rules::{PASSWORD_HINT, USERNAME_HINT};
use crate::state::use_auth;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <UsersAdmin />
    }
}

#[derive(Clone, Copy)]
struct RowActions {
    change_role: ServerAction<ChangeRole>,
    delete: ServerAction<DeleteUser>,
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let auth = use_auth();
    let add = ServerAction::<AddUser>::new();
    let row_actions = RowActions {
        change_role: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let users = resource(
        move || {
            (
                add.version().get(),
                row_actions.change_role.version().get(),
                row_actions.delete.version().get(),
            )
        },
        |_| list_users(),
    );
    // Here, not in the form: what `ForAdmins` shows must not create resources.
    let workspaces = resource(|| (), |_| workspace_choices());
    let add_form = clear_on_success(add);
    let add_error = last_error(add);
    let role_error = last_error(row_actions.change_role);
    let delete_error = last_error(row_actions.delete);
    view! {
        <h1>"Users"</h1>
        // Viewers get the list's 403 below and no form.
        <ForAdmins>
        <section aria-labelledby="add-user-title" class="card">
            <h2 id="add-user-title">"Add a user"</h2>
            <ActionForm action=add node_ref=add_form attr:class="inline-form" attr:data-testid="add-user-form">
                <TextField form="add" name="username" label="Username" hint=USERNAME_HINT error=add_error />
                <TextField
                    form="add"
                    name="password"
                    label="Password"
                    kind="password"
                    autocomplete="new-password"
                    hint=PASSWORD_HINT
                    error=add_error
                />
                <div class="field">
                    <label for="add-role">"Role"</label>
                    <select id="add-role" name="role">
                        <option value="viewer" selected=true>
                            "viewer"
                        </option>
                        <option value="admin">"admin"</option>
                    </select>
                </div>
                <Suspense>
                    {move || Suspend::new(async move {
                        let choices = workspaces.await.unwrap_or_default();
                        view! { <ViewerWorkspace choices error=add_error /> }
                    })}
                </Suspense>
                <FormAlert error=add_error />
                <button type="submit">"Add user"</button>
            </ActionForm>
        </section>
        </ForAdmins>
        <FormAlert error=role_error />
        <FormAlert error=delete_error />
        <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => {
                        let me = auth.user_id().await;
                        view! { <UsersTable list me actions=row_actions /> }.into_any()
                    }
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Which workspace a new viewer sees. With one workspace it is that one; with several the
/// admin must choose (the server refuses a viewer without one).
#[component]
fn ViewerWorkspace(
    choices: Vec<WorkspaceChoice>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let several = choices.len() > 1;
    let message = move || error.get().and_then(|e| e.for_field("workspace"));
    view! {
        <div class="field">
            <label for="add-workspace">"Workspace (viewers)"</label>
            <select id="add-workspace" name="workspace">
                {several
                    .then(|| view! { <option value="" disabled=true selected=true>"Choose…"</option> })}
                {choices
                    .into_iter()
                    .map(|w| view! { <option value=w.id.0>{w.name}</option> })
                    .collect_view()}
            </select>
            <Show when=move || message().is_some()>
                <p class="field-error" data-testid="add-workspace-error">{message}</p>
            </Show>
        </div>
    }
}

#[component]
fn UsersTable(list: Vec<UserSummary>, me: Option<UserId>, actions: RowActions) -> impl IntoView {
    view! {
        <table class="data-table">
            <caption class="visually-hidden">"Dashboard users"</caption>
            <ListHead columns=&["Username", "Role", "Added", "Reset password"] action="Delete" />
            <tbody>
                {list
                    .into_iter()
                    .map(|user| {
                        let me = me == Some(user.id);
                        view! { <UserRow user me actions /> }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(user: UserSummary, me: bool, actions: RowActions) -> impl IntoView {
    let id = user.id;
    let reset = ServerAction::<ResetPassword>::new();
    let reset_form = clear_on_success(reset);
    let reset_error = last_error(reset);
    let reset_done = move || matches!(reset.value().get(), Some(Ok(())));
    let username = user.username.clone();
    let on_role = move |ev| {
        if let Ok(role) = event_target_value(&ev).parse::<Role>() {
            actions.change_role.dispatch(ChangeRole { id, role });
        }
    };
    let on_delete = move |_| {
        if confirm(&format!(
            "Delete user {username}? They are signed out at once."
        )) {
            actions.delete.dispatch(DeleteUser { id });
        }
    };
    view! {
        <tr data-username=user.username.clone() data-testid="user-row">
            <th scope="row">
                {user.username.clone()} {me.then(|| view! { <small>" (you)"</small> })}
            </th>
            <td>
                <label class="visually-hidden" for=format!("role-{id}")>
                    "Role of "
                    {user.username.clone()}
                </label>
                <select id=format!("role-{id}") on:change=on_role disabled=me>
                    {Role::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=r == user.role>{r.as_str()}</option> })
                        .collect_view()}
                </select>
            </td>
            <td>{user.created_on.clone()}</td>
            <td>
                <ActionForm action=reset node_ref=reset_form attr:class="row-form">
                    <input type="hidden" name="id" value=id.0 />
                    <TextField
                        form=format!("reset-{id}")
                        name="password"
                        label="New password"
                        kind="password"
                        autocomplete="new-password"
                        error=reset_error
                    />
                    <button type="submit">"Set"</button>
                    <FormAlert error=reset_error />
                    <Show when=reset_done>
                        <span class="ok" role="status">
                            "Password changed."
                        </span>
                    </Show>
                </ActionForm>
            </td>
            <td>
                {(!me)
                    .then(|| {
                        view! {
                            <button type="button" class="danger" on:click=on_delete>
                                "Delete"
                            </button>
                        }
                    })}
            </td>
        </tr>
    }
}
