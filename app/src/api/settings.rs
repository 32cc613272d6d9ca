//! Settings (admin) and the public privacy pages' server functions.

use leptos::prelude::*;

use crate::dto::{DeletionStatus, SettingField, SettingsView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{auth, backend::backend};

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.settings.get().await
        }
        .await,
    )
}

/// Validated by the port, which names the problem for the `value` field.
#[server(endpoint = "settings/update")]
pub async fn update_setting(field: SettingField, value: String) -> Result<SettingsView, AppError> {
    auth::respond(
        async {
            auth::require_admin().await?;
            backend()?.settings.update(field, &value).await
        }
        .await,
    )
}

/// Public: the Privacy page shows it to anyone.
#[server(endpoint = "privacy/contact")]
pub async fn privacy_contact() -> Result<String, AppError> {
    auth::respond(async { Ok(backend()?.settings.get().await?.privacy_contact) }.await)
}

/// Public: Meta's deletion callback hands this page's URL to the user. The argument struct is
/// `FindDeletion` because the default name (`DeletionStatus`) is the DTO it returns.
#[server(name = FindDeletion, endpoint = "privacy/deletion")]
pub async fn deletion_status(code: String) -> Result<Option<DeletionStatus>, AppError> {
    auth::respond(
        async {
            let code = deletion_code(&code)?;
            backend()?.settings.deletion_status(code).await
        }
        .await,
    )
}

/// A confirmation code is 1–32 ASCII letters and digits; anything else is refused before it
/// reaches the database (the page is public, so the code is attacker-chosen).
#[cfg(any(feature = "ssr", test))]
fn deletion_code(raw: &str) -> Result<&str, AppError> {
    /// The longest confirmation code the server hands out, with room to spare.
    const CODE_MAX: usize = 32;
    if (1..=CODE_MAX).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(raw)
    } else {
        Err(AppError::invalid(
            "code",
            "That is not a deletion confirmation code.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::deletion_code;

    #[test]
    fn deletion_codes_are_short_and_alphanumeric() {
        assert_eq!(deletion_code("a1B2").unwrap(), "a1B2");
        assert!(deletion_code(&"x".repeat(32)).is_ok());
        for bad in [
            "",
            "with space",
            "semi;colon",
            "é",
            "../etc",
            &"x".repeat(33),
        ] {
            assert!(
                deletion_code(bad).unwrap_err().for_field("code").is_some(),
                "{bad:?}"
            );
        }
    }
}
