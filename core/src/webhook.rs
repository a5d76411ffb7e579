//! Webhook signature verification and signing.
//!
//! Two schemes, as the API sends both on every delivery:
//! - Standard Webhooks: `webhook-id`, `webhook-timestamp`, and `webhook-signature:
//!   v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the base64-decoded
//!   part of a `whsec_` secret (or a raw secret's UTF-8 bytes).
//! - GitHub style: `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with
//!   the secret string's own UTF-8 bytes, exactly as given.
//!
//! When `webhook-signature` is present it decides; otherwise `X-Webhook-Signature` does.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::time::{Duration, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result, VerificationFailure as F};
use crate::transport;

type HmacSha256 = Hmac<Sha256>;

/// Default tolerance between `webhook-timestamp` and now.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Prefix of API-issued webhook secrets.
pub const SECRET_PREFIX: &str = "whsec_";

/// Read access to request headers by case-insensitive name, for [`Webhook::verify`].
pub trait HeaderLookup {
    /// The value of the header `name` (compared case-insensitively), if present.
    fn header(&self, name: &str) -> Option<&str>;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S: BuildHasher> HeaderLookup for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderLookup for BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

/// A secret as the two HMAC states it keys, computed once: each verification clones a state
/// instead of hashing the key again.
struct Secret {
    /// Keyed with the Standard Webhooks key.
    v1: HmacSha256,
    /// Keyed with the `sha256=` scheme's key: the secret string's bytes.
    raw: HmacSha256,
}

/// Verifies (and signs) webhook deliveries with one or several secrets.
/// `Debug` never shows the secrets.
///
/// ```
/// use erp_api_client::Webhook;
/// let wh = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// let body = br#"{"test": 2432232314}"#;
/// let headers = wh.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
/// let event = wh.verify_at(body, &headers, 1614265330).unwrap();
/// assert_eq!(event["test"], 2432232314u64);
/// ```
pub struct Webhook {
    secrets: Vec<Secret>,
    tolerance: Duration,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl Webhook {
    /// A verifier with one secret (`whsec_...` as the API issues them, or any raw string).
    pub fn new(secret: &str) -> Result<Self> {
        Self::with_secrets([secret])
    }

    /// A verifier that accepts a signature made with any of these secrets (for rotation).
    pub fn with_secrets<I, S>(secrets: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for (i, s) in secrets.into_iter().enumerate() {
            out.push(parse_secret(s.as_ref(), i)?);
        }
        if out.is_empty() {
            return Err(Error::verification(
                F::InvalidSecret,
                "no secret given: pass at least one webhook secret",
            ));
        }
        Ok(Webhook {
            secrets: out,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Sets how far `webhook-timestamp` may be from now (default 300 s).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The tolerance in force.
    pub fn tolerance_duration(&self) -> Duration {
        self.tolerance
    }

    /// Verifies a delivery against the current time and returns the parsed event.
    ///
    /// Checks the signature exactly as [`Webhook::verify_signature`] does, then parses the
    /// body as JSON (a body that is not JSON fails with `invalid_payload`).
    pub fn verify<H: HeaderLookup + ?Sized>(&self, body: &[u8], headers: &H) -> Result<Value> {
        self.verify_at(body, headers, unix_now())
    }

    /// Verifies a delivery as of `now` (unix seconds) and returns the parsed event.
    pub fn verify_at<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: i64,
    ) -> Result<Value> {
        self.verify_signature_at(body, headers, now)?;
        crate::json::from_slice(body).map_err(|_| {
            Error::verification(
                F::InvalidPayload,
                "the signature is valid but the body is not JSON",
            )
        })
    }

    /// Checks a delivery's signature and timestamp against the current time, without
    /// parsing the body: for callers that parse the body themselves.
    ///
    /// It fails exactly as [`Webhook::verify`] does (missing or malformed header, timestamp
    /// outside the tolerance, no signature matched), except that a body that is not JSON
    /// is accepted.
    ///
    /// ```
    /// use erp_api_client::Webhook;
    /// let wh = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let body = b"not json, still signed";
    /// let now = std::time::SystemTime::now()
    ///     .duration_since(std::time::UNIX_EPOCH)
    ///     .unwrap()
    ///     .as_secs() as i64;
    /// let headers = wh.sign("msg_1", now, body);
    /// wh.verify_signature(body, &headers).unwrap();
    /// assert!(wh.verify_signature(b"tampered", &headers).is_err());
    /// ```
    pub fn verify_signature<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
    ) -> Result<()> {
        self.verify_signature_at(body, headers, unix_now())
    }

    /// Checks a delivery's signature and timestamp as of `now` (unix seconds), without
    /// parsing the body. See [`Webhook::verify_signature`].
    ///
    /// ```
    /// use erp_api_client::Webhook;
    /// let wh = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let headers = wh.sign("msg_1", 1614265330, b"raw bytes");
    /// assert!(wh.verify_signature_at(b"raw bytes", &headers, 1614265330).is_ok());
    /// let late = wh.verify_signature_at(b"raw bytes", &headers, 1614265330 + 301);
    /// assert!(late.is_err());
    /// ```
    pub fn verify_signature_at<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: i64,
    ) -> Result<()> {
        if let Some(sig) = headers.header("webhook-signature") {
            self.check_standard(body, headers, sig, now)
        } else if let Some(sig) = headers.header("x-webhook-signature") {
            self.check_sha256(body, headers, sig, now)
        } else {
            Err(Error::verification(
                F::MissingHeader,
                "no signature header: expected webhook-signature or X-Webhook-Signature",
            ))
        }
    }

    fn check_timestamp(&self, value: &str, now: i64) -> Result<()> {
        let ts: i64 = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            value
                .parse()
                .map_err(|_| malformed("webhook-timestamp is out of range"))?
        } else {
            return Err(malformed("webhook-timestamp must be integer unix seconds"));
        };
        let tol = self.tolerance.as_secs().min(i64::MAX as u64) as i64;
        if ts < now.saturating_sub(tol) {
            return Err(Error::verification(
                F::TimestampTooOld,
                format!("webhook-timestamp is more than {tol} s in the past"),
            ));
        }
        if ts > now.saturating_add(tol) {
            return Err(Error::verification(
                F::TimestampTooNew,
                format!("webhook-timestamp is more than {tol} s in the future"),
            ));
        }
        Ok(())
    }

