//! The `bisum` binary end to end on a tiny GGUF written by the test: outputs, report.json,
//! determinism, resumption, and bad input.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::Path;

fn stems() -> Vec<&'static str> {
    vec!["tramway-audit", "tramway-commercants", "tramway-conseil"]
}

fn run_tiny(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = bisum(home.path());
    cmd.arg("summarize")
        .arg(examples())
        .arg("--out")
        .arg(out)
        .arg("--model")
        .arg(tiny_model())
        .arg("--quiet")
        .args(extra);
    let a = cmd.assert();
    let code = a.get_output().status.code();
    assert!(
        matches!(code, Some(0) | Some(3)),
        "unexpected exit: {:?}",
        a.get_output()
    );
    a
}

/// Exit code a run must end with, from its report: 3 when an output is in the wrong
/// language after its retry.
fn expected_code(report: &serde_json::Value) -> i32 {
    let wrong = report["summaries"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["syntheses"].as_array().unwrap())
        .any(|s| s["check"]["language"]["ok"] == false);
    if wrong {
        3
    } else {
        0
    }
}

#[test]
fn summarize_writes_every_file_and_a_complete_report() {
    let out = tempfile::tempdir().unwrap();
    // The tiny model writes gibberish: outputs that fail the language check are asked for
    // again once, and if still wrong are marked, and the run ends with exit code 3.
    let code = run_tiny(out.path(), &[])
        .get_output()
        .status
        .code()
        .unwrap();
    for f in bisum::run::expected_files(out.path(), &stems()) {
        let text =
            std::fs::read_to_string(&f).unwrap_or_else(|_| panic!("missing {}", f.display()));
        assert!(!text.trim().is_empty(), "{} is empty", f.display());
    }
    let fr = std::fs::read_to_string(out.path().join("tramway-conseil.fr.md")).unwrap();
    assert!(fr.starts_with("# Résumé : tramway-conseil"), "{fr}");
    assert!(fr.contains("Source S3"), "{fr}");

    let en = std::fs::read_to_string(out.path().join("synthesis.en.md")).unwrap();
    assert!(en.starts_with("# Synthesis of 3 sources"), "{en}");
    assert!(en.contains("[S1] `") && en.contains("[S3] `"), "{en}");

    let r = read_json(&out.path().join("report.json"));
    assert_eq!(r["complete"], true);
    let ids: Vec<&str> = r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["S1", "S2", "S3"]);
    assert_eq!(r["sources"][0]["language"], "en");
    assert_eq!(r["sources"][1]["language"], "fr");
    assert_eq!(r["summaries"].as_array().unwrap().len(), 6);
    assert_eq!(r["syntheses"].as_array().unwrap().len(), 2);
    // Each source fits one chunk: a summary in its language from the text, one in the
    // other language from that summary; then 2 syntheses; plus one retry per output that
    // failed its first check.
    assert_eq!(code, expected_code(&r));
    let calls = r["calls"].as_array().unwrap();
    let outputs: Vec<&serde_json::Value> = r["summaries"]
        .as_array()
        .unwrap()
        .iter()
        .chain(r["syntheses"].as_array().unwrap())
        .collect();
    let retried = outputs
        .iter()
        .filter(|s| s["check"]["language"]["retried"] == true)
        .count();
    let count = |kind: &str, attempt: u8| {
        calls
            .iter()
            .filter(|c| c["kind"] == kind && c["attempt"] == attempt)
            .count()
    };
    // A translation that, read back, lost words is asked for once more (attempt 1 too).
    assert!(
        (6..=6 + count("check", 1)).contains(&count("summary", 1)),
        "{calls:#?}"
    );
    assert_eq!(count("summary", 2), retried, "{calls:#?}");
    // Common-ground sentences: one call per group of statements, a second for those whose
    // first answer the sources do not back.
    assert!(count("synthesis", 2) <= count("synthesis", 1));
    // And the readings back of French translations of the English source (`check`).
    assert!(calls
        .iter()
        .all(|c| ["summary", "synthesis", "check"].contains(&c["kind"].as_str().unwrap())));
    for s in &outputs {
        let g = &s["grounding"];
        let (facts, supported) = (
            g["facts"].as_u64().unwrap(),
            g["supported"].as_u64().unwrap(),
        );
        assert!(supported <= facts, "{s}");
        let ratio = g["ratio"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&ratio), "{s}");
        assert_eq!(
            g["unsupported"].as_array().unwrap().is_empty(),
            supported == facts,
            "{s}"
        );
        let md = std::fs::read_to_string(out.path().join(s["file"].as_str().unwrap())).unwrap();
        let warned = md.contains("> Attention : ce texte n'est pas détecté")
            || md.contains("> Warning: this text is not detected");
        assert_eq!(warned, s["check"]["language"]["ok"] == false, "{md}");
        if s["check"]["language"]["ok"] == false {
            assert_eq!(
                s["check"]["language"]["retried"], true,
                "a wrong output was not retried: {s}"
            );
        }
    }
    for c in calls {
        assert!(c["prompt_tokens"].as_u64().unwrap() > 0);
        assert!(c["seconds"].as_f64().unwrap() > 0.0);
        // A reading back writes nothing: it has a score instead.
        if c["kind"] == "check" {
            assert!(c["score"].as_f64().is_some(), "{c}");
            continue;
        }
        assert!(c["generated_tokens"].as_u64().unwrap() > 0);
        assert!(c["generation_tokens_per_second"].as_f64().unwrap() > 0.0);
    }
    let p = &r["provenance"];
    let model_bytes = std::fs::read(tiny_model()).unwrap();
    assert_eq!(p["model"]["sha256"], bisum::hash::sha256_hex(&model_bytes));
    assert_eq!(p["model"]["architecture"], "llama");
    assert_eq!(p["model"]["quantization"], "Q8_0");
    assert_eq!(
        p["model"]["chat_template"],
        "prompts/templates/chatml.jinja"
    );
    assert_eq!(p["seed"], 299_792_458);
    assert_eq!(p["settings"]["params"]["temperature"], 0.0);
    assert!(p["threads"].as_u64().unwrap() >= 1);
    assert!(p["device"].as_str().unwrap().starts_with("cpu"));
    assert_eq!(p["git_commit"].as_str().unwrap().len() >= 7, true);
    let used: Vec<&String> = p["prompts"].as_object().unwrap().keys().collect();
    assert!(
        !used.iter().any(|n| n.starts_with("notes.")),
        "no notes for one-chunk sources: {used:?}"
    );
    for name in [
        "summary_direct.en.txt",
        "summary_direct.fr.txt",
        "translate.fr.txt",
        "translate.en.txt",
        "output/synthesis_body.fr.md",
        "system.fr.txt",
        "system.en.txt",
        "output/summary.fr.md",
    ] {
        let h = p["prompts"][name]["sha256"]
            .as_str()
            .unwrap_or_else(|| panic!("no hash for {name}"));
        let builtin = bisum::prompt::BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1;
        assert_eq!(h, bisum::hash::sha256_hex(builtin.as_bytes()), "{name}");
    }
}

