//! A signed-in client's message: authorised against the role's policy first (every denial
//! audited), then a command goes through the deadline, the request-id memory and the rules;
//! a query or a note is answered or logged here.

use std::sync::Arc;

use onemap_core::feed::lifecycle::check_deadline;
use onemap_core::feed::timeline::{TimelinePage, TimelineQuery, from_audit};
use onemap_core::feed::wire::{AuditNote, AuditPage, AuditQuery, Empty, WALL_VIEWS, WallShow};

/// Audit rows read for one incident's timeline (two per command): its newest 500 steps.
const MAX_TIMELINE_ROWS: u32 = 1_000;
use onemap_core::feed::{
    AuditEntry, ClientEnvelope, ClientMessage, CommandResult, Principal, Refusal, RequestId, Role,
    ServerEvent, decide,
};

use super::{Actor, Hub, Origin, Work};
use crate::queue::ClientQueue;

impl Hub {
    pub(super) fn client_message(
        &mut self,
        queue: &Arc<ClientQueue>,
        principal: &Principal,
        actor: &Actor,
        env: ClientEnvelope,
    ) {
        let now = self.clock.now_ms();
        let ClientEnvelope {
            request_id,
            not_after_ms,
            message,
            ..
        } = env;
        let command = match message.into_command() {
            Ok(c) => c,
            Err(other) => {
                if let Err(refusal) = principal.authorize(other.kind(), None) {
                    self.audit_denial(actor, other.kind(), None, refusal.to_string());
                    self.direct(queue, ServerEvent::error("forbidden", refusal.to_string()));
                    return;
                }
                let redacted = principal.role.redacted();
                self.session_message(queue, actor, request_id, other, now, redacted);
                return;
            }
        };
        let (_, unit) = command.subject();
        if let Err(refusal) = principal.authorize(command.kind(), unit) {
            self.audit_denial(actor, command.kind(), Some(&command), refusal.to_string());
            match request_id {
                Some(request_id) => self.direct(
                    queue,
                    ServerEvent::CommandResult(CommandResult {
                        request_id,
                        ok: false,
                        message: refusal.to_string(),
                        refusal: Some(refusal),
                    }),
                ),
                None => self.direct(queue, ServerEvent::error("forbidden", refusal.to_string())),
            }
            return;
        }
        let Some(request_id) = request_id else {
            self.direct(
                queue,
                ServerEvent::error(
                    "bad_envelope",
                    format!(
                        "{}: a command needs request_id and not_after",
                        command.kind()
                    ),
                ),
            );
            return;
        };
        if let Some(a) = self.answers.get(&request_id) {
            let answer = if a.client == actor.name {
                a.result.clone()
            } else {
                CommandResult {
                    request_id: request_id.clone(),
                    ok: false,
                    message: "request_id already used by another client".into(),
                    refusal: Some(Refusal::Invalid {
                        field: "request_id".into(),
                        reason: "already used by another client".into(),
                    }),
                }
            };
            self.direct(queue, ServerEvent::CommandResult(answer));
            return;
        }
        let mut work = Work::default();
        let origin = Origin {
            actor,
            reply: Some((queue, request_id)),
        };
        let outcome = check_deadline(not_after_ms, now)
            .and_then(|()| self.producers.check(&command, now))
            .and_then(|()| decide(&self.state, &command, now, &actor.name));
        if outcome.is_ok() {
            self.producers.accepted(&command, now);
        }
        let _ = self.stage(&mut work, &origin, &command, outcome, now);
        let _ = self.commit(work);
    }

