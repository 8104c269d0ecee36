//! The event log's layout and its upgrades. A log of an older schema is upgraded in place
//! (one transaction per step); one this server does not know is refused with a message.
//!
//! Schema 4 (history): position rows carry their unit and coordinates as columns (tracks
//! are read without parsing JSON), snapshots their time (the state at a moment starts from
//! the nearest one), and `incidents` keeps each incident's latest record by report time
//! (figures and heat maps read a window without replaying it).
//!
//! Also the one way to rebuild the state from the log ([`state_upto`]), used by the store's
//! load and the history's state at a moment.

use onemap_core::feed::history::IncidentRecord;
use onemap_core::feed::{AuditEntry, FeedState, ServerEvent, parse_server};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Ctx, StoreError, StoreResult};

/// The layout of the file; bumped when it changes incompatibly.
pub const SCHEMA_VERSION: i64 = 4;

/// Check the file's schema, create what is missing and upgrade what is older.
pub(super) fn prepare(conn: &Connection, existing: bool, shown: &str) -> StoreResult<()> {
    let version: Option<i64> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .ctx(|| format!("cannot read {shown}"))?;
    match version {
        Some(2..=SCHEMA_VERSION) => {}
        None if !existing => {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                [SCHEMA_VERSION],
            )
            .ctx(|| format!("cannot initialise {shown}"))?;
        }
        other => {
            return Err(StoreError::Corrupt(format!(
                "{shown} is an event log of schema {} (this server writes schema \
                 {SCHEMA_VERSION}); move it aside or give another --db",
                other.map_or("1".to_owned(), |v| v.to_string())
            )));
        }
    }
    if version == Some(2) {
        migrate_2_to_3(conn).ctx(|| format!("cannot upgrade {shown} to schema 3"))?;
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS events (
             seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,
             json TEXT NOT NULL, unit TEXT, lon REAL, lat REAL);
         CREATE TABLE IF NOT EXISTS snapshots (
             seq INTEGER PRIMARY KEY, json TEXT NOT NULL, ts INTEGER NOT NULL DEFAULT 0);
         CREATE TABLE IF NOT EXISTS incidents (
             id TEXT PRIMARY KEY, reported INTEGER NOT NULL, json TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS answers (
             request_id TEXT PRIMARY KEY, client TEXT NOT NULL, ts INTEGER NOT NULL,
             json TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS answers_ts ON answers (ts);
         CREATE TABLE IF NOT EXISTS audit (
             id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, client TEXT NOT NULL,
             action TEXT NOT NULL, incident_id TEXT, unit_id TEXT, ok INTEGER,
             detail TEXT NOT NULL, hash TEXT NOT NULL DEFAULT '');
         CREATE TABLE IF NOT EXISTS audit_head (
             one INTEGER PRIMARY KEY CHECK (one = 0), last_id INTEGER NOT NULL,
             hash TEXT NOT NULL);",
    )
    .ctx(|| format!("{shown} is not a usable OneMap event log"))?;
    if matches!(version, Some(2 | 3)) {
        migrate_3_to_4(conn, shown)?;
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
         CREATE INDEX IF NOT EXISTS events_unit_ts ON events (unit, ts) WHERE unit IS NOT NULL;
         CREATE INDEX IF NOT EXISTS snapshots_ts ON snapshots (ts);
         CREATE INDEX IF NOT EXISTS incidents_reported ON incidents (reported);
         CREATE INDEX IF NOT EXISTS audit_incident ON audit (incident_id, id)
             WHERE incident_id IS NOT NULL;",
    )
    .ctx(|| format!("cannot index {shown}"))?;
    Ok(())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    for name in names {
        if name? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Schema 4: position columns, snapshot times, the incidents table, filled from the events
/// already logged.
fn migrate_3_to_4(conn: &Connection, shown: &str) -> StoreResult<()> {
    let up = |e| StoreError::Sqlite {
        context: format!("cannot upgrade {shown} to schema 4"),
        source: e,
    };
    conn.execute_batch("BEGIN").map_err(up)?;
    for (table, column, ty) in [
        ("events", "unit", "TEXT"),
        ("events", "lon", "REAL"),
        ("events", "lat", "REAL"),
        ("snapshots", "ts", "INTEGER NOT NULL DEFAULT 0"),
    ] {
        if !has_column(conn, table, column).map_err(up)? {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {ty}"))
                .map_err(up)?;
        }
    }
    conn.execute_batch(
        "UPDATE events SET unit = json_extract(json, '$.body.id'),
                lon = json_extract(json, '$.body.position[0]'),
                lat = json_extract(json, '$.body.position[1]')
          WHERE kind = 'unit_position';
         UPDATE snapshots SET ts = COALESCE(json_extract(json, '$.ts'), 0);",
    )
    .map_err(up)?;
    let incident_rows: Vec<(i64, String)> = {
        let mut stmt = conn
            .prepare(
                "SELECT seq, json FROM events
                  WHERE kind IN ('incident_created', 'incident_updated') ORDER BY seq",
            )
            .map_err(up)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(up)?
            .collect::<Result<_, _>>()
            .map_err(up)?
    };
    for (seq, json) in incident_rows {
        let env = parse_server(&json)
            .map_err(|e| StoreError::Corrupt(format!("event {seq} in {shown} is corrupt: {e}")))?;
        if let ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) = &env.event {
            upsert_incident(conn, &IncidentRecord::of(i)).map_err(up)?;
        }
    }
    conn.execute("UPDATE meta SET value = 4 WHERE key = 'schema'", [])
        .map_err(up)?;
    conn.execute_batch("COMMIT").map_err(up)
}

/// The hash before the first audit row.
pub(super) const GENESIS: &str = "onemap-audit-v1";

/// One audit row's link in the chain: SHA-256 over the previous hash and every field, each
/// length-prefixed (so no two different rows hash alike), hex.
pub fn audit_hash(prev: &str, e: &AuditEntry) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let ok = match e.ok {
        None => "",
        Some(true) => "1",
        Some(false) => "0",
    };
    let id = e.id.to_string();
    let ts = e.ts_ms.to_string();
    for field in [
        prev,
        id.as_str(),
        ts.as_str(),
        &e.client,
        &e.action,
        e.incident_id.as_ref().map_or("", |i| i.as_str()),
        e.unit_id.as_ref().map_or("", |u| u.as_str()),
        ok,
        &e.detail,
    ] {
        ctx.update(&(field.len() as u64).to_le_bytes());
        ctx.update(field.as_bytes());
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        ts_ms: r.get(1)?,
        client: r.get(2)?,
        action: r.get(3)?,
        incident_id: r.get::<_, Option<String>>(4)?.map(Into::into),
        unit_id: r.get::<_, Option<String>>(5)?.map(Into::into),
        ok: r.get(6)?,
        detail: r.get(7)?,
    })
}