/// Batched and speculative decoding change speed only: a run decoding one call at a time,
/// one token per step, writes the same files.
#[test]
fn batched_and_speculative_decoding_change_no_output() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run_tiny(a.path(), &["--no-cache"]);
    run_tiny(
        b.path(),
        &["--no-cache", "--batch", "1", "--speculate", "off"],
    );
    assert_same_markdown(a.path(), b.path(), &stems());
    let r = read_json(&a.path().join("report.json"));
    assert_eq!(
        r["provenance"]["model"]["decoding"]["batch"], 4,
        "{}",
        r["provenance"]
    );
    // Prompt tokens: every one counted once as new, at most as many processed (a prompt
    // cache can only skip what an earlier prompt began with), both in either run.
    for dir in [a.path(), b.path()] {
        let t = &read_json(&dir.join("report.json"))["totals"];
        let (all, done, unique) = (
            t["prompt_tokens"].as_u64().unwrap(),
            t["prompt_tokens_processed"].as_u64().unwrap(),
            t["unique_prompt_tokens"].as_u64().unwrap(),
        );
        assert!(0 < unique && unique <= done && done <= all, "{t}");
    }
    let r = read_json(&b.path().join("report.json"));
    assert_eq!(r["totals"]["drafted_tokens"], 0);
}

