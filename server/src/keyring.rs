//! The master key around a rotation: `rotate-key`, and the start that finishes it.
//!
//! `rotate-key` stages the new key as `master.key.new`, re-seals every token and the BigQuery
//! key in one transaction (refused while another process holds a live sync lease, see
//! `store::sealed`), then keeps the old key as `master.key.old`, puts the new one in place
//! and syncs the directory. A server that was running meanwhile still holds the old key, and
//! what it seals until it stops (a connected account, a refreshed token, an uploaded BigQuery
//! key) is under the old key. So the next start proves the key on every sealed value,
//! re-seals those under a spare key (`master.key.old`, or `master.key.new` when a rotation
//! stopped between its commit and its rename) and only then removes `master.key.old`. Until
//! a start has done that, another rotation is refused: it would bury the only key that opens
//! those values.
//!
//! With `INSTALYTICS_MASTER_KEY` there are no key files: the operator holds both keys.

use std::path::{Path, PathBuf};

use sea_orm::DatabaseConnection;

use crate::crypto::{self, Cipher, CryptoError, MasterKey, NEW_KEY_FILE, OLD_KEY_FILE};
use crate::store::accounts::AccountStore;
use crate::store::export::ExportStore;
use crate::store::notify::NotifyStore;
use crate::store::sealed::{ResealError, Resealed, SealedStore};
use crate::store::StoreError;

/// What `rotate-key` did.
#[derive(Debug)]
pub struct Rotation {
    pub old_id: String,
    pub new_id: String,
    pub resealed: Resealed,
    /// The key lives in `master.key` (else in `INSTALYTICS_MASTER_KEY`).
    pub key_file: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("master key: {0}")]
    Key(#[from] CryptoError),
    #[error(
        "{} is left from the last rotation, and no server has started since to confirm the \
         new key: start the server once (it re-seals whatever a server running during that \
         rotation sealed under the old key, then removes the file), then rotate again",
        path.display()
    )]
    Unconfirmed { path: PathBuf },
    #[error(
        "the key comes from INSTALYTICS_MASTER_KEY: put the new key in \
         INSTALYTICS_NEW_MASTER_KEY (e.g. `openssl rand -base64 32`) and run again"
    )]
    NewKeyNeeded,
    #[error("{0}; nothing was changed. {hint}", hint = refusal_hint(.0))]
    Refused(ResealError<CryptoError>),
    #[error(
        "every value is re-sealed under key {new_id}, but the new key could not be put in \
         place ({source}); nothing is lost: the next start re-seals them under master.key \
         again from master.key.new"
    )]
    Install { new_id: String, source: CryptoError },
}

fn refusal_hint(e: &ResealError<CryptoError>) -> &'static str {
    match e {
        ResealError::Busy { .. } => {
            "Stop every server using this database (or wait for the sync to end), then run \
             rotate-key again."
        }
        ResealError::Token { .. } => {
            "Restore the key that token was sealed with, or delete the account and connect it \
             again, then run rotate-key again."
        }
        ResealError::BigQueryKey(_) => {
            "Upload the BigQuery key again in Settings, then run rotate-key again."
        }
        ResealError::Notify(_) => {
            "Remove that notification channel (or enter the SMTP password again) in Settings → \
             Notifications, then run rotate-key again."
        }
        ResealError::Store(_) => "Run rotate-key again once the database is reachable.",
    }
}

