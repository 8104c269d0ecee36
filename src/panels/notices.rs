//! The outcomes of this console's commands, in the user's language: done, refused (with the
//! server's reason, by its code), never sent (and why), or unanswered by its deadline.
//! Failures stay until dismissed; successes fade after a while.

use egui::{RichText, Ui};
use onemap_core::feed::{Refusal, Role};
use onemap_feed::client::Unsent;

use super::top_bar::local_time;
use crate::frame::Frame;
use crate::live::NoticeText;
use crate::model::Command;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::labels::{command_label, incident_status_label, role_label, unit_status_label};

/// The server's reason for refusing, worded from its code.
pub fn refusal_text(lang: Lang, r: &Refusal) -> String {
    let t = |k| tr(lang, k);
    match r {
        Refusal::Expired { .. } => t(T::RefusedExpired).to_owned(),
        Refusal::MissingDeadline => t(T::RefusedNoDeadline).to_owned(),
        Refusal::UnknownIncident { incident_id } => {
            t(T::RefusedNoIncident).replace("{i}", incident_id.as_str())
        }
        Refusal::UnknownUnit { unit_id } => t(T::RefusedNoUnit).replace("{u}", unit_id.as_str()),
        Refusal::UnitNotAvailable { unit_id, status } => t(T::RefusedUnitBusy)
            .replace("{u}", unit_id.as_str())
            .replace("{s}", unit_status_label(lang, *status)),
        Refusal::IncidentClosed {
            incident_id,
            status,
        } => t(T::RefusedClosed)
            .replace("{i}", incident_id.as_str())
            .replace("{s}", incident_status_label(lang, *status)),
        Refusal::BadTransition {
            incident_id,
            from,
            to,
        } => t(T::RefusedTransition)
            .replace("{i}", incident_id.as_str())
            .replace("{a}", incident_status_label(lang, *from))
            .replace("{b}", incident_status_label(lang, *to)),
        Refusal::BadUnitTransition { unit_id, from, to } => t(T::RefusedTransition)
            .replace("{i}", unit_id.as_str())
            .replace("{a}", unit_status_label(lang, *from))
            .replace("{b}", unit_status_label(lang, *to)),
        Refusal::NotAssigned {
            incident_id,
            unit_id,
        } => t(T::RefusedNotAssigned)
            .replace("{u}", unit_id.as_str())
            .replace("{i}", incident_id.as_str()),
        Refusal::TooFrequent {
            unit_id,
            per_second,
        } => t(T::RefusedTooFrequent)
            .replace("{u}", unit_id.as_str())
            .replace("{n}", &per_second.to_string()),
        Refusal::Invalid { field, reason } => t(T::RefusedInvalid)
            .replace("{f}", field)
            .replace("{r}", reason),
        Refusal::Forbidden { role, kind, .. } => {
            let role = Role::parse(role).map_or(role.clone(), |r| role_label(lang, r).to_owned());
            t(T::RefusedForbidden)
                .replace("{r}", &role)
                .replace("{c}", command_label(lang, kind))
        }
    }
}

/// A connection failure in the user's language (the client reports it as text; the words
/// are chosen by what it says). The original goes in the hover text.
pub fn link_error_text(lang: Lang, error: &str) -> &'static str {
    let e = error.to_lowercase();
    let key = if e.contains("refused") {
        T::ErrConnRefused
    } else if e.contains("timed out") || e.contains("timeout") {
        T::ErrConnTimeout
    } else if e.contains("certificate") || e.contains("tls") {
        T::ErrConnTls
    } else if e.contains("unauthorized") || e.contains("401") || e.contains("revoked") {
        T::ErrUnauthorized
    } else if e.contains("resolve") || e.contains("dns") || e.contains("lookup") {
        T::ErrConnName
    } else if e.contains("reset")
        || e.contains("closed")
        || e.contains("eof")
        || e.contains("broken pipe")
    {
        T::ErrConnClosed
    } else {
        T::ErrConnOther
    };
    tr(lang, key)
}