#[test]
fn greedy_runs_are_byte_identical_and_reruns_come_from_the_cache() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    run_tiny(a.path(), &[]);
    run_tiny(b.path(), &["--no-cache"]);
    assert_same_markdown(a.path(), b.path(), &stems());
    assert!(
        !b.path().join(".bisum-cache").exists(),
        "--no-cache wrote a cache"
    );

    // An interrupted run keeps what it finished: drop one output and rerun; every call is
    // served from the cache and the files come back identical.
    let syn = a.path().join("synthesis.fr.md");
    let before = std::fs::read(&syn).unwrap();
    let first_calls = read_json(&a.path().join("report.json"))["calls"]
        .as_array()
        .unwrap()
        .len();
    std::fs::remove_file(&syn).unwrap();
    run_tiny(a.path(), &[]);
    assert_eq!(std::fs::read(&syn).unwrap(), before);
    let r = read_json(&a.path().join("report.json"));
    assert_eq!(
        r["provenance"]["cached_calls"].as_u64().unwrap() as usize,
        first_calls
    );
    assert!(r["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["cached"] == true));
}

#[test]
fn bad_sources_are_reported_one_line_each_and_the_rest_completes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        examples().join("tramway-conseil.txt"),
        dir.path().join("good.txt"),
    )
    .unwrap();
    // Two good sources, so that there is a synthesis to list the failures under.
    std::fs::copy(
        examples().join("tramway-audit.txt"),
        dir.path().join("good2.txt"),
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.txt"), "\n  \n").unwrap();
    std::fs::write(dir.path().join("binary.txt"), [0u8, 159, 146, 150]).unwrap();
    std::fs::write(dir.path().join("mixed.md"), b"caf\xc3\xa9 cr\xe8me").unwrap();
    std::fs::write(dir.path().join("scan.pdf"), b"%PDF-1.4\n1 0 obj\n<<>>").unwrap();
    let locked = dir.path().join("locked.txt");
    std::fs::write(&locked, "Texte que personne ne peut lire.").unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // 100 MB on paper, sparse on disk: refused from its size, never read.
    std::fs::File::create(dir.path().join("huge.txt"))
        .unwrap()
        .set_len(100_000_000)
        .unwrap();
    let missing = dir.path().join("missing.txt");
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let assert = bisum_with_permissions(home.path())
        .arg("summarize")
        .arg(dir.path())
        .arg(&missing)
        .arg("--out")
        .arg(out.path())
        .arg("--model")
        .arg(tiny_model())
        .arg("--quiet")
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for (file, why) in [
        ("empty.txt", "empty file"),
        ("binary.txt", "binary file"),
        ("mixed.md", "invalid encoding"),
        ("scan.pdf", "unreadable PDF"),
        ("locked.txt", "Permission denied"),
        ("huge.txt", "too large: 100.0 MB"),
        ("missing.txt", "no such file or directory"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no error for {file}: {stderr}"));
        assert!(line.starts_with("bisum: ") && line.contains(why), "{line}");
    }
    assert!(out.path().join("good.fr.md").is_file());
    assert!(out.path().join("synthesis.en.md").is_file());
    let r = read_json(&out.path().join("report.json"));
    let errors = r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "error")
        .count();
    assert_eq!(errors, 7);
    let syn = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    assert!(
        syn.contains("Sources non traitées") && syn.contains("empty.txt"),
        "{syn}"
    );
}

#[test]
fn missing_model_says_how_to_pull_it() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    bisum(home.path())
        .args(["summarize", "--model", "smollm2-135m", "--out"])
        .arg(out.path())
        .arg(examples())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "run `bisum models pull smollm2-135m`",
        ));
}

#[test]
fn corrupt_or_truncated_gguf_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(tiny_model()).unwrap();
    let truncated = dir.path().join("truncated.gguf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let garbage = dir.path().join("garbage.gguf");
    std::fs::write(&garbage, b"this is not a model").unwrap();
    for (model, why) in [
        (&truncated, "truncated GGUF"),
        (&garbage, "not a readable GGUF"),
    ] {
        let a = bisum(home.path())
            .arg("summarize")
            .arg(examples())
            .arg("--out")
            .arg(dir.path().join("out"))
            .arg("--model")
            .arg(model)
            .assert()
            .code(1);
        let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        let last = err.lines().last().unwrap();
        assert!(
            last.contains(model.to_str().unwrap()) && last.contains(why),
            "{err}"
        );
    }
}

#[test]
fn long_source_is_chunked_and_read_in_stretches_a_note_holds() {
    // ~12 KB of text, one byte per token with the tiny model: several chunks at --ctx 2048,
    // whose notes no longer fit one summary prompt and must be merged first.
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(examples().join("tramway-conseil.txt")).unwrap();
    let long = (0..8)
        .map(|i| format!("Partie {i}.\n\n{base}"))
        .collect::<Vec<_>>()
        .join("\n\n");
    std::fs::write(dir.path().join("long.txt"), &long).unwrap();
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let a = bisum(home.path())
        .arg("summarize")
        .arg(dir.path().join("long.txt"))
        .args(["--ctx", "2048", "--quiet", "--out"])
        .arg(out.path())
        .arg("--model")
        .arg(tiny_model())
        .assert();
    let r = read_json(&out.path().join("report.json"));
    assert_eq!(a.get_output().status.code(), Some(expected_code(&r)));
    let chunks = r["sources"][0]["chunks"].as_array().unwrap();
    assert!(
        chunks.len() >= 5,
        "expected several chunks, got {}",
        chunks.len()
    );
    let text = bisum::inputs::normalize(&long);
    assert_eq!(chunks[0][0], 0);
    assert_eq!(
        chunks.last().unwrap()[1].as_u64().unwrap() as usize,
        text.len()
    );
    for w in chunks.windows(2) {
        assert!(w[1][0].as_u64() <= w[0][1].as_u64(), "gap between chunks");
    }
    // Every chunk read by notes, each on stretches a note can hold whole (several per
    // chunk at the default notes limit), then the summaries.
    let calls = r["calls"].as_array().unwrap();
    let noted: std::collections::BTreeSet<u64> = calls
        .iter()
        .filter(|c| c["kind"] == "notes")
        .map(|c| c["part"]["chunk"].as_u64().unwrap())
        .collect();
    assert_eq!(noted.len(), chunks.len(), "{noted:?}");
    assert!(calls
        .iter()
        .all(|c| c["kind"] != "notes" || c["stop"] != "length"));
    for c in r["calls"].as_array().unwrap() {
        let total = c["prompt_tokens"].as_u64().unwrap() + c["generated_tokens"].as_u64().unwrap();
        assert!(total <= 2048, "call over the context: {c}");
    }
}

