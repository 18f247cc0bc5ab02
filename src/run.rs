//! One `summarize` run: read sources, summarize each (a bad source is reported and
//! skipped), synthesize, and write every file as soon as it is ready.

use crate::checks::citations::{self, citations};
use crate::checks::ground;
use crate::error::{Error, Result};
use crate::inputs::{self, Source};
use crate::lang::Lang;
use crate::model::{Generate, ModelInfo};
use crate::pipeline::cache::CallCache;
use crate::pipeline::workers::{self, Shared};
use crate::pipeline::{Observer, Pipeline};
use crate::prompt::Prompts;
use crate::report::files::write_atomic;
use crate::report::outdir::OutputDir;
use crate::report::records::{CallRecord, Status};
use crate::report::{Provenance, Report, SourceEntry, SummaryEntry, SynthesisEntry, GIT_COMMIT};
use crate::settings::Settings;
use crate::summarize::SourceResult;
use crate::synthesize::Synthesis;
use minijinja::context;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What a `summarize` run reads, where it writes, and how.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub sources: Vec<PathBuf>,
    /// How large a source file, and the text extracted from it, may be.
    pub limits: inputs::Limits,
    pub out: PathBuf,
    pub prompts_dir: Option<PathBuf>,
    pub settings: Settings,
    pub use_cache: bool,
    /// Chunk plans to use instead of the model's own, by source sha256 (set by `compare`).
    pub chunk_plans: BTreeMap<String, Vec<(usize, usize)>>,
    /// Overwrite files in `out` that bisum did not write.
    pub force: bool,
}

/// Why a run over one source writes no synthesis: with nothing to compare, a small model
/// asked for one invents a second source.
const ONE_SOURCE: &str =
    "one source summarized: no cross-source synthesis (it needs two sources or more)";

/// How often an unfinished report.json is rewritten while sources are summarized.
const REPORT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// What a finished run tells the caller.
#[derive(Debug)]
pub struct RunOutcome {
    pub failed_sources: usize,
    /// Steps after the sources that failed (a synthesis).
    pub failed_steps: usize,
    /// Outputs still in the wrong language after their retry.
    pub wrong_language: usize,
    /// Times report.json was written during the run (it is kept current while sources
    /// are summarized, at most every 2 s).
    pub report_writes: usize,
    pub report: Report,
}

/// Sources as read: the readable ones, and one entry per failure.
#[derive(Debug, Clone)]
pub struct ReadSources {
    pub sources: Vec<Source>,
    pub failed: Vec<SourceEntry>,
}

/// Expands and reads the sources, without the model: failures are per source. Folders
/// are walked without entering `out` or any other folder bisum wrote.
pub fn read_sources(cfg: &RunConfig) -> ReadSources {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for item in inputs::expand(&cfg.sources, Some(&cfg.out)) {
        match item.and_then(|p| inputs::read(&p, cfg.limits).map(|t| (p, t))) {
            Ok(pair) => ok.push(pair),
            Err(e) => failed.push(failed_entry(&e)),
        }
    }
    ReadSources {
        sources: inputs::assign_ids(ok),
        failed,
    }
}

fn failed_entry(e: &Error) -> SourceEntry {
    let path = match e {
        Error::Source { path, .. } | Error::Io { path, .. } | Error::Input { path, .. } => {
            path.display().to_string()
        }
        _ => String::new(),
    };
    SourceEntry {
        id: String::new(),
        path,
        stem: String::new(),
        status: Status::Error,
        error: Some(e.to_string()),
        format: None,
        encoding: None,
        sha256: None,
        chars: None,
        tokens: None,
        language: None,
        chunks: None,
        injection: Vec::new(),
        detected_language: None,
    }
}

/// The state of a run between its steps: what is written so far, for report.json.
struct Run<'a> {
    cfg: &'a RunConfig,
    prompts: &'a Prompts,
    info: ModelInfo,
    started: Instant,
    started_at_unix: u64,
    entries: Vec<SourceEntry>,
    failed: Vec<SourceEntry>,
    summaries: Vec<SummaryEntry>,
    syntheses: Vec<SynthesisEntry>,
    /// Failures outside any one source.
    errors: Vec<String>,
    /// Files of an earlier run in the folder that this run does not rewrite.
    stale: Vec<String>,
    /// Why no synthesis was written, when none was.
    no_synthesis: Option<String>,
    /// Times report.json was written.
    report_writes: usize,
    /// Every model call so far, in the order a sequential run makes them.
    calls: Vec<CallRecord>,
}