/// A server error's code in the user's language.
pub fn server_error_text(lang: Lang, code: &str) -> String {
    match code {
        "malformed" | "bad_body" | "bad_envelope" | "unknown_kind" | "too_large" | "binary" => {
            tr(lang, T::ErrMalformed).to_owned()
        }
        "rate_limited" | "too_slow" => tr(lang, T::ErrRateLimited).to_owned(),
        "unauthorized" => tr(lang, T::ErrUnauthorized).to_owned(),
        "forbidden" => tr(lang, T::ErrForbidden).to_owned(),
        other => tr(lang, T::ErrOther).replace("{c}", other),
    }
}

/// A notice in the user's language.
pub fn notice_text(lang: Lang, text: &NoticeText) -> String {
    let t = |k| tr(lang, k);
    match text {
        NoticeText::Done { kind, .. } => {
            t(T::CommandDone).replace("{c}", command_label(lang, kind))
        }
        NoticeText::Refused {
            kind,
            refusal,
            message,
        } => {
            let why = refusal
                .as_ref()
                .map_or_else(|| message.clone(), |r| refusal_text(lang, r));
            t(T::CommandRefused)
                .replace("{c}", command_label(lang, kind))
                .replace("{r}", &why)
        }
        NoticeText::Unsent { kind, reason } => t(match reason {
            Unsent::NotConnected => T::UnsentNotConnected,
            Unsent::Busy => T::UnsentBusy,
            Unsent::Expired => T::UnsentExpired,
        })
        .replace("{c}", command_label(lang, kind)),
        NoticeText::NoAnswer { kind, not_after_ms } => t(T::NoAnswer)
            .replace("{c}", command_label(lang, kind))
            .replace("{t}", &local_time(*not_after_ms, "%H:%M:%S")),
        NoticeText::ServerError { code, .. } => server_error_text(lang, code),
        NoticeText::Replaying { kind } => {
            t(T::ReplayRefused).replace("{c}", command_label(lang, kind))
        }
    }
}

/// Waiting commands, then the notices to show: failures with a dismiss button.
pub fn notices_ui(ui: &mut Ui, f: &Frame<'_>) {
    let live = &f.state.live;
    let theme = f.theme;
    if !live.pending.is_empty() {
        ui.label(
            RichText::new(f.tr(T::Pending))
                .size(theme.notice_size)
                .color(theme.status_warn),
        );
    }
    let shown: Vec<_> = live.shown_notices(f.now_ms).collect();
    for n in shown.iter().rev().take(4) {
        let colour = if n.ok { theme.status_ok } else { theme.problem };
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(notice_text(f.lang(), &n.text))
                    .size(theme.notice_size)
                    .color(colour),
            );
            if !n.ok
                && ui
                    .small_button("×")
                    .on_hover_text(f.tr(T::Dismiss))
                    .clicked()
            {
                f.send(Command::DismissNotice(n.id));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_and_server_errors_are_worded_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let refused = link_error_text(lang, "IO error: Connection refused (os error 111)");
            assert_eq!(refused, tr(lang, T::ErrConnRefused));
            let tls = link_error_text(lang, "invalid peer certificate: UnknownIssuer");
            assert_eq!(tls, tr(lang, T::ErrConnTls));
            assert_eq!(link_error_text(lang, "???"), tr(lang, T::ErrConnOther));
            assert_eq!(
                server_error_text(lang, "rate_limited"),
                tr(lang, T::ErrRateLimited)
            );
            assert_eq!(
                server_error_text(lang, "too_large"),
                tr(lang, T::ErrMalformed)
            );
            assert!(server_error_text(lang, "unavailable").contains("unavailable"));
        }
        assert!(!link_error_text(Lang::Zh, "Connection refused").is_ascii());
    }
}
