//! The embedded store: one SQLite file in WAL mode.
//!
//! A batch with anything but unit positions is committed with `synchronous=FULL` (on disk
//! before anyone sees it); a batch of positions only with `NORMAL` (in the WAL: safe against
//! the process being killed, not against power loss), so position bursts are not bound by
//! the disk's flush rate. The schema carries its version; a log of an older protocol is
//! refused with a message instead of being misread.

use std::path::{Path, PathBuf};

use onemap_core::feed::{
    AuditEntry, CommandResult, Envelope, FeedState, ServerEvent, parse_server,
};
use rusqlite::{Connection, OptionalExtension, params};

use onemap_core::feed::history::IncidentRecord;
use onemap_core::feed::wire::AuditQuery;

use super::Ctx;
pub use super::schema::audit_hash;
use super::schema::{GENESIS, audit_row, state_upto};
use super::{
    Answer, Batch, EventStore, HistoryReader, Loaded, Retention, SqliteHistory, StoreError,
    StoreResult, schema,
};

pub use super::schema::SCHEMA_VERSION;

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Whether commits currently wait for the disk (`synchronous=FULL`).
    full_sync: bool,
    /// Writing a generated log in bulk: commits never wait for the disk.
    bulk: bool,
    /// The audit chain's last row id and hash (what the next row chains to).
    audit_head: (i64, String),
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainCheck {
    /// Every row chains to the one before, and the last is the recorded head.
    Intact { rows: u64 },
    /// The first row that does not fit, and why.
    Broken { id: i64, reason: String },
}

impl SqliteStore {
    /// Open (or create) the log at `path`.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let shown = path.display().to_string();
        let conn = Connection::open(path).ctx(|| format!("cannot open the event log {shown}"))?;
        let existing: bool = conn
            .query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'events'",
                [],
                |r| r.get(0),
            )
            .ctx(|| format!("{shown} is not an SQLite file"))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
        )
        .ctx(|| format!("{shown} is not a usable OneMap event log"))?;
        schema::prepare(&conn, existing, &shown)?;
        let audit_head = conn
            .query_row("SELECT last_id, hash FROM audit_head", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .ctx(|| format!("cannot read {shown}"))?
            .unwrap_or((0, GENESIS.to_owned()));
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            full_sync: true,
            bulk: false,
            audit_head,
        })
    }

    /// Open a log for writing generated history in bulk (`onemap-feed simulate --fast`):
    /// commits do not wait for the disk (`synchronous=OFF`), so a crash may lose the file's
    /// tail. Never for a live server.
    pub fn open_bulk(path: &Path) -> StoreResult<Self> {
        let mut store = Self::open(path)?;
        store
            .conn
            .execute_batch("PRAGMA synchronous=OFF")
            .ctx(|| format!("cannot configure {}", path.display()))?;
        store.bulk = true;
        store.full_sync = false;
        Ok(store)
    }

    /// Check the audit chain: every row's hash from the row before, ids without gaps, and the
    /// last row the recorded head (so an edited, inserted or deleted row is found).
    pub fn verify_audit(&self) -> StoreResult<ChainCheck> {
        let shown = self.shown();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, ts, client, action, incident_id, unit_id, ok, detail, hash FROM audit
                 ORDER BY id",
            )
            .ctx(|| format!("cannot read the audit log of {shown}"))?;
        let rows = stmt
            .query_map([], |r| Ok((audit_row(r)?, r.get::<_, String>(8)?)))
            .ctx(|| format!("cannot read the audit log of {shown}"))?;
        let (mut prev, mut last_id, mut count) = (GENESIS.to_owned(), 0i64, 0u64);
        for row in rows {
            let (entry, hash) = row.ctx(|| format!("cannot read the audit log of {shown}"))?;
            if entry.id != last_id + 1 {
                return Ok(ChainCheck::Broken {
                    id: entry.id,
                    reason: format!("rows {} to {} are missing", last_id + 1, entry.id - 1),
                });
            }
            if audit_hash(&prev, &entry) != hash {
                return Ok(ChainCheck::Broken {
                    id: entry.id,
                    reason: "its content does not match its hash (edited, or an earlier row \
                             was)"
                        .into(),
                });
            }
            prev = hash;
            last_id = entry.id;
            count += 1;
        }
        let head: Option<(i64, String)> = self
            .conn
            .query_row("SELECT last_id, hash FROM audit_head", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .ctx(|| format!("cannot read {shown}"))?;
        let (head_id, head_hash) = head.unwrap_or((0, GENESIS.to_owned()));
        if head_id != last_id || head_hash != prev {
            return Ok(ChainCheck::Broken {
                id: last_id + 1,
                reason: format!(
                    "the log ends at row {last_id} but the recorded head is row {head_id}: rows \
                     were deleted from the end"
                ),
            });
        }
        Ok(ChainCheck::Intact { rows: count })
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }
}

