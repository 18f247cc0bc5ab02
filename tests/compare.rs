//! `bisum compare` on two tiny GGUF models the test writes: one folder per model, the same
//! chunk plan for both, compare.md/.html/.json, a failing model that does not stop the
//! others, and the HTML rendered in headless Chromium.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// Two different tiny models: same shape and tokenizer, other random weights; the second
/// also carries its chat template in its metadata.
fn two_models(dir: &Path) -> (PathBuf, PathBuf) {
    let a = dir.join("tiny-a.gguf");
    let b = dir.join("tiny-b.gguf");
    std::fs::copy(tiny_model(), &a).unwrap();
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/qwen2.5-chat-template.jinja"),
    )
    .unwrap();
    bisum::model::tiny::write_seeded(&b, Some(&template), 42).unwrap();
    (a, b)
}

/// A copy of the tiny model that says it is of an architecture bisum does not know.
fn unknown_arch(path: &Path) {
    let mut bytes = std::fs::read(tiny_model()).unwrap();
    let key = b"general.architecture";
    let at = bytes.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    // Value type (u32 string = 8) and length (u64 5), then the 5 bytes of "llama".
    let value = at + 4 + 8;
    assert_eq!(&bytes[value..value + 5], b"llama");
    bytes[value..value + 5].copy_from_slice(b"mamba");
    std::fs::write(path, bytes).unwrap();
}

fn compare(
    home: &Path,
    out: &Path,
    models: &[&Path],
    sources: &[&Path],
) -> assert_cmd::assert::Assert {
    let mut c = bisum(home);
    c.arg("compare")
        .args(sources)
        .arg("--out")
        .arg(out)
        .arg("--quiet");
    for m in models {
        c.arg("--model").arg(m);
    }
    c.assert()
}

