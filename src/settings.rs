//! The pipeline's lengths and decoding settings: one value, passed down, recorded in provenance.

use crate::checks::lexicon::Lexicons;
use crate::model::GenParams;
use serde::Serialize;
use std::sync::Arc;

/// Lengths and decoding settings of the pipeline's calls.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Seed, temperature, penalties; `max_new_tokens` is set per call kind below.
    pub params: GenParams,
    pub notes_tokens: usize,
    pub summary_tokens: usize,
    pub synthesis_tokens: usize,
    pub overlap_tokens: usize,
    pub summary_words: usize,
    /// Most bullets of one chunk's notes, and most note sentences a long source's summary
    /// is written from: eight fit the notes' token limit and a 120-word summary.
    pub max_items: usize,
    /// Translations drawn at random for each sentence of a summary, besides the greedy one,
    /// for code to choose among (0: the greedy one alone). Off by default: three of them
    /// tripled the model time of `examples/` for one more faithful sentence in eleven.
    pub candidates: usize,
    /// The output languages' word lists the checks tell made-up words by (recorded by
    /// sha256); `None`: not installed, no such check.
    #[serde(serialize_with = "word_lists")]
    pub words: Option<Arc<Lexicons>>,
}

fn word_lists<S: serde::Serializer>(
    w: &Option<Arc<Lexicons>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    w.as_deref().serialize(s)
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            params: GenParams::default(),
            notes_tokens: 400,
            summary_tokens: 400,
            synthesis_tokens: 700,
            overlap_tokens: 64,
            summary_words: 120,
            max_items: 8,
            candidates: 0,
            words: None,
        }
    }
}
