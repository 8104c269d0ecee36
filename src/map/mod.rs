//! The map: the basemap through walkers, the layer stack on top ([`layers`], each behind the
//! [`layer::MapLayer`] trait), the overlays, and what the pointer does (select, add a
//! feature, drag a post or a camera's heading). [`MapView`] holds the view (centre, zoom) and
//! the pointer's state between frames; everything else it reads from the frame and answers
//! with commands.

pub(crate) mod cluster;
pub(crate) mod draw;
pub mod layer;
pub(crate) mod layers;
pub(crate) mod legend;
pub(crate) mod overlays;

use egui::{Pos2, Ui};
use onemap_core::coord::{BBox, LonLat, mercator};
use walkers::{Map, MapMemory, Tiles, lon_lat};

use crate::frame::Frame;
use crate::model::{Command, Selection, Tool};
use crate::state::patrol::PatrolEdit;
use layer::{Drawn, LayerCtx, MapLayer};
use layers::cameras::WEDGE_ZOOM;
use overlays::MapFrame;

/// Where the selected marker and its heading handle were last frame, so a press on them can
/// start a drag that moves the feature instead of the map.
#[derive(Clone, Debug, Default, PartialEq)]
struct Handles {
    marker: Option<Pos2>,
    heading: Option<Pos2>,
    /// The edited patrol route's waypoints, and its legs as drawn, in screen points.
    waypoints: Vec<Pos2>,
    legs: Vec<Vec<(Pos2, LonLat)>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DragKind {
    Move,
    Heading,
    /// A patrol waypoint; `inserted` when the drag began on a leg (the insert and the moves
    /// are one edit).
    Waypoint {
        index: usize,
        inserted: bool,
    },
}

/// How near a waypoint or a leg a press must be to take it, points.
const GRAB_PX: f32 = 10.0;

pub struct MapView {
    memory: MapMemory,
    layers: Vec<Box<dyn MapLayer>>,
    handles: Handles,
    drag: Option<DragKind>,
    /// Size of the map widget last frame, for "fit city".
    size: egui::Vec2,
    fit_pending: bool,
    bounds: BBox,
    /// What the map drew last frame (for the status bar and tests).
    pub last_frame: MapFrame,
    pub last_drawn: Drawn,
}

impl MapView {
    /// A view of the city (`bounds`), on `initial` (centre, zoom) or fitted to the window.
    pub fn new(bounds: BBox, initial: Option<(LonLat, f64)>) -> Self {
        let mut memory = MapMemory::default();
        let (centre, zoom) = initial.unwrap_or_else(|| {
            (
                bounds.center(),
                mercator::zoom_to_fit(&bounds, 1100.0, 750.0),
            )
        });
        memory.center_at(lon_lat(centre.lon, centre.lat));
        let _ = memory.set_zoom(zoom);
        Self {
            memory,
            layers: layers::stack(),
            handles: Handles::default(),
            drag: None,
            size: egui::Vec2::ZERO,
            fit_pending: initial.is_none(),
            bounds,
            last_frame: MapFrame::default(),
            last_drawn: Drawn::default(),
        }
    }

    pub fn zoom(&self) -> f64 {
        self.memory.zoom()
    }

    /// The map centre.
    pub fn centre(&self) -> LonLat {
        let c = self.memory.detached().unwrap_or_else(|| {
            let c = self.bounds.center();
            lon_lat(c.lon, c.lat)
        });
        LonLat::new(c.x(), c.y())
    }

    /// Whether the first fit to the window is still to come.
    pub fn fit_pending(&self) -> bool {
        self.fit_pending
    }

    /// Where the selected feature's marker and (for a camera at street zoom) its heading
    /// handle were drawn last frame, in screen points.
    pub fn handle_positions(&self) -> (Option<Pos2>, Option<Pos2>) {
        (self.handles.marker, self.handles.heading)
    }

    /// Before a frame: fit the city once the widget's size is known.
    pub fn before_frame(&mut self) {
        if self.fit_pending && self.size.x > 0.0 {
            self.fit_pending = false;
            self.fit_city();
        }
    }

