//! `instalytics backup` and `restore` for SQLite, and the lock that keeps a restore from
//! replacing the database under a running server.
//!
//! A backup is SQLite's `VACUUM INTO`: a consistent copy taken in one read transaction, so
//! the poller goes on writing meanwhile (WAL). A restore puts a copy back while no server
//! runs: the current files are set aside (nothing is deleted), the copy is checked (SQLite's
//! `quick_check`, and migrations this binary knows), migrated to the newest schema, and the
//! master key is tried on it as a server's start would. PostgreSQL has `pg_dump` and
//! `pg_restore`, which do this better than we could; the commands say so.
//!
//! The master key is never in a backup: a copy of the database alone opens no token.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::config::DatabaseArgs;
use crate::crypto::KEY_FILE;
use crate::db::{self, DbOpenError};
use crate::keyring;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("this database is PostgreSQL: back it up with pg_dump, e.g. `pg_dump --format=custom --file=instalytics.dump '{0}'`, and put it back with pg_restore (README, Backups). The master key is not in the dump: keep it too")]
    Postgres(String),
    #[error("no SQLite database at {0}")]
    Missing(PathBuf),
    #[error("{0} exists already; give a new file name (nothing was written)")]
    Exists(PathBuf),
    #[error("{0} is not an Instalytics backup: {1}")]
    NotABackup(PathBuf, String),
    #[error("{path} was made by a newer Instalytics (its schema has {migration}, which this binary does not know); restore it with that version or a newer one")]
    Newer { path: PathBuf, migration: String },
    #[error("a server is running on {0}: stop every server using this data directory first (a restore replaces the database under it)")]
    InUse(PathBuf),
    #[error("cannot {what} {path}: {source}")]
    File {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Open(#[from] DbOpenError),
    #[error("the database refused: {0}")]
    Sql(String),
    #[error("a server could not start on it: {0}")]
    Key(#[from] keyring::OpenError),
    #[error("the backup is in place at {path}, but {source}; {}", kept(.set_aside))]
    Placed {
        path: PathBuf,
        set_aside: Vec<PathBuf>,
        source: Box<BackupError>,
    },
}

/// Where a restore put the files it replaced, for a message.
fn kept(set_aside: &[PathBuf]) -> String {
    if set_aside.is_empty() {
        return "there was no database before it".into();
    }
    let files: Vec<String> = set_aside.iter().map(|p| p.display().to_string()).collect();
    format!(
        "the files it replaced are kept as {} (rename them back to undo)",
        files.join(", ")
    )
}

fn sql(e: sea_orm::DbErr) -> BackupError {
    BackupError::Sql(db::root_cause(&e))
}

/// What `backup` wrote.
#[derive(Debug)]
pub struct Backup {
    pub bytes: u64,
    /// The newest migration in it.
    pub schema: String,
}

/// What `restore` did.
#[derive(Debug)]
pub struct Restored {
    pub database: PathBuf,
    /// Where the files that were there before went (none for a fresh data directory).
    pub set_aside: Vec<PathBuf>,
    /// The backup's newest migration and the newest after migrating.
    pub from_schema: String,
    pub to_schema: String,
    pub accounts: u64,
}

/// Held (shared) by every server on a SQLite database, asked for exclusively by `restore`:
/// an advisory lock on `<database>.lock`, released by the kernel when the process ends.
pub struct ServeLock {
    _held: File,
}

impl ServeLock {
    /// For a server: shared with other servers on the same file, refused during a restore.
    pub fn serving(database: &Path) -> Result<Self, BackupError> {
        let file = lock_file(database)?;
        file.try_lock_shared()
            .map_err(|_| BackupError::InUse(database.to_owned()))?;
        Ok(Self { _held: file })
    }

    fn exclusive(database: &Path) -> Result<Self, BackupError> {
        let file = lock_file(database)?;
        file.try_lock()
            .map_err(|_| BackupError::InUse(database.to_owned()))?;
        Ok(Self { _held: file })
    }
}

fn lock_file(database: &Path) -> Result<File, BackupError> {
    if let Some(dir) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        db::private_dir(dir).map_err(|source| BackupError::File {
            what: "create the directory",
            path: dir.to_owned(),
            source,
        })?;
    }
    let path = sibling(database, ".lock");
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| BackupError::File {
            what: "open the lock file",
            path,
            source,
        })
}

/// `<database><suffix>`, beside it.
fn sibling(database: &Path, suffix: &str) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The SQLite file `database` names, or the PostgreSQL refusal.
fn sqlite_path(database: &DatabaseArgs) -> Result<PathBuf, BackupError> {
    let url = database.url();
    db::sqlite_file(&url)
        .map(Path::to_owned)
        .ok_or_else(|| BackupError::Postgres(db::redact_url(&url)))
}

/// Writes a consistent copy of the database to `to`, which must not exist (readable by this
/// user only, like the database).
pub async fn backup(database: &DatabaseArgs, to: &Path) -> Result<Backup, BackupError> {
    let file = sqlite_path(database)?;
    if !file.is_file() {
        return Err(BackupError::Missing(file));
    }
    let created = new_private_file(to)?;
    drop(created);
    let done = async {
        let db = db::connect(&database.url()).await?;
        // VACUUM INTO writes into an empty file; it refuses one with anything in it.
        db.execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [to.display().to_string().into()],
        ))
        .await
        .map_err(sql)?;
        // The copy is of one moment, and migrations run only at a server's start.
        let schema = current_schema(&db).await?;
        db.close().await.map_err(sql)?;
        let bytes = std::fs::metadata(to)
            .map_err(|source| BackupError::File {
                what: "read",
                path: to.to_owned(),
                source,
            })?
            .len();
        Ok(Backup { bytes, schema })
    }
    .await;
    if done.is_err() {
        let _ = std::fs::remove_file(to);
    }
    done
}

