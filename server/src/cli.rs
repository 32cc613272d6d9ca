//! The `instalytics` command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use app::dto::Role;
use clap::{Parser, Subcommand};

use crate::auth::password::Passwords;
use crate::config::{DatabaseArgs, ServeArgs};
use crate::store::users::UserStore;
use crate::store::StoreError;

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
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the dashboard (the default when no command is given).
    Serve(ServeArgs),
    /// Manage dashboard users.
    #[command(subcommand)]
    User(UserCommand),
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
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::User(UserCommand::Add {
            name,
            admin,
            database,
        })) => {
            add_user(
                &name,
                if admin { Role::Admin } else { Role::Viewer },
                &database,
            )
            .await
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let running = crate::start(args).await?;
    running
        .until_signal()
        .await
        .context("server stopped with an error")
}

async fn add_user(name: &str, role: Role, database: &DatabaseArgs) -> anyhow::Result<()> {
    let username = app::rules::username(name).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = read_password()?;
    app::rules::password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = crate::db::open(&database.url()).await?;
    let hash = Passwords::new().await?.hash(&password).await?;
    match UserStore::new(db)
        .insert(&username, hash, role.into())
        .await
    {
        Ok(_) => {
            println!("added {role} {username}");
            Ok(())
        }
        Err(StoreError::Duplicate) => bail!("a user named {username} exists already"),
        Err(e) => Err(e.into()),
    }
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