impl EventStore for SqliteStore {
    fn load(&mut self, answers_since_ms: i64) -> StoreResult<Loaded> {
        let shown = self.shown();
        let state = state_upto(&self.conn, i64::MAX, &shown)?;
        let max: i64 = self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
            .ctx(|| format!("cannot read {shown}"))?;
        let mut answers = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT request_id, client, ts, json FROM answers WHERE ts >= ?1")
                .ctx(|| format!("cannot read {shown}"))?;
            let rows = stmt
                .query_map([answers_since_ms], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .ctx(|| format!("cannot read {shown}"))?;
            for row in rows {
                let (request_id, client, ts_ms, json) =
                    row.ctx(|| format!("cannot read {shown}"))?;
                let result: CommandResult = serde_json::from_str(&json).map_err(|e| {
                    StoreError::Corrupt(format!(
                        "the answer to {request_id} in {shown} is corrupt: {e}"
                    ))
                })?;
                answers.push(Answer {
                    request_id: request_id.into(),
                    client,
                    ts_ms,
                    result,
                });
            }
        }
        Ok(Loaded {
            last_seq: (max as u64).max(state.last_seq),
            state,
            answers,
        })
    }

    fn append(&mut self, batch: &Batch<'_>) -> StoreResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let shown = self.shown();
        let full = !batch.answers.is_empty()
            || !batch.audit.is_empty()
            || batch
                .events
                .iter()
                .any(|e| !matches!(e.event, ServerEvent::UnitPosition(_)));
        if full != self.full_sync && !self.bulk {
            self.conn
                .execute_batch(if full {
                    "PRAGMA synchronous=FULL"
                } else {
                    "PRAGMA synchronous=NORMAL"
                })
                .ctx(|| format!("cannot configure {shown}"))?;
            self.full_sync = full;
        }
        let mut head = self.audit_head.clone();
        let tx = self
            .conn
            .transaction()
            .ctx(|| format!("cannot write to {shown}"))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (seq, ts, kind, json, unit, lon, lat)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .ctx(|| format!("cannot write to {shown}"))?;
            for e in batch.events {
                let (unit, lon, lat) = match &e.event {
                    ServerEvent::UnitPosition(p) => (
                        Some(p.id.as_str()),
                        Some(p.position.0[0]),
                        Some(p.position.0[1]),
                    ),
                    _ => (None, None, None),
                };
                insert
                    .execute(params![
                        e.seq as i64,
                        e.ts,
                        e.event.kind(),
                        e.to_json(),
                        unit,
                        lon,
                        lat
                    ])
                    .ctx(|| format!("cannot log event {} in {shown}", e.seq))?;
                if let ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) = &e.event
                {
                    schema::upsert_incident(&tx, &IncidentRecord::of(i))
                        .ctx(|| format!("cannot record incident {} in {shown}", i.id))?;
                }
            }
            let mut answer = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO answers (request_id, client, ts, json)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .ctx(|| format!("cannot write to {shown}"))?;
            for a in batch.answers {
                let json = serde_json::to_string(&a.result).unwrap_or_default();
                answer
                    .execute(params![a.request_id.as_str(), a.client, a.ts_ms, json])
                    .ctx(|| format!("cannot remember the answer to {} in {shown}", a.request_id))?;
            }
            let mut audit = tx
                .prepare_cached(
                    "INSERT INTO audit
                         (id, ts, client, action, incident_id, unit_id, ok, detail, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .ctx(|| format!("cannot write to {shown}"))?;
            for e in batch.audit {
                let entry = AuditEntry {
                    id: head.0 + 1,
                    ..e.clone()
                };
                let hash = audit_hash(&head.1, &entry);
                audit
                    .execute(params![
                        entry.id,
                        entry.ts_ms,
                        entry.client,
                        entry.action,
                        entry.incident_id.as_ref().map(|i| i.as_str()),
                        entry.unit_id.as_ref().map(|u| u.as_str()),
                        entry.ok,
                        entry.detail,
                        hash
                    ])
                    .ctx(|| format!("cannot write to the audit log of {shown}"))?;
                head = (entry.id, hash);
            }
            if !batch.audit.is_empty() {
                tx.execute(
                    "INSERT OR REPLACE INTO audit_head (one, last_id, hash) VALUES (0, ?1, ?2)",
                    params![head.0, head.1],
                )
                .ctx(|| format!("cannot write to the audit log of {shown}"))?;
            }
        }
        tx.commit().ctx(|| format!("cannot commit to {shown}"))?;
        self.audit_head = head;
        Ok(())
    }

