//! The one trait every map layer implements, and what a layer gets for a frame.
//!
//! A layer borrows the state for one frame through its [`LayerCtx`], draws, and answers "what
//! is under the pointer" and "how do I describe it". It may keep caches of derived geometry
//! (clusters per zoom, tessellated outlines) but never state: anything it wants changed goes
//! back as a command (the map view turns hits into `Select` commands).

use egui::{Painter, Pos2};
use walkers::Projector;

use crate::frame::Frame;
use crate::model::Selection;

pub struct LayerCtx<'a> {
    pub frame: &'a Frame<'a>,
    pub projector: &'a Projector<'a>,
    pub painter: &'a Painter,
}

/// What the layers drew this frame (for tests and the benchmark).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawn {
    pub beats: usize,
    /// Beats shaded by coverage.
    pub shaded_beats: usize,
    /// Station districts in view (drawn instead of beats at low zoom).
    pub districts: usize,
    pub wedges: usize,
    pub clusters: usize,
    pub posts: usize,
    pub stations: usize,
    pub units: usize,
    pub incidents: usize,
}

pub trait MapLayer {
    fn draw(&mut self, ctx: &LayerCtx<'_>, drawn: &mut Drawn);

    /// The feature this layer has under `pointer`, if any.
    fn hit_test(&self, _ctx: &LayerCtx<'_>, _pointer: Pos2) -> Option<Selection> {
        None
    }

    /// A one-line description of `selection` for the hover tooltip, if it is this layer's.
    fn describe(&self, _ctx: &LayerCtx<'_>, _selection: &Selection) -> Option<String> {
        None
    }
}
