//! An interrupted run loses nothing: `summarize` killed with SIGKILL mid-run, then rerun,
//! gives byte-identical outputs to an uninterrupted run and reuses the calls that finished.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn sigkill_mid_run_then_rerun_is_byte_identical_and_reuses_finished_calls() {
    // Enough sources that the run lasts well past the first finished call.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        for e in std::fs::read_dir(examples()).unwrap() {
            let p = e.unwrap().path();
            let name = format!("{i:02}-{}", p.file_name().unwrap().to_string_lossy());
            std::fs::copy(&p, dir.path().join(name)).unwrap();
        }
    }
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("bisum");
    let cmd = |out: &std::path::Path| {
        let mut c = Command::new(&bin);
        c.arg("summarize")
            .arg(dir.path())
            .arg("--out")
            .arg(out)
            .arg("--model")
            .arg(tiny_model())
            .arg("--quiet")
            .env("BISUM_HOME", home.path())
            .env("RAYON_NUM_THREADS", "1");
        c
    };
    let clean = tempfile::tempdir().unwrap();
    let st = cmd(clean.path()).status().unwrap();
    assert!(matches!(st.code(), Some(0) | Some(3)), "{st}");

    let out = tempfile::tempdir().unwrap();
    let cache = out.path().join(".bisum-cache");
    let mut child = cmd(out.path()).spawn().unwrap();
    let started = Instant::now();
    // Kill as soon as a few calls are done, before the run can finish.
    loop {
        let done = std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
        if done >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no call finished"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let finished = std::fs::read_dir(&cache).unwrap().count();
    assert!(
        !out.path().join("synthesis.en.md").exists(),
        "killed too late to test anything"
    );
    // No half-written file was left behind under an output name.
    for e in std::fs::read_dir(out.path()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name.ends_with(".md")
                || name == "report.json"
                || name == ".bisum-cache"
                || name.starts_with(".bisum-"),
            "{name}"
        );
    }

    let st = cmd(out.path()).status().unwrap();
    assert!(matches!(st.code(), Some(0) | Some(3)), "{st}");
    let stems: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
    assert_same_markdown(clean.path(), out.path(), &stems);
    let r = read_json(&out.path().join("report.json"));
    let cached = r["provenance"]["cached_calls"].as_u64().unwrap() as usize;
    assert!(
        cached >= finished,
        "reused {cached} calls, {finished} had finished before the kill"
    );
    assert_eq!(r["complete"], true);
}
