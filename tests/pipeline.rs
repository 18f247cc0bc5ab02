//! Pipeline logic against a scripted model double: which calls happen in which language,
//! that hierarchical merging ends within the context, and that citations are checked.

use bisum::model::{GenParams, Generate, Generation, Message, ModelInfo, StopReason};
use bisum::pipeline::Silent;
use bisum::report::outdir::OutputDir;
use bisum::report::records::CallKind;
use bisum::run::RunConfig;
use bisum::settings::Settings;
use bisum::Result;
use std::path::Path;

/// One token per word; answers by recognising which prompt it was given.
struct Scripted {
    info: ModelInfo,
    seen: Vec<(String, String)>, // (system prompt, user prompt)
    synthesis_answer: String,
    words_per_answer: usize,
    section_answer: String,
    /// Syntheses as long as allowed, with no sentence end: what a random model writes.
    junk_syntheses: bool,
}

impl Scripted {
    fn new(ctx: usize) -> Self {
        Self {
            info: ModelInfo {
                name: "scripted".into(),
                path: "scripted".into(),
                sha256: "0".repeat(64),
                file_size: 0,
                architecture: "test".into(),
                quantization: "none".into(),
                context_length: ctx,
                chat_template: "none".into(),
                chat_template_sha256: String::new(),
                device: "cpu".into(),
                engine: Default::default(),
                kernels: None,
                threads: 1,
                backend: None,
            },
            seen: Vec::new(),
            synthesis_answer: "Les sources sont d'accord sur le principe [S1][S2]. Elles divergent sur la date [S2] contre [S9].".into(),
            words_per_answer: 20,
            section_answer: "- Les sources divergent sur la date.".into(),
            junk_syntheses: false,
        }
    }
}

impl Generate for Scripted {
    fn info(&self) -> &ModelInfo {
        &self.info
    }
    fn count_tokens(&self, text: &str) -> Result<usize> {
        Ok(text.split_whitespace().count())
    }
    fn prompt_tokens(&self, messages: &[Message]) -> Result<usize> {
        Ok(messages
            .iter()
            .map(|m| m.content.split_whitespace().count() + 4)
            .sum::<usize>()
            + 2)
    }
    fn generate(
        &mut self,
        messages: &[Message],
        p: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages[1].content;
        self.seen.push((messages[0].content.clone(), user.clone()));
        // Answers in the language of the system prompt, as a well-behaved model would.
        let french = messages[0].content.contains("Tu es");
        let phrase = if french {
            "le conseil municipal a voté le budget du tramway"
        } else {
            "the city council voted the tramway budget"
        };
        let n = self.words_per_answer.min(p.max_new_tokens);
        let filler: Vec<&str> = phrase.split(' ').cycle().take(n).collect();
        let text = if user.contains("Un programme a comparé") || user.contains("A program compared")
        {
            if french {
                self.section_answer.clone()
            } else {
                "- The sources disagree about the date [S2].".into()
            }
        } else if self.junk_syntheses
            && (user.contains("## Points communs") || user.contains("## Common ground"))
        {
            phrase
                .split(' ')
                .cycle()
                .take(p.max_new_tokens)
                .collect::<Vec<_>>()
                .join(" ")
        } else if user.contains("## Points communs") || user.contains("## Common ground") {
            if french {
                self.synthesis_answer.clone()
            } else {
                "Agreement [S1][S2]. Disagreement on the date [S2] against [S9].".into()
            }
        } else {
            filler.join(" ")
        };
        progress(1);
        Ok(Generation {
            generated_tokens: text.split_whitespace().count(),
            prompt_tokens: self.prompt_tokens(messages)?,
            reused_prompt_tokens: 0,
            text,
            prompt_seconds: 0.01,
            generation_seconds: 0.01,
            stop: StopReason::Eos,
        })
    }
}

fn config(sources: &[&Path], out: &Path) -> RunConfig {
    RunConfig {
        sources: sources.iter().map(|p| p.to_path_buf()).collect(),
        limits: Default::default(),
        out: out.to_path_buf(),
        prompts_dir: None,
        settings: Settings::default(),
        use_cache: false,
        chunk_plans: Default::default(),
        force: false,
    }
}

