//! Prompt and output templates: files under `prompts/`, built into the binary, overridable
//! one by one with `--prompts DIR`, each hashed for the provenance record.

use crate::error::{Error, Result};
use crate::lang::Lang;
use minijinja::Environment;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../prompts/", $name)))),*]
    };
}

/// Every template bisum uses, by its path under `prompts/`.
pub const BUILTIN: &[(&str, &str)] = builtin![
    "system.fr.txt",
    "system.en.txt",
    "notes.fr.txt",
    "notes.en.txt",
    "summary.fr.txt",
    "summary.en.txt",
    "summary_direct.fr.txt",
    "summary_direct.en.txt",
    "translate.fr.txt",
    "translate.en.txt",
    "translate_examples.txt",
    "synthesis.fr.txt",
    "synthesis.en.txt",
    "reminder.fr.txt",
    "reminder.en.txt",
    "foreign.fr.txt",
    "foreign.en.txt",
    "unread.fr.txt",
    "unread.en.txt",
    "concepts.txt",
    "false_friends.en.txt",
    "false_friends.fr.txt",
    "output/summary.fr.md",
    "output/summary.en.md",
    "output/synthesis.fr.md",
    "output/synthesis.en.md",
    "output/synthesis_body.fr.md",
    "output/synthesis_body.en.md",
    "output/synthesis.html",
    "output/disagreement_lines.fr.md",
    "output/disagreement_lines.en.md",
    "output/disagreements.fr.md",
    "output/disagreements.en.md",
    "output/quoted.fr.md",
    "output/quoted.en.md",
    "output/compare.md",
    "output/compare.html",
];

/// How an examples file's name ends.
const EXAMPLES: &str = "_examples.txt";

/// One sentence said in both languages, from an examples file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pair {
    pub en: String,
    pub fr: String,
}

impl Pair {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PromptFile {
    pub text: String,
    /// `builtin` or the overriding file's path.
    pub origin: String,
    pub sha256: String,
}

pub struct Prompts {
    files: BTreeMap<String, PromptFile>,
    /// Shared by a run's worker threads (`--parallel`).
    used: Mutex<BTreeSet<String>>,
    /// The examples files' sentence pairs, parsed once at load.
    pairs: BTreeMap<String, Vec<Pair>>,
}

impl Prompts {
    /// The built-in templates, each replaced by `DIR/<same path>` when that file exists.
    pub fn load(override_dir: Option<&Path>) -> Result<Self> {
        if let Some(dir) = override_dir {
            if !dir.is_dir() {
                return Err(Error::Prompt {
                    name: dir.display().to_string(),
                    reason: "--prompts must be a directory".into(),
                });
            }
        }
        let mut files = BTreeMap::new();
        for (name, text) in BUILTIN {
            let mut file = PromptFile {
                text: text.to_string(),
                origin: "builtin".into(),
                sha256: crate::hash::sha256_hex(text.as_bytes()),
            };
            if let Some(dir) = override_dir {
                let p: PathBuf = dir.join(name);
                if p.is_file() {
                    let t = std::fs::read_to_string(&p).map_err(|e| Error::Io {
                        path: p.clone(),
                        source: e,
                    })?;
                    file = PromptFile {
                        sha256: crate::hash::sha256_hex(t.as_bytes()),
                        text: t,
                        origin: p.display().to_string(),
                    };
                }
            }
            files.insert(name.to_string(), file);
        }
        let mut p = Self {
            files,
            used: Mutex::new(BTreeSet::new()),
            pairs: BTreeMap::new(),
        };
        // Fail now, naming the file, rather than mid-run.
        for name in p.files.keys() {
            p.env_for(name)?;
        }
        let examples: Vec<String> = p
            .files
            .keys()
            .filter(|n| n.ends_with(EXAMPLES))
            .cloned()
            .collect();
        for name in examples {
            let pairs = p.parse_pairs(&name)?;
            p.pairs.insert(name, pairs);
        }
        Ok(p)
    }

    fn env_for<'s>(&'s self, name: &'s str) -> Result<Environment<'s>> {
        let f = self.files.get(name).ok_or_else(|| Error::Prompt {
            name: name.into(),
            reason: "no such prompt".into(),
        })?;
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_keep_trailing_newline(false);
        env.add_template(name, &f.text).map_err(|e| Error::Prompt {
            name: format!("{name} ({})", f.origin),
            reason: e.to_string(),
        })?;
        Ok(env)
    }

    /// Renders `name` with `ctx` and records that it was used.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let out = self.render_only(name, ctx)?;
        self.mark_used(name);
        Ok(out)
    }

