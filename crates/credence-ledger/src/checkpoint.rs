//! Checkpoints (C2SP tlog-checkpoint) signed as C2SP signed notes with Ed25519.
//!
//! The note machinery is that of the `signed_note` crate (a port of Go's `sumdb/note`) and
//! the checkpoint body parser that of `tlog_tiles`; neither appears in this API.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::Signer as _;

use crate::hash::{b64_decode, b64_encode};
use crate::{Hash, LedgerError};

/// C2SP signed-note signature type of Ed25519.
const ALG_ED25519: u8 = 0x01;

/// A checkpoint body: the log's origin line, the tree size and the root hash.
///
/// Text form (each line ends in `\n`):
/// ```text
/// <origin>
/// <decimal tree size>
/// <base64 root hash>
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
}

impl Checkpoint {
    /// A checkpoint; the origin must be a valid key name (non-empty, no whitespace, no `+`),
    /// since the origin line and the key name are the same string.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, LedgerError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(LedgerError::MalformedCheckpoint(format!(
                "origin {origin:?} must be non-empty, without whitespace or '+'"
            )));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// The origin line (the log's name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root hash of the tree of [`Checkpoint::size`] leaves.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The C2SP tlog-checkpoint body text.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        )
    }

    /// Parses a body. Extension lines are rejected: this log never writes them.
    pub fn parse(text: &str) -> Result<Checkpoint, LedgerError> {
        let c = tlog_tiles::Checkpoint::from_bytes(text.as_bytes())
            .map_err(|e| LedgerError::MalformedCheckpoint(e.to_string()))?;
        if !c.extension().is_empty() {
            return Err(LedgerError::MalformedCheckpoint(
                "unexpected extension lines".into(),
            ));
        }
        let cp = Checkpoint::new(c.origin(), c.size(), Hash(c.hash().0))?;
        // Only the canonical text is accepted (one way to write each checkpoint).
        if cp.to_text() != text {
            return Err(LedgerError::MalformedCheckpoint("not canonical".into()));
        }
        Ok(cp)
    }
}

/// C2SP signed-note key ID: the first 4 bytes (big-endian) of
/// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)`.
fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut k = Vec::with_capacity(33);
    k.push(ALG_ED25519);
    k.extend_from_slice(public);
    signed_note::key_id(name, &k)
}

/// An Ed25519 note signing key with its name (= the log origin). `Debug` is redacted and
/// there is no `Display`: the secret is only output by [`SigningKey::to_secret_string`].
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SigningKey {
    /// A key from 32 secret seed bytes (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<SigningKey, LedgerError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(LedgerError::MalformedKey(format!(
                "key name {name:?} must be non-empty, without whitespace or '+'"
            )));
        }
        Ok(SigningKey {
            name: name.to_owned(),
            key: ed25519_dalek::SigningKey::from_bytes(seed),
        })
    }

    /// A fresh key from the caller's cryptographic RNG (e.g. `rand::rng()` of rand 0.9).
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(
        name: &str,
        rng: &mut R,
    ) -> Result<SigningKey, LedgerError> {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        SigningKey::from_seed(name, &seed)
    }

    /// The key name (the log origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32 secret seed bytes, for storing the key.
    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The note signer key string of Go's `sumdb/note`:
    /// `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`. Secret: store with 0600.
    pub fn to_secret_string(&self) -> String {
        let mut k = vec![ALG_ED25519];
        k.extend_from_slice(&self.key.to_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            key_id(&self.name, &self.key.verifying_key().to_bytes()),
            b64_encode(&k)
        )
    }

    /// Parses [`SigningKey::to_secret_string`] output (also Go `note.GenerateKey` keys).
    pub fn from_secret_string(s: &str) -> Result<SigningKey, LedgerError> {
        // Validate with the wrapped crate (format, algorithm, key id), then build our own.
        signed_note::StandardSigner::new(s.trim_end())
            .map_err(|e| LedgerError::MalformedKey(format!("signer key: {e}")))?;
        let mut parts = s.trim_end().splitn(5, '+');
        let (_, _, name, _, key) = (
            parts.next(),
            parts.next(),
            parts.next().unwrap_or_default(),
            parts.next(),
            parts.next().unwrap_or_default(),
        );
        let raw = b64_decode(key, "signer key")?;
        let seed: [u8; 32] = raw
            .get(1..)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| LedgerError::MalformedKey("signer key length".into()))?;
        SigningKey::from_seed(name, &seed)
    }

    /// The matching verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        let public = self.key.verifying_key().to_bytes();
        VerifierKey {
            name: self.name.clone(),
            id: key_id(&self.name, &public),
            public,
        }
    }
}

