//! The embedded store's history: a read-only connection of its own (WAL lets it read while
//! the hub writes), so a month's figures never hold up a command; and the retention that
//! keeps the log's growth linear in the days it holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use onemap_core::feed::history::{IncidentRecord, LogSize, Track, TrackPoint, thin};
use onemap_core::feed::wire::StateAtAnswer;
use onemap_core::feed::{Envelope, UnitId, parse_server};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{Ctx, HistoryReader, Retention, StoreError, StoreResult};

pub struct SqliteHistory {
    conn: Connection,
    path: PathBuf,
}

impl SqliteHistory {
    pub fn open(path: &Path) -> StoreResult<SqliteHistory> {
        let shown = path.display().to_string();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ctx(|| format!("cannot open the event log {shown} for reading"))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .ctx(|| format!("cannot configure {shown}"))?;
        Ok(SqliteHistory {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn parse(&self, seq: i64, json: &str) -> StoreResult<Envelope> {
        parse_server(json).map_err(|e| {
            StoreError::Corrupt(format!("event {seq} in {} is corrupt: {e}", self.shown()))
        })
    }

    /// The last `seq` logged at or before `at_ms` (0: none).
    fn seq_at(&self, at_ms: i64) -> StoreResult<i64> {
        self.conn
            .query_row(
                // Walks the (ts, seq) index from its end: one step, not a scan.
                "SELECT seq FROM events WHERE ts <= ?1 ORDER BY ts DESC, seq DESC LIMIT 1",
                [at_ms],
                |r| r.get(0),
            )
            .optional()
            .map(|s| s.unwrap_or(0))
            .ctx(|| format!("cannot read {}", self.shown()))
    }

    /// The first `seq` logged at or after `from_ms` (past the end: the last + 1).
    fn seq_from(&self, from_ms: i64) -> StoreResult<i64> {
        self.conn
            .query_row(
                "SELECT seq FROM events WHERE ts >= ?1 ORDER BY ts, seq LIMIT 1",
                [from_ms],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .ctx(|| format!("cannot read {}", self.shown()))?
            .map_or_else(
                || {
                    self.conn
                        .query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM events", [], |r| {
                            r.get(0)
                        })
                        .ctx(|| format!("cannot read {}", self.shown()))
                },
                Ok,
            )
    }
}

impl HistoryReader for SqliteHistory {
    fn state_at(&mut self, at_ms: i64) -> StoreResult<StateAtAnswer> {
        let shown = self.shown();
        let upto = self.seq_at(at_ms)?;
        let state = super::schema::state_upto(&self.conn, upto, &shown)?;
        Ok(StateAtAnswer {
            at_ms,
            seq: state.last_seq,
            state: state.snapshot(),
        })
    }

    fn events_between(
        &mut self,
        from_ms: i64,
        to_ms: i64,
        after_seq: u64,
        limit: usize,
    ) -> StoreResult<(Vec<Envelope>, bool)> {
        let shown = self.shown();
        let lo = self.seq_from(from_ms)?.max(after_seq as i64 + 1);
        let hi = self.seq_at(to_ms - 1)?;
        let rows: Vec<(i64, String)> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT seq, json FROM events WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq
                     LIMIT ?3",
                )
                .ctx(|| format!("cannot read {shown}"))?;
            stmt.query_map(params![lo, hi, (limit as i64).saturating_add(1)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .ctx(|| format!("cannot read {shown}"))?
            .collect::<Result<_, _>>()
            .ctx(|| format!("cannot read {shown}"))?
        };
        let more = rows.len() > limit;
        let events = rows
            .iter()
            .take(limit)
            .map(|(seq, json)| self.parse(*seq, json))
            .collect::<StoreResult<_>>()?;
        Ok((events, more))
    }

    fn tracks(
        &mut self,
        unit: Option<&UnitId>,
        from_ms: i64,
        to_ms: i64,
        max_points: usize,
    ) -> StoreResult<Vec<Track>> {
        let shown = self.shown();
        let mut by_unit: BTreeMap<String, Vec<TrackPoint>> = BTreeMap::new();
        let mut push = |r: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
            let unit: String = r.get(0)?;
            by_unit
                .entry(unit)
                .or_default()
                .push(TrackPoint(r.get(1)?, r.get(2)?, r.get(3)?));
            Ok(())
        };
        match unit {
            Some(u) => {
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "SELECT unit, ts, lon, lat FROM events
                          WHERE unit = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts, seq",
                    )
                    .ctx(|| format!("cannot read {shown}"))?;
                let mut rows = stmt
                    .query(params![u.as_str(), from_ms, to_ms])
                    .ctx(|| format!("cannot read {shown}"))?;
                while let Some(r) = rows.next().ctx(|| format!("cannot read {shown}"))? {
                    push(r).ctx(|| format!("cannot read {shown}"))?;
                }
            }
            None => {
                let lo = self.seq_from(from_ms)?;
                let hi = self.seq_at(to_ms - 1)?;
                let mut stmt = self
                    .conn
                    .prepare_cached(
                        "SELECT unit, ts, lon, lat FROM events
                          WHERE seq >= ?1 AND seq <= ?2 AND unit IS NOT NULL ORDER BY seq",
                    )
                    .ctx(|| format!("cannot read {shown}"))?;
                let mut rows = stmt
                    .query(params![lo, hi])
                    .ctx(|| format!("cannot read {shown}"))?;
                while let Some(r) = rows.next().ctx(|| format!("cannot read {shown}"))? {
                    push(r).ctx(|| format!("cannot read {shown}"))?;
                }
            }
        }
        Ok(by_unit
            .into_iter()
            .map(|(unit_id, points)| Track {
                unit_id: unit_id.as_str().into(),
                points: thin(&points, max_points),
            })
            .collect())
    }

