//! The console's panels, one file each. Every panel draws from a [`crate::frame::Frame`]
//! (read-only state, the frame's time, the theme) and sends commands; none changes anything.

pub mod audit;
pub mod coverage;
pub mod dispatch;
pub mod inspector;
pub mod notices;
pub mod planning;
pub mod queue;
pub mod side;
pub mod status_bar;
pub mod top_bar;
