//! Look and language: the theme (every colour), the string table, and enum labels.

pub mod i18n;
pub mod labels;
pub mod theme;