/// The key as the wrapped note crate's signer (private, so that trait stays out of the API).
struct NoteSigner<'a>(&'a SigningKey);

impl signed_note::Signer for NoteSigner<'_> {
    fn name(&self) -> &str {
        &self.0.name
    }
    fn key_id(&self) -> u32 {
        key_id(&self.0.name, &self.0.key.verifying_key().to_bytes())
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ed25519_dalek::SignatureError> {
        Ok(self.0.key.try_sign(msg)?.to_bytes().to_vec())
    }
}

/// A note verifier key: `<name>+<8 hex digits key id>+<base64(0x01 ‖ 32-byte public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    id: u32,
    public: [u8; 32],
}

impl VerifierKey {
    /// Parses the text form; checks the name, the algorithm byte and the key id.
    pub fn parse(s: &str) -> Result<VerifierKey, LedgerError> {
        let s = s.trim_end();
        signed_note::StandardVerifier::new(s)
            .map_err(|e| LedgerError::MalformedKey(format!("verifier key: {e}")))?;
        let (name, rest) = s
            .split_once('+')
            .ok_or_else(|| LedgerError::MalformedKey("verifier key".into()))?;
        let (id, key) = rest
            .split_once('+')
            .ok_or_else(|| LedgerError::MalformedKey("verifier key".into()))?;
        let id = u32::from_str_radix(id, 16)
            .map_err(|_| LedgerError::MalformedKey("verifier key id".into()))?;
        let raw = b64_decode(key, "verifier key")?;
        let public: [u8; 32] = raw
            .get(1..)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| LedgerError::MalformedKey("verifier key length".into()))?;
        Ok(VerifierKey {
            name: name.to_owned(),
            id,
            public,
        })
    }

    /// The key name (= the log origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-bit key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    fn note_verifier(&self) -> Result<signed_note::StandardVerifier, LedgerError> {
        signed_note::StandardVerifier::new(&self.to_string())
            .map_err(|e| LedgerError::MalformedKey(format!("verifier key: {e}")))
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut k = vec![ALG_ED25519];
        k.extend_from_slice(&self.public);
        write!(f, "{}+{:08x}+{}", self.name, self.id, b64_encode(&k))
    }
}

impl FromStr for VerifierKey {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VerifierKey::parse(s)
    }
}

/// A checkpoint with its signed-note text (body, blank line, signature lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: String,
}

impl SignedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The signed note text, as published.
    pub fn as_text(&self) -> &str {
        &self.note
    }

    /// Parses a signed note and checks it: well-formed, signed by `key` (signatures by
    /// other keys, e.g. witness cosignatures, are allowed and ignored), a canonical
    /// checkpoint body, and origin line equal to the key name.
    pub fn parse_verify(text: &str, key: &VerifierKey) -> Result<SignedCheckpoint, LedgerError> {
        let body = verify_note(text, key)?;
        let checkpoint = Checkpoint::parse(&body)?;
        if checkpoint.origin() != key.name() {
            return Err(LedgerError::OriginMismatch {
                origin: checkpoint.origin().to_owned(),
                key: key.name().to_owned(),
            });
        }
        Ok(SignedCheckpoint {
            checkpoint,
            note: text.to_owned(),
        })
    }
}

