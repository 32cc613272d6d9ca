//! The `instalytics` command line.

mod export;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{bail, Context};
use app::backend::UsersPort;
use app::dto::{Role, WorkspaceId};
use clap::{Parser, Subcommand};

use crate::auth::password::Passwords;
use crate::auth::service::UserAdmin;
use crate::clock::unix_now;
use crate::config::{BigQueryArgs, DatabaseArgs, DoctorArgs, ServeArgs};
use crate::crypto::{Cipher, MasterKey};
use crate::dev::generate::GenerateConfig;
use crate::dev::graph_sim::{SimConfig, Simulator};
use crate::store::sessions::DbSessionStore;
use crate::store::users::UserStore;
use crate::store::workspaces::WorkspaceStore;
use crate::telemetry::LogFormat;

#[derive(Parser, Debug)]
#[command(
    name = "instalytics",
    version,
    about = "Self-hosted Instagram analytics"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Log filter, e.g. `info` or `info,server=debug`.
    #[arg(long, env = "INSTALYTICS_LOG", default_value = "info", global = true)]
    pub log_level: String,
    /// `text` (the default) or `json`, one object per line for log shippers.
    #[arg(
        long,
        env = "INSTALYTICS_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the dashboard (the default when no command is given).
    Serve(Box<ServeArgs>),
    /// Manage dashboard users.
    #[command(subcommand)]
    User(UserCommand),
    /// Re-encrypt every stored access token and the BigQuery key under a new master key, in
    /// one transaction; refused while a sync holds a live lease on this database. With a key
    /// file, a new one replaces it and the old one stays as master.key.old until the next
    /// start; with INSTALYTICS_MASTER_KEY, give the new key in INSTALYTICS_NEW_MASTER_KEY and
    /// switch the variable afterwards. Restart every server afterwards.
    RotateKey {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a consistent copy of the SQLite database to FILE while servers run (SQLite's
    /// VACUUM INTO). The master key is not in it: keep the key as well, apart from the
    /// backup. For PostgreSQL, use pg_dump (the command says how).
    Backup {
        /// Where the copy goes; must not exist yet.
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Put a backup made by `backup` in place of the SQLite database, with every server on
    /// it stopped. The database there is kept beside it (`.before-restore-<time>`), the
    /// backup is checked and migrated to this version's schema, and the master key is tried
    /// on it as a server's start would.
    Restore {
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// A populated dashboard with no Meta app: the simulator in-process, three connected
    /// accounts and about 90 days of collected history, in a throw-away data directory.
    Demo {
        #[arg(long, env = "INSTALYTICS_LISTEN", default_value = "127.0.0.1:3000")]
        listen: std::net::SocketAddr,
        /// Days of history to collect before the dashboard opens.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=365))]
        days: u32,
    },
    /// Fill an empty database with a synthetic history (accounts, posts and reels, snapshots,
    /// daily insights) for benchmarks and trying the dashboard at scale. Deterministic from
    /// the seed; the accounts are disabled so the poller leaves them alone.
    Generate {
        #[arg(long, default_value_t = 20)]
        accounts: usize,
        /// Posts and reels per account.
        #[arg(long, default_value_t = 2000)]
        posts: usize,
        /// Days of history the posts are spread over.
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=730))]
        days: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Send collected data to BigQuery now (as configured in Settings) and exit. With
    /// --backfill, all history is sent from the start; an interrupted backfill resumes where
    /// BigQuery last confirmed.
    Export {
        #[arg(long)]
        backfill: bool,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        bigquery: BigQueryArgs,
    },
    /// Check a token against every Graph API endpoint the poller uses, before trusting the
    /// dashboard: one small request each, Meta's answers and usage headers, the token's
    /// expiry, and what the dashboard will lack. The token comes from
    /// INSTALYTICS_DOCTOR_TOKEN or stdin's first line (never a flag), or with --account from
    /// a connected account. Exit code 1 when a sync would fail.
    Doctor(Box<DoctorArgs>),
    /// Run the Instagram Graph API simulator on its own, to try the client by hand.
    GraphSim {
        #[arg(long, env = "INSTALYTICS_SIM_LISTEN", default_value = "127.0.0.1:4000")]
        listen: std::net::SocketAddr,
        /// Everything the simulator invents follows from this number.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long, default_value_t = 3)]
        accounts: usize,
        /// Posts and reels per account before the simulated clock starts.
        #[arg(long, default_value_t = 300)]
        media: usize,
        /// Hand out the simulator's own pictures instead of Meta-shaped CDN addresses, so a
        /// server pointed at it shows thumbnails and profile pictures offline.
        #[arg(long)]
        local_pictures: bool,
        /// How many Facebook Login accounts one Facebook user manages (one token, a Page each).
        #[arg(long, default_value_t = 1)]
        facebook_user_accounts: usize,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password is read from the terminal, or from the first line of stdin.
    Add {
        /// Username (3–32 characters: a-z, 0-9, '.', '_', '-').
        name: String,
        /// Give the admin role instead of viewer.
        #[arg(long)]
        admin: bool,
        /// The workspace (its id) a viewer sees; needed once there is more than one.
        #[arg(long)]
        workspace: Option<i64>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Runs the command. Errors are printed by `main` with exit code 2; `doctor` exits 1 when a
/// sync would fail.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let done = match cli.command {
        Some(Command::Doctor(args)) => return doctor(&args).await,
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::User(UserCommand::Add {
            name,
            admin,
            workspace,
            database,
        })) => {
            add_user(
                &name,
                if admin { Role::Admin } else { Role::Viewer },
                workspace.map(WorkspaceId),
                &database,
            )
            .await
        }
        Some(Command::RotateKey { database }) => rotate_key(&database).await,
        Some(Command::Backup { file, database }) => backup(&file, &database).await,
        Some(Command::Restore { file, database }) => restore(&file, &database).await,
        Some(Command::Demo { listen, days }) => crate::dev::demo::run(listen, days).await,
        Some(Command::Generate {
            accounts,
            posts,
            days,
            seed,
            database,
        }) => {
            let config = GenerateConfig {
                accounts,
                posts,
                days,
                seed,
            };
            generate(&config, &database).await
        }
        Some(Command::Export {
            backfill,
            database,
            bigquery,
        }) => export::run(backfill, &database, &bigquery).await,
        Some(Command::GraphSim {
            listen,
            seed,
            accounts,
            media,
            local_pictures,
            facebook_user_accounts,
        }) => {
            let config = SimConfig {
                seed,
                accounts,
                media_per_account: media,
                local_pictures,
                facebook_user_accounts,
                // On the wall clock, so a server polling it asks for days the simulator has.
                start: time::OffsetDateTime::now_utc(),
                ..SimConfig::default()
            };
            graph_sim(listen, config).await
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}

async fn doctor(args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let diagnosis = crate::doctor::run(args).await?;
    print!("{}", diagnosis.text);
    Ok(if diagnosis.sync_would_work {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn generate(config: &GenerateConfig, database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = crate::db::open(&database.url()).await?;
    // The key `serve` will use, so it can open the placeholder tokens at start.
    let key = MasterKey::load_or_create(
        database.master_key.as_ref().map(|k| k.expose()),
        &database.data_dir,
    )?;
    println!(
        "generating {} accounts x {} posts over {} days (seed {}) into {}",
        config.accounts,
        config.posts,
        config.days,
        config.seed,
        crate::db::redact_url(&database.url())
    );
    let now = unix_now();
    let report = crate::dev::generate::generate(&db, config, &Cipher::new(key), now).await?;
    println!("wrote {report}");
    Ok(())
}

async fn graph_sim(listen: std::net::SocketAddr, config: SimConfig) -> anyhow::Result<()> {
    let config_secret = config.app_secret.clone();
    let sim = Simulator::new(config);
    let server = sim
        .serve(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!("Instagram Login base: {}", server.instagram_base());
    println!("Facebook Login base:  {}", server.facebook_base());
    // The simulator's own app: its secret opens nothing real.
    println!("App id and secret:    1234 / {config_secret}");
    println!(
        "OAuth authorize:      http://{}/oauth/authorize",
        server.addr
    );
    println!("Facebook dialog:      http://{}/dialog/oauth", server.addr);
    // Simulator tokens open nothing but this simulator, so printing them is fine.
    for account in sim.accounts() {
        println!(
            "{:<20} {:?} ig_user_id={} token={}",
            account.username, account.flavour, account.ig_user_id, account.token
        );
    }
    tokio::signal::ctrl_c().await?;
    server.stop().await;
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let running = crate::start(args).await?;
    running
        .until_signal()
        .await
        .context("server stopped with an error")
}

/// The same port as the Users page, so the same rules and the same messages.
async fn add_user(
    name: &str,
    role: Role,
    workspace: Option<WorkspaceId>,
    database: &DatabaseArgs,
) -> anyhow::Result<()> {
    let password = read_password()?;
    let db = crate::db::open(&database.url()).await?;
    let users = UserAdmin {
        users: UserStore::new(db.clone()),
        workspaces: WorkspaceStore::new(db.clone()),
        sessions: DbSessionStore::new(db),
        passwords: Passwords::new().await?,
    };
    let added = users
        .add(name, &password, role, workspace)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("added {role} {}", added.username);
    Ok(())
}

/// Verifies, calls [`crate::keyring::rotate`], answers. Refusals and failures are errors
/// (exit code 2) that say what was changed: nothing, unless the message says otherwise.
async fn rotate_key(database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = crate::db::open(&database.url()).await?;
    let current = database.master_key.as_ref().map(|k| k.expose());
    let new_key = std::env::var("INSTALYTICS_NEW_MASTER_KEY").ok();
    let done = crate::keyring::rotate(
        &db,
        &database.data_dir,
        current,
        new_key.as_deref(),
        unix_now(),
    )
    .await
    .context("rotate-key")?;
    if done.resealed.bigquery_key {
        println!("re-sealed the BigQuery service-account key");
    }
    if done.resealed.notify > 0 {
        println!(
            "re-sealed {} notification setting(s) (channels, SMTP password)",
            done.resealed.notify
        );
    }
    println!(
        "re-sealed {} token(s): key {} replaced by key {}",
        done.resealed.tokens, done.old_id, done.new_id
    );
    if done.key_file {
        println!(
            "restart every server using this database now: until it restarts, a running server \
             keeps sealing with the old key, kept as master.key.old until the next start \
             re-seals what it sealed and removes it"
        );
    } else {
        println!(
            "now set INSTALYTICS_MASTER_KEY to the value of INSTALYTICS_NEW_MASTER_KEY and \
             restart every server using this database"
        );
    }
    Ok(())
}

async fn backup(file: &std::path::Path, database: &DatabaseArgs) -> anyhow::Result<()> {
    let done = crate::backup::backup(database, file).await?;
    println!(
        "backed up to {} ({} bytes, schema {})",
        file.display(),
        done.bytes,
        done.schema
    );
    println!(
        "the master key is not in the backup: it is {}. Keep a copy of it apart from the \
         backup; the tokens and secrets in the backup open only with it",
        crate::backup::key_location(database)
    );
    Ok(())
}

async fn restore(file: &std::path::Path, database: &DatabaseArgs) -> anyhow::Result<()> {
    let done = crate::backup::restore(database, file, unix_now()).await?;
    for aside in &done.set_aside {
        println!("kept the previous database file as {}", aside.display());
    }
    if done.from_schema == done.to_schema {
        println!("schema {}", done.to_schema);
    } else {
        println!(
            "migrated from schema {} to {}",
            done.from_schema, done.to_schema
        );
    }
    println!(
        "restored {} into {} ({} account(s)); the master key {} opens it: start the server",
        file.display(),
        done.database.display(),
        done.accounts,
        crate::backup::key_location(database)
    );
    Ok(())
}

/// Never from a flag: flags end up in shell history and `ps`.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Repeat password: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
