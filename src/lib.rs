//! OneMap (一张图): the desktop command console.
//!
//! Data flows one way: the city is loaded at the edge ([`city`]), the basemap renders tiles off
//! the UI thread ([`basemap`]), [`app::OneMapApp::logic`] applies commands, and
//! [`app::OneMapApp::ui`] draws state and emits commands.

pub mod app;
pub mod basemap;
pub mod bench;
pub mod bench_routing;
pub mod city;
pub mod dispatcher;
pub mod feed;
pub mod map;
pub mod ops;
pub mod plan;
pub mod planner;
pub mod ui;