    fn events_after(&mut self, after: u64, limit: usize) -> StoreResult<Vec<Envelope>> {
        let shown = self.shown();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, json FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .ctx(|| format!("cannot read {shown}"))?;
        let rows = stmt
            .query_map(params![after as i64, limit as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .ctx(|| format!("cannot read {shown}"))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, json) = row.ctx(|| format!("cannot read {shown}"))?;
            out.push(parse_server(&json).map_err(|e| {
                StoreError::Corrupt(format!("event {seq} in {shown} is corrupt: {e}"))
            })?);
        }
        Ok(out)
    }

    fn write_snapshot(&mut self, state: &FeedState) -> StoreResult<()> {
        let shown = self.shown();
        // The snapshot stands for the moment of the last event it holds.
        let ts: i64 = self
            .conn
            .query_row(
                "SELECT ts FROM events WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
                [state.last_seq as i64],
                |r| r.get(0),
            )
            .optional()
            .ctx(|| format!("cannot read {shown}"))?
            .unwrap_or(0);
        self.conn
            .execute(
                "INSERT OR REPLACE INTO snapshots (seq, json, ts) VALUES (?1, ?2, ?3)",
                params![
                    state.last_seq as i64,
                    state.snapshot_envelope(ts).to_json(),
                    ts
                ],
            )
            .ctx(|| format!("cannot write a snapshot to {shown}"))?;
        Ok(())
    }

