//! The one rulebook: [`decide`] turns a command and the current state into the state events
//! that carry it out, or a [`Refusal`] that says why not. The server applies what it returns;
//! the simulator and every other producer send commands through the same function, so the
//! rules of the incident and unit lifecycles live here and nowhere else.
//!
//! Pure: the caller passes `now_ms`. Nothing here is applied; see [`super::state`].

use super::command::invalid;
pub use super::command::{
    Acknowledge, AddNote, AssignPatrol, Command, CreateIncident, Dispatch, LinkCall, MoveUp,
    Reassign, Refusal, ReportPosition, SetIncidentStatus, SetUnitStatus, SignOff, SignOn,
    UpdateIncident,
};
use super::model::{
    Acknowledged, Incident, IncidentId, IncidentStatus, Note, Position, Unit, UnitId, UnitPosition,
    UnitStatus, UnitStatusChange,
};
use super::state::FeedState;
use super::wire::{IdBody, ServerEvent};

/// How far in the future a reported time may be (clock skew of field devices).
pub const MAX_FUTURE_MS: i64 = 30_000;
/// Longest id, call sign or address accepted.
pub const MAX_ID_LEN: usize = 64;
pub const MAX_CALL_SIGN_LEN: usize = 32;
pub const MAX_ADDRESS_LEN: usize = 200;
/// Notes an incident may carry, and characters per note.
pub const MAX_NOTES: usize = 20;
pub const MAX_NOTE_LEN: usize = 500;
/// Notes an incident keeps in all (those given with the call, added and linked calls): an
/// incident that runs for days stays a bounded record.
pub const MAX_INCIDENT_NOTES: usize = 200;
/// Calls that may be linked to one incident.
pub const MAX_CALLS: u32 = 999;
/// Fastest plausible unit, km/h (a drone).
pub const MAX_SPEED_KMH: f64 = 400.0;

/// Refuse a command whose deadline has passed (`not_after_ms < now_ms`).
pub fn check_deadline(not_after_ms: Option<i64>, now_ms: i64) -> Result<(), Refusal> {
    match not_after_ms {
        None => Err(Refusal::MissingDeadline),
        Some(t) if t < now_ms => Err(Refusal::Expired {
            not_after_ms: t,
            now_ms,
        }),
        Some(_) => Ok(()),
    }
}

/// What a command does: the state events to publish (possibly none: it changes nothing, e.g.
/// a repeated fix), or why it is refused. `now_ms` stamps the incidents' transition times;
/// `by` is the authenticated sender's name (recorded where the state keeps who acted).
pub fn decide(
    state: &FeedState,
    command: &Command,
    now_ms: i64,
    by: &str,
) -> Result<Vec<ServerEvent>, Refusal> {
    let rules = Rules { state, now_ms, by };
    match command {
        Command::Dispatch(c) => rules.dispatch(c),
        Command::SetUnitStatus(c) => rules.set_unit_status(c),
        Command::SetIncidentStatus(c) => rules.set_incident_status(c),
        Command::Reassign(c) => rules.reassign(c),
        Command::MoveUp(c) => rules.move_up(c),
        Command::SignOn(c) => rules.sign_on(c),
        Command::SignOff(c) => rules.sign_off(c),
        Command::ReportPosition(c) => rules.report_position(c),
        Command::CreateIncident(c) => rules.create_incident(c),
        Command::Acknowledge(c) => rules.acknowledge(c),
        Command::UpdateIncident(c) => rules.update_incident(c),
        Command::AddNote(c) => rules.add_note(c),
        Command::LinkCall(c) => rules.link_call(c),
        Command::AssignPatrol(c) => rules.assign_patrol(c),
    }
}

/// Closed incidents that have been closed longer than `keep_closed_ms`: the events that take
/// them out of the live picture (they stay in the log). Keeps a server that runs for weeks
/// from growing without bound.
pub fn archive_due(state: &FeedState, now_ms: i64, keep_closed_ms: i64) -> Vec<ServerEvent> {
    state
        .incidents
        .values()
        .filter(|i| !i.status.is_open())
        .filter(|i| {
            let closed = i.times.closed_at_ms().unwrap_or(i.reported_at_ms);
            now_ms - closed >= keep_closed_ms
        })
        .map(|i| ServerEvent::IncidentArchived(IdBody { id: i.id.clone() }))
        .collect()
}

struct Rules<'a> {
    state: &'a FeedState,
    now_ms: i64,
    by: &'a str,
}

