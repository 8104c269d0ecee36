//! Layouts: which panels and map layers go where, on top of the same rooms. The console is
//! the first; the wall display (`--wall`) is the second.

pub mod console;
pub mod wall;