    fn check_standard<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        sig: &str,
        now: i64,
    ) -> Result<()> {
        let id = headers
            .header("webhook-id")
            .ok_or_else(|| Error::verification(F::MissingHeader, "webhook-id header is missing"))?;
        let ts = headers.header("webhook-timestamp").ok_or_else(|| {
            Error::verification(F::MissingHeader, "webhook-timestamp header is missing")
        })?;
        self.check_timestamp(ts, now)?;
        let mut any_entry = false;
        // A v1 signature is an HMAC-SHA256: one that does not decode to exactly 32 bytes
        // cannot match, so candidates live in fixed buffers (no allocation per entry).
        let mut candidates: Vec<[u8; 32]> = Vec::new();
        for token in sig.split(' ').filter(|t| !t.is_empty()) {
            let Some((version, value)) = token.split_once(',') else {
                continue;
            };
            any_entry = true;
            if version == "v1" {
                if let Some(bytes) = decode_b64_32(value) {
                    candidates.push(bytes);
                }
            }
        }
        if !any_entry {
            return Err(malformed(
                "webhook-signature must hold space-separated 'v1,<base64>' entries",
            ));
        }
        for secret in &self.secrets {
            let mut mac = secret.v1.clone();
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(ts.as_bytes());
            mac.update(b".");
            mac.update(body);
            let expected = mac.finalize().into_bytes();
            if candidates
                .iter()
                .any(|c| bool::from(c.as_slice().ct_eq(expected.as_slice())))
            {
                return Ok(());
            }
        }
        Err(no_match())
    }

    fn check_sha256<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        sig: &str,
        now: i64,
    ) -> Result<()> {
        let given = sig
            .strip_prefix("sha256=")
            .and_then(decode_hex32)
            .ok_or_else(|| malformed("X-Webhook-Signature must be 'sha256=' and 64 hex digits"))?;
        if let Some(ts) = headers.header("webhook-timestamp") {
            self.check_timestamp(ts, now)?;
        }
        for secret in &self.secrets {
            let mut mac = secret.raw.clone();
            mac.update(body);
            let expected = mac.finalize().into_bytes();
            if bool::from(given.as_slice().ct_eq(expected.as_slice())) {
                return Ok(());
            }
        }
        Err(no_match())
    }

    /// Signs a payload as the API does: `webhook-id`, `webhook-timestamp`, `webhook-signature`
    /// (one `v1,` entry per secret, in order) and `x-webhook-signature` (first secret).
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<(String, String)> {
        let ts = timestamp.to_string();
        let v1: Vec<String> = self
            .secrets
            .iter()
            .map(|s| {
                let mut mac = s.v1.clone();
                mac.update(msg_id.as_bytes());
                mac.update(b".");
                mac.update(ts.as_bytes());
                mac.update(b".");
                mac.update(body);
                format!("v1,{}", Base64::encode_string(&mac.finalize().into_bytes()))
            })
            .collect();
        let mut mac = self.secrets[0].raw.clone();
        mac.update(body);
        let hex = encode_hex(&mac.finalize().into_bytes());
        vec![
            ("webhook-id".to_owned(), msg_id.to_owned()),
            ("webhook-timestamp".to_owned(), ts),
            ("webhook-signature".to_owned(), v1.join(" ")),
            ("x-webhook-signature".to_owned(), format!("sha256={hex}")),
        ]
    }
}

