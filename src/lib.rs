//! OneMap (一张图): the desktop command console.
//!
//! Rooms, bottom up (arrows point one way; see `docs/ARCHITECTURE.md`):
//! [`model`] (selection, commands, settings) → [`state`] (the console's data and `apply`) →
//! [`frame`] (a read-only view of the state for one frame, and the command sink) →
//! [`panels`] and [`map`] (one file per panel and per layer) → [`layouts`] (where they go) →
//! [`app`] (the shell: runs the frame, owns the IO: [`live`], [`workers`], [`basemap`]).
//! Files are read at the edges ([`city`], [`ops`]) and written by [`export`].

pub mod app;
pub mod basemap;
pub mod briefing;
pub mod city;
pub(crate) mod export;
pub(crate) mod frame;
pub mod layouts;
pub mod live;
pub mod map;
pub mod model;
pub mod ops;
pub mod panels;
pub mod prepared;
pub mod state;
pub mod ui;
pub mod wall;
pub mod workers;
