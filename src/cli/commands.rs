//! The commands behind the binary: each runs the library with resolved settings and says
//! which exit code its outcome earned.

use super::args::{BenchArgs, Command, CompareArgs, ModelsAction, SummarizeArgs};
use super::config;
use super::progress::Progress;
use anyhow::{Context, Result};
use bisum::compare::CompareConfig;
use bisum::model::registry::{Registry, Verified};
use bisum::model::{Generate, Runtime};
use bisum::report::outdir::OutputDir;
use bisum::run::ReadSources;
use bisum::settings::Settings;

pub const EXIT_OK: u8 = 0;
/// The run could not go on: no model, an unusable output directory, a broken install.
pub const EXIT_FATAL: u8 = 1;
/// Bad input: a flag (clap's own usage errors), or sources that could not be read or
/// summarized (the others were).
pub const EXIT_INPUT: u8 = 2;
/// Everything was written, but some output is still in the wrong language after its retry.
pub const EXIT_WRONG_LANGUAGE: u8 = 3;

/// Runs one command. `threads` is what candle's pools were sized with at startup.
pub fn run(command: Command, registry: &Registry, threads: usize) -> Result<u8> {
    match command {
        Command::Summarize(args) => summarize(args, registry, threads),
        Command::Compare(args) => compare(args, registry, threads),
        Command::Models { action } => models(action, registry),
        Command::Bench(args) => bench(args, registry, threads),
    }
}

/// Prints one line per event, and only error lines with `--quiet`; a file name cannot
/// break a line (or forge one) with a newline of its own.
fn sayer(quiet: bool) -> impl Fn(&str) + Sync {
    move |l: &str| {
        if !quiet || l.starts_with("bisum:") {
            eprintln!("{}", super::one_line(l));
        }
    }
}

/// Reads the sources before the (slow) model load, so bad input is reported at once; none
/// readable is an input error.
fn read_first(cfg: &bisum::run::RunConfig, say: &dyn Fn(&str)) -> Result<ReadSources> {
    let read = bisum::run::read_sources(cfg);
    if read.sources.is_empty() {
        for f in &read.failed {
            say(&format!("bisum: {}", f.error.as_deref().unwrap_or("")));
        }
        return Err(bisum::Error::NoReadableSource.into());
    }
    Ok(read)
}

/// The installed word lists, into `settings`, once the run is known to start; lists
/// missing are said in one line (the check they serve is off).
fn word_lists(registry: &Registry, settings: &mut Settings, progress: &Progress) {
    let (lists, missing) = registry.word_lists();
    if !missing.is_empty() {
        progress.say(&format!(
            "word lists not installed ({}): made-up words go unchecked; `bisum models pull` installs them",
            missing.join("; ")
        ));
    }
    settings.words = Some(std::sync::Arc::new(lists));
}

fn summarize(a: SummarizeArgs, registry: &Registry, threads: usize) -> Result<u8> {
    let mut cfg = config::run_config(a.sources, a.out, &a.run);
    let runtime = config::runtime(&a.run.runtime, threads);
    let say = sayer(a.run.quiet);
    let mut progress = Progress::new(a.run.quiet);
    let dir = OutputDir::open(&cfg.out)?;
    let resolved = registry.resolve(&a.model)?;
    let read = read_first(&cfg, &say)?;
    let ctx = a.run.ctx as usize;
    let outcome = if a.run.fleet.backend.is_empty() {
        progress.say(&format!(
            "loading {} ({})",
            resolved.name,
            resolved.path.display()
        ));
        let mut model = resolved.load(ctx, runtime)?;
        word_lists(registry, &mut cfg.settings, &progress);
        bisum::run::summarize(&cfg, &dir, read, &mut [&mut model], &mut progress, &say)?
    } else {
        let mut clients = super::fleet::clients(&a.run.fleet, &resolved, ctx, runtime, &say)?;
        if let Some(b) = &clients[0].info().backend {
            for e in &b.endpoints {
                progress.say(&format!("backend {} serves {}", e.url, e.model_id));
            }
        }
        let mut models: Vec<&mut dyn Generate> = clients
            .iter_mut()
            .map(|c| c.as_mut() as &mut dyn Generate)
            .collect();
        word_lists(registry, &mut cfg.settings, &progress);
        bisum::run::summarize(&cfg, &dir, read, &mut models, &mut progress, &say)?
    };
    let t = &outcome.report.totals;
    progress.say(&format!(
        "wrote {} ({} calls, {} prompt + {} generated tokens, {:.1} s)",
        cfg.out.display(),
        t.calls,
        t.prompt_tokens,
        t.generated_tokens,
        outcome.report.provenance.wall_seconds
    ));
    Ok(if outcome.failed_sources + outcome.failed_steps > 0 {
        EXIT_INPUT
    } else if outcome.wrong_language > 0 {
        EXIT_WRONG_LANGUAGE
    } else {
        EXIT_OK
    })
}

