//! The whole pipeline on a real registry model (SmolLM2-135M, the fast one) and real text:
//! files, provenance, and summaries that are real generations, not template echoes.
//! Needs `smollm2-135m` installed (scripts/test.sh pulls it).

mod common;
use common::*;

#[test]
fn smollm2_summarizes_the_examples_end_to_end() {
    let model_path = registry_model("smollm2-135m");
    let out = tempfile::tempdir().unwrap();
    bisum_real()
        .arg("summarize")
        .arg(examples())
        .args([
            "--model",
            "smollm2-135m",
            "--quiet",
            "--summary-words",
            "60",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let stems = ["tramway-audit", "tramway-commercants", "tramway-conseil"];
    for f in bisum::run::expected_files(out.path(), &stems) {
        assert!(f.is_file(), "missing {}", f.display());
    }
    let r = read_json(&out.path().join("report.json"));
    assert_eq!(r["complete"], true);
    let p = &r["provenance"];
    assert_eq!(p["model"]["name"], "smollm2-135m");
    assert_eq!(
        p["model"]["sha256"],
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    );
    assert_eq!(
        p["model"]["sha256"],
        bisum::hash::sha256_file(&model_path).unwrap()
    );
    assert_eq!(p["model"]["architecture"], "llama");
    assert_eq!(p["model"]["quantization"], "Q4_1");
    assert_eq!(p["model"]["chat_template"], "gguf");
    assert_eq!(p["model"]["context_length"], 4096);

    let summaries = r["summaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 6);
    for s in summaries.iter().chain(r["syntheses"].as_array().unwrap()) {
        let text = s["text"].as_str().unwrap();
        assert!(text.split_whitespace().count() >= 5, "too short: {s}");
        for marker in ["<|im_start|>", "<|im_end|>", "<document>", "assistant\n"] {
            assert!(!text.contains(marker), "template leaked into output: {s}");
        }
        let md = std::fs::read_to_string(out.path().join(s["file"].as_str().unwrap())).unwrap();
        assert!(
            md.contains(text),
            "{} does not hold the report's text",
            s["file"]
        );
    }
    // The notes call saw the whole source, once: its prompt is longer than the source alone.
    for (i, src) in r["sources"].as_array().unwrap().iter().enumerate() {
        let notes: Vec<_> = r["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "notes" && c["source"] == format!("S{}", i + 1))
            .collect();
        assert_eq!(notes.len(), 1);
        assert!(notes[0]["prompt_tokens"].as_u64() > src["tokens"].as_u64());
        assert!(notes[0]["generated_tokens"].as_u64().unwrap() > 0);
    }
}
