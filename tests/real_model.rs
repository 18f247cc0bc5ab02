//! The whole pipeline on a real registry model (SmolLM2-135M, the fast one) and real text:
//! files, provenance, and summaries that are real generations, not template echoes.
//! Needs `smollm2-135m` installed (scripts/test.sh pulls it).

mod common;
use common::*;

#[test]
fn smollm2_summarizes_the_examples_end_to_end() {
    let model_path = registry_model("smollm2-135m");
    let out = tempfile::tempdir().unwrap();
    let run = bisum_real()
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
        .assert();
    let code = run.get_output().status.code();
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
    // SmolLM2 is English-only: what it writes for the English source in English passes the
    // language check; its French may not, and then it was retried, flagged, and the run
    // ended with exit code 3 after writing everything. A summary none of whose sentences
    // passed its checks is empty, and in no wrong language.
    let outputs: Vec<&serde_json::Value> = summaries
        .iter()
        .filter(|s| !s["text"].as_str().unwrap().trim().is_empty())
        .chain(r["syntheses"].as_array().unwrap())
        .collect();
    let wrong = outputs
        .iter()
        .filter(|s| s["check"]["language"]["ok"] == false)
        .count();
    assert_eq!(
        code,
        Some(if wrong > 0 { 3 } else { 0 }),
        "{:?}",
        run.get_output()
    );
    let audit_en = summaries
        .iter()
        .find(|s| s["source"] == "S1" && s["lang"] == "en")
        .unwrap();
    assert_eq!(
        audit_en["check"]["language"]["detected"], "en",
        "{audit_en}"
    );
    for s in &outputs {
        if s["check"]["language"]["ok"] == false {
            assert_eq!(s["check"]["language"]["retried"], true, "{s}");
        }
    }
    let sources = r["sources"].as_array().unwrap();
    for s in summaries.iter().chain(r["syntheses"].as_array().unwrap()) {
        let text = s["text"].as_str().unwrap();
        // A translation none of whose sentences passed is left empty; a summary in its
        // source's own language never is (the source's opening stands in).
        let translated = sources
            .iter()
            .any(|src| src["id"] == s["source"] && src["language"] != s["lang"]);
        if translated && text.is_empty() {
            continue;
        }
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
    // One chunk per example: per source, one summary call per language (plus retries after
    // a failed check) and no notes. (That the text itself is sent once is checked on the
    // prompts' contents in tests/pipeline.rs.)
    let calls = r["calls"].as_array().unwrap();
    for (i, src) in r["sources"].as_array().unwrap().iter().enumerate() {
        let id = format!("S{}", i + 1);
        assert_eq!(src["chunks"].as_array().unwrap().len(), 1);
        let mine: Vec<_> = calls
            .iter()
            .filter(|c| c["source"] == id.as_str())
            .collect();
        // Summaries, and the readings back of French translations (`check`).
        assert!(
            mine.iter()
                .all(|c| c["kind"] == "summary" || c["kind"] == "check"),
            "{mine:?}"
        );
        // One summary call in the source's language; the other language one call per
        // sentence, numbered from 1 (a translation that, read back, lost words is asked
        // for once more under its number).
        for lang in ["fr", "en"] {
            let first: Vec<_> = mine
                .iter()
                .filter(|c| c["kind"] == "summary" && c["lang"] == lang && c["attempt"] == 1)
                .collect();
            if src["language"] == lang {
                assert_eq!(first.len(), 1, "{id} {lang}");
            } else {
                assert!(!first.is_empty(), "{id} {lang}");
                let mut numbers: Vec<u64> = Vec::new();
                for c in &first {
                    let n = c["part"]["sentence"].as_u64().unwrap();
                    if !numbers.contains(&n) {
                        numbers.push(n);
                    }
                }
                let expected: Vec<u64> = (1..=numbers.len() as u64).collect();
                assert_eq!(numbers, expected, "{id} {lang}");
            }
        }
    }
}

/// The word lists `models pull` installs rank everyday words apart from borrowings: an
/// English word left in a French sentence ("la fire") is told from one French takes
/// ("drone", "startup", "cloud"), and the everyday English words French does use are French
/// words too.
#[test]
fn the_installed_word_lists_tell_everyday_words_from_borrowings() {
    let reg =
        bisum::model::registry::Registry::open(bisum::model::registry::default_home()).unwrap();
    let (lists, missing) = reg.word_lists();
    assert!(
        missing.is_empty(),
        "{missing:?} (scripts/test.sh pulls them)"
    );
    let (fr, en) = (lists.fr.unwrap(), lists.en.unwrap());
    for w in [
        "fire", "deal", "blame", "city", "people", "said", "wind", "cost",
    ] {
        assert!(en.is_common(w) && !fr.knows(w), "{w}");
    }
    for w in ["drone", "startup", "cloud", "email", "cluster", "streaming"] {
        assert!(!en.is_common(w), "{w}");
    }
    for w in ["parking", "business", "police", "manager", "leader"] {
        assert!(fr.knows(w), "{w}");
    }
    for w in ["selon", "avec", "depuis", "gouvernement"] {
        assert!(fr.is_common(w) && !en.knows(w), "{w}");
    }
}
