//! Encryption at rest for Graph API tokens (and, later, other secrets): XChaCha20-Poly1305.
//!
//! A sealed value is `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id (the first
//! 8 bytes of the key's SHA-256, in hex) says which master key sealed it, so a wrong key is
//! reported as such instead of as tampering; the caller's context (an account id) is bound as
//! associated data, so a token copied to another row fails to open. Nothing here ever returns
//! garbage: a value either opens intact or is an error.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 24;
pub const KEY_FILE: &str = "master.key";
/// The new key while `rotate-key` re-seals (see `keyring`).
pub const NEW_KEY_FILE: &str = "master.key.new";
/// The key before the last rotation, until a start has proven the new one (see `keyring`).
pub const OLD_KEY_FILE: &str = "master.key.old";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes in base64: {0}")]
    BadKey(String),
    #[error("key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")]
    KeyFileMode { path: PathBuf, mode: u32 },
    #[error("this value was sealed with key {found}, but the configured master key is {expected}")]
    WrongKey { found: String, expected: String },
    #[error("no master key: INSTALYTICS_MASTER_KEY is not set and {path} does not exist, but stored tokens need the key they were sealed with")]
    Missing { path: PathBuf },
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value failed authentication (tampered, or moved to another account)")]
    Tampered,
}

/// The 32-byte master key. `Debug` shows only its id.
#[derive(Clone)]
pub struct MasterKey {
    bytes: [u8; 32],
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id {})", self.id)
    }
}

