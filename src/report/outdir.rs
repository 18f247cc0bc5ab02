//! The output folder as a run holds it: locked against a second run, with a manifest of
//! the files bisum wrote there, so that a user's own file is never overwritten without
//! `--force` and files of an earlier run that this one does not rewrite are listed.

use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

const LOCK: &str = ".bisum-lock";
const MANIFEST: &str = ".bisum-manifest.json";

/// An output folder held by this run. The lock is an advisory `flock` on `.bisum-lock`:
/// the kernel drops it when the process ends, however it ends, so a killed run never
/// leaves a stale lock behind.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    _lock: File,
    /// Files bisum wrote here before, by name relative to the folder.
    previous: BTreeSet<String>,
    /// A folder an earlier bisum wrote before manifests existed (it has a call cache and
    /// no manifest): its files are taken to be bisum's.
    legacy: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    files: BTreeSet<String>,
}

impl OutputDir {
    /// Creates the folder if needed, checks it can be written, takes its lock, and clears
    /// the temporary files an interrupted write left (no other run can be writing them).
    pub fn open(path: &Path) -> Result<Self> {
        let unusable = |e: std::io::Error| Error::Output {
            path: path.to_path_buf(),
            reason: format!("output folder unusable: {e}"),
        };
        std::fs::create_dir_all(path).map_err(unusable)?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(LOCK))
            .map_err(unusable)?;
        // SAFETY: flock on a file descriptor this function owns; no memory is involved.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Err(Error::Output {
                path: path.to_path_buf(),
                reason: "another bisum run is writing into this folder; wait for it, or choose another --out".into(),
            });
        }
        remove_stale_temporaries(path);
        let manifest = std::fs::read_to_string(path.join(MANIFEST))
            .ok()
            .and_then(|t| serde_json::from_str::<Manifest>(&t).ok());
        let legacy = manifest.is_none() && path.join(".bisum-cache").is_dir();
        Ok(Self {
            path: path.to_path_buf(),
            _lock: lock,
            previous: manifest.map(|m| m.files).unwrap_or_default(),
            legacy,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Claims the files this run will write (names relative to the folder): one that
    /// exists and was not written by bisum is an error unless `force`. Records them in the
    /// manifest, and returns the files of earlier runs that this run does not rewrite and
    /// that are still there (stale), sorted.
    pub fn claim(&self, planned: &BTreeSet<String>, force: bool) -> Result<Vec<String>> {
        if !force && !self.legacy {
            if let Some(theirs) = planned
                .iter()
                .find(|f| !self.previous.contains(*f) && self.path.join(f).exists())
            {
                return Err(Error::Output {
                    path: self.path.join(theirs),
                    reason: "exists and was not written by bisum: give --force to overwrite it, or choose another --out".into(),
                });
            }
        }
        let stale: Vec<String> = self
            .previous
            .difference(planned)
            .filter(|f| self.path.join(f).exists())
            .cloned()
            .collect();
        let files: BTreeSet<String> = planned.union(&self.previous).cloned().collect();
        let mut json = serde_json::to_vec_pretty(&Manifest { files }).expect("manifest serializes");
        json.push(b'\n');
        super::files::write_atomic(&self.path.join(MANIFEST), &json)?;
        Ok(stale)
    }
}

/// `.bisum-*.tmp` files: what `write_atomic` leaves when the process is killed mid-write.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".bisum-") && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_second_holder_is_refused_and_the_lock_goes_with_the_first() {
        let d = tempfile::tempdir().unwrap();
        let first = OutputDir::open(d.path()).unwrap();
        let e = OutputDir::open(d.path()).unwrap_err().to_string();
        assert!(e.contains("another bisum run"), "{e}");
        drop(first);
        OutputDir::open(d.path()).unwrap();
    }

    #[test]
    fn user_files_are_kept_unless_forced_and_stale_outputs_are_listed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("report.json"), "mine").unwrap();
        let out = OutputDir::open(d.path()).unwrap();
        let e = out
            .claim(&set(&["a.fr.md", "report.json"]), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("report.json") && e.contains("--force"), "{e}");
        assert!(out
            .claim(&set(&["a.fr.md", "report.json"]), true)
            .unwrap()
            .is_empty());
        std::fs::write(d.path().join("a.fr.md"), "summary").unwrap();
        drop(out);
        // A later run over other sources: its own earlier files are no obstacle, and the
        // one it does not rewrite is listed as stale.
        let out = OutputDir::open(d.path()).unwrap();
        let stale = out.claim(&set(&["b.fr.md", "report.json"]), false).unwrap();
        assert_eq!(stale, vec!["a.fr.md".to_string()]);
    }

    #[test]
    fn temporaries_of_a_killed_write_are_removed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".bisum-x1y2.tmp"), "half").unwrap();
        std::fs::write(d.path().join("keep.tmp"), "user's").unwrap();
        OutputDir::open(d.path()).unwrap();
        assert!(!d.path().join(".bisum-x1y2.tmp").exists());
        assert!(d.path().join("keep.tmp").exists());
    }

    #[test]
    fn a_folder_of_an_earlier_bisum_without_manifest_is_bisums() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join(".bisum-cache")).unwrap();
        std::fs::write(d.path().join("report.json"), "{}").unwrap();
        let out = OutputDir::open(d.path()).unwrap();
        assert!(out.claim(&set(&["report.json"]), false).is_ok());
    }
}
