//! Client-side state shared by every page: who is signed in, and the actions that change it.

use leptos::prelude::*;

use crate::api::session::{whoami, CompleteSetup, Login, Logout};
use crate::components::resource::{resource, Res};
use crate::dto::SessionUser;
use crate::error::AppError;

#[derive(Clone, Copy)]
pub struct Auth {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub setup: ServerAction<CompleteSetup>,
    /// Refetched whenever one of the actions above completes.
    pub user: Res<Result<Option<SessionUser>, AppError>>,
}

impl Auth {
    /// Whether the signed-in user is an admin, once the session is known. Only for what the
    /// page shows: every server function checks the role itself.
    pub async fn is_admin(self) -> bool {
        matches!(self.user.await, Ok(Some(user)) if user.is_admin())
    }

    /// The signed-in user's id, once the session is known.
    pub async fn user_id(self) -> Option<i64> {
        self.user.await.ok().flatten().map(|user| user.id)
    }
}

pub fn provide_auth() {
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let setup = ServerAction::<CompleteSetup>::new();
    let user = resource(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                setup.version().get(),
            )
        },
        |_| whoami(),
    );
    provide_context(Auth {
        login,
        logout,
        setup,
        user,
    });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
