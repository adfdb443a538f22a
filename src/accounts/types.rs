//! Account domain types. Each one is parsed once at the edge, so code holding
//! one never re-checks it.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(transparent)]
pub struct UserId(pub Uuid);

impl UserId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for UserId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// Why a piece of user input was refused. The variants map to translated messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("email address is not valid")]
    EmailInvalid,
    #[error("display name must be 1 to 50 characters without control characters")]
    NameInvalid,
    #[error("password is shorter than {min} characters", min = Password::MIN_CHARS)]
    PasswordTooShort,
    #[error("password is longer than {max} characters", max = Password::MAX_CHARS)]
    PasswordTooLong,
    #[error("unknown role")]
    RoleInvalid,
}

impl InputError {
    /// The i18n key of the message shown beside the offending field.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::EmailInvalid => "err.email_invalid",
            Self::NameInvalid => "err.name_invalid",
            Self::PasswordTooShort => "err.password_too_short",
            Self::PasswordTooLong => "err.password_too_long",
            Self::RoleInvalid => "err.role_invalid",
        }
    }
}

/// An email address as the user typed it (trimmed). Uniqueness and login
/// lookups ignore case; see [`Email::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let s = raw.trim();
        let valid = s.chars().count() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(InputError::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-folded form used for lookups and throttling keys.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let s = raw.trim();
        let n = s.chars().count();
        if n == 0 || n > Self::MAX_CHARS || s.chars().any(char::is_control) {
            return Err(InputError::NameInvalid);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy. Deliberately not `Debug`/`Display`
/// so it cannot end up in a log line.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Bounds hashing work per request.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: String) -> Result<Self, InputError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            Err(InputError::PasswordTooShort)
        } else if n > Self::MAX_CHARS {
            Err(InputError::PasswordTooLong)
        } else {
            Ok(Self(raw))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Student,
    Instructor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Student, Role::Instructor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }

    /// Admins can do everything instructors can.
    pub fn at_least(self, required: Role) -> bool {
        self >= required
    }
}

impl TryFrom<&str> for Role {
    type Error = InputError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        match s {
            "student" => Ok(Role::Student),
            "instructor" => Ok(Role::Instructor),
            "admin" => Ok(Role::Admin),
            _ => Err(InputError::RoleInvalid),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_parse_accepts_ordinary_addresses_and_trims() {
        let e = Email::parse("  Kim.Minji@Example.co.kr ").unwrap();
        assert_eq!(e.as_str(), "Kim.Minji@Example.co.kr");
        assert_eq!(e.key(), "kim.minji@example.co.kr");
    }

    #[test]
    fn email_parse_rejects_malformed_addresses() {
        for bad in [
            "",
            "no-at-sign",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@b..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn display_name_counts_characters_not_bytes() {
        // 50 Hangul syllables are 150 bytes but 50 characters: allowed.
        let korean: String = std::iter::repeat_n('가', 50).collect();
        assert!(DisplayName::parse(&korean).is_ok());
        let too_long: String = std::iter::repeat_n('가', 51).collect();
        assert_eq!(DisplayName::parse(&too_long), Err(InputError::NameInvalid));
        assert_eq!(DisplayName::parse("   "), Err(InputError::NameInvalid));
    }

    #[test]
    fn password_policy_counts_characters() {
        assert!(matches!(
            Password::parse("짧은비밀번호".into()),
            Err(InputError::PasswordTooShort)
        ));
        assert!(Password::parse("비밀번호는열글자이상".into()).is_ok());
        assert!(matches!(
            Password::parse("x".repeat(257)),
            Err(InputError::PasswordTooLong)
        ));
    }

    #[test]
    fn roles_are_ordered_by_privilege() {
        assert!(Role::Admin.at_least(Role::Instructor));
        assert!(Role::Instructor.at_least(Role::Instructor));
        assert!(!Role::Student.at_least(Role::Instructor));
        assert_eq!(Role::try_from("admin"), Ok(Role::Admin));
        assert!(Role::try_from("root").is_err());
    }
}
