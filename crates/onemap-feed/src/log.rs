//! The SQLite event log: every state event, in `seq` order, durable before it is broadcast.
//!
//! WAL mode with `synchronous=FULL`: a committed batch survives a crash or a kill. Events are
//! appended in one transaction per batch (one simulator tick, one command). Every
//! [`SNAPSHOT_EVERY`] events the state is written as a snapshot, so a restart replays a
//! snapshot and the events after it, not the whole history.

use std::path::Path;

use anyhow::Context as _;
use onemap_core::feed::{AuditEntry, Envelope, FeedState, ServerEvent, parse_server};
use rusqlite::{Connection, params};

pub const SNAPSHOT_EVERY: u64 = 20_000;

pub struct EventLog {
    conn: Connection,
    since_snapshot: u64,
    /// Whether commits currently wait for the disk (`synchronous=FULL`).
    full_sync: bool,
}

impl EventLog {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the event log {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS events (
                 seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS snapshots (
                 seq INTEGER PRIMARY KEY, json TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS audit (
                 id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, client TEXT NOT NULL,
                 action TEXT NOT NULL, incident_id TEXT, unit_id TEXT, ok INTEGER,
                 detail TEXT NOT NULL);",
        )
        .with_context(|| format!("{} is not a usable OneMap event log", path.display()))?;
        Ok(Self {
            conn,
            since_snapshot: 0,
            full_sync: true,
        })
    }

    /// Append `events` (already numbered) in one transaction.
    ///
    /// A batch with anything but unit positions is committed with `synchronous=FULL` (on disk
    /// before it is broadcast); a batch of positions only with `NORMAL` (in the WAL, safe
    /// against the process being killed, not against power loss), so position bursts are not
    /// bound by the disk's flush rate.
    pub fn append(&mut self, events: &[Envelope]) -> anyhow::Result<()> {
        let full = events
            .iter()
            .any(|e| !matches!(e.event, ServerEvent::UnitPosition(_)));
        if full != self.full_sync {
            self.conn.execute_batch(if full {
                "PRAGMA synchronous=FULL"
            } else {
                "PRAGMA synchronous=NORMAL"
            })?;
            self.full_sync = full;
        }
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (seq, ts, kind, json) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in events {
                insert.execute(params![e.seq as i64, e.ts, e.event.kind(), e.to_json()])?;
            }
        }
        tx.commit()?;
        self.since_snapshot += events.len() as u64;
        Ok(())
    }

    /// Write a snapshot of `state` if one is due (every [`SNAPSHOT_EVERY`] events).
    pub fn snapshot_if_due(&mut self, state: &FeedState) -> anyhow::Result<()> {
        if self.since_snapshot < SNAPSHOT_EVERY {
            return Ok(());
        }
        let snap = snapshot_of(state, 0);
        self.conn.execute(
            "INSERT OR REPLACE INTO snapshots (seq, json) VALUES (?1, ?2)",
            params![state.last_seq as i64, snap.to_json()],
        )?;
        self.since_snapshot = 0;
        Ok(())
    }

    /// The state as logged: the newest snapshot plus every event after it; and the highest
    /// `seq` ever used.
    pub fn load(&self) -> anyhow::Result<(FeedState, u64)> {
        let mut state = FeedState::default();
        let snap: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT seq, json FROM snapshots ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let from = match snap {
            Some((seq, json)) => {
                let env = parse_server(&json).context("a snapshot in the event log is corrupt")?;
                state.apply(&env);
                seq
            }
            None => 0,
        };
        let mut stmt = self
            .conn
            .prepare("SELECT seq, json FROM events WHERE seq > ?1 ORDER BY seq")?;
        let rows = stmt.query_map([from], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (seq, json) = row?;
            let env = parse_server(&json)
                .with_context(|| format!("event {seq} in the event log is corrupt"))?;
            state.apply(&env);
        }
        let max: i64 =
            self.conn
                .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?;
        Ok((state, (max as u64).max(from as u64)))
    }

    /// Logged events with `seq > after`, oldest first, at most `limit` (for replays older than
    /// what the server keeps in memory).
    pub fn events_after(&self, after: u64, limit: usize) -> anyhow::Result<Vec<Envelope>> {
        let mut stmt = self
            .conn
            .prepare("SELECT json FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let rows = stmt.query_map(params![after as i64, limit as i64], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for json in rows {
            out.push(parse_server(&json?)?);
        }
        Ok(out)
    }
}

impl EventLog {
    /// Append one audit entry (its `id` is assigned here); returns the id.
    pub fn audit(&mut self, e: &AuditEntry) -> anyhow::Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO audit (ts, client, action, incident_id, unit_id, ok, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                e.ts,
                e.client,
                e.action,
                e.incident_id,
                e.unit_id,
                e.ok,
                e.detail
            ])
            .context("cannot write to the audit log")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest `limit` audit entries with an id below `before` (all if `None`), newest
    /// first.
    pub fn audit_page(&self, before: Option<i64>, limit: u32) -> anyhow::Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, ts, client, action, incident_id, unit_id, ok, detail FROM audit
             WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![before.unwrap_or(i64::MAX), limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                ts: r.get(1)?,
                client: r.get(2)?,
                action: r.get(3)?,
                incident_id: r.get(4)?,
                unit_id: r.get(5)?,
                ok: r.get(6)?,
                detail: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Audit entries as CSV (RFC 4180 quoting), oldest first, with a header.
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    }
    let mut out = String::from("id,time_utc,ts_ms,client,action,incident_id,unit_id,ok,detail\n");
    let mut sorted: Vec<&AuditEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.id);
    for e in sorted {
        let time = chrono::DateTime::from_timestamp_millis(e.ts)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default();
        let ok = match e.ok {
            Some(true) => "true",
            Some(false) => "false",
            None => "",
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            e.id,
            time,
            e.ts,
            field(&e.client),
            field(&e.action),
            field(e.incident_id.as_deref().unwrap_or("")),
            field(e.unit_id.as_deref().unwrap_or("")),
            ok,
            field(&e.detail)
        ));
    }
    out
}

/// A snapshot envelope of `state` at its `last_seq`.
pub fn snapshot_of(state: &FeedState, ts: i64) -> Envelope {
    Envelope {
        seq: state.last_seq,
        ts,
        event: ServerEvent::Snapshot(state.snapshot()),
    }
}
