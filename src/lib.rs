//! bisum: bilingual (French/English) summaries and cross-source syntheses with local GGUF
//! models on candle. The library holds the pipeline; the `bisum` binary (`src/main.rs`,
//! `src/cli/`) parses flags, prints progress and maps outcomes to exit codes.
//!
//! The stages, in the order a run goes through them: `inputs` (files to normalised text),
//! `chunking` (token-exact chunk plans), `summarize` (per-source summaries) and
//! `synthesize` (the cross-source synthesis), both on the call machinery of `pipeline`;
//! `checks` (language, citations, grounding, disagreements) and `report` (report.json,
//! atomic files). `run` drives one `summarize` run and `compare` several models; `model`
//! is the `Generate` seam and bisum's candle engine behind it.

pub mod checks;
pub mod chunking;
pub mod compare;
pub mod error;
pub mod hash;
pub mod inputs;
pub mod lang;
pub mod memory;
pub mod model;
pub mod pipeline;
pub mod prompt;
pub mod report;
pub mod run;
pub mod settings;
pub mod summarize;
pub mod synthesize;
pub mod text;

pub use error::{Error, Result};
