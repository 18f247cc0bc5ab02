//! Writing results: Markdown files for people, report.json for programs, always atomically
//! (a reader or an interrupted run never sees half a file).

use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::ModelInfo;
use crate::pipeline::{CallRecord, OutputCheck, Settings};
use crate::prompt::PromptFile;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let werr = |e: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".bisum-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(werr)?;
    tmp.write_all(bytes).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceEntry {
    pub id: String,
    pub path: String,
    pub stem: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<crate::input::Format>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryEntry {
    pub source: String,
    pub lang: Lang,
    pub file: String,
    pub text: String,
    pub check: OutputCheck,
    pub grounding: crate::ground::Grounding,
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
    pub grounding: crate::ground::Grounding,
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
    pub generated_tokens: usize,
    pub model_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub complete: bool,
    /// Failures outside any one source (a synthesis that could not be written).
    pub errors: Vec<String>,
    pub sources: Vec<SourceEntry>,
    pub summaries: Vec<SummaryEntry>,
    pub syntheses: Vec<SynthesisEntry>,
    pub calls: Vec<CallRecord>,
    pub totals: Totals,
    pub provenance: Provenance,
}

impl Report {
    pub fn totals(calls: &[CallRecord]) -> Totals {
        Totals {
            calls: calls.len(),
            prompt_tokens: calls.iter().map(|c| c.prompt_tokens).sum(),
            generated_tokens: calls.iter().map(|c| c.generated_tokens).sum(),
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