/// Runs the pipeline over already-read sources, writing into `dir` (`cfg.out`, held by
/// this run). `models` are the clients calls may go to at once: one for the in-process
/// engine, one per parallel slot for a serving fleet; the outputs do not depend on how
/// many. `say` receives one line per event worth telling the user.
pub fn summarize(
    cfg: &RunConfig,
    dir: &OutputDir,
    read: ReadSources,
    models: &mut [&mut dyn Generate],
    observer: &mut dyn Observer,
    say: &(dyn Fn(&str) + Sync),
) -> Result<RunOutcome> {
    let out = dir.path();
    let info = match models.first() {
        Some(m) => m.info().clone(),
        None => return Err(Error::Config("no model to run".into())),
    };
    let prompts = Prompts::load(cfg.prompts_dir.as_deref())?;
    let shared = Shared {
        prompts: &prompts,
        settings: cfg.settings.clone(),
        cache: cfg
            .use_cache
            .then(|| CallCache::new(out.join(".bisum-cache"))),
        plans: cfg.chunk_plans.clone(),
        observer: Mutex::new(observer),
    };
    let ReadSources { sources, failed } = read;
    let stale = dir.claim(&planned_files(&sources), cfg.force)?;
    for f in &failed {
        say(&format!("bisum: {}", f.error.as_deref().unwrap_or("")));
    }
    if !stale.is_empty() {
        say(&format!(
            "{} file(s) of an earlier run in {} are not rewritten by this one (listed in report.json)",
            stale.len(),
            out.display()
        ));
    }
    let mut run = Run::new(cfg, &prompts, info, failed);
    run.stale = stale;

    let done = summarize_each(&mut run, models, &shared, &sources, say)?;
    match done.len() {
        0 => {}
        1 => {
            run.no_synthesis = Some(ONE_SOURCE.into());
            say(&format!("note: {ONE_SOURCE}"));
        }
        _ => synthesize_both(&mut run, models, &shared, &done, say)?,
    }
    let report = run.report(true);
    run.write_report(&report)?;
    Ok(run.outcome(report))
}

/// Summarizes each source, writing its files as soon as it and those before it are done;
/// a failing source is reported and the others go on. One model takes the sources in
/// groups as large as the batches it decodes (their summaries decode together: see
/// `Pipeline::summarize_sources`); several take one source each.
fn summarize_each<'s>(
    run: &mut Run,
    models: &mut [&mut dyn Generate],
    shared: &Shared,
    sources: &'s [Source],
    say: &(dyn Fn(&str) + Sync),
) -> Result<Vec<(&'s Source, SourceResult)>> {
    let mut done = Vec::new();
    run.write_report(&run.report(false))?;
    let mut last_report = Instant::now();
    let per = match models {
        [model] => model.batch_size().max(1),
        _ => 1,
    };
    let groups: Vec<&[Source]> = sources.chunks(per).collect();
    let work = |pipe: &mut Pipeline, group: &&[Source]| {
        for s in group.iter() {
            say(&format!(
                "[{}] {} ({} chars)",
                s.id,
                inputs::label(&s.path).display(),
                s.text.chars().count()
            ));
        }
        pipe.summarize_sources(&group.iter().collect::<Vec<_>>())
    };
    workers::run_all(models, shared, &groups, work, |g, results, calls| {
        run.calls.extend(calls);
        for (s, result) in groups[g].iter().zip(results) {
            match result {
                Ok(r) => {
                    run.write_source(s, &r)?;
                    done.push((s, r));
                }
                Err(e) => {
                    say(&format!("bisum: {}: {e}", inputs::label(&s.path).display()));
                    run.source_failed(s, &e);
                }
            }
        }
        // Keep report.json current, so an interrupted run still says what it finished
        // (its summaries are on disk and its calls in the cache either way); at most every
        // few seconds, or a run over thousands of small sources rewrites it thousands of
        // times.
        if last_report.elapsed() >= REPORT_EVERY {
            run.write_report(&run.report(false))?;
            last_report = Instant::now();
        }
        Ok(())
    })?;
    Ok(done)
}

