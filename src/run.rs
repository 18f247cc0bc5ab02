//! Running `bisum summarize`: read sources, summarize each (a bad source is reported and
//! skipped), synthesize, and write every file as soon as it is ready.

use crate::cache::CallCache;
use crate::config::SummarizeConfig;
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::Generate;
use crate::output::{Provenance, Report, SourceEntry, SummaryEntry, SynthesisEntry, GIT_COMMIT};
use crate::pipeline::{self, Observer, Pipeline, SourceResult};
use crate::prompt::Prompts;
use crate::source::{self, Source};
use minijinja::context;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What a finished run tells the caller.
#[derive(Debug)]
pub struct RunOutcome {
    pub failed_sources: usize,
    /// Steps after the sources that failed (a synthesis).
    pub failed_steps: usize,
    /// Outputs still in the wrong language after their retry.
    pub wrong_language: usize,
    pub report: Report,
}

/// Sources as read: the readable ones, and one entry per failure.
#[derive(Debug, Clone)]
pub struct ReadSources {
    pub sources: Vec<Source>,
    pub failed: Vec<SourceEntry>,
}

/// Expands and reads the sources, without the model: failures are per source.
pub fn read_sources(paths: &[std::path::PathBuf], max_bytes: u64) -> ReadSources {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for item in source::expand(paths) {
        match item.and_then(|p| source::read(&p, max_bytes).map(|t| (p, t))) {
            Ok(pair) => ok.push(pair),
            Err(e) => failed.push(failed_entry(&e)),
        }
    }
    ReadSources {
        sources: source::assign_ids(ok),
        failed,
    }
}

fn failed_entry(e: &Error) -> SourceEntry {
    let path = match e {
        Error::Source { path, .. } | Error::Io { path, .. } => path.display().to_string(),
        _ => String::new(),
    };
    SourceEntry {
        id: String::new(),
        path,
        stem: String::new(),
        status: "error",
        error: Some(e.to_string()),
        format: None,
        encoding: None,
        sha256: None,
        chars: None,
        tokens: None,
        language: None,
        chunks: None,
    }
}

