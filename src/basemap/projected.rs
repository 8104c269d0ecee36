//! The city's features projected to zoom-0 Web Mercator world pixels: what the tile renderer
//! draws and the label placer places names along.

use std::sync::Arc;

use onemap_core::osm::{PlaceKind, RoadClass};

/// A point in zoom-0 world pixels.
pub type P = [f64; 2];

pub struct ProjRoad {
    pub class: RoadClass,
    pub is_link: bool,
    pub name: Option<Arc<str>>,
    pub points: Vec<P>,
}

pub struct ProjArea {
    pub rings: Vec<Vec<P>>,
}

pub struct ProjPlace {
    pub kind: PlaceKind,
    pub name: Arc<str>,
    pub pos: P,
}