/// The synthesis in each language (at once, with two workers or more); one that fails is
/// reported and the other still runs.
fn synthesize_both(
    run: &mut Run,
    models: &mut [&mut dyn Generate],
    shared: &Shared,
    done: &[(&Source, SourceResult)],
    say: &(dyn Fn(&str) + Sync),
) -> Result<()> {
    let pairs: Vec<(&Source, &SourceResult)> = done.iter().map(|(s, r)| (*s, r)).collect();
    say(&format!("synthesis of {} source(s)", pairs.len()));
    let work = |pipe: &mut Pipeline, lang: &Lang| pipe.synthesize(&pairs, *lang);
    workers::run_all(models, shared, &Lang::BOTH, work, |i, result, calls| {
        let lang = Lang::BOTH[i];
        run.calls.extend(calls);
        match result {
            Ok(synthesis) => run.write_synthesis(&pairs, lang, synthesis)?,
            Err(e) => {
                let msg = format!("synthesis ({}): {e}", lang.code());
                say(&format!("bisum: {msg}"));
                run.errors.push(msg);
            }
        }
        Ok(())
    })?;
    run.write_synthesis_html(&pairs)
}

impl<'a> Run<'a> {
    fn new(
        cfg: &'a RunConfig,
        prompts: &'a Prompts,
        info: ModelInfo,
        failed: Vec<SourceEntry>,
    ) -> Self {
        Run {
            cfg,
            prompts,
            info,
            started: Instant::now(),
            started_at_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            entries: Vec::new(),
            failed,
            summaries: Vec::new(),
            syntheses: Vec::new(),
            errors: Vec::new(),
            stale: Vec::new(),
            no_synthesis: None,
            report_writes: 0,
            calls: Vec::new(),
        }
    }

    fn write_report(&mut self, report: &Report) -> Result<()> {
        self.report_writes += 1;
        report.write(&self.cfg.out)
    }

    fn source_failed(&mut self, s: &Source, e: &Error) {
        let mut entry = failed_entry(e);
        entry.id = s.id.clone();
        entry.path = inputs::label(&s.path).display().to_string();
        entry.stem = s.stem.clone();
        self.failed.push(entry);
    }

    /// Writes a source's two summaries and records them.
    fn write_source(&mut self, s: &Source, r: &SourceResult) -> Result<()> {
        let path = inputs::label(&s.path).display().to_string();
        for lang in Lang::BOTH {
            let file = format!("{}.{}.md", s.stem, lang.code());
            let text = r.summaries[&lang].clone();
            let check = r.checks[&lang].clone();
            let source = (s.id.as_str(), s.text.as_str(), r.read_as(lang));
            let grounding = ground::check(&text, lang, &[source]);
            let md = self.prompts.render(
                &format!("output/summary.{}.md", lang.code()),
                context! {
                    title => s.stem, text => text, id => s.id, path => path,
                    model => self.info.name, version => env!("CARGO_PKG_VERSION"),
                    check => check, grounding => grounding, injection => s.injection,
                    source_language => s.detected_language,
                    other_file => format!("{}.{}.md", s.stem, lang.other().code()),
                },
            )?;
            write_atomic(&self.cfg.out.join(&file), format!("{md}\n").as_bytes())?;
            self.summaries.push(SummaryEntry {
                source: s.id.clone(),
                lang,
                file,
                text,
                check,
                grounding,
            });
        }
        self.entries.push(SourceEntry {
            id: s.id.clone(),
            path,
            stem: s.stem.clone(),
            status: Status::Ok,
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
            injection: s.injection.clone(),
            detected_language: s.detected_language.clone(),
        });
        Ok(())
    }

    /// Writes one language's synthesis and records it.
    fn write_synthesis(
        &mut self,
        pairs: &[(&Source, &SourceResult)],
        lang: Lang,
        synthesis: Synthesis,
    ) -> Result<()> {
        let Synthesis {
            text,
            check,
            sentences,
        } = synthesis;
        let known: Vec<String> = pairs.iter().map(|(s, _)| s.id.clone()).collect();
        let cited = citations(&text);
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
            .map(|(s, _)| context! { id => s.id, path => inputs::label(&s.path).display().to_string(), injection => s.injection })
            .collect();
        let failed_list: Vec<minijinja::Value> = self
            .failed
            .iter()
            .map(|f| context! { path => f.path, error => f.error })
            .collect();
        let texts: Vec<(&str, &str, Lang)> = pairs
            .iter()
            .map(|(s, r)| (s.id.as_str(), s.text.as_str(), r.read_as(lang)))
            .collect();
        let grounding = ground::check(&text, lang, &texts);
        let precision = citations::precision(&text, lang, &texts);
        let md = self.prompts.render(
            &format!("output/synthesis.{}.md", lang.code()),
            context! {
                text => text, sources => listed, failed => failed_list,
                unknown_citations => unknown, model => self.info.name, check => check,
                version => env!("CARGO_PKG_VERSION"), grounding => grounding,
                precision => precision,
            },
        )?;
        write_atomic(&self.cfg.out.join(&file), format!("{md}\n").as_bytes())?;
        self.syntheses.push(SynthesisEntry {
            lang,
            file,
            text,
            citations: cited,
            unknown_citations: unknown,
            uncited_sources: uncited,
            check,
            grounding,
            citation_precision: precision,
            sentences,
        });
        Ok(())
    }