fn parse_secret(secret: &str, index: usize) -> Result<Secret> {
    if secret.is_empty() {
        return Err(Error::verification(
            F::InvalidSecret,
            format!("secret #{index} is empty"),
        ));
    }
    let v1_key = match secret.strip_prefix(SECRET_PREFIX) {
        Some(b64) => match Base64::decode_vec(b64) {
            Ok(k) if !k.is_empty() => k,
            _ => {
                return Err(Error::verification(
                    F::InvalidSecret,
                    format!("secret #{index} starts with whsec_ but the rest is not valid base64"),
                ))
            }
        },
        None => secret.as_bytes().to_vec(),
    };
    Ok(Secret {
        v1: hmac_for(&v1_key),
        raw: hmac_for(secret.as_bytes()),
    })
}

fn hmac_for(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

fn malformed(msg: &str) -> Error {
    Error::verification(F::MalformedHeader, msg)
}

fn no_match() -> Error {
    Error::verification(
        F::NoMatchingSignature,
        "no signature matched any of the secrets",
    )
}

/// Decodes standard base64 that stands for exactly 32 bytes (44 characters with one `=`).
fn decode_b64_32(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    match Base64::decode(s, &mut out) {
        Ok(d) if d.len() == 32 => Some(out),
        _ => None,
    }
}

fn unix_now() -> i64 {
    transport::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn published_example() {
        let wh = Webhook::new(SECRET).unwrap();
        let h = wh.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(h[2].1, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn roundtrip_and_tamper() {
        let wh = Webhook::new("plain-secret").unwrap();
        let body = br#"{"id":"evt_1"}"#;
        let h = wh.sign("evt_1", 1000, body);
        assert_eq!(wh.verify_at(body, &h, 1000).unwrap()["id"], "evt_1");
        let e = wh.verify_at(br#"{"id":"evt_2"}"#, &h, 1000).unwrap_err();
        assert_eq!(e.verification_failure(), Some(F::NoMatchingSignature));
        // The sha256 scheme alone.
        let only: Vec<_> = h
            .iter()
            .filter(|(k, _)| k.starts_with('x'))
            .cloned()
            .collect();
        assert!(wh.verify_at(body, &only, 1000).is_ok());
    }

    #[test]
    fn signature_only_skips_parsing() {
        let wh = Webhook::new(SECRET).unwrap();
        let body = b"\x00 not json";
        let h = wh.sign("msg_1", 1000, body);
        assert!(wh.verify_signature_at(body, &h, 1000).is_ok());
        let e = wh.verify_at(body, &h, 1000).unwrap_err();
        assert_eq!(e.verification_failure(), Some(F::InvalidPayload));
        let e = wh.verify_signature_at(b"other", &h, 1000).unwrap_err();
        assert_eq!(e.verification_failure(), Some(F::NoMatchingSignature));
        let e = wh.verify_signature_at(body, &h, 2000).unwrap_err();
        assert_eq!(e.verification_failure(), Some(F::TimestampTooOld));
        // A v1 entry of the wrong length never matches, a right one next to it still does.
        let mut h2 = h.clone();
        h2[2].1 = format!("v1,AAAA {}", h[2].1);
        assert!(wh.verify_signature_at(body, &h2, 1000).is_ok());
        h2[2].1 = "v1,AAAA".to_owned();
        let e = wh.verify_signature_at(body, &h2, 1000).unwrap_err();
        assert_eq!(e.verification_failure(), Some(F::NoMatchingSignature));
    }

    #[test]
    fn debug_hides_secrets() {
        let wh = Webhook::with_secrets([SECRET, "other"]).unwrap();
        let s = format!("{wh:?}");
        assert!(!s.contains("MfKQ") && !s.contains("other"), "{s}");
    }

    #[test]
    fn hex_helpers() {
        let bytes: Vec<u8> = (0..32).collect();
        let hex = encode_hex(&bytes);
        assert_eq!(decode_hex32(&hex).unwrap().to_vec(), bytes);
        assert_eq!(decode_hex32(&hex.to_uppercase()).unwrap().to_vec(), bytes);
        assert!(decode_hex32("zz").is_none());
    }
}
