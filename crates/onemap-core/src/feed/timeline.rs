//! An incident's timeline, as its details show it: every command that acted on it — the call
//! opened, notes, corrections, linked calls, acknowledgement, dispatches, status changes from
//! consoles and from the field — who sent it and when, carried out or refused. Read from the
//! server's audit log (the hub files each command under the incident it changed), so every
//! console shows the same history.

use serde::{Deserialize, Serialize};

use super::command::Command;
use super::model::{AuditEntry, IncidentId, RequestId, UnitId};

/// Ask for an incident's timeline (with a `request_id`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    pub incident_id: IncidentId,
}

/// One step on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub at_ms: i64,
    /// Who sent it (the identity, as the audit log names it).
    pub by: String,
    /// The command's kind (`dispatch`, `add_note`, …).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<UnitId>,
    /// Carried out (false: refused; the refusal is in `result`).
    pub ok: bool,
    /// The command as sent (JSON).
    pub body: String,
    /// The server's answer in English (`dispatch done`, or why it was refused).
    pub result: String,
}

/// The answer: the incident's steps, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelinePage {
    pub request_id: RequestId,
    pub incident_id: IncidentId,
    pub entries: Vec<TimelineEntry>,
}

/// The audit log's rows about one incident (in any order) as its timeline, oldest first: each
/// command row with the result row the hub writes right after it. Other rows (recommendations
/// shown, notes) are left out.
pub fn from_audit(rows: &[AuditEntry]) -> Vec<TimelineEntry> {
    let mut rows: Vec<&AuditEntry> = rows.iter().collect();
    rows.sort_by_key(|r| r.id);
    let mut out = Vec::new();
    for (k, row) in rows.iter().enumerate() {
        if !Command::KINDS.contains(&row.action.as_str()) {
            continue;
        }
        let result = rows
            .get(k + 1)
            .filter(|r| r.action == "result" && r.id == row.id + 1 && r.client == row.client);
        out.push(TimelineEntry {
            at_ms: row.ts_ms,
            by: shown_name(&row.client),
            kind: row.action.clone(),
            unit_id: row.unit_id.clone(),
            ok: result.is_some_and(|r| r.ok == Some(true)),
            body: row.detail.clone(),
            result: result.map_or_else(String::new, |r| {
                // "dispatch r-12: dispatch done" → "dispatch done"
                r.detail
                    .split_once(": ")
                    .map_or(r.detail.clone(), |(_, m)| m.to_owned())
            }),
        });
    }
    out
}

/// The identity's name without the peer address the audit log adds (`desk-1 (127.0.0.1:…)`).
fn shown_name(client: &str) -> String {
    client
        .split_once(" (")
        .map_or(client, |(name, _)| name)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, client: &str, action: &str, ok: Option<bool>, detail: &str) -> AuditEntry {
        AuditEntry {
            id,
            ts_ms: 1_000 * id,
            client: client.into(),
            action: action.into(),
            incident_id: Some("I-000001".into()),
            unit_id: None,
            ok,
            detail: detail.into(),
        }
    }

    #[test]
    fn commands_are_paired_with_their_results_oldest_first() {
        let rows = vec![
            row(
                7,
                "cmd-1 (127.0.0.1:5000)",
                "result",
                Some(false),
                "dispatch r-2: conflict: unit U-1 is not available (dispatched)",
            ),
            row(
                6,
                "cmd-1 (127.0.0.1:5000)",
                "dispatch",
                None,
                r#"{"incident_id":"I-000001","unit_id":"U-1"}"#,
            ),
            row(3, "ct-1", "create_incident", None, "{}"),
            row(
                4,
                "ct-1",
                "result",
                Some(true),
                "create_incident r-1: create_incident done",
            ),
            row(5, "cmd-1", "recommendation", None, "[]"),
        ];
        let t = from_audit(&rows);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].kind.as_str(), t[0].by.as_str(), t[0].ok),
            ("create_incident", "ct-1", true)
        );
        assert_eq!(t[0].result, "create_incident done");
        assert_eq!(
            (t[1].kind.as_str(), t[1].by.as_str(), t[1].ok),
            ("dispatch", "cmd-1", false)
        );
        assert!(t[1].result.starts_with("conflict"), "{}", t[1].result);
        assert_eq!(t[1].at_ms, 6_000);
    }
}