    fn audit_page(&mut self, q: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        let shown = self.shown();
        // One statement for every filter: a filter not given matches everything. With an
        // incident, its own (indexed: `audit_incident`), so an incident's timeline never
        // scans the whole log.
        let sql = if q.incident_id.is_some() {
            "SELECT id, ts, client, action, incident_id, unit_id, ok, detail FROM audit
             WHERE incident_id = ?3 AND id < ?1
               AND (?4 IS NULL OR unit_id = ?4)
               AND (?5 IS NULL OR action = ?5)
               AND ts >= ?6 AND ts < ?7
             ORDER BY id DESC LIMIT ?2"
        } else {
            "SELECT id, ts, client, action, incident_id, unit_id, ok, detail FROM audit
             WHERE id < ?1
               AND (?3 IS NULL OR incident_id = ?3)
               AND (?4 IS NULL OR unit_id = ?4)
               AND (?5 IS NULL OR action = ?5)
               AND ts >= ?6 AND ts < ?7
             ORDER BY id DESC LIMIT ?2"
        };
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .ctx(|| format!("cannot read the audit log of {shown}"))?;
        let args = params![
            q.before_id.unwrap_or(i64::MAX),
            q.limit,
            q.incident_id.as_ref().map(|i| i.as_str()),
            q.unit_id.as_ref().map(|u| u.as_str()),
            q.action.as_deref(),
            q.since_ms.unwrap_or(i64::MIN),
            q.until_ms.unwrap_or(i64::MAX),
        ];
        let rows = stmt
            .query_map(args, audit_row)
            .ctx(|| format!("cannot read the audit log of {shown}"))?;
        rows.collect::<Result<_, _>>()
            .ctx(|| format!("cannot read the audit log of {shown}"))
    }

    fn reader(&self) -> StoreResult<Box<dyn HistoryReader>> {
        Ok(Box::new(SqliteHistory::open(&self.path)?))
    }

    fn retain(&mut self, now_ms: i64, retention: &Retention) -> StoreResult<u64> {
        let shown = self.shown();
        super::history::retain(&self.conn, &shown, now_ms, retention)
    }

