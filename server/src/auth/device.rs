//! The device cookie: a browser that has signed in as a user carries a long-lived, signed
//! cookie naming that user and a random device id. At sign-in, a valid one for the user being
//! signed in swaps the username's throttle counter for the device's own, so nobody can lock a
//! user out of the browsers they already use by failing against the name from elsewhere; a
//! stolen cookie still cannot guess freely (the device has its own counter).
//!
//! Value: `<user id>.<device id>.<tag>`: the device id is 16 random bytes, the tag
//! HMAC-SHA256 of `<user id>.<device id>`, both base64url. The key is derived from the master
//! key, so rotating that retires every device cookie (the next sign-in issues a new one).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tower_sessions::cookie::{Cookie, SameSite};

pub use app::auth::DEVICE_COOKIE;

/// Browsers keep a cookie 400 days at most.
const MAX_AGE_DAYS: i64 = 400;
/// What the key is derived for (see [`crate::crypto::Cipher::derive_key`]).
pub const KEY_PURPOSE: &str = "instalytics device cookie v1";

/// A device a user has signed in from before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub user_id: i64,
    pub id: String,
}

impl Device {
    /// A new device id for `user_id`.
    pub fn new(user_id: i64) -> Self {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self {
            user_id,
            id: URL_SAFE_NO_PAD.encode(bytes),
        }
    }
}

/// Issues and reads device cookies. `Debug` shows no key.
#[derive(Clone)]
pub struct DeviceCookies {
    key: [u8; 32],
    secure: bool,
}

impl std::fmt::Debug for DeviceCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCookies")
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

impl DeviceCookies {
    /// `secure`: mark the cookie `Secure` (served over HTTPS), as `--secure-cookies` does.
    pub fn new(key: [u8; 32], secure: bool) -> Self {
        Self { key, secure }
    }

    fn mac(&self, user_id: i64, id: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("{user_id}.{id}").as_bytes());
        mac
    }

    /// The device `value` names when its tag is ours; anything else (malformed, forged,
    /// tampered, signed with an older key) is `None` and the sign-in goes on without it.
    pub fn read(&self, value: &str) -> Option<Device> {
        let mut parts = value.split('.');
        let (Some(user), Some(id), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let user_id: i64 = user.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        // Constant-time comparison of the tag.
        self.mac(user_id, id).verify_slice(&tag).ok()?;
        Some(Device {
            user_id,
            id: id.to_owned(),
        })
    }

    /// The cookie's value for `device`.
    pub fn value(&self, device: &Device) -> String {
        let tag = self.mac(device.user_id, &device.id).finalize().into_bytes();
        format!(
            "{}.{}.{}",
            device.user_id,
            device.id,
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The `Set-Cookie` header value that stores `device` in the browser.
    pub fn set_cookie(&self, device: &Device) -> String {
        Cookie::build((DEVICE_COOKIE, self.value(device)))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(time::Duration::days(MAX_AGE_DAYS))
            .build()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies() -> DeviceCookies {
        DeviceCookies::new([7; 32], false)
    }

    #[test]
    fn a_value_reads_back_as_its_device() {
        let device = Device::new(42);
        assert_eq!(device.id.len(), 22, "16 bytes in unpadded base64url");
        assert_ne!(device.id, Device::new(42).id);
        let value = cookies().value(&device);
        assert_eq!(cookies().read(&value), Some(device));
    }

    #[test]
    fn forged_tampered_and_foreign_values_are_ignored() {
        let device = Device::new(42);
        let value = cookies().value(&device);
        let (_, rest) = value.split_once('.').unwrap();
        let cases = [
            format!("1.{rest}"),                      // another user
            value.replacen(&device.id, "AAAA", 1),    // another device id
            format!("{value}x"),                      // tag changed
            format!("{value}.extra"),                 // extra part
            value.rsplit_once('.').unwrap().0.into(), // no tag
            String::new(),
            "not a cookie".into(),
        ];
        for case in &cases {
            assert_eq!(cookies().read(case), None, "{case}");
        }
        let other_key = DeviceCookies::new([8; 32], false);
        assert_eq!(other_key.read(&value), None, "signed with another key");
    }

    #[test]
    fn the_cookie_is_http_only_lax_long_lived_and_secure_on_request() {
        let device = Device::new(3);
        let plain = cookies().set_cookie(&device);
        assert!(plain.starts_with(&format!("{DEVICE_COOKIE}=3.")), "{plain}");
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=34560000"] {
            assert!(plain.contains(part), "{part}: {plain}");
        }
        assert!(!plain.contains("Secure"), "{plain}");
        let secure = DeviceCookies::new([7; 32], true).set_cookie(&device);
        assert!(secure.contains("Secure"), "{secure}");
        assert!(!format!("{:?}", cookies()).contains('7'));
    }
}