/// The whole run over `cfg`'s sources with the scripted model.
fn run(cfg: &RunConfig, model: &mut Scripted) -> bisum::run::RunOutcome {
    let read = bisum::run::read_sources(cfg);
    let dir = OutputDir::open(&cfg.out).unwrap();
    bisum::run::summarize(cfg, &dir, read, &mut [model], &mut Silent, &|_| {}).unwrap()
}

fn write_sources(dir: &Path, n: usize, words: usize) -> Vec<std::path::PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("doc{i:02}.txt"));
            let lang_words = if i % 2 == 0 {
                "le ministère a signé la convention et les armées"
            } else {
                "the ministry signed the agreement with the army"
            };
            let text: Vec<&str> = lang_words.split(' ').cycle().take(words).collect();
            std::fs::write(&p, text.join(" ")).unwrap();
            p
        })
        .collect()
}

#[test]
fn each_source_is_read_once_then_summarized_in_both_languages() {
    // One chunk each: a summary in the source's language from the text, then the other
    // language from that summary.
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let paths = write_sources(dir.path(), 2, 200);
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let cfg = config(&refs, out.path());
    let mut model = Scripted::new(4096);
    let outcome = run(&cfg, &mut model);
    let kinds: Vec<(String, Option<String>, &str)> = outcome
        .report
        .calls
        .iter()
        .map(|c| {
            (
                c.kind.to_string(),
                c.source.clone(),
                if c.lang == bisum::lang::Lang::Fr {
                    "fr"
                } else {
                    "en"
                },
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    let kinds: Vec<(&str, Option<String>, &str)> = kinds
        .iter()
        .map(|(k, s, l)| (k.as_str(), s.clone(), *l))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("summary", s("S1"), "fr"),
            ("summary", s("S1"), "en"),
            ("summary", s("S2"), "en"),
            ("summary", s("S2"), "fr"),
            ("synthesis", None, "fr"),
            ("synthesis", None, "en"),
        ]
    );
    // French source: summarized from its text under French prompts, then put into English
    // from that summary; the English source the other way round. Each text is read once.
    assert!(model.seen[0].0.contains("Tu es un analyste"));
    assert!(model.seen[0].1.contains("Résume cet article en français"));
    assert!(model.seen[1].0.contains("You are a careful analyst"));
    assert!(model.seen[1]
        .1
        .starts_with("Here is the summary of an article, written in French"));
    assert!(model.seen[2]
        .1
        .contains("Summarize this article in English"));
    assert!(model.seen[3]
        .1
        .starts_with("Voici le résumé d'un article, écrit en anglais"));
    for doc in &paths {
        let text = bisum::inputs::normalize(&std::fs::read_to_string(doc).unwrap());
        let reads = model.seen.iter().filter(|(_, u)| u.contains(&text)).count();
        assert_eq!(reads, 1, "{} read {reads} times", doc.display());
    }
    assert!(outcome
        .report
        .summaries
        .iter()
        .all(|s| s.check.language.ok && !s.check.language.retried));

    // Citations are checked against the real source ids.
    let syn = &outcome.report.syntheses[0];
    assert_eq!(syn.citations, vec!["S1", "S2", "S9"]);
    assert_eq!(syn.unknown_citations, vec!["S9"]);
    let md = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    assert!(
        md.contains("citations sans source correspondante : S9"),
        "{md}"
    );
}

#[test]
fn many_long_sources_in_a_small_context_merge_hierarchically_and_stay_within_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let ctx = 1400;
    // 3000-word sources: several chunks each, whose notes must be merged; 9 sources whose
    // 300-word summaries cannot all enter one synthesis prompt.
    let paths = write_sources(dir.path(), 9, 3000);
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let mut cfg = config(&refs, out.path());
    cfg.settings.notes_tokens = 300;
    cfg.settings.summary_tokens = 300;
    cfg.settings.synthesis_tokens = 300;
    let mut model = Scripted::new(ctx);
    model.words_per_answer = 300;
    let outcome = run(&cfg, &mut model);
    let calls = &outcome.report.calls;
    assert!(
        calls.iter().any(|c| c.kind == CallKind::Merge),
        "notes were never merged"
    );
    assert!(
        calls.iter().any(|c| c.kind == CallKind::SynthesisPart),
        "synthesis was not split"
    );
    // The double cites only S1, S2 and S9: each final synthesis is asked for again
    // with the citation reminder, and what is still uncited is reported.
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.kind == CallKind::Synthesis && c.attempt == 1)
            .count(),
        2
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.kind == CallKind::Synthesis && c.attempt == 2)
            .count(),
        2
    );
    for syn in &outcome.report.syntheses {
        assert!(syn.check.language.retried);
        assert_eq!(
            syn.check.uncited,
            (3..=8).map(|i| format!("S{i}")).collect::<Vec<_>>()
        );
        assert_eq!(syn.uncited_sources, syn.check.uncited);
    }
    assert!(model_saw_cite_reminder(&model));
    for c in calls {
        assert!(
            c.prompt_tokens + 300 <= ctx,
            "{} over the context: {}",
            c.kind,
            c.prompt_tokens
        );
    }
    assert_eq!(outcome.failed_sources, 0);
}