    /// synthesis.html: both languages' syntheses, each sentence with the source sentences
    /// behind it, in one file that needs nothing else (no script, no external asset).
    fn write_synthesis_html(&self, pairs: &[(&Source, &SourceResult)]) -> Result<()> {
        if self.syntheses.is_empty() {
            return Ok(());
        }
        let listed: Vec<minijinja::Value> = pairs
            .iter()
            .map(|(s, r)| context! { id => s.id, path => inputs::label(&s.path).display().to_string(), lang => r.lang.code() })
            .collect();
        let html = self.prompts.render(
            "output/synthesis.html",
            context! {
                syntheses => self.syntheses, sources => listed, model => self.info.name,
                version => env!("CARGO_PKG_VERSION"),
            },
        )?;
        write_atomic(
            &self.cfg.out.join("synthesis.html"),
            format!("{html}\n").as_bytes(),
        )
    }

    /// report.json as it stands; `finished` once the run has reached its end.
    fn report(&self, finished: bool) -> Report {
        let calls = &self.calls;
        let mut sources = self.entries.clone();
        sources.extend(self.failed.iter().cloned());
        let mut errors: Vec<String> = self.failed.iter().filter_map(|f| f.error.clone()).collect();
        errors.extend(self.errors.iter().cloned());
        Report {
            finished,
            complete: finished && errors.is_empty(),
            errors,
            stale_outputs: self.stale.clone(),
            no_synthesis: self.no_synthesis.clone(),
            sources,
            summaries: self.summaries.clone(),
            syntheses: self.syntheses.clone(),
            calls: calls.to_vec(),
            totals: Report::totals(calls),
            provenance: self.provenance(calls),
        }
    }

    fn provenance(&self, calls: &[CallRecord]) -> Provenance {
        Provenance {
            bisum_version: env!("CARGO_PKG_VERSION"),
            git_commit: GIT_COMMIT,
            model: self.info.clone(),
            prompts: self
                .prompts
                .used()
                .into_iter()
                .map(|(k, v)| (k, v.into()))
                .collect(),
            seed: self.cfg.settings.params.seed,
            settings: self.cfg.settings.clone(),
            threads: self.info.threads,
            device: self.info.device.clone(),
            started_at_unix: self.started_at_unix,
            wall_seconds: self.started.elapsed().as_secs_f64(),
            cached_calls: calls.iter().filter(|c| c.cached).count(),
        }
    }

    fn outcome(&self, report: Report) -> RunOutcome {
        // An empty summary (none of its sentences passed) is in no wrong language.
        let wrong_language = report
            .summaries
            .iter()
            .filter(|s| !s.text.trim().is_empty())
            .map(|s| &s.check)
            .chain(report.syntheses.iter().map(|s| &s.check))
            .filter(|c| !c.language.ok)
            .count();
        RunOutcome {
            wrong_language,
            failed_sources: self.failed.len(),
            failed_steps: self.errors.len(),
            report_writes: self.report_writes,
            report,
        }
    }
}

/// The files a run over `sources` writes, relative to its folder.
fn planned_files(sources: &[Source]) -> BTreeSet<String> {
    let synthesis = (sources.len() >= 2).then_some("synthesis");
    let stems = sources.iter().map(|s| s.stem.as_str());
    let mut files: BTreeSet<String> = stems
        .chain(synthesis)
        .flat_map(|s| Lang::BOTH.map(|l| format!("{s}.{}.md", l.code())))
        .collect();
    if sources.len() >= 2 {
        files.insert("synthesis.html".into());
    }
    files.insert("report.json".into());
    files
}

/// Output file names a run with these sources writes (for tests and docs).
pub fn expected_files(out: &Path, stems: &[&str]) -> Vec<PathBuf> {
    let mut v: Vec<_> = stems
        .iter()
        .flat_map(|s| Lang::BOTH.map(|l| out.join(format!("{s}.{}.md", l.code()))))
        .collect();
    v.extend(Lang::BOTH.map(|l| out.join(format!("synthesis.{}.md", l.code()))));
    v.push(out.join("synthesis.html"));
    v.push(out.join("report.json"));
    v
}
