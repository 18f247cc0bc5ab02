//! `bisum compare`: several models over the same sources, chunk plan and settings, one
//! after another in one process; each model's outputs in its own folder, and a report that
//! puts them side by side (`view`: compare.md, compare.html, compare.json).

pub mod view;

use crate::chunking::{self, TokenCount};
use crate::error::Result;
use crate::inputs::Source;
use crate::model::engine::{CandleModel, LoadOptions};
use crate::model::registry::{Registry, Resolved};
use crate::model::{DeviceChoice, Generate, Runtime};
use crate::pipeline::{Observer, Pipeline, Silent};
use crate::prompt::Prompts;
use crate::report::outdir::OutputDir;
use crate::report::records::Status;
use crate::report::Report;
use crate::run::{ReadSources, RunConfig};
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;
use view::{Metrics, ModelEntry};

/// What `compare` runs: the shared run settings (with `out` the comparison's folder), the
/// models, and how to run them.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    pub run: RunConfig,
    /// Manifest names or .gguf paths, as given.
    pub models: Vec<String>,
    pub runtime: Runtime,
    /// Context to plan chunks for, capped by each model's own.
    pub ctx: usize,
}

/// How a comparison went.
#[derive(Debug, Clone, Copy)]
pub struct CompareOutcome {
    pub models: usize,
    /// Models that ran to the end.
    pub completed: usize,
    /// Sources that could not be read, and sources or steps that failed inside a model's run.
    pub failures: usize,
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
    say: &(dyn Fn(&str) + Sync),
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
                max_context: cfg.ctx,
                runtime: Runtime {
                    device: DeviceChoice::Cpu,
                    ..cfg.runtime
                },
            },
        )
        .and_then(|mut m| {
            let mut silent = Silent;
            let pipe = Pipeline::new(&mut m, prompts, cfg.run.settings.clone(), None, &mut silent);
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
                entry.fail(&e);
            }
        }
    }
    let counter = MaxCounter(planners.iter().collect());
    let mut plans = BTreeMap::new();
    if planners.is_empty() {
        return Ok(plans);
    }
    for s in sources {
        let chunks = chunking::chunk(
            &s.text,
            &counter,
            budgets[&s.sha256],
            cfg.run.settings.overlap_tokens,
        )?;
        plans.insert(
            s.sha256.clone(),
            chunks.iter().map(|c| (c.start, c.end)).collect(),
        );
    }
    Ok(plans)
}

/// Runs the comparison and writes its files.
pub fn run(
    cfg: &CompareConfig,
    dir: &OutputDir,
    registry: &Registry,
    read: ReadSources,
    observer: &mut dyn Observer,
    say: &(dyn Fn(&str) + Sync),
) -> Result<CompareOutcome> {
    let out = dir.path();
    let prompts = Prompts::load(cfg.run.prompts_dir.as_deref())?;
    let planned = ["compare.md", "compare.html", "compare.json"];
    dir.claim(
        &planned.iter().map(|f| f.to_string()).collect(),
        cfg.run.force,
    )?;
    let (mut entries, resolved) = resolve_all(cfg, registry, say);
    let plans = shared_plans(cfg, &read.sources, &prompts, &resolved, &mut entries, say)?;
    let mut reports: Vec<Option<Report>> = vec![None; entries.len()];
    // Sources or steps that failed inside a model's run (not at reading).
    let mut failed_inside = 0;
    for (i, r) in resolved.iter().enumerate() {
        let Some(r) = r else { continue };
        if entries[i].status != Status::Ok {
            continue;
        }
        let mut model_cfg = cfg.run.clone();
        model_cfg.out = out.join(&entries[i].dir);
        model_cfg.chunk_plans = plans.clone();
        say(&format!(
            "model {}/{}: {} -> {}",
            i + 1,
            entries.len(),
            r.name,
            model_cfg.out.display()
        ));
        match run_one(cfg, &model_cfg, r, &read, observer, say) {
            Ok((metrics, outcome)) => {
                failed_inside += outcome.failed_sources + outcome.failed_steps;
                entries[i].sha256 = Some(outcome.report.provenance.model.sha256.clone());
                entries[i].metrics = Some(metrics);
                reports[i] = Some(outcome.report);
            }
            Err(e) => {
                say(&format!("bisum: model {}: {e}", entries[i].spec));
                entries[i].fail(&e);
            }
        }
    }
    let comparison = view::build(cfg, &read, &plans, entries, &reports);
    view::write(out, &prompts, &comparison)?;
    Ok(CompareOutcome {
        models: comparison.models.len(),
        completed: comparison
            .models
            .iter()
            .filter(|m| m.status == Status::Ok)
            .count(),
        failures: read.failed.len() + failed_inside,
    })
}

/// One model's whole run, with its figures: load, summarize, peak memory.
fn run_one(
    cfg: &CompareConfig,
    model_cfg: &RunConfig,
    r: &Resolved,
    read: &ReadSources,
    observer: &mut dyn Observer,
    say: &(dyn Fn(&str) + Sync),
) -> Result<(Metrics, crate::run::RunOutcome)> {
    // The previous model is dropped; hand its pages back before the peak restarts from
    // the current size, or they would count against this one.
    crate::memory::trim();
    let reset = crate::memory::reset_peak_rss();
    let t0 = Instant::now();
    let dir = OutputDir::open(&model_cfg.out)?;
    let mut model = r.load(cfg.ctx, cfg.runtime)?;
    let load = t0.elapsed().as_secs_f64();
    let outcome = crate::run::summarize(
        model_cfg,
        &dir,
        read.clone(),
        &mut [&mut model],
        observer,
        say,
    )?;
    let peak = if reset {
        crate::memory::peak_rss_bytes()
    } else {
        None
    };
    let metrics = Metrics::from_report(
        &outcome.report,
        &read.sources,
        t0.elapsed().as_secs_f64(),
        load,
        peak,
    );
    Ok((metrics, outcome))
}

/// Every model resolved first (a typo in the third name should not wait for two runs),
/// each with its entry and its own output folder.
fn resolve_all(
    cfg: &CompareConfig,
    registry: &Registry,
    say: &(dyn Fn(&str) + Sync),
) -> (Vec<ModelEntry>, Vec<Option<Resolved>>) {
    let attempts: Vec<Result<Resolved>> = cfg.models.iter().map(|m| registry.resolve(m)).collect();
    let names: Vec<String> = cfg
        .models
        .iter()
        .zip(&attempts)
        .map(|(spec, r)| name_of(spec, r.as_ref().ok()))
        .collect();
    let mut entries = Vec::new();
    let mut resolved = Vec::new();
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
            status: Status::Ok,
            error: None,
            sha256: None,
            metrics: None,
        };
        match attempt {
            Ok(r) => resolved.push(Some(r)),
            Err(e) => {
                say(&format!("bisum: model {spec}: {e}"));
                entry.fail(&e);
                resolved.push(None);
            }
        }
        entries.push(entry);
    }
    (entries, resolved)
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
}
