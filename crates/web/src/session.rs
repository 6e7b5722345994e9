//! Sessions and form tokens: the guard against cross-site form posts.
//!
//! A browser gets a session cookie the first time it loads a page; every form of the
//! page carries a token that is an HMAC of that session under the daemon's secret. A
//! post is accepted only when its token matches its cookie. Another site can make a
//! browser post (with the cached Basic credentials) but can neither read the token from
//! our pages nor compute one, and the cookie is `SameSite=Lax`, so it is not even sent
//! on a cross-site post. Nothing is stored per session: the check is a recomputation.

use sha1::{Digest, Sha1};

/// The cookie that carries the session.
pub const COOKIE: &str = "supervisor_session";

const BLOCK: usize = 64;

/// HMAC-SHA1 (RFC 2104) of `message` under `key`.
fn hmac(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha1::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha1::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equality that takes the same time wherever the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Issues sessions and checks form tokens with one secret.
#[derive(Clone, Debug)]
pub struct Sessions {
    secret: [u8; 32],
    issued: u64,
}

impl Sessions {
    /// Keyed by `secret`, which must be unpredictable (the daemon reads it from the
    /// system's random source at startup).
    pub fn new(secret: [u8; 32]) -> Sessions {
        Sessions { secret, issued: 0 }
    }

    /// A fresh session identifier (40 hex digits).
    pub fn issue(&mut self) -> String {
        self.issued += 1;
        let mut message = b"session:".to_vec();
        message.extend_from_slice(&self.issued.to_le_bytes());
        hex(&hmac(&self.secret, &message))
    }

    /// The form token of `session`.
    pub fn token(&self, session: &str) -> String {
        let mut message = b"token:".to_vec();
        message.extend_from_slice(session.as_bytes());
        hex(&hmac(&self.secret, &message))
    }

    /// Whether `token` belongs to `session`.
    pub fn check(&self, session: &str, token: &str) -> bool {
        same(self.token(session).as_bytes(), token.as_bytes())
    }
}

/// The session named by a `Cookie` header, if it holds a well-formed one.
pub fn from_cookie(header: Option<&str>) -> Option<&str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|v| v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_2202() {
        // RFC 2202, test cases 1 and 2.
        assert_eq!(
            hex(&hmac(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn tokens_bind_to_session_and_secret() {
        let mut a = Sessions::new([1; 32]);
        let b = Sessions::new([2; 32]);
        let s1 = a.issue();
        let s2 = a.issue();
        assert_ne!(s1, s2);
        assert_eq!(s1.len(), 40);
        let t1 = a.token(&s1);
        assert!(a.check(&s1, &t1));
        assert!(!a.check(&s2, &t1));
        assert!(!b.check(&s1, &t1));
        assert!(!a.check(&s1, ""));
        assert!(!a.check(&s1, &t1[..39]));
    }

    #[test]
    fn reads_the_cookie() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let header = format!("a=b; {COOKIE}={id}; c=d");
        assert_eq!(from_cookie(Some(&header)), Some(id));
        assert_eq!(from_cookie(Some(&format!("{COOKIE}=short"))), None);
        assert_eq!(from_cookie(Some("other=1")), None);
        assert_eq!(from_cookie(None), None);
    }
}
