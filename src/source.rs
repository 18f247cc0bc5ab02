//! Finding, reading and normalising the documents to summarize.

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// File extensions read when a directory is given.
pub const EXTENSIONS: &[&str] = &["txt", "md"];

/// A source document, read and normalised, with its stable id (`S1`, `S2`, …).
#[derive(Debug, Clone)]
pub struct Source {
    /// `S1`..`Sn`, in the order the sources were given (directories sorted by path).
    pub id: String,
    pub path: PathBuf,
    /// Output file stem: the file stem, made unique within the run.
    pub stem: String,
    /// NFC-normalised text with tidy whitespace.
    pub text: String,
    /// sha256 of the normalised text, so a report can be matched to its input.
    pub sha256: String,
}

/// Expands the command-line arguments into a list of files: files as given, directories
/// walked recursively for `.txt` and `.md` (sorted, so ids are stable between runs).
/// A path that does not exist is returned as an error for that path, not for the run.
pub fn expand(args: &[PathBuf]) -> Vec<Result<PathBuf>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for arg in args {
        if arg.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = walk(arg, &mut files) {
                out.push(Err(e));
                continue;
            }
            files.sort();
            if files.is_empty() {
                out.push(Err(Error::source_err(
                    arg,
                    "directory holds no .txt or .md file",
                )));
            }
            for f in files {
                if seen.insert(f.clone()) {
                    out.push(Ok(f));
                }
            }
        } else if arg.exists() {
            if seen.insert(arg.clone()) {
                out.push(Ok(arg.clone()));
            }
        } else {
            out.push(Err(Error::source_err(arg, "no such file or directory")));
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Reads one file and normalises it. Fails, naming the file, on unreadable, binary,
/// non-UTF-8 or empty input.
pub fn read(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if bytes.contains(&0) {
        return Err(Error::source_err(path, "binary file (contains NUL bytes)"));
    }
    let raw = String::from_utf8(bytes).map_err(|e| {
        Error::source_err(
            path,
            format!(
                "not valid UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let text = normalize(&raw);
    if text.is_empty() {
        return Err(Error::source_err(path, "empty file (no text to summarize)"));
    }
    Ok(text)
}

/// NFC, `\r\n` → `\n`, no BOM, spaces collapsed inside lines, at most one blank line
/// between paragraphs, no leading or trailing blank space. Paragraph breaks are kept
/// because the chunker cuts there first.
pub fn normalize(raw: &str) -> String {
    let nfc: String = raw.trim_start_matches('\u{feff}').nfc().collect();
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

/// Builds the numbered sources from readable files, giving each a unique output stem.
pub fn assign_ids(files: Vec<(PathBuf, String)>) -> Vec<Source> {
    let mut used = HashSet::new();
    files
        .into_iter()
        .enumerate()
        .map(|(i, (path, text))| {
            let base = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("source{}", i + 1));
            let mut stem = base.clone();
            let mut n = 2;
            while !used.insert(stem.clone()) {
                stem = format!("{base}-{n}");
                n += 1;
            }
            Source {
                id: format!("S{}", i + 1),
                sha256: crate::hash::sha256_hex(text.as_bytes()),
                path,
                stem,
                text,
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
    fn normalize_is_nfc() {
        let decomposed = "e\u{301}te\u{301}";
        assert_eq!(normalize(decomposed), "été");
    }

    #[test]
    fn read_rejects_bad_files_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.txt");
        std::fs::write(&empty, "  \n\n ").unwrap();
        let e = read(&empty).unwrap_err().to_string();
        assert!(e.contains("empty.txt") && e.contains("empty file"), "{e}");

        let bin = dir.path().join("bin.txt");
        std::fs::write(&bin, [0x47u8, 0, 1, 2]).unwrap();
        let e = read(&bin).unwrap_err().to_string();
        assert!(e.contains("bin.txt") && e.contains("binary"), "{e}");

        let latin1 = dir.path().join("latin1.txt");
        std::fs::write(&latin1, b"caf\xe9").unwrap();
        let e = read(&latin1).unwrap_err().to_string();
        assert!(e.contains("latin1.txt") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn expand_walks_directories_sorted_and_reports_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("sub/a.md"), "a").unwrap();
        std::fs::write(dir.path().join("c.pdf"), "c").unwrap();
        let missing = dir.path().join("nope.txt");
        let got = expand(&[dir.path().to_path_buf(), missing.clone()]);
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

    #[test]
    fn ids_and_stems_are_unique() {
        let s = assign_ids(vec![
            (PathBuf::from("x/a.txt"), "one".into()),
            (PathBuf::from("y/a.md"), "two".into()),
        ]);
        assert_eq!(s[0].id, "S1");
        assert_eq!(s[1].id, "S2");
        assert_eq!(s[0].stem, "a");
        assert_eq!(s[1].stem, "a-2");
    }
}
