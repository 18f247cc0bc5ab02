//! `bisum compare`: several models over the same sources, chunk plan and settings, one
//! after another in one process; each model's outputs in its own folder, and a report that
//! puts them side by side (compare.md, compare.html, compare.json).

use crate::app::{load_model, set_threads, EXIT_FATAL, EXIT_OK, EXIT_SOURCES_FAILED};
use crate::chunk::{self, TokenCount};
use crate::config::CompareConfig;
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::engine::{CandleModel, LoadOptions};
use crate::model::registry::{default_home, Registry, Resolved};
use crate::model::Generate;
use crate::output::{write_atomic, Report};
use crate::pipeline::{Pipeline, Silent};
use crate::progress::Progress;
use crate::prompt::Prompts;
use crate::run::ReadSources;
use crate::source::Source;
use minijinja::context;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

/// One model of the comparison and how its run went.
#[derive(Debug, Clone, Serialize)]
pub struct ModelEntry {
    /// As given on the command line.
    pub spec: String,
    pub name: String,
    /// Its output folder, under the comparison's.
    pub dir: String,
    pub status: &'static str,
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
    pub failed_sources: Vec<crate::output::SourceEntry>,
    pub sections: Vec<Section>,
    pub settings: crate::pipeline::Settings,
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

/// The largest count among several tokenizers: a chunk that fits it fits every model.
struct MaxCounter<'a>(Vec<&'a CandleModel>);
impl TokenCount for MaxCounter<'_> {
    fn count(&self, text: &str) -> Result<usize> {
        let mut max = 0;
        for m in &self.0 {
            max = max.max(m.count_tokens(text)?);
        }
        Ok(max)
    }
}

/// Folder names: the model's name with anything but `[A-Za-z0-9._-]` replaced, unique.
fn slugs(names: &[String]) -> Vec<String> {
    let mut used = HashSet::new();
    names
        .iter()
        .map(|n| {
            let base: String = n
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let base = if base.is_empty() || base.starts_with('.') {
                format!("model{base}")
            } else {
                base
            };
            let mut s = base.clone();
            let mut k = 2;
            while !used.insert(s.clone()) {
                s = format!("{base}-{k}");
                k += 1;
            }
            s
        })
        .collect()
}

fn name_of(spec: &str, resolved: Option<&Resolved>) -> String {
    match resolved {
        Some(r) => r.name.clone(),
        None => std::path::Path::new(spec)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| spec.to_string()),
    }
}

/// Plans chunks once for all models: the budget is the smallest any model leaves, and
/// tokens are counted with whichever tokenizer counts most, so every chunk fits every
/// model. A model that cannot even be opened for planning is marked failed.
fn shared_plans(
    cfg: &CompareConfig,
    sources: &[Source],
    prompts: &Prompts,
    resolved: &[Option<Resolved>],
    entries: &mut [ModelEntry],
    say: &dyn Fn(&str),
) -> Result<BTreeMap<String, Vec<(usize, usize)>>> {
    let mut planners: Vec<CandleModel> = Vec::new();
    let mut budgets: BTreeMap<String, usize> = BTreeMap::new();
    for (entry, r) in entries.iter_mut().zip(resolved) {
        let Some(r) = r else { continue };
        let opened = CandleModel::load_tokenizer_only(
            &r.path,
            LoadOptions {
                name: &r.name,
                sha256: None,
                max_context: cfg.base.ctx,
                device: candle_core::Device::Cpu,
                engine: cfg.base.engine,
                kernels: Default::default(),
            },
        )
        .and_then(|mut m| {
            let mut silent = Silent;
            let pipe = Pipeline::new(
                &mut m,
                prompts,
                cfg.base.settings.clone(),
                None,
                &mut silent,
            );
            let mut own = Vec::new();
            for s in sources {
                own.push((
                    s.sha256.clone(),
                    pipe.budget(s, crate::lang::guess(&s.text))?,
                ));
            }
            drop(pipe);
            Ok((m, own))
        });
        match opened {
            Ok((m, own)) => {
                for (sha, b) in own {
                    let e = budgets.entry(sha).or_insert(b);
                    *e = (*e).min(b);
                }
                planners.push(m);
            }
            Err(e) => {
                say(&format!("bisum: model {}: {e}", entry.spec));
                entry.status = "error";
                entry.error = Some(e.to_string());
            }
        }
    }
    let counter = MaxCounter(planners.iter().collect());
    let mut plans = BTreeMap::new();
    if planners.is_empty() {
        return Ok(plans);
    }
    for s in sources {
        let chunks = chunk::chunk(
            &s.text,
            &counter,
            budgets[&s.sha256],
            cfg.base.settings.overlap_tokens,
        )?;
        plans.insert(
            s.sha256.clone(),
            chunks.iter().map(|c| (c.start, c.end)).collect(),
        );
    }
    Ok(plans)
}

