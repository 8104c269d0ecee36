//! The commander's state: which unit kinds are ranked, the unit picked, the routing worker's
//! latest recommendation, what was last written to the audit log; the incident queue's order;
//! and the recommendation request that should be in flight ([`dispatch_request`]).

use std::collections::{BTreeMap, HashMap};

use onemap_core::feed::wire::AuditQuery;
use onemap_core::feed::{Incident, IncidentId, IncidentStatus, Unit, UnitId, UnitKind, UnitStatus};
use onemap_core::routing::dispatch::Responder;

use super::AppState;
use crate::model::{AuditFilter, Selection, UnitBoard};
use crate::workers::dispatch::{DispatchOutput, DispatchRequest, SHOWN};

/// How often a shown recommendation is recomputed while units move, ms.
pub const REFRESH_MS: i64 = 2_000;

/// What a recommendation request was for: the incident, the unit picked, the kinds ranked,
/// whether it ranks units to send (else it follows those sent), and the units sent with
/// their status (a change asks again at once).
pub type RequestKey = (
    IncidentId,
    Option<UnitId>,
    [bool; 5],
    bool,
    Vec<(UnitId, Option<UnitStatus>)>,
);

pub struct DispatchState {
    /// Which unit kinds are ranked (by [`UnitKind::index`]).
    pub kinds: [bool; 5],
    /// Turnout per kind, seconds.
    pub turnout_s: [f32; 5],
    /// The unit the commander picked in the list (`None`: the fastest).
    pub chosen: Option<UnitId>,
    pub output: Option<Box<DispatchOutput>>,
    /// What the last request was for, and when it was sent.
    pub last_key: Option<RequestKey>,
    pub last_at_ms: Option<i64>,
    /// Per incident, the ranked unit ids last written to the audit log (open incidents only).
    pub logged: HashMap<IncidentId, Vec<UnitId>>,
    pub audit_open: bool,
    /// The last audit export's outcome: the message, and whether it failed.
    pub audit_saved: Option<(String, bool)>,
    pub audit_filter: AuditFilter,
    /// The export dialog's path while it is open.
    pub audit_export_path: Option<String>,
    /// While the pointer is over the queue: its order as shown when the pointer entered.
    pub queue_frozen: Option<Vec<IncidentId>>,
    pub board_open: bool,
    pub board: UnitBoard,
    /// For an incident with units sent: rank more units to send as well.
    pub reinforce: bool,
    /// When the shown output arrived (the ETA counts down from it).
    pub output_at_ms: i64,
    /// Per incident and unit sent: the first ETA measured after the dispatch (progress is
    /// measured against it). Open incidents only.
    pub first_eta: HashMap<(IncidentId, UnitId), f32>,
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
            audit_filter: AuditFilter::default(),
            audit_export_path: None,
            queue_frozen: None,
            board_open: false,
            board: UnitBoard::default(),
            reinforce: false,
            output_at_ms: 0,
            first_eta: HashMap::new(),
        }
    }
}

impl DispatchState {
    /// Keep an answer if it is newer than the one shown; for units already sent, remember
    /// the first ETA measured (the progress bar's whole).
    pub fn take_output(&mut self, out: Box<DispatchOutput>, now_ms: i64) {
        if self.output.as_ref().is_some_and(|old| out.id <= old.id) {
            return;
        }
        if out.assigned {
            for r in &out.recommendation.ranked {
                let key = (
                    IncidentId(out.incident_id.clone()),
                    UnitId(out.responders[r.index].id.clone()),
                );
                self.first_eta.entry(key).or_insert(r.eta_s);
            }
        }
        self.output = Some(out);
        self.output_at_ms = now_ms;
    }

    /// Forget what belongs to incidents no longer open.
    pub fn forget_closed(&mut self, incidents: &BTreeMap<IncidentId, Incident>) {
        let open = |id: &IncidentId| incidents.get(id).is_some_and(|i| i.status.is_open());
        self.first_eta.retain(|(i, _), _| open(i));
        self.logged.retain(|i, _| open(i));
    }
}

/// The server's audit query for the log window's filters, as of `now_ms`.
pub fn audit_query(f: &AuditFilter, now_ms: i64) -> AuditQuery {
    let text = |s: &str| {
        let t = s.trim();
        (!t.is_empty()).then(|| t.to_owned())
    };
    AuditQuery {
        incident_id: text(&f.incident).map(IncidentId),
        unit_id: text(&f.unit).map(UnitId),
        action: f.action.clone(),
        since_ms: f.hours.map(|h| now_ms - i64::from(h) * 3_600_000),
        ..AuditQuery::newest(500)
    }
}

/// How long an incident has waited against its priority's target: `None` if it is not
/// waiting, else 0 (within half), 1 (past half), 2 (past the target).
pub fn wait_level(inc: &Incident, targets_s: &[i64; 4], now_ms: i64) -> Option<u8> {
    if inc.status != IncidentStatus::New {
        return None;
    }
    let target_ms = targets_s[usize::from(inc.priority.clamp(1, 4)) - 1] * 1000;
    let waited = now_ms - inc.reported_at_ms;
    Some(if waited > target_ms {
        2
    } else if waited * 2 > target_ms {
        1
    } else {
        0
    })
}

