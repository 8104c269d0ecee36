//! The shell's side of the history: the one command path's replay guard, the history
//! queries the screen needs, their answers, the replay clock, the live track, and the
//! statistics exports (files).

use onemap_core::feed::history::TrackPoint;
use onemap_core::feed::{ClientMessage, Command as FeedCommand};

use super::OneMapApp;
use crate::briefing::Briefing;
use crate::live::NoticeText;
use crate::model::{ReplayCommand, Selection, StatsExport};
use crate::ui::i18n::{T, tr};

/// The same incident's timeline is asked for again at most this often.
const TIMELINE_EVERY_MS: i64 = 2_000;

impl OneMapApp {
    /// The one path every command to the server takes: refused at once while replaying
    /// (the picture is the past: nothing may act on it), else sent with its deadline. Its
    /// request id, or `None` with a notice saying why not.
    pub(super) fn send_command(
        &mut self,
        command: FeedCommand,
    ) -> Option<onemap_core::feed::RequestId> {
        if self.state.replaying() {
            let text = NoticeText::Replaying {
                kind: command.kind(),
            };
            self.state.live.notify(false, text, self.now_ms);
            return None;
        }
        self.link
            .command(&mut self.state.live, command, self.now_ms)
    }

    /// Ask for the selected incident's timeline whenever the incident changes (for the roles
    /// that may read it).
    pub(super) fn ask_timeline(&mut self) {
        if self.state.replaying() || self.state.live.may("timeline").is_err() {
            return;
        }
        let Some(incident) = self.state.selected_incident().cloned() else {
            return;
        };
        let live = &self.state.live;
        let asked = live.timeline_of.as_ref();
        if asked == Some(&incident) {
            return;
        }
        // Another incident at once; the same one changed, at most every 2 s: the queries
        // share the identity's message rate with its commands.
        let same = asked.is_some_and(|a| a.id == incident.id);
        if same && self.now_ms - live.timeline_at_ms < TIMELINE_EVERY_MS {
            return;
        }
        let query = onemap_core::feed::timeline::TimelineQuery {
            incident_id: incident.id.clone(),
        };
        if let Ok(id) = self.link.query(ClientMessage::Timeline(query)) {
            self.state.live.timeline_asked = Some(id);
            self.state.live.timeline_of = Some(incident);
            self.state.live.timeline_at_ms = self.now_ms;
        }
    }

    /// Replay's controls; a moment is never later than now.
    pub(super) fn replay(&mut self, command: ReplayCommand) {
        let now = self.now_ms;
        let command = match command {
            ReplayCommand::Open(t) => ReplayCommand::Open(t.min(now)),
            ReplayCommand::Seek(t) => ReplayCommand::Seek(t.min(now)),
            other => other,
        };
        self.state.apply(crate::model::Command::Replay(command));
    }

    /// Take the history's answers, move the replay clock, extend the live track, and ask
    /// for what the screen needs now.
    pub(super) fn update_history(&mut self) {
        self.take_export();
        let now = self.now_ms;
        let mut rebuild = false;
        while let Some(answer) = self.state.live.history_inbox.pop_front() {
            rebuild |= self.state.history.take(&answer.request_id, answer.body);
        }
        if rebuild {
            let s = &mut self.state;
            let offset = s.settings.utc_offset_min;
            s.history
                .analysis
                .rebuild(&s.city.bounds, &s.ops.index, offset);
        }
        let selected = match &self.state.selection {
            Some(Selection::Unit(id)) => Some(id.clone()),
            _ => None,
        };
        let window = self.state.settings.track_ms;
        let h = &mut self.state.history;
        if let Some(r) = &mut h.replay {
            r.tick(now);
        } else if let (Some(track), Some(id)) = (&mut h.track, &selected)
            && track.fetched.is_some()
            && let Some(u) = self.state.live.feed.units.get(id)
        {
            let [lon, lat] = u.position.0;
            track.push_live(TrackPoint(u.fix_at_ms, lon, lat), now, window);
        }
        if !self.link.is_on() {
            return;
        }
        let offset = self.state.settings.utc_offset_min;
        for (what, query) in h.wanted(selected.as_ref(), now, window, offset) {
            match self.link.query(ClientMessage::History(query)) {
                Ok(id) => {
                    h.asked.insert(id, (what, now));
                }
                Err(_) => h.unasked(&what),
            }
        }
    }

    /// Write the statistics (CSV) or the one-page briefing (PNG, PDF) to the path chosen;
    /// the outcome stays in the panel (a failure in red).
    pub(super) fn export_stats(&mut self, kind: StatsExport) {
        let Some(base) = self.state.history.analysis.export_path.clone() else {
            return;
        };
        let ext = match kind {
            StatsExport::Csv => "csv",
            StatsExport::Png => "png",
            StatsExport::Pdf => "pdf",
        };
        let path = std::path::PathBuf::from(format!("{}.{ext}", base.trim()));
        let lang = self.state.settings.lang;
        let Some(briefing) = Briefing::of(&self.state) else {
            self.state.history.analysis.exported =
                Some((tr(lang, T::StatsLoading).to_owned(), true));
            return;
        };
        // Rendering the page's map takes about a second: off the UI thread.
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let repaint = self.repaint.clone();
        let spawned = std::thread::Builder::new()
            .name("stats-export".into())
            .spawn(move || {
                let written = briefing.write(kind, &path);
                let _ = tx.send((path, written));
                repaint.request_repaint();
            });
        match spawned {
            Ok(_) => self.export_job = Some(rx),
            Err(e) => {
                self.state.history.analysis.exported = Some((e.to_string(), true));
            }
        }
    }

    /// The export's outcome, once its thread is done; it stays in the panel.
    fn take_export(&mut self) {
        let Some(rx) = &self.export_job else {
            return;
        };
        let Ok((path, written)) = rx.try_recv() else {
            return;
        };
        self.export_job = None;
        let lang = self.state.settings.lang;
        let shown = path.display().to_string();
        self.state.history.analysis.exported = Some(match written {
            Ok(()) => (tr(lang, T::StatsExported).replace("{p}", &shown), false),
            Err(e) => (
                tr(lang, T::StatsExportFailed)
                    .replace("{p}", &shown)
                    .replace("{e}", &format!("{e:#}")),
                true,
            ),
        });
    }
}