#[test]
fn models_list_and_verify_work_offline() {
    let home = tempfile::tempdir().unwrap();
    bisum(home.path())
        .args(["models", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("qwen2.5-coder-1.5b")
                .and(predicate::str::contains("(default)")),
        )
        .stdout(predicate::str::contains("smollm2-135m"));
    bisum(home.path())
        .args(["models", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no model installed"));
    // A corrupted installed file is caught.
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join("SmolLM2-135M-Instruct.Q4_1.gguf"), b"corrupt").unwrap();
    bisum(home.path())
        .args(["models", "verify", "smollm2-135m"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MISMATCH"));
}

/// Bad flag values are usage errors: exit 2 and a usage message, before anything runs.
#[test]
fn invalid_flag_values_exit_2_with_a_usage_message() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for bad in [
        &["--temperature", "-1"][..],
        &["--temperature", "nan"],
        &["--ctx", "0"],
        &["--top-p", "1.5"],
        &["--repeat-penalty", "nan"],
        &["--repeat-penalty", "0"],
        &["--summary-words", "0"],
        &["--max-file-mb", "0"],
        &["--threads", "0"],
    ] {
        bisum(home.path())
            .arg("summarize")
            .arg(examples())
            .arg("--out")
            .arg(out.path())
            .args(bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--help"))
            .stderr(predicate::str::contains(bad[0]));
    }
}

/// `--threads` above the CPUs this process may use is capped, with a note, and the run
/// records what it ran with.
#[test]
fn threads_beyond_the_cpus_are_capped_with_a_note() {
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let a = bisum(home.path())
        .env_remove("RAYON_NUM_THREADS")
        .arg("summarize")
        .arg(examples().join("tramway-audit.txt"))
        .arg("--out")
        .arg(out.path())
        .arg("--model")
        .arg(tiny_model())
        .args(["--threads", "9999", "--quiet"])
        .assert();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    let cpus = std::thread::available_parallelism().unwrap().get();
    assert!(
        stderr.contains(&format!("--threads 9999 capped at {cpus}")),
        "{stderr}"
    );
    let r = read_json(&out.path().join("report.json"));
    assert_eq!(r["provenance"]["threads"], cpus);
}

/// The call cache never mixes engines: a rerun with `--engine candle` into the same folder
/// runs its calls again, and report.json says which engine wrote them.
#[test]
fn the_cache_key_includes_the_engine() {
    let keys = |r: &serde_json::Value| -> std::collections::BTreeSet<String> {
        r["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap().to_string())
            .collect()
    };
    let out = tempfile::tempdir().unwrap();
    run_tiny(out.path(), &[]);
    let bisum_keys = keys(&read_json(&out.path().join("report.json")));
    run_tiny(out.path(), &["--engine", "candle"]);
    let r = read_json(&out.path().join("report.json"));
    assert_eq!(r["provenance"]["model"]["engine"], "candle");
    assert!(keys(&r).is_disjoint(&bisum_keys));
    // The same engine again: everything from the cache.
    run_tiny(out.path(), &["--engine", "candle"]);
    let r = read_json(&out.path().join("report.json"));
    let calls = r["calls"].as_array().unwrap();
    assert!(calls.iter().all(|c| c["cached"] == true));
}

/// One source: its two summaries, and no "synthesis" (a small model asked to synthesize a
/// single source invents a second one); report.json says why.
#[test]
fn a_single_source_gets_no_cross_source_synthesis() {
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let _ = bisum(home.path())
        .arg("summarize")
        .arg(examples().join("tramway-audit.txt"))
        .arg("--out")
        .arg(out.path())
        .arg("--model")
        .arg(tiny_model())
        .arg("--quiet")
        .assert();
    assert!(out.path().join("tramway-audit.fr.md").exists());
    assert!(!out.path().join("synthesis.fr.md").exists());
    let r = read_json(&out.path().join("report.json"));
    assert!(r["no_synthesis"].as_str().unwrap().contains("one source"));
    assert!(r["syntheses"].as_array().unwrap().is_empty());
    assert!(r["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["kind"] == "summary" || c["kind"] == "check"));
}
