//! The serving-fleet backend (`--backend`, `fleet` feature) against a scripted
//! OpenAI-compatible server on loopback: what a parallel run writes, faults and retries,
//! the API key, and the address policy. The same flags against llama.cpp's own server are
//! in tests/llama_server.rs.
#![cfg(feature = "fleet")]

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the scripted server does with chat calls.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Answer,
    /// HTTP 500 for the first N chat calls, then answers.
    FailFirst(usize),
}

#[derive(Default)]
struct Seen {
    chats: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    auth: Mutex<Vec<String>>,
}

struct Fake {
    url: String,
    seen: Arc<Seen>,
}

/// Starts the scripted server on a free loopback port. Chat calls take 100 ms, so calls
/// in flight overlap when the client sends several; a prompt holding `POISON` is answered
/// with invalid JSON, always.
fn fake_server(mode: Mode) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let shared = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = shared.clone();
            std::thread::spawn(move || serve(stream, mode, &seen));
        }
    });
    Fake { url, seen }
}

fn serve(stream: TcpStream, mode: Mode, seen: &Seen) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        if let Some(v) = line
            .strip_prefix("Authorization:")
            .or(line.strip_prefix("authorization:"))
        {
            seen.auth.lock().unwrap().push(v.trim().to_string());
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let body = String::from_utf8(body).unwrap();
    let (status, reply) = if head.starts_with("GET /v1/models") {
        (
            200,
            r#"{"object":"list","data":[{"id":"scripted-model","object":"model"}]}"#.to_string(),
        )
    } else if head.starts_with("POST /v1/chat/completions") {
        chat(&body, mode, seen)
    } else {
        (404, r#"{"error":"not found"}"#.to_string())
    };
    let mut out = stream;
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
}

fn chat(body: &str, mode: Mode, seen: &Seen) -> (u16, String) {
    let n = seen.chats.fetch_add(1, Ordering::SeqCst);
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    if let Mode::FailFirst(k) = mode {
        if n < k {
            return (500, r#"{"error":"overloaded"}"#.into());
        }
    }
    if body.contains("POISON") {
        return (200, "{\"choices\": [".into());
    }
    let request: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(request["temperature"], 0.0);
    assert_eq!(request["repeat_penalty"].as_f64().unwrap() as f32, 1.1);
    let system = request["messages"][0]["content"].as_str().unwrap();
    // Answers differ with the prompt, as a model's do (identical calls would be served from
    // the cache, and so made once).
    let words = request["messages"][1]["content"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .count();
    let text = if system.contains("Tu es") {
        format!("Le conseil municipal a voté le budget du tramway, {words} mots [S1][S2][S3].")
    } else {
        format!("The city council voted the tramway budget, {words} words [S1][S2][S3].")
    };
    let reply = serde_json::json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 12, "total_tokens": 112},
    });
    (200, reply.to_string())
}

/// report.json without what differs between two runs of the same work: timings and the
/// record of how long things took.
fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    for c in v["calls"].as_array_mut().unwrap() {
        for k in [
            "seconds",
            "prompt_seconds",
            "generation_seconds",
            "prompt_tokens_per_second",
            "generation_tokens_per_second",
        ] {
            c[k] = serde_json::Value::Null;
        }
    }
    v["totals"] = serde_json::Value::Null;
    let p = &mut v["provenance"];
    p["wall_seconds"] = serde_json::Value::Null;
    p["started_at_unix"] = serde_json::Value::Null;
    v
}

fn fleet_run(home: &Path, url: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    fleet_run_on(&examples(), home, url, out, extra)
}

fn fleet_run_on(
    sources: &Path,
    home: &Path,
    url: &str,
    out: &Path,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    bisum(home)
        .arg("summarize")
        .arg(sources)
        .args(["--quiet", "--model"])
        .arg(tiny_model())
        .args(["--backend", url, "--out"])
        .arg(out)
        .args(extra)
        .env("BISUM_API_KEY", "sk-test-0123456789")
        .assert()
}