    fn incidents_between(
        &mut self,
        from_ms: i64,
        to_ms: i64,
        limit: usize,
    ) -> StoreResult<(Vec<IncidentRecord>, bool)> {
        let shown = self.shown();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, json FROM incidents WHERE reported >= ?1 AND reported < ?2
                  ORDER BY reported, id LIMIT ?3",
            )
            .ctx(|| format!("cannot read {shown}"))?;
        let rows = stmt
            .query_map(
                params![from_ms, to_ms, (limit as i64).saturating_add(1)],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .ctx(|| format!("cannot read {shown}"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row.ctx(|| format!("cannot read {shown}"))?;
            out.push(serde_json::from_str(&json).map_err(|e| {
                StoreError::Corrupt(format!("the record of incident {id} in {shown}: {e}"))
            })?);
        }
        let more = out.len() > limit;
        out.truncate(limit);
        Ok((out, more))
    }

    fn size(&mut self) -> StoreResult<LogSize> {
        let shown = self.shown();
        let count = |sql: &str| -> StoreResult<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .ctx(|| format!("cannot measure {shown}"))
        };
        let pages = count("PRAGMA page_count")?;
        let page = count("PRAGMA page_size")?;
        let wal = std::fs::metadata(format!("{}-wal", self.path.display())).map_or(0, |m| m.len());
        let span: (Option<i64>, Option<i64>) = self
            .conn
            .query_row("SELECT MIN(ts), MAX(ts) FROM events", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .ctx(|| format!("cannot measure {shown}"))?;
        Ok(LogSize {
            bytes: pages * page + wal,
            events: count("SELECT COUNT(*) FROM events")?,
            positions: count("SELECT COUNT(*) FROM events WHERE unit IS NOT NULL")?,
            snapshots: count("SELECT COUNT(*) FROM snapshots")?,
            incidents: count("SELECT COUNT(*) FROM incidents")?,
            audit_rows: count("SELECT COUNT(*) FROM audit")?,
            first_ms: span.0,
            last_ms: span.1,
        })
    }
}

/// One step of retention on the writer's connection: positions older than
/// `retention.full_rate_ms` thinned to one per unit per `retention.thinned_every_ms`, and
/// snapshots older than that to one per hour (never the newest), at most
/// `retention.chunk` events looked at per call. Returns how far it got (0: caught up).
pub(super) fn retain(
    conn: &Connection,
    shown: &str,
    now_ms: i64,
    r: &Retention,
) -> StoreResult<u64> {
    let cut = now_ms - r.full_rate_ms;
    let done: i64 = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'thinned_upto'",
            [],
            |r| r.get(0),
        )
        .optional()
        .ctx(|| format!("cannot read {shown}"))?
        .unwrap_or(0);
    // The last event older than the cut, through the time index (reading `ts` from the
    // table would read every recent event's JSON, every minute).
    let last_old: Option<i64> = conn
        .query_row(
            "SELECT seq FROM events INDEXED BY events_ts WHERE ts < ?1
              ORDER BY ts DESC, seq DESC LIMIT 1",
            [cut],
            |row| row.get(0),
        )
        .optional()
        .ctx(|| format!("cannot read {shown}"))?;
    let Some(last_old) = last_old.filter(|&s| s > done) else {
        return Ok(0);
    };
    // The chunk: the next events past what is done, up to it (times rise with `seq`).
    let hi: Option<i64> = conn
        .query_row(
            "SELECT MAX(seq) FROM (SELECT seq FROM events WHERE seq > ?1 AND seq <= ?2
              ORDER BY seq LIMIT ?3)",
            params![done, last_old, r.chunk as i64],
            |row| row.get(0),
        )
        .ctx(|| format!("cannot read {shown}"))?;
    let Some(hi) = hi else {
        return Ok(0);
    };
    let tx = conn
        .unchecked_transaction()
        .ctx(|| format!("cannot prune {shown}"))?;
    tx.execute(
        "DELETE FROM events WHERE seq > ?1 AND seq <= ?2 AND unit IS NOT NULL
               AND seq NOT IN (
                   SELECT MIN(seq) FROM events WHERE seq > ?1 AND seq <= ?2 AND unit IS NOT NULL
                    GROUP BY unit, ts / ?3)",
        params![done, hi, r.thinned_every_ms.max(1)],
    )
    .ctx(|| format!("cannot thin the positions of {shown}"))?;
    tx.execute(
        "DELETE FROM snapshots WHERE ts < ?1
               AND seq <> (SELECT MAX(seq) FROM snapshots)
               AND seq NOT IN (SELECT MIN(seq) FROM snapshots WHERE ts < ?1
                                GROUP BY ts / 3600000)",
        [cut],
    )
    .ctx(|| format!("cannot thin the snapshots of {shown}"))?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('thinned_upto', ?1)",
        [hi],
    )
    .ctx(|| format!("cannot prune {shown}"))?;
    tx.commit().ctx(|| format!("cannot prune {shown}"))?;
    Ok((hi - done).max(1) as u64)
}
