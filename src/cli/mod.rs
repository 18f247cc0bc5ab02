//! The command-line interface: flags (`args`), their resolution into the library's settings
//! (`config`), the commands (`commands`) and progress on stderr (`progress`).

pub mod args;
pub mod commands;
pub mod config;
pub mod fleet;
pub mod progress;

/// Control characters (a newline in a file name) would let one error span lines, or forge
/// lines of its own: they are shown escaped.
pub fn one_line(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
