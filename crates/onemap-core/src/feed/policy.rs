//! Who may send what, and what each role is shown: one table of role × message kind that the
//! server enforces and the tests iterate, and the redaction of what wall and viewer sessions
//! receive. Pure: the server authenticates, this decides.
//!
//! The table is exhaustive by construction: [`grant`] looks a kind up in [`POLICY`], and a kind
//! that is not listed there (a command added later) is denied to every role until it is.

use super::command::Refusal;
use super::model::{Incident, Role, UnitId};
use super::wire::{Envelope, HistoryAnswer, HistoryBody, ServerEvent, Snapshot, StateAtAnswer};

/// What a role may do with one kind of message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    Yes,
    /// Only about a unit of the identity's own (`units`).
    OwnUnits,
    No,
}

use Grant::{No, OwnUnits as Own, Yes};

/// The policy: per client message kind, the grant of each role in the order of [`Role::ALL`]
/// (admin, commander, call_taker, planner, wall, viewer, device, gateway).
pub const POLICY: &[(&str, [Grant; 8])] = &[
    ("hello", [Yes, Yes, Yes, Yes, Yes, Yes, Yes, Yes]),
    ("ping", [Yes, Yes, Yes, Yes, Yes, Yes, Yes, Yes]),
    ("audit", [No, Yes, No, No, No, No, No, No]),
    ("audit_query", [Yes, Yes, No, No, No, No, No, No]),
    ("history", [Yes, Yes, Yes, Yes, Yes, Yes, No, No]),
    ("timeline", [Yes, Yes, Yes, No, No, No, No, No]),
    ("wall_show", [No, Yes, No, No, No, No, No, No]),
    ("dispatch", [No, Yes, No, No, No, No, No, No]),
    ("set_unit_status", [No, Yes, No, No, No, No, Own, Yes]),
    ("set_incident_status", [No, Yes, No, No, No, No, No, No]),
    ("reassign", [No, Yes, No, No, No, No, No, No]),
    ("move_up", [No, Yes, No, No, No, No, No, No]),
    ("sign_on", [No, Yes, No, No, No, No, Own, Yes]),
    ("sign_off", [No, Yes, No, No, No, No, Own, Yes]),
    ("report_position", [No, No, No, No, No, No, Own, Yes]),
    ("create_incident", [No, Yes, Yes, No, No, No, No, No]),
    ("acknowledge", [No, Yes, Yes, No, No, No, No, No]),
    ("update_incident", [No, Yes, Yes, No, No, No, No, No]),
    ("add_note", [No, Yes, Yes, No, No, No, No, No]),
    ("link_call", [No, Yes, Yes, No, No, No, No, No]),
    ("assign_patrol", [No, Yes, No, Yes, No, No, No, No]),
];

/// The grant of `role` for messages of `kind`; a kind not in [`POLICY`] is denied.
pub fn grant(role: Role, kind: &str) -> Grant {
    POLICY
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(No, |(_, row)| row[role.column()])
}

/// An authenticated sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// The units a `device` speaks for.
    pub units: Vec<UnitId>,
}

impl Principal {
    /// Whether this principal may send `kind` (about `unit`, if it names one).
    pub fn authorize(&self, kind: &str, unit: Option<&UnitId>) -> Result<(), Refusal> {
        let forbidden = |reason: &str| Refusal::Forbidden {
            role: self.role.name().to_owned(),
            kind: kind.to_owned(),
            reason: reason.to_owned(),
        };
        match grant(self.role, kind) {
            Yes => Ok(()),
            No => Err(forbidden("")),
            Own => match unit {
                Some(u) if self.units.contains(u) => Ok(()),
                Some(u) => Err(forbidden(&format!(
                    "{u} is not one of {}'s units",
                    self.name
                ))),
                None => Err(forbidden("only about its own units")),
            },
        }
    }

    /// Every kind this principal may send at all (for the console and `welcome`).
    pub fn allowed_kinds(&self) -> Vec<String> {
        POLICY
            .iter()
            .filter(|(_, row)| row[self.role.column()] != No)
            .map(|(k, _)| (*k).to_owned())
            .collect()
    }
}