fn new_private_file(path: &Path) -> Result<File, BackupError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => BackupError::Exists(path.to_owned()),
        _ => BackupError::File {
            what: "create",
            path: path.to_owned(),
            source,
        },
    })
}

/// Puts the backup at `from` in place of the database, with no server running.
pub async fn restore(
    database: &DatabaseArgs,
    from: &Path,
    now: i64,
) -> Result<Restored, BackupError> {
    let file = sqlite_path(database)?;
    let _lock = ServeLock::exclusive(&file)?;

    // Checked as a copy beside the database, so that a bad backup changes nothing.
    let incoming = sibling(&file, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    copy_private(from, &incoming)?;
    let from_schema = match check(&incoming, from).await {
        Ok(schema) => schema,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
    };

    // The database with its journal, set aside together: a WAL left beside the restored
    // file would be replayed into it.
    let mut set_aside = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let current = sibling(&file, suffix);
        if current.exists() {
            let aside = sibling(&file, &format!(".before-restore-{now}{suffix}"));
            std::fs::rename(&current, &aside).map_err(|source| BackupError::File {
                what: "set aside",
                path: current.clone(),
                source,
            })?;
            set_aside.push(aside);
        }
    }
    std::fs::rename(&incoming, &file).map_err(|source| BackupError::File {
        what: "move the backup into place at",
        path: file.clone(),
        source,
    })?;

    let opened = async {
        let db = db::open(&database.url()).await?;
        let to_schema = current_schema(&db).await?;
        let accounts = count(&db, "SELECT COUNT(*) FROM accounts").await?;
        let master_key = database.master_key.as_ref().map(|k| k.expose());
        keyring::open(&db, master_key, &database.data_dir, now).await?;
        db.close().await.map_err(sql)?;
        Ok::<_, BackupError>((to_schema, accounts))
    };
    match opened.await {
        Ok((to_schema, accounts)) => Ok(Restored {
            database: file,
            set_aside,
            from_schema,
            to_schema,
            accounts,
        }),
        Err(source) => Err(BackupError::Placed {
            path: file,
            set_aside,
            source: Box::new(source),
        }),
    }
}

fn copy_private(from: &Path, to: &Path) -> Result<(), BackupError> {
    let mut source = File::open(from).map_err(|source| BackupError::File {
        what: "read",
        path: from.to_owned(),
        source,
    })?;
    let mut target = new_private_file(to)?;
    let io = |source| BackupError::File {
        what: "write",
        path: to.to_owned(),
        source,
    };
    std::io::copy(&mut source, &mut target).map_err(io)?;
    target.sync_all().map_err(io)
}

/// The copy at `path` (of the backup `shown`) is a sound SQLite database with our schema,
/// no newer than this binary's; returns its newest migration.
async fn check(path: &Path, shown: &Path) -> Result<String, BackupError> {
    let not_ours = |why: String| BackupError::NotABackup(shown.to_owned(), why);
    let url = format!("sqlite://{}?mode=rw", path.display());
    let db = db::connect(&url)
        .await
        .map_err(|e| not_ours(e.to_string()))?;
    let checked = async {
        let verdict = db
            .query_one(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA quick_check",
            ))
            .await
            .map_err(|e| not_ours(db::root_cause(&e)))?
            .and_then(|row| row.try_get_by_index::<String>(0).ok())
            .unwrap_or_default();
        if verdict != "ok" {
            return Err(not_ours(format!("SQLite's check says {verdict}")));
        }
        match db::schema(&db).await {
            Ok(db::Schema::Newer(migration)) => Err(BackupError::Newer {
                path: shown.to_owned(),
                migration,
            }),
            Ok(db::Schema::Current(newest)) => Ok(newest),
            Ok(db::Schema::Pending { newest, .. }) => {
                newest.ok_or_else(|| not_ours("it has no Instalytics schema".into()))
            }
            Err(_) => Err(not_ours("it has no Instalytics schema".into())),
        }
    }
    .await;
    let _ = db.close().await;
    checked
}

/// The newest migration applied to `db` (a database this binary has migrated, or is backing
/// up under a running server).
async fn current_schema(db: &DatabaseConnection) -> Result<String, BackupError> {
    Ok(match db::schema(db).await.map_err(sql)? {
        db::Schema::Current(newest) | db::Schema::Newer(newest) => newest,
        db::Schema::Pending { newest, .. } => newest.unwrap_or_default(),
    })
}

async fn count(db: &DatabaseConnection, query: &str) -> Result<u64, BackupError> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), query))
        .await
        .map_err(sql)?;
    Ok(row
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0) as u64)
}

/// Where the master key is, for the commands' reminder that the backup needs it.
pub fn key_location(database: &DatabaseArgs) -> String {
    if database.master_key.is_some() {
        "in INSTALYTICS_MASTER_KEY".into()
    } else {
        format!("at {}", database.data_dir.join(KEY_FILE).display())
    }
}
