//! Language models: the `Generate` seam the pipeline talks to, and its candle implementation.

pub mod engine;
pub mod gguf;
pub mod kernels;
pub mod registry;
pub mod template;
pub mod tiny;
pub mod tokenizer;
pub mod transformer;
pub mod weights;

use crate::error::Result;
use serde::{Deserialize, Serialize};

/// One chat message, rendered by the model's chat template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: "system".into(),
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: "user".into(),
            content: content.into(),
        }
    }
}

/// Decoding settings. Greedy (temperature 0) is the default so runs are reproducible.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GenParams {
    pub max_new_tokens: usize,
    pub temperature: f64,
    pub top_p: Option<f64>,
    pub seed: u64,
    /// 1.0 disables it. Applied over the last `repeat_last_n` generated tokens only.
    pub repeat_penalty: f32,
    pub repeat_last_n: usize,
    /// Stop when the output falls into a loop (the same tokens over and over), keeping one
    /// copy of the repeated part.
    pub stop_on_loop: bool,
    /// Keep going through end-of-turn tokens (benchmarks only).
    pub ignore_eos: bool,
}

impl Default for GenParams {
    fn default() -> Self {
        Self {
            max_new_tokens: 256,
            temperature: 0.0,
            top_p: None,
            seed: 299_792_458,
            repeat_penalty: 1.0,
            repeat_last_n: 64,
            stop_on_loop: true,
            ignore_eos: false,
        }
    }
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// An end-of-sequence or end-of-turn token.
    Eos,
    /// `max_new_tokens` reached.
    Length,
    /// A degenerate loop was detected and cut.
    Repetition,
}

/// The result of one model call, with the counts and timings that go into report.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prompt_seconds: f64,
    pub generation_seconds: f64,
    pub stop: StopReason,
}

/// What is known about the loaded model, for provenance.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub path: String,
    pub sha256: String,
    pub file_size: u64,
    pub architecture: String,
    pub quantization: String,
    /// Context the pipeline plans for: the model's, capped by its implementation and by
    /// `--ctx`.
    pub context_length: usize,
    /// `gguf` or the fallback template file used.
    pub chat_template: String,
    pub chat_template_sha256: String,
    pub device: String,
    pub engine: weights::Engine,
}

/// A model the pipeline can call. The candle engine is the product; tests also use a
/// scripted double so pipeline logic is checked without weights.
pub trait Generate {
    fn info(&self) -> &ModelInfo;
    /// Tokens in plain text, with the model's tokenizer (no special tokens added).
    fn count_tokens(&self, text: &str) -> Result<usize>;
    /// Tokens in the fully rendered chat prompt, generation prompt included.
    fn prompt_tokens(&self, messages: &[Message]) -> Result<usize>;
    /// Runs one chat turn. `progress` is called with the number of tokens generated so far.
    fn generate(
        &mut self,
        messages: &[Message],
        params: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Generation>;
}