/// Signs any note text (C2SP signed-note): returns `text ‖ "\n" ‖ "— <name> <base64(key id ‖
/// signature)>\n"`. The text must be UTF-8 without control characters other than newline,
/// and end in a newline.
pub fn sign_note(text: &str, key: &SigningKey) -> Result<String, LedgerError> {
    let mut note = signed_note::Note::new(text.as_bytes(), &[])
        .map_err(|e| LedgerError::MalformedNote(e.to_string()))?;
    note.add_sigs(&[&NoteSigner(key)])
        .map_err(|e| LedgerError::MalformedNote(e.to_string()))?;
    String::from_utf8(note.to_bytes()).map_err(|_| LedgerError::MalformedNote("not UTF-8".into()))
}

/// Verifies a signed note against `key` and returns its text (ending in a newline).
/// Signature lines of other keys are allowed and ignored; the note must be in canonical
/// form (re-encoding it gives the input back).
pub fn verify_note(note_text: &str, key: &VerifierKey) -> Result<String, LedgerError> {
    let note = signed_note::Note::from_bytes(note_text.as_bytes())
        .map_err(|e| LedgerError::MalformedNote(e.to_string()))?;
    let list = signed_note::VerifierList::new(vec![Box::new(key.note_verifier()?)]);
    note.verify(&list).map_err(|e| match e {
        signed_note::NoteError::InvalidSignature { .. }
        | signed_note::NoteError::UnverifiedNote => LedgerError::BadSignature(key.to_string()),
        other => LedgerError::MalformedNote(other.to_string()),
    })?;
    if note.to_bytes() != note_text.as_bytes() {
        return Err(LedgerError::MalformedNote("not canonical".into()));
    }
    String::from_utf8(note.text().to_vec())
        .map_err(|_| LedgerError::MalformedNote("not UTF-8".into()))
}

/// Signs a checkpoint. Its origin must equal the key name.
pub fn sign_checkpoint(
    checkpoint: &Checkpoint,
    key: &SigningKey,
) -> Result<SignedCheckpoint, LedgerError> {
    if checkpoint.origin() != key.name() {
        return Err(LedgerError::OriginMismatch {
            origin: checkpoint.origin().to_owned(),
            key: key.name().to_owned(),
        });
    }
    let note = sign_note(&checkpoint.to_text(), key)?;
    Ok(SignedCheckpoint {
        checkpoint: checkpoint.clone(),
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() -> Result<(), LedgerError> {
        let key = SigningKey::from_seed("example.com/log", &[7; 32])?;
        let vkey = key.verifier_key();
        assert_eq!(VerifierKey::parse(&vkey.to_string())?, vkey);
        let cp = Checkpoint::new("example.com/log", 3, Hash::sha256(b"r"))?;
        let signed = sign_checkpoint(&cp, &key)?;
        let back = SignedCheckpoint::parse_verify(signed.as_text(), &vkey)?;
        assert_eq!(back.checkpoint(), &cp);
        let other = SigningKey::from_seed("example.com/log", &[8; 32])?.verifier_key();
        assert!(SignedCheckpoint::parse_verify(signed.as_text(), &other).is_err());
        let key2 = SigningKey::from_secret_string(&key.to_secret_string())?;
        assert_eq!(key2.seed(), key.seed());
        assert!(!format!("{key:?}").contains(&key.to_secret_string()));
        Ok(())
    }

    #[test]
    fn generate_from_caller_rng() -> Result<(), LedgerError> {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let a = SigningKey::generate("log.example", &mut rng)?;
        let b = SigningKey::generate("log.example", &mut rng)?;
        assert_ne!(a.seed(), b.seed());
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        assert_eq!(
            SigningKey::generate("log.example", &mut rng)?.seed(),
            a.seed()
        );
        assert!(SigningKey::generate("bad name", &mut rng).is_err());
        assert!(Checkpoint::new("a+b", 0, Hash::EMPTY_ROOT).is_err());
        Ok(())
    }
}
