//! Workspaces ([`WorkspacesPort`]): what each reader may see, and their management.

use app::backend::WorkspacesPort;
use app::dto::{
    AccountId, Reach, SessionUser, UserId, WorkspaceChoice, WorkspaceId, WorkspaceSummary,
};
use app::error::AppError;
use app::rules;
use async_trait::async_trait;

use crate::clock::unix_now;
use crate::store::entities::workspaces;
use crate::store::workspaces::WorkspaceStore;
use crate::store::StoreError;

#[derive(Clone)]
pub struct WorkspaceService {
    store: WorkspaceStore,
}

impl WorkspaceService {
    pub fn new(store: WorkspaceStore) -> Self {
        Self { store }
    }
}

/// What a reader's query covers, as the stores take it.
pub struct Covered {
    /// Every workspace when `None`.
    pub workspaces: Option<Vec<i64>>,
    /// Every account of those workspaces when `None`.
    pub account: Option<i64>,
}

/// What a reader's query for `workspace` and `account` covers ([`Reach::narrow`] and
/// [`Reach::pin`]: `NotFound` outside the reach).
pub fn covered(
    reach: &Reach,
    workspace: Option<WorkspaceId>,
    account: Option<AccountId>,
) -> Result<Covered, AppError> {
    Ok(Covered {
        workspaces: reach
            .narrow(workspace)?
            .map(|ids| ids.into_iter().map(|w| w.0).collect()),
        account: reach.pin(account)?.map(|a| a.0),
    })
}

fn choice(row: workspaces::Model) -> WorkspaceChoice {
    WorkspaceChoice {
        id: WorkspaceId(row.id),
        name: row.name,
    }
}

fn name_taken(err: StoreError) -> AppError {
    match err {
        StoreError::Duplicate => {
            AppError::invalid("name", "A workspace with that name exists already.")
        }
        other => other.into(),
    }
}

#[async_trait]
impl WorkspacesPort for WorkspaceService {
    async fn reach(&self, user: &SessionUser) -> Result<Reach, AppError> {
        if user.is_admin() {
            return Ok(Reach::All);
        }
        let ids = self.store.memberships(user.id.0).await?;
        Ok(Reach::Workspaces(
            ids.into_iter().map(WorkspaceId).collect(),
        ))
    }

    async fn choices(&self, reach: &Reach) -> Result<Vec<WorkspaceChoice>, AppError> {
        let ids = covered(reach, None, None)?.workspaces;
        Ok(self
            .store
            .list(ids.as_deref())
            .await?
            .into_iter()
            .map(choice)
            .collect())
    }

    async fn list(&self) -> Result<Vec<WorkspaceSummary>, AppError> {
        let roster = self.store.roster().await?;
        Ok(self
            .store
            .list(None)
            .await?
            .into_iter()
            .map(|row| WorkspaceSummary {
                id: WorkspaceId(row.id),
                accounts: roster
                    .accounts
                    .iter()
                    .filter(|(w, _)| *w == row.id)
                    .map(|(_, name)| name.clone())
                    .collect(),
                members: roster
                    .members
                    .iter()
                    .filter(|(w, _, _)| *w == row.id)
                    .map(|(_, user, name)| (UserId(*user), name.clone()))
                    .collect(),
                name: row.name,
            })
            .collect())
    }

    async fn create(&self, name: &str) -> Result<WorkspaceChoice, AppError> {
        let name = rules::workspace_name(name)?;
        let row = self
            .store
            .create(&name, unix_now())
            .await
            .map_err(name_taken)?;
        tracing::info!(workspace = row.id, "workspace created");
        Ok(choice(row))
    }

    async fn rename(&self, id: WorkspaceId, name: &str) -> Result<(), AppError> {
        let name = rules::workspace_name(name)?;
        self.store.rename(id.0, &name).await.map_err(name_taken)
    }

    async fn delete(&self, id: WorkspaceId) -> Result<(), AppError> {
        self.store.delete(id.0).await?;
        tracing::info!(workspace = id.0, "workspace deleted");
        Ok(())
    }

    async fn move_account(&self, account: AccountId, to: WorkspaceId) -> Result<(), AppError> {
        self.store.move_account(account.0, to.0).await?;
        tracing::info!(account = account.0, workspace = to.0, "account moved");
        Ok(())
    }

    async fn set_member(
        &self,
        id: WorkspaceId,
        user: UserId,
        member: bool,
    ) -> Result<(), AppError> {
        self.store.set_member(id.0, user.0, member).await?;
        Ok(())
    }
}
