//! The live picture as of a `seq`: the incidents and units that state events build. The
//! server holds the authoritative one and every client a mirror; both apply the same events
//! with [`FeedState::apply`], so they are equal when they have seen the same `seq`.

use std::collections::BTreeMap;

use super::model::{Incident, IncidentId, Unit, UnitId};
use super::wire::{Envelope, ServerEvent, Snapshot};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedState {
    pub incidents: BTreeMap<IncidentId, Incident>,
    pub units: BTreeMap<UnitId, Unit>,
    /// The last state event applied (or the snapshot's seq).
    pub last_seq: u64,
    /// The highest incident number assigned so far (`I-000042` → 42); ids are never reused,
    /// even after an incident is archived.
    pub incident_counter: u64,
}

fn incident_number(id: &IncidentId) -> u64 {
    id.as_str()
        .strip_prefix("I-")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl FeedState {
    /// Apply one event. State events at or below `last_seq` are ignored (a duplicate after
    /// a reconnect); a snapshot replaces everything. Returns whether the state changed.
    pub fn apply(&mut self, env: &Envelope) -> bool {
        match &env.event {
            ServerEvent::Snapshot(s) => {
                self.incidents = s
                    .incidents
                    .iter()
                    .map(|i| (i.id.clone(), i.clone()))
                    .collect();
                self.units = s.units.iter().map(|u| (u.id.clone(), u.clone())).collect();
                self.last_seq = env.seq;
                self.incident_counter = s
                    .incidents
                    .iter()
                    .map(|i| incident_number(&i.id))
                    .fold(s.incident_counter, u64::max);
                return true;
            }
            e if !e.is_state() => return false,
            _ if env.seq <= self.last_seq => return false,
            _ => {}
        }
        self.last_seq = env.seq;
        match &env.event {
            ServerEvent::IncidentCreated(i) | ServerEvent::IncidentUpdated(i) => {
                self.incident_counter = self.incident_counter.max(incident_number(&i.id));
                self.incidents.insert(i.id.clone(), i.clone());
            }
            ServerEvent::IncidentArchived(b) => {
                self.incidents.remove(&b.id);
            }
            ServerEvent::UnitPosition(p) => {
                if let Some(u) = self.units.get_mut(&p.id) {
                    u.position = p.position;
                    u.heading_deg = p.heading_deg;
                    u.speed_kmh = p.speed_kmh;
                    u.fix_at_ms = p.fix_at_ms;
                    u.stale_at_ms = p.stale_at_ms;
                }
            }
            ServerEvent::UnitStatus(s) => {
                if let Some(u) = self.units.get_mut(&s.id) {
                    if u.status != s.status {
                        u.status_since_ms = env.ts;
                    }
                    u.status = s.status;
                    u.incident_id = s.incident_id.clone();
                    u.posted = s.post.clone();
                }
            }
            ServerEvent::UnitPatrol(p) => {
                if let Some(u) = self.units.get_mut(&p.id) {
                    u.patrol = p.patrol.clone().map(Box::new);
                }
            }
            ServerEvent::UnitJoined(u) => {
                self.units.insert(u.id.clone(), u.clone());
            }
            ServerEvent::UnitRemoved(b) => {
                self.units.remove(&b.id);
            }
            _ => {}
        }
        true
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            incidents: self.incidents.values().cloned().collect(),
            units: self.units.values().cloned().collect(),
            incident_counter: self.incident_counter,
        }
    }

    /// The snapshot as an event at this state's `seq`.
    pub fn snapshot_envelope(&self, ts: i64) -> Envelope {
        Envelope::new(self.last_seq, ts, ServerEvent::Snapshot(self.snapshot()))
    }

    /// Open incidents, for counts.
    pub fn open_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.values().filter(|i| i.status.is_open())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Category, IncidentStatus, Position};
    use crate::feed::wire::Empty;

    fn incident(id: &str) -> Incident {
        Incident {
            id: id.into(),
            category: Category::Theft,
            priority: 3,
            location: Position([13.26, 53.55]),
            address: "Marktplatz 1".into(),
            reported_at_ms: 1_000,
            status: IncidentStatus::New,
            assigned_units: vec![],
            times: Default::default(),
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        }
    }

    #[test]
    fn state_ignores_duplicates_and_snapshots_replace() {
        let mut s = FeedState::default();
        let created =
            |seq, id: &str| Envelope::new(seq, 0, ServerEvent::IncidentCreated(incident(id)));
        assert!(s.apply(&created(1, "I-000001")));
        assert!(s.apply(&created(2, "I-000002")));
        assert!(
            !s.apply(&created(2, "I-000003")),
            "a replayed seq is a duplicate"
        );
        assert_eq!(s.incidents.len(), 2);
        assert_eq!(s.incident_counter, 2);
        let snap = Envelope::new(
            10,
            0,
            ServerEvent::Snapshot(Snapshot {
                incidents: vec![incident("I-000009")],
                units: vec![],
                incident_counter: 12,
            }),
        );
        s.apply(&snap);
        let ids: Vec<&str> = s.incidents.keys().map(IncidentId::as_str).collect();
        assert_eq!(ids, vec!["I-000009"]);
        assert_eq!((s.last_seq, s.incident_counter), (10, 12));
        assert!(!s.apply(&Envelope::new(11, 0, ServerEvent::Heartbeat(Empty {}))));
        assert_eq!(s.last_seq, 10, "heartbeats do not move the state");
        // A snapshot round trip gives the same state.
        let mut t = FeedState::default();
        t.apply(&s.snapshot_envelope(0));
        assert_eq!(t, s);
    }
}
