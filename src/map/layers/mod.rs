//! The map's layers, drawn bottom to top in [`stack`] order: rings and gaps, beats, cameras,
//! posts and stations, the dispatch route, live units and incidents.

pub mod beats;
pub mod cameras;
pub mod live;
pub mod posts;
pub mod rings;
pub mod route;

use super::layer::MapLayer;

/// The console's layers, bottom first.
pub fn stack() -> Vec<Box<dyn MapLayer>> {
    vec![
        Box::new(rings::RingsLayer),
        Box::new(beats::BeatsLayer::default()),
        Box::new(cameras::CamerasLayer::default()),
        Box::new(posts::PostsLayer),
        Box::new(route::RouteLayer),
        Box::new(live::LiveLayer),
    ]
}
