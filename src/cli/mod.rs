//! The command-line interface: flags (`args`), their resolution into the library's settings
//! (`config`), the commands (`commands`) and progress on stderr (`progress`).

pub mod args;
pub mod commands;
pub mod config;
pub mod progress;
