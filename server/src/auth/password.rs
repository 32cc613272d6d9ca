//! argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Hashing is deliberately slow, so it runs on the blocking pool, never on the async workers,
//! and at most [`Passwords::slots`] at a time: each hash holds 19 MiB, and the blocking pool
//! alone (512 threads) would let a burst of sign-ins take gigabytes. A sign-in that finds no
//! free slot soon is refused ([`PasswordError::Busy`]) rather than queued.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::store::entities::users::PasswordHash;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("every password hashing slot is busy")]
    Busy,
}

/// How long a sign-in waits for a hashing slot before it is refused: a few hashes' time, so
/// a handful of people signing in at once all get through.
const SIGN_IN_WAIT: Duration = Duration::from_secs(1);

/// Hashes and verifies; holds a dummy hash so unknown users cost the same time as known ones.
#[derive(Clone)]
pub struct Passwords {
    dummy: PasswordHash,
    slots: Arc<Semaphore>,
    blocks: Arc<Blocks>,
}

fn owasp() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid")
}

/// argon2's 19 MiB of blocks, kept for reuse: at most one per hashing slot ever exists. Left
/// to the allocator, each hash's buffer stays resident in the arena of whichever blocking
/// thread ran it (glibc keeps large freed blocks once it has seen one): a burst of 1,000
/// sign-ins from as many addresses took the server from 200 MB to 700 MB that way.
#[derive(Default)]
struct Blocks(Mutex<Vec<Vec<Block>>>);

impl Blocks {
    fn with<T>(&self, count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let spare = self.0.lock().expect("block pool lock poisoned").pop();
        let mut blocks = spare.unwrap_or_default();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        let out = work(&mut blocks[..count]);
        self.0
            .lock()
            .expect("block pool lock poisoned")
            .push(blocks);
        out
    }
}

fn hash_error(e: impl std::fmt::Display) -> PasswordError {
    PasswordError::Hash(e.to_string())
}

fn hash_blocking(blocks: &Blocks, password: &str) -> Result<PasswordHash, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(hash_error)?;
    let params = owasp();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    blocks
        .with(params.block_count(), |memory| {
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
                .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, memory)
        })
        .map_err(hash_error)?;
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hash_error)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(hash_error)?),
    };
    Ok(PasswordHash(phc.to_string()))
}

fn verify_blocking(blocks: &Blocks, password: &str, hash: &PasswordHash) -> bool {
    // Parameters come from the stored PHC string, so old hashes still verify after a change.
    let Ok(phc) = Phc::new(&hash.0) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(phc.algorithm),
        phc.version
            .map_or(Ok(Version::default()), Version::try_from),
        Params::try_from(&phc),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = blocks.with(params.block_count(), |memory| {
        Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            memory,
        )
    });
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// Runs `work` on the blocking pool holding `permit` until it ends, even when the caller
/// stops waiting (a request cancelled by the timeout): the memory is in use until then.
async fn run_holding<T: Send + 'static>(
    permit: OwnedSemaphorePermit,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    Ok(tokio::task::spawn_blocking(move || {
        let out = work();
        drop(permit);
        out
    })
    .await?)
}

impl Passwords {
    /// Two hashes per core: enough to keep the cores busy, and 19 MiB each.
    pub fn slots() -> usize {
        2 * std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    pub async fn new() -> Result<Self, PasswordError> {
        Self::with_slots(Self::slots()).await
    }

    async fn with_slots(slots: usize) -> Result<Self, PasswordError> {
        let blocks = Arc::new(Blocks::default());
        let dummy = tokio::task::spawn_blocking({
            let blocks = blocks.clone();
            move || hash_blocking(&blocks, "dummy password, never matches")
        })
        .await??;
        Ok(Self {
            dummy,
            slots: Arc::new(Semaphore::new(slots)),
            blocks,
        })
    }

    /// Hashes a new password, waiting for a slot as long as it takes (setup and user admin:
    /// rare, and the request timeout bounds the wait).
    pub async fn hash(&self, password: &str) -> Result<PasswordHash, PasswordError> {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the hashing semaphore is never closed");
        let (password, blocks) = (password.to_owned(), self.blocks.clone());
        run_holding(permit, move || hash_blocking(&blocks, &password)).await?
    }

    /// Verifies against `hash`, or against the dummy when there is no such user.
    /// [`PasswordError::Busy`] when no slot frees up within a second.
    pub async fn verify(
        &self,
        password: &str,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, PasswordError> {
        let permit = tokio::time::timeout(SIGN_IN_WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| PasswordError::Busy)?
            .expect("the hashing semaphore is never closed");
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy).clone();
        let (password, blocks) = (password.to_owned(), self.blocks.clone());
        let matched =
            run_holding(permit, move || verify_blocking(&blocks, &password, &hash)).await?;
        Ok(known && matched)
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
        assert!(pw
            .verify("correct horse battery", Some(&hash))
            .await
            .unwrap());
        assert!(!pw
            .verify("correct horse batterY", Some(&hash))
            .await
            .unwrap());
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
        assert!(!pw
            .verify("dummy password, never matches", None)
            .await
            .unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_is_bounded_and_a_full_house_refuses_sign_ins() {
        let pw = Passwords::with_slots(2).await.unwrap();
        let held: Vec<_> = (0..2)
            .map(|_| pw.slots.clone().try_acquire_owned().unwrap())
            .collect();
        let started = std::time::Instant::now();
        assert!(matches!(
            pw.verify("any password", None).await,
            Err(PasswordError::Busy)
        ));
        assert!(started.elapsed() >= SIGN_IN_WAIT);

        // New passwords (admin actions) wait for a slot instead.
        let waiting = tokio::spawn({
            let pw = pw.clone();
            async move { pw.hash("a new password").await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished());
        drop(held);
        waiting.await.unwrap().unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_verify_keeps_its_slot_until_the_hash_ends() {
        let pw = Passwords::with_slots(1).await.unwrap();
        let call = pw.verify("any password", None);
        // Cancelled once the hash is under way (a request dropped by the timeout).
        let _ = tokio::time::timeout(Duration::from_millis(5), call).await;
        assert_eq!(pw.slots.available_permits(), 0, "the hash still runs");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while pw.slots.available_permits() == 0 {
            assert!(std::time::Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[test]
    fn garbage_hashes_do_not_verify() {
        let blocks = Blocks::default();
        for garbage in [
            "not a phc string",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
            "$scrypt$ln=16,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        ] {
            let hash = PasswordHash(garbage.into());
            assert!(!verify_blocking(&blocks, "x", &hash), "{garbage}");
        }
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own_hasher_and_reuse_one_buffer() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let blocks = Blocks::default();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, owasp())
            .hash_password(b"their password", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_blocking(
            &blocks,
            "their password",
            &PasswordHash(theirs.clone())
        ));
        assert!(!verify_blocking(
            &blocks,
            "their passwore",
            &PasswordHash(theirs)
        ));
        let ours = hash_blocking(&blocks, "our password").unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(b"our password", &Phc::new(&ours.0).unwrap())
            .is_ok());
        // An older hash with other parameters still verifies.
        let old = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(4096, 3, 1, None).unwrap(),
        )
        .hash_password(b"old password", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(verify_blocking(&blocks, "old password", &PasswordHash(old)));
        assert_eq!(blocks.0.lock().unwrap().len(), 1, "one buffer, reused");
    }

    #[test]
    fn debug_output_hides_the_hash() {
        let text = format!("{:?}", PasswordHash("$argon2id$secret".into()));
        assert!(!text.contains("secret"));
    }
}
