//! The one clock: wall time in epoch milliseconds, from the system or faked for tests and
//! time-accelerated runs. Cheap to clone; every clone reads the same time.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone)]
pub struct Clock(Arc<Inner>);

enum Inner {
    System,
    Fake(AtomicI64),
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Inner::System => f.write_str("Clock::System"),
            Inner::Fake(t) => write!(f, "Clock::Fake({})", t.load(Ordering::SeqCst)),
        }
    }
}

/// Milliseconds since the Unix epoch, from the system.
pub fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Inner::System))
    }

    /// A clock that stands at `start_ms` until it is moved.
    pub fn fake(start_ms: i64) -> Clock {
        Clock(Arc::new(Inner::Fake(AtomicI64::new(start_ms))))
    }

    pub fn now_ms(&self) -> i64 {
        match &*self.0 {
            Inner::System => system_now_ms(),
            Inner::Fake(t) => t.load(Ordering::SeqCst),
        }
    }

    pub fn is_fake(&self) -> bool {
        matches!(&*self.0, Inner::Fake(_))
    }

    /// Move a fake clock on by `ms` (a system clock cannot be moved; returns false).
    pub fn advance(&self, ms: i64) -> bool {
        match &*self.0 {
            Inner::System => false,
            Inner::Fake(t) => {
                t.fetch_add(ms, Ordering::SeqCst);
                true
            }
        }
    }

    /// Set a fake clock to `ms` (a system clock cannot be set; returns false).
    pub fn set(&self, ms: i64) -> bool {
        match &*self.0 {
            Inner::System => false,
            Inner::Fake(t) => {
                t.store(ms, Ordering::SeqCst);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_fake_time() {
        let a = Clock::fake(1_000);
        let b = a.clone();
        assert!(a.advance(500));
        assert_eq!(b.now_ms(), 1_500);
        assert!(b.set(10));
        assert_eq!(a.now_ms(), 10);
        let s = Clock::system();
        assert!(!s.advance(1) && !s.is_fake());
        assert!(s.now_ms() > 1_700_000_000_000);
    }
}
