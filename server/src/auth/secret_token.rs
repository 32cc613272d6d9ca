//! Secrets handed out once and kept only as digests: share links and API tokens, both
//! `<id>.<secret>` so the row is found by id and the secret compared in constant time. 256
//! random bits, unpadded base64url; SHA-256 hex in the database (a fast hash is enough for
//! a random secret of that size: there is nothing to guess from a digest).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::clock::DAY;

/// The length of a secret: 32 bytes in unpadded base64url.
pub const SECRET_LEN: usize = 43;

/// A fresh secret and the digest to store.
pub fn issue() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let digest = digest(&secret);
    (secret, digest)
}

/// The digest stored for `secret`: lowercase hex SHA-256.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `secret` is the one `stored` is the digest of, compared in constant time.
pub fn matches(stored: &str, secret: &str) -> bool {
    secret.len() == SECRET_LEN && bool::from(stored.as_bytes().ct_eq(digest(secret).as_bytes()))
}

/// When a link or token made at `now` to live `days` expires; `None`: never.
pub fn expires_at(now: i64, days: Option<u32>) -> Option<i64> {
    days.map(|d| now + i64::from(d) * DAY)
}

/// Whether a link or token that expires at `expires_at` has expired at `now`.
pub fn expired(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// `<id>.<secret>` as a link or token carries it: the row's id and the secret to compare;
/// `None` for anything else.
pub fn split(token: &str) -> Option<(i64, &str)> {
    let (id, secret) = token.split_once('.')?;
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((id.parse().ok()?, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_expires_at_its_moment_or_never() {
        assert_eq!(expires_at(1_000, None), None);
        assert_eq!(expires_at(1_000, Some(2)), Some(1_000 + 2 * DAY));
        assert!(!expired(None, i64::MAX));
        assert!(!expired(Some(1_000), 999));
        assert!(expired(Some(1_000), 1_000));
    }

    #[test]
    fn a_token_is_an_id_and_a_secret() {
        assert_eq!(split("12.abc"), Some((12, "abc")));
        for bad in [
            "",
            ".",
            "12",
            "x.abc",
            "-1.abc",
            "+1.abc",
            &format!("{}.a", "9".repeat(19)),
        ] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_secret_matches_its_digest_only() {
        let (secret, stored) = issue();
        assert_eq!(secret.len(), SECRET_LEN);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&secret));
        assert!(matches(&stored, &secret));
        let (other, _) = issue();
        assert_ne!(other, secret);
        assert!(!matches(&stored, &other));
        assert!(!matches(&stored, &secret[1..]));
        assert!(!matches(&stored, ""));
    }
}
