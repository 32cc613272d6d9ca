//! Opening the database and bringing its schema up to date.

use std::path::Path;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    SqlxSqliteConnector,
};

#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the database file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot migrate database {url}: {reason}")]
    Migrate { url: String, reason: String },
}

/// The innermost cause only: SeaORM and sqlx repeat the message at every layer.
pub fn root_cause(err: &DbErr) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Connects, enables SQLite's WAL journal, and runs pending migrations.
pub async fn open(url: &str) -> Result<DatabaseConnection, DbOpenError> {
    let db = connect(url).await?;
    Migrator::up(&db, None)
        .await
        .map_err(|e| DbOpenError::Migrate {
            url: redact_url(url),
            reason: root_cause(&e),
        })?;
    Ok(db)
}

/// Connects and enables SQLite's WAL journal; the schema is left as it is.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbOpenError> {
    let shown = redact_url(url);
    let url = match sqlite_file(url) {
        Some(file) => {
            if let Some(dir) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                private_dir(dir).map_err(|source| DbOpenError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            create_sqlite_once(url, file).map_err(|source| DbOpenError::File {
                path: file.display().to_string(),
                source,
            })?
        }
        None => url.to_owned(),
    };
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(16)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let connect = |e: DbErr| DbOpenError::Connect {
        url: shown.clone(),
        reason: root_cause(&e),
    };
    let db = if options.get_url().starts_with("sqlite:") {
        sqlite_pool(options).await
    } else {
        Database::connect(options).await
    }
    .map_err(connect)?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // SQLite opens lazily: this first statement is where a corrupt file shows. WAL lets
        // readers go on while the poller writes; it persists in the file.
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .map_err(connect)?;
    }
    Ok(db)
}

/// How a database's schema compares with this binary's migrations.
#[derive(Debug, PartialEq, Eq)]
pub enum Schema {
    /// Every migration applied; the newest one's name.
    Current(String),
    /// `count` migrations still to run; the newest applied, if any.
    Pending {
        count: usize,
        newest: Option<String>,
    },
    /// Migrated by a newer release: a migration this binary does not know.
    Newer(String),
}

/// Reads the applied migrations (a plain query: nothing is created or written).
pub async fn schema(db: &DatabaseConnection) -> Result<Schema, DbErr> {
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await?;
    let applied = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if let Some(unknown) = applied.iter().find(|m| !known.contains(m)) {
        return Ok(Schema::Newer(unknown.clone()));
    }
    let pending = known.iter().filter(|m| !applied.contains(m)).count();
    Ok(match (pending, known.last()) {
        (0, Some(newest)) => Schema::Current(newest.clone()),
        (count, _) => Schema::Pending {
            count,
            newest: applied.last().cloned(),
        },
    })
}

/// SQLite's pool as SeaORM builds it, except that a connection handed back still inside a
/// transaction is closed, not reused. After SQLITE_FULL, SQLite may roll a transaction back by
/// itself; sqlx's ROLLBACK then fails and it goes on counting the connection as inside one, so
/// the next transaction on it would be a savepoint in a stale transaction: old reads, commits
/// that commit nothing. (Seen by the faults suite after a full disk: syncs ran twice in one
/// second on an old snapshot.)
async fn sqlite_pool(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _, Sqlite};
    let sqlx_err = |e| DbErr::Conn(RuntimeErr::SqlxError(e));
    let connect = options
        .get_url()
        .parse::<SqliteConnectOptions>()
        .map_err(sqlx_err)?
        .disable_statement_logging();
    let pool = options
        .sqlx_pool_options::<Sqlite>()
        .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
        .connect_with(connect)
        .await
        .map_err(sqlx_err)?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// The file of a SQLite URL; `None` for in-memory databases and other backends.
pub fn sqlite_file(url: &str) -> Option<&Path> {
    let path = url.strip_prefix("sqlite://")?.split('?').next()?;
    if path.is_empty() || path.starts_with(':') {
        return None;
    }
    Some(Path::new(path))
}

