//! Client-side retry: which failures are retried and how long to wait.
//!
//! One function, [`RetryPolicy::decide`], answers both questions; `spec/vectors/retry.json`
//! tests it, and every face inherits it.

use std::time::{Duration, SystemTime};

/// How a single attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The server answered with this status; `retry_after` is the raw `Retry-After` header.
    Status {
        /// HTTP status.
        status: u16,
        /// The `Retry-After` header value, if any (seconds or an HTTP date).
        retry_after: Option<&'a str>,
    },
    /// The connection failed or broke before a response.
    Connection,
    /// The attempt timed out.
    Timeout,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Give up and return the error.
    Stop,
    /// Wait a delay drawn uniformly from `min..=max`, then try again.
    Retry {
        /// Shortest wait.
        min: Duration,
        /// Longest wait.
        max: Duration,
    },
}

impl Decision {
    /// Picks the concrete delay for a `Retry` decision (full jitter between the bounds).
    pub fn delay(&self) -> Option<Duration> {
        match *self {
            Decision::Stop => None,
            Decision::Retry { min, max } => {
                if max <= min {
                    return Some(min);
                }
                let span = (max - min).as_millis() as u64;
                Some(min + Duration::from_millis(fastrand::u64(0..=span)))
            }
        }
    }
}

/// Retry settings. Defaults: 3 retries, full jitter on `min(8 s, 0.5 s * 2^n)`,
/// `Retry-After` honoured up to 60 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Backoff base: retry `n` (from 0) waits up to `base_delay * 2^n`.
    pub base_delay: Duration,
    /// Cap on the exponential backoff.
    pub max_delay: Duration,
    /// Cap on a server-requested `Retry-After`.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Whether this outcome is of a retryable kind at all (regardless of attempts left).
    pub fn is_retryable(outcome: &Outcome<'_>) -> bool {
        match *outcome {
            Outcome::Connection | Outcome::Timeout => true,
            Outcome::Status {
                status,
                retry_after,
            } => match status {
                408 | 429 | 500 | 502 | 503 | 504 => true,
                409 => retry_after.is_some(),
                _ => false,
            },
        }
    }

    /// Decides what to do after a failed attempt. `retries_done` is how many retries have
    /// already happened (0 after the first attempt); `now` resolves HTTP-date `Retry-After`.
    pub fn decide(&self, retries_done: u32, outcome: &Outcome<'_>, now: SystemTime) -> Decision {
        if retries_done >= self.max_retries || !Self::is_retryable(outcome) {
            return Decision::Stop;
        }
        if let Outcome::Status {
            retry_after: Some(value),
            ..
        } = *outcome
        {
            if let Some(wait) = parse_retry_after(value, now) {
                let wait = wait.min(self.max_retry_after);
                return Decision::Retry {
                    min: wait,
                    max: wait,
                };
            }
        }
        Decision::Retry {
            min: Duration::ZERO,
            max: self.backoff_cap(retries_done),
        }
    }

    /// The upper bound of the jittered wait before retry `n` (from 0): `min(max_delay, base_delay * 2^n)`.
    pub fn backoff_cap(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// Parses `Retry-After`: delta seconds (`"120"`) or an HTTP date, relative to `now`.
/// A date in the past means "now" (zero). Anything unparsable is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let when = crate::transport::parse_http_date(value)?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let p = RetryPolicy::default();
        let caps: Vec<u128> = (0..6).map(|n| p.backoff_cap(n).as_millis()).collect();
        assert_eq!(caps, vec![500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(p.backoff_cap(200), Duration::from_secs(8));
    }

    #[test]
    fn jittered_delay_stays_in_bounds() {
        let d = Decision::Retry {
            min: Duration::from_millis(10),
            max: Duration::from_millis(20),
        };
        for _ in 0..1000 {
            let x = d.delay().unwrap();
            assert!(x >= Duration::from_millis(10) && x <= Duration::from_millis(20));
        }
        assert_eq!(Decision::Stop.delay(), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }
}