#[test]
fn a_parallel_fleet_run_writes_what_a_sequential_one_writes() {
    let home = tempfile::tempdir().unwrap();
    let (one, three) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = fake_server(Mode::Answer);
    let a = fleet_run(home.path(), &server.url, one.path(), &[]);
    assert!(
        matches!(a.get_output().status.code(), Some(0 | 3)),
        "{:?}",
        a.get_output()
    );
    assert_eq!(server.seen.most_in_flight.load(Ordering::SeqCst), 1);
    let sequential_calls = server.seen.chats.load(Ordering::SeqCst);

    let server = fake_server(Mode::Answer);
    let b = fleet_run(home.path(), &server.url, three.path(), &["--parallel", "3"]);
    assert_eq!(a.get_output().status.code(), b.get_output().status.code());
    assert!(
        server.seen.most_in_flight.load(Ordering::SeqCst) >= 2,
        "several calls were in flight at once"
    );
    assert_eq!(server.seen.chats.load(Ordering::SeqCst), sequential_calls);

    let stems = ["tramway-audit", "tramway-commercants", "tramway-conseil"];
    assert_same_markdown(one.path(), three.path(), &stems);
    let (ra, rb) = (
        read_json(&one.path().join("report.json")),
        read_json(&three.path().join("report.json")),
    );
    let mut provenance_b = without_timings(rb.clone());
    // The URL is the one thing the two runs were told differently.
    provenance_b["provenance"]["model"]["backend"] = ra["provenance"]["model"]["backend"].clone();
    provenance_b["provenance"]["model"]["device"] = ra["provenance"]["model"]["device"].clone();
    assert_eq!(without_timings(ra.clone()), provenance_b);

    let model = &ra["provenance"]["model"];
    assert_eq!(model["engine"], "server");
    let endpoint = &model["backend"]["endpoints"][0];
    assert_eq!(endpoint["model_id"], "scripted-model");
    assert_eq!(endpoint["reach"], "loopback");
    // The key went to the server, and nowhere into what bisum wrote.
    assert!(server
        .seen
        .auth
        .lock()
        .unwrap()
        .iter()
        .all(|a| a == "Bearer sk-test-0123456789"));
    for dir in [one.path(), three.path()] {
        for f in std::fs::read_dir(dir).unwrap().flatten() {
            if f.path().is_file() {
                let text = std::fs::read_to_string(f.path()).unwrap();
                assert!(!text.contains("sk-test"), "{}", f.path().display());
            }
        }
    }
    // The cache knows the server's model: a rerun is served from it, and the in-process
    // engine's would not be.
    let again = fleet_run(home.path(), &server.url, three.path(), &["--parallel", "3"]);
    assert_eq!(
        again.get_output().status.code(),
        b.get_output().status.code()
    );
    let r = read_json(&three.path().join("report.json"));
    assert!(r["calls"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["cached"] == true));
}

#[test]
fn a_long_sources_chunks_are_noted_at_once_and_merged_as_in_order() {
    let home = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    // ~12 KB, one byte per token with the tiny model: several chunks at --ctx 2048.
    let sentence = "Le conseil municipal a voté le budget du tramway après un long débat. ";
    std::fs::write(src.path().join("long.txt"), sentence.repeat(170)).unwrap();
    let (one, four) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = ["--ctx", "2048"];
    let server = fake_server(Mode::Answer);
    let a = fleet_run_on(src.path(), home.path(), &server.url, one.path(), &args);
    let server = fake_server(Mode::Answer);
    let args4 = ["--ctx", "2048", "--parallel", "4"];
    let b = fleet_run_on(src.path(), home.path(), &server.url, four.path(), &args4);
    assert_eq!(a.get_output().status.code(), b.get_output().status.code());
    assert!(server.seen.most_in_flight.load(Ordering::SeqCst) >= 2);
    assert!(server.seen.most_in_flight.load(Ordering::SeqCst) <= 4);
    let (ra, rb) = (
        read_json(&one.path().join("report.json")),
        read_json(&four.path().join("report.json")),
    );
    assert!(ra["sources"][0]["chunks"].as_array().unwrap().len() >= 3);
    assert_eq!(ra["summaries"], rb["summaries"]);
    let calls = |r: &serde_json::Value| without_timings(r.clone())["calls"].clone();
    assert_eq!(calls(&ra), calls(&rb));
}

