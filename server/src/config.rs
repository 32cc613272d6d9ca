//! Command-line and environment configuration. Every flag has an `INSTALYTICS_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Where the data lives; shared by every subcommand that opens the database.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Directory for the SQLite database and, later, the key file.
    #[arg(long, env = "INSTALYTICS_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `instalytics.db` in the data directory.
    #[arg(long, env = "INSTALYTICS_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("instalytics.db").display()
            ),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address and port to listen on.
    #[arg(long, env = "INSTALYTICS_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Mark the session cookie `Secure`; turn on whenever the dashboard is served over HTTPS.
    #[arg(long, env = "INSTALYTICS_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Sign a session out after this many days without a request.
    #[arg(
        long,
        env = "INSTALYTICS_SESSION_IDLE_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(1..=365)
    )]
    pub session_idle_days: u32,
}

/// Hides the password of a database URL before it appears in a message.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
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
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback() {
        let probe = Probe::try_parse_from(["x"]).unwrap();
        assert_eq!(probe.serve.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(
            probe.serve.database.url(),
            "sqlite://data/instalytics.db?mode=rwc"
        );
        assert_eq!(probe.serve.session_idle_days, 7);
        assert!(!probe.serve.secure_cookies);
    }

    #[test]
    fn flags_override_defaults() {
        let probe = Probe::try_parse_from([
            "x",
            "--listen",
            "0.0.0.0:8080",
            "--data-dir",
            "/srv/ig",
            "--secure-cookies",
            "--session-idle-days",
            "30",
        ])
        .unwrap();
        assert_eq!(probe.serve.listen.port(), 8080);
        assert_eq!(
            probe.serve.database.url(),
            "sqlite:///srv/ig/instalytics.db?mode=rwc"
        );
        assert!(probe.serve.secure_cookies);
        assert_eq!(probe.serve.session_idle_days, 30);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Probe::try_parse_from(["x", "--listen", "nowhere"]).is_err());
        assert!(Probe::try_parse_from(["x", "--session-idle-days", "0"]).is_err());
    }

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
    }
}
