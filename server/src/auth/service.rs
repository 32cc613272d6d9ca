//! The services behind `app::backend`'s [`AuthPort`] and [`UsersPort`]: the rules about who may
//! sign in and who may change whom. Internal failures are logged here and leave as
//! `AppError::Internal`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::backend::{AuthPort, SignedIn, UsersPort};
use app::dto::{Role, SessionUser, UserId, UserSummary, WorkspaceId};
use app::error::AppError;
use app::rules;
use async_trait::async_trait;

use super::device::{Device, DeviceCookies};
use super::password::{PasswordError, Passwords};
use super::setup_token::SetupToken;
use super::throttle::{LoginThrottle, Subject};
use crate::store::entities::users::{self, PasswordHash};
use crate::store::sessions::DbSessionStore;
use crate::store::users::UserStore;
use crate::store::workspaces::WorkspaceStore;
use crate::store::StoreError;

/// What a sign-in refused for want of hashing capacity is told to wait: about a hash's time.
const BUSY_RETRY: Duration = Duration::from_secs(1);

fn session_user(row: users::Model) -> SessionUser {
    SessionUser {
        id: UserId(row.id),
        username: row.username,
        role: row.role.into(),
    }
}

fn summary(row: users::Model) -> UserSummary {
    let d = row.created_at.date();
    UserSummary {
        id: UserId(row.id),
        username: row.username,
        role: row.role.into(),
        created_on: format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
    }
}

async fn hashed(passwords: &Passwords, password: &str) -> Result<PasswordHash, AppError> {
    passwords
        .hash(password)
        .await
        .map_err(|err: PasswordError| {
            tracing::error!(error = %err, "password hashing failure");
            AppError::Internal
        })
}

pub struct AuthService {
    pub users: UserStore,
    pub passwords: Passwords,
    pub throttle: Arc<LoginThrottle>,
    pub devices: DeviceCookies,
    pub setup: Arc<SetupToken>,
}

fn throttled(wait: Duration) -> AppError {
    AppError::Throttled {
        retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
    }
}

impl AuthService {
    /// The device `cookie` names, with its user's row, when the cookie is ours and was issued
    /// to the user called `name`.
    async fn device_for(
        &self,
        cookie: Option<&str>,
        name: Option<&str>,
    ) -> Result<Option<(Device, users::Model)>, AppError> {
        let (Some(device), Some(name)) = (cookie.and_then(|c| self.devices.read(c)), name) else {
            return Ok(None);
        };
        let row = self.users.find_by_username(name).await?;
        Ok(row
            .filter(|u| u.id == device.user_id)
            .map(|row| (device, row)))
    }
}

#[async_trait]
impl AuthPort for AuthService {
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
        device: Option<&str>,
    ) -> Result<SignedIn, AppError> {
        // A name that cannot be anyone's gets no counter (and no lookup), only the address's.
        let name = rules::username(username).ok();
        let known_device = self.device_for(device, name.as_deref()).await?;
        let subject = Subject {
            addr: client,
            user: name.clone(),
            device: known_device.as_ref().map(|(d, _)| d.id.clone()),
        };
        let attempt = self
            .throttle
            .begin(&subject, Instant::now())
            .map_err(|wait| {
                tracing::warn!(%client, "sign-in refused: throttled");
                throttled(wait)
            })?;
        let (device, user) = match (known_device, &name) {
            (Some((device, row)), _) => (Some(device), Some(row)),
            (None, Some(name)) => (None, self.users.find_by_username(name).await?),
            (None, None) => (None, None),
        };
        let matched = match self
            .passwords
            .verify(password, user.as_ref().map(|u| &u.password_hash))
            .await
        {
            Ok(matched) => matched,
            Err(PasswordError::Busy) => {
                attempt.not_tried();
                tracing::warn!(%client, "sign-in refused: every hashing slot is busy");
                return Err(throttled(BUSY_RETRY));
            }
            Err(err) => {
                attempt.failed();
                tracing::error!(error = %err, "password verification failure");
                return Err(AppError::Internal);
            }
        };
        match user.filter(|_| matched) {
            Some(user) => {
                attempt.succeeded();
                tracing::info!(user = %user.username, "signed in");
                // The same device keeps its id (and so its counter); otherwise a new one.
                let device = device.unwrap_or_else(|| Device::new(user.id));
                Ok(SignedIn {
                    device_cookie: self.devices.set_cookie(&device),
                    user: session_user(user),
                })
            }
            None => {
                attempt.failed();
                // The attempted name is not logged: people type passwords into it.
                tracing::warn!(%client, "sign-in failed");
                Err(AppError::BadCredentials)
            }
        }
    }

    async fn session_user(&self, id: UserId) -> Result<Option<SessionUser>, AppError> {
        Ok(self.users.find(id.0).await?.map(session_user))
    }

    async fn setup_open(&self, token: &str) -> Result<bool, AppError> {
        Ok(self.setup.matches(token) && !self.users.admin_exists().await?)
    }

    async fn complete_setup(
        &self,
        token: &str,
        username: &str,
        password: &str,
    ) -> Result<SessionUser, AppError> {
        let stale = || {
            AppError::Conflict(
                "This setup link is not valid any more: an admin exists already, or the server \
                 restarted and printed a new link."
                    .into(),
            )
        };
        let username = rules::username(username)?;
        rules::password(password)?;
        if !self.setup.consume(token) {
            return Err(stale());
        }
        let created = async {
            let hash = hashed(&self.passwords, password).await?;
            self.users
                .insert_first_admin(&username, hash)
                .await
                .map_err(AppError::from)
        }
        .await;
        match created {
            Ok(row) => {
                tracing::info!(user = %row.username, "first admin created through the setup link");
                Ok(session_user(row))
            }
            Err(e) => {
                // A failed attempt (say, a taken name) must not burn the link, unless the
                // reason is that an admin exists now.
                if self.users.admin_exists().await.unwrap_or(true) {
                    Err(stale())
                } else {
                    self.setup.restore(token);
                    Err(e)
                }
            }
        }
    }
}

