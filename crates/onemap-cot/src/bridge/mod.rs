//! The TAK bridge's logic, without IO: CoT position reports in, feed commands out; the feed's
//! picture in, CoT events for a TAK server out.
//!
//! - **Inbound.** A friendly ground or air report (`a-f-G…`, `a-f-A…`) signs its unit on
//!   (`cot:<uid>`, call sign from `contact@callsign`, kind by the table in `types.rs`), and
//!   each later one reports its position. A report no newer than the last one taken (the same
//!   event heard over UDP and from the TAK server) is skipped. The report's `stale` goes with
//!   it (`stale_at_ms`): consoles grey the unit once it passes. `leave_after_ms` later, with no
//!   newer report, the unit signs off. A delete (`t-x-d-d`) signs the linked unit off at once.
//! - **Outbound.** Every unit not from TAK (`cot:` ids are never published: no echo) is
//!   published as `onemap.<id>` when it moves (at most every `min_gap_ms`) and at least every
//!   `interval_ms`, stale at 3× that interval; open incidents as `b-m-p-s-m` markers
//!   (`onemap.incident.<id>`) with their category, priority, status and address as remarks,
//!   never the callback number or a note. What leaves the picture is deleted (`t-x-d-d`).
//!   Events whose uid begins `onemap.` are never taken in (our own, relayed back).
//!
//! Everything it holds is bounded: at most `max_tracked` TAK units, and one entry per unit and
//! incident in the feed's picture.

#[cfg(feature = "bridge")]
pub mod net;

use std::collections::HashMap;

use onemap_core::feed::lifecycle::{ReportPosition, SignOff, SignOn};
use onemap_core::feed::{Command, FeedState, Incident, Position, Unit, UnitId};

use crate::event::{CotEvent, Point, UNKNOWN};
use crate::types::{cot_type_for, unit_kind_for};

/// The prefix of every uid the bridge publishes.
pub const OUR_PREFIX: &str = "onemap.";
/// The prefix of every unit id the bridge takes in.
pub const TAK_PREFIX: &str = "cot:";

#[derive(Clone, Debug)]
pub struct BridgeConfig {
    /// A unit is published at least this often; its events go stale after 3×.
    pub interval_ms: i64,
    /// A moving unit is published at most this often.
    pub min_gap_ms: i64,
    /// A TAK unit leaves this long after its last report went stale.
    pub leave_after_ms: i64,
    /// TAK units followed at once, at most (new ones past it are skipped and counted).
    pub max_tracked: usize,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        BridgeConfig {
            interval_ms: 5_000,
            min_gap_ms: 1_000,
            leave_after_ms: 60_000,
            max_tracked: 10_000,
        }
    }
}

/// Why an inbound event was not used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Skip {
    /// One of ours, relayed back (`onemap.` uid).
    Echo,
    /// Not a friendly ground or air position, nor a delete of one of our TAK units.
    NotAUnit,
    /// No newer than the last report taken for its unit.
    NotNewer,
    /// More TAK units than `max_tracked`.
    Full,
}

#[derive(Clone, Debug)]
struct Track {
    unit_id: UnitId,
    last_fix_ms: i64,
    stale_ms: i64,
}

#[derive(Clone, Debug, PartialEq)]
struct Sent {
    at_ms: i64,
    /// What was published: a unit's fix time, or the marker's text and place.
    what: Published,
}

#[derive(Clone, Debug, PartialEq)]
enum Published {
    Unit { fix_at_ms: i64 },
    Incident { remarks: String, location: Position },
}

pub struct Bridge {
    cfg: BridgeConfig,
    /// TAK uid → the unit it is in the feed.
    tracked: HashMap<String, Track>,
    /// Our uid → what was last published under it.
    published: HashMap<String, Sent>,
}

