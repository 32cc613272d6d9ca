//! Meta's `signed_request` (data-deletion and deauthorize callbacks, https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback):
//! `<base64url HMAC-SHA256 of the payload text>.<base64url JSON payload>`, keyed with the
//! app secret. The signature is checked over the encoded payload, in constant time, before
//! the payload is read at all.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignedRequestError {
    #[error("signed_request is not two base64url parts")]
    Malformed,
    #[error("signed_request signature does not match")]
    BadSignature,
    #[error("signed_request uses algorithm {0:?}, not HMAC-SHA256")]
    Algorithm(String),
    #[error("signed_request was issued too long ago (or in the future): refused as a replay")]
    Stale,
}

/// How old a signed request may be. Meta calls at once; an older one is a replay of a request
/// someone captured (its digest is remembered for this long, see `store::accounts::Callback`).
pub const MAX_AGE: i64 = 24 * 3600;
/// Clock difference tolerated between Meta and us.
pub const SKEW: i64 = 300;

/// Refuses a payload issued more than [`MAX_AGE`] ago or more than [`SKEW`] ahead of `now`,
/// or without `issued_at` (Meta always sends it).
pub fn fresh(payload: &Payload, now: i64) -> Result<(), SignedRequestError> {
    match payload.issued_at {
        Some(at) if (now - MAX_AGE..=now + SKEW).contains(&at) => Ok(()),
        _ => Err(SignedRequestError::Stale),
    }
}

/// The text's SHA-256 in hex: how a carried-out request is remembered.
pub fn digest(signed: &str) -> String {
    Sha256::digest(signed.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub algorithm: Option<String>,
    /// The app-scoped id of the user the callback is about.
    #[serde(deserialize_with = "id_text")]
    pub user_id: String,
    #[serde(default)]
    pub issued_at: Option<i64>,
}

/// Meta's ids are decimal digits (17 today); anything else, or absurdly long, is refused
/// before it reaches the database (whose column holds 64 characters).
const MAX_ID_DIGITS: usize = 32;

fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let id = match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => n.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "unexpected user_id {other}"
            )))
        }
    };
    let digits = !id.is_empty() && id.len() <= MAX_ID_DIGITS;
    if digits && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(serde::de::Error::custom("user_id is not a Meta id"))
    }
}

/// Meta sends unpadded base64url, but tolerate padding.
fn decode(part: &str) -> Result<Vec<u8>, SignedRequestError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| SignedRequestError::Malformed)
}

/// Verifies `signed` against any of `secrets` (Instagram and Facebook apps sign with their own).
pub fn verify(signed: &str, secrets: &[&str]) -> Result<Payload, SignedRequestError> {
    let (sig, payload) = signed
        .trim()
        .split_once('.')
        .ok_or(SignedRequestError::Malformed)?;
    let sig = decode(sig)?;
    let body = decode(payload)?;
    let valid = secrets.iter().any(|secret| {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac.verify_slice(&sig).is_ok()
    });
    if !valid {
        return Err(SignedRequestError::BadSignature);
    }
    let payload: Payload =
        serde_json::from_slice(&body).map_err(|_| SignedRequestError::Malformed)?;
    match payload.algorithm.as_deref() {
        Some(a) if a.eq_ignore_ascii_case("HMAC-SHA256") => Ok(payload),
        other => Err(SignedRequestError::Algorithm(
            other.unwrap_or_default().to_owned(),
        )),
    }
}

/// Signs a payload the way Meta does; the simulator, tests and the demo use it.
pub fn sign(payload_json: &str, secret: &str) -> String {
    let payload = URL_SAFE_NO_PAD.encode(payload_json);
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{sig}.{payload}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_must_be_meta_ids() {
        for bad in [
            r#""""#,
            r#""abc""#,
            r#"-42"#,
            r#"4.2e21"#,
            r#""123456789012345678901234567890123""#,
        ] {
            let body = format!(r#"{{"algorithm":"HMAC-SHA256","user_id":{bad}}}"#);
            assert!(
                matches!(
                    verify(&sign(&body, "s"), &["s"]),
                    Err(SignedRequestError::Malformed)
                ),
                "{bad}"
            );
        }
        let body = r#"{"algorithm":"HMAC-SHA256","user_id":17841400000000001}"#;
        assert_eq!(
            verify(&sign(body, "s"), &["s"]).unwrap().user_id,
            "17841400000000001"
        );
    }

    const BODY: &str = r#"{"algorithm":"HMAC-SHA256","expires":0,"issued_at":1795435200,"user_id":"17841400000000001"}"#;

    #[test]
    fn a_correctly_signed_request_names_its_user() {
        let signed = sign(BODY, "app-secret");
        let payload = verify(&signed, &["other", "app-secret"]).unwrap();
        assert_eq!(payload.user_id, "17841400000000001");
        assert_eq!(payload.issued_at, Some(1_795_435_200));
    }

    #[test]
    fn wrong_secret_tampering_and_junk_are_refused() {
        let signed = sign(BODY, "app-secret");
        assert_eq!(
            verify(&signed, &["wrong"]).unwrap_err(),
            SignedRequestError::BadSignature
        );
        let (sig, _) = signed.split_once('.').unwrap();
        let forged = format!(
            "{sig}.{}",
            URL_SAFE_NO_PAD.encode(BODY.replace("0001", "0002"))
        );
        assert_eq!(
            verify(&forged, &["app-secret"]).unwrap_err(),
            SignedRequestError::BadSignature
        );
        for junk in ["", "nodot", "!!.??", "a.b.c"] {
            assert!(verify(junk, &["app-secret"]).is_err(), "{junk}");
        }
        assert!(verify(&signed, &[]).is_err());
    }

    #[test]
    fn only_recent_requests_are_fresh() {
        let now = 1_795_435_200;
        let payload = |issued_at| Payload {
            algorithm: None,
            user_id: "1".into(),
            issued_at,
        };
        assert!(fresh(&payload(Some(now)), now).is_ok());
        assert!(fresh(&payload(Some(now - MAX_AGE)), now).is_ok());
        assert!(fresh(&payload(Some(now + SKEW)), now).is_ok());
        for stale in [
            Some(now - MAX_AGE - 1),
            Some(now + SKEW + 1),
            Some(i64::MIN),
            None,
        ] {
            assert_eq!(
                fresh(&payload(stale), now).unwrap_err(),
                SignedRequestError::Stale
            );
        }
        assert_eq!(digest(" a.b ").len(), 64);
        assert_eq!(digest("a.b"), digest(" a.b\n"));
    }

    #[test]
    fn other_algorithms_are_refused() {
        let signed = sign(r#"{"algorithm":"none","user_id":"1"}"#, "s");
        assert!(matches!(
            verify(&signed, &["s"]),
            Err(SignedRequestError::Algorithm(_))
        ));
    }
}
