//! The `bisum` binary: parse flags, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = bisum::cli::Cli::parse();
    match bisum::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("bisum: {e}");
            ExitCode::from(bisum::app::EXIT_FATAL)
        }
    }
}
