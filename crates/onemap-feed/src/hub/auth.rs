//! Who is let in, and what is turned away: authenticating a hello against the identities,
//! counting failed sign-ins per address, auditing every denial, and ending the sessions of
//! identities that were revoked.

use std::net::SocketAddr;
use std::sync::Arc;

use onemap_core::feed::wire::{Hello, Welcome};
use onemap_core::feed::{AuditEntry, Command, Principal, ServerEvent};

use super::{Actor, Admitted, Credentials, Failures, Hub, MAX_TRACKED_ADDRESSES, Work};
use crate::client::BLOCKED;
use crate::identity::token_hash;
use crate::queue::ClientQueue;

impl Hub {
    /// Authenticate a hello and subscribe the connection; `None` (and one `unauthorized`
    /// error, the queue closed) if its credentials are missing, wrong or revoked.
    pub(super) fn admit(
        &mut self,
        queue: &Arc<ClientQueue>,
        hello: &Hello,
        credentials: &Credentials,
        peer: SocketAddr,
    ) -> Option<Admitted> {
        let now = self.clock.now_ms();
        if let Some(f) = self.failures.get(&peer.ip())
            && f.blocked_until_ms > now
        {
            // Audited once, when the block began.
            let wait = (f.blocked_until_ms - now + 999) / 1000;
            self.unauthorized(
                queue,
                format!("{BLOCKED} from {}; try again in {wait} s", peer.ip()),
            );
            return None;
        }
        let mut resolved = self.resolve(hello, credentials);
        if resolved.is_err() && matches!(self.identities.refresh(), Ok(true)) {
            // An identity created a moment ago: look again (the poll handles the rest).
            self.identities_changed = true;
            resolved = self.resolve(hello, credentials);
        }
        let principal = match resolved {
            Ok(p) => Arc::new(p),
            Err(reason) => {
                self.refuse(queue, peer, &reason);
                return None;
            }
        };
        let welcome = ServerEvent::Welcome(Welcome {
            name: principal.name.clone(),
            role: principal.role,
            units: principal.units.clone(),
            allowed: principal.allowed_kinds(),
        });
        self.direct(queue, welcome);
        let signed_with = (
            principal.clone(),
            presented_token(hello, credentials).map(token_hash),
        );
        let client = self.subscribe(queue, signed_with, peer, hello.last_seq);
        Some(Admitted { client, principal })
    }

    /// Who the credentials name. A verified client certificate names its identity; a token
    /// (from the header, or else from hello) names the identity that holds it. Both given,
    /// they must agree.
    fn resolve(&self, hello: &Hello, credentials: &Credentials) -> Result<Principal, String> {
        let token = presented_token(hello, credentials);
        let by_token = match token {
            Some(t) => Some(
                self.identities
                    .verify(t)
                    .ok_or("the token is not valid (wrong, or revoked)")?,
            ),
            None => None,
        };
        let by_cert = match &credentials.certificate {
            Some(name) => Some(self.identities.by_name(name).ok_or_else(|| {
                format!("the client certificate names \"{name}\", which is no live identity")
            })?),
            None => None,
        };
        match (by_cert, by_token) {
            (Some(c), Some(t)) if c.name != t.name => Err(format!(
                "the client certificate ({}) and the token ({}) name different identities",
                c.name, t.name
            )),
            (Some(p), _) | (None, Some(p)) => Ok(p.clone()),
            (None, None) => Err(
                "no credentials: send Authorization: Bearer TOKEN, a token in hello, or a \
                 client certificate"
                    .into(),
            ),
        }
    }

    /// Forget addresses neither blocked nor within the failure window.
    pub(super) fn forget_failures(&mut self, now: i64) {
        let window = self.config.auth_window_ms;
        self.failures
            .retain(|_, f| f.blocked_until_ms > now || now - f.since_ms < window);
    }

