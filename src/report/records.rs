//! What report.json records of each model call and of each output's checks.

use crate::checks::disagree::DisagreementCheck;
use crate::checks::language::LanguageCheck;
use crate::lang::Lang;
use crate::model::StopReason;
use serde::Serialize;
use std::fmt;

/// What a model call was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// Notes on one chunk of a long source.
    Notes,
    /// A per-source summary, in either language.
    Summary,
    /// One common-ground sentence of the synthesis across sources.
    Synthesis,
    /// A candidate translation read back: how likely the model finds the original sentence
    /// as the translation of the candidate into the original's language.
    Check,
}

impl fmt::Display for CallKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CallKind::Notes => "notes",
            CallKind::Summary => "summary",
            CallKind::Synthesis => "synthesis",
            CallKind::Check => "check",
        })
    }
}

/// Which piece of a multi-call step a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Chunk number (from 1) of a source read in several chunks.
    Chunk(usize),
    /// Number (from 1) of the group of statements a common-ground sentence is written from.
    Group(usize),
    /// Number (from 1) of the sentence of a summary translated into the other language.
    Sentence(usize),
}

impl Part {
    /// Is this part's answer one sentence (a common-ground sentence, a sentence's
    /// translation), so that its call ends with that sentence (`GenParams::one_sentence`)?
    pub fn answers_one_sentence(&self) -> bool {
        matches!(self, Part::Group(_) | Part::Sentence(_))
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Chunk(n) => write!(f, "{n}"),
            Part::Group(n) | Part::Sentence(n) => write!(f, "{n}"),
        }
    }
}

/// One model call, as recorded in report.json.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub kind: CallKind,
    pub source: Option<String>,
    pub lang: Lang,
    pub part: Option<Part>,
    pub prompt_tokens: usize,
    /// Of the prompt tokens, those kept in the KV cache from the call before (a shared
    /// prefix) instead of being processed again.
    pub reused_prompt_tokens: usize,
    /// Of the prompt tokens, those that no earlier prompt of the run began with (bisum's
    /// engine only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_prompt_tokens: Option<usize>,
    pub generated_tokens: usize,
    /// Tokens guessed ahead by speculative decoding, and those the model kept (each kept
    /// one saved a forward pass).
    pub drafted_tokens: usize,
    pub accepted_draft_tokens: usize,
    pub prompt_seconds: f64,
    pub generation_seconds: f64,
    pub seconds: f64,
    pub prompt_tokens_per_second: f64,
    pub generation_tokens_per_second: f64,
    pub stop: StopReason,
    /// A `check` call's figure: the mean log-probability of the answer it read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Served from the call cache (an earlier, interrupted or identical run).
    pub cached: bool,
    /// 2 when this call redoes the previous one after a failed check.
    pub attempt: u8,
    pub key: String,
}

/// What the checks found on one summary or synthesis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutputCheck {
    pub language: LanguageCheck,
    /// Share of the output copied verbatim from the source (summaries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_ratio: Option<f64>,
    /// Sources a synthesis should cite and does not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncited: Vec<String>,
    /// Synthesis sentences that state something and cite no source (shortened).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncited_sentences: Vec<String>,
    /// For a synthesis: each disagreement found between the sources, and whether the text
    /// states it with the right sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<DisagreementCheck>,
    /// Sentences of a summary left out: they state a figure, date or name that its source
    /// does not hold (or one it attributes to someone as plain fact), speak of the summary
    /// itself, or leave words in another language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// For a summary translated from the other language's: the sentences of that summary
    /// whose translation was left out, as they stand there (checked in their own
    /// language), so the reader still has what the translation could not carry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untranslated: Vec<String>,
    /// Words left in another language than the output's (`language::Foreign::words`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_words: Vec<String>,
    /// Those of `foreign_words` that are everyday words of the source's language left
    /// untranslated (`language::Foreign::everyday`): not asked for again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub everyday_words: Vec<String>,
    /// Sentences added to the summary: the body sentence that gives its source's headline
    /// figure where the summary stated none (first), and for a long source a note line for
    /// each quarter of it the summary said nothing about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
}

impl OutputCheck {
    /// The check of an output whose language is all that was checked so far.
    pub fn of(language: LanguageCheck) -> OutputCheck {
        OutputCheck {
            language,
            copy_ratio: None,
            uncited: Vec::new(),
            uncited_sentences: Vec::new(),
            disagreements: Vec::new(),
            dropped: Vec::new(),
            untranslated: Vec::new(),
            foreign_words: Vec::new(),
            everyday_words: Vec::new(),
            added: Vec::new(),
        }
    }
}

/// Whether a source was read and summarized, or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Error,
}

pub use crate::checks::statements::Span;

/// The part of a synthesis a sentence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    CommonGround,
    Disagreement,
    Contribution,
}

/// How a sentence came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written by the model from its group's statements, first time.
    Written,
    /// Written by the model on its second try, after the first failed its check.
    Rewritten,
    /// A source's own statement, as its summary words it (the fallback that is never
    /// unsupported).
    Extractive,
    /// A difference found by code in the sources, written by code.
    Found,
    /// A source's own statement in the other language, quoted as its summary there words
    /// it: the source had no statement in this synthesis's language (each translation
    /// failed its checks), and a source read but never cited is worse than a quotation.
    Quoted,
}

/// One sentence of a synthesis, with the sources it cites and the source sentences behind
/// it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sentence {
    pub section: Section,
    pub text: String,
    pub sources: Vec<String>,
    pub origin: Origin,
    pub support: Vec<Span>,
}

impl Sentence {
    /// The sentence as the synthesis prints it: its text, then its citations.
    pub fn cited(&self) -> String {
        match self.origin {
            Origin::Found => self.text.clone(),
            _ => {
                let body = self.text.trim_end_matches(['.', '!', '?']);
                format!("{body} {}{}", self.citations(), &self.text[body.len()..])
            }
        }
    }

    /// Its citations as printed: "[S1][S3]".
    pub fn citations(&self) -> String {
        self.sources.iter().map(|s| format!("[{s}]")).collect()
    }
}
