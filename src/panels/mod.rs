//! The console's panels, one file each. Every panel draws from a [`crate::frame::Frame`]
//! (read-only state, the frame's time, the theme) and sends commands; none changes anything.

pub(crate) mod audit;
pub(crate) mod coverage;
pub(crate) mod dispatch;
pub(crate) mod feed_band;
pub(crate) mod inspector;
pub(crate) mod intake;
pub mod notices;
pub mod patrol;
pub(crate) mod planning;
pub(crate) mod queue;
pub(crate) mod replay;
pub(crate) mod side;
pub(crate) mod stats;
pub(crate) mod status_bar;
pub(crate) mod top_bar;
pub(crate) mod units;
