//! The comparison's report: figures per model and the texts side by side, as compare.json,
//! compare.md and a self-contained compare.html.

use super::CompareConfig;
use crate::checks::ground::Grounding;
use crate::error::{Error, Result};
use crate::inputs::{self, Source};
use crate::lang::Lang;
use crate::prompt::Prompts;
use crate::report::files::write_atomic;
use crate::report::records::{OutputCheck, Status};
use crate::report::{Report, SourceEntry, GIT_COMMIT};
use crate::run::ReadSources;
use crate::settings::Settings;
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;

/// One model of the comparison and how its run went.
#[derive(Debug, Clone, Serialize)]
pub struct ModelEntry {
    /// As given on the command line.
    pub spec: String,
    pub name: String,
    /// Its output folder, under the comparison's.
    pub dir: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
}

/// The figures of one model's run, side by side with the others'.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    /// Load plus run.
    pub wall_seconds: f64,
    pub load_seconds: f64,
    pub calls: usize,
    pub cached_calls: usize,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    /// Over the calls the model ran (not those served from the cache); `None` if none ran.
    pub prompt_tokens_per_second: Option<f64>,
    pub decode_tokens_per_second: Option<f64>,
    /// Peak resident memory while this model was loaded and ran (the process's peak is
    /// reset before each model); `None` where the kernel cannot reset it.
    pub peak_rss_bytes: Option<u64>,
    /// Summaries and syntheses detected in their intended language, over all of them.
    pub language_pass_rate: f64,
    pub outputs: usize,
    /// Facts (numbers, dates, amounts) found in the cited sources, over all facts checked.
    pub grounded_ratio: f64,
    pub facts: usize,
    /// Source words per summary word, averaged over summaries.
    pub compression_ratio: Option<f64>,
    pub mean_summary_words: f64,
}

impl ModelEntry {
    /// Marks this model failed, with the reason.
    pub fn fail(&mut self, e: &Error) {
        self.status = Status::Error;
        self.error = Some(e.to_string());
    }
}

impl Metrics {
    pub fn from_report(
        report: &Report,
        sources: &[Source],
        wall_seconds: f64,
        load_seconds: f64,
        peak_rss_bytes: Option<u64>,
    ) -> Self {
        let ran: Vec<_> = report.calls.iter().filter(|c| !c.cached).collect();
        let rate = |tokens: usize, secs: f64| (secs > 0.0).then(|| tokens as f64 / secs);
        let checks: Vec<_> = report
            .summaries
            .iter()
            .map(|s| (&s.check, &s.grounding))
            .chain(report.syntheses.iter().map(|s| (&s.check, &s.grounding)))
            .collect();
        let passed = checks.iter().filter(|(c, _)| c.language.ok).count();
        let facts: usize = checks.iter().map(|(_, g)| g.facts).sum();
        let supported: usize = checks.iter().map(|(_, g)| g.supported).sum();
        let words = |t: &str| t.split_whitespace().count();
        let ratios: Vec<f64> = report
            .summaries
            .iter()
            .filter_map(|s| {
                let src = sources.iter().find(|x| x.id == s.source)?;
                let w = words(&s.text);
                (w > 0).then(|| words(&src.text) as f64 / w as f64)
            })
            .collect();
        let summary_words: usize = report.summaries.iter().map(|s| words(&s.text)).sum();
        Metrics {
            wall_seconds,
            load_seconds,
            calls: report.calls.len(),
            cached_calls: report.calls.len() - ran.len(),
            prompt_tokens: report.totals.prompt_tokens,
            generated_tokens: report.totals.generated_tokens,
            prompt_tokens_per_second: rate(
                ran.iter().map(|c| c.prompt_tokens).sum(),
                ran.iter().map(|c| c.prompt_seconds).sum(),
            ),
            decode_tokens_per_second: rate(
                ran.iter().map(|c| c.generated_tokens).sum(),
                ran.iter().map(|c| c.generation_seconds).sum(),
            ),
            peak_rss_bytes,
            language_pass_rate: if checks.is_empty() {
                0.0
            } else {
                passed as f64 / checks.len() as f64
            },
            outputs: checks.len(),
            grounded_ratio: if facts == 0 {
                1.0
            } else {
                supported as f64 / facts as f64
            },
            facts,
            compression_ratio: (!ratios.is_empty())
                .then(|| ratios.iter().sum::<f64>() / ratios.len() as f64),
            mean_summary_words: if report.summaries.is_empty() {
                0.0
            } else {
                summary_words as f64 / report.summaries.len() as f64
            },
        }
    }
}

/// One cell of a side-by-side table: what one model wrote for one source and language.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub model: String,
    /// `None` where the model wrote nothing for it (it failed).
    pub text: Option<String>,
    /// The same text made safe for a Markdown table cell.
    pub md: String,
    /// Warnings from the checks, empty when there are none.
    pub notes: Vec<String>,
}

/// A row of the comparison: one source (or the synthesis) in one language.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// `S1`.. or `synthesis`.
    pub id: String,
    pub title: String,
    pub lang: Lang,
    pub cells: Vec<Cell>,
}

