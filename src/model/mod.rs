//! Language models: the `Generate` seam the pipeline talks to, and its candle implementation.

pub mod endpoint;
pub mod engine;
pub mod family;
#[cfg(feature = "fleet")]
pub mod fleet;
pub mod gguf;
pub mod kernels;
pub mod registry;
pub mod speculate;
pub mod template;
pub mod tiny;
pub mod tokenizer;
pub mod transformer;
pub mod weights;

use crate::error::Result;
use serde::{Deserialize, Serialize};

/// Who speaks in a chat message; serialized as chat templates expect (`"system"`…).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One chat message, rendered by the model's chat template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The GPU of the build's `cuda` or `metal` feature, else the CPU.
    #[default]
    Auto,
    Cpu,
}

/// How a model is run: one value, chosen by the caller, passed to loading and recorded in
/// provenance. Engine and kernels change float rounding, so they are part of the call
/// cache's key (`ModelInfo::identity`); threads and device do not change outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Runtime {
    pub engine: family::Engine,
    pub kernels: kernels::Kernels,
    pub device: DeviceChoice,
    /// CPU threads. candle sizes its thread pools once per process, from the environment
    /// (the binary sets it at startup); loading checks that they agree.
    pub threads: usize,
    /// Speculative decoding: changes speed, never outputs.
    pub speculation: Speculation,
    /// Most independent calls decoded together (1: one at a time); changes speed and
    /// memory, never outputs.
    pub batch: usize,
}

/// Batched and speculative decoding as a run used them, for provenance.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Decoding {
    /// Most independent calls decoded together.
    pub batch: usize,
    pub speculation: Speculation,
}

/// Whether greedy decoding guesses tokens ahead and has the model check them in one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Speculation {
    /// Guesses from earlier in the prompt and output (`speculate::PromptLookup`).
    #[default]
    Lookup,
    /// One token per step.
    Off,
}

impl Default for Runtime {
    /// The fastest engine and kernels, on the threads candle's pools have.
    fn default() -> Self {
        Self {
            engine: family::Engine::default(),
            kernels: kernels::Kernels::default(),
            device: DeviceChoice::default(),
            threads: candle_core::utils::get_num_threads(),
            speculation: Speculation::default(),
            batch: engine::MAX_BATCH,
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
    /// Words the answer must not write (a retry's untranslated words): bisum's engine
    /// gives the first token of each, in its usual spellings, no chance. A serving fleet
    /// cannot be told, and ignores them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub avoid: Vec<String>,
    /// `avoid` as the engine's token ids (filled by the engine).
    #[serde(skip)]
    pub banned: Vec<u32>,
    /// The answer is one sentence: the call ends at the first line break after a line that
    /// ends one, or where a second sentence starts (`one_sentence_end`), so what a model
    /// adds after its answer ("Traduction de nouveau :", the sentence again) is never
    /// generated and never runs into the token limit. A serving fleet's answer is cut at
    /// the same place.
    #[serde(default, skip_serializing_if = "is_false")]
    pub one_sentence: bool,
}

fn is_false(b: &bool) -> bool {
    !b
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
            avoid: Vec::new(),
            banned: Vec::new(),
            one_sentence: false,
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
    /// A one-sentence answer's line ended (`GenParams::one_sentence`).
    Sentence,
}

/// Where a one-sentence answer is complete, as a byte offset: past a sentence that more
/// text follows on its line (the answer's one sentence is its first: `one_sentence` in the
/// pipeline reads no further), or at the line break after a line that ends a sentence (a
/// full stop, question or exclamation mark, or ellipsis, before any closing quotes or
/// brackets) and holds more than one word. A lead-in ("Voici la traduction :") or a lone
/// list number does not end the answer, and citations after a full stop ("… 2025. [S4]")
/// belong to its sentence.
pub fn one_sentence_end(text: &str) -> Option<usize> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let ended = line.ends_with('\n');
        let body = line.trim_end_matches('\n');
        if let Some(cut) = next_sentence(body) {
            return Some(start + cut);
        }
        let words = body.split_whitespace().nth(1).is_some();
        let tail = body
            .trim()
            .trim_end_matches(['»', '"', '”', '’', '\'', ')', ']', '*']);
        if ended && words && tail.trim_end().ends_with(['.', '!', '?', '…']) {
            return Some(start + body.len());
        }
        start += line.len();
    }
    None
}

/// In one line, the end of a sentence that another one follows, where
/// `text::sentences` (which `one_sentence` in the pipeline cuts by) ends it: past its full
/// stop, question or exclamation mark and the citations after it ("… 2025. [S4]"). A list
/// number ("1. Le conseil …") is no sentence, and a citation still being written is no
/// second one.
fn next_sentence(line: &str) -> Option<usize> {
    let pieces = crate::text::sentences(line);
    pieces.windows(2).find_map(|w| {
        let end = w[0].as_ptr() as usize - line.as_ptr() as usize + w[0].len();
        let sentence = line[..end].split_whitespace().nth(1).is_some();
        (sentence && !w[1].starts_with('[')).then_some(end)
    })
}

/// The result of one model call, with the counts and timings that go into report.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    /// Of the prompt tokens, those whose keys and values were kept from the previous call
    /// (a shared prefix) rather than processed again.
    #[serde(default)]
    pub reused_prompt_tokens: usize,
    /// Of the prompt tokens, those that no earlier prompt this model ran began with: what
    /// the call would process with an unbounded prompt cache (unknown for a serving fleet).
    #[serde(default)]
    pub new_prompt_tokens: Option<usize>,
    pub generated_tokens: usize,
    /// Tokens guessed ahead by speculative decoding, and those the model kept: how much of
    /// the output came several tokens per forward pass.
    #[serde(default)]
    pub drafted_tokens: usize,
    #[serde(default)]
    pub accepted_draft_tokens: usize,
    pub prompt_seconds: f64,
    pub generation_seconds: f64,
    pub stop: StopReason,
    /// For a call that reads a given answer instead of writing one (`Generate::score`):
    /// the mean log-probability of the answer's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// For a call that reads an answer: the answer's tokens, each with how likely the
    /// model found it where it stands, which tells the words it did not expect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read: Vec<ReadToken>,
}