#[test]
fn a_server_error_is_retried_and_a_call_that_fails_for_good_fails_its_source_only() {
    let home = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    std::fs::write(
        src.path().join("good.txt"),
        "Le conseil municipal a voté mardi le budget du tramway, soit 412 millions d'euros.",
    )
    .unwrap();
    std::fs::write(
        src.path().join("bad.txt"),
        "POISON. The city council voted the tramway budget on Tuesday.",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    // The first two calls are answered 500: retried, they succeed.
    let server = fake_server(Mode::FailFirst(2));
    let run = bisum(home.path())
        .arg("summarize")
        .arg(src.path())
        .args(["--quiet", "--model"])
        .arg(tiny_model())
        .args(["--backend", &server.url, "--out"])
        .arg(out.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("bad.txt"), "{stderr}");
    assert!(lines[0].contains("invalid JSON"), "{stderr}");
    assert!(lines[0].contains("gave up after 4 tries"), "{stderr}");
    assert!(out.path().join("good.fr.md").is_file());
    assert!(out.path().join("good.en.md").is_file());
    let r = read_json(&out.path().join("report.json"));
    assert_eq!(r["finished"], true);
    assert_eq!(r["complete"], false);
}

#[test]
fn a_server_that_does_not_answer_is_a_one_line_error() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = fleet_run(
        home.path(),
        &format!("http://127.0.0.1:{port}/v1"),
        out.path(),
        &[],
    )
    .code(1);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        stderr.starts_with("bisum: backend http://127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.lines().all(|l| l.starts_with("bisum: ")), "{stderr}");
}

/// `bisum` inside a network namespace with no interface but its own loopback: nothing it
/// sends can leave the machine, even if the address check were wrong.
fn isolated(home: &Path) -> std::process::Command {
    let ok = |args: &[&str]| {
        std::process::Command::new("unshare")
            .args(args)
            .arg("true")
            .status()
            .is_ok_and(|s| s.success())
    };
    let flags: &[&str] = if ok(&["-n"]) {
        &["-n"]
    } else if ok(&["-r", "-n"]) {
        &["-r", "-n"]
    } else {
        panic!("this test needs `unshare -n` (util-linux) to isolate the network");
    };
    let mut c = std::process::Command::new("unshare");
    c.args(flags)
        .arg(assert_cmd::cargo::cargo_bin("bisum"))
        .env("BISUM_HOME", home)
        .env_remove("BISUM_MODEL");
    c
}

#[test]
fn a_public_endpoint_is_refused_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            "http://203.0.113.7:8080/v1",
            "203.0.113.7 is a public address",
        ),
        (
            "http://[2001:db8::1]:8080/v1",
            "2001:db8::1 is a public address",
        ),
        (
            "http://user:hunter2@10.1.2.3:8080/v1",
            "credentials in the URL",
        ),
    ] {
        let o = isolated(home.path())
            .arg("summarize")
            .arg(examples())
            .arg("--model")
            .arg(tiny_model())
            .args(["--backend", url, "--out"])
            .arg(out.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(2), "{url}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    // A private address passes the check; in the namespace it cannot be reached.
    let o = isolated(home.path())
        .arg("summarize")
        .arg(examples())
        .arg("--model")
        .arg(tiny_model())
        .args([
            "--backend",
            "http://10.1.2.3:8080/v1",
            "--backend-timeout",
            "5",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("bisum: backend http://10.1.2.3:8080/v1"),
        "{stderr}"
    );
    assert!(!stderr.contains("public"), "{stderr}");
}
