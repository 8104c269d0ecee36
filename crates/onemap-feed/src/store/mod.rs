//! The hub's durable log behind one trait, so the embedded SQLite file and a replicated store
//! (NATS JetStream, later) are interchangeable.
//!
//! A store keeps, in `seq` order, every state event; snapshots of the state (so a restart
//! replays a snapshot and what followed, not all history); the answers to recent commands by
//! `request_id` (so a retry is answered, not applied again, across restarts); and the audit
//! log. One [`Batch`] is appended atomically and durably: events, answers and audit rows of a
//! command land together or not at all.

pub mod sqlite;

use onemap_core::feed::wire::AuditQuery;
use onemap_core::feed::{AuditEntry, CommandResult, Envelope, FeedState, RequestId};

pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A command's answer as remembered for retries.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub request_id: RequestId,
    /// Who sent it (a repeat from anyone else is not answered with it).
    pub client: String,
    pub ts_ms: i64,
    pub result: CommandResult,
}

/// What one step of the hub writes, atomically.
#[derive(Clone, Copy, Debug, Default)]
pub struct Batch<'a> {
    pub events: &'a [Envelope],
    pub answers: &'a [Answer],
    pub audit: &'a [AuditEntry],
}

impl Batch<'_> {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.answers.is_empty() && self.audit.is_empty()
    }
}

/// What a store holds when the hub starts.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub state: FeedState,
    /// The highest `seq` ever used.
    pub last_seq: u64,
    /// Answers remembered since the time asked for.
    pub answers: Vec<Answer>,
}

pub trait EventStore: Send + 'static {
    /// The state as logged (the newest snapshot plus every event after it), the last `seq`,
    /// and the answers given since `answers_since_ms`.
    fn load(&mut self, answers_since_ms: i64) -> StoreResult<Loaded>;

    /// Append a batch in one transaction; durable when this returns.
    fn append(&mut self, batch: &Batch<'_>) -> StoreResult<()>;

    /// Logged events with `seq > after`, oldest first, at most `limit`.
    fn events_after(&mut self, after: u64, limit: usize) -> StoreResult<Vec<Envelope>>;

    /// Record a snapshot of `state` (at its `last_seq`).
    fn write_snapshot(&mut self, state: &FeedState) -> StoreResult<()>;

    /// The newest audit entries that match `query` (its filters, below `before_id`, at most
    /// `limit`), newest first.
    fn audit_page(&mut self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;

    /// Forget answers older than `ts_ms` (retries are not answered after that).
    fn forget_answers_before(&mut self, ts_ms: i64) -> StoreResult<()>;
}
