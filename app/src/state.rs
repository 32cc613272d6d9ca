//! Client-side state shared by every page: who is signed in, and what changes it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::session::{whoami, Logout};
use crate::dto::{SessionUser, UserId};
use crate::error::AppError;
use crate::resource::{resource, Res};

#[derive(Clone, Copy)]
pub struct Auth {
    pub logout: ServerAction<Logout>,
    /// Counts the answers of sign-in actions (see [`Auth::signing_in`]).
    signed_in: RwSignal<u64>,
    /// Refetched whenever sign-out or a sign-in action completes.
    pub user: Res<Result<Option<SessionUser>, AppError>>,
}

impl Auth {
    /// Whether the signed-in user is an admin, once the session is known. Only for what the
    /// page shows: every server function checks the role itself.
    pub async fn is_admin(self) -> bool {
        matches!(self.user.await, Ok(Some(user)) if user.is_admin())
    }

    /// The signed-in user's id, once the session is known.
    pub async fn user_id(self) -> Option<UserId> {
        self.user.await.ok().flatten().map(|user| user.id)
    }

    /// A new action that signs someone in (sign-in, first-run setup); each of its answers
    /// re-reads the session. The page that needs it creates it, so its code is loaded with
    /// that page rather than with every page.
    pub fn signing_in<I>(self) -> ServerAction<I>
    where
        I: ServerFn<Output = SessionUser, Error = AppError> + Clone + Send + Sync + 'static,
    {
        let action = ServerAction::<I>::new();
        let signed_in = self.signed_in;
        Effect::new(move |_| {
            if action.version().get() > 0 {
                signed_in.update(|n| *n += 1);
            }
        });
        action
    }
}

pub fn provide_auth() {
    let logout = ServerAction::<Logout>::new();
    let signed_in = RwSignal::new(0);
    let user = resource(
        move || (logout.version().get(), signed_in.get()),
        |_| whoami(),
    );
    provide_context(Auth {
        logout,
        signed_in,
        user,
    });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
