//! The commands behind the binary: resolve the configuration, load the model, run, and say
//! which exit code the run earned.

use crate::cli::{Cli, Command, ModelsAction};
use crate::config::{CompareConfig, SummarizeConfig};
use crate::error::{Error, Result};
use crate::model::engine::{select_device, CandleModel, LoadOptions};
use crate::model::registry::{default_home, Registry, Resolved, Verified};
use crate::model::weights::Engine;
use crate::model::Generate;
use crate::progress::Progress;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FATAL: u8 = 1;
pub const EXIT_SOURCES_FAILED: u8 = 2;
/// Everything was written, but some output is still in the wrong language after its retry.
pub const EXIT_WRONG_LANGUAGE: u8 = 3;

pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Summarize(args) => summarize(SummarizeConfig::from_args(args)?),
        Command::Compare(args) => crate::compare::run(&CompareConfig::from_args(args)?),
        Command::Models { action } => models(action),
        Command::Bench(args) => bench(args),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn bench(a: crate::cli::BenchArgs) -> Result<u8> {
    set_threads(a.threads);
    let registry = Registry::open(default_home())?;
    let resolved = registry.resolve(&a.model)?;
    let engine = a.engine;
    let max_context = (a.prompt + a.generate + 16).max(512);
    let mut model = load_model(&resolved, max_context, false, engine)?;
    let text = std::fs::read_to_string(&a.text).map_err(|e| Error::Io {
        path: a.text.clone(),
        source: e,
    })?;
    let ids = model.encode(&text)?;
    if ids.is_empty() {
        return Err(Error::source_err(&a.text, "no tokens"));
    }
    let prompt: Vec<u32> = ids.iter().cycle().take(a.prompt).copied().collect();
    let params = crate::model::GenParams {
        max_new_tokens: a.generate,
        repeat_penalty: 1.0,
        stop_on_loop: false,
        ignore_eos: true,
        ..Default::default()
    };
    let (mut pp, mut tg) = (Vec::new(), Vec::new());
    for _ in 0..a.runs.max(1) {
        let (out, _, p_secs, g_secs) = model.generate_ids(&prompt, &params, &mut |_| {})?;
        pp.push(prompt.len() as f64 / p_secs);
        // The first token comes from the prompt pass; the others each cost one decode step.
        tg.push((out.len().saturating_sub(1)) as f64 / g_secs);
    }
    println!(
        "{}",
        serde_json::json!({
            "engine": format!("{engine:?}").to_lowercase(),
            "kernels": crate::model::kernels::Kernels::from_env(),
            "model": resolved.name,
            "threads": candle_core::utils::get_num_threads(),
            "prompt_tokens": prompt.len(),
            "generated_tokens": a.generate,
            "prompt_tokens_per_second": median(pp),
            "decode_tokens_per_second": median(tg),
            "peak_rss_bytes": crate::memory::peak_rss_bytes(),
            "model_file_bytes": model.info().file_size,
        })
    );
    Ok(EXIT_OK)
}

/// Sets candle's CPU thread count, and how long its idle workers spin before sleeping.
/// Read by rayon and candle when their pools start, which is after this point.
///
/// A decoding step hands the pool ~5 small products per layer with serial work between
/// them; candle's default spin (25,000 pauses) is shorter than some of those gaps, so a
/// worker falls asleep and each product then waits for a wake-up. Spinning 80 times longer
/// (a few milliseconds, as llama.cpp's polling threads do) gave SmolLM2 13–20% more decode
/// speed on 2 cores. A user's own `CANDLE_BARRIER_POOL_SPIN_LIMIT` wins.
pub(crate) fn set_threads(threads: Option<usize>) {
    if let Some(n) = threads {
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    if std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none() {
        std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", "2000000");
    }
}

/// Loads a resolved model; a registry model must hash to its manifest's sha256.
pub(crate) fn load_model(
    resolved: &Resolved,
    max_context: usize,
    force_cpu: bool,
    engine: Engine,
) -> Result<CandleModel> {
    let model = CandleModel::load(
        &resolved.path,
        LoadOptions {
            name: &resolved.name,
            sha256: None,
            max_context,
            device: select_device(force_cpu)?,
            engine,
            kernels: Default::default(),
        },
    )?;
    if let Some(m) = &resolved.manifest {
        if model.info().sha256 != m.sha256 {
            return Err(Error::Checksum {
                path: resolved.path.clone(),
                expected: m.sha256.clone(),
                actual: model.info().sha256.clone(),
            });
        }
    }
    Ok(model)
}

fn summarize(cfg: SummarizeConfig) -> Result<u8> {
    set_threads(cfg.threads);
    let mut progress = Progress::new(cfg.quiet);
    let registry = Registry::open(default_home())?;
    let resolved = registry.resolve(&cfg.model)?;
    // Read the sources before the (slow) model load, so bad input is reported at once.
    let read = crate::run::read_sources(&cfg.sources, cfg.max_file_bytes);
    if read.sources.is_empty() {
        for f in &read.failed {
            eprintln!("bisum: {}", f.error.as_deref().unwrap_or(""));
        }
        return Err(Error::Generation("no readable source".into()));
    }
    progress.say(&format!(
        "loading {} ({})",
        resolved.name,
        resolved.path.display()
    ));
    let mut model = load_model(&resolved, cfg.ctx, cfg.force_cpu, cfg.engine)?;
    let quiet = cfg.quiet;
    let say = move |l: &str| {
        if !quiet || l.starts_with("bisum:") {
            eprintln!("{l}");
        }
    };
    let outcome = crate::run::summarize(&cfg, read, &mut model, &mut progress, &say)?;
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
        EXIT_SOURCES_FAILED
    } else if outcome.wrong_language > 0 {
        EXIT_WRONG_LANGUAGE
    } else {
        EXIT_OK
    })
}

fn models(action: ModelsAction) -> Result<u8> {
    let registry = Registry::open(default_home())?;
    let manifest = |name: &str| {
        registry
            .get(name)
            .cloned()
            .ok_or_else(|| Error::UnknownModel(name.to_string()))
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
                    if m.name == crate::model::registry::DEFAULT_MODEL {
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
