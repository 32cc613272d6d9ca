//! The one-time first-run setup token. Only its SHA-256 is kept; it is consumed on use and
//! is worthless once any admin exists (the service checks that too).

use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Default)]
pub struct SetupToken {
    digest: Mutex<Option<[u8; 32]>>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl SetupToken {
    /// Arms a fresh random token and returns it (to be shown once, in the start-up log).
    pub fn issue(&self) -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        *self.digest.lock().expect("setup token lock poisoned") = Some(digest(&token));
        token
    }

    pub fn matches(&self, token: &str) -> bool {
        let guard = self.digest.lock().expect("setup token lock poisoned");
        guard.is_some_and(|d| bool::from(d.ct_eq(&digest(token))))
    }

    /// Checks and disarms in one step, so two concurrent uses cannot both pass.
    pub fn consume(&self, token: &str) -> bool {
        let mut guard = self.digest.lock().expect("setup token lock poisoned");
        let ok = guard.is_some_and(|d| bool::from(d.ct_eq(&digest(token))));
        if ok {
            *guard = None;
        }
        ok
    }

    /// Re-arms a consumed token when the admin it was for could not be created.
    pub fn restore(&self, token: &str) {
        *self.digest.lock().expect("setup token lock poisoned") = Some(digest(token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_matches_before_a_token_is_issued() {
        let t = SetupToken::default();
        assert!(!t.matches(""));
        assert!(!t.consume("anything"));
    }

    #[test]
    fn a_token_is_random_and_single_use() {
        let t = SetupToken::default();
        let token = t.issue();
        assert_eq!(token.len(), 43, "32 bytes in unpadded base64url");
        assert_ne!(token, SetupToken::default().issue());
        assert!(t.matches(&token));
        assert!(!t.matches(&token[1..]));
        assert!(t.consume(&token));
        assert!(!t.matches(&token));
        assert!(!t.consume(&token));
    }

    #[test]
    fn a_restored_token_works_again() {
        let t = SetupToken::default();
        let token = t.issue();
        assert!(t.consume(&token));
        t.restore(&token);
        assert!(t.consume(&token));
    }
}