/// Runs the pipeline over already-read sources with a loaded model, writing into
/// `cfg.out`. `say` receives one line per event worth telling the user.
pub fn summarize(
    cfg: &SummarizeConfig,
    read: ReadSources,
    model: &mut dyn Generate,
    observer: &mut dyn Observer,
    say: &dyn Fn(&str),
) -> Result<RunOutcome> {
    let started = Instant::now();
    let started_at_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let out = &cfg.out;
    std::fs::create_dir_all(out).map_err(|e| Error::Write {
        path: out.clone(),
        source: e,
    })?;
    let prompts = Prompts::load(cfg.prompts_dir.as_deref())?;
    let cache = cfg
        .use_cache
        .then(|| CallCache::new(out.join(".bisum-cache")));
    let info = model.info().clone();
    let ReadSources {
        sources,
        mut failed,
    } = read;
    for f in &failed {
        say(&format!("bisum: {}", f.error.as_deref().unwrap_or("")));
    }

    let mut entries: Vec<SourceEntry> = Vec::new();
    let mut summaries: Vec<SummaryEntry> = Vec::new();
    let mut done: Vec<(&Source, SourceResult)> = Vec::new();
    let mut pipe = Pipeline::new(model, &prompts, cfg.settings.clone(), cache, observer);
    pipe.set_plans(cfg.chunk_plans.clone());

    let report = |entries: &[SourceEntry],
                  failed: &[SourceEntry],
                  summaries: &[SummaryEntry],
                  syntheses: Vec<SynthesisEntry>,
                  calls: &[pipeline::CallRecord],
                  complete: bool| {
        let mut all = entries.to_vec();
        all.extend(failed.iter().cloned());
        Report {
            complete,
            errors: Vec::new(),
            sources: all,
            summaries: summaries.to_vec(),
            syntheses,
            calls: calls.to_vec(),
            totals: Report::totals(calls),
            provenance: Provenance {
                bisum_version: env!("CARGO_PKG_VERSION"),
                git_commit: GIT_COMMIT,
                model: info.clone(),
                prompts: prompts
                    .used()
                    .into_iter()
                    .map(|(k, v)| (k, v.into()))
                    .collect(),
                seed: cfg.settings.params.seed,
                settings: cfg.settings.clone(),
                threads: candle_core::utils::get_num_threads(),
                device: info.device.clone(),
                started_at_unix,
                wall_seconds: started.elapsed().as_secs_f64(),
                cached_calls: calls.iter().filter(|c| c.cached).count(),
            },
        }
    };

    for s in &sources {
        say(&format!(
            "[{}] {} ({} chars)",
            s.id,
            source::label(&s.path).display(),
            s.text.chars().count()
        ));
        match pipe.summarize_source(s) {
            Ok(r) => {
                for lang in Lang::BOTH {
                    let file = format!("{}.{}.md", s.stem, lang.code());
                    let text = r.summaries[&lang].clone();
                    let check = r.checks[&lang].clone();
                    let grounding = crate::ground::check(
                        &text,
                        lang,
                        &[(s.id.as_str(), s.text.as_str(), r.lang)],
                    );
                    let md = prompts.render(
                        &format!("output/summary.{}.md", lang.code()),
                        context! {
                            title => s.stem, text => text, id => s.id,
                            path => source::label(&s.path).display().to_string(), model => info.name,
                            version => env!("CARGO_PKG_VERSION"), check => check,
                            grounding => grounding,
                        },
                    )?;
                    crate::output::write_atomic(&out.join(&file), format!("{md}\n").as_bytes())?;
                    summaries.push(SummaryEntry {
                        source: s.id.clone(),
                        lang,
                        file,
                        text,
                        check,
                        grounding,
                    });
                }
                entries.push(SourceEntry {
                    id: s.id.clone(),
                    path: source::label(&s.path).display().to_string(),
                    stem: s.stem.clone(),
                    status: "ok",
                    error: None,
                    format: Some(s.format),
                    encoding: Some(s.encoding),
                    sha256: Some(s.sha256.clone()),
                    chars: Some(s.text.chars().count()),
                    tokens: Some(r.tokens),
                    language: Some(r.lang),
                    chunks: Some(
                        r.chunks
                            .iter()
                            .map(|c| [c.start, c.end, c.tokens])
                            .collect(),
                    ),
                });
                done.push((s, r));
            }
            Err(e) => {
                say(&format!("bisum: {}: {e}", source::label(&s.path).display()));
                let mut entry = failed_entry(&e);
                entry.id = s.id.clone();
                entry.path = source::label(&s.path).display().to_string();
                entry.stem = s.stem.clone();
                failed.push(entry);
            }
        }
        // Keep report.json current, so an interrupted run still says what it finished.
        report(&entries, &failed, &summaries, vec![], &pipe.calls, false).write(out)?;
    }

    let mut syntheses = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    if !done.is_empty() {
        let pairs: Vec<(&Source, &SourceResult)> = done.iter().map(|(s, r)| (*s, r)).collect();
        let known: Vec<String> = pairs.iter().map(|(s, _)| s.id.clone()).collect();
        say(&format!("synthesis of {} source(s)", pairs.len()));
        for lang in Lang::BOTH {
            let (text, check) = match pipe.synthesize(&pairs, lang) {
                Ok(t) => t,
                Err(e) => {
                    let msg = format!("synthesis ({}): {e}", lang.code());
                    say(&format!("bisum: {msg}"));
                    errors.push(msg);
                    continue;
                }
            };
            let cited = pipeline::citations(&text);
            let unknown: Vec<String> = cited
                .iter()
                .filter(|c| !known.contains(c))
                .cloned()
                .collect();
            let uncited: Vec<String> = known
                .iter()
                .filter(|k| !cited.contains(k))
                .cloned()
                .collect();
            let file = format!("synthesis.{}.md", lang.code());
            let listed: Vec<minijinja::Value> = pairs
                .iter()
                .map(|(s, _)| context! { id => s.id, path => source::label(&s.path).display().to_string() })
                .collect();
            let failed_list: Vec<minijinja::Value> = failed
                .iter()
                .map(|f| context! { path => f.path, error => f.error })
                .collect();
            let texts: Vec<(&str, &str, Lang)> = pairs
                .iter()
                .map(|(s, r)| (s.id.as_str(), s.text.as_str(), r.lang))
                .collect();
            let grounding = crate::ground::check(&text, lang, &texts);
            let md = prompts.render(
                &format!("output/synthesis.{}.md", lang.code()),
                context! {
                    text => text, sources => listed, failed => failed_list,
                    unknown_citations => unknown, model => info.name, check => check,
                    version => env!("CARGO_PKG_VERSION"), grounding => grounding,
                },
            )?;
            crate::output::write_atomic(&out.join(&file), format!("{md}\n").as_bytes())?;
            syntheses.push(SynthesisEntry {
                lang,
                file,
                text,
                citations: cited,
                unknown_citations: unknown,
                uncited_sources: uncited,
                check,
                grounding,
            });
        }
    }
    let mut final_report = report(&entries, &failed, &summaries, syntheses, &pipe.calls, true);
    final_report.errors = errors;
    final_report.write(out)?;
    let wrong_language = final_report
        .summaries
        .iter()
        .map(|s| &s.check)
        .chain(final_report.syntheses.iter().map(|s| &s.check))
        .filter(|c| !c.language.ok)
        .count();
    Ok(RunOutcome {
        wrong_language,
        failed_sources: failed.len(),
        failed_steps: final_report.errors.len(),
        report: final_report,
    })
}

/// Output file names a run with these sources writes (for tests and docs).
pub fn expected_files(out: &Path, stems: &[&str]) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = stems
        .iter()
        .flat_map(|s| Lang::BOTH.map(|l| out.join(format!("{s}.{}.md", l.code()))))
        .collect();
    v.extend(Lang::BOTH.map(|l| out.join(format!("synthesis.{}.md", l.code()))));
    v.push(out.join("report.json"));
    v
}