/// Re-seals every sealed value under a new key: `new_key` (base64), or with a key file a
/// generated one. `current_env` is `INSTALYTICS_MASTER_KEY`, if set.
pub async fn rotate(
    db: &DatabaseConnection,
    data_dir: &Path,
    current_env: Option<&str>,
    new_key: Option<&str>,
    now: i64,
) -> Result<Rotation, RotateError> {
    let key_file = current_env.is_none();
    let old_path = data_dir.join(OLD_KEY_FILE);
    if key_file && old_path.exists() {
        return Err(RotateError::Unconfirmed { path: old_path });
    }
    let old_key = MasterKey::load(current_env, data_dir)?;
    let new_key = match new_key {
        Some(text) => MasterKey::from_base64(text)?,
        None if !key_file => return Err(RotateError::NewKeyNeeded),
        None => MasterKey::generate(),
    };
    // On disk before any value depends on it: a crash after the commit leaves it there.
    let staged = if key_file {
        Some(new_key.stage(data_dir)?)
    } else {
        None
    };
    let (old, new) = (Cipher::new(old_key.clone()), Cipher::new(new_key.clone()));
    let outcome = SealedStore::new(db.clone())
        .reseal_all(now, |sealed, context| {
            old.open(sealed, context)
                .map(|plain| Some(new.seal(&plain, context)))
        })
        .await;
    let resealed = match outcome {
        Ok(resealed) => resealed,
        Err(e) => {
            // Refused before the commit, the staged key seals nothing. After a database
            // error the commit may have happened: the staged key stays for the start.
            if let (Some(path), false) = (&staged, matches!(e, ResealError::Store(_))) {
                if let Err(err) = std::fs::remove_file(path) {
                    tracing::warn!(path = %path.display(), error = %err, "cannot remove the staged key");
                }
            }
            return Err(RotateError::Refused(e));
        }
    };
    if key_file {
        let install = old_key
            .keep(&old_path)
            .and_then(|()| new_key.install(data_dir));
        install.map_err(|source| RotateError::Install {
            new_id: new.key_id().to_owned(),
            source,
        })?;
    }
    Ok(Rotation {
        old_id: old.key_id().to_owned(),
        new_id: new.key_id().to_owned(),
        resealed,
        key_file,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("master key: {0}")]
    Key(#[from] CryptoError),
    #[error("the stored token of @{username} cannot be opened: {source}. Restore the master key it was sealed with (INSTALYTICS_MASTER_KEY or master.key in the data directory); nothing was changed")]
    Token {
        username: String,
        source: CryptoError,
    },
    #[error("a notification channel's settings or the SMTP password cannot be opened: {0}. Restore the master key they were sealed with; nothing was changed")]
    Notify(CryptoError),
    #[error("cannot read the sealed values: {0}")]
    Store(#[from] StoreError),
    #[error("cannot re-seal what is still under the previous master key: {0}")]
    Reseal(ResealError<CryptoError>),
    #[error("cannot remove {}: {source}", path.display())]
    Spare {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// At start: loads (or, with nothing sealed yet, creates) the master key, proves it opens
/// every stored token, finishes a rotation (see the module's comment), and returns the
/// cipher. A wrong or missing key is one clear error here, never garbage later.
pub async fn open(
    db: &DatabaseConnection,
    from_env: Option<&str>,
    data_dir: &Path,
    now: i64,
) -> Result<Cipher, OpenError> {
    let accounts = AccountStore::new(db.clone()).list(None).await?;
    let bigquery_key = ExportStore::new(db.clone()).config().await?.sealed_key;
    let notify = NotifyStore::new(db.clone()).sealed().await?;
    let key = if accounts.is_empty() && bigquery_key.is_none() && notify.is_empty() {
        MasterKey::load_or_create(from_env, data_dir)?
    } else {
        // Values are sealed: never invent a new key for them.
        MasterKey::load(from_env, data_dir)?
    };
    let current = Cipher::new(key);
    let current_id = current.key_id().to_owned();
    let under_another_key = |sealed: &str| crypto::key_id_of(sealed) != Some(current_id.as_str());
    let needs_spare = accounts.iter().any(|a| under_another_key(&a.token.0))
        || bigquery_key.as_deref().is_some_and(under_another_key)
        || notify.iter().any(|(sealed, _)| under_another_key(sealed));
    let spares = if needs_spare {
        spare_keys(data_dir, &current_id)?
    } else {
        Vec::new()
    };
    let spare_for = |sealed: &str| {
        spares
            .iter()
            .find(|(_, c)| crypto::key_id_of(sealed) == Some(c.key_id()))
    };
    let mut stale = false;
    for account in &accounts {
        let token = &account.token.0;
        if spare_for(token).is_some() {
            stale = true;
            continue;
        }
        current
            .open(token, &account.ig_user_id)
            .map_err(|source| OpenError::Token {
                username: account.username.clone(),
                source,
            })?;
    }
    for (sealed, context) in &notify {
        if spare_for(sealed).is_some() {
            stale = true;
            continue;
        }
        current.open(sealed, context).map_err(OpenError::Notify)?;
    }
    // A BigQuery key under no key we have is left for the exporter to report.
    stale |= bigquery_key.as_deref().and_then(spare_for).is_some();
    let mut done_with = vec![data_dir.join(OLD_KEY_FILE)];
    if stale {
        let resealed = SealedStore::new(db.clone())
            .reseal_all(now, |sealed, context| match spare_for(sealed) {
                Some((path, spare)) => {
                    if !done_with.contains(path) {
                        done_with.push(path.clone());
                    }
                    spare
                        .open(sealed, context)
                        .map(|plain| Some(current.seal(&plain, context)))
                }
                None => Ok(None),
            })
            .await
            .map_err(OpenError::Reseal)?;
        tracing::warn!(
            tokens = resealed.tokens,
            bigquery_key = resealed.bigquery_key,
            notify = resealed.notify,
            key_id = %current_id,
            "re-sealed values still under the previous master key (sealed by a server that ran during rotate-key)"
        );
    }
    // The key is proven on every value: the previous one has nothing left to open. A staged
    // key that nothing needed may belong to a rotation under way, so it stays.
    let mut removed = false;
    for path in done_with {
        match std::fs::remove_file(&path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "previous master key removed");
                removed = true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(OpenError::Spare { path, source }),
        }
    }
    if removed {
        crypto::sync_dir(data_dir).map_err(|source| OpenError::Spare {
            path: data_dir.to_owned(),
            source,
        })?;
    }
    Ok(current)
}

/// `master.key.old` and `master.key.new` where they exist and differ from the current key.
fn spare_keys(data_dir: &Path, current_id: &str) -> Result<Vec<(PathBuf, Cipher)>, CryptoError> {
    let mut spares = Vec::new();
    for name in [OLD_KEY_FILE, NEW_KEY_FILE] {
        let path = data_dir.join(name);
        if !path.exists() {
            continue;
        }
        let cipher = Cipher::new(MasterKey::from_file(&path)?);
        if cipher.key_id() != current_id {
            spares.push((path, cipher));
        }
    }
    Ok(spares)
}
