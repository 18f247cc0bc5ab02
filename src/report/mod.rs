//! report.json: what a run read, wrote, checked and called, with the provenance of it all.

pub mod files;
pub mod outdir;
pub mod records;

use crate::checks::citations::CitationPrecision;
use crate::checks::ground::Grounding;
use crate::error::Result;
use crate::lang::Lang;
use crate::model::ModelInfo;
use crate::prompt::PromptFile;
use crate::settings::Settings;
use files::write_atomic;
use records::{CallRecord, OutputCheck, Sentence, Status};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct SourceEntry {
    pub id: String,
    pub path: String,
    pub stem: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<crate::inputs::formats::Format>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chars: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Lang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunks: Option<Vec<[usize; 3]>>,
    /// Passages of the source addressed to a language model: never followed (sources are
    /// data in every prompt), reported so a reader knows the source tried.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub injection: Vec<String>,
    /// The language found in the source (ISO 639-1), which may be neither French nor
    /// English; `language` is the one its first summary is written in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_language: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryEntry {
    pub source: String,
    pub lang: Lang,
    pub file: String,
    pub text: String,
    pub check: OutputCheck,
    pub grounding: Grounding,
}

#[derive(Debug, Clone, Serialize)]
pub struct SynthesisEntry {
    pub lang: Lang,
    pub file: String,
    pub text: String,
    pub citations: Vec<String>,
    pub unknown_citations: Vec<String>,
    pub uncited_sources: Vec<String>,
    pub check: OutputCheck,
    pub grounding: Grounding,
    /// Share of citations whose source holds the figures, dates and names they vouch for.
    pub citation_precision: CitationPrecision,
    /// Each sentence with its sources and the source sentences (byte ranges) behind it.
    pub sentences: Vec<Sentence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PromptUse {
    pub sha256: String,
    pub origin: String,
}

impl From<PromptFile> for PromptUse {
    fn from(p: PromptFile) -> Self {
        Self {
            sha256: p.sha256,
            origin: p.origin,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub bisum_version: &'static str,
    pub git_commit: &'static str,
    pub model: ModelInfo,
    pub prompts: BTreeMap<String, PromptUse>,
    pub seed: u64,
    pub settings: Settings,
    pub threads: usize,
    pub device: String,
    pub started_at_unix: u64,
    pub wall_seconds: f64,
    pub cached_calls: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub calls: usize,
    pub prompt_tokens: usize,
    /// Prompt tokens actually run through the model by this run's calls (not cached, not
    /// reused from the call before).
    pub prompt_tokens_processed: usize,
    /// What a prompt cache of unlimited size would have processed: the prompt tokens that
    /// no earlier prompt of the run began with (absent where a call cannot tell: a
    /// serving fleet). `prompt_tokens_processed` can only come near it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_prompt_tokens: Option<usize>,
    pub generated_tokens: usize,
    /// Generated tokens that came as kept guesses of speculative decoding, and the
    /// guesses made: their ratio is the acceptance rate.
    pub accepted_draft_tokens: usize,
    pub drafted_tokens: usize,
    /// Seconds spent generating (after the prompts), for decoding speed.
    pub generation_seconds: f64,
    pub model_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The run reached its end (false while it runs, or if it was interrupted).
    pub finished: bool,
    /// Finished, and every source and step succeeded.
    pub complete: bool,
    /// Every failure, one line each: sources that could not be read or summarized, and
    /// steps after them (a synthesis that could not be written).
    pub errors: Vec<String>,
    /// Files an earlier run wrote in the folder that this run does not rewrite (its
    /// sources changed): they are left in place, and listed here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_outputs: Vec<String>,
    /// Why this run wrote no synthesis (a single source), when it wrote none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_synthesis: Option<String>,
    pub sources: Vec<SourceEntry>,
    pub summaries: Vec<SummaryEntry>,
    pub syntheses: Vec<SynthesisEntry>,
    pub calls: Vec<CallRecord>,
    pub totals: Totals,
    pub provenance: Provenance,
}

impl Report {
    pub fn totals(calls: &[CallRecord]) -> Totals {
        let fresh = || calls.iter().filter(|c| !c.cached);
        Totals {
            calls: calls.len(),
            prompt_tokens: calls.iter().map(|c| c.prompt_tokens).sum(),
            prompt_tokens_processed: calls
                .iter()
                .filter(|c| !c.cached)
                .map(|c| c.prompt_tokens - c.reused_prompt_tokens.min(c.prompt_tokens))
                .sum(),
            unique_prompt_tokens: fresh().map(|c| c.new_prompt_tokens).sum(),
            generated_tokens: calls.iter().map(|c| c.generated_tokens).sum(),
            accepted_draft_tokens: fresh().map(|c| c.accepted_draft_tokens).sum(),
            drafted_tokens: fresh().map(|c| c.drafted_tokens).sum(),
            generation_seconds: fresh().map(|c| c.generation_seconds).sum(),
            model_seconds: calls.iter().filter(|c| !c.cached).map(|c| c.seconds).sum(),
        }
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).expect("report serializes");
        json.push(b'\n');
        write_atomic(&dir.join("report.json"), &json)
    }
}

/// The git commit the binary was built from, when the build saw one (see build.rs).
pub const GIT_COMMIT: &str = env!("BISUM_GIT_COMMIT");