/// `138****1234`: the first three and last four digits of a long number, the last two of a
/// short one; everything else a `*`. For where a callback number is shown at all.
pub fn mask_callback(number: &str) -> String {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = if digits >= 9 { (3, 4) } else { (0, 2) };
    let mut seen = 0;
    number
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > digits - tail.min(digits) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

fn redact_incident(i: &Incident) -> Option<Incident> {
    if i.callback.is_none() && !i.notes.iter().any(|n| n.private) {
        return None;
    }
    let mut out = i.clone();
    out.callback = None;
    out.notes.retain(|n| !n.private);
    Some(out)
}

/// What a redacted role (wall, viewer) receives instead of `event`: the same without callback
/// numbers and private notes; `None` if nothing had to be removed (the same bytes serve all).
pub fn redact(event: &ServerEvent) -> Option<ServerEvent> {
    match event {
        ServerEvent::IncidentCreated(i) => redact_incident(i).map(ServerEvent::IncidentCreated),
        ServerEvent::IncidentUpdated(i) => redact_incident(i).map(ServerEvent::IncidentUpdated),
        ServerEvent::Snapshot(s) => {
            let redacted: Vec<Option<Incident>> = s.incidents.iter().map(redact_incident).collect();
            if redacted.iter().all(Option::is_none) {
                return None;
            }
            let incidents = s
                .incidents
                .iter()
                .zip(redacted)
                .map(|(i, r)| r.unwrap_or_else(|| i.clone()))
                .collect();
            Some(ServerEvent::Snapshot(Snapshot {
                incidents,
                units: s.units.clone(),
                incident_counter: s.incident_counter,
            }))
        }
        ServerEvent::History(answer) => redact_history(answer).map(ServerEvent::History),
        // Audit pages and timelines go only to roles that may ask for them, which are not
        // redacted.
        _ => None,
    }
}

/// A history answer as a redacted role sees it: the incidents of a past state and of past
/// events lose what [`redact_incident`] removes; figures, tracks and incident records carry
/// nothing personal.
fn redact_history(answer: &HistoryAnswer) -> Option<HistoryAnswer> {
    let body = match &answer.body {
        HistoryBody::State(s) => {
            let ServerEvent::Snapshot(state) = redact(&ServerEvent::Snapshot(s.state.clone()))?
            else {
                return None;
            };
            HistoryBody::State(StateAtAnswer { state, ..s.clone() })
        }
        HistoryBody::Events { events, more } => {
            let redacted: Vec<Option<Envelope>> = events.iter().map(redact_envelope).collect();
            if redacted.iter().all(Option::is_none) {
                return None;
            }
            HistoryBody::Events {
                events: events
                    .iter()
                    .zip(redacted)
                    .map(|(e, r)| r.unwrap_or_else(|| e.clone()))
                    .collect(),
                more: *more,
            }
        }
        _ => return None,
    };
    Some(HistoryAnswer {
        request_id: answer.request_id.clone(),
        body,
    })
}

/// [`redact`] for an envelope (same seq and time).
pub fn redact_envelope(env: &Envelope) -> Option<Envelope> {
    redact(&env.event).map(|event| Envelope::new(env.seq, env.ts, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Category, IncidentStatus, IncidentTimes, Note, Position};
    use crate::feed::wire::ClientMessage;

    #[test]
    fn the_table_lists_every_kind_once_and_unknown_kinds_are_denied() {
        for kind in ClientMessage::KINDS {
            assert_eq!(
                POLICY.iter().filter(|(k, _)| k == kind).count(),
                1,
                "{kind} must be in the policy table exactly once"
            );
        }
        assert_eq!(POLICY.len(), ClientMessage::KINDS.len());
        for role in Role::ALL {
            assert_eq!(grant(role, "teleport"), No);
            assert_eq!(Role::parse(role.name()), Ok(role));
        }
        assert!(Role::parse("root").unwrap_err().contains("commander"));
    }

    #[test]
    fn refusals_name_the_role_and_the_command() {
        let wall = Principal {
            name: "wall-1".into(),
            role: Role::Wall,
            units: vec![],
        };
        let e = wall.authorize("dispatch", None).unwrap_err();
        assert_eq!(e.to_string(), "forbidden: role wall may not dispatch");
        let device = Principal {
            name: "car-7".into(),
            role: Role::Device,
            units: vec!["U-007".into()],
        };
        assert!(
            device
                .authorize("report_position", Some(&"U-007".into()))
                .is_ok()
        );
        let e = device
            .authorize("report_position", Some(&"U-008".into()))
            .unwrap_err();
        assert!(
            e.to_string().contains("U-008 is not one of car-7's units"),
            "{e}"
        );
        assert!(device.authorize("dispatch", None).is_err());
        assert_eq!(device.allowed_kinds().len(), 6);
    }

    #[test]
    fn callback_numbers_are_masked_and_redacted() {
        assert_eq!(mask_callback("13812341234"), "138****1234");
        assert_eq!(mask_callback("+49 381 1234567"), "+49 3** ***4567");
        assert_eq!(mask_callback("110"), "*10");
        let incident = Incident {
            id: "I-1".into(),
            category: Category::Theft,
            priority: 3,
            location: Position([13.0, 53.0]),
            address: "Markt 1".into(),
            reported_at_ms: 0,
            status: IncidentStatus::New,
            assigned_units: vec![],
            times: IncidentTimes::default(),
            callback: Some("13812341234".into()),
            notes: vec![
                Note::new("caller is the owner", true),
                Note::new("blue car", false),
            ],
            acknowledged: None,
            calls: 1,
        };
        let Some(ServerEvent::IncidentCreated(r)) =
            redact(&ServerEvent::IncidentCreated(incident.clone()))
        else {
            panic!("redacted")
        };
        assert_eq!(r.callback, None);
        assert_eq!(r.notes.len(), 1);
        assert!(!r.notes[0].private);
        let plain = Incident {
            callback: None,
            notes: vec![],
            ..incident
        };
        assert_eq!(redact(&ServerEvent::IncidentUpdated(plain)), None);
    }
}
