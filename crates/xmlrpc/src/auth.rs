//! HTTP Basic authentication as Supervisor checks it (medusa's `auth_handler` with
//! Supervisor's `encrypted_dictionary_authorizer`).

use sha1::{Digest, Sha1};

use crate::http::Request;

/// The one user of an `[inet_http_server]` or `[unix_http_server]` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// `username=`.
    pub username: String,
    /// `password=`: plain text, or `{SHA}` followed by the hex SHA-1 of the password.
    pub password: String,
}

/// The verdict on a request's `Authorization` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthOutcome {
    /// Let the request through.
    Authorized,
    /// Answer [`crate::http::unauthorized_reply`] (401): no header, another scheme,
    /// or a wrong user or password.
    Unauthorized,
    /// The credentials do not decode (medusa answers 400).
    Malformed,
    /// The decoded credentials hold no `:` (medusa's authorizer raises and the server
    /// answers 500).
    NoSeparator,
}

impl AuthOutcome {
    /// The status medusa answers, `None` when the request goes through.
    pub fn status(self) -> Option<u16> {
        match self {
            AuthOutcome::Authorized => None,
            AuthOutcome::Unauthorized => Some(401),
            AuthOutcome::Malformed => Some(400),
            AuthOutcome::NoSeparator => Some(500),
        }
    }
}

/// Compares without an early exit, so the time taken does not reveal where the
/// inputs first differ (only whether their lengths do).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The lowercase hex SHA-1 of `password`, as stored after `{SHA}`.
pub fn sha1_hex(password: &str) -> String {
    let digest = Sha1::digest(password.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Credentials {
    /// Whether `username` and `password` match. A `{SHA}` password compares the hex
    /// digest exactly (so an uppercase stored digest never matches, as in Supervisor).
    pub fn matches(&self, username: &str, password: &str) -> bool {
        let user_ok = constant_time_eq(self.username.as_bytes(), username.as_bytes());
        let pass_ok = match self.password.strip_prefix("{SHA}") {
            Some(stored) => constant_time_eq(stored.as_bytes(), sha1_hex(password).as_bytes()),
            None => constant_time_eq(self.password.as_bytes(), password.as_bytes()),
        };
        user_ok & pass_ok
    }

    /// Checks a request's `Authorization` header: the scheme `Basic` (any case), one
    /// space, then base64 of `user:password` (decoded as leniently as Python does).
    pub fn check(&self, request: &Request) -> AuthOutcome {
        self.check_header(request.header("authorization"))
    }

    /// [`Credentials::check`] on the header value alone.
    pub fn check_header(&self, value: Option<&str>) -> AuthOutcome {
        let Some((scheme, cookie)) = value.and_then(|v| v.split_once(' ')) else {
            return AuthOutcome::Unauthorized;
        };
        if scheme.is_empty() || !scheme.eq_ignore_ascii_case("basic") {
            return AuthOutcome::Unauthorized;
        }
        let Ok(decoded) = crate::decode::decode_base64_lenient(cookie.as_bytes()) else {
            return AuthOutcome::Malformed;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return AuthOutcome::Malformed;
        };
        match decoded.split_once(':') {
            Some((user, pass)) if self.matches(user, pass) => AuthOutcome::Authorized,
            Some(_) => AuthOutcome::Unauthorized,
            None => AuthOutcome::NoSeparator,
        }
    }
}

/// The `Authorization` header value a client sends for `username` and `password`.
pub fn basic_header(username: &str, password: &str) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    format!("Basic {token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(password: &str) -> Credentials {
        Credentials {
            username: "user".into(),
            password: password.into(),
        }
    }

    #[test]
    fn plain_and_sha_passwords() {
        let plain = creds("test");
        let sha = creds("{SHA}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
        let upper = creds("{SHA}A94A8FE5CCB19BA61C4C0873D391E987982FBBD3");
        assert_eq!(sha1_hex("test"), "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
        for c in [&plain, &sha] {
            assert!(c.matches("user", "test"));
            assert!(!c.matches("user", "x"));
            assert!(!c.matches("User", "test"));
            assert_eq!(
                c.check_header(Some(&basic_header("user", "test"))),
                AuthOutcome::Authorized
            );
        }
        assert!(!upper.matches("user", "test"));
    }

    #[test]
    fn header_forms_like_medusa() {
        let c = creds("p:w");
        assert_eq!(c.check_header(None), AuthOutcome::Unauthorized);
        assert_eq!(
            c.check_header(Some("Digest abc")),
            AuthOutcome::Unauthorized
        );
        assert_eq!(c.check_header(Some("Basic")), AuthOutcome::Unauthorized);
        assert_eq!(
            c.check_header(Some("basic dXNlcjpwOnc=")),
            AuthOutcome::Authorized
        );
        assert_eq!(c.check_header(Some("Basic a")), AuthOutcome::Malformed);
        assert_eq!(c.check_header(Some("Basic /w==")), AuthOutcome::Malformed);
        assert_eq!(
            c.check_header(Some("Basic dXNlcg==")),
            AuthOutcome::NoSeparator
        );
        assert_eq!(AuthOutcome::NoSeparator.status(), Some(500));
        assert_eq!(AuthOutcome::Authorized.status(), None);
    }
}