    fn fit_city(&mut self) {
        let (w, h) = (f64::from(self.size.x), f64::from(self.size.y));
        let zoom = mercator::zoom_to_fit(&self.bounds, w.max(200.0), h.max(200.0));
        let c = self.bounds.center();
        self.memory.center_at(lon_lat(c.lon, c.lat));
        let _ = self.memory.set_zoom(zoom);
    }

    /// Keep every point in view with a margin: centre on them, and zoom out (never in past
    /// street level) until they fit.
    pub fn fit_points(&mut self, points: &[LonLat]) {
        let Some(&first) = points.first() else {
            return;
        };
        let bbox = BBox::from_points(points.iter().copied()).padded(0.25);
        let (w, h) = (f64::from(self.size.x), f64::from(self.size.y));
        let fit = mercator::zoom_to_fit(&bbox, w.max(200.0), h.max(200.0));
        let c = if points.len() == 1 {
            first
        } else {
            bbox.center()
        };
        self.memory.center_at(lon_lat(c.lon, c.lat));
        let _ = self.memory.set_zoom(fit.min(16.0));
    }

    /// Centre on `p`, zooming in to `at_least` if further out.
    pub fn fly_to(&mut self, p: LonLat, at_least: f64) {
        self.memory.center_at(lon_lat(p.lon, p.lat));
        if self.memory.zoom() < at_least {
            let _ = self.memory.set_zoom(at_least);
        }
    }

    /// Apply a view command (zoom, home, fly to); other commands are not the view's.
    pub fn apply(&mut self, command: &Command) {
        match command {
            Command::ZoomIn => {
                let _ = self.memory.zoom_in();
            }
            Command::ZoomOut => {
                let _ = self.memory.zoom_out();
            }
            Command::Home => self.fit_city(),
            Command::FlyTo(p) => self.fly_to(*p, 16.0),
            Command::FitPoints(points) => self.fit_points(points),
            _ => {}
        }
    }

    /// Draw the map for one frame; the commands the pointer gave.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        f: &Frame<'_>,
        tiles: Option<&mut dyn Tiles>,
    ) -> Vec<Command> {
        self.size = ui.available_size();
        let state = f.state;
        let centre = self.bounds.center();
        let my_position = lon_lat(centre.lon, centre.lat);
        let mut commands = Vec::new();
        commands.extend(self.start_drag(ui, state));
        let dragging_feature = self.drag.is_some();
        let drag_started = ui.input(|i| i.pointer.primary_pressed());
        let pan_buttons = if dragging_feature {
            egui::DragPanButtons::empty()
        } else {
            egui::DragPanButtons::PRIMARY
        };
        let mut frame = MapFrame::default();
        let mut drawn = Drawn::default();
        let mut handles = Handles::default();
        let (layers, drag) = (&mut self.layers, self.drag);
        Map::new(tiles, &mut self.memory, my_position)
            .zoom_with_ctrl(false)
            .double_click_to_zoom(true)
            .drag_pan_buttons(pan_buttons)
            .show(ui, |ui, response, projector, _memory| {
                let painter = ui.painter().with_clip_rect(response.rect);
                let ctx = LayerCtx {
                    frame: f,
                    projector,
                    painter: &painter,
                };
                for layer in layers.iter_mut() {
                    layer.draw(&ctx, &mut drawn);
                }
                intake_marker(&ctx);
                // The wall shows its scale and attribution in its own type, and has no buttons.
                if f.state.wall.is_none() {
                    overlays::overlays_ui(ui, response, projector, f.lang(), f.theme, &mut frame);
                    overlays::controls_ui(ui, f.lang(), &mut commands);
                }
                frame.view = Some(draw::view_bbox(projector, response.rect));
                handles = selected_handles(&ctx);
                let pointer = response
                    .hover_pos()
                    .or_else(|| response.interact_pointer_pos());
                if let (Some(kind), Some(p)) = (drag, pointer) {
                    if response.dragged() || response.is_pointer_button_down_on() {
                        commands.extend(drag_command(&ctx, kind, p, !drag_started));
                    }
                } else if f.state.wall.is_some() {
                    // The wall: nothing to click, and no small hover text.
                } else if response.secondary_clicked()
                    && f.state.tool == Some(Tool::Patrol)
                    && let Some(p) = response.interact_pointer_pos()
                    && let Some(k) = nearest_within(&handles.waypoints, p)
                {
                    commands.push(Command::Patrol(PatrolEdit::Delete(k)));
                } else if response.clicked()
                    && let Some(p) = response.interact_pointer_pos()
                {
                    commands.push(click_command(&ctx, layers, p, &handles));
                } else if let Some(p) = response.hover_pos()
                    && let Some(text) = hover_text(&ctx, layers, p)
                {
                    response.clone().on_hover_text_at_pointer(text);
                }
            });
        self.handles = handles;
        self.last_frame = frame;
        self.last_drawn = drawn;
        commands
    }

