//! Shared helpers for the integration tests: the tiny model, fixtures, and a `bisum`
//! command isolated from the user's model cache.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The tiny random GGUF, written once per test binary.
pub fn tiny_model() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        bisum::model::tiny::write(&d.path().join("tiny.gguf"), None).unwrap();
        d
    });
    dir.path().join("tiny.gguf")
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/mistral-armees")
}

/// `bisum` with an empty model cache, so tests never depend on what is installed.
pub fn bisum(home: &Path) -> Command {
    let mut c = Command::cargo_bin("bisum").unwrap();
    // One thread each: tests run in parallel, and candle collapses when threads outnumber cores.
    c.env("BISUM_HOME", home)
        .env_remove("BISUM_MODEL")
        .env("RAYON_NUM_THREADS", "1");
    c
}

/// `bisum` with the real model cache (the README's test command pulls the models first).
pub fn bisum_real() -> Command {
    let mut c = Command::cargo_bin("bisum").unwrap();
    c.env_remove("BISUM_MODEL");
    c
}

pub fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Path of an installed registry model, or a panic that says how to install it.
pub fn registry_model(name: &str) -> PathBuf {
    let reg =
        bisum::model::registry::Registry::open(bisum::model::registry::default_home()).unwrap();
    match reg.resolve(name) {
        Ok(r) => r.path,
        Err(e) => panic!("{e} (the README's test command, scripts/test.sh, pulls it)"),
    }
}

/// The Markdown outputs of two runs are byte-identical (report.json holds timings).
pub fn assert_same_markdown(a: &Path, b: &Path, stems: &[&str]) {
    for f in bisum::run::expected_files(a, stems) {
        if f.ends_with("report.json") {
            continue;
        }
        let other = b.join(f.file_name().unwrap());
        assert_eq!(
            std::fs::read(&f).unwrap(),
            std::fs::read(&other).unwrap(),
            "{}",
            f.display()
        );
    }
}
