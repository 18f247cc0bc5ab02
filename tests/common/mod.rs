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

/// `bisum` as a process that file permissions apply to. As root (CI containers), the
/// capabilities that bypass them are dropped with `setpriv`, so a mode-000 file really is
/// unreadable; the process stays root and can still reach its own files.
pub fn bisum_with_permissions(home: &Path) -> Command {
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false);
    let bin = assert_cmd::cargo::cargo_bin("bisum");
    let mut c = if root {
        let mut c = Command::new("setpriv");
        c.args([
            "--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search",
        ])
        .arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.env("BISUM_HOME", home)
        .env_remove("BISUM_MODEL")
        .env("RAYON_NUM_THREADS", "1");
    c
}

/// Writes a one-page PDF with a real text layer (Helvetica, WinAnsiEncoding), one text
/// line per entry of `lines`; an empty entry leaves a blank line (a paragraph break).
pub fn write_pdf(path: &Path, lines: &[&str]) {
    let mut content = b"BT /F1 11 Tf 14 TL 72 760 Td\n".to_vec();
    for l in lines {
        content.push(b'(');
        for c in l.chars() {
            let mut buf = [0; 4];
            let (b, _, bad) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
            assert!(!bad, "{c} is not in WinAnsiEncoding");
            for &byte in b.iter() {
                if matches!(byte, b'(' | b')' | b'\\') {
                    content.push(b'\\');
                }
                content.push(byte);
            }
        }
        content.extend_from_slice(b") Tj T*\n");
    }
    content.extend_from_slice(b"ET\n");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(),
            content,
            b"\nendstream".to_vec(),
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(o);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    std::fs::write(path, pdf).unwrap();
}

/// Writes a minimal Word document, one `<w:p>` per paragraph (XML-escaped, with a tab and
/// a line break where the text has `\t` and `\n`).
pub fn write_docx(path: &Path, paragraphs: &[&str]) {
    use std::io::Write;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\t', "</w:t><w:tab/><w:t>")
            .replace('\n', "</w:t><w:br/><w:t>")
    };
    let body: String = paragraphs
        .iter()
        .map(|p| {
            format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                esc(p)
            )
        })
        .collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document \
         xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}\
         <w:sectPr/></w:body></w:document>"
    );
    let files = [
        ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".to_string()),
        ("word/document.xml", document),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in files {
        zip.start_file(name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// Headless Chromium's rendering of a local page, as `--dump-dom` prints it (Debian's
/// `chromium`; scripts/test.sh installs it). `extra` adds flags (a screenshot).
#[allow(dead_code)]
pub fn chromium(page: &Path, extra: &[&str]) -> String {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("headless Chromium is needed for this test: `apt-get install chromium` (scripts/test.sh does)");
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a model double reports about itself.
#[allow(dead_code)]
pub fn double_info(name: &str, context_length: usize) -> bisum::model::ModelInfo {
    bisum::model::ModelInfo {
        name: name.into(),
        path: name.into(),
        sha256: "0".repeat(64),
        file_size: 0,
        architecture: "test".into(),
        quantization: "none".into(),
        context_length,
        chat_template: "none".into(),
        chat_template_sha256: String::new(),
        device: "cpu".into(),
        engine: Default::default(),
        kernels: None,
        threads: 1,
        decoding: None,
        backend: None,
    }
}

/// A model double's answer: one token per word, timed at 10 ms per phase.
#[allow(dead_code)]
pub fn answer(
    text: String,
    prompt_tokens: usize,
    stop: bisum::model::StopReason,
) -> bisum::model::Generation {
    bisum::model::Generation {
        generated_tokens: text.split_whitespace().count(),
        prompt_tokens,
        reused_prompt_tokens: 0,
        new_prompt_tokens: None,
        drafted_tokens: 0,
        accepted_draft_tokens: 0,
        text,
        prompt_seconds: 0.01,
        generation_seconds: 0.01,
        stop,
        score: None,
        read: Vec::new(),
    }
}

/// A test double's prompt length: one token per word, four per message.
pub fn words_in(messages: &[bisum::model::Message]) -> usize {
    messages
        .iter()
        .map(|m| m.content.split_whitespace().count() + 4)
        .sum()
}

/// The `Generate` methods a test double that counts one token per word writes the same
/// way: its `info` field, words for text, `words_in` for a conversation.
#[macro_export]
macro_rules! counts_words {
    () => {
        fn info(&self) -> &bisum::model::ModelInfo {
            &self.info
        }
        fn count_tokens(&self, text: &str) -> bisum::Result<usize> {
            Ok(text.split_whitespace().count())
        }
        fn prompt_tokens(&self, messages: &[bisum::model::Message]) -> bisum::Result<usize> {
            Ok($crate::common::words_in(messages))
        }
    };
}