/// Keep an incident's latest record.
pub(super) fn upsert_incident(conn: &Connection, r: &IncidentRecord) -> rusqlite::Result<()> {
    let json = serde_json::to_string(r).unwrap_or_default();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO incidents (id, reported, json) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![r.id.as_str(), r.reported_at_ms, json])?;
    Ok(())
}

/// Schema 3 chains the audit rows: hash the rows a schema-2 log already holds.
fn migrate_2_to_3(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "BEGIN;
         ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT '';
         CREATE TABLE audit_head (
             one INTEGER PRIMARY KEY CHECK (one = 0), last_id INTEGER NOT NULL,
             hash TEXT NOT NULL);",
    )?;
    let rows: Vec<AuditEntry> = {
        let mut stmt = conn.prepare(
            "SELECT id, ts, client, action, incident_id, unit_id, ok, detail FROM audit
             ORDER BY id",
        )?;
        stmt.query_map([], audit_row)?.collect::<Result<_, _>>()?
    };
    let mut prev = GENESIS.to_owned();
    let mut last = 0;
    for (k, e) in rows.into_iter().enumerate() {
        // Renumber without gaps (AUTOINCREMENT may have skipped).
        let entry = AuditEntry {
            id: k as i64 + 1,
            ..e.clone()
        };
        let hash = audit_hash(&prev, &entry);
        conn.execute(
            "UPDATE audit SET id = ?1, hash = ?2 WHERE id = ?3",
            params![entry.id, hash, e.id],
        )?;
        prev = hash;
        last = entry.id;
    }
    conn.execute(
        "INSERT INTO audit_head (one, last_id, hash) VALUES (0, ?1, ?2)",
        params![last, prev],
    )?;
    conn.execute("UPDATE meta SET value = 3 WHERE key = 'schema'", [])?;
    conn.execute_batch("COMMIT;")
}

/// The state as of event `upto` (`i64::MAX`: the end of the log): the newest snapshot at or
/// before it, then every event after that snapshot up to it. A corrupt row is an error that
/// names it.
pub(super) fn state_upto(conn: &Connection, upto: i64, shown: &str) -> StoreResult<FeedState> {
    let corrupt =
        |what: String, e| StoreError::Corrupt(format!("{what} in {shown} is corrupt: {e}"));
    let mut state = FeedState::default();
    let snap: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, json FROM snapshots WHERE seq <= ?1 ORDER BY seq DESC LIMIT 1",
            [upto],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .ctx(|| format!("cannot read the snapshots of {shown}"))?;
    let from = match snap {
        Some((seq, json)) => {
            let env = parse_server(&json)
                .map_err(|e| corrupt(format!("the snapshot at seq {seq}"), e))?;
            state.apply(&env);
            seq
        }
        None => 0,
    };
    let mut stmt = conn
        .prepare_cached("SELECT seq, json FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq")
        .ctx(|| format!("cannot read {shown}"))?;
    let rows = stmt
        .query_map([from, upto], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .ctx(|| format!("cannot read {shown}"))?;
    for row in rows {
        let (seq, json) = row.ctx(|| format!("cannot read {shown}"))?;
        let env = parse_server(&json).map_err(|e| corrupt(format!("event {seq}"), e))?;
        state.apply(&env);
    }
    Ok(state)
}
