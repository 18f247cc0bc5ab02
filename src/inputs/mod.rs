//! Finding, reading and normalising the documents to summarize.

use crate::checks::injection;
use crate::error::{Error, Result};
pub mod formats;

use formats::{Extracted, Format, EXTENSIONS};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Files larger than this are refused unless `--max-file-mb` says otherwise: a
/// summarizer that reads 50 MB of text would run for days, and a huge file given by
/// mistake should cost a line, not the machine's memory.
pub const DEFAULT_MAX_FILE_MB: u64 = 50;

/// Text extracted from one source is refused past this unless `--max-text-mb` says
/// otherwise: 4 MB is about a million tokens, days of prompt processing on a laptop's CPU,
/// far past what a run summarizes usefully; and it bounds what a compressed file (a DOCX
/// zip bomb) can inflate to.
pub const DEFAULT_MAX_TEXT_MB: u64 = 4;

/// How much one source may weigh: the file as read, and the text extracted from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub file_bytes: u64,
    pub text_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: DEFAULT_MAX_FILE_MB * 1_000_000,
            text_bytes: DEFAULT_MAX_TEXT_MB * 1_000_000,
        }
    }
}

/// The start of a text, enough to tell its language (lingua's time grows with length).
fn head(text: &str) -> &str {
    match text.char_indices().nth(20_000) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Output stems no source may take: the synthesis's files are `synthesis.{fr,en}.md`.
pub const RESERVED_STEMS: &[&str] = &["synthesis", "report", "compare"];

/// A file stem as an output name: control characters and path separators replaced, no
/// leading dot (a file name may hold anything but `/` and NUL).
fn safe_stem(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    s.trim_start_matches('.').to_string()
}

/// A source document, read and normalised, with its stable id (`S1`, `S2`, …).
#[derive(Debug, Clone)]
pub struct Source {
    /// `S1`..`Sn`, in the order the sources were given (directories sorted by path).
    pub id: String,
    /// The path as given or found; `-` is standard input.
    pub path: PathBuf,
    /// Output file stem: the file stem, made unique within the run.
    pub stem: String,
    /// NFC-normalised text with tidy whitespace.
    pub text: String,
    /// sha256 of the normalised text, so a report can be matched to its input.
    pub sha256: String,
    pub format: Format,
    /// The text encoding found (`UTF-8`, `windows-1252`, …; `pdf` for a PDF's text layer).
    pub encoding: &'static str,
    /// Passages addressed to a language model rather than a reader.
    pub injection: Vec<String>,
    /// The language of the text (ISO 639-1), among those the checks tell apart; a source
    /// in neither French nor English is still summarized in both.
    pub detected_language: Option<String>,
}

/// How a path is named in messages: standard input is `<stdin>`.
pub fn label(path: &Path) -> PathBuf {
    if is_stdin(path) {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Expands the command-line arguments into a list of files: `-` for standard input, files
/// as given, directories walked recursively for the formats bisum reads (sorted, so ids
/// are stable between runs), and glob patterns the shell left alone (`'docs/*.pdf'`).
/// A path that does not exist is an error for that path, not for the run. A file reached
/// twice (through a link, or named twice) is read once. Walking skips `out` (the run's
/// output folder) and any other folder bisum wrote (one holding `.bisum-cache`), so a run
/// never summarizes its own outputs.
pub fn expand(args: &[PathBuf], out: Option<&Path>) -> Vec<Result<PathBuf>> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |found: &mut Vec<Result<PathBuf>>, p: PathBuf| {
        let identity = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.insert(identity) {
            found.push(Ok(p));
        }
    };
    let mut walker = Walker {
        visited: HashSet::new(),
        skip: out.and_then(|o| std::fs::canonicalize(o).ok()),
    };
    for arg in args {
        if is_stdin(arg) {
            push(&mut found, arg.clone());
        } else if arg.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = walker.walk(arg, &mut files) {
                found.push(Err(e));
                continue;
            }
            files.sort();
            if files.is_empty() {
                found.push(Err(Error::source_err(
                    arg,
                    format!(
                        "directory holds no file bisum reads ({})",
                        EXTENSIONS.join(", ")
                    ),
                )));
            }
            for f in files {
                push(&mut found, f);
            }
        } else if std::fs::symlink_metadata(arg).is_ok() {
            // Exists, even if it cannot be read: reading it will say why.
            push(&mut found, arg.clone());
        } else if let Some(matches) = glob_matches(arg) {
            if matches.is_empty() {
                found.push(Err(Error::source_err(arg, "no file matches this pattern")));
            }
            for f in matches {
                push(&mut found, f);
            }
        } else {
            found.push(Err(Error::source_err(arg, "no such file or directory")));
        }
    }
    found
}

/// The files a glob pattern names (sorted), or `None` when the argument is no pattern.
fn glob_matches(arg: &Path) -> Option<Vec<PathBuf>> {
    let s = arg.to_str()?;
    if !s.contains(['*', '?', '[']) {
        return None;
    }
    let paths = glob::glob(s).ok()?;
    let mut files: Vec<PathBuf> = paths
        .filter_map(|p| p.ok())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// Directory walking that ends: each directory is entered once, by its canonical path
/// (a link back up, `sub/up -> ..`, or two links to `.` cannot loop), and output folders
/// are left out.
struct Walker {
    visited: HashSet<PathBuf>,
    /// The run's output folder, canonical.
    skip: Option<PathBuf>,
}

impl Walker {
    fn walk(&mut self, dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        let io = |e| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        let canonical = std::fs::canonicalize(dir).map_err(io)?;
        if self.skip.as_ref() == Some(&canonical)
            || dir.join(".bisum-cache").exists()
            || !self.visited.insert(canonical)
        {
            return Ok(());
        }
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.is_dir() {
                self.walk(&path, files)?;
            } else if Format::from_extension(&path).is_some() {
                files.push(path);
            }
        }
        Ok(())
    }
}

/// Reads one file (or standard input for `-`), extracts its text and normalises it.
/// Fails, naming the file, on unreadable, too large, binary, badly encoded, corrupt or
/// empty input.
pub fn read(path: &Path, limits: Limits) -> Result<Extracted> {
    let max_bytes = limits.file_bytes;
    let name = label(path);
    let io = |e: std::io::Error| Error::Io {
        path: name.clone(),
        source: e,
    };
    let too_large = |size: u64| {
        Error::source_err(
            &name,
            format!(
                "too large: {:.1} MB (limit {} MB; raise it with --max-file-mb)",
                size as f64 / 1e6,
                max_bytes / 1_000_000
            ),
        )
    };
    let bytes = if is_stdin(path) {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(max_bytes + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if buf.len() as u64 > max_bytes {
            return Err(too_large(buf.len() as u64));
        }
        buf
    } else {
        // Size first: a 100 MB file is refused without reading it.
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(Error::source_err(&name, "not a regular file"));
        }
        if meta.len() > max_bytes {
            return Err(too_large(meta.len()));
        }
        std::fs::read(path).map_err(io)?
    };
    let format = if is_stdin(path) {
        Format::sniff(&bytes)
    } else {
        Format::from_extension(path).unwrap_or_else(|| Format::sniff(&bytes))
    };
    let mut got =
        formats::extract(&bytes, format, limits.text_bytes).map_err(|e| Error::Input {
            path: name.clone(),
            source: e,
        })?;
    got.text = normalize(&got.text);
    got.injection = injection::find(&got.text);
    got.text = injection::defang(&got.text);
    if got.text.is_empty() {
        return Err(Error::source_err(
            &name,
            "empty file (no text to summarize)",
        ));
    }
    Ok(got)
}

/// NFC, typographic hyphens as `-` (`typographic`), `\r\n` → `\n`, no BOM, spaces
/// collapsed inside lines, at most one blank line
/// between paragraphs, no leading or trailing blank space. Paragraph breaks are kept
/// because the chunker cuts there first.
pub fn normalize(raw: &str) -> String {
    let nfc: String = raw
        .trim_start_matches('\u{feff}')
        .nfc()
        .filter_map(typographic)
        .collect();
    let mut out = String::with_capacity(nfc.len());
    let mut blank_run = 0usize;
    for line in nfc.split('\n') {
        let line = line.trim_end_matches('\r');
        let mut collapsed = String::with_capacity(line.len());
        for word in line
            .split(|c: char| c.is_whitespace())
            .filter(|w| !w.is_empty())
        {
            if !collapsed.is_empty() {
                collapsed.push(' ');
            }
            collapsed.push_str(word);
        }
        if collapsed.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(&collapsed);
    }
    out
}

/// A character as the model reads it: the typographic hyphens as the hyphen ("accord‑cadre"
/// with a non-breaking one reads to a small model as two words, and its translation
/// keeps half: "agreement-cadre"), soft hyphens gone (they only say where a line may
/// break).
fn typographic(c: char) -> Option<char> {
    match c {
        '\u{2010}' | '\u{2011}' => Some('-'),
        '\u{ad}' => None,
        c => Some(c),
    }
}

/// Builds the numbered sources from readable files, giving each a unique output stem.
pub fn assign_ids(files: Vec<(PathBuf, Extracted)>) -> Vec<Source> {
    // Stems a summary file may not take: `synthesis.fr.md` is the synthesis's, and hidden
    // or empty names would hide the summary.
    let mut used: HashSet<String> = RESERVED_STEMS.iter().map(|s| s.to_string()).collect();
    files
        .into_iter()
        .enumerate()
        .map(|(i, (path, got))| {
            let base = if is_stdin(&path) {
                "stdin".to_string()
            } else {
                path.file_stem()
                    .map(|s| safe_stem(&s.to_string_lossy()))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("source{}", i + 1))
            };
            let mut stem = base.clone();
            let mut n = 2;
            while !used.insert(stem.clone()) {
                stem = format!("{base}-{n}");
                n += 1;
            }
            let detected_language = crate::checks::language::detect(head(&got.text));
            Source {
                id: format!("S{}", i + 1),
                sha256: crate::hash::sha256_hex(got.text.as_bytes()),
                path,
                stem,
                text: got.text,
                format: got.format,
                encoding: got.encoding,
                detected_language,
                injection: got.injection,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_space_and_keeps_paragraphs() {
        let raw = "\u{feff}  Le  ministe\u{300}re\r\n\r\n\r\n\ta   signé.\nSuite  ";
        assert_eq!(normalize(raw), "Le ministère\n\na signé.\nSuite");
    }

    #[test]
    fn typographic_hyphens_read_as_the_hyphen() {
        assert_eq!(
            normalize("accord\u{2011}cadre, porte\u{2010}parole, ré\u{ad}forme"),
            "accord-cadre, porte-parole, réforme"
        );
    }

    #[test]
    fn normalize_is_nfc() {
        let decomposed = "e\u{301}te\u{301}";
        assert_eq!(normalize(decomposed), "été");
    }

    const MB: u64 = 1_000_000;

    fn limits(file_bytes: u64) -> Limits {
        Limits {
            file_bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn read_rejects_bad_files_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            read(&p, limits(50 * MB)).unwrap_err().to_string()
        };
        let e = err("empty.txt", b"  \n\n ");
        assert!(e.contains("empty.txt") && e.contains("empty file"), "{e}");
        let e = err("bin.txt", &[0x47u8, 0, 1, 2]);
        assert!(e.contains("bin.txt") && e.contains("binary"), "{e}");
        let e = err("mixed.txt", b"caf\xc3\xa9 caf\xe9");
        assert!(
            e.contains("mixed.txt") && e.contains("invalid encoding"),
            "{e}"
        );
        let e = err("scan.pdf", b"%PDF-1.4 nothing");
        assert!(e.contains("scan.pdf") && e.contains("PDF"), "{e}");
        let e = err("fake.docx", b"plain text");
        assert!(e.contains("fake.docx") && e.contains("docx"), "{e}");
    }

    #[test]
    fn read_refuses_large_files_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        // Sparse: 100 MB on paper, nothing on disk.
        std::fs::File::create(&big)
            .unwrap()
            .set_len(100 * MB)
            .unwrap();
        let e = read(&big, limits(50 * MB)).unwrap_err().to_string();
        assert!(
            e.contains("big.txt") && e.contains("too large: 100.0 MB"),
            "{e}"
        );
    }

    #[test]
    fn read_decodes_latin1() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("latin1.txt");
        std::fs::write(&p, b"Le caf\xe9 a co\xfbt\xe9 3 \x80.").unwrap();
        let got = read(&p, limits(MB)).unwrap();
        assert_eq!(got.text, "Le café a coûté 3 €.");
        assert_eq!(got.encoding, "windows-1252");
    }

    #[test]
    fn expand_walks_directories_sorted_and_reports_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("sub/a.md"), "a").unwrap();
        std::fs::write(dir.path().join("c.jpg"), "c").unwrap();
        let missing = dir.path().join("nope.txt");
        let got = expand(&[dir.path().to_path_buf(), missing.clone()], None);
        let ok: Vec<_> = got
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .cloned()
            .collect();
        assert_eq!(
            ok,
            vec![dir.path().join("b.txt"), dir.path().join("sub/a.md")]
        );
        let err = got
            .iter()
            .find_map(|r| r.as_ref().err())
            .unwrap()
            .to_string();
        assert!(
            err.contains("nope.txt") && err.contains("no such file"),
            "{err}"
        );
    }

    fn text(t: &str) -> Extracted {
        Extracted {
            text: t.into(),
            format: Format::Text,
            encoding: "UTF-8",
            injection: Vec::new(),
        }
    }

    #[test]
    fn expand_takes_stdin_and_globs() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b.html", "a.pdf", "c.txt"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let pattern = dir.path().join("*.[hp]*");
        let none = dir.path().join("*.docx");
        let got = expand(&[PathBuf::from("-"), pattern, none], None);
        assert_eq!(got[0].as_ref().unwrap(), &PathBuf::from("-"));
        assert_eq!(got[1].as_ref().unwrap(), &dir.path().join("a.pdf"));
        assert_eq!(got[2].as_ref().unwrap(), &dir.path().join("b.html"));
        let e = got[3].as_ref().unwrap_err().to_string();
        assert!(e.contains("*.docx") && e.contains("no file matches"), "{e}");
    }

    #[test]
    fn ids_and_stems_are_unique() {
        let s = assign_ids(vec![
            (PathBuf::from("x/a.txt"), text("one")),
            (PathBuf::from("y/a.md"), text("two")),
            (PathBuf::from("-"), text("three")),
        ]);
        assert_eq!(s[2].stem, "stdin");
        assert_eq!(s[0].id, "S1");
        assert_eq!(s[1].id, "S2");
        assert_eq!(s[0].stem, "a");
        assert_eq!(s[1].stem, "a-2");
    }

    #[test]
    fn symlink_loops_end_and_each_file_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("a.txt"), "Un texte.").unwrap();
        std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("self1")).unwrap();
        std::os::unix::fs::symlink(".", dir.path().join("self2")).unwrap();
        let got: Vec<PathBuf> = expand(&[dir.path().to_path_buf()], None)
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].ends_with("a.txt"));
    }

    #[test]
    fn the_output_folder_and_bisum_outputs_are_not_sources() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "Un texte.").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.fr.md"), "Résumé.").unwrap();
        let older = dir.path().join("older-run");
        std::fs::create_dir_all(older.join(".bisum-cache")).unwrap();
        std::fs::write(older.join("a.en.md"), "Summary.").unwrap();
        let got: Vec<PathBuf> = expand(&[dir.path().to_path_buf()], Some(&out))
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(got, vec![dir.path().join("a.txt")]);
    }
}
