//! Who may call: access keys and users, each bound to a domain and projects.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// An AK/SK pair. Temporary credentials also carry a security token and expire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub access_key: String,
    pub secret_key: String,
    pub domain_id: String,
    pub project_ids: Vec<String>,
    pub security_token: Option<String>,
    pub expires_ms: Option<i64>,
    pub created_ms: i64,
}

impl Credential {
    /// A fresh permanent pair in the shape Huawei issues: a 20-character
    /// upper-case AK and a 40-character SK.
    pub fn generate(domain_id: &str, project_ids: Vec<String>, now_ms: i64) -> Credential {
        Credential {
            access_key: random_string(20, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            secret_key: random_string(40, ALNUM),
            domain_id: domain_id.to_owned(),
            project_ids,
            security_token: None,
            expires_ms: None,
            created_ms: now_ms,
        }
    }

    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.expires_ms.is_some_and(|t| t <= now_ms)
    }

    pub fn may_use(&self, project_id: &str) -> bool {
        self.project_ids.iter().any(|p| p == project_id)
    }
}

/// A user who signs in with a password (IAM's `password` method).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    /// `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`.
    pub password_hash: String,
    pub domain_id: String,
    pub project_ids: Vec<String>,
    pub created_ms: i64,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// An id in UUID form made from (the first 16 bytes of) a digest, so the
/// same input always gives the same id without storing it.
pub fn uuid_from_digest(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(b).to_string()
}

pub fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// 32 lower-case hex characters, the shape of Huawei project and domain ids.
pub fn random_id() -> String {
    random_string(32, b"0123456789abcdef")
}

/// A valid project id: what Huawei issues (32 hex) or any short id of
/// letters, digits, `-` and `_` that an operator chose.
pub fn is_valid_project_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// PBKDF2 rounds for stored passwords.
const PBKDF2_ROUNDS: u32 = 20_000;

/// Hashes a password for storage (PBKDF2-HMAC-SHA256 with a random salt).
pub fn hash_password(password: &str) -> String {
    let salt = random_string(16, ALNUM);
    let hash = pbkdf2_sha256(password.as_bytes(), salt.as_bytes(), PBKDF2_ROUNDS);
    format!("pbkdf2-sha256${PBKDF2_ROUNDS}${salt}${}", hex::encode(hash))
}

/// Checks a password against [`hash_password`]'s output, in constant time.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Ok(rounds), Ok(expected)) = (rounds.parse::<u32>(), hex::decode(hash)) else {
        return false;
    };
    if rounds == 0 || rounds > 10_000_000 {
        return false;
    }
    let got = pbkdf2_sha256(password.as_bytes(), salt.as_bytes(), rounds);
    use hmac::Mac;
    // Comparing MACs of both values under one key is constant-time in the secret.
    let mac = |v: &[u8]| {
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"compare").expect("any key length");
        m.update(v);
        m.finalize().into_bytes()
    };
    mac(&got) == mac(&expected)
}

/// PBKDF2 (RFC 8018) with HMAC-SHA256, one 32-byte block.
fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    type H = Hmac<sha2::Sha256>;
    let prf = H::new_from_slice(password).expect("any key length");
    let mut u = {
        let mut m = prf.clone();
        m.update(salt);
        m.update(&1u32.to_be_bytes());
        m.finalize().into_bytes()
    };
    let mut out = u;
    for _ in 1..rounds {
        let mut m = prf.clone();
        m.update(&u);
        u = m.finalize().into_bytes();
        for (o, x) in out.iter_mut().zip(u.iter()) {
            *o ^= x;
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_rfc_7914_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256, P="passwd", S="salt", c=1.
        let got = pbkdf2_sha256(b"passwd", b"salt", 1);
        assert_eq!(
            hex::encode(got),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = hash_password("correct horse");
        assert!(verify_password("correct horse", &stored));
        assert!(!verify_password("correct horsE", &stored));
        assert!(!verify_password("correct horse", "garbage"));
        assert!(!verify_password("", &stored));
    }

    #[test]
    fn generated_credentials_have_huawei_shapes() {
        let c = Credential::generate("d", vec!["p".into()], 0);
        assert_eq!(c.access_key.len(), 20);
        assert_eq!(c.secret_key.len(), 40);
        assert!(c.may_use("p") && !c.may_use("q"));
        assert!(!c.is_expired(i64::MAX));
    }

    #[test]
    fn project_ids() {
        assert!(is_valid_project_id("0123456789abcdef0123456789abcdef"));
        assert!(!is_valid_project_id("{project_id}"));
        assert!(!is_valid_project_id(""));
        assert!(!is_valid_project_id(&"a".repeat(65)));
    }
}