/// The queue as shown: in [`queue_order`], or, while the pointer is over it, in the order it
/// had when the pointer entered (rows that closed stay in place; new ones join at the end), so
/// the row under the pointer never moves.
pub fn shown_queue<'a>(
    incidents: &'a BTreeMap<IncidentId, Incident>,
    frozen: Option<&Vec<IncidentId>>,
) -> Vec<&'a Incident> {
    let live = queue_order(incidents.values());
    let Some(frozen) = frozen else {
        return live;
    };
    let mut out: Vec<&Incident> = frozen.iter().filter_map(|id| incidents.get(id)).collect();
    for inc in live {
        if !frozen.contains(&inc.id) {
            out.push(inc);
        }
    }
    out
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
            Some(Selection::Incident(id)) => self.shown_feed().incidents.get(id),
            _ => None,
        }
    }

    /// The current recommendation (or, for units already sent, their routes and ETAs), if it
    /// is for the selected incident and that incident is still open.
    pub fn recommendation(&self) -> Option<&DispatchOutput> {
        if self.replaying() {
            // Nothing is recommended for the past.
            return None;
        }
        let inc = self.selected_incident().filter(|i| i.status.is_open())?;
        self.dispatch
            .output
            .as_deref()
            .filter(|o| o.incident_id == inc.id.as_str())
    }

    /// Whether the panel ranks units to send (else it follows the units already sent).
    pub fn ranking(&self, inc: &Incident) -> bool {
        inc.assigned_units.is_empty() || self.dispatch.reinforce
    }

    /// The unit the commander would send: the picked one, or the fastest; with its rank.
    pub fn chosen_unit(&self) -> Option<(UnitId, u32)> {
        let out = self.recommendation().filter(|o| !o.assigned)?;
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
        let out = self.recommendation().filter(|o| !o.assigned)?;
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
/// For an incident with units sent, it asks for their routes and ETAs instead (unless the
/// commander is sending more).
pub fn dispatch_request(state: &AppState, now_ms: i64) -> Option<(RequestKey, DispatchRequest)> {
    if state.replaying() {
        return None;
    }
    let inc = state.selected_incident().filter(|i| i.status.is_open())?;
    state.plan.ready?;
    let d = &state.dispatch;
    let ranking = state.ranking(inc);
    let sent = inc
        .assigned_units
        .iter()
        .map(|u| (u.clone(), state.shown_feed().units.get(u).map(|x| x.status)))
        .collect();
    let key = (inc.id.clone(), d.chosen.clone(), d.kinds, ranking, sent);
    let due =
        d.last_key.as_ref() != Some(&key) || d.last_at_ms.is_none_or(|t| now_ms - t >= REFRESH_MS);
    if !due {
        return None;
    }
    if !ranking {
        return Some((key, assigned_request(state, inc)));
    }
    let units: Vec<_> = state
        .shown_feed()
        .units
        .values()
        .filter(|u| u.status == UnitStatus::Available)
        .collect();
    Some((
        key,
        DispatchRequest {
            id: 0,
            incident_id: inc.id.to_string(),
            at: inc.location.lonlat(),
            responders: units
                .iter()
                .map(|u| responder(u, d.turnout_s[u.kind.index()]))
                .collect(),
            eligible: units.iter().map(|u| d.kinds[u.kind.index()]).collect(),
            want: SHOWN,
            assigned: false,
            chosen: d.chosen.as_ref().map(ToString::to_string),
            posts: state
                .ops
                .layers
                .posts
                .iter()
                .map(|p| (format!("{} {}", p.id, p.name), p.pos))
                .collect(),
        },
    ))
}

/// The routes and ETAs of the units sent to `inc` that are still on their way (no turnout
/// for a unit already moving).
fn assigned_request(state: &AppState, inc: &Incident) -> DispatchRequest {
    let d = &state.dispatch;
    let units: Vec<_> = inc
        .assigned_units
        .iter()
        .filter_map(|u| state.shown_feed().units.get(u))
        .filter(|u| matches!(u.status, UnitStatus::Dispatched | UnitStatus::EnRoute))
        .collect();
    DispatchRequest {
        id: 0,
        incident_id: inc.id.to_string(),
        at: inc.location.lonlat(),
        responders: units
            .iter()
            .map(|u| {
                let moving = u.status == UnitStatus::EnRoute;
                responder(
                    u,
                    if moving {
                        0.0
                    } else {
                        d.turnout_s[u.kind.index()]
                    },
                )
            })
            .collect(),
        eligible: vec![true; units.len()],
        want: units.len(),
        chosen: None,
        posts: Vec::new(),
        assigned: true,
    }
}

/// A unit as the recommender sees it: where it is, how it travels, its turnout.
fn responder(u: &Unit, turnout_s: f32) -> Responder {
    Responder {
        id: u.id.to_string(),
        mode: u.kind.travel_mode(),
        turnout_s,
        at: u.position.lonlat(),
    }
}