/// compare.json, and the context compare.md and compare.html are rendered from.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub models: Vec<ModelEntry>,
    pub sources: Vec<SharedSource>,
    pub failed_sources: Vec<SourceEntry>,
    pub sections: Vec<Section>,
    pub settings: Settings,
    pub bisum_version: &'static str,
    pub git_commit: &'static str,
}

/// A source as every model saw it, with the chunk plan they all used.
#[derive(Debug, Clone, Serialize)]
pub struct SharedSource {
    pub id: String,
    pub path: String,
    pub sha256: String,
    /// Byte ranges of the shared plan.
    pub chunks: Vec<(usize, usize)>,
}

/// Markdown table cells hold one line: pipes escaped, line breaks as `<br>`.
fn md_cell(text: &str) -> String {
    text.trim()
        .replace('|', "\\|")
        .replace("\r\n", "\n")
        .replace("\n\n", "<br><br>")
        .replace('\n', "<br>")
}

/// Gathers the side-by-side view from each model's report.
pub fn build(
    cfg: &CompareConfig,
    read: &ReadSources,
    plans: &BTreeMap<String, Vec<(usize, usize)>>,
    models: Vec<ModelEntry>,
    reports: &[Option<Report>],
) -> Comparison {
    let cell = |m: &ModelEntry, found: Option<(&str, &OutputCheck, &Grounding)>| {
        let (text, notes) = match found {
            Some((t, check, grounding)) => {
                let mut notes = Vec::new();
                if !check.language.ok {
                    notes.push(format!(
                        "language: {}",
                        check.language.detected.as_deref().unwrap_or("undetermined")
                    ));
                }
                if !grounding.unsupported.is_empty() {
                    notes.push(format!(
                        "not in sources: {}",
                        grounding.unsupported.join("; ")
                    ));
                }
                if !check.uncited.is_empty() {
                    notes.push(format!("uncited: {}", check.uncited.join(", ")));
                }
                if !check.uncited_sentences.is_empty() {
                    notes.push(format!(
                        "{} sentence(s) citing no source",
                        check.uncited_sentences.len()
                    ));
                }
                let missed: Vec<String> = check
                    .disagreements
                    .iter()
                    .filter(|d| !d.ok)
                    .map(|d| d.versions.join(" vs "))
                    .collect();
                if !missed.is_empty() {
                    notes.push(format!("disagreement not reported: {}", missed.join("; ")));
                }
                (Some(t.to_string()), notes)
            }
            None => (
                None,
                vec![m.error.clone().unwrap_or_else(|| "not written".into())],
            ),
        };
        Cell {
            model: m.name.clone(),
            md: text.as_deref().map(md_cell).unwrap_or_else(|| "—".into()),
            text,
            notes,
        }
    };
    // One cell per model: what `pick` finds in that model's report.
    type Found<'r> = (&'r str, &'r OutputCheck, &'r Grounding);
    let row = |pick: &dyn Fn(&Report) -> Option<Found<'_>>| -> Vec<Cell> {
        models
            .iter()
            .zip(reports)
            .map(|(m, r)| cell(m, r.as_ref().and_then(pick)))
            .collect()
    };
    let mut sections = Vec::new();
    for s in &read.sources {
        for lang in Lang::BOTH {
            sections.push(Section {
                id: s.id.clone(),
                title: format!("[{}] {}", s.id, inputs::label(&s.path).display()),
                lang,
                cells: row(&|r: &Report| {
                    r.summaries
                        .iter()
                        .find(|x| x.source == s.id && x.lang == lang)
                        .map(|x| (x.text.as_str(), &x.check, &x.grounding))
                }),
            });
        }
    }
    for lang in Lang::BOTH {
        sections.push(Section {
            id: "synthesis".into(),
            title: "Synthesis".into(),
            lang,
            cells: row(&|r: &Report| {
                r.syntheses
                    .iter()
                    .find(|x| x.lang == lang)
                    .map(|x| (x.text.as_str(), &x.check, &x.grounding))
            }),
        });
    }
    Comparison {
        models,
        sources: read
            .sources
            .iter()
            .map(|s| SharedSource {
                id: s.id.clone(),
                path: inputs::label(&s.path).display().to_string(),
                sha256: s.sha256.clone(),
                chunks: plans.get(&s.sha256).cloned().unwrap_or_default(),
            })
            .collect(),
        failed_sources: read.failed.clone(),
        sections,
        settings: cfg.run.settings.clone(),
        bisum_version: env!("CARGO_PKG_VERSION"),
        git_commit: GIT_COMMIT,
    }
}

/// Writes compare.json, compare.md and compare.html (self-contained: inline style, no
/// script, no external asset).
pub fn write(out: &std::path::Path, prompts: &Prompts, c: &Comparison) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(c).expect("comparison serializes");
    json.push(b'\n');
    write_atomic(&out.join("compare.json"), &json)?;
    for name in ["compare.md", "compare.html"] {
        let text = prompts.render(
            &format!("output/{name}"),
            context! { c => c, langs => BTreeMap::from([("fr", "Français"), ("en", "English")]) },
        )?;
        write_atomic(&out.join(name), format!("{text}\n").as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_cells_stay_on_one_line() {
        assert_eq!(md_cell("a | b\n\nc\nd\n"), "a \\| b<br><br>c<br>d");
    }
}
