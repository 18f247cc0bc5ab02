//! The `bisum` binary: parse flags, size the thread pools, run, map the outcome to an exit
//! code.

mod cli;

use clap::Parser;
use cli::commands::{EXIT_FATAL, EXIT_INPUT};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    let threads = cli::config::threads(args.threads());
    if let Some(note) = &threads.note {
        eprintln!("{note}");
    }
    size_thread_pools(threads.count);
    let registry =
        match bisum::model::registry::Registry::open(bisum::model::registry::default_home()) {
            Ok(r) => r,
            Err(e) => return fail(&e.into()),
        };
    match cli::commands::run(
        args.command,
        &registry,
        candle_core::utils::get_num_threads(),
    ) {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(&e),
    }
}

/// One line on stderr, and the exit code the error's kind calls for.
fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("bisum: {}", cli::one_line(&format!("{e:#}")));
    let input = matches!(
        e.downcast_ref::<bisum::Error>(),
        Some(bisum::Error::NoReadableSource | bisum::Error::Endpoint { .. })
    );
    ExitCode::from(if input { EXIT_INPUT } else { EXIT_FATAL })
}

/// candle sizes its CPU thread pools once per process, from the environment, when it first
/// uses them, and offers no other way to set them: so the resolved `--threads` is put
/// there once, here, before any thread exists. Its idle workers also spin longer before
/// sleeping than candle's default: a decoding step hands the pool ~5 small products per
/// layer with serial work between them, and a worker that fell asleep in a gap makes each
/// product wait for a wake-up (13–20% of SmolLM2's decode speed on 2 cores). A user's own
/// settings of these variables win.
fn size_thread_pools(threads: Option<usize>) {
    if let Some(n) = threads {
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
        std::env::set_var("CANDLE_NUM_THREADS", n.to_string());
    }
    if std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none() {
        std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", "2000000");
    }
}