impl Rules<'_> {
    fn incident(&self, id: &IncidentId) -> Result<&Incident, Refusal> {
        self.state
            .incidents
            .get(id)
            .ok_or_else(|| Refusal::UnknownIncident {
                incident_id: id.clone(),
            })
    }

    fn open(&self, id: &IncidentId) -> Result<&Incident, Refusal> {
        let i = self.incident(id)?;
        if i.status.is_open() {
            Ok(i)
        } else {
            Err(Refusal::IncidentClosed {
                incident_id: id.clone(),
                status: i.status,
            })
        }
    }

    fn unit(&self, id: &UnitId) -> Result<&Unit, Refusal> {
        self.state
            .units
            .get(id)
            .ok_or_else(|| Refusal::UnknownUnit {
                unit_id: id.clone(),
            })
    }

    fn available(&self, id: &UnitId) -> Result<&Unit, Refusal> {
        let u = self.unit(id)?;
        if u.status == UnitStatus::Available {
            Ok(u)
        } else {
            Err(Refusal::UnitNotAvailable {
                unit_id: id.clone(),
                status: u.status,
            })
        }
    }

    /// A new version of `prev`, changed by `f`, with its transition times stamped.
    fn updated(&self, prev: &Incident, f: impl FnOnce(&mut Incident)) -> ServerEvent {
        let mut next = prev.clone();
        f(&mut next);
        next.stamp(Some(prev), self.now_ms);
        ServerEvent::IncidentUpdated(next)
    }

    fn unit_event(id: &UnitId, status: UnitStatus, incident: Option<&IncidentId>) -> ServerEvent {
        ServerEvent::UnitStatus(UnitStatusChange {
            id: id.clone(),
            status,
            incident_id: incident.cloned(),
            post: None,
        })
    }

    /// Take `unit` off every open incident it is assigned to; an incident left with no unit
    /// goes back to the queue.
    fn release(&self, unit: &UnitId) -> Vec<ServerEvent> {
        self.state
            .incidents
            .values()
            .filter(|i| i.status.is_open() && i.assigned_units.contains(unit))
            .map(|i| {
                self.updated(i, |i| {
                    i.assigned_units.retain(|u| u != unit);
                    if i.assigned_units.is_empty() {
                        i.status = IncidentStatus::New;
                    }
                })
            })
            .collect()
    }

    fn dispatch(&self, c: &Dispatch) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        self.available(&c.unit_id)?;
        Ok(vec![
            self.updated(i, |i| {
                if !i.assigned_units.contains(&c.unit_id) {
                    i.assigned_units.push(c.unit_id.clone());
                }
                // A second unit to an incident under way does not set it back.
                if i.status == IncidentStatus::New {
                    i.status = IncidentStatus::Dispatched;
                }
            }),
            Self::unit_event(&c.unit_id, UnitStatus::Dispatched, Some(&c.incident_id)),
        ])
    }

    /// The first acknowledgement is kept; a later one changes nothing.
    fn acknowledge(&self, c: &Acknowledge) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        if i.acknowledged.is_some() {
            return Ok(Vec::new());
        }
        Ok(vec![self.updated(i, |i| {
            i.acknowledged = Some(Acknowledged {
                by: self.by.to_owned(),
                at_ms: self.now_ms,
            });
        })])
    }

    fn set_unit_status(&self, c: &SetUnitStatus) -> Result<Vec<ServerEvent>, Refusal> {
        let u = self.unit(&c.unit_id)?;
        if u.status == c.status {
            return Ok(Vec::new());
        }
        let bad = || Refusal::BadUnitTransition {
            unit_id: u.id.clone(),
            from: u.status,
            to: c.status,
        };
        match c.status {
            UnitStatus::Available | UnitStatus::OffDuty => {
                let mut events = vec![Self::unit_event(&u.id, c.status, None)];
                events.extend(self.release(&u.id));
                Ok(events)
            }
            UnitStatus::Dispatched => Err(bad()),
            UnitStatus::EnRoute | UnitStatus::OnScene => {
                let moving = matches!(u.status, UnitStatus::Dispatched | UnitStatus::EnRoute);
                let Some(inc_id) = u.incident_id.as_ref().filter(|_| moving) else {
                    return Err(bad());
                };
                let i = self.open(inc_id)?;
                let mut events = vec![Self::unit_event(&u.id, c.status, Some(inc_id))];
                let next = if c.status == UnitStatus::EnRoute {
                    IncidentStatus::EnRoute
                } else {
                    IncidentStatus::OnScene
                };
                if i.status.can_become(next) {
                    events.push(self.updated(i, |i| i.status = next));
                }
                Ok(events)
            }
        }
    }

    fn set_incident_status(&self, c: &SetIncidentStatus) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        let by_command = matches!(
            c.status,
            IncidentStatus::OnScene | IncidentStatus::Cleared | IncidentStatus::Cancelled
        );
        if !by_command || !i.status.can_become(c.status) {
            return Err(Refusal::BadTransition {
                incident_id: i.id.clone(),
                from: i.status,
                to: c.status,
            });
        }
        let mut events = vec![self.updated(i, |i| i.status = c.status)];
        for u in &i.assigned_units {
            if self.state.units.contains_key(u) {
                events.push(if c.status == IncidentStatus::OnScene {
                    Self::unit_event(u, UnitStatus::OnScene, Some(&i.id))
                } else {
                    Self::unit_event(u, UnitStatus::Available, None)
                });
            }
        }
        Ok(events)
    }

    fn reassign(&self, c: &Reassign) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        if !i.assigned_units.contains(&c.from_unit) {
            return Err(Refusal::NotAssigned {
                incident_id: i.id.clone(),
                unit_id: c.from_unit.clone(),
            });
        }
        self.available(&c.to_unit)?;
        Ok(vec![
            self.updated(i, |i| {
                for u in &mut i.assigned_units {
                    if *u == c.from_unit {
                        *u = c.to_unit.clone();
                    }
                }
                i.status = IncidentStatus::Dispatched;
            }),
            Self::unit_event(&c.from_unit, UnitStatus::Available, None),
            Self::unit_event(&c.to_unit, UnitStatus::Dispatched, Some(&i.id)),
        ])
    }

    fn move_up(&self, c: &MoveUp) -> Result<Vec<ServerEvent>, Refusal> {
        self.available(&c.unit_id)?;
        if !c.post.position.is_valid() {
            return Err(invalid("post.position", "not a WGS84 [lon, lat]"));
        }
        Ok(vec![ServerEvent::UnitStatus(UnitStatusChange {
            id: c.unit_id.clone(),
            status: UnitStatus::Available,
            incident_id: None,
            post: Some(c.post.clone()),
        })])
    }

    fn sign_on(&self, c: &SignOn) -> Result<Vec<ServerEvent>, Refusal> {
        check_id("unit_id", c.unit_id.as_str())?;
        let sign = c.call_sign.trim();
        if sign.is_empty() || sign.chars().count() > MAX_CALL_SIGN_LEN {
            return Err(invalid(
                "call_sign",
                format!("must be 1 to {MAX_CALL_SIGN_LEN} characters"),
            ));
        }
        if !c.position.is_valid() {
            return Err(invalid("position", "not a WGS84 [lon, lat]"));
        }
        let fix_at_ms = c.fix_at_ms.unwrap_or(self.now_ms);
        if fix_at_ms > self.now_ms + MAX_FUTURE_MS {
            return Err(invalid(
                "fix_at_ms",
                format!(
                    "{} ms in the future (at most {MAX_FUTURE_MS})",
                    fix_at_ms - self.now_ms
                ),
            ));
        }
        check_stale(c.stale_at_ms, fix_at_ms)?;
        if let Some(u) = self.state.units.get(&c.unit_id) {
            // Signing on again (a device reconnecting) changes nothing but a new name or kind.
            if u.call_sign == sign && u.kind == c.kind {
                return Ok(Vec::new());
            }
            return Ok(vec![ServerEvent::UnitJoined(Unit {
                call_sign: sign.to_owned(),
                kind: c.kind,
                ..u.clone()
            })]);
        }
        Ok(vec![ServerEvent::UnitJoined(Unit {
            id: c.unit_id.clone(),
            call_sign: sign.to_owned(),
            kind: c.kind,
            status: UnitStatus::Available,
            status_since_ms: self.now_ms,
            incident_id: None,
            position: c.position,
            heading_deg: 0.0,
            speed_kmh: 0.0,
            fix_at_ms,
            stale_at_ms: c.stale_at_ms,
            posted: None,
            patrol: None,
        })])
    }

    fn sign_off(&self, c: &SignOff) -> Result<Vec<ServerEvent>, Refusal> {
        self.unit(&c.unit_id)?;
        let mut events = self.release(&c.unit_id);
        events.push(ServerEvent::UnitRemoved(IdBody {
            id: c.unit_id.clone(),
        }));
        Ok(events)
    }

    fn report_position(&self, c: &ReportPosition) -> Result<Vec<ServerEvent>, Refusal> {
        let u = self.unit(&c.unit_id)?;
        if !c.position.is_valid() {
            return Err(invalid("position", "not a WGS84 [lon, lat]"));
        }
        if !c.heading_deg.is_finite() || !(0.0..=360.0).contains(&c.heading_deg) {
            return Err(invalid("heading_deg", "must be 0 to 360"));
        }
        if !c.speed_kmh.is_finite() || !(0.0..=MAX_SPEED_KMH).contains(&c.speed_kmh) {
            return Err(invalid(
                "speed_kmh",
                format!("must be 0 to {MAX_SPEED_KMH}"),
            ));
        }
        if c.fix_at_ms > self.now_ms + MAX_FUTURE_MS {
            return Err(invalid(
                "fix_at_ms",
                format!(
                    "{} ms in the future (at most {MAX_FUTURE_MS})",
                    c.fix_at_ms - self.now_ms
                ),
            ));
        }
        if c.fix_at_ms < u.fix_at_ms {
            return Err(invalid(
                "fix_at_ms",
                format!(
                    "older than the unit's last fix by {} ms",
                    u.fix_at_ms - c.fix_at_ms
                ),
            ));
        }
        check_stale(c.stale_at_ms, c.fix_at_ms)?;
        if c.fix_at_ms == u.fix_at_ms && c.position == u.position {
            // The same fix again (a retry): nothing changes.
            return Ok(Vec::new());
        }
        let mut events = vec![ServerEvent::UnitPosition(UnitPosition {
            id: c.unit_id.clone(),
            position: c.position,
            heading_deg: c.heading_deg % 360.0,
            speed_kmh: c.speed_kmh,
            fix_at_ms: c.fix_at_ms,
            stale_at_ms: c.stale_at_ms,
        })];
        // A patrolling unit's own reports move its patrol on (while it is free to patrol).
        if u.status == UnitStatus::Available
            && let Some(p) = &u.patrol
            && let Some(next) = p.advance(c.position, c.fix_at_ms, c.speed_kmh)
        {
            events.push(ServerEvent::UnitPatrol(super::patrol::UnitPatrol {
                id: c.unit_id.clone(),
                patrol: Some(next),
            }));
        }
        Ok(events)
    }

    fn assign_patrol(&self, c: &AssignPatrol) -> Result<Vec<ServerEvent>, Refusal> {
        let u = self.unit(&c.unit_id)?;
        let patrol = match &c.patrol {
            None if u.patrol.is_none() => return Ok(Vec::new()),
            None => None,
            Some(plan) => {
                super::patrol::check_plan(plan)?;
                Some(super::patrol::Patrol {
                    plan: plan.clone(),
                    assigned_at_ms: self.now_ms,
                    by: self.by.to_owned(),
                    next: 0,
                    arrived_at_ms: None,
                    lap_started_ms: self.now_ms,
                    laps: 0,
                    missed: 0,
                    last_missed: None,
                })
            }
        };
        Ok(vec![ServerEvent::UnitPatrol(super::patrol::UnitPatrol {
            id: c.unit_id.clone(),
            patrol,
        })])
    }

    fn create_incident(&self, c: &CreateIncident) -> Result<Vec<ServerEvent>, Refusal> {
        check_priority(c.priority)?;
        check_location(c.location)?;
        check_address(&c.address)?;
        if let Some(number) = &c.callback {
            check_callback(number)?;
        }
        if c.notes.len() > MAX_NOTES {
            return Err(invalid("notes", format!("more than {MAX_NOTES}")));
        }
        for (k, n) in c.notes.iter().enumerate() {
            check_note_text(&format!("notes[{k}].text"), &n.text, false)?;
        }
        let reported = c.reported_at_ms.unwrap_or(self.now_ms);
        if reported > self.now_ms + MAX_FUTURE_MS {
            return Err(invalid("reported_at_ms", "in the future"));
        }
        let mut incident = Incident {
            id: IncidentId(format!("I-{:06}", self.state.incident_counter + 1)),
            category: c.category,
            priority: c.priority,
            location: c.location,
            address: c.address.trim().to_owned(),
            reported_at_ms: reported,
            status: IncidentStatus::New,
            assigned_units: Vec::new(),
            times: Default::default(),
            callback: c.callback.as_deref().map(|n| n.trim().to_owned()),
            notes: c
                .notes
                .iter()
                .map(|n| Note {
                    text: n.text.trim().to_owned(),
                    private: n.private,
                    by: self.by.to_owned(),
                    at_ms: self.now_ms,
                })
                .collect(),
            acknowledged: None,
            calls: 1,
        };
        incident.stamp(None, self.now_ms);
        Ok(vec![ServerEvent::IncidentCreated(incident)])
    }
}

