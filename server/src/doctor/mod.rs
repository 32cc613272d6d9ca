//! `instalytics doctor`: before trusting the dashboard, learn whether the poller will work
//! with a token. Each endpoint a sync uses is asked once with the smallest request
//! ([`checks`]), each answer is judged as the poller would take it ([`verdict`]), and the
//! report ([`render`]) shows the requests (never the token), Meta's words, the usage headers,
//! the token's expiry and permissions where Meta reports them, and what the dashboard will
//! lack. A sync that would fail makes the command exit with 1.

pub mod checks;
pub mod render;
mod runner;
mod source;
pub mod token;
pub mod verdict;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::DoctorArgs;
use crate::crypto::CryptoError;
use crate::db::DbOpenError;
use crate::graph::{AccessToken, Flavour, GraphClient};
use crate::store::StoreError;

pub use render::Report;
pub use source::TOKEN_ENV;

/// Why the doctor could not examine anything (what it examined is in the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("no token: set {TOKEN_ENV} or give it as stdin's first line (never as a flag)")]
    NoToken,
    #[error("cannot read the token from stdin: {0}")]
    Stdin(std::io::Error),
    #[error(transparent)]
    Database(#[from] DbOpenError),
    #[error("no account with id {id} in {url}")]
    NoAccount { id: i64, url: String },
    #[error("cannot read account {id}: {source}")]
    Store { id: i64, source: StoreError },
    #[error("master key: {0}")]
    Key(#[from] CryptoError),
    #[error("the stored token of @{username} cannot be opened: {source}; use the master key the server uses (INSTALYTICS_MASTER_KEY or master.key in --data-dir)")]
    Sealed {
        username: String,
        source: CryptoError,
    },
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

/// What one run found, ready to print.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    /// The report; it never contains the token.
    pub text: String,
    pub sync_would_work: bool,
}

/// Examines the token `args` name.
pub async fn run(args: &DoctorArgs) -> Result<Diagnosis, DoctorError> {
    let (stored, flavour, token, origin) = match (args.account, args.flavour) {
        (Some(id), _) => {
            let (account, flavour, token) = source::stored(&args.database, id).await?;
            let origin = format!(
                "account {} @{} ({}, status {}), its stored token",
                account.id,
                account.username,
                flavour.label(),
                account.status
            );
            (Some(account), flavour, token, origin)
        }
        (None, Some(flavour)) => {
            let token = source::pasted()?;
            (None, flavour, token, format!("{} token", flavour.label()))
        }
        (None, None) => unreachable!("clap requires --flavour or --account"),
    };
    let config = Arc::new(args.graph.graph_config());
    let api = match flavour {
        Flavour::InstagramLogin => config.instagram_base.clone(),
        Flavour::FacebookLogin => config.facebook_base.clone(),
    };
    let http = crate::graph::transport::client().map_err(|e| DoctorError::Http(e.to_string()))?;
    let subject = runner::Subject {
        flavour,
        account: stored.as_ref(),
        facebook_app: config.facebook_app.is_some(),
    };
    let client = GraphClient::new(http, config, flavour, token.clone());
    let (rows, facts) = runner::examine(&client, &subject, OffsetDateTime::now_utc()).await;
    let hint = verdict::login_hint(flavour, token.expose(), &rows);
    let report = Report {
        subject: origin,
        api,
        rows,
        token: facts,
        hint,
    };
    Ok(Diagnosis {
        text: redacted(report.render(), &token),
        sync_would_work: report.sync_would_work(),
    })
}

/// Meta's messages are already stripped of URLs with tokens; this is the last guard, should
/// Meta ever quote a token some other way.
fn redacted(text: String, token: &AccessToken) -> String {
    let secret = token.expose();
    if secret.len() < 8 || !text.contains(secret) {
        return text;
    }
    text.replace(secret, "[token]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_quoted_anywhere_is_hidden() {
        let token = AccessToken::new("IGAAsecret1234");
        assert_eq!(
            redacted("Meta said IGAAsecret1234 is bad".into(), &token),
            "Meta said [token] is bad"
        );
        assert_eq!(redacted("fine".into(), &token), "fine");
    }
}