    /// A press on the selected marker or its heading handle drags the feature, not the map;
    /// drawing a patrol, a press on a waypoint drags it and one on a leg drags a new
    /// waypoint out of it (the command that inserts it is returned).
    fn start_drag(&mut self, ui: &Ui, state: &crate::state::AppState) -> Vec<Command> {
        let (pressed, press_origin) =
            ui.input(|i| (i.pointer.primary_down(), i.pointer.press_origin()));
        if !pressed {
            self.drag = None;
            return Vec::new();
        }
        let Some(origin) = press_origin else {
            return Vec::new();
        };
        if self.drag.is_some() || !state.edit_mode {
            return Vec::new();
        }
        if state.tool == Some(Tool::Patrol) {
            if let Some(index) = nearest_within(&self.handles.waypoints, origin) {
                self.drag = Some(DragKind::Waypoint {
                    index,
                    inserted: false,
                });
                return vec![
                    Command::Patrol(PatrolEdit::SelectWaypoint(Some(index))),
                    Command::Patrol(PatrolEdit::Mark),
                ];
            }
            // The leg and the place on it nearest the press.
            let found = self.handles.legs.iter().enumerate().find_map(|(k, line)| {
                line.windows(2).find_map(|w| {
                    let (a, b) = (w[0].0, w[1].0);
                    let ab = b - a;
                    let t = ((origin - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
                    (origin.distance(a + t * ab) <= GRAB_PX).then(|| {
                        let (ga, gb) = (w[0].1, w[1].1);
                        let t = f64::from(t);
                        let at = LonLat::new(
                            ga.lon + t * (gb.lon - ga.lon),
                            ga.lat + t * (gb.lat - ga.lat),
                        );
                        (k, at)
                    })
                })
            });
            let Some((leg, at)) = found else {
                return Vec::new();
            };
            self.drag = Some(DragKind::Waypoint {
                index: leg + 1,
                inserted: true,
            });
            return vec![Command::Patrol(PatrolEdit::Insert { index: leg + 1, at })];
        }
        let near = |p: Option<Pos2>| p.is_some_and(|p| p.distance(origin) <= 12.0);
        if near(self.handles.heading) {
            self.drag = Some(DragKind::Heading);
        } else if near(self.handles.marker) {
            self.drag = Some(DragKind::Move);
        }
        Vec::new()
    }
}

/// The index of the point of `points` nearest `p`, within [`GRAB_PX`].
fn nearest_within(points: &[Pos2], p: Pos2) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .map(|(k, q)| (k, q.distance(p)))
        .filter(|(_, d)| *d <= GRAB_PX)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

/// Where the selected camera or post and its heading handle are, and the edited patrol
/// route's waypoints and legs, for next frame's press test.
fn selected_handles(ctx: &LayerCtx<'_>) -> Handles {
    let state = ctx.frame.state;
    let mut handles = Handles::default();
    if state.tool == Some(Tool::Patrol)
        && let Some(route) = state.patrol.route()
    {
        handles.waypoints = route
            .waypoints
            .iter()
            .map(|w| draw::screen(ctx.projector, w.at))
            .collect();
        if let Some((snapped, _)) = state.patrol.laid_any() {
            handles.legs = snapped
                .legs
                .iter()
                .map(|l| {
                    l.line
                        .iter()
                        .map(|p| (draw::screen(ctx.projector, *p), *p))
                        .collect()
                })
                .collect();
        }
    }
    if let Some(c) = state.selected_camera() {
        handles.marker = Some(draw::screen(ctx.projector, c.pos));
        if ctx.projector.zoom() >= WEDGE_ZOOM {
            handles.heading = Some(draw::heading_handle(ctx.projector, c));
        }
    } else if let Some(p) = state.selected_post() {
        handles.marker = Some(draw::screen(ctx.projector, p.pos));
    }
    handles
}

fn drag_command(ctx: &LayerCtx<'_>, kind: DragKind, p: Pos2, continues: bool) -> Option<Command> {
    match kind {
        // The drag began with a mark (or an insert): every step continues that edit.
        DragKind::Waypoint { index, .. } => Some(Command::Patrol(PatrolEdit::Move {
            index,
            to: draw::geo(ctx.projector, p),
            continues: true,
        })),
        DragKind::Move => Some(Command::MoveSelected {
            to: draw::geo(ctx.projector, p),
            continues,
        }),
        DragKind::Heading => {
            let c = ctx.frame.state.selected_camera()?;
            let from = draw::screen(ctx.projector, c.pos);
            let heading = f64::from((p.x - from.x).atan2(from.y - p.y).to_degrees());
            Some(Command::SetSelectedHeading {
                heading_deg: heading,
                continues,
            })
        }
    }
}

/// Where the call being taken is: a ring and a cross over everything, so the call-taker sees
/// the place the address or the click gave before creating the incident.
fn intake_marker(ctx: &LayerCtx<'_>) {
    let Some(place) = ctx
        .frame
        .state
        .intake
        .as_ref()
        .and_then(|f| f.place.as_ref())
    else {
        return;
    };
    let p = draw::screen(ctx.projector, place.pos);
    let colour = ctx.frame.theme.selection;
    let stroke = egui::Stroke::new(3.0, colour);
    ctx.painter.circle_stroke(p, 14.0, stroke);
    ctx.painter.line_segment(
        [p - egui::vec2(22.0, 0.0), p + egui::vec2(22.0, 0.0)],
        stroke,
    );
    ctx.painter.line_segment(
        [p - egui::vec2(0.0, 22.0), p + egui::vec2(0.0, 22.0)],
        stroke,
    );
}

/// The feature under `p`, top layer first.
fn hit(ctx: &LayerCtx<'_>, layers: &[Box<dyn MapLayer>], p: Pos2) -> Option<Selection> {
    layers.iter().rev().find_map(|l| l.hit_test(ctx, p))
}

fn click_command(
    ctx: &LayerCtx<'_>,
    layers: &[Box<dyn MapLayer>],
    p: Pos2,
    handles: &Handles,
) -> Command {
    let state = ctx.frame.state;
    let at = draw::geo(ctx.projector, p);
    if state.intake.as_ref().is_some_and(|f| f.picking) {
        return Command::IntakeAt(at);
    }
    match (state.edit_mode, state.tool) {
        (true, Some(Tool::AddCamera)) => Command::AddCamera(at),
        (true, Some(Tool::AddPost)) => Command::AddPost(at),
        (true, Some(Tool::Patrol)) => match nearest_within(&handles.waypoints, p) {
            Some(k) => Command::Patrol(PatrolEdit::SelectWaypoint(Some(k))),
            None => Command::Patrol(PatrolEdit::Add(at)),
        },
        _ => {
            // A planner clicks places: rings from the point, not the beat around it (the
            // point's inspector names its beat).
            let planning = state.plan.settings.enabled;
            let hit =
                hit(ctx, layers, p).filter(|h| !(planning && matches!(h, Selection::Beat(_))));
            Command::Select(Some(hit.unwrap_or(Selection::Point(at))))
        }
    }
}

fn hover_text(ctx: &LayerCtx<'_>, layers: &[Box<dyn MapLayer>], p: Pos2) -> Option<String> {
    let selection = hit(ctx, layers, p)?;
    layers
        .iter()
        .find_map(|l| l.describe(ctx, &selection))
        .filter(|t| !t.is_empty())
}