/// The chunk byte ranges of every source, from a report.json or compare.json.
fn chunk_plan(report: &serde_json::Value) -> Vec<Vec<(u64, u64)>> {
    report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["chunks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c[0].as_u64().unwrap(), c[1].as_u64().unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn compare_writes_each_model_and_a_side_by_side_report() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_models(dir.path());
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    // A small context, so the longest example is cut into several chunks.
    let assert = bisum(home.path())
        .arg("compare")
        .arg(examples())
        .args(["--ctx", "2048", "--quiet", "--out"])
        .arg(out.path())
        .arg("--model")
        .arg(&a)
        .arg("--model")
        .arg(&b)
        .assert();
    assert!(
        assert.get_output().status.code() == Some(0),
        "{:?}",
        assert.get_output()
    );

    let c = read_json(&out.path().join("compare.json"));
    let models = c["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    for (m, dir) in models.iter().zip(["tiny-a", "tiny-b"]) {
        assert_eq!(m["status"], "ok");
        assert_eq!(m["dir"], dir);
        let x = &m["metrics"];
        assert!(x["wall_seconds"].as_f64().unwrap() > 0.0);
        assert!(x["prompt_tokens_per_second"].as_f64().unwrap() > 0.0);
        assert!(x["decode_tokens_per_second"].as_f64().unwrap() > 0.0);
        assert!(x["peak_rss_bytes"].as_u64().unwrap() > 1_000_000);
        let rep = read_json(&out.path().join(dir).join("report.json"));
        assert_eq!(
            x["outputs"], 8,
            "3 sources x 2 languages + 2 syntheses: {} {}",
            rep["errors"], rep["sources"]
        );
        let rate = x["language_pass_rate"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&rate));
        assert!(x["compression_ratio"].as_f64().unwrap() > 0.0);
        // Each model's own folder is a complete summarize run.
        for f in bisum::run::expected_files(
            &out.path().join(dir),
            &["tramway-audit", "tramway-commercants", "tramway-conseil"],
        ) {
            assert!(f.is_file(), "{}", f.display());
        }
    }
    // The same chunk plan for both models, and it is the one recorded.
    let plan_of = |dir: &str| chunk_plan(&read_json(&out.path().join(dir).join("report.json")));
    let plan_a = plan_of("tiny-a");
    assert_eq!(plan_a, plan_of("tiny-b"));
    assert!(
        plan_a.iter().any(|p| p.len() > 1),
        "no source was chunked: {plan_a:?}"
    );
    assert_eq!(plan_a, chunk_plan(&c));

    // Side by side: a section per source and language plus the syntheses, a cell per model
    // holding exactly what that model wrote.
    let sections = c["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 3 * 2 + 2);
    let s1fr = sections
        .iter()
        .find(|s| s["id"] == "S1" && s["lang"] == "fr")
        .unwrap();
    let audit_fr = |dir: &str| {
        let r = read_json(&out.path().join(dir).join("report.json"));
        r["summaries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == "S1" && s["lang"] == "fr")
            .unwrap()["text"]
            .clone()
    };
    assert_eq!(s1fr["cells"][0]["text"], audit_fr("tiny-a"));
    assert_eq!(s1fr["cells"][1]["text"], audit_fr("tiny-b"));
    assert_ne!(s1fr["cells"][0]["text"], s1fr["cells"][1]["text"]);

    let md = std::fs::read_to_string(out.path().join("compare.md")).unwrap();
    assert!(
        md.contains("| `tiny-a` | ok |") && md.contains("| `tiny-b` | ok |"),
        "{md}"
    );
    assert!(md.contains("| `tiny-a` | `tiny-b` |"), "{md}");
    let html = std::fs::read_to_string(out.path().join("compare.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing fetched from anywhere.
    for outside in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(
            !html.contains(outside),
            "compare.html refers outside itself: {outside}"
        );
    }
}

#[test]
fn a_bad_model_is_reported_and_the_others_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mamba = dir.path().join("mamba.gguf");
    unknown_arch(&mamba);
    // A registry model whose file does not hash to its manifest's sha256.
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::copy(tiny_model(), models.join("tampered.gguf")).unwrap();
    let size = std::fs::metadata(tiny_model()).unwrap().len();
    std::fs::write(
        models.join("tampered.toml"),
        format!(
            "name = \"tampered\"\ndescription = \"d\"\narchitecture = \"llama\"\n\
             file = \"tampered.gguf\"\nsize = {size}\nsha256 = \"{}\"\nlicense = \"x\"\n\
             context_length = 4096\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let source = examples().join("tramway-conseil.txt");
    let a = compare(
        home.path(),
        out.path(),
        &[&mamba, Path::new("tampered"), &tiny_model()],
        &[&source],
    )
    .code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    let line = |what: &str| {
        stderr
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no line for {what}: {stderr}"))
            .to_string()
    };
    let l = line("mamba.gguf");
    assert!(
        l.starts_with("bisum: ") && l.contains("unsupported architecture `mamba`"),
        "{l}"
    );
    let l = line("tampered.gguf");
    assert!(
        l.starts_with("bisum: ") && l.contains("sha256 mismatch"),
        "{l}"
    );
    let c = read_json(&out.path().join("compare.json"));
    let status: Vec<&str> = c["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["error", "error", "ok"]);
    assert!(out.path().join("tiny/tramway-conseil.fr.md").is_file());
    let md = std::fs::read_to_string(out.path().join("compare.md")).unwrap();
    assert!(md.contains("| `mamba` | **failed** |"), "{md}");

    // The same two models through `summarize`: one line naming the file and the reason.
    for (model, why) in [
        (mamba.to_str().unwrap(), "unsupported architecture `mamba`"),
        ("tampered", "sha256 mismatch"),
    ] {
        let a = bisum(home.path())
            .arg("summarize")
            .arg(&source)
            .args(["--model", model, "--out"])
            .arg(out.path().join("single"))
            .assert()
            .code(1);
        let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        let last = err.lines().last().unwrap();
        assert!(last.contains(".gguf") && last.contains(why), "{err}");
    }
}

/// Renders compare.html in headless Chromium (Debian's `chromium`; `.ci/run` installs it),
/// checks the rendered DOM has the side-by-side tables, and takes a screenshot.
#[test]
fn compare_html_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_models(dir.path());
    let out = dir.path().join("out");
    let home = tempfile::tempdir().unwrap();
    compare(
        home.path(),
        &out,
        &[&a, &b],
        &[
            &examples().join("tramway-audit.txt"),
            &examples().join("tramway-conseil.txt"),
        ],
    )
    .code(0);
    let page = out.join("compare.html");
    let run = |extra: &[&str]| chromium(&page, extra);
    let dom = run(&["--dump-dom"]);
    assert!(dom.contains("id=\"figures\""), "{dom}");
    let side = dom.matches("<table class=\"side\"").count();
    assert_eq!(
        side,
        2 * 2 + 2,
        "a table per source and language, and per synthesis"
    );
    assert!(dom.contains("<th><code>tiny-a</code></th><th><code>tiny-b</code></th>"));

    let shot = out.join("compare.png");
    run(&[&format!("--screenshot={}", shot.display())]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1400, 1000));
    // Not a blank page: the table borders and text make many distinct rows of pixels.
    let row = info.line_size;
    let distinct: std::collections::HashSet<&[u8]> =
        buf[..row * info.height as usize].chunks(row).collect();
    assert!(
        distinct.len() > 100,
        "screenshot looks blank ({} distinct rows)",
        distinct.len()
    );
    if let Ok(keep) = std::env::var("BISUM_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
