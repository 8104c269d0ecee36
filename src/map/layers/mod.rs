//! The map's layers, drawn bottom to top in [`stack`] order: the beats shaded by coverage,
//! rings and gaps, beats, the heat
//! map, the wall's coverage shading, cameras, posts and stations, the dispatch route, the patrol route being drawn, the selected unit's track, live
//! units and incidents, and the planner's suggested posts on top.

pub mod beat_shade;
pub mod beats;
pub mod cameras;
pub mod heat;
pub mod live;
pub mod patrol;
pub mod posts;
pub mod rings;
pub mod route;
pub mod shade;
pub mod track;

use super::layer::MapLayer;

/// The console's layers, bottom first.
pub fn stack() -> Vec<Box<dyn MapLayer>> {
    vec![
        Box::new(beat_shade::BeatShadeLayer::default()),
        Box::new(rings::RingsLayer),
        Box::new(beats::BeatsLayer::default()),
        Box::new(heat::HeatLayer::default()),
        Box::new(shade::ShadeLayer),
        Box::new(cameras::CamerasLayer::default()),
        Box::new(posts::PostsLayer::default()),
        Box::new(route::RouteLayer),
        Box::new(patrol::PatrolLayer),
        Box::new(track::TrackLayer),
        Box::new(live::LiveLayer),
        Box::new(rings::SuggestedLayer),
    ]
}
