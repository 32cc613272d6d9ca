//! `/workspaces` (admin): groups of accounts, say one per client, and the viewers who see
//! each. Accounts move between workspaces on the Accounts page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::users::list_users;
use crate::api::workspaces::{
    list_workspaces, CreateWorkspace, DeleteWorkspace, RenameWorkspace, SetMember,
};
use crate::components::error_view::ErrorView;
use crate::components::form::{clear_on_success, confirm, last_error, FormAlert, TextField};
use crate::dto::{Role, UserSummary, WorkspaceSummary};
use crate::resource::resource;

#[derive(Clone, Copy)]
struct RowActions {
    rename: ServerAction<RenameWorkspace>,
    delete: ServerAction<DeleteWorkspace>,
    member: ServerAction<SetMember>,
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let create = ServerAction::<CreateWorkspace>::new();
    let actions = RowActions {
        rename: ServerAction::new(),
        delete: ServerAction::new(),
        member: ServerAction::new(),
    };
    let workspaces = resource(
        move || {
            (
                create.version().get(),
                actions.rename.version().get(),
                actions.delete.version().get(),
                actions.member.version().get(),
            )
        },
        |_| list_workspaces(),
    );
    let users = resource(|| (), |_| list_users());
    let create_form = clear_on_success(create);
    let create_error = last_error(create);
    let errors = [
        last_error(actions.rename),
        last_error(actions.delete),
        last_error(actions.member),
    ];
    view! {
        <Title text="Workspaces" />
        <h1>"Workspaces"</h1>
        <p class="hint">
            "Every account is in one workspace; a viewer sees the accounts of the workspaces they are a member of, admins see all. Move accounts on the "
            <a href="/accounts">"Accounts"</a>
            " page."
        </p>
        <section aria-labelledby="add-workspace-title" class="card">
            <h2 id="add-workspace-title">"Add a workspace"</h2>
            <ActionForm action=create node_ref=create_form attr:class="inline-form" attr:data-testid="add-workspace-form">
                <TextField form="add-workspace" name="name" label="Name" error=create_error />
                <FormAlert error=create_error />
                <button type="submit">"Add workspace"</button>
            </ActionForm>
        </section>
        {errors.map(|error| view! { <FormAlert error /> }).collect_view()}
        <Transition fallback=|| view! { <p class="loading">"Loading workspaces…"</p> }>
            {move || Suspend::new(async move {
                let viewers: Vec<UserSummary> = users
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|u| u.role == Role::Viewer)
                    .collect();
                match workspaces.await {
                    Ok(list) => view! {
                        <ul class="workspaces">
                            {list
                                .into_iter()
                                .map(|workspace| {
                                    let viewers = viewers.clone();
                                    view! { <WorkspaceCard workspace viewers actions /> }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WorkspaceCard(
    workspace: WorkspaceSummary,
    viewers: Vec<UserSummary>,
    actions: RowActions,
) -> impl IntoView {
    let WorkspaceSummary {
        id,
        name,
        accounts,
        members,
    } = workspace;
    let rename_error = last_error(actions.rename);
    let candidates: Vec<UserSummary> = viewers
        .into_iter()
        .filter(|v| !members.iter().any(|(m, _)| *m == v.id))
        .collect();
    let chosen = RwSignal::new(candidates.first().map(|u| u.id));
    let on_delete = {
        let name = name.clone();
        move |_| {
            if confirm(&format!("Delete the workspace {name}?")) {
                actions.delete.dispatch(DeleteWorkspace { id });
            }
        }
    };
    let add_member = move |_| {
        if let Some(user) = chosen.get() {
            actions.member.dispatch(SetMember {
                workspace: id,
                user,
                member: true,
            });
        }
    };
    let account_list = if accounts.is_empty() {
        "none yet".to_owned()
    } else {
        accounts
            .iter()
            .map(|a| format!("@{a}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (title, key) = (name.clone(), name.clone());
    view! {
        <li class="card workspace" data-workspace=key data-testid="workspace-card">
            <h2>{title}</h2>
            <ActionForm action=actions.rename attr:class="inline-form">
                <input type="hidden" name="id" value=id.0 />
                <TextField form=format!("rename-{id}") name="name" label="Name" value=name error=rename_error />
                <button type="submit">"Rename"</button>
            </ActionForm>
            <p data-testid="workspace-accounts">
                {format!("Accounts ({}): {account_list}", accounts.len())}
            </p>
            <h3>"Members"</h3>
            <ul class="members" data-testid="workspace-members">
                {members
                    .into_iter()
                    .map(|(user, username)| {
                        view! {
                            <li data-member=username.clone()>
                                {username.clone()}
                                " "
                                <button
                                    type="button"
                                    class="link-button"
                                    on:click=move |_| {
                                        actions.member.dispatch(SetMember { workspace: id, user, member: false });
                                    }
                                >
                                    {format!("Remove {username}")}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(!candidates.is_empty())
                .then(|| {
                    view! {
                        <div class="inline-form">
                            <div class="field">
                                <label for=format!("member-{id}")>"Add a viewer"</label>
                                <select
                                    id=format!("member-{id}")
                                    on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())
                                >
                                    {candidates
                                        .into_iter()
                                        .map(|u| view! { <option value=u.id.0>{u.username}</option> })
                                        .collect_view()}
                                </select>
                            </div>
                            <button type="button" on:click=add_member>"Add member"</button>
                        </div>
                    }
                })}
            <button type="button" class="danger" on:click=on_delete>
                "Delete workspace"
            </button>
        </li>
    }
}