fn model_saw_cite_reminder(model: &Scripted) -> bool {
    model
        .seen
        .iter()
        .any(|(_, u)| u.contains("cite each source at least once"))
        && model
            .seen
            .iter()
            .any(|(_, u)| u.contains("cite chacune des sources au moins une fois"))
}

#[test]
fn a_context_too_small_for_the_prompts_fails_that_source_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let paths = write_sources(dir.path(), 1, 50);
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let cfg = config(&refs, out.path());
    let mut model = Scripted::new(300);
    let outcome = run(&cfg, &mut model);
    assert_eq!(outcome.failed_sources, 1);
    let err = outcome.report.sources[0].error.clone().unwrap();
    assert!(
        err.contains("doc00.txt") && err.contains("raise --ctx"),
        "{err}"
    );
}

#[test]
fn disagreements_between_sources_reach_the_prompt_and_the_synthesis_is_checked_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let s1 = dir.path().join("a.txt");
    let s2 = dir.path().join("b.txt");
    std::fs::write(&s1, "Le ministère a notifié l'accord-cadre le 16 décembre 2025. Il porte sur des modèles de langue pour les armées.").unwrap();
    std::fs::write(&s2, "The ministry announced the framework agreement on January 8, 2026. It covers language models for the armed forces.").unwrap();
    let cfg = config(&[&s1, &s2], out.path());
    let mut model = Scripted::new(4096);
    // The French section states both versions with their sources; the double's English
    // one states neither.
    model.synthesis_answer = "## Points communs\nL'accord porte sur des modèles de langue [S1][S2].\n## Apports propres\nIl vise les armées [S1].".into();
    model.section_answer =
        "- L'accord a été notifié le 16 décembre 2025 [S1] mais annoncé le 8 janvier 2026 [S2]."
            .into();
    let outcome = run(&cfg, &mut model);

    let prompt = |marker: &str| {
        model
            .seen
            .iter()
            .map(|(_, u)| u.clone())
            .find(|u| u.contains(marker))
            .unwrap_or_else(|| panic!("no prompt with {marker}"))
    };
    // Found by code in the sources, and given to the model in each language's own forms,
    // in a prompt of their own; the synthesis prompt is told what they are about.
    let section_fr = prompt("Un programme a comparé");
    assert!(
        section_fr.contains("1. Sur la date de l'accord : 16 décembre 2025 selon [S1], mais 8 janvier 2026 selon [S2]."),
        "{section_fr}"
    );
    let section_en = prompt("A program compared");
    assert!(
        section_en.contains("1. On the date of the agreement: December 16, 2025 according to [S1], but January 8, 2026 according to [S2]."),
        "{section_en}"
    );
    let synthesis_fr = prompt("## Points communs");
    assert!(
        synthesis_fr.contains("Les sources divergent sur l'accord :"),
        "{synthesis_fr}"
    );
    assert!(!synthesis_fr.contains("## Divergences"), "{synthesis_fr}");

    let syn = |lang: &str| {
        outcome
            .report
            .syntheses
            .iter()
            .find(|s| serde_json::to_value(s.lang).unwrap() == lang)
            .unwrap()
    };
    let fr = &syn("fr").check.disagreements;
    assert_eq!(fr.len(), 1);
    assert!(fr[0].ok && fr[0].stated == 2, "{fr:?}");
    let en = &syn("en").check.disagreements;
    assert!(!en[0].ok && en[0].stated == 0, "{en:?}");
    // The English one was asked for again with the disagreement reminder.
    assert!(model
        .seen
        .iter()
        .any(|(_, u)| u.contains("did not report every difference")));
    let md = std::fs::read_to_string(out.path().join("synthesis.en.md")).unwrap();
    assert!(md.contains("✗ **not reported**"), "{md}");
    let md = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    // The section sits between the model's two parts.
    let (common, divergences, own) = (
        md.find("## Points communs").unwrap(),
        md.find("## Divergences\n\n- L'accord a été notifié")
            .unwrap(),
        md.find("## Apports propres").unwrap(),
    );
    assert!(common < divergences && divergences < own, "{md}");
    assert!(
        md.contains("✓ rapportée : 16 décembre 2025 [S1] ≠ 8 janvier 2026 [S2]"),
        "{md}"
    );
}

