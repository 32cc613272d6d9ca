//! Input rules for users, applied by the server at its boundary (server functions and CLI).

use crate::error::AppError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
/// OWASP's minimum for passwords without a second factor.
pub const PASSWORD_MIN: usize = 10;
/// Bounds the argon2 input; anything longer is a paste accident or an attack.
pub const PASSWORD_MAX: usize = 256;

pub const USERNAME_HINT: &str =
    "3–32 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.";
pub const PASSWORD_HINT: &str = "At least 10 characters.";

/// Returns the canonical (trimmed, lowercase) username or says what is wrong with it.
pub fn username(raw: &str) -> Result<String, AppError> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(AppError::invalid(
            "username",
            format!("Username must be {USERNAME_MIN}–{USERNAME_MAX} characters long."),
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if !name.chars().all(allowed) {
        return Err(AppError::invalid(
            "username",
            "Username may only contain lowercase letters, digits, '.', '_' and '-'.",
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(AppError::invalid(
            "username",
            "Username must start with a letter or digit.",
        ));
    }
    Ok(name)
}

pub fn password(raw: &str) -> Result<(), AppError> {
    let len = raw.chars().count();
    if len < PASSWORD_MIN {
        return Err(AppError::invalid(
            "password",
            format!("Password must be at least {PASSWORD_MIN} characters long."),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(AppError::invalid(
            "password",
            format!("Password must be at most {PASSWORD_MAX} characters long."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(username("  Alice.B ").unwrap(), "alice.b");
    }

    #[test]
    fn usernames_outside_the_rules_name_the_field() {
        for bad in [
            "ab",
            "a b c",
            "_lead",
            "émile",
            &"x".repeat(33),
            "semi;colon",
        ] {
            let err = username(bad).unwrap_err();
            assert!(err.for_field("username").is_some(), "{bad:?} gave {err:?}");
        }
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(password("123456789").is_err());
        assert!(password("1234567890").is_ok());
        // Ten characters but more bytes: still accepted.
        assert!(password("ééééééééé€").is_ok());
        assert!(password(&"p".repeat(PASSWORD_MAX + 1)).is_err());
        assert!(password("short")
            .unwrap_err()
            .for_field("password")
            .is_some());
    }
}
