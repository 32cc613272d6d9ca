//! A stand-in for Google's OAuth token endpoint, for tests and benchmarks (BigQuery emulators
//! accept any token, so the exchange would otherwise go unchecked). It verifies the RS256
//! assertion against the public keys it was given, as Google does, and counts exchanges.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::clock::unix_now;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::sha2::Sha256;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde::Deserialize;
use serde_json::{json, Value};

/// Lifetime of the tokens it grants, as Google's.
const LIFETIME_SECS: u64 = 3600;

#[derive(Default)]
struct Inner {
    keys: Mutex<Vec<(String, RsaPublicKey)>>,
    exchanges: AtomicU64,
    url: Mutex<String>,
}

#[derive(Clone, Default)]
pub struct TokenSim {
    inner: Arc<Inner>,
}

#[derive(Deserialize)]
struct Exchange {
    grant_type: String,
    assertion: String,
}

impl TokenSim {
    /// Accepts assertions from `email` signed by the private half of `key`.
    pub fn allow(&self, email: &str, key: RsaPublicKey) {
        self.inner
            .keys
            .lock()
            .unwrap()
            .push((email.to_owned(), key));
    }

    pub fn exchanges(&self) -> u64 {
        self.inner.exchanges.load(Ordering::Relaxed)
    }

    /// Serves on a random loopback port; returns the token URL.
    pub async fn serve(&self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let url = format!("http://{}/token", listener.local_addr()?);
        *self.inner.url.lock().unwrap() = url.clone();
        let app = Router::new()
            .route("/token", post(token))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(url)
    }

    fn grant(&self, form: &Exchange) -> Result<Value, String> {
        if form.grant_type != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
            return Err("unsupported_grant_type".into());
        }
        let claims = unverified_claims(&form.assertion)?;
        let iss = claims["iss"].as_str().unwrap_or_default();
        let key = self
            .inner
            .keys
            .lock()
            .unwrap()
            .iter()
            .find(|(email, _)| email == iss)
            .map(|(_, key)| key.clone())
            .ok_or("invalid_grant Invalid grant: account not found")?;
        verify(&form.assertion, &key)?;
        let now = unix_now();
        let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
        let fresh = matches!((iat, exp), (Some(i), Some(e)) if e > now && e - i <= 3600);
        if !fresh || claims["aud"] != *self.inner.url.lock().unwrap() {
            return Err("invalid_grant Invalid JWT: Token must be a short-lived token and in a reasonable timeframe".into());
        }
        let n = self.inner.exchanges.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(json!({
            "access_token": format!("ya29.sim-{n}"),
            "expires_in": LIFETIME_SECS,
            "token_type": "Bearer",
        }))
    }
}

async fn token(State(sim): State<TokenSim>, Form(form): Form<Exchange>) -> Response {
    match sim.grant(&form) {
        Ok(body) => Json(body).into_response(),
        Err(why) => {
            let (error, description) = why.split_once(' ').unwrap_or((&why, ""));
            let body = json!({ "error": error, "error_description": description });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
    }
}

fn unverified_claims(jwt: &str) -> Result<Value, String> {
    let payload = jwt.split('.').nth(1).ok_or("invalid_grant Malformed JWT")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| "invalid_grant Malformed JWT")?;
    serde_json::from_slice(&bytes).map_err(|_| "invalid_grant Malformed JWT".to_owned())
}

/// Checks an RS256 JWT's signature; returns its claims.
pub fn verify(jwt: &str, key: &RsaPublicKey) -> Result<Value, String> {
    let (signing_input, signature) = jwt.rsplit_once('.').ok_or("invalid_grant Malformed JWT")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|s| Signature::try_from(s.as_slice()).ok())
        .ok_or("invalid_grant Malformed JWT signature")?;
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "invalid_grant Invalid JWT Signature.".to_owned())?;
    unverified_claims(jwt)
}

/// A service-account key file with a freshly generated RSA key, and its public half to
/// [`TokenSim::allow`]. For tests and benchmarks: no key is ever committed.
pub fn new_key_file(email: &str, project: &str) -> (String, RsaPublicKey) {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key");
    let pem = private.to_pkcs8_pem(LineEnding::LF).expect("PEM");
    let json = json!({
        "type": "service_account",
        "project_id": project,
        "private_key_id": "generated",
        "private_key": pem.as_str(),
        "client_email": email,
        "token_uri": "https://oauth2.googleapis.com/token",
    });
    (json.to_string(), private.to_public_key())
}

/// The keys this stand-in makes are keys our exporter reads, and its verifier checks what
/// the exporter signs (tested here, beside the stand-in, so production code never needs it).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::key::{ServiceAccount, SCOPE};

    #[test]
    fn parses_a_key_and_signs_a_verifiable_assertion() {
        let (json, public) = new_key_file("exporter@proj-1.iam.gserviceaccount.com", "proj-1");
        let sa = ServiceAccount::parse(&json).unwrap();
        assert_eq!(sa.client_email, "exporter@proj-1.iam.gserviceaccount.com");
        assert!(!format!("{sa:?}").contains("PRIVATE"));
        let jwt = sa.assertion("http://127.0.0.1:1/token", 1_000);
        let claims = verify(&jwt, &public).unwrap();
        assert_eq!(claims["iss"], "exporter@proj-1.iam.gserviceaccount.com");
        assert_eq!(claims["aud"], "http://127.0.0.1:1/token");
        assert_eq!(claims["scope"], SCOPE);
        assert_eq!(claims["exp"], 4_600);
        let (_, other) = new_key_file("x@y", "p");
        assert!(
            verify(&jwt, &other).is_err(),
            "another key does not verify it"
        );
    }
}
