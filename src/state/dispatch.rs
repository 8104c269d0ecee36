//! The commander's state: which unit kinds are ranked, the unit picked, the routing worker's
//! latest recommendation, what was last written to the audit log; the incident queue's order;
//! and the recommendation request that should be in flight ([`dispatch_request`]).

use std::collections::HashMap;

use onemap_core::feed::{Incident, IncidentId, IncidentStatus, UnitId, UnitKind, UnitStatus};
use onemap_core::routing::dispatch::Responder;

use super::AppState;
use crate::model::Selection;
use crate::workers::dispatch::{DispatchOutput, DispatchRequest, SHOWN};

/// How often a shown recommendation is recomputed while units move, ms.
pub const REFRESH_MS: i64 = 2_000;

pub struct DispatchState {
    /// Which unit kinds are ranked (by [`UnitKind::index`]).
    pub kinds: [bool; 5],
    /// Turnout per kind, seconds.
    pub turnout_s: [f32; 5],
    /// The unit the commander picked in the list (`None`: the fastest).
    pub chosen: Option<UnitId>,
    pub output: Option<Box<DispatchOutput>>,
    /// What the last request was for, and when it was sent.
    pub last_key: Option<(IncidentId, Option<UnitId>, [bool; 5])>,
    pub last_at_ms: Option<i64>,
    /// Per incident, the ranked unit ids last written to the audit log (open incidents only).
    pub logged: HashMap<IncidentId, Vec<UnitId>>,
    pub audit_open: bool,
    /// The last audit export's outcome.
    pub audit_saved: Option<String>,
}

impl Default for DispatchState {
    fn default() -> Self {
        Self {
            kinds: [true; 5],
            turnout_s: UnitKind::ALL.map(UnitKind::default_turnout_s),
            chosen: None,
            output: None,
            last_key: None,
            last_at_ms: None,
            logged: HashMap::new(),
            audit_open: false,
            audit_saved: None,
        }
    }
}

impl DispatchState {
    /// Keep an answer if it is newer than the one shown.
    pub fn take_output(&mut self, out: Box<DispatchOutput>) {
        if self.output.as_ref().is_none_or(|old| out.id > old.id) {
            self.output = Some(out);
        }
    }
}

/// Open incidents in queue order: waiting ones first, by priority, then oldest first.
pub fn queue_order<'a>(incidents: impl Iterator<Item = &'a Incident>) -> Vec<&'a Incident> {
    let mut open: Vec<&Incident> = incidents.filter(|i| i.status.is_open()).collect();
    open.sort_by(|a, b| {
        (a.status != IncidentStatus::New)
            .cmp(&(b.status != IncidentStatus::New))
            .then(a.priority.cmp(&b.priority))
            .then(a.reported_at_ms.cmp(&b.reported_at_ms))
            .then(a.id.cmp(&b.id))
    });
    open
}

impl AppState {
    pub fn selected_incident(&self) -> Option<&Incident> {
        match &self.selection {
            Some(Selection::Incident(id)) => self.live.feed.incidents.get(id),
            _ => None,
        }
    }

    /// The current recommendation, if it is for the selected incident.
    pub fn recommendation(&self) -> Option<&DispatchOutput> {
        let inc = self.selected_incident()?;
        self.dispatch
            .output
            .as_deref()
            .filter(|o| o.incident_id == inc.id.as_str())
    }

    /// The unit the commander would send: the picked one, or the fastest; with its rank.
    pub fn chosen_unit(&self) -> Option<(UnitId, u32)> {
        let out = self.recommendation()?;
        let ranked = &out.recommendation.ranked;
        let rank = match &self.dispatch.chosen {
            Some(id) => ranked
                .iter()
                .position(|r| out.responders[r.index].id == id.as_str())?,
            None => (!ranked.is_empty()).then_some(0)?,
        };
        let id = UnitId(out.responders[ranked[rank].index].id.clone());
        Some((id, rank as u32 + 1))
    }

    /// The ranked unit ids shown for the selected incident, when they differ from what was
    /// last written to the audit log.
    pub fn unlogged_recommendation(&self) -> Option<(IncidentId, Vec<UnitId>)> {
        let out = self.recommendation()?;
        let ids: Vec<UnitId> = out
            .recommendation
            .ranked
            .iter()
            .map(|r| UnitId(out.responders[r.index].id.clone()))
            .collect();
        let incident = IncidentId(out.incident_id.clone());
        (self.dispatch.logged.get(&incident) != Some(&ids)).then_some((incident, ids))
    }
}

/// The recommendation request for the selected incident, when one is due: the incident, the
/// choice or the filter changed, or the units have moved for [`REFRESH_MS`]. Its `id` is 0.
pub fn dispatch_request(state: &AppState, now_ms: i64) -> Option<DispatchRequest> {
    let inc = state.selected_incident().filter(|i| i.status.is_open())?;
    state.plan.ready?;
    let d = &state.dispatch;
    let key = (inc.id.clone(), d.chosen.clone(), d.kinds);
    let due =
        d.last_key.as_ref() != Some(&key) || d.last_at_ms.is_none_or(|t| now_ms - t >= REFRESH_MS);
    if !due {
        return None;
    }
    let units: Vec<_> = state
        .live
        .feed
        .units
        .values()
        .filter(|u| u.status == UnitStatus::Available)
        .collect();
    Some(DispatchRequest {
        id: 0,
        incident_id: inc.id.to_string(),
        at: inc.location.lonlat(),
        responders: units
            .iter()
            .map(|u| Responder {
                id: u.id.to_string(),
                mode: u.kind.travel_mode(),
                turnout_s: d.turnout_s[u.kind.index()],
                at: u.position.lonlat(),
            })
            .collect(),
        eligible: units.iter().map(|u| d.kinds[u.kind.index()]).collect(),
        want: SHOWN,
        chosen: d.chosen.as_ref().map(ToString::to_string),
        posts: state
            .ops
            .layers
            .posts
            .iter()
            .map(|p| (format!("{} {}", p.id, p.name), p.pos))
            .collect(),
    })
}