impl MasterKey {
    fn from_bytes(bytes: [u8; 32]) -> Self {
        let id = Sha256::digest(bytes)[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self { bytes, id }
    }

    pub fn generate() -> Self {
        Self::from_bytes(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let raw = STANDARD
            .decode(text.trim())
            .map_err(|e| CryptoError::BadKey(e.to_string()))?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|raw: Vec<u8>| CryptoError::BadKey(format!("got {} bytes", raw.len())))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Writes this key beside the key file as `master.key.new` (0600, flushed to disk), for
    /// `rotate-key`: the new key is on disk before any sealed value depends on it.
    pub fn stage(&self, data_dir: &Path) -> Result<PathBuf, CryptoError> {
        let path = data_dir.join(NEW_KEY_FILE);
        self.write_private(&path)?;
        Ok(path)
    }

    /// Makes this key the key file: staged beside it, renamed over it (atomic), and the
    /// directory synced so that the rename survives a power cut.
    pub fn install(&self, data_dir: &Path) -> Result<(), CryptoError> {
        let staged = self.stage(data_dir)?;
        let path = data_dir.join(KEY_FILE);
        std::fs::rename(&staged, &path).map_err(|source| CryptoError::KeyFile {
            path: path.clone(),
            source,
        })?;
        sync_dir(data_dir).map_err(|source| CryptoError::KeyFile { path, source })
    }

    /// Keeps a copy of this key at `path` (0600), synced with its directory.
    pub fn keep(&self, path: &Path) -> Result<(), CryptoError> {
        self.write_private(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        sync_dir(dir).map_err(|source| CryptoError::KeyFile {
            path: path.to_owned(),
            source,
        })
    }

    /// Replaces `path` with this key, readable by this user only, flushed to disk.
    fn write_private(&self, path: &Path) -> Result<(), CryptoError> {
        let io = |source| CryptoError::KeyFile {
            path: path.to_owned(),
            source,
        };
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
        let mut file = create_private(path).map_err(io)?;
        writeln!(file, "{}", self.to_base64()).map_err(io)?;
        file.sync_all().map_err(io)
    }

    /// A key file other than `master.key` (`master.key.old`, `master.key.new`), held to the
    /// same rules: private, 32 bytes of base64.
    pub fn from_file(path: &Path) -> Result<Self, CryptoError> {
        let text = std::fs::read_to_string(path).map_err(|source| CryptoError::KeyFile {
            path: path.to_owned(),
            source,
        })?;
        check_private(path)?;
        Self::from_base64(&text)
    }

    /// Like [`MasterKey::load_or_create`] but never creates: for when sealed tokens exist.
    pub fn load(from_env: Option<&str>, data_dir: &Path) -> Result<Self, CryptoError> {
        if let Some(text) = from_env {
            return Self::from_base64(text);
        }
        let path = data_dir.join(KEY_FILE);
        if !path.exists() {
            return Err(CryptoError::Missing { path });
        }
        Self::load_or_create(None, data_dir)
    }

    /// The key from `INSTALYTICS_MASTER_KEY` if given, else `<data dir>/master.key`, created
    /// with mode 0600 on first run. A key file others can read is refused.
    pub fn load_or_create(from_env: Option<&str>, data_dir: &Path) -> Result<Self, CryptoError> {
        if let Some(text) = from_env {
            return Self::from_base64(text);
        }
        let path = data_dir.join(KEY_FILE);
        let io = |source| CryptoError::KeyFile {
            path: path.clone(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                check_private(&path)?;
                Self::from_base64(&text)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::db::private_dir(data_dir).map_err(io)?;
                let key = Self::generate();
                let mut file = create_private(&path).map_err(io)?;
                writeln!(file, "{}", key.to_base64()).map_err(io)?;
                tracing::info!(path = %path.display(), key_id = key.id(), "created a new master key");
                Ok(key)
            }
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Makes new entries and renames in `dir` durable: they sit in the page cache until the
/// directory itself is synced, so a power cut could otherwise bring the old key file back.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Which master key sealed `sealed` (its key id), if it is a sealed value at all.
pub fn key_id_of(sealed: &str) -> Option<&str> {
    let mut parts = sealed.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(VERSION), Some(id), Some(_)) => Some(id),
        _ => None,
    }
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| CryptoError::KeyFile {
            path: path.to_owned(),
            source,
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::KeyFileMode {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), CryptoError> {
    Ok(())
}

/// Seals and opens values under one master key.
#[derive(Clone, Debug)]
pub struct Cipher {
    key: MasterKey,
}

impl Cipher {
    pub fn new(key: MasterKey) -> Self {
        Self { key }
    }

    pub fn key_id(&self) -> &str {
        self.key.id()
    }

    /// A key for `purpose` derived from the master key (HMAC-SHA256 keyed with it), for
    /// secrets that need no file of their own; it changes when the master key is rotated.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key.bytes)
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn aead(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.bytes.into())
    }

    /// Encrypts `plaintext`, bound to `context` (e.g. the account id).
    pub fn seal(&self, plaintext: &str, context: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .aead()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut body = nonce.to_vec();
        body.extend_from_slice(&sealed);
        format!(
            "{VERSION}.{}.{}",
            self.key.id(),
            URL_SAFE_NO_PAD.encode(body)
        )
    }

    /// Decrypts a value sealed for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, CryptoError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        if key_id != self.key.id() {
            return Err(CryptoError::WrongKey {
                found: key_id.to_owned(),
                expected: self.key.id().to_owned(),
            });
        }
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Malformed)?;
        if body.len() < NONCE_LEN {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        let plain = self
            .aead()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> Cipher {
        Cipher::new(MasterKey::generate())
    }

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let c = cipher();
        let a = c.seal("IGAAsecret-token", "17841400000000001");
        let b = c.seal("IGAAsecret-token", "17841400000000001");
        assert_ne!(a, b);
        assert!(!a.contains("IGAAsecret"));
        assert!(a.starts_with(&format!("v1.{}.", c.key_id())));
        assert_eq!(c.open(&a, "17841400000000001").unwrap(), "IGAAsecret-token");
    }

    #[test]
    fn tampering_and_moving_to_another_account_are_detected() {
        let c = cipher();
        let sealed = c.seal("token", "account-1");
        assert!(matches!(
            c.open(&sealed, "account-2"),
            Err(CryptoError::Tampered)
        ));
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(matches!(
            c.open(&tampered, "account-1"),
            Err(CryptoError::Tampered)
        ));
        assert!(matches!(
            c.open("v1.x", "account-1"),
            Err(CryptoError::Malformed)
        ));
        assert!(matches!(
            c.open("v2.a.b", "account-1"),
            Err(CryptoError::Malformed)
        ));
    }

    #[test]
    fn a_different_key_is_named_not_mistaken_for_tampering() {
        let sealed = cipher().seal("token", "a");
        let other = cipher();
        match other.open(&sealed, "a") {
            Err(CryptoError::WrongKey { expected, .. }) => assert_eq!(expected, other.key_id()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keys_from_the_environment_must_be_32_bytes_of_base64() {
        let key = MasterKey::generate();
        let again = MasterKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(again.id(), key.id());
        assert!(matches!(
            MasterKey::from_base64("c2hvcnQ="),
            Err(CryptoError::BadKey(_))
        ));
        assert!(matches!(
            MasterKey::from_base64("not base64!"),
            Err(CryptoError::BadKey(_))
        ));
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }

    #[cfg(unix)]
    #[test]
    fn keys_installed_or_kept_for_a_rotation_are_private_and_load_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let old = MasterKey::load_or_create(None, dir.path()).unwrap();
        let new = MasterKey::generate();
        let kept = dir.path().join(OLD_KEY_FILE);
        old.keep(&kept).unwrap();
        new.install(dir.path()).unwrap();
        assert!(
            !dir.path().join(NEW_KEY_FILE).exists(),
            "renamed into place"
        );
        assert_eq!(MasterKey::load(None, dir.path()).unwrap().id(), new.id());
        assert_eq!(MasterKey::from_file(&kept).unwrap().id(), old.id());
        for path in [kept.clone(), dir.path().join(KEY_FILE)] {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            MasterKey::from_file(&kept),
            Err(CryptoError::KeyFileMode { .. })
        ));
    }

    #[test]
    fn a_sealed_value_names_its_key() {
        let c = cipher();
        assert_eq!(key_id_of(&c.seal("token", "a")), Some(c.key_id()));
        assert_eq!(key_id_of("IGAAplain-token"), None);
        assert_eq!(key_id_of("v2.abc.def"), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_created_private_reused_and_refused_when_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = MasterKey::load_or_create(None, dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let second = MasterKey::load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.id(), second.id());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = MasterKey::load_or_create(None, dir.path()).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        let env = MasterKey::generate();
        assert_eq!(
            MasterKey::load_or_create(Some(&env.to_base64()), dir.path())
                .unwrap()
                .id(),
            env.id()
        );
    }
}