pub struct UserAdmin {
    pub users: UserStore,
    /// A new viewer joins a workspace.
    pub workspaces: WorkspaceStore,
    /// To end a user's sessions when their password is reset or they are deleted.
    pub sessions: DbSessionStore,
    pub passwords: Passwords,
}

#[async_trait]
impl UsersPort for UserAdmin {
    async fn list(&self) -> Result<Vec<UserSummary>, AppError> {
        Ok(self.users.list().await?.into_iter().map(summary).collect())
    }

    async fn add(
        &self,
        username: &str,
        password: &str,
        role: Role,
        workspace: Option<WorkspaceId>,
    ) -> Result<UserSummary, AppError> {
        let username = rules::username(username)?;
        rules::password(password)?;
        // Checked before anything is written, so a refusal leaves no user behind.
        let joins = match role {
            Role::Admin => None,
            Role::Viewer => Some(
                self.workspaces
                    .for_new_viewer(workspace.map(|w| w.0))
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => {
                            AppError::invalid("workspace", "That workspace does not exist.")
                        }
                        other => other.into(),
                    })?
                    .ok_or_else(|| {
                        AppError::invalid("workspace", "Choose the workspace this viewer sees.")
                    })?,
            ),
        };
        let hash = hashed(&self.passwords, password).await?;
        let row = self.users.insert(&username, hash, role.into()).await?;
        if let Some(workspace) = joins {
            self.workspaces.set_member(workspace, row.id, true).await?;
        }
        tracing::info!(user = %row.username, role = %role, "user added");
        Ok(summary(row))
    }

    async fn set_role(&self, actor: &SessionUser, id: UserId, role: Role) -> Result<(), AppError> {
        if actor.id == id && role != Role::Admin {
            return Err(AppError::Conflict(
                "You cannot remove your own admin role.".into(),
            ));
        }
        self.users.set_role(id.0, role.into()).await?;
        tracing::info!(by = %actor.username, user_id = id.0, role = %role, "role changed");
        Ok(())
    }

    async fn reset_password(
        &self,
        id: UserId,
        password: &str,
        keep_session: Option<String>,
    ) -> Result<(), AppError> {
        rules::password(password)?;
        let hash = hashed(&self.passwords, password).await?;
        self.users.set_password(id.0, hash).await?;
        // Whoever knew the old password is signed out everywhere.
        let ended = self
            .sessions
            .end_for_user(id.0, keep_session.as_deref())
            .await?;
        tracing::info!(user_id = id.0, sessions_ended = ended, "password reset");
        Ok(())
    }

    async fn delete(&self, actor: &SessionUser, id: UserId) -> Result<(), AppError> {
        if actor.id == id {
            return Err(AppError::Conflict("You cannot delete yourself.".into()));
        }
        self.users.delete(id.0).await?;
        self.sessions.end_for_user(id.0, None).await?;
        tracing::info!(by = %actor.username, user_id = id.0, "user deleted");
        Ok(())
    }
}
