//! Encryption of special-category data at rest: XChaCha20-Poly1305 with a
//! random 192-bit nonce per value, and the person id and category as associated
//! data, so a ciphertext cannot be moved to another person or field unnoticed.
//!
//! Keys live outside the database: a key file (one `id:base64-key` per line,
//! the last line is the key new data is written with) or the `KOPRU_KEYS`
//! environment variable in the same format. Old keys stay in the file so that
//! data written with them can be read until `kopru keys rotate` re-encrypts it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::fmt;

/// Sealed text as read from a column (`v1.<key id>.<base64>`), or none. It has
/// no `Serialize` and prints no content: a row that carries it cannot put it
/// in an answer or a log by mistake (a serialisable row must skip the field,
/// or it does not compile). It is opened with the keyring by the store only.
#[derive(Clone, Default)]
pub struct SealedText(Option<String>);

impl SealedText {
    /// The sealed text, leaving none behind.
    pub fn take(&mut self) -> Option<String> {
        self.0.take()
    }
}

impl From<Option<String>> for SealedText {
    fn from(v: Option<String>) -> Self {
        SealedText(v)
    }
}

impl std::fmt::Debug for SealedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "SealedText(..)"
        } else {
            "SealedText(none)"
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("no encryption keys are configured")]
    NoKeys,
    #[error("key line {0} is not `id:base64-of-32-bytes`")]
    BadKeyLine(usize),
    #[error("the data was encrypted with key {0}, which is not in the keyring")]
    UnknownKey(String),
    #[error("a ciphertext is malformed or was altered")]
    Corrupt,
}

pub struct Keyring {
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl fmt::Debug for Keyring {
    // Never print key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "Keyring({ids:?})")
    }
}

impl Keyring {
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let mut keys = Vec::new();
        for (i, line) in text.split(['\n', ',']).enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, b64) = line.split_once(':').ok_or(CryptoError::BadKeyLine(i + 1))?;
            let bytes = B64
                .decode(b64.trim())
                .map_err(|_| CryptoError::BadKeyLine(i + 1))?;
            if bytes.len() != 32 || id.is_empty() || id.contains('.') {
                return Err(CryptoError::BadKeyLine(i + 1));
            }
            keys.push((
                id.trim().to_owned(),
                XChaCha20Poly1305::new(Key::from_slice(&bytes)),
            ));
        }
        if keys.is_empty() {
            return Err(CryptoError::NoKeys);
        }
        Ok(Keyring { keys })
    }

    /// A new key line with a time-ordered id, for a key file or `KOPRU_KEYS`.
    pub fn new_key_line() -> String {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        // Time-ordered (the first hex digits) and unique (the random last ones).
        let hex = crate::new_id().replace('-', "");
        let id = format!("k{}{}", &hex[..10], &hex[24..]);
        format!("{id}:{}", B64.encode(key))
    }

    pub fn active_id(&self) -> &str {
        self.keys.last().map(|(id, _)| id.as_str()).unwrap_or("")
    }

    pub fn encrypt(&self, aad: &str, plaintext: &str) -> Result<String, CryptoError> {
        self.encrypt_bytes(aad, plaintext.as_bytes())
    }

    pub fn decrypt(&self, aad: &str, stored: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt_bytes(aad, stored)?).map_err(|_| CryptoError::Corrupt)
    }

    /// Encrypts any bytes (an attachment) to the same stored form as text.
    pub fn encrypt_bytes(&self, aad: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
        let (id, cipher) = self.keys.last().ok_or(CryptoError::NoKeys)?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        Ok(format!("v1.{id}.{}", B64.encode(blob)))
    }

    pub fn decrypt_bytes(&self, aad: &str, stored: &str) -> Result<Vec<u8>, CryptoError> {
        let mut parts = stored.splitn(3, '.');
        let (Some("v1"), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Corrupt);
        };
        let cipher = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, c)| c)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let blob = B64.decode(b64).map_err(|_| CryptoError::Corrupt)?;
        if blob.len() < 24 {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, ct) = blob.split_at(24);
        let pt = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        Ok(pt)
    }

    /// The key id a stored ciphertext names.
    pub fn key_of(stored: &str) -> Option<&str> {
        stored.split('.').nth(1)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sealed_text_never_prints_its_content() {
        let s = super::SealedText::from(Some("v1.k1.c2VjcmV0".to_owned()));
        assert_eq!(format!("{s:?}"), "SealedText(..)");
        let mut s = s;
        assert_eq!(s.take().as_deref(), Some("v1.k1.c2VjcmV0"));
        assert_eq!(format!("{s:?}"), "SealedText(none)");
    }

    use super::*;

    #[test]
    fn round_trip_rotation_and_tampering() {
        let one = Keyring::new_key_line();
        let ring = Keyring::parse(&one).unwrap();
        let c = ring.encrypt("p1/ethnicity", "roma").unwrap();
        assert!(!c.contains("roma"));
        assert_eq!(ring.decrypt("p1/ethnicity", &c).unwrap(), "roma");
        assert_eq!(
            ring.decrypt("p2/ethnicity", &c),
            Err(CryptoError::Corrupt),
            "bound to its person and field"
        );
        let two = Keyring::new_key_line();
        let rotated = Keyring::parse(&format!("{one}\n{two}\n")).unwrap();
        assert_eq!(
            rotated.decrypt("p1/ethnicity", &c).unwrap(),
            "roma",
            "old keys still read"
        );
        let c2 = rotated.encrypt("p1/ethnicity", "roma").unwrap();
        assert_eq!(Keyring::key_of(&c2), Some(rotated.active_id()));
        assert!(matches!(
            ring.decrypt("p1/ethnicity", &c2),
            Err(CryptoError::UnknownKey(_))
        ));
        let mut bad = c.clone();
        bad.pop();
        bad.push(if c.ends_with('A') { 'B' } else { 'A' });
        assert!(ring.decrypt("p1/ethnicity", &bad).is_err());
        assert!(Keyring::parse("nonsense").is_err());
        assert!(format!("{ring:?}").starts_with("Keyring([\"k"));
    }
}
