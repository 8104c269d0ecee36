//! OneMap's pure core: the city model, OSM import and geometry.
//!
//! No UI, no async runtime, no file system: every function takes plain data and returns plain
//! data, so it is testable with plain `#[test]`s and usable from the console, the feed server
//! and headless tools alike. IO belongs to the callers.

pub mod coord;
pub mod feed;
pub mod geocode;
pub mod heat;
pub mod layers;
pub mod osm;
pub mod patrol;
pub mod routing;
pub mod search;
pub mod spatial;