/// A missing database file is created here, at start (readable by this user only), and the
/// pool opens it with `mode=rw`: were it `mode=rwc`, a connection opened while the file is
/// moved away (a restore, an operator's mistake) would silently start an empty database and
/// keep it after the file is back. Returns the URL the pool uses.
fn create_sqlite_once(url: &str, file: &Path) -> std::io::Result<String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(url.to_owned());
    };
    if !query.split('&').any(|param| param == "mode=rwc") {
        return Ok(url.to_owned());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    // An empty file is an empty SQLite database; an existing one is left untouched.
    options.open(file)?;
    let query: Vec<&str> = query
        .split('&')
        .map(|param| {
            if param == "mode=rwc" {
                "mode=rw"
            } else {
                param
            }
        })
        .collect();
    Ok(format!("{base}?{}", query.join("&")))
}

/// Creates `dir` (and missing parents) readable by this user only: it holds the database and
/// the master key. An existing directory keeps its mode (the operator chose it).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Hides the password of a database URL before it appears in a message.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The last `@` before the query ends the user info: a password typed with `@` in it
    // must not leak its tail as the "host".
    let authority_end = rest.find('?').unwrap_or(rest.len());
    let Some((userinfo, host)) = rest[..authority_end]
        .rfind('@')
        .map(|at| (&rest[..at], &rest[at + 1..]))
    else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://ig:s3cret@db:5432/ig"),
            "postgres://ig:***@db:5432/ig"
        );
        assert_eq!(
            redact_url("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            redact_url("postgres://ig:p@ss@w0rd@db/ig?sslmode=require&x=a@b"),
            "postgres://ig:***@db/ig?sslmode=require&x=a@b"
        );
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/a.db?mode=rwc"),
            Some(Path::new("data/a.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://:memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_pool_never_creates_a_database_of_its_own() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.db");
        let url = format!("sqlite://{}?cache=private&mode=rwc", file.display());
        let pool_url = create_sqlite_once(&url, &file).unwrap();
        assert_eq!(
            pool_url,
            format!("sqlite://{}?cache=private&mode=rw", file.display())
        );
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        open(&url).await.unwrap();
        assert!(
            std::fs::metadata(&file).unwrap().len() > 0,
            "migrated in place"
        );

        // The file moves away while the server runs: a new connection fails, and makes none.
        std::fs::rename(&file, dir.path().join("moved.db")).unwrap();
        let opened = async {
            let db = Database::connect(pool_url.as_str()).await?;
            db.execute_unprepared("SELECT 1").await
        };
        assert!(opened.await.is_err());
        assert!(!file.exists(), "an empty database was created");
    }

    /// The state a failed statement can leave behind (SQLite ended the transaction, sqlx
    /// still counts it), made here with a raw COMMIT; the next transactions must still commit.
    #[tokio::test]
    async fn a_connection_left_inside_a_transaction_is_not_reused() {
        use sea_orm::TransactionTrait;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let mut options = ConnectOptions::new(url.clone());
        // One connection: whatever comes next would get the one the pool was handed back.
        options.max_connections(1).sqlx_logging(false);
        let db = sqlite_pool(options).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();

        let txn = db.begin().await.unwrap();
        txn.execute_unprepared("COMMIT").await.unwrap();
        drop(txn); // its ROLLBACK fails: no transaction is active
        let txn = db.begin().await.unwrap();
        txn.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        txn.rollback().await.unwrap();
        let txn = db.begin().await.unwrap();
        txn.execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .unwrap();
        txn.commit().await.unwrap();

        let other = Database::connect(url.as_str()).await.unwrap();
        let row = other
            .query_one(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*), COALESCE(SUM(x), 0) FROM t",
            ))
            .await
            .unwrap()
            .unwrap();
        let seen: (i64, i64) = (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
        );
        assert_eq!(seen, (1, 2), "the committed row, seen from elsewhere");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_data_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data").join("here");
        open(&format!("sqlite://{}/x.db?mode=rwc", data.display()))
            .await
            .unwrap();
        for made in [&data, &dir.path().join("data")] {
            let mode = std::fs::metadata(made).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", made.display());
        }
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("ig-corrupt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("broken.db");
        std::fs::write(&file, vec![0x42u8; 8192]).unwrap();
        let err = open(&format!("sqlite://{}", file.display()))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cannot "), "{text}");
        assert!(text.contains("not a database"), "{text}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
