//! Flags resolved into the library's settings: the second step of parsing, after clap has
//! checked each value on its own.

use super::args::{AttentionArg, EngineArg, MatMulArg, RunArgs, RuntimeArgs, SpeculateArg};
use bisum::model::family::Engine;
use bisum::model::kernels::{Attention, Kernels, MatMul};
use bisum::model::{DeviceChoice, GenParams, Runtime, Speculation};
use bisum::run::RunConfig;
use bisum::settings::Settings;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Threads as resolved: how many, and the note to print when the flag asked for more than
/// this process may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threads {
    /// `None`: candle's own default (the physical cores).
    pub count: Option<usize>,
    pub note: Option<String>,
}

/// `--threads`, capped at the CPUs this process may use: more threads than cores only
/// spin against each other (candle's speed collapses 10–20x).
pub fn threads(asked: Option<u32>) -> Threads {
    let Some(asked) = asked.map(|n| n as usize) else {
        return Threads {
            count: None,
            note: None,
        };
    };
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if asked <= cpus {
        return Threads {
            count: Some(asked),
            note: None,
        };
    }
    Threads {
        count: Some(cpus),
        note: Some(format!(
            "bisum: --threads {asked} capped at {cpus}, the CPUs this process may use"
        )),
    }
}

/// The runtime flags as the library's `Runtime`. `threads` is what candle's pools were
/// sized with at startup (see main.rs).
pub fn runtime(a: &RuntimeArgs, threads: usize) -> Runtime {
    Runtime {
        engine: match a.engine {
            EngineArg::Bisum => Engine::Bisum,
            EngineArg::Candle => Engine::Candle,
        },
        kernels: Kernels {
            matmul: match a.matmul {
                MatMulArg::Hybrid => MatMul::Hybrid,
                MatMulArg::Compact => MatMul::Compact,
                MatMulArg::Candle => MatMul::Candle,
            },
            attention: match a.attention {
                AttentionArg::Own => Attention::Own,
                AttentionArg::Candle => Attention::Candle,
            },
        },
        device: if a.cpu {
            DeviceChoice::Cpu
        } else {
            DeviceChoice::Auto
        },
        threads,
        batch: a.batch as usize,
        speculation: match a.speculate {
            SpeculateArg::Lookup => Speculation::Lookup,
            SpeculateArg::Off => Speculation::Off,
        },
    }
}

/// The run settings shared by summarize and compare.
pub fn run_config(sources: Vec<PathBuf>, out: PathBuf, a: &RunArgs) -> RunConfig {
    let params = GenParams {
        seed: a.seed,
        temperature: a.temperature,
        top_p: a.top_p,
        repeat_penalty: a.repeat_penalty,
        ..GenParams::default()
    };
    RunConfig {
        sources,
        limits: bisum::inputs::Limits {
            file_bytes: a.max_file_mb.saturating_mul(1_000_000),
            text_bytes: a.max_text_mb.saturating_mul(1_000_000),
        },
        out,
        prompts_dir: a.prompts.clone(),
        settings: Settings {
            params,
            summary_words: a.summary_words as usize,
            candidates: a.candidates as usize,
            ..Settings::default()
        },
        use_cache: !a.no_cache,
        chunk_plans: BTreeMap::new(),
        force: a.force,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_above_the_cpus_are_capped_with_a_note() {
        let t = threads(Some(9999));
        let cpus = std::thread::available_parallelism().unwrap().get();
        assert_eq!(t.count, Some(cpus));
        assert!(t.note.unwrap().contains("capped"));
        assert_eq!(threads(Some(1)).count, Some(1));
        assert_eq!(threads(None).count, None);
    }
}
