//! What every panel and map layer gets for one frame: a read-only view of the state, the
//! frame's time from the one clock, the theme and language, and a [`CommandSink`] to ask for
//! changes. Nothing drawn with a [`Frame`] can change the state; it can only send commands,
//! which the next `logic()` applies. (rerun's `CommandSender` is the model.)

use std::cell::RefCell;

use onemap_core::coord::LonLat;

use crate::basemap::tiles::TileStats;
use crate::model::Command;
use crate::state::AppState;
use crate::ui::i18n::{Lang, T, tr};
use crate::ui::theme::UiTheme;

/// Where panels put their commands during `ui()`.
#[derive(Default)]
pub struct CommandSink(RefCell<Vec<Command>>);

impl CommandSink {
    pub fn send(&self, command: Command) {
        self.0.borrow_mut().push(command);
    }

    pub fn take(&self) -> Vec<Command> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }
}

/// What the map showed last frame, for the status bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewInfo {
    pub zoom: f64,
    pub cursor: Option<LonLat>,
    /// The basemap's tile figures (pending, errors).
    pub tiles: TileStats,
    /// Whether the basemap is rendered from the OSM data (else the user's tiles).
    pub rendered_basemap: bool,
}

pub struct Frame<'a> {
    pub state: &'a AppState,
    /// Epoch milliseconds, from the app's clock, the same for the whole frame.
    pub now_ms: i64,
    /// The moment the picture shows: `now_ms` when live, the replayed moment in replay.
    pub at_ms: i64,
    pub theme: &'a UiTheme,
    pub view: &'a ViewInfo,
    sink: &'a CommandSink,
}

impl<'a> Frame<'a> {
    pub fn new(
        state: &'a AppState,
        now_ms: i64,
        theme: &'a UiTheme,
        view: &'a ViewInfo,
        sink: &'a CommandSink,
    ) -> Self {
        Self {
            state,
            now_ms,
            at_ms: state.history.shown_ms(now_ms),
            theme,
            view,
            sink,
        }
    }

    pub fn send(&self, command: Command) {
        self.sink.send(command);
    }

    pub fn lang(&self) -> Lang {
        self.state.settings.lang
    }

    pub fn tr(&self, key: T) -> &'static str {
        tr(self.lang(), key)
    }

    /// How current the picture shown is: a replayed moment is what it is (its band says
    /// so); the live picture ages with the feed.
    pub fn picture_health(&self) -> crate::live::Health {
        if self.state.replaying() {
            crate::live::Health::Live
        } else {
            self.state.live.health(self.now_ms)
        }
    }

    /// Whether a command of `kind` can be sent now; if not, why (for the disabled control's
    /// hover text): replay is read-only, the feed is down, or this console's role may not
    /// send it.
    pub fn can_command(&self, kind: &str) -> Result<(), String> {
        if self.state.replaying() {
            return Err(self.tr(T::ReplayReadOnly).to_owned());
        }
        let live = &self.state.live;
        if !live.is_on() {
            return Err(self.tr(T::FeedDisconnected).to_owned());
        }
        if !live.is_connected() {
            return Err(self.tr(T::CommandsNeedFeed).to_owned());
        }
        match live.may(kind) {
            Ok(()) => Ok(()),
            Err(role) => Err(self
                .tr(T::RoleMayNot)
                .replace(
                    "{r}",
                    role.map_or("?", |r| crate::ui::labels::role_label(self.lang(), r)),
                )
                .replace("{c}", crate::ui::labels::command_label(self.lang(), kind))),
        }
    }

    /// A button that sends a command of `kind` to the server: disabled, with the reason on
    /// hover, while the feed is not connected or the role may not send it.
    pub fn command_button(&self, ui: &mut egui::Ui, kind: &str, button: egui::Button<'_>) -> bool {
        match self.can_command(kind) {
            Ok(()) => ui.add(button).clicked(),
            Err(why) => {
                ui.add_enabled(false, button).on_disabled_hover_text(why);
                false
            }
        }
    }
}
