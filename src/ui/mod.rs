//! Look and language: the theme (every colour) and the string table.

pub mod i18n;
pub mod theme;