impl Rules<'_> {
    fn update_incident(&self, c: &UpdateIncident) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        if c.category.is_none()
            && c.priority.is_none()
            && c.location.is_none()
            && c.address.is_none()
        {
            return Err(invalid(
                "body",
                "nothing to change: give category, priority, location or address",
            ));
        }
        if let Some(p) = c.priority {
            check_priority(p)?;
        }
        if let Some(p) = c.location {
            check_location(p)?;
        }
        if let Some(a) = &c.address {
            check_address(a)?;
        }
        let same = c.category.is_none_or(|v| v == i.category)
            && c.priority.is_none_or(|v| v == i.priority)
            && c.location.is_none_or(|v| v == i.location)
            && c.address.as_deref().is_none_or(|v| v.trim() == i.address);
        if same {
            return Ok(Vec::new());
        }
        Ok(vec![self.updated(i, |i| {
            i.category = c.category.unwrap_or(i.category);
            i.priority = c.priority.unwrap_or(i.priority);
            i.location = c.location.unwrap_or(i.location);
            if let Some(a) = &c.address {
                a.trim().clone_into(&mut i.address);
            }
        })])
    }

    fn add_note(&self, c: &AddNote) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        check_note_text("text", &c.text, false)?;
        self.room_for_notes(i, 1)?;
        Ok(vec![self.updated(i, |i| {
            i.notes.push(self.note(&c.text, c.private));
        })])
    }

    /// Another call about the same incident: one more call, its words and its number (kept
    /// private) as notes.
    fn link_call(&self, c: &LinkCall) -> Result<Vec<ServerEvent>, Refusal> {
        let i = self.open(&c.incident_id)?;
        check_note_text("text", &c.text, true)?;
        if let Some(number) = &c.callback {
            check_callback(number)?;
        }
        if i.calls >= MAX_CALLS {
            return Err(invalid(
                "incident_id",
                format!("{} has {MAX_CALLS} calls already", i.id),
            ));
        }
        let notes: Vec<Note> = [
            Some(self.note(
                format!("call {}: {}", i.calls + 1, c.text.trim()).trim_end_matches([':', ' ']),
                false,
            )),
            c.callback
                .as_deref()
                .map(|n| self.note(&format!("call {} callback {}", i.calls + 1, n.trim()), true)),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.room_for_notes(i, notes.len())?;
        Ok(vec![self.updated(i, |i| {
            i.calls += 1;
            i.notes.extend(notes);
        })])
    }

    fn note(&self, text: &str, private: bool) -> Note {
        Note {
            text: text.trim().to_owned(),
            private,
            by: self.by.to_owned(),
            at_ms: self.now_ms,
        }
    }

    fn room_for_notes(&self, i: &Incident, more: usize) -> Result<(), Refusal> {
        if i.notes.len() + more > MAX_INCIDENT_NOTES {
            return Err(invalid(
                "text",
                format!("{} has {MAX_INCIDENT_NOTES} notes already", i.id),
            ));
        }
        Ok(())
    }
}