/// Runs the comparison and writes its files; the exit code says how it went.
pub fn run(cfg: &CompareConfig) -> Result<u8> {
    set_threads(cfg.base.threads);
    let mut progress = Progress::new(cfg.base.quiet);
    let quiet = cfg.base.quiet;
    let say = move |l: &str| {
        if !quiet || l.starts_with("bisum:") {
            eprintln!("{l}");
        }
    };
    let out = &cfg.base.out;
    std::fs::create_dir_all(out).map_err(|e| Error::Write {
        path: out.clone(),
        source: e,
    })?;
    let read = crate::run::read_sources(&cfg.base.sources, cfg.base.max_file_bytes);
    if read.sources.is_empty() {
        for f in &read.failed {
            eprintln!("bisum: {}", f.error.as_deref().unwrap_or(""));
        }
        return Err(Error::Generation("no readable source".into()));
    }
    let registry = Registry::open(default_home())?;
    let prompts = Prompts::load(cfg.base.prompts_dir.as_deref())?;

    // Resolve every model first: a typo in the third name should not wait for two runs.
    let attempts: Vec<Result<Resolved>> = cfg.models.iter().map(|m| registry.resolve(m)).collect();
    let names: Vec<String> = cfg
        .models
        .iter()
        .zip(&attempts)
        .map(|(spec, r)| name_of(spec, r.as_ref().ok()))
        .collect();
    let mut entries: Vec<ModelEntry> = Vec::new();
    let mut resolved: Vec<Option<Resolved>> = Vec::new();
    for ((spec, dir), (name, attempt)) in cfg
        .models
        .iter()
        .zip(slugs(&names))
        .zip(names.iter().zip(attempts))
    {
        let mut entry = ModelEntry {
            spec: spec.clone(),
            name: name.clone(),
            dir,
            status: "ok",
            error: None,
            sha256: None,
            metrics: None,
        };
        match attempt {
            Ok(r) => resolved.push(Some(r)),
            Err(e) => {
                say(&format!("bisum: model {spec}: {e}"));
                entry.status = "error";
                entry.error = Some(e.to_string());
                resolved.push(None);
            }
        }
        entries.push(entry);
    }

    let plans = shared_plans(cfg, &read.sources, &prompts, &resolved, &mut entries, &say)?;
    let mut reports: Vec<Option<Report>> = vec![None; entries.len()];
    // Sources or steps that failed inside a model's run (not at reading).
    let mut failed_inside = 0;
    for (i, r) in resolved.iter().enumerate() {
        let Some(r) = r else { continue };
        if entries[i].status != "ok" {
            continue;
        }
        let mut model_cfg = cfg.base.clone();
        model_cfg.out = out.join(&entries[i].dir);
        model_cfg.model = entries[i].spec.clone();
        model_cfg.chunk_plans = plans.clone();
        say(&format!(
            "model {}/{}: {} -> {}",
            i + 1,
            entries.len(),
            r.name,
            model_cfg.out.display()
        ));
        // The previous model is dropped; hand its pages back before the peak restarts from
        // the current size, or they would count against this one.
        crate::memory::trim();
        let reset = crate::memory::reset_peak_rss();
        let t0 = Instant::now();
        let done = load_model(r, model_cfg.ctx, model_cfg.force_cpu, model_cfg.engine).and_then(
            |mut model| {
                let load = t0.elapsed().as_secs_f64();
                let outcome = crate::run::summarize(
                    &model_cfg,
                    read.clone(),
                    &mut model,
                    &mut progress,
                    &say,
                )?;
                Ok((load, outcome))
            },
        );
        let peak = if reset {
            crate::memory::peak_rss_bytes()
        } else {
            None
        };
        match done {
            Ok((load, outcome)) => {
                failed_inside += outcome.failed_sources + outcome.failed_steps;
                let m = Metrics::from_report(
                    &outcome.report,
                    &read.sources,
                    t0.elapsed().as_secs_f64(),
                    load,
                    peak,
                );
                entries[i].sha256 = Some(outcome.report.provenance.model.sha256.clone());
                entries[i].metrics = Some(m);
                reports[i] = Some(outcome.report);
            }
            Err(e) => {
                say(&format!("bisum: model {}: {e}", entries[i].spec));
                entries[i].status = "error";
                entries[i].error = Some(e.to_string());
            }
        }
    }

    let comparison = build(cfg, &read, &plans, entries, &reports);
    write(out, &prompts, &comparison)?;
    let ok = comparison
        .models
        .iter()
        .filter(|m| m.status == "ok")
        .count();
    progress.say(&format!(
        "wrote {} ({} of {} models completed)",
        out.join("compare.html").display(),
        ok,
        comparison.models.len()
    ));
    Ok(if ok == 0 {
        EXIT_FATAL
    } else if ok < comparison.models.len() || !read.failed.is_empty() || failed_inside > 0 {
        EXIT_SOURCES_FAILED
    } else {
        EXIT_OK
    })
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
    let cell = |m: &ModelEntry,
                found: Option<(
        &str,
        &crate::pipeline::OutputCheck,
        &crate::ground::Grounding,
    )>| {
        let (text, notes) = match found {
            Some((t, check, grounding)) => {
                let mut notes = Vec::new();
                if !check.language.ok {
                    notes.push(format!(
                        "language: {}",
                        check
                            .language
                            .detected
                            .map(|l| l.code())
                            .unwrap_or("undetermined")
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
    type Found<'r> = (
        &'r str,
        &'r crate::pipeline::OutputCheck,
        &'r crate::ground::Grounding,
    );
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
                title: format!("[{}] {}", s.id, crate::source::label(&s.path).display()),
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
                path: crate::source::label(&s.path).display().to_string(),
                sha256: s.sha256.clone(),
                chunks: plans.get(&s.sha256).cloned().unwrap_or_default(),
            })
            .collect(),
        failed_sources: read.failed.clone(),
        sections,
        settings: cfg.base.settings.clone(),
        bisum_version: env!("CARGO_PKG_VERSION"),
        git_commit: crate::output::GIT_COMMIT,
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
    fn slugs_are_safe_and_unique() {
        let got = slugs(&[
            "qwen2.5".into(),
            "a b/c".into(),
            "qwen2.5".into(),
            "".into(),
        ]);
        assert_eq!(got, ["qwen2.5", "a-b-c", "qwen2.5-2", "model"]);
    }

    #[test]
    fn md_cells_stay_on_one_line() {
        assert_eq!(md_cell("a | b\n\nc\nd\n"), "a \\| b<br><br>c<br>d");
    }
}
