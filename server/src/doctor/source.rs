//! Where the examined token comes from: `INSTALYTICS_DOCTOR_TOKEN` or stdin's first line
//! (never a flag: flags show in `ps` and shell history), or a connected account's sealed
//! token, opened with the master key the server uses.

use std::io::{BufRead, IsTerminal};

use crate::config::DatabaseArgs;
use crate::crypto::{Cipher, MasterKey};
use crate::graph::{AccessToken, Flavour};
use crate::store::accounts::AccountStore;
use crate::store::entities::accounts::DbStatus;
use crate::store::StoreError;

use super::token::StoredAccount;
use super::DoctorError;

pub const TOKEN_ENV: &str = "INSTALYTICS_DOCTOR_TOKEN";

/// The pasted token: the environment first (a terminal may be attached with nothing to say),
/// else a hidden prompt on a terminal, else stdin's first line.
pub fn pasted() -> Result<AccessToken, DoctorError> {
    let text = match std::env::var(TOKEN_ENV) {
        Ok(text) => text,
        Err(_) if std::io::stdin().is_terminal() => {
            rpassword::prompt_password("Access token: ").map_err(DoctorError::Stdin)?
        }
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(DoctorError::Stdin)?;
            line
        }
    };
    clean(&text)
        .map(AccessToken::new)
        .ok_or(DoctorError::NoToken)
}

/// A token as pasted: surrounding blanks and the line end are not part of it.
fn clean(text: &str) -> Option<String> {
    let token = text.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// The account's stored token, opened as the poller opens it (the Instagram user id is the
/// associated data), with its login type.
pub async fn stored(
    database: &DatabaseArgs,
    id: i64,
) -> Result<(StoredAccount, Flavour, AccessToken), DoctorError> {
    let url = database.url();
    let db = crate::db::open(&url).await?;
    let account = match AccountStore::new(db).find(id).await {
        Ok(account) => account,
        Err(StoreError::NotFound) => {
            return Err(DoctorError::NoAccount {
                id,
                url: crate::db::redact_url(&url),
            })
        }
        Err(source) => return Err(DoctorError::Store { id, source }),
    };
    // Never create a key here: a new one would open nothing.
    let key = MasterKey::load(
        database.master_key.as_ref().map(|k| k.expose()),
        &database.data_dir,
    )?;
    let token = Cipher::new(key)
        .open(&account.token.0, &account.ig_user_id)
        .map_err(|source| DoctorError::Sealed {
            username: account.username.clone(),
            source,
        })?;
    let stored = StoredAccount {
        id: account.id,
        username: account.username.clone(),
        ig_user_id: account.ig_user_id.clone(),
        status: status_name(account.status).into(),
        token_expires_at: account.token_expires_at,
    };
    Ok((stored, account.flavour, AccessToken::new(token)))
}

fn status_name(status: DbStatus) -> &'static str {
    match status {
        DbStatus::Pending => "pending",
        DbStatus::Ok => "ok",
        DbStatus::NeedsReauth => "needs_reauth",
        DbStatus::PermissionMissing => "permission_missing",
        DbStatus::RateLimited => "rate_limited",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_token_loses_its_blanks_and_an_empty_one_is_none() {
        assert_eq!(clean("  IGAAabc\r\n").as_deref(), Some("IGAAabc"));
        assert_eq!(clean("\n"), None);
        assert_eq!(clean(""), None);
    }
}