fn check_priority(priority: u8) -> Result<(), Refusal> {
    if (1..=4).contains(&priority) {
        Ok(())
    } else {
        Err(invalid("priority", format!("{priority} (expected 1 to 4)")))
    }
}

fn check_location(p: Position) -> Result<(), Refusal> {
    if p.is_valid() {
        Ok(())
    } else {
        Err(invalid("location", "not a WGS84 [lon, lat]"))
    }
}

fn check_address(address: &str) -> Result<(), Refusal> {
    if address.chars().count() > MAX_ADDRESS_LEN {
        return Err(invalid(
            "address",
            format!("longer than {MAX_ADDRESS_LEN} characters"),
        ));
    }
    if address.chars().any(char::is_control) {
        return Err(invalid("address", "contains control characters"));
    }
    Ok(())
}

/// A note's text: 1 to [`MAX_NOTE_LEN`] characters (or empty where `may_be_empty`), no control
/// characters but line breaks.
fn check_note_text(field: &str, text: &str, may_be_empty: bool) -> Result<(), Refusal> {
    let n = text.trim().chars().count();
    if n == 0 && !may_be_empty {
        return Err(invalid(field, "empty"));
    }
    if n > MAX_NOTE_LEN {
        return Err(invalid(
            field,
            format!("longer than {MAX_NOTE_LEN} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(())
}

/// A callback number: 3 to 20 digits, with an optional leading `+` and spaces or dashes.
fn check_callback(number: &str) -> Result<(), Refusal> {
    let n = number.trim();
    let digits = n.chars().filter(char::is_ascii_digit).count();
    let shape = n
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-') || (c == '+' && i == 0));
    if shape && (3..=20).contains(&digits) {
        Ok(())
    } else {
        Err(invalid(
            "callback",
            "3 to 20 digits, optionally a leading + and spaces or dashes",
        ))
    }
}

/// A fix's `stale_at_ms`: after the fix, and within a day of it.
fn check_stale(stale_at_ms: Option<i64>, fix_at_ms: i64) -> Result<(), Refusal> {
    match stale_at_ms {
        Some(s) if s <= fix_at_ms => Err(invalid("stale_at_ms", "not after fix_at_ms")),
        Some(s) if s - fix_at_ms > 86_400_000 => {
            Err(invalid("stale_at_ms", "more than a day after fix_at_ms"))
        }
        _ => Ok(()),
    }
}

fn check_id(field: &str, id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("\"{id}\": 1 to {MAX_ID_LEN} of A-Z a-z 0-9 - _ . :"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Category, Position, UnitKind};
    use crate::feed::wire::Envelope;

    const T0: i64 = 1_764_000_000_000;

    /// Apply every event of a decision, as the server does.
    fn run(state: &mut FeedState, cmd: Command, now_ms: i64) -> Result<usize, Refusal> {
        let events = decide(state, &cmd, now_ms, "test")?;
        let n = events.len();
        for e in events {
            let seq = state.last_seq + 1;
            state.apply(&Envelope::new(seq, now_ms, e));
        }
        Ok(n)
    }

    fn city() -> FeedState {
        let mut s = FeedState::default();
        for (k, id) in ["U-1", "U-2"].iter().enumerate() {
            run(
                &mut s,
                Command::SignOn(SignOn {
                    unit_id: (*id).into(),
                    call_sign: format!("巡{k}"),
                    kind: UnitKind::PatrolCar,
                    position: Position([13.26, 53.55]),
                    fix_at_ms: None,
                    stale_at_ms: None,
                }),
                T0,
            )
            .unwrap();
        }
        run(
            &mut s,
            Command::CreateIncident(CreateIncident {
                category: Category::Robbery,
                priority: 1,
                location: Position([13.27, 53.56]),
                address: "Marktplatz 1".into(),
                reported_at_ms: Some(T0 - 30_000),
                callback: None,
                notes: vec![],
            }),
            T0,
        )
        .unwrap();
        s
    }

    #[test]
    fn the_first_acknowledgement_is_kept_with_who_and_when() {
        let mut s = city();
        let id = IncidentId::from("I-000001");
        let ack = Command::Acknowledge(Acknowledge {
            incident_id: id.clone(),
        });
        let events = decide(&s, &ack, T0 + 5_000, "desk-1").unwrap();
        for e in events {
            let seq = s.last_seq + 1;
            s.apply(&Envelope::new(seq, T0 + 5_000, e));
        }
        let first = Acknowledged {
            by: "desk-1".into(),
            at_ms: T0 + 5_000,
        };
        assert_eq!(s.incidents[&id].acknowledged, Some(first));
        // A second console acknowledging changes nothing.
        assert_eq!(decide(&s, &ack, T0 + 9_000, "desk-2").unwrap(), vec![]);
        let unknown = Command::Acknowledge(Acknowledge {
            incident_id: "I-9".into(),
        });
        assert!(matches!(
            decide(&s, &unknown, T0, "desk-1"),
            Err(Refusal::UnknownIncident { .. })
        ));
    }

    #[test]
    fn notes_updates_and_linked_calls_are_stamped_with_who_and_when() {
        let mut s = city();
        let id = IncidentId::from("I-000001");
        let note = |text: &str, private| {
            Command::AddNote(AddNote {
                incident_id: id.clone(),
                text: text.into(),
                private,
            })
        };
        let events = decide(&s, &note(" suspect fled north ", false), T0 + 1_000, "ct-1");
        for e in events.unwrap() {
            s.apply(&Envelope::new(s.last_seq + 1, T0 + 1_000, e));
        }
        let n = s.incidents[&id].notes.last().unwrap().clone();
        assert_eq!(
            (n.text.as_str(), n.private, n.by.as_str(), n.at_ms),
            ("suspect fled north", false, "ct-1", T0 + 1_000)
        );
        let update = Command::UpdateIncident(UpdateIncident {
            incident_id: id.clone(),
            priority: Some(2),
            address: Some("Marktplatz 3".into()),
            ..UpdateIncident::default()
        });
        assert_eq!(run(&mut s, update.clone(), T0 + 2_000), Ok(1));
        let i = &s.incidents[&id];
        assert_eq!((i.priority, i.address.as_str()), (2, "Marktplatz 3"));
        assert_eq!(i.category, Category::Robbery, "fields not given are kept");
        // The same update again changes nothing.
        assert_eq!(run(&mut s, update, T0 + 3_000), Ok(0));
        let link = Command::LinkCall(LinkCall {
            incident_id: id.clone(),
            text: "neighbour heard shouting".into(),
            callback: Some("0395 555 12".into()),
        });
        assert_eq!(run(&mut s, link, T0 + 4_000), Ok(1));
        let i = &s.incidents[&id];
        assert_eq!(i.calls, 2);
        let texts: Vec<(&str, bool)> = i
            .notes
            .iter()
            .map(|n| (n.text.as_str(), n.private))
            .collect();
        assert_eq!(
            texts[1..],
            [
                ("call 2: neighbour heard shouting", false),
                ("call 2 callback 0395 555 12", true)
            ]
        );
    }

    #[test]
    fn bad_input_for_each_new_field_names_it_and_stores_nothing() {
        let s = city();
        let id = IncidentId::from("I-000001");
        let upd = |f: fn(&mut UpdateIncident)| {
            let mut u = UpdateIncident {
                incident_id: id.clone(),
                ..UpdateIncident::default()
            };
            f(&mut u);
            Command::UpdateIncident(u)
        };
        let long = "x".repeat(MAX_NOTE_LEN + 1);
        let cases: Vec<(Command, &str)> = vec![
            (upd(|_| {}), "body"),
            (upd(|u| u.priority = Some(0)), "priority"),
            (upd(|u| u.priority = Some(9)), "priority"),
            (
                upd(|u| u.location = Some(Position([200.0, 53.0]))),
                "location",
            ),
            (
                upd(|u| u.location = Some(Position([f64::NAN, 53.0]))),
                "location",
            ),
            (
                upd(|u| u.address = Some("a".repeat(MAX_ADDRESS_LEN + 1))),
                "address",
            ),
            (upd(|u| u.address = Some("line\u{7}bell".into())), "address"),
            (
                Command::AddNote(AddNote {
                    incident_id: id.clone(),
                    text: "   ".into(),
                    private: false,
                }),
                "text",
            ),
            (
                Command::AddNote(AddNote {
                    incident_id: id.clone(),
                    text: long.clone(),
                    private: true,
                }),
                "text",
            ),
            (
                Command::LinkCall(LinkCall {
                    incident_id: id.clone(),
                    text: String::new(),
                    callback: Some("call me".into()),
                }),
                "callback",
            ),
            (
                Command::LinkCall(LinkCall {
                    incident_id: id.clone(),
                    text: long,
                    callback: None,
                }),
                "text",
            ),
        ];
        for (cmd, field) in cases {
            match decide(&s, &cmd, T0 + 1_000, "ct-1") {
                Err(Refusal::Invalid { field: f, reason }) => {
                    assert_eq!(f, field, "{cmd:?}: {reason}");
                    assert!(!reason.is_empty());
                }
                other => panic!("{cmd:?} gave {other:?}"),
            }
        }
        // An unknown incident is named as such.
        let unknown = Command::AddNote(AddNote {
            incident_id: "I-404".into(),
            text: "x".into(),
            private: false,
        });
        assert!(matches!(
            decide(&s, &unknown, T0, "ct-1"),
            Err(Refusal::UnknownIncident { .. })
        ));
    }

    #[test]
    fn an_incident_keeps_a_bounded_number_of_notes() {
        let mut s = city();
        let id = IncidentId::from("I-000001");
        let add = Command::AddNote(AddNote {
            incident_id: id.clone(),
            text: "update".into(),
            private: false,
        });
        for k in 0..MAX_INCIDENT_NOTES {
            run(&mut s, add.clone(), T0 + k as i64).unwrap();
        }
        assert!(matches!(
            run(&mut s, add, T0 + 10_000),
            Err(Refusal::Invalid { field, .. }) if field == "text"
        ));
        assert_eq!(s.incidents[&id].notes.len(), MAX_INCIDENT_NOTES);
    }

    #[test]
    fn an_incident_goes_from_call_to_clear_with_its_times() {
        let mut s = city();
        let id = IncidentId::from("I-000001");
        assert_eq!(s.incidents[&id].status, IncidentStatus::New);
        assert_eq!(s.incident_counter, 1);
        let dispatch = Command::Dispatch(Dispatch {
            incident_id: id.clone(),
            unit_id: "U-1".into(),
            rank: Some(1),
        });
        run(&mut s, dispatch.clone(), T0 + 10_000).unwrap();
        assert_eq!(s.incidents[&id].status, IncidentStatus::Dispatched);
        assert_eq!(s.units[&UnitId::from("U-1")].incident_id, Some(id.clone()));
        // The same unit again: it is no longer available.
        assert_eq!(
            run(&mut s, dispatch, T0 + 11_000).unwrap_err().to_string(),
            "conflict: unit U-1 is not available (dispatched)"
        );
        let field = |status| {
            Command::SetUnitStatus(SetUnitStatus {
                unit_id: "U-1".into(),
                status,
            })
        };
        run(&mut s, field(UnitStatus::EnRoute), T0 + 20_000).unwrap();
        assert_eq!(s.incidents[&id].status, IncidentStatus::EnRoute);
        run(&mut s, field(UnitStatus::OnScene), T0 + 250_000).unwrap();
        let i = &s.incidents[&id];
        assert_eq!(i.status, IncidentStatus::OnScene);
        assert_eq!(i.call_to_dispatch_s(), Some(40.0));
        assert_eq!(i.dispatch_to_arrival_s(), Some(240.0));
        run(
            &mut s,
            Command::SetIncidentStatus(SetIncidentStatus {
                incident_id: id.clone(),
                status: IncidentStatus::Cleared,
            }),
            T0 + 600_000,
        )
        .unwrap();
        assert_eq!(s.units[&UnitId::from("U-1")].status, UnitStatus::Available);
        assert_eq!(s.units[&UnitId::from("U-1")].incident_id, None);
        // Cleared incidents leave the live picture after the retention time.
        assert!(archive_due(&s, T0 + 600_000 + 59_000, 60_000).is_empty());
        let archive = archive_due(&s, T0 + 600_000 + 60_000, 60_000);
        assert_eq!(archive.len(), 1);
        for e in archive {
            let seq = s.last_seq + 1;
            s.apply(&Envelope::new(seq, T0, e));
        }
        assert!(s.incidents.is_empty());
        assert_eq!(s.incident_counter, 1, "ids are never reused");
    }

    #[test]
    fn refusals_name_what_is_wrong_and_change_nothing() {
        let s = city();
        let cases: Vec<(Command, &str)> = vec![
            (
                Command::Dispatch(Dispatch {
                    incident_id: "I-9".into(),
                    unit_id: "U-1".into(),
                    rank: None,
                }),
                "no incident I-9",
            ),
            (
                Command::SetUnitStatus(SetUnitStatus {
                    unit_id: "U-1".into(),
                    status: UnitStatus::OnScene,
                }),
                "unit U-1 cannot go from available to on_scene",
            ),
            (
                Command::SetIncidentStatus(SetIncidentStatus {
                    incident_id: "I-000001".into(),
                    status: IncidentStatus::Cleared,
                }),
                "incident I-000001 cannot go from new to cleared",
            ),
            (
                Command::ReportPosition(ReportPosition {
                    unit_id: "U-1".into(),
                    position: Position([200.0, 53.0]),
                    heading_deg: 0.0,
                    speed_kmh: 0.0,
                    fix_at_ms: T0,
                    stale_at_ms: None,
                }),
                "invalid position: not a WGS84 [lon, lat]",
            ),
            (
                Command::ReportPosition(ReportPosition {
                    unit_id: "U-1".into(),
                    position: Position([13.0, 53.0]),
                    heading_deg: 0.0,
                    speed_kmh: 0.0,
                    fix_at_ms: T0 - 1,
                    stale_at_ms: None,
                }),
                "invalid fix_at_ms: older than the unit's last fix by 1 ms",
            ),
            (
                Command::ReportPosition(ReportPosition {
                    unit_id: "U-1".into(),
                    position: Position([13.0, 53.0]),
                    heading_deg: 0.0,
                    speed_kmh: 0.0,
                    fix_at_ms: T0 + 10,
                    stale_at_ms: Some(T0 + 10),
                }),
                "invalid stale_at_ms: not after fix_at_ms",
            ),
            (
                Command::CreateIncident(CreateIncident {
                    category: Category::Fire,
                    priority: 7,
                    location: Position([13.0, 53.0]),
                    address: String::new(),
                    reported_at_ms: None,
                    callback: None,
                    notes: vec![],
                }),
                "invalid priority: 7 (expected 1 to 4)",
            ),
            (
                Command::SignOn(SignOn {
                    unit_id: "U 1".into(),
                    call_sign: "x".into(),
                    kind: UnitKind::Drone,
                    position: Position([13.0, 53.0]),
                    fix_at_ms: None,
                    stale_at_ms: None,
                }),
                "invalid unit_id",
            ),
        ];
        for (cmd, want) in cases {
            let err = decide(&s, &cmd, T0, "test").unwrap_err();
            assert!(err.to_string().starts_with(want), "{}: {err}", cmd.kind());
        }
        assert_eq!(
            check_deadline(Some(T0 - 5), T0).unwrap_err().to_string(),
            "expired: its deadline passed 5 ms before the server received it"
        );
        assert!(check_deadline(Some(T0), T0).is_ok());
        assert_eq!(check_deadline(None, T0), Err(Refusal::MissingDeadline));
        // Refusals travel with a code.
        let json = serde_json::to_string(&Refusal::UnitNotAvailable {
            unit_id: "U-1".into(),
            status: UnitStatus::EnRoute,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"code":"unit_not_available","unit_id":"U-1","status":"en_route"}"#
        );
    }

    #[test]
    fn standing_down_the_last_unit_puts_the_incident_back_in_the_queue() {
        let mut s = city();
        let id = IncidentId::from("I-000001");
        for u in ["U-1", "U-2"] {
            run(
                &mut s,
                Command::Dispatch(Dispatch {
                    incident_id: id.clone(),
                    unit_id: u.into(),
                    rank: None,
                }),
                T0 + 5_000,
            )
            .unwrap();
        }
        assert_eq!(s.incidents[&id].assigned_units.len(), 2);
        let stand_down = |u: &str| {
            Command::SetUnitStatus(SetUnitStatus {
                unit_id: u.into(),
                status: UnitStatus::Available,
            })
        };
        run(&mut s, stand_down("U-1"), T0 + 6_000).unwrap();
        assert_eq!(s.incidents[&id].status, IncidentStatus::Dispatched);
        run(&mut s, stand_down("U-2"), T0 + 7_000).unwrap();
        assert_eq!(s.incidents[&id].status, IncidentStatus::New);
        assert_eq!(s.incidents[&id].times.dispatched_at_ms, Some(T0 + 5_000));
        // Signing off releases too, and the unit leaves.
        run(
            &mut s,
            Command::SignOff(SignOff {
                unit_id: "U-2".into(),
            }),
            T0 + 8_000,
        )
        .unwrap();
        assert!(!s.units.contains_key(&UnitId::from("U-2")));
    }

    #[test]
    fn lifecycle_times_are_stamped_once() {
        use IncidentStatus::*;
        assert!(New.can_become(Dispatched) && Dispatched.can_become(OnScene));
        assert!(OnScene.can_become(Cleared) && EnRoute.can_become(Cancelled));
        assert!(!New.can_become(OnScene) && !Cleared.can_become(Cancelled));
        assert!(!OnScene.can_become(Dispatched) && !Cancelled.can_become(New));
        let s = city();
        let v1 = s.incidents[&IncidentId::from("I-000001")].clone();
        let step = |prev: &Incident, status, at| {
            let mut next = Incident {
                status,
                ..prev.clone()
            };
            next.stamp(Some(prev), at);
            next
        };
        let v2 = step(&v1, Dispatched, T0 + 1_000);
        let v3 = step(&v2, New, T0 + 2_000);
        let v4 = step(&v3, Dispatched, T0 + 3_000);
        let v5 = step(&v4, OnScene, T0 + 4_000);
        let v6 = step(&v5, OnScene, T0 + 5_000);
        assert_eq!(v6.times.dispatched_at_ms, Some(T0 + 1_000));
        assert_eq!(v6.times.on_scene_at_ms, Some(T0 + 4_000));
    }
}