/// One token of an answer read by `Generate::score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadToken {
    /// The token's text (empty for a token holding only part of a character: the
    /// character's last token carries it).
    pub text: String,
    pub logprob: f32,
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
    pub engine: family::Engine,
    /// bisum's engine only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernels: Option<kernels::Kernels>,
    pub threads: usize,
    /// How bisum's engine decodes (speed only: not part of `identity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoding: Option<Decoding>,
    /// The serving fleet the calls went to (`--backend`); the GGUF above gave only the
    /// tokenizer and chat template that plan chunks and count tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<BackendInfo>,
}

/// The servers of a `--backend` run, as they described themselves when bisum connected.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BackendInfo {
    pub endpoints: Vec<EndpointInfo>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EndpointInfo {
    pub url: String,
    /// Widest reach among the addresses the host resolved to.
    pub reach: endpoint::Reach,
    /// The model id the server reports (`/v1/models`).
    pub model_id: String,
    /// llama-server's `/props`: its build and the model file it serves, where it has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_path: Option<String>,
    /// Parallel slots the server reports, where it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<u64>,
    /// Context of one slot, where the server reports it: the pipeline plans within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<u64>,
}

impl BackendInfo {
    /// What decides the servers' outputs, as far as they tell: model ids, model files and
    /// builds (the URLs do not: the same model behind another address answers the same).
    pub fn identity(&self) -> String {
        let mut parts: Vec<String> = self
            .endpoints
            .iter()
            .map(|e| {
                format!(
                    "{}@{}@{}",
                    e.model_id,
                    e.model_path.as_deref().unwrap_or(""),
                    e.build.as_deref().unwrap_or("")
                )
            })
            .collect();
        parts.sort();
        parts.dedup();
        parts.join(",")
    }
}

impl ModelInfo {
    /// What decides a model's outputs: the file, the engine and the kernels (which sum
    /// floats in different orders). Part of every call-cache key.
    pub fn identity(&self) -> String {
        if let Some(b) = &self.backend {
            return format!("server|{}", b.identity());
        }
        let kernels = self
            .kernels
            .map(|k| format!("{:?}/{:?}", k.matmul, k.attention).to_lowercase())
            .unwrap_or_default();
        format!("{}|{:?}|{kernels}", self.sha256, self.engine).to_lowercase()
    }
}

/// A model the pipeline can call. The candle engine is the product; tests also use a
/// scripted double so pipeline logic is checked without weights. `Send`: a run with
/// several model clients (`--parallel`) hands each to its own worker thread.
pub trait Generate: Send {
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
    /// How many independent calls `generate_batch` runs together (1: one at a time).
    fn batch_size(&self) -> usize {
        1
    }
    /// Runs independent chat turns together where the model can (bisum's engine decodes
    /// them in one forward pass per step); each answer is what `generate` gives alone.
    fn generate_batch(&mut self, requests: &[(&[Message], &GenParams)]) -> Vec<Result<Generation>> {
        requests
            .iter()
            .map(|(m, p)| self.generate(m, p, &mut |_| {}))
            .collect()
    }
    /// Whether `score` can read answers (bisum's engine; a serving fleet's API cannot).
    fn can_score(&self) -> bool {
        false
    }
    /// Reads the conversation's last message, an assistant's answer, after the ones before
    /// it, and says how likely the model finds it: the mean log-probability of its tokens
    /// (`Generation::score`; no text is generated). `None` where `can_score` is false.
    fn score(&mut self, _messages: &[Message]) -> Result<Option<Generation>> {
        Ok(None)
    }
    /// Up to `n` more clients of the same model, to run independent calls at once; none
    /// where calls cannot overlap (an in-process model runs one at a time).
    fn fork(&self, _n: usize) -> Vec<Box<dyn Generate>> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::one_sentence_end;

    #[test]
    fn a_sentence_line_ends_at_its_line_break_and_a_lead_in_does_not() {
        fn at(t: &str) -> Option<&str> {
            one_sentence_end(t).map(|i| &t[..i])
        }
        assert_eq!(
            at("Le conseil a voté.\n\nEncore"),
            Some("Le conseil a voté.")
        );
        assert_eq!(
            at("« Nous restons », a-t-il dit.»\n"),
            Some("« Nous restons », a-t-il dit.»")
        );
        assert_eq!(
            at("Voici la traduction :\n\nIl a plu.\n"),
            Some("Voici la traduction :\n\nIl a plu.")
        );
        // A second sentence on the line: the first is the answer; a citation is not one.
        assert_eq!(
            at("Le conseil a voté. Le budget"),
            Some("Le conseil a voté.")
        );
        assert_eq!(at("Il a signé en 2025. [S4]"), None);
        assert_eq!(
            at("1. Le conseil a voté. Puis"),
            Some("1. Le conseil a voté.")
        );
        assert_eq!(
            at("Il a signé en 2025. [S4] Puis"),
            Some("Il a signé en 2025. [S4]")
        );
        // No line break yet, a lone list number, a heading: the answer goes on.
        assert_eq!(at("Le conseil a voté."), None);
        assert_eq!(at("1.\nLe conseil"), None);
        assert_eq!(at("## Traduction\n"), None);
    }
}
