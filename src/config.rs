//! Resolved settings for a run: flags checked and turned into what the library uses.

use crate::cli::{CompareArgs, RunArgs, SummarizeArgs};
use crate::error::{Error, Result};
use crate::model::GenParams;
use crate::pipeline::Settings;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SummarizeConfig {
    pub sources: Vec<PathBuf>,
    /// Largest source file accepted, in bytes.
    pub max_file_bytes: u64,
    pub out: PathBuf,
    pub model: String,
    pub threads: Option<usize>,
    pub ctx: usize,
    pub prompts_dir: Option<PathBuf>,
    pub settings: Settings,
    pub force_cpu: bool,
    pub engine: crate::model::weights::Engine,
    pub use_cache: bool,
    pub quiet: bool,
    /// Chunk plans to use instead of the model's own, by source sha256 (set by `compare`).
    pub chunk_plans: BTreeMap<String, Vec<(usize, usize)>>,
}

/// `compare`: the shared settings (with `out` the comparison's folder) and the models.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    pub base: SummarizeConfig,
    pub models: Vec<String>,
}

impl CompareConfig {
    pub fn from_args(a: CompareArgs) -> Result<Self> {
        if a.models.is_empty() {
            return Err(Error::Generation(
                "invalid option: give --model at least once".into(),
            ));
        }
        Ok(Self {
            base: SummarizeConfig::build(a.sources, a.out, String::new(), a.run)?,
            models: a.models,
        })
    }
}

impl SummarizeConfig {
    pub fn from_args(a: SummarizeArgs) -> Result<Self> {
        Self::build(a.sources, a.out, a.model, a.run)
    }

    fn build(sources: Vec<PathBuf>, out: PathBuf, model: String, a: RunArgs) -> Result<Self> {
        let invalid = |what: &str| Error::Generation(format!("invalid option: {what}"));
        if a.temperature < 0.0 || !a.temperature.is_finite() {
            return Err(invalid("--temperature must be >= 0"));
        }
        if let Some(p) = a.top_p {
            if !(0.0..=1.0).contains(&p) || p == 0.0 {
                return Err(invalid("--top-p must be in (0, 1]"));
            }
        }
        if a.repeat_penalty <= 0.0 {
            return Err(invalid("--repeat-penalty must be > 0"));
        }
        if a.threads == Some(0) {
            return Err(invalid("--threads must be >= 1"));
        }
        if a.ctx < 512 {
            return Err(invalid("--ctx must be >= 512"));
        }
        let params = GenParams {
            seed: a.seed,
            temperature: a.temperature,
            top_p: a.top_p,
            repeat_penalty: a.repeat_penalty,
            ..GenParams::default()
        };
        Ok(Self {
            sources,
            max_file_bytes: a.max_file_mb.saturating_mul(1_000_000),
            out,
            model,
            threads: a.threads,
            ctx: a.ctx,
            prompts_dir: a.prompts,
            settings: Settings {
                params,
                summary_words: a.summary_words.max(10),
                ..Settings::default()
            },
            force_cpu: a.cpu,
            engine: a.engine,
            use_cache: !a.no_cache,
            quiet: a.quiet,
            chunk_plans: BTreeMap::new(),
        })
    }
}
