//! Work off the UI thread: the routing worker ([`routing`]: rings, coverage, and the
//! [`dispatch`] recommendations), the audible alert ([`alert`]). The basemap's tile workers are in `crate::basemap::tiles`.
//! Requests go in through mailboxes, results come back on bounded channels and are applied
//! in `logic()` like feed events.

pub mod alert;
pub mod dispatch;
pub mod patrol;
pub mod patrol_plan;
pub mod routing;
