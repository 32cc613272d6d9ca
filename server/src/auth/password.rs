//! argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing is deliberately slow, so it runs on the blocking pool, never on the async workers.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash as Phc, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::store::entities::users::PasswordHash;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// Hashes and verifies; holds a dummy hash so unknown users cost the same time as known ones.
#[derive(Clone)]
pub struct Passwords {
    dummy: PasswordHash,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<PasswordHash, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

fn verify_blocking(password: &str, hash: &PasswordHash) -> bool {
    // Parameters come from the stored PHC string, so old hashes still verify after a change.
    Phc::new(&hash.0)
        .map(|phc| argon2().verify_password(password.as_bytes(), &phc).is_ok())
        .unwrap_or(false)
}

impl Passwords {
    pub async fn new() -> Result<Self, PasswordError> {
        let dummy = tokio::task::spawn_blocking(|| hash_blocking("dummy password, never matches"))
            .await??;
        Ok(Self { dummy })
    }

    pub async fn hash(&self, password: &str) -> Result<PasswordHash, PasswordError> {
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
    }

    /// Verifies against `hash`, or against the dummy when there is no such user.
    pub async fn verify(&self, password: &str, hash: Option<&PasswordHash>) -> bool {
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy).clone();
        let password = password.to_owned();
        let matched = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
            .await
            .unwrap_or(false);
        known && matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id_with_owasp_parameters() {
        let pw = Passwords::new().await.unwrap();
        let hash = pw.hash("correct horse battery").await.unwrap();
        assert!(
            hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.0
        );
        assert!(pw.verify("correct horse battery", Some(&hash)).await);
        assert!(!pw.verify("correct horse batterY", Some(&hash)).await);
    }

    #[tokio::test]
    async fn same_password_gets_a_fresh_salt() {
        let pw = Passwords::new().await.unwrap();
        let a = pw.hash("same password").await.unwrap();
        let b = pw.hash("same password").await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn unknown_users_never_match_not_even_the_dummy_password() {
        let pw = Passwords::new().await.unwrap();
        assert!(!pw.verify("dummy password, never matches", None).await);
    }

    #[test]
    fn garbage_hashes_do_not_verify() {
        assert!(!verify_blocking(
            "x",
            &PasswordHash("not a phc string".into())
        ));
    }

    #[test]
    fn debug_output_hides_the_hash() {
        let text = format!("{:?}", PasswordHash("$argon2id$secret".into()));
        assert!(!text.contains("secret"));
    }
}
