//! OpenStreetMap data: the in-memory model ([`model`]) and the PBF importer ([`import`]).

pub mod import;
pub mod model;

pub use import::{ImportError, import_pbf, import_pbf_with_progress};
pub use model::*;
