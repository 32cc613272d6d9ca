//! The service-account JSON key Google issues, and the RS256-signed JWT it vouches for.
//! Only the fields the token exchange needs are kept; the private key never leaves this type
//! except as a signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde::Deserialize;

/// The OAuth scope of BigQuery's REST API.
pub const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";
/// Google accepts assertions valid for at most an hour.
const ASSERTION_SECS: i64 = 3600;
/// Real keys are a few kilobytes; anything far larger is not a key.
const MAX_KEY_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the key file is larger than 64 KiB; a service-account key is about 2 KiB")]
    TooLarge,
    #[error("the key file is not JSON ({0}); download a JSON key for the service account in Google Cloud's IAM page")]
    NotJson(String),
    #[error("this JSON is a \"{0}\" credential, not a service-account key (its \"type\" must be \"service_account\")")]
    WrongType(String),
    #[error("the key has no \"{0}\"")]
    Missing(&'static str),
    #[error("the key's private_key is not an RSA private key in PKCS#8 PEM form")]
    BadPrivateKey,
}

#[derive(Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    project_id: Option<String>,
    private_key_id: Option<String>,
    private_key: Option<String>,
    client_email: Option<String>,
}

/// A parsed service-account key. `Debug` shows the account, never the private key.
#[derive(Clone)]
pub struct ServiceAccount {
    pub client_email: String,
    pub project_id: Option<String>,
    key_id: Option<String>,
    signer: SigningKey<Sha256>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    /// Parses the JSON key file as downloaded from Google Cloud.
    pub fn parse(json: &str) -> Result<Self, KeyError> {
        if json.len() > MAX_KEY_BYTES {
            return Err(KeyError::TooLarge);
        }
        let file: KeyFile =
            serde_json::from_str(json).map_err(|e| KeyError::NotJson(json_problem(&e).into()))?;
        match file.kind.as_deref() {
            Some("service_account") => {}
            Some(other) => return Err(KeyError::WrongType(other.chars().take(40).collect())),
            None => return Err(KeyError::Missing("type")),
        }
        let client_email = file
            .client_email
            .filter(|e| e.contains('@'))
            .ok_or(KeyError::Missing("client_email"))?;
        let pem = file.private_key.ok_or(KeyError::Missing("private_key"))?;
        let key = RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|_| KeyError::BadPrivateKey)?;
        Ok(Self {
            client_email,
            project_id: file.project_id,
            key_id: file.private_key_id,
            signer: SigningKey::new(key),
        })
    }

    /// The signed assertion exchanged at `audience` (the token endpoint) for an access token.
    pub fn assertion(&self, audience: &str, now: i64) -> String {
        let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        if let Some(kid) = &self.key_id {
            header["kid"] = kid.clone().into();
        }
        let claims = serde_json::json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": audience,
            "iat": now,
            "exp": now + ASSERTION_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signer.sign(signing_input.as_bytes()).to_bytes();
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// What is wrong with the JSON, in words that quote none of it (it may hold a private key).
fn json_problem(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "unreadable",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected field types",
        Category::Eof => "it ends early",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_service_account_key() {
        assert!(matches!(
            ServiceAccount::parse("not json"),
            Err(KeyError::NotJson(_))
        ));
        assert_eq!(
            ServiceAccount::parse(r#"{"type":"authorized_user"}"#).unwrap_err(),
            KeyError::WrongType("authorized_user".into())
        );
        assert_eq!(
            ServiceAccount::parse(r#"{"type":"service_account","private_key":"x"}"#).unwrap_err(),
            KeyError::Missing("client_email")
        );
        assert_eq!(
            ServiceAccount::parse(
                r#"{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}"#
            )
            .unwrap_err(),
            KeyError::BadPrivateKey
        );
        assert_eq!(
            ServiceAccount::parse(&" ".repeat(70_000)).unwrap_err(),
            KeyError::TooLarge
        );
    }
}