    /// Turn a connection away: audited, counted against its address, one error, closed.
    pub(super) fn refuse(&mut self, queue: &Arc<ClientQueue>, peer: SocketAddr, reason: &str) {
        let now = self.clock.now_ms();
        let actor = Actor {
            name: String::new(),
            shown: format!("(not signed in) ({peer})"),
        };
        self.audit_denial(&actor, "sign_in", None, reason.to_owned());
        if self.failures.len() >= MAX_TRACKED_ADDRESSES {
            self.forget_failures(now);
            if self.failures.len() >= MAX_TRACKED_ADDRESSES {
                self.failures.clear();
            }
        }
        let f = self.failures.entry(peer.ip()).or_insert(Failures {
            count: 0,
            since_ms: now,
            blocked_until_ms: 0,
        });
        if now - f.since_ms > self.config.auth_window_ms {
            *f = Failures {
                count: 0,
                since_ms: now,
                blocked_until_ms: 0,
            };
        }
        f.count += 1;
        let blocked = f.count >= self.config.auth_failures;
        if blocked {
            f.blocked_until_ms = now + self.config.auth_block_ms;
            f.count = 0;
            f.since_ms = now;
            let detail = format!(
                "{} failed sign-ins from {} within {} s: blocked for {} s",
                self.config.auth_failures,
                peer.ip(),
                self.config.auth_window_ms / 1000,
                self.config.auth_block_ms / 1000
            );
            self.audit_denial(&actor, "sign_in_blocked", None, detail);
        }
        self.unauthorized(queue, reason.to_owned());
    }

    fn unauthorized(&mut self, queue: &Arc<ClientQueue>, reason: String) {
        self.direct(queue, ServerEvent::error("unauthorized", reason));
        queue.close();
    }

    /// One audit row for something turned away.
    pub(super) fn audit_denial(
        &mut self,
        actor: &Actor,
        action: &str,
        command: Option<&Command>,
        detail: String,
    ) {
        let (incident_id, unit_id) = command.map_or((None, None), |c| {
            let (i, u) = c.subject();
            (i.cloned(), u.cloned())
        });
        let entry = AuditEntry {
            id: 0,
            ts_ms: self.clock.now_ms(),
            client: actor.shown.clone(),
            action: action.to_owned(),
            incident_id,
            unit_id,
            ok: Some(false),
            detail: match command {
                Some(c) => format!("{detail}; body {}", c.body_json()),
                None => detail,
            },
        };
        let _ = self.commit(Work {
            audit: vec![entry],
            ..Work::default()
        });
    }

    /// Re-read the identities if the table changed: audit what changed, and close the
    /// sessions of identities that are no longer live.
    pub(super) fn poll_identities(&mut self) {
        match self.identities.refresh() {
            Ok(false) if !self.identities_changed => return,
            Ok(_) => self.identities_changed = false,
            Err(e) => {
                eprintln!("onemap-feed: cannot read the identities: {e}");
                return;
            }
        }
        let now_names = self.identities.names();
        let mut audit = Vec::new();
        let ts_ms = self.clock.now_ms();
        let row = |action: &str, detail: String| AuditEntry {
            id: 0,
            ts_ms,
            client: "token tool".into(),
            action: action.to_owned(),
            incident_id: None,
            unit_id: None,
            ok: None,
            detail,
        };
        let mut added: Vec<&String> = now_names.difference(&self.known_identities).collect();
        added.sort();
        for name in added {
            let role = self.identities.by_name(name).map_or("?", |p| p.role.name());
            audit.push(row("identity_live", format!("{name} ({role})")));
        }
        let mut gone: Vec<&String> = self.known_identities.difference(&now_names).collect();
        gone.sort();
        for name in gone {
            audit.push(row("identity_revoked", name.clone()));
        }
        let ended: Vec<u64> = self
            .clients
            .iter()
            .filter(|(_, s)| match &s.token_hash {
                Some(hash) => !self.identities.holds(hash, &s.principal),
                None => {
                    self.identities.by_name(&s.principal.name).map(|p| p.role)
                        != Some(s.principal.role)
                }
            })
            .map(|(&id, _)| id)
            .collect();
        for id in ended {
            if let Some(sub) = self.clients.remove(&id) {
                let why = format!(
                    "identity {} was revoked (or its token replaced)",
                    sub.principal.name
                );
                audit.push(AuditEntry {
                    client: format!("{} ({})", sub.principal.name, sub.peer),
                    ..row("session_ended", why.clone())
                });
                self.unauthorized(&sub.queue, why);
            }
        }
        self.known_identities = now_names;
        let _ = self.commit(Work {
            audit,
            ..Work::default()
        });
    }
}

/// The token a connection presented: the upgrade's bearer, else the one in `hello`.
fn presented_token<'a>(hello: &'a Hello, credentials: &'a Credentials) -> Option<&'a str> {
    credentials.bearer.as_deref().or(hello.token.as_deref())
}
