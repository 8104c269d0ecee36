//! Operational layers: the model ([`model`]), GeoJSON reading, validation and writing
//! ([`io`]), and deterministic demo layers generated from a real city ([`demo`]).

pub mod demo;
pub mod districts;
pub mod io;
pub mod model;

pub use io::{Parsed, Problem};
pub use model::*;