fn compare(a: CompareArgs, registry: &Registry, threads: usize) -> Result<u8> {
    if let Some(url) = a.run.fleet.backend.first() {
        return Err(bisum::Error::Endpoint {
            url: url.clone(),
            reason: "`compare` runs its models in-process; run `summarize --backend` once per served model".into(),
        }
        .into());
    }
    let mut cfg = CompareConfig {
        run: config::run_config(a.sources, a.out, &a.run),
        models: a.models,
        runtime: config::runtime(&a.run.runtime, threads),
        ctx: a.run.ctx as usize,
    };
    let say = sayer(a.run.quiet);
    let mut progress = Progress::new(a.run.quiet);
    let dir = OutputDir::open(&cfg.run.out)?;
    let read = read_first(&cfg.run, &say)?;
    word_lists(registry, &mut cfg.run.settings, &progress);
    let outcome = bisum::compare::run(&cfg, &dir, registry, read, &mut progress, &say)?;
    progress.say(&format!(
        "wrote {} ({} of {} models completed)",
        cfg.run.out.join("compare.html").display(),
        outcome.completed,
        outcome.models
    ));
    Ok(if outcome.completed == 0 {
        EXIT_FATAL
    } else if outcome.completed < outcome.models || outcome.failures > 0 {
        EXIT_INPUT
    } else {
        EXIT_OK
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn bench(a: BenchArgs, registry: &Registry, threads: usize) -> Result<u8> {
    let resolved = registry.resolve(&a.model)?;
    let runtime: Runtime = config::runtime(&a.runtime, threads);
    let (prompt_len, generate) = (a.prompt as usize, a.generate as usize);
    let max_context = (prompt_len + generate + 16).max(512);
    let mut model = resolved.load(max_context, runtime)?;
    let text = std::fs::read_to_string(&a.text)
        .with_context(|| format!("{}: cannot read", a.text.display()))?;
    let ids = model.encode(&text)?;
    anyhow::ensure!(!ids.is_empty(), "{}: no tokens", a.text.display());
    let prompt: Vec<u32> = ids.iter().cycle().take(prompt_len).copied().collect();
    let params = bisum::model::GenParams {
        max_new_tokens: generate,
        repeat_penalty: 1.0,
        stop_on_loop: false,
        ignore_eos: true,
        ..Default::default()
    };
    // Plain decoding, one token per step: a repeated prompt would make every guess of
    // speculative decoding right.
    model.set_speculation(bisum::model::Speculation::Off);
    let batch = a.sequences as usize;
    // Sequence i's prompt starts i × 101 tokens further along the text.
    let prompts: Vec<Vec<u32>> = (0..batch)
        .map(|i| {
            ids.iter()
                .cycle()
                .skip(i * 101)
                .take(prompt_len)
                .copied()
                .collect()
        })
        .collect();
    let requests: Vec<(&[u32], &bisum::model::GenParams)> =
        prompts.iter().map(|p| (p.as_slice(), &params)).collect();
    let (mut pp, mut tg) = (Vec::new(), Vec::new());
    for _ in 0..a.runs {
        // Each run processes the whole prompt: nothing kept from the run before.
        model.forget();
        // One request runs as a single call.
        let done = model.generate_batch_ids(&requests)?;
        let p_secs: f64 = done.iter().map(|d| d.prompt_seconds).sum();
        let g_secs: f64 = done.iter().map(|d| d.generation_seconds).sum();
        pp.push((batch * prompt.len()) as f64 / p_secs);
        // The first token comes from the prompt pass; the others each cost one decode step.
        let steps: usize = done.iter().map(|d| d.ids.len().saturating_sub(1)).sum();
        tg.push(steps as f64 / g_secs);
    }
    println!(
        "{}",
        serde_json::json!({
            "engine": runtime.engine,
            "kernels": runtime.kernels,
            "model": resolved.name,
            "threads": runtime.threads,
            "batch": batch,
            "prompt_tokens": prompt.len(),
            "generated_tokens": generate,
            "prompt_tokens_per_second": median(pp),
            "decode_tokens_per_second": median(tg),
            "peak_rss_bytes": bisum::memory::peak_rss_bytes(),
            "model_file_bytes": model.info().file_size,
        })
    );
    Ok(EXIT_OK)
}

fn models(action: ModelsAction, registry: &Registry) -> Result<u8> {
    let manifest = |name: &str| {
        registry
            .get(name)
            .cloned()
            .ok_or_else(|| bisum::Error::UnknownModel(name.to_string()))
    };
    match action {
        ModelsAction::List => {
            println!(
                "{:<22} {:<8} {:>9}  {:<9} {}",
                "NAME", "ARCH", "SIZE", "INSTALLED", "DESCRIPTION"
            );
            for m in &registry.manifests {
                let installed = registry.model_path(m).is_file();
                println!(
                    "{:<22} {:<8} {:>6} MB  {:<9} {}{}",
                    m.name,
                    m.architecture,
                    m.size / 1_000_000,
                    if installed { "yes" } else { "no" },
                    m.description,
                    if m.name == bisum::model::registry::DEFAULT_MODEL {
                        " (default)"
                    } else {
                        ""
                    }
                );
            }
            println!("cache: {}", registry.home.join("models").display());
            Ok(EXIT_OK)
        }
        ModelsAction::Pull { name } => {
            let m = manifest(&name)?;
            let path = registry.pull(&m, &mut |l| eprintln!("{l}"))?;
            registry.pull_word_lists(&mut |l| eprintln!("{l}"))?;
            println!("{}", path.display());
            Ok(EXIT_OK)
        }
        ModelsAction::Verify { name } => {
            let list = match name {
                Some(n) => vec![manifest(&n)?],
                None => registry
                    .manifests
                    .iter()
                    .filter(|m| registry.model_path(m).is_file())
                    .cloned()
                    .collect(),
            };
            if list.is_empty() {
                println!(
                    "no model installed in {}",
                    registry.home.join("models").display()
                );
            }
            let mut bad = 0;
            for m in list {
                match registry.verify(&m)? {
                    Verified::Ok => println!("ok        {} {}", m.name, m.sha256),
                    Verified::Missing => {
                        bad += 1;
                        println!("missing   {} (run `bisum models pull {}`)", m.name, m.name)
                    }
                    Verified::Mismatch { actual } => {
                        bad += 1;
                        println!("MISMATCH  {} expected {} got {actual}", m.name, m.sha256)
                    }
                }
            }
            Ok(if bad > 0 { EXIT_FATAL } else { EXIT_OK })
        }
        ModelsAction::Path { name } => {
            let r = registry.resolve(&name)?;
            println!("{}", r.path.display());
            Ok(EXIT_OK)
        }
    }
}
