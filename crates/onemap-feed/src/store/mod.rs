//! The hub's durable log behind one trait, so the embedded SQLite file and a replicated store
//! (NATS JetStream, later) are interchangeable.
//!
//! A store keeps, in `seq` order, every state event; snapshots of the state (so a restart
//! replays a snapshot and what followed, not all history); the answers to recent commands by
//! `request_id` (so a retry is answered, not applied again, across restarts); and the audit
//! log. One [`Batch`] is appended atomically and durably: events, answers and audit rows of a
//! command land together or not at all.

pub mod history;
mod schema;
pub mod sqlite;

use onemap_core::feed::history::{
    FiguresAnswer, HistoryQuery, IncidentRecord, LogSize, MAX_EVENTS_PAGE, MAX_INCIDENTS_PAGE,
    MAX_TRACK_POINTS, Track,
};
use onemap_core::feed::period::{Comparison, WEEK_MS, Window, YEAR_MS};
use onemap_core::feed::wire::AuditQuery;
use onemap_core::feed::wire::{HistoryBody, StateAtAnswer};
use onemap_core::feed::{
    AuditEntry, CommandResult, Envelope, FeedState, Incident, RequestId, UnitId,
};

pub use history::SqliteHistory;
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

/// A SQLite result with the context that names the file and what was being done.
pub(crate) trait Ctx<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> StoreResult<T>;
}

impl<T> Ctx<T> for Result<T, rusqlite::Error> {
    fn ctx(self, what: impl FnOnce() -> String) -> StoreResult<T> {
        self.map_err(|source| StoreError::Sqlite {
            context: what(),
            source,
        })
    }
}

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

    /// A reader of the history for another thread (its own connection: reading never holds
    /// up an append).
    fn reader(&self) -> StoreResult<Box<dyn HistoryReader>>;

    /// One bounded step of retention at `now_ms`: how many events it got past (0: caught
    /// up, nothing to thin now).
    fn retain(&mut self, now_ms: i64, retention: &Retention) -> StoreResult<u64>;
}

/// How long what is kept at which rate. Incidents, commands, answers' audit rows and every
/// state event but positions are kept for good.
#[derive(Clone, Debug, PartialEq)]
pub struct Retention {
    /// Positions at full rate for this long (default 7 days) …
    pub full_rate_ms: i64,
    /// … then one per unit per this span (default a minute). Snapshots past the same age:
    /// one an hour.
    pub thinned_every_ms: i64,
    /// Events looked at per step (a step holds the writer this long).
    pub chunk: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            full_rate_ms: 7 * 86_400_000,
            thinned_every_ms: 60_000,
            chunk: 20_000,
        }
    }
}

/// The history as read back from a log.
pub trait HistoryReader: Send {
    /// The state as a client held it at `at_ms`: the nearest snapshot at or before it and
    /// every event after that up to `at_ms`.
    fn state_at(&mut self, at_ms: i64) -> StoreResult<StateAtAnswer>;

    /// State events of `[from_ms, to_ms)` with `seq > after_seq`, oldest first, at most
    /// `limit`, and whether more follow.
    fn events_between(
        &mut self,
        from_ms: i64,
        to_ms: i64,
        after_seq: u64,
        limit: usize,
    ) -> StoreResult<(Vec<Envelope>, bool)>;

    /// Positions in `[from_ms, to_ms)` of one unit or of all, at most `max_points` each.
    fn tracks(
        &mut self,
        unit: Option<&UnitId>,
        from_ms: i64,
        to_ms: i64,
        max_points: usize,
    ) -> StoreResult<Vec<Track>>;

    /// Incidents reported in `[from_ms, to_ms)` (their latest records), oldest first, at most
    /// `limit`, and whether more follow.
    fn incidents_between(
        &mut self,
        from_ms: i64,
        to_ms: i64,
        limit: usize,
    ) -> StoreResult<(Vec<IncidentRecord>, bool)>;

    /// The log's size on disk and what it holds.
    fn size(&mut self) -> StoreResult<LogSize>;
}

/// The longest window one query may name (a year and a month: a year's 同比 is asked as
/// two windows).
pub const MAX_QUERY_SPAN_MS: i64 = 400 * 86_400_000;

/// The figures of `window` and its comparison windows, from the incidents reported in each.
pub fn figures(
    reader: &mut dyn HistoryReader,
    window: Window,
    utc_offset_min: i32,
) -> StoreResult<Comparison> {
    let mut of = |w: Window| -> StoreResult<_> {
        let (records, _) = reader.incidents_between(w.from_ms, w.to_ms, usize::MAX / 2)?;
        let incidents: Vec<Incident> = records.iter().map(IncidentRecord::to_incident).collect();
        Ok(onemap_core::feed::period::PeriodFigures::of(
            &incidents,
            w,
            utc_offset_min,
        ))
    };
    Ok(Comparison {
        current: of(window)?,
        previous: of(window.previous())?,
        week_earlier: of(window.earlier(WEEK_MS))?,
        year_earlier: of(window.earlier(YEAR_MS))?,
    })
}

/// Answer one history query (checked here: a bad window is a `bad_query`, a store failure
/// `unavailable`).
pub fn answer(reader: &mut dyn HistoryReader, query: &HistoryQuery) -> HistoryBody {
    if let Err(message) = query.check(MAX_QUERY_SPAN_MS) {
        return HistoryBody::Failed {
            code: "bad_query".into(),
            message,
        };
    }
    let result = match query {
        HistoryQuery::StateAt { at_ms } => reader.state_at(*at_ms).map(HistoryBody::State),
        HistoryQuery::Events {
            from_ms,
            to_ms,
            after_seq,
            limit,
        } => reader
            .events_between(
                *from_ms,
                *to_ms,
                *after_seq,
                (*limit).clamp(1, MAX_EVENTS_PAGE) as usize,
            )
            .map(|(events, more)| HistoryBody::Events { events, more }),
        HistoryQuery::Tracks {
            unit_id,
            from_ms,
            to_ms,
            max_points,
        } => reader
            .tracks(
                unit_id.as_ref(),
                *from_ms,
                *to_ms,
                (*max_points).clamp(2, MAX_TRACK_POINTS) as usize,
            )
            .map(|tracks| HistoryBody::Tracks { tracks }),
        HistoryQuery::Figures {
            from_ms,
            to_ms,
            utc_offset_min,
        } => Window::new(*from_ms, *to_ms)
            .map_or(Ok(None), |w| figures(reader, w, *utc_offset_min).map(Some))
            .map(|c| match c {
                Some(c) => HistoryBody::Figures(Box::new(FiguresAnswer::from(&c))),
                None => HistoryBody::Failed {
                    code: "bad_query".into(),
                    message: "the window is empty".into(),
                },
            }),
        HistoryQuery::Incidents {
            from_ms,
            to_ms,
            limit,
        } => reader
            .incidents_between(
                *from_ms,
                *to_ms,
                (*limit).clamp(1, MAX_INCIDENTS_PAGE) as usize,
            )
            .map(|(incidents, more)| HistoryBody::Incidents { incidents, more }),
    };
    result.unwrap_or_else(|e| HistoryBody::Failed {
        code: "unavailable".into(),
        message: e.to_string(),
    })
}