/// Partial syntheses as long as they may be, with no sentence to drop: every merging round
/// must still fold them together, and the run must end with both syntheses written.
#[test]
fn a_synthesis_that_does_not_fit_is_folded_until_it_does_never_failed() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let paths = write_sources(dir.path(), 6, 200);
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let cfg = config(&refs, out.path());
    let mut model = Scripted::new(2048);
    model.words_per_answer = 320;
    model.junk_syntheses = true;
    let outcome = run(&cfg, &mut model);
    assert!(
        outcome.report.errors.is_empty(),
        "{:?}",
        outcome.report.errors
    );
    assert_eq!(outcome.report.syntheses.len(), 2);
    assert!(outcome
        .report
        .calls
        .iter()
        .any(|c| c.kind == CallKind::SynthesisPart));
    for c in &outcome.report.calls {
        assert!(c.prompt_tokens + c.generated_tokens <= 2048, "{c:?}");
    }
}

/// The synthesis of many sources costs calls in proportion to how many summaries fit one
/// prompt, not to the number of sources: counted for 10, 100 and 1,000 one-paragraph
/// sources (printed with `--nocapture`).
#[test]
fn synthesis_calls_grow_gently_with_the_number_of_sources() {
    let mut counts = Vec::new();
    for n in [10, 100, 1000] {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let paths = write_sources(dir.path(), n, 60);
        let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let cfg = config(&refs, out.path());
        let mut model = Scripted::new(4096);
        model.words_per_answer = 60;
        let outcome = run(&cfg, &mut model);
        assert!(outcome.report.errors.is_empty());
        let synthesis_calls = outcome
            .report
            .calls
            .iter()
            .filter(|c| {
                !matches!(
                    c.kind,
                    CallKind::Summary | CallKind::Notes | CallKind::Merge
                )
            })
            .filter(|c| !c.cached)
            .count();
        eprintln!("{n} sources: {synthesis_calls} synthesis calls (both languages)");
        // report.json is kept current, but not rewritten after every one of many sources.
        assert!(outcome.report_writes <= 5, "{n}: {}", outcome.report_writes);
        counts.push(synthesis_calls);
    }
    // One prompt holds dozens of one-paragraph summaries: a thousand sources take a few
    // dozen calls per language, not hundreds.
    assert!(counts[0] <= 8, "{counts:?}");
    assert!(counts[2] <= 1000 / 10, "{counts:?}");
}

/// With no disagreement found by code, the model is never asked for a disagreements
/// section: the synthesis prompt has two parts, and code writes that none was found.
#[test]
fn with_no_disagreement_found_the_section_says_so_and_the_model_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let paths = write_sources(dir.path(), 2, 40);
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let cfg = config(&refs, out.path());
    let mut model = Scripted::new(4096);
    let outcome = run(&cfg, &mut model);
    assert!(outcome.report.errors.is_empty());
    for (_, user) in &model.seen {
        assert!(!user.contains("## Divergences") && !user.contains("## Disagreements"));
    }
    let md = std::fs::read_to_string(out.path().join("synthesis.en.md")).unwrap();
    assert!(
        md.contains("## Disagreements\n\nThe program that compared the sources themselves found no date or amount"),
        "{md}"
    );
    let md = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    assert!(md.contains("## Divergences\n\nLe programme"), "{md}");
}