    fn session_message(
        &mut self,
        queue: &Arc<ClientQueue>,
        actor: &Actor,
        request_id: Option<RequestId>,
        message: ClientMessage,
        now: i64,
        redacted: bool,
    ) {
        match message {
            ClientMessage::Ping(_) => self.direct(queue, ServerEvent::Heartbeat(Empty {})),
            ClientMessage::Hello(_) => self.direct(
                queue,
                ServerEvent::error("bad_order", "hello was already received on this connection"),
            ),
            ClientMessage::Audit(AuditNote {
                action,
                incident_id,
                units,
            }) => {
                let entry = AuditEntry {
                    id: 0,
                    ts_ms: now,
                    client: actor.shown.clone(),
                    action: action.name().to_owned(),
                    incident_id,
                    unit_id: units.first().map(|u| u.unit_id.clone()),
                    ok: None,
                    detail: serde_json::to_string(&units).unwrap_or_default(),
                };
                let _ = self.commit(Work {
                    audit: vec![entry],
                    ..Work::default()
                });
            }
            ClientMessage::AuditQuery(query) => {
                let Some(request_id) = request_id else {
                    self.direct(
                        queue,
                        ServerEvent::error("bad_envelope", "audit_query: a query needs request_id"),
                    );
                    return;
                };
                let query = AuditQuery {
                    limit: query.limit.min(1000),
                    ..query
                };
                match self.store.audit_page(&query) {
                    Ok(entries) => self.direct(
                        queue,
                        ServerEvent::AuditPage(AuditPage {
                            request_id,
                            entries,
                        }),
                    ),
                    Err(e) => self.direct(queue, ServerEvent::error("unavailable", e.to_string())),
                }
            }
            ClientMessage::Timeline(TimelineQuery { incident_id }) => {
                let Some(request_id) = request_id else {
                    self.direct(
                        queue,
                        ServerEvent::error("bad_envelope", "timeline: a query needs request_id"),
                    );
                    return;
                };
                let query = AuditQuery {
                    incident_id: Some(incident_id.clone()),
                    ..AuditQuery::newest(MAX_TIMELINE_ROWS)
                };
                match self.store.audit_page(&query) {
                    Ok(rows) => self.direct(
                        queue,
                        ServerEvent::Timeline(TimelinePage {
                            request_id,
                            incident_id,
                            entries: from_audit(&rows),
                        }),
                    ),
                    Err(e) => self.direct(queue, ServerEvent::error("unavailable", e.to_string())),
                }
            }
            ClientMessage::History(query) => {
                let Some(request_id) = request_id else {
                    self.direct(
                        queue,
                        ServerEvent::error("bad_envelope", "history: a query needs request_id"),
                    );
                    return;
                };
                match &self.history {
                    Some(desk) => desk.ask(queue, &self.clock, request_id, query, redacted),
                    None => self.direct(
                        queue,
                        ServerEvent::error("unavailable", "this server keeps no history"),
                    ),
                }
            }
            ClientMessage::WallShow(show) => self.wall_show(queue, actor, request_id, show, now),
            other => {
                // Commands were taken out before; nothing else remains.
                self.direct(
                    queue,
                    ServerEvent::error(
                        "bad_order",
                        format!("{} is not handled here", other.kind()),
                    ),
                );
            }
        }
    }

    /// A commander's view for the walls: checked, audited, sent to every wall session; the
    /// sender is told on how many walls it is shown, or that none is connected.
    fn wall_show(
        &mut self,
        queue: &Arc<ClientQueue>,
        actor: &Actor,
        request_id: Option<RequestId>,
        show: WallShow,
        now: i64,
    ) {
        let answer = |ok: bool, message: String| {
            request_id.clone().map(|request_id| {
                ServerEvent::CommandResult(CommandResult {
                    request_id,
                    ok,
                    message,
                    refusal: None,
                })
            })
        };
        if let Some(v) = &show.view
            && !WALL_VIEWS.contains(&v.as_str())
        {
            let why = format!(
                "invalid view: \"{}\" is not one of {}",
                v.chars().take(32).collect::<String>(),
                WALL_VIEWS.join(", ")
            );
            match answer(false, why.clone()) {
                Some(a) => self.direct(queue, a),
                None => self.direct(queue, ServerEvent::error("bad_body", why)),
            }
            return;
        }
        let walls: Vec<Arc<ClientQueue>> = self
            .clients
            .values()
            .filter(|c| c.principal.role == Role::Wall)
            .map(|c| c.queue.clone())
            .collect();
        for q in &walls {
            self.direct(q, ServerEvent::WallShow(show.clone()));
        }
        let shown = show.view.clone().unwrap_or_else(|| "rotation".to_owned());
        let _ = self.commit(Work {
            audit: vec![AuditEntry {
                id: 0,
                ts_ms: now,
                client: actor.shown.clone(),
                action: "wall_show".to_owned(),
                incident_id: None,
                unit_id: None,
                ok: Some(!walls.is_empty()),
                detail: format!("{shown} on {} walls", walls.len()),
            }],
            ..Work::default()
        });
        let reply = if walls.is_empty() {
            answer(false, "no wall display is connected".to_owned())
        } else {
            answer(true, format!("{shown} shown on {} walls", walls.len()))
        };
        if let Some(a) = reply {
            self.direct(queue, a);
        }
    }
}