    fn mark_used(&self, name: &str) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string());
    }

    /// Renders without recording a use: for measuring how many tokens a prompt takes.
    pub fn render_only(&self, name: &str, ctx: minijinja::Value) -> Result<String> {
        let env = self.env_for(name)?;
        let out = env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::Prompt {
                name: name.into(),
                reason: e.to_string(),
            })?;
        Ok(out.trim().to_string())
    }

    /// `task.lang.txt` for a task and language.
    pub fn task(&self, task: &str, lang: Lang, ctx: minijinja::Value) -> Result<String> {
        self.render(&format!("{task}.{}.txt", lang.code()), ctx)
    }

    /// The sentence pairs of an examples file (`*_examples.txt`), and a record that it was
    /// used.
    pub fn pairs(&self, name: &str) -> Result<&[Pair]> {
        let pairs = self.pairs.get(name).ok_or_else(|| Error::Prompt {
            name: name.into(),
            reason: "no such examples file".into(),
        })?;
        self.mark_used(name);
        Ok(pairs)
    }

    /// An examples file's blocks of an `en:` line and an `fr:` line, separated by blank
    /// lines.
    fn parse_pairs(&self, name: &str) -> Result<Vec<Pair>> {
        let text = self.render_only(name, minijinja::context! {})?;
        let bad = |reason: String| Error::Prompt {
            name: name.into(),
            reason,
        };
        let mut pairs = Vec::new();
        for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
            let mut pair = Pair::default();
            for line in block.lines() {
                match line.split_once(':').map(|(k, v)| (k.trim(), v.trim())) {
                    Some(("en", v)) if !v.is_empty() => pair.en = v.to_string(),
                    Some(("fr", v)) if !v.is_empty() => pair.fr = v.to_string(),
                    _ => return Err(bad(format!("expected `en: …` or `fr: …`, got {line:?}"))),
                }
            }
            if pair.en.is_empty() || pair.fr.is_empty() {
                return Err(bad(format!(
                    "a block needs an en: and an fr: line: {block:?}"
                )));
            }
            pairs.push(pair);
        }
        Ok(pairs)
    }

    /// sha256 and origin of every template rendered so far.
    pub fn used(&self) -> BTreeMap<String, PromptFile> {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|n| self.files.get(n).map(|f| (n.clone(), f.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::context;

    #[test]
    fn builtin_prompts_render_in_their_language() {
        let p = Prompts::load(None).unwrap();
        let fr = p
            .task(
                "notes",
                Lang::Fr,
                context! { text => "Bonjour.", part => 1, parts => 2, max_items => 10 },
            )
            .unwrap();
        assert!(fr.contains("<article>\nBonjour.\n</article>"), "{fr}");
        assert!(
            fr.starts_with("Voici la partie 1 sur 2") && fr.contains("Relève les faits"),
            "{fr}"
        );
        let en = p
            .task(
                "notes",
                Lang::En,
                context! { text => "Hi.", part => 2, parts => 3, max_items => 10 },
            )
            .unwrap();
        assert!(
            en.starts_with("Here is part 2 of 3") && en.contains("List the facts"),
            "{en}"
        );
        let used = p.used();
        assert_eq!(
            used.keys().collect::<Vec<_>>(),
            vec!["notes.en.txt", "notes.fr.txt"]
        );
        assert_eq!(used["notes.fr.txt"].sha256.len(), 64);
    }

    #[test]
    fn synthesis_prompt_lists_one_groups_statements_and_names_what_was_unsupported() {
        let p = Prompts::load(None).unwrap();
        let statements = vec!["Le budget est voté.", "Le conseil a voté le budget."];
        let s = p
            .task("synthesis", Lang::Fr, context! { statements => statements })
            .unwrap();
        assert!(s.starts_with("Ces énoncés viennent de 2 sources"), "{s}");
        assert!(
            s.contains("- Le budget est voté.\n- Le conseil a voté le budget."),
            "{s}"
        );
        assert!(!s.contains("Ta phrase précédente"), "{s}");
        let s = p
            .task(
                "synthesis",
                Lang::En,
                context! { statements => statements, unsupported => vec!["3 March 2031"] },
            )
            .unwrap();
        assert!(
            s.contains("not every statement gives (3 March 2031)"),
            "{s}"
        );
    }

    #[test]
    fn override_dir_replaces_one_file_and_changes_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("summary.en.txt"),
            "Summarize {{ notes }} now.",
        )
        .unwrap();
        let base = Prompts::load(None).unwrap();
        let p = Prompts::load(Some(dir.path())).unwrap();
        let out = p
            .task(
                "summary",
                Lang::En,
                context! { notes => "N", title => "t", words => 5 },
            )
            .unwrap();
        assert_eq!(out, "Summarize N now.");
        base.task(
            "summary",
            Lang::En,
            context! { notes => "N", title => "t", words => 5 },
        )
        .unwrap();
        assert_ne!(
            p.used()["summary.en.txt"].sha256,
            base.used()["summary.en.txt"].sha256
        );
        assert!(p.used()["summary.en.txt"]
            .origin
            .ends_with("summary.en.txt"));
    }

    #[test]
    fn broken_override_fails_at_load_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.fr.txt"), "{% if %}").unwrap();
        let e = Prompts::load(Some(dir.path())).err().unwrap().to_string();
        assert!(e.contains("notes.fr.txt"), "{e}");
    }

    #[test]
    fn translation_examples_come_in_pairs_and_a_broken_file_fails_at_load() {
        let p = Prompts::load(None).unwrap();
        let pairs = p.pairs("translate_examples.txt").unwrap();
        assert!(pairs.len() >= 2, "{pairs:?}");
        for pair in pairs {
            assert_eq!(crate::lang::guess(pair.get(Lang::Fr)), Lang::Fr, "{pair:?}");
            assert_eq!(crate::lang::guess(pair.get(Lang::En)), Lang::En, "{pair:?}");
        }
        assert!(p.used().contains_key("translate_examples.txt"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("translate_examples.txt");
        std::fs::write(&file, "en: One.\nfr: Un.\n\nen: Two.\n").unwrap();
        let e = Prompts::load(Some(dir.path())).err().unwrap().to_string();
        assert!(
            e.contains("translate_examples.txt") && e.contains("fr:"),
            "{e}"
        );
        std::fs::write(&file, "en: One.\nfr: Un.\n\nen: Two.\nfr: Deux.\n").unwrap();
        let two = Prompts::load(Some(dir.path())).unwrap();
        let got = two.pairs("translate_examples.txt").unwrap();
        assert_eq!(got[1].get(Lang::Fr), "Deux.");
    }
}