/// The unit id for a CoT uid: `cot:<uid>` when that is a valid id, else `cot:~` and a stable
/// 64-bit FNV-1a hash of the uid (two bridges agree on it).
pub fn unit_id_for(uid: &str) -> UnitId {
    let plain = uid.len() + TAK_PREFIX.len() <= onemap_core::feed::lifecycle::MAX_ID_LEN
        && !uid.is_empty()
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if plain {
        return UnitId::new(format!("{TAK_PREFIX}{uid}"));
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in uid.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    UnitId::new(format!("{TAK_PREFIX}~{h:016x}"))
}

/// A call sign the feed takes: control characters dropped, at most 32 characters.
fn call_sign(e: &CotEvent) -> String {
    let raw = e.callsign.as_deref().unwrap_or(&e.uid);
    let s: String = raw.chars().filter(|c| !c.is_control()).take(32).collect();
    if s.trim().is_empty() {
        e.uid.chars().take(32).collect()
    } else {
        s
    }
}

impl Bridge {
    pub fn new(cfg: BridgeConfig) -> Bridge {
        Bridge {
            cfg,
            tracked: HashMap::new(),
            published: HashMap::new(),
        }
    }

    pub fn config(&self) -> &BridgeConfig {
        &self.cfg
    }

    /// TAK units followed now.
    pub fn tracked(&self) -> usize {
        self.tracked.len()
    }

    /// Uids published and not deleted.
    pub fn published(&self) -> usize {
        self.published.len()
    }

    /// An event from TAK: the command it becomes, or why none.
    pub fn inbound(&mut self, e: &CotEvent, state: &FeedState) -> Result<Command, Skip> {
        if e.uid.starts_with(OUR_PREFIX) {
            return Err(Skip::Echo);
        }
        if e.cot_type == "t-x-d-d" {
            let gone = e.link_uid.as_deref().unwrap_or(&e.uid);
            if gone.starts_with(OUR_PREFIX) {
                return Err(Skip::Echo);
            }
            let unit_id = unit_id_for(gone);
            self.tracked.remove(gone);
            return if state.units.contains_key(&unit_id) {
                Ok(Command::SignOff(SignOff { unit_id }))
            } else {
                Err(Skip::NotAUnit)
            };
        }
        let kind = unit_kind_for(&e.cot_type).ok_or(Skip::NotAUnit)?;
        let unit_id = unit_id_for(&e.uid);
        let position = Position([e.point.lon, e.point.lat]);
        let known = self.tracked.get(&e.uid).map(|t| t.last_fix_ms);
        // A unit already in the picture (from an earlier run, or another bridge): its fix.
        let in_feed = state.units.get(&unit_id);
        let last = known.max(in_feed.map(|u| u.fix_at_ms));
        if last.is_some_and(|t| e.time_ms <= t) {
            return Err(Skip::NotNewer);
        }
        if known.is_none() && self.tracked.len() >= self.cfg.max_tracked {
            return Err(Skip::Full);
        }
        self.tracked.insert(
            e.uid.clone(),
            Track {
                unit_id: unit_id.clone(),
                last_fix_ms: e.time_ms,
                stale_ms: e.stale_ms,
            },
        );
        Ok(if in_feed.is_some() {
            Command::ReportPosition(ReportPosition {
                unit_id,
                position,
                heading_deg: e.course_deg.unwrap_or(0.0),
                speed_kmh: e.speed_mps.map_or(0.0, |v| v * 3.6),
                fix_at_ms: e.time_ms,
                stale_at_ms: Some(e.stale_ms.min(e.time_ms + 86_400_000))
                    .filter(|&s| s > e.time_ms),
            })
        } else {
            Command::SignOn(SignOn {
                unit_id,
                call_sign: call_sign(e),
                kind,
                position,
                fix_at_ms: Some(e.time_ms),
                stale_at_ms: Some(e.stale_ms.min(e.time_ms + 86_400_000))
                    .filter(|&s| s > e.time_ms),
            })
        })
    }

    /// TAK units whose last report went stale `leave_after_ms` ago: their sign-offs. Units
    /// from TAK found in the picture and not followed (from an earlier run) are followed from
    /// their last fix.
    pub fn expire(&mut self, now_ms: i64, state: &FeedState) -> Vec<Command> {
        for u in state.units.values() {
            if self.tracked.len() >= self.cfg.max_tracked {
                break;
            }
            if let Some(uid) = u.id.as_str().strip_prefix(TAK_PREFIX)
                && !uid.starts_with('~')
                && !self.tracked.contains_key(uid)
            {
                self.tracked.insert(
                    uid.to_owned(),
                    Track {
                        unit_id: u.id.clone(),
                        last_fix_ms: u.fix_at_ms,
                        stale_ms: u.fix_at_ms + self.cfg.interval_ms,
                    },
                );
            }
        }
        let leave = self.cfg.leave_after_ms;
        let gone: Vec<String> = self
            .tracked
            .iter()
            .filter(|(_, t)| now_ms > t.stale_ms + leave)
            .map(|(uid, _)| uid.clone())
            .collect();
        let mut out = Vec::new();
        for uid in gone {
            if let Some(t) = self.tracked.remove(&uid)
                && state.units.contains_key(&t.unit_id)
            {
                out.push(Command::SignOff(SignOff { unit_id: t.unit_id }));
            }
        }
        out
    }

    /// Forget what was published: after a reconnect, the next [`Self::outbound`] sends the
    /// whole picture.
    pub fn republish(&mut self) {
        self.published.clear();
    }

    /// The events that bring a TAK server up to date with the feed's picture at `now_ms`.
    pub fn outbound(&mut self, now_ms: i64, state: &FeedState) -> Vec<CotEvent> {
        let mut out = Vec::new();
        let stale = now_ms + 3 * self.cfg.interval_ms;
        for u in state.units.values() {
            if u.id.as_str().starts_with(TAK_PREFIX) {
                continue;
            }
            let uid = format!("{OUR_PREFIX}{}", u.id);
            let what = Published::Unit {
                fix_at_ms: u.fix_at_ms,
            };
            if self.due(&uid, &what, now_ms) {
                out.push(unit_event(u, &uid, now_ms, stale));
                self.published.insert(
                    uid,
                    Sent {
                        at_ms: now_ms,
                        what,
                    },
                );
            }
        }
        for i in state.incidents.values().filter(|i| i.status.is_open()) {
            let uid = format!("{OUR_PREFIX}incident.{}", i.id);
            let remarks = incident_remarks(i, state);
            let what = Published::Incident {
                remarks: remarks.clone(),
                location: i.location,
            };
            if self.due(&uid, &what, now_ms) {
                out.push(marker(i, &uid, remarks, now_ms, stale));
                self.published.insert(
                    uid,
                    Sent {
                        at_ms: now_ms,
                        what,
                    },
                );
            }
        }
        let gone: Vec<String> = self
            .published
            .keys()
            .filter(|uid| !still_there(uid, state))
            .cloned()
            .collect();
        for uid in gone {
            self.published.remove(&uid);
            out.push(delete(&uid, now_ms));
        }
        out
    }

    /// Whether `uid` is to be published now: never yet, changed (and not within the last
    /// `min_gap_ms`), or not within the last interval.
    fn due(&self, uid: &str, what: &Published, now_ms: i64) -> bool {
        match self.published.get(uid) {
            None => true,
            Some(s) if now_ms - s.at_ms >= self.cfg.interval_ms => true,
            Some(s) => s.what != *what && now_ms - s.at_ms >= self.cfg.min_gap_ms,
        }
    }
}

fn still_there(uid: &str, state: &FeedState) -> bool {
    let Some(id) = uid.strip_prefix(OUR_PREFIX) else {
        return false;
    };
    match id.strip_prefix("incident.") {
        Some(i) => state
            .incidents
            .iter()
            .any(|(k, v)| k.as_str() == i && v.status.is_open()),
        None => state.units.contains_key(&UnitId::new(id)),
    }
}

/// A point at `p` with height and errors unknown.
fn point(p: Position) -> Point {
    Point {
        lat: p.0[1],
        lon: p.0[0],
        hae: UNKNOWN,
        ce: UNKNOWN,
        le: UNKNOWN,
    }
}

fn unit_event(u: &Unit, uid: &str, now_ms: i64, stale_ms: i64) -> CotEvent {
    CotEvent {
        uid: uid.to_owned(),
        cot_type: cot_type_for(u.kind).to_owned(),
        how: "m-g".into(),
        time_ms: now_ms,
        start_ms: now_ms,
        stale_ms,
        point: point(u.position),
        callsign: Some(u.call_sign.clone()),
        course_deg: Some(u.heading_deg.rem_euclid(360.0)),
        speed_mps: Some((u.speed_kmh / 3.6).max(0.0)),
        remarks: None,
        link_uid: None,
    }
}

/// What TAK users see of an incident: never the callback number or a note.
fn incident_remarks(i: &Incident, state: &FeedState) -> String {
    let units: Vec<&str> = i
        .assigned_units
        .iter()
        .map(|u| {
            state
                .units
                .get(u)
                .map_or(u.as_str(), |u| u.call_sign.as_str())
        })
        .collect();
    let mut s = format!(
        "P{} {} · {} · {}",
        i.priority,
        i.category.wire_name(),
        i.status.name(),
        i.address
    );
    if !units.is_empty() {
        s.push_str(" · ");
        s.push_str(&units.join(", "));
    }
    s
}

fn marker(i: &Incident, uid: &str, remarks: String, now_ms: i64, stale_ms: i64) -> CotEvent {
    CotEvent {
        uid: uid.to_owned(),
        cot_type: "b-m-p-s-m".into(),
        how: "h-g-i-g-o".into(),
        time_ms: now_ms,
        start_ms: now_ms,
        stale_ms,
        point: point(i.location),
        callsign: Some(format!("{} P{}", i.id, i.priority)),
        course_deg: None,
        speed_mps: None,
        remarks: Some(remarks),
        link_uid: None,
    }
}

/// A `t-x-d-d` for `uid`.
pub fn delete(uid: &str, now_ms: i64) -> CotEvent {
    CotEvent {
        uid: format!("{uid}.delete"),
        cot_type: "t-x-d-d".into(),
        how: "h-g-i-g-o".into(),
        time_ms: now_ms,
        start_ms: now_ms,
        stale_ms: now_ms + 20_000,
        point: point(Position([0.0, 0.0])),
        callsign: None,
        course_deg: None,
        speed_mps: None,
        remarks: None,
        link_uid: Some(uid.to_owned()),
    }
}

#[cfg(test)]
mod tests;