    fn forget_answers_before(&mut self, ts_ms: i64) -> StoreResult<()> {
        let shown = self.shown();
        self.conn
            .execute("DELETE FROM answers WHERE ts < ?1", [ts_ms])
            .ctx(|| format!("cannot prune {shown}"))?;
        Ok(())
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
        let time = chrono::DateTime::from_timestamp_millis(e.ts_ms)
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
            e.ts_ms,
            field(&e.client),
            field(&e.action),
            field(e.incident_id.as_ref().map_or("", |i| i.as_str())),
            field(e.unit_id.as_ref().map_or("", |u| u.as_str())),
            ok,
            field(&e.detail)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_core::feed::{Position, Unit, UnitKind, UnitStatus};

    fn temp(name: &str) -> PathBuf {
        let p =
            std::env::temp_dir().join(format!("onemap-store-{name}-{}.sqlite", std::process::id()));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
        p
    }

    #[test]
    fn a_batch_lands_whole_and_loads_back() {
        let path = temp("batch");
        let mut store = SqliteStore::open(&path).unwrap();
        let unit = Unit {
            id: "U-1".into(),
            call_sign: "巡01".into(),
            kind: UnitKind::PatrolCar,
            status: UnitStatus::Available,
            status_since_ms: 0,
            incident_id: None,
            position: Position([13.0, 53.0]),
            heading_deg: 0.0,
            speed_kmh: 0.0,
            fix_at_ms: 0,
            stale_at_ms: None,
            posted: None,
            patrol: None,
        };
        let events = [Envelope::new(5, 100, ServerEvent::UnitJoined(unit))];
        let answers = [Answer {
            request_id: "r-1".into(),
            client: "console".into(),
            ts_ms: 100,
            result: CommandResult {
                request_id: "r-1".into(),
                ok: true,
                message: "signed on".into(),
                refusal: None,
            },
        }];
        store
            .append(&Batch {
                events: &events,
                answers: &answers,
                audit: &[],
            })
            .unwrap();
        drop(store);
        let mut store = SqliteStore::open(&path).unwrap();
        let loaded = store.load(0).unwrap();
        assert_eq!(loaded.last_seq, 5);
        assert_eq!(loaded.state.units.len(), 1);
        assert_eq!(loaded.answers, answers);
        assert!(store.load(101).unwrap().answers.is_empty());
        store.forget_answers_before(101).unwrap();
        assert!(store.load(0).unwrap().answers.is_empty());
        // A corrupt row is named, not skipped silently.
        store
            .conn
            .execute("UPDATE events SET json = '{' WHERE seq = 5", [])
            .unwrap();
        let err = store.load(0).unwrap_err().to_string();
        assert!(err.contains("event 5") && err.contains("corrupt"), "{err}");
    }

    #[test]
    fn an_edited_inserted_or_deleted_audit_row_breaks_the_chain() {
        let path = temp("chain");
        let mut store = SqliteStore::open(&path).unwrap();
        let row = |k: i64| AuditEntry {
            id: 0,
            ts_ms: k,
            client: "desk-1 (127.0.0.1:5000)".into(),
            action: "dispatch".into(),
            incident_id: Some("I-000001".into()),
            unit_id: None,
            ok: Some(k % 2 == 0),
            detail: format!("row {k}"),
        };
        for k in 0..3 {
            let audit = [row(2 * k), row(2 * k + 1)];
            store
                .append(&Batch {
                    audit: &audit,
                    ..Batch::default()
                })
                .unwrap();
        }
        assert_eq!(
            store.verify_audit().unwrap(),
            ChainCheck::Intact { rows: 6 }
        );
        drop(store);
        // Reopened, it goes on from the same head.
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .append(&Batch {
                audit: &[row(6)],
                ..Batch::default()
            })
            .unwrap();
        assert_eq!(
            store.verify_audit().unwrap(),
            ChainCheck::Intact { rows: 7 }
        );
        let broken = |store: &SqliteStore| match store.verify_audit().unwrap() {
            ChainCheck::Broken { id, reason } => (id, reason),
            ChainCheck::Intact { .. } => panic!("tampering not found"),
        };
        store
            .conn
            .execute("UPDATE audit SET detail = 'row x' WHERE id = 3", [])
            .unwrap();
        assert_eq!(broken(&store).0, 3);
        store
            .conn
            .execute("UPDATE audit SET detail = 'row 2' WHERE id = 3", [])
            .unwrap();
        store
            .conn
            .execute("DELETE FROM audit WHERE id = 4", [])
            .unwrap();
        let (id, reason) = broken(&store);
        assert!(id == 5 && reason.contains("missing"), "{id} {reason}");
        let mut store = SqliteStore::open(&temp("chain-tail")).unwrap();
        store
            .append(&Batch {
                audit: &[row(0), row(1)],
                ..Batch::default()
            })
            .unwrap();
        store
            .conn
            .execute("DELETE FROM audit WHERE id = 2", [])
            .unwrap();
        assert!(broken(&store).1.contains("deleted from the end"));
    }

    #[test]
    fn a_schema_2_log_is_upgraded_and_its_audit_chained() {
        let path = temp("v2");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                 INSERT INTO meta VALUES ('schema', 2);
                 CREATE TABLE events (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,
                     kind TEXT NOT NULL, json TEXT NOT NULL);
                 CREATE TABLE audit (
                     id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,
                     client TEXT NOT NULL, action TEXT NOT NULL, incident_id TEXT,
                     unit_id TEXT, ok INTEGER, detail TEXT NOT NULL);
                 INSERT INTO audit (id, ts, client, action, detail) VALUES (1, 5, 'a', 'x', 'd');
                 INSERT INTO audit (id, ts, client, action, detail) VALUES (7, 6, 'b', 'y', 'e');",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.verify_audit().unwrap(),
            ChainCheck::Intact { rows: 2 }
        );
    }

    #[test]
    fn an_older_log_is_refused_with_a_message() {
        let path = temp("old");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("CREATE TABLE events (seq INTEGER PRIMARY KEY, json TEXT);")
                .unwrap();
        }
        let err = SqliteStore::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("schema 1") && err.contains(&path.display().to_string()),
            "{err}"
        );
        let junk = temp("junk");
        std::fs::write(&junk, b"this is not sqlite at all, not even close........").unwrap();
        let err = SqliteStore::open(&junk).err().unwrap().to_string();
        assert!(err.contains(&junk.display().to_string()), "{err}");
    }
}
