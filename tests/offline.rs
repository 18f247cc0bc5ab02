//! Offline proof: `bisum summarize` in a network namespace with no usable interface (only a
//! loopback that is down) succeeds and writes exactly what it writes with the network.

mod common;
use common::*;
use std::process::Command;

#[test]
fn summarize_runs_identically_without_any_network() {
    // The namespace really has no network: one interface, loopback, and it is down.
    let links = Command::new("unshare")
        .args(["-n", "cat", "/proc/net/dev"])
        .output()
        .expect("unshare (util-linux) is needed for the offline test");
    assert!(
        links.status.success(),
        "unshare -n failed: {}",
        String::from_utf8_lossy(&links.stderr)
    );
    let devs = String::from_utf8_lossy(&links.stdout);
    let ifaces: Vec<&str> = devs
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(ifaces, ["lo"], "{devs}");

    let bin = assert_cmd::cargo::cargo_bin("bisum");
    let home = tempfile::tempdir().unwrap();
    let online = tempfile::tempdir().unwrap();
    let offline = tempfile::tempdir().unwrap();
    let run = |out: &std::path::Path, isolated: bool| {
        let mut c = if isolated {
            let mut c = Command::new("unshare");
            c.arg("-n").arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        let status = c
            .arg("summarize")
            .arg(examples())
            .arg("--out")
            .arg(out)
            .arg("--model")
            .arg(tiny_model())
            .args(["--quiet", "--no-cache"])
            .env("BISUM_HOME", home.path())
            .env("RAYON_NUM_THREADS", "1")
            .status()
            .unwrap();
        // 0, or 3 when the tiny model's gibberish fails the language check: all written.
        assert!(
            matches!(status.code(), Some(0) | Some(3)),
            "isolated={isolated}: {status}"
        );
    };
    run(online.path(), false);
    run(offline.path(), true);
    let stems = ["tramway-audit", "tramway-commercants", "tramway-conseil"];
    assert_same_markdown(online.path(), offline.path(), &stems);
}
