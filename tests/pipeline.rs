//! Pipeline logic against a scripted model double: which calls happen in which language,
//! that long sources are covered whole and stay within the context, and that citations are
//! checked.

use bisum::model::{GenParams, Generate, Generation, Message, ModelInfo, ReadToken, StopReason};
use bisum::pipeline::Silent;
use bisum::report::outdir::OutputDir;
use bisum::report::records::{CallKind, Origin, Section};
use bisum::run::RunConfig;
use bisum::settings::Settings;
use bisum::Result;
mod common;
use std::path::Path;

/// One token per word; answers by recognising which prompt it was given.
struct Scripted {
    info: ModelInfo,
    seen: Vec<(String, String)>, // (system prompt, user prompt)
    /// The French answer to a common-ground prompt; the English one says the same.
    synthesis_answer: String,
    synthesis_answer_en: String,
    words_per_answer: usize,
    /// Answers that fill their token limit end as cut by it, as a model's would.
    cut_when_full: bool,
    /// Notes that copy their stretch's first sentence, and a summary from notes that keeps
    /// only the first fact: a model that reads a long source's opening only.
    opening_only: bool,
    /// Translations into English, word for word, of the long-source test's sentences; the
    /// first one asked of each part ("Valmont{q}x…") gets its year wrong.
    translates: bool,
    translated_parts: Vec<String>,
    /// A summary from notes that restates every fact it is given, as a small model often
    /// does, cut at its token limit where that is shorter.
    restates_facts: bool,
}

impl Scripted {
    fn new(ctx: usize) -> Self {
        Self {
            info: common::double_info("scripted", ctx),
            seen: Vec::new(),
            // A citation of a source that does not exist: code writes citations, not the
            // model.
            synthesis_answer: "Le ministère a signé la convention avec les armées [S9].".into(),
            synthesis_answer_en: "The ministry signed the agreement with the army [S9].".into(),
            words_per_answer: 20,
            cut_when_full: false,
            opening_only: false,
            translates: false,
            translated_parts: Vec::new(),
            restates_facts: false,
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
        Ok(common::words_in(messages) + 2)
    }
    fn generate(
        &mut self,
        messages: &[Message],
        p: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        self.seen.push((messages[0].content.clone(), user.clone()));
        // Answers in the language of the system prompt, as a well-behaved model would.
        let french = messages[0].content.contains("Tu es");
        let phrase = if french {
            "le ministère a signé la convention avec les armées"
        } else {
            "the army and the ministry signed an agreement"
        };
        let n = self.words_per_answer.min(p.max_new_tokens);
        let filler: Vec<&str> = phrase.split(' ').cycle().take(n).collect();
        let article = user
            .split_once("<article>\n")
            .and_then(|(_, rest)| rest.split(". ").next());
        let first_fact = user.lines().find_map(|l| l.strip_prefix("- "));
        let asked = user
            .split_once("written in French:\n\n")
            .and_then(|(_, rest)| rest.split("\n\n").next());
        let text = if let (true, Some(fr)) = (self.translates, asked) {
            let en = fr
                .replace("En ", "In ")
                .replace("le conseil de", "the council of")
                .replace("a voté un budget de", "voted a budget of")
                .replace("millions d'euros", "million euros");
            let part = fr.split('x').next().unwrap_or_default().to_string();
            if self.translated_parts.contains(&part) {
                en
            } else {
                self.translated_parts.push(part);
                let year = en.split([' ', ',']).nth(1).unwrap_or_default();
                en.replacen(year, "1899", 1)
            }
        } else if let (true, Some(a)) = (self.opening_only, article) {
            format!("- {a}.")
        } else if let (true, Some(f)) = (self.opening_only, first_fact) {
            f.to_string()
        } else if user.contains("Ces énoncés viennent") {
            self.synthesis_answer.clone()
        } else if user.contains("These statements come") {
            self.synthesis_answer_en.clone()
        } else {
            filler.join(" ")
        };
        let facts: Vec<&str> = user.lines().filter_map(|l| l.strip_prefix("- ")).collect();
        if self.restates_facts && !facts.is_empty() {
            let all = facts.join(" ");
            let words: Vec<&str> = all.split_whitespace().collect();
            let (kept, stop) = match words.len() > p.max_new_tokens {
                true => (&words[..p.max_new_tokens], StopReason::Length),
                false => (&words[..], StopReason::Eos),
            };
            let text = kept.join(" ");
            return Ok(common::answer(text, self.prompt_tokens(messages)?, stop));
        }
        progress(1);
        let stop = if self.cut_when_full && n == p.max_new_tokens {
            StopReason::Length
        } else {
            StopReason::Eos
        };
        Ok(common::answer(text, self.prompt_tokens(messages)?, stop))
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
    // language from that summary, sentence by sentence (one here).
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
        .starts_with("Here is one sentence of a summary, written in French"));
    assert!(model.seen[2]
        .1
        .contains("Summarize this article in English"));
    assert!(model.seen[3]
        .1
        .starts_with("Voici une phrase d'un résumé, écrite en anglais"));
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

    // The synthesis is planned by code: the two sources' statements say the same thing,
    // so the model puts them in one sentence, and code cites them; the [S9] the model
    // wrote is gone.
    for syn in &outcome.report.syntheses {
        assert_eq!(syn.citations, vec!["S1", "S2"]);
        assert!(syn.unknown_citations.is_empty() && syn.uncited_sources.is_empty());
        assert!(syn.check.uncited_sentences.is_empty(), "{:?}", syn.check);
        assert_eq!(syn.citation_precision.ratio, 1.0);
        let first = &syn.sentences[0];
        assert_eq!(first.section, Section::CommonGround);
        assert_eq!(first.origin, Origin::Written);
        assert_eq!(first.sources, ["S1", "S2"]);
        for span in &first.support {
            let doc = &paths[span.source[1..].parse::<usize>().unwrap() - 1];
            let text = bisum::inputs::normalize(&std::fs::read_to_string(doc).unwrap());
            assert_eq!(text[span.start..span.end], span.text);
        }
        assert!(first.support.iter().any(|s| s.source == "S1"));
        assert!(first.support.iter().any(|s| s.source == "S2"));
    }
    let md = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    assert!(
        md.contains(
            "## Points communs\n\n- Le ministère a signé la convention avec les armées [S1][S2]."
        ),
        "{md}"
    );
    assert!(!md.contains("S9"), "{md}");
    let html = std::fs::read_to_string(out.path().join("synthesis.html")).unwrap();
    assert!(html.contains("<details class=\"sentence\">"), "{html}");
    for outside in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(
            !html.contains(outside),
            "synthesis.html refers outside itself: {outside}"
        );
    }
    // As a browser shows it: each language's common-ground sentence, its citations, and
    // the source sentences behind it, folded under it.
    let dom = common::chromium(&out.path().join("synthesis.html"), &["--dump-dom"]);
    assert_eq!(
        dom.matches("<details class=\"sentence\">").count(),
        2,
        "{dom}"
    );
    assert!(
        dom.contains("Le ministère a signé la convention avec les armées. <span class=\"cite\">[S1][S2]</span>"),
        "{dom}"
    );
    assert!(
        dom.contains("<blockquote><b>[S1]</b> le ministère a signé"),
        "{dom}"
    );
    assert!(
        dom.contains("<blockquote><b>[S2]</b> the ministry signed"),
        "{dom}"
    );
}

/// A long source whose summary speaks only of its opening: each quarter it leaves out gets
/// back the note line that says most about it, so the summary covers the whole source.
#[test]
fn a_source_in_a_third_language_is_summarized_in_english_first_and_nothing_of_it_stands_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = dir.path().join("puente.txt");
    std::fs::write(
        &path,
        "El puente de Almaraz cerró el lunes por obras durante tres semanas. El Ayuntamiento \
         habilitó un autobús gratuito entre las dos orillas del río, según la alcaldesa.",
    )
    .unwrap();
    let cfg = config(&[path.as_path()], out.path());
    let mut model = Scripted::new(4096);
    let outcome = run(&cfg, &mut model);
    let langs: Vec<bisum::lang::Lang> = outcome.report.calls.iter().map(|c| c.lang).collect();
    assert_eq!(langs.first(), Some(&bisum::lang::Lang::En), "{langs:?}");
    assert!(
        !model.seen[0].0.contains("Tu es"),
        "an English prompt first"
    );
    let source = &outcome.report.sources[0];
    assert_eq!(source.detected_language.as_deref(), Some("es"));
    assert_eq!(source.language, Some(bisum::lang::Lang::En));
    // No summary holds a sentence of the Spanish source.
    for lang in ["fr", "en"] {
        let md = std::fs::read_to_string(out.path().join(format!("puente.{lang}.md"))).unwrap();
        assert!(!md.contains("El puente"), "{md}");
    }
}

/// A long source in `dir`: four parts of 30 sentences, every sentence with its own year
/// (part `q` from 1900 + 30q), town ("Valmont{q}x{j}") and amount.
fn long_source(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("long.txt");
    let text: Vec<String> = (0..4)
        .flat_map(|q| {
            (0..30).map(move |j| {
                format!(
                    "En {}, le conseil de Valmont{q}x{j} a voté un budget de {} millions d'euros.",
                    1900 + q * 30 + j,
                    q * 100 + j + 7
                )
            })
        })
        .collect();
    std::fs::write(&p, text.join(" ")).unwrap();
    p
}

#[test]
fn a_long_sources_summary_says_something_of_every_quarter() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = long_source(dir.path());
    let mut cfg = config(&[p.as_path()], out.path());
    cfg.settings.notes_tokens = 100;
    cfg.settings.summary_tokens = 100;
    let mut model = Scripted::new(600);
    model.opening_only = true;
    model.translates = true;
    let outcome = run(&cfg, &mut model);
    assert!(
        outcome.report.errors.is_empty(),
        "{:?}",
        outcome.report.errors
    );
    let notes = outcome
        .report
        .calls
        .iter()
        .filter(|c| c.kind == CallKind::Notes)
        .count();
    assert!(notes >= 5, "{notes} chunks");
    // The summary prompt held lines from every quarter, in order.
    assert!(model
        .seen
        .iter()
        .any(|(_, u)| u.contains("Partie 4 sur 4 :")));
    let report = common::read_json(&out.path().join("report.json"));
    let summary_in = |lang: &str| {
        report["summaries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["lang"] == lang)
            .unwrap()
            .clone()
    };
    let summary = &summary_in("fr");
    let added = summary["check"]["added"].as_array().unwrap();
    assert_eq!(added.len(), 3, "{summary}");
    // One year from each quarter: 1900-1929, 1930-1959, 1960-1989, 1990-2019, in both
    // languages. The translation of each quarter's first pick gets its year wrong, and is
    // left out; the quarter's next best line stands in.
    for lang in ["fr", "en"] {
        let md = std::fs::read_to_string(out.path().join(format!("long.{lang}.md"))).unwrap();
        for q in 0..4 {
            let years = (1900 + q * 30..1930 + q * 30).map(|y| y.to_string());
            assert!(
                years.clone().any(|y| md.contains(&y)),
                "quarter {q} missing:\n{md}"
            );
        }
        assert!(!md.contains("1899"), "{md}");
    }
    let en = summary_in("en");
    assert!(
        !en["check"]["dropped"].as_array().unwrap().is_empty(),
        "{en}"
    );
}

#[test]
fn a_summary_that_restates_every_fact_it_is_given_is_not_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = long_source(dir.path());
    let mut cfg = config(&[p.as_path()], out.path());
    cfg.settings.notes_tokens = 100;
    cfg.settings.summary_tokens = 60;
    let mut model = Scripted::new(900);
    model.opening_only = true;
    model.restates_facts = true;
    let outcome = run(&cfg, &mut model);
    assert!(
        outcome.report.errors.is_empty(),
        "{:?}",
        outcome.report.errors
    );
    // Its facts outrun the summary's own limit (60 tokens), and the call has room for all.
    let summary = outcome
        .report
        .calls
        .iter()
        .find(|c| c.kind == CallKind::Summary && c.part.is_none())
        .unwrap();
    assert!(summary.generated_tokens > 60, "{summary:?}");
    assert_eq!(summary.stop, StopReason::Eos, "{summary:?}");
    // So the summary is the model's, every quarter in it: nothing stood in for a quarter.
    let report = common::read_json(&out.path().join("report.json"));
    let fr = report["summaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["lang"] == "fr")
        .unwrap();
    assert!(
        fr["check"]["added"].as_array().is_none_or(Vec::is_empty),
        "{fr}"
    );
}

#[test]
fn many_long_sources_in_a_small_context_stay_within_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let ctx = 1400;
    // 3000-word sources, several chunks each; 9 sources whose 300-word summaries cannot
    // all enter one synthesis prompt.
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
    // Each synthesis cites every source, every sentence cites one, and no call passed
    // the context (a common-ground prompt lists the statements that fit).
    for syn in &outcome.report.syntheses {
        assert!(syn.uncited_sources.is_empty(), "{:?}", syn.uncited_sources);
        assert!(syn.check.uncited_sentences.is_empty());
    }
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

/// A long source's notes cut by their token limit: each such stretch is read again in
/// two halves, and a half whose note is cut again in two, so nothing of the source goes
/// unread; the quarters are not split further.
#[test]
fn a_note_cut_by_its_token_limit_is_redone_on_halves_of_its_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = dir.path().join("long.txt");
    let text: Vec<String> = (0..400)
        .map(|i| format!("Le ministère a signé la convention numéro {i} avec les armées."))
        .collect();
    std::fs::write(&p, text.join("\n")).unwrap();
    let mut cfg = config(&[&p], out.path());
    cfg.settings.notes_tokens = 50;
    let mut model = Scripted::new(2048);
    model.words_per_answer = 400;
    model.cut_when_full = true;
    let outcome = run(&cfg, &mut model);
    assert_eq!(outcome.failed_sources, 0, "{:?}", outcome.report.errors);
    let notes: Vec<_> = outcome
        .report
        .calls
        .iter()
        .filter(|c| c.kind == CallKind::Notes)
        .collect();
    let chunks = outcome.report.sources[0].chunks.as_ref().unwrap().len();
    assert!(chunks >= 2, "{chunks}");
    // Stretches a note can hold (several per chunk at this notes limit), each redone.
    assert!(notes.len() > 2 * chunks, "{} notes", notes.len());
    // The halves of a stretch hold all of it between them, each about half of it.
    let prompts: Vec<&String> = model
        .seen
        .iter()
        .map(|(_, u)| u)
        .filter(|u| u.contains("convention numéro 0 "))
        .collect();
    assert_eq!(
        prompts.len(),
        3,
        "the first chunk, its first half, its first quarter"
    );
    let lines = |u: &str| u.matches("convention numéro").count();
    for pair in prompts.windows(2) {
        assert!(
            lines(pair[1]) * 2 <= lines(pair[0]) + 2,
            "{} {}",
            lines(pair[0]),
            lines(pair[1])
        );
    }
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
fn disagreements_between_sources_are_written_by_code_with_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let s1 = dir.path().join("a.txt");
    let s2 = dir.path().join("b.txt");
    std::fs::write(&s1, "Le ministère a notifié l'accord-cadre le 16 décembre 2025. Il porte sur des modèles de langue pour les armées.").unwrap();
    std::fs::write(&s2, "The ministry announced the framework agreement on January 8, 2026. It covers language models for the armed forces.").unwrap();
    let cfg = config(&[&s1, &s2], out.path());
    let mut model = Scripted::new(4096);
    let outcome = run(&cfg, &mut model);
    // Found by code in the sources, and written by code in each language's own forms: the
    // model is never asked to word them.
    assert!(outcome
        .report
        .calls
        .iter()
        .all(|c| c.kind == CallKind::Summary));
    let md = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    assert!(
        md.contains("## Divergences\n\n- Sur la date de l'accord : 16 décembre 2025 selon [S1], mais 8 janvier 2026 selon [S2]."),
        "{md}"
    );
    let md_en = std::fs::read_to_string(out.path().join("synthesis.en.md")).unwrap();
    assert!(
        md_en.contains("- On the date of the agreement: December 16, 2025 according to [S1], but January 8, 2026 according to [S2]."),
        "{md_en}"
    );
    for syn in &outcome.report.syntheses {
        let d = &syn.check.disagreements;
        assert!(d.len() == 1 && d[0].ok && d[0].stated == 2, "{d:?}");
        let line = syn
            .sentences
            .iter()
            .find(|s| s.section == Section::Disagreement)
            .unwrap();
        assert_eq!(line.origin, Origin::Found);
        assert_eq!(line.sources, ["S1", "S2"]);
        // Each version with the source sentence that gives it.
        assert!(line
            .support
            .iter()
            .any(|s| s.source == "S1" && s.text.contains("16 décembre 2025")));
        assert!(line
            .support
            .iter()
            .any(|s| s.source == "S2" && s.text.contains("January 8, 2026")));
    }
    // The section sits between the common ground and the contributions.
    let (common, divergences, own) = (
        md.find("## Points communs").unwrap(),
        md.find("## Divergences").unwrap(),
        md.find("## Apports propres").unwrap(),
    );
    assert!(common < divergences && divergences < own, "{md}");
    assert!(
        md.contains("✓ rapportée : 16 décembre 2025 [S1] ≠ 8 janvier 2026 [S2]"),
        "{md}"
    );
}

/// A common-ground sentence with a date in no source is asked for once more, naming the
/// date, then replaced by a source's own statement: never shipped.
#[test]
fn a_common_sentence_the_sources_do_not_back_is_rewritten_once_then_replaced_by_a_statement() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let paths = write_sources(dir.path(), 2, 40);
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let cfg = config(&refs, out.path());
    let mut model = Scripted::new(4096);
    model.synthesis_answer =
        "Le ministère a signé la convention avec les armées le 3 mars 2031.".into();
    model.synthesis_answer_en =
        "The ministry signed the agreement with the army on March 3, 2031.".into();
    let outcome = run(&cfg, &mut model);
    let tries: Vec<u8> = outcome
        .report
        .calls
        .iter()
        .filter(|c| c.kind == CallKind::Synthesis)
        .map(|c| c.attempt)
        .collect();
    assert_eq!(tries, [1, 2, 1, 2]);
    assert!(model
        .seen
        .iter()
        .any(|(_, u)| u.contains("Ta phrase précédente") && u.contains("3 mars 2031")));
    for syn in &outcome.report.syntheses {
        let first = &syn.sentences[0];
        assert_eq!(first.origin, Origin::Extractive);
        assert_eq!(first.section, Section::CommonGround);
        assert_eq!(first.sources, ["S1", "S2"]);
        assert!(!syn.text.contains("2031"), "{}", syn.text);
        assert!(syn.grounding.unsupported.is_empty());
    }
}

/// The synthesis of many sources costs a few calls, however many sources: one per
/// common-ground sentence, counted for 10, 100 and 1,000 one-paragraph sources (printed
/// with `--nocapture`).
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
            .filter(|c| !matches!(c.kind, CallKind::Summary | CallKind::Notes))
            .filter(|c| !c.cached)
            .count();
        eprintln!("{n} sources: {synthesis_calls} synthesis calls (both languages)");
        // report.json is kept current, but not rewritten after every one of many sources.
        assert!(
            outcome.report_writes * 20 <= n.max(100),
            "{n}: {}",
            outcome.report_writes
        );
        counts.push(synthesis_calls);
    }
    assert!(counts.iter().all(|&c| c <= 8), "{counts:?}");
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
        md.contains("## Disagreements\n\n_The program that compared the sources themselves found no date, amount or count"),
        "{md}"
    );
    let md = std::fs::read_to_string(out.path().join("synthesis.fr.md")).unwrap();
    assert!(md.contains("## Divergences\n\n_Le programme"), "{md}");
}

/// The whole run over `cfg`'s one English source with `model`: its outcome, and the French
/// summary's text.
fn run_for_french(cfg: &RunConfig, model: &mut dyn Generate) -> (bisum::run::RunOutcome, String) {
    run_for(cfg, model, bisum::lang::Lang::Fr)
}

/// The whole run over `cfg`'s sources with `model`, and its (first) summary in `lang`.
fn run_for(
    cfg: &RunConfig,
    model: &mut dyn Generate,
    lang: bisum::lang::Lang,
) -> (bisum::run::RunOutcome, String) {
    let read = bisum::run::read_sources(cfg);
    let outdir = OutputDir::open(&cfg.out).unwrap();
    let outcome =
        bisum::run::summarize(cfg, &outdir, read, &mut [model], &mut Silent, &|_| {}).unwrap();
    let text = outcome
        .report
        .summaries
        .iter()
        .find(|s| s.lang == lang)
        .unwrap()
        .text
        .clone();
    (outcome, text)
}

/// Summarizes one English sentence as itself, and translates it into French with the
/// word `counted[i]` for the flights at attempt i (the last one from then on); records what
/// each translation call was told to avoid.
struct MakesUpWords {
    info: ModelInfo,
    counted: Vec<&'static str>,
    avoided: Vec<Vec<String>>,
}

impl Generate for MakesUpWords {
    crate::counts_words!();
    fn generate(
        &mut self,
        messages: &[Message],
        p: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        let text = if user.contains("écrite en anglais") {
            let i = self.avoided.len().min(self.counted.len() - 1);
            self.avoided.push(p.avoid.clone());
            let word = self.counted[i];
            format!("La SNCF a annulé 312 trains et 38 {word} à Lyon pendant la grève.")
        } else {
            "The SNCF cancelled 312 trains and 38 flights in Lyon during the strike.".into()
        };
        Ok(common::answer(
            text,
            self.prompt_tokens(messages)?,
            StopReason::Eos,
        ))
    }
}

#[test]
fn a_made_up_word_in_a_translation_is_asked_again_barred_and_never_shipped() {
    use bisum::checks::lexicon::{Lexicon, Lexicons};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("strike.txt");
    std::fs::write(
        &src,
        "The SNCF cancelled 312 trains and 38 flights in Lyon during the strike. \
         The unions called the strike against the pension reform.",
    )
    .unwrap();
    let words = ["annulé", "trains", "vols", "pendant", "grève"];
    let none: &[&str] = &[];
    // Made up once, then right; made up twice in two ways, then right (the third attempt
    // names both words); made up on all three attempts: never shipped.
    let cases: [(&[&str], bool, &[&[&str]]); 3] = [
        (&["volos", "vols"], true, &[none, &["volos"]]),
        (
            &["volos", "vuelos", "vols"],
            true,
            &[none, &["volos"], &["volos", "vuelos"]],
        ),
        (&["volos"], false, &[none, &["volos"], &["volos"]]),
    ];
    for (counted, shipped, avoided) in cases {
        let out = tempfile::tempdir().unwrap();
        let mut cfg = config(&[src.as_path()], out.path());
        cfg.settings.words = Some(std::sync::Arc::new(Lexicons {
            fr: Some(Lexicon::from_words(words)),
            en: None,
        }));
        let mut model = MakesUpWords {
            info: common::double_info("makes-up-words", 4096),
            counted: counted.to_vec(),
            avoided: Vec::new(),
        };
        let (_, fr) = run_for_french(&cfg, &mut model);
        assert!(!fr.contains("volos"), "{fr}");
        assert_eq!(fr.contains("38 vols"), shipped, "{fr}");
        // Each retry names and bars every word written so far.
        assert_eq!(model.avoided, avoided, "{counted:?}");
    }
}

#[test]
fn an_everyday_word_left_untranslated_is_not_asked_again_and_never_shipped() {
    use bisum::checks::lexicon::{Lexicon, Lexicons};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("strike.txt");
    std::fs::write(
        &src,
        "The SNCF cancelled 312 trains and 38 flights in Lyon during the strike.",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cfg = config(&[src.as_path()], out.path());
    // "flights" among English's everyday words, and no French word.
    cfg.settings.words = Some(std::sync::Arc::new(Lexicons {
        fr: Some(Lexicon::from_words([
            "annulé", "trains", "vols", "pendant", "grève",
        ])),
        en: Some(Lexicon::ranked(
            ["the", "flights", "during", "cancelled"],
            4,
        )),
    }));
    let mut model = MakesUpWords {
        info: common::double_info("leaves-words", 4096),
        counted: vec!["flights", "vols"],
        avoided: Vec::new(),
    };
    let (outcome, fr) = run_for_french(&cfg, &mut model);
    // One attempt: a second would have been a guess at the word's sense.
    assert_eq!(model.avoided, [Vec::<String>::new()]);
    assert!(!fr.contains("flights") && !fr.contains("38 vols"), "{fr}");
    let summary = outcome
        .report
        .summaries
        .iter()
        .find(|s| s.lang == bisum::lang::Lang::Fr)
        .unwrap();
    assert_eq!(
        summary.check.untranslated,
        ["The SNCF cancelled 312 trains and 38 flights in Lyon during the strike."]
    );
}

/// Summarizes an English source as one sentence of its last part, whose French gets the
/// budget wrong; translates the source's sentence on the vote faithfully.
struct WrongBudget {
    info: ModelInfo,
}

impl Generate for WrongBudget {
    crate::counts_words!();
    fn generate(
        &mut self,
        messages: &[Message],
        _: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        let text = match (user.contains("écrite en anglais"), user.contains("vote")) {
            (true, true) => "Le vote a eu lieu le 9 mai 2024.",
            (true, false) => "Le conseil a approuvé le plan en juillet 2024, avec un budget de 5,2 millions de dollars.",
            (false, _) => "The council approved the plan in July 2024, with a budget of 4.2 million dollars.",
        };
        Ok(common::answer(
            text.into(),
            self.prompt_tokens(messages)?,
            StopReason::Eos,
        ))
    }
}

/// The French summary of an English source whose part before the last is `filler`
/// repeated `n` times, and the sentences of its English summary left out of it.
fn french_of_wrong_budget(n: usize) -> (String, Vec<String>) {
    use bisum::checks::lexicon::{Lexicon, Lexicons};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("creek.txt");
    let filler = "The river ran on past the mill. ".repeat(n);
    std::fs::write(
        &src,
        format!(
            "{filler}The council approved the plan in July 2024, with a budget of 4.2 million \
             dollars. The vote took place on 9 May 2024."
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cfg = config(&[src.as_path()], out.path());
    let everyday = [
        "the", "council", "approved", "plan", "with", "budget", "vote", "took", "place",
    ];
    cfg.settings.words = Some(std::sync::Arc::new(Lexicons {
        fr: None,
        en: Some(Lexicon::ranked(everyday, 4)),
    }));
    let mut model = WrongBudget {
        info: common::double_info("wrong-budget", 4096),
    };
    let (outcome, fr) = run_for_french(&cfg, &mut model);
    let summary = outcome
        .report
        .summaries
        .iter()
        .find(|s| s.lang == bisum::lang::Lang::Fr)
        .unwrap();
    (fr, summary.check.untranslated.clone())
}

#[test]
fn a_part_of_a_long_source_whose_translation_failed_gets_a_plain_sentence_of_its_own() {
    // The summary's sentence is left out (5,2 millions is not 4.2 million), and the last
    // part of the source still speaks in French, in a sentence of its own, translated.
    let (fr, untranslated) = french_of_wrong_budget(150);
    assert_eq!(fr, "Le vote a eu lieu le 9 mai 2024.");
    assert_eq!(untranslated.len(), 1, "{untranslated:?}");
    // A short source's sentence left out is quoted under its summary, and no other is
    // tried in its place.
    let (fr, untranslated) = french_of_wrong_budget(12);
    assert_eq!(fr, "");
    assert_eq!(untranslated.len(), 1, "{untranslated:?}");
}

/// Summarizes an English sentence as itself. Its French: word for word when greedy ("Le
/// comité"), and when drawn, by seed: the faithful one, one without the figure, one with
/// another figure. Reading a candidate back, it finds the original likelier from "La
/// chambre" than from anything else; records the candidates it read back.
struct DrawsTranslations {
    info: ModelInfo,
    scores: bool,
    read_back: Vec<String>,
}

impl Generate for DrawsTranslations {
    crate::counts_words!();
    fn generate(
        &mut self,
        messages: &[Message],
        p: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        let drawn = p.seed.wrapping_sub(GenParams::default().seed);
        let text = match (
            user.contains("écrite en anglais"),
            p.temperature > 0.0,
            drawn,
        ) {
            (false, ..) => "The chamber asks for a reserve of 10 percent.",
            (true, false, _) => "Le comité demande une réserve de 10 %.",
            (true, true, 1) => "La chambre demande une réserve de 10 %.",
            (true, true, 2) => "La chambre demande une réserve.",
            (true, true, _) => "La chambre demande une réserve de 12 %.",
        };
        Ok(common::answer(
            text.into(),
            self.prompt_tokens(messages)?,
            StopReason::Eos,
        ))
    }
    fn can_score(&self) -> bool {
        self.scores
    }
    fn score(&mut self, messages: &[Message]) -> Result<Option<Generation>> {
        let asked = &messages[messages.len() - 2].content;
        let candidate = asked.split("\n\n").nth(1).unwrap_or_default().to_string();
        let score = if candidate.contains("La chambre") {
            -0.5
        } else {
            -1.5
        };
        self.read_back.push(candidate);
        let mut g = common::answer(String::new(), common::words_in(messages), StopReason::Eos);
        g.score = Some(score);
        Ok(Some(g))
    }
}

/// With candidates, the translation that ships is the one the model reads its original back
/// from best, among those that pass every check and keep every figure; without candidates,
/// or with a model that cannot read answers back, the greedy one.
#[test]
fn the_translation_read_back_best_among_those_that_pass_ships() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("audit.txt");
    std::fs::write(
        &src,
        "The chamber asks for a reserve of 10 percent. The bridge over the river costs more.",
    )
    .unwrap();
    for (candidates, scores, shipped) in [
        (3, true, "La chambre demande une réserve de 10 %."),
        (0, true, "Le comité demande une réserve de 10 %."),
        (3, false, "Le comité demande une réserve de 10 %."),
    ] {
        let out = tempfile::tempdir().unwrap();
        let mut cfg = config(&[src.as_path()], out.path());
        cfg.settings.candidates = candidates;
        let mut model = DrawsTranslations {
            info: common::double_info("draws", 4096),
            scores,
            read_back: Vec::new(),
        };
        let (outcome, fr) = run_for_french(&cfg, &mut model);
        assert_eq!(fr, shipped, "{candidates} {scores}");
        // Only candidates that may ship are read back, each once, and each reading is
        // recorded as a check call with its figure.
        let checks: Vec<_> = outcome
            .report
            .calls
            .iter()
            .filter(|c| c.kind == CallKind::Check)
            .collect();
        // Two candidates read back to choose, then the one chosen read back to vet it.
        let expected = match (candidates, scores) {
            (_, false) => 0,
            (0, true) => 1,
            (_, true) => 3,
        };
        assert_eq!(model.read_back.len(), expected, "{:?}", model.read_back);
        assert_eq!(checks.len(), expected);
        assert!(checks.iter().all(|c| c.score.is_some()));
        assert!(
            model.read_back.iter().all(|c| c.contains("10 %")),
            "{:?}",
            model.read_back
        );
    }
}

/// Summarizes an English sentence as itself, and translates it into French as "Le comité",
/// then, asked again with the words a reading back lost, as `retry`. Reading a French
/// sentence back, it finds "chamber" unlikely unless the sentence says "chambre"; records
/// the reminders it was given.
struct LosesWords {
    info: ModelInfo,
    retry: &'static str,
    reminders: Vec<String>,
}

impl Generate for LosesWords {
    crate::counts_words!();
    fn generate(
        &mut self,
        messages: &[Message],
        _: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        let text = if !user.contains("écrite en anglais") {
            "The chamber asks for a reserve of 10 percent."
        } else if let Some(at) = user.find("IMPORTANT") {
            self.reminders.push(user[at..].to_string());
            self.retry
        } else {
            "Le comité demande une réserve de 10 %."
        };
        Ok(common::answer(
            text.into(),
            self.prompt_tokens(messages)?,
            StopReason::Eos,
        ))
    }
    fn can_score(&self) -> bool {
        true
    }
    fn score(&mut self, messages: &[Message]) -> Result<Option<Generation>> {
        let asked = &messages[messages.len() - 2].content;
        let french = asked.split("\n\n").nth(1).unwrap_or_default();
        let original = &messages[messages.len() - 1].content;
        let read: Vec<ReadToken> = original
            .split(' ')
            .enumerate()
            .map(|(i, w)| ReadToken {
                text: if i == 0 {
                    w.to_string()
                } else {
                    format!(" {w}")
                },
                logprob: if w == "chamber" && !french.contains("chambre") {
                    -12.0
                } else {
                    -0.2
                },
            })
            .collect();
        let mut g = common::answer(String::new(), common::words_in(messages), StopReason::Eos);
        g.score = Some(read.iter().map(|t| f64::from(t.logprob)).sum::<f64>() / read.len() as f64);
        g.read = read;
        Ok(Some(g))
    }
}

/// A translation that, read back, lost a word of its original ("Le comité" for "The
/// chamber") is asked for once more, the word named; the new translation ships if it
/// carries the word, else the sentence is left out, never shipped wrong.
#[test]
fn a_translation_that_lost_a_word_is_asked_again_naming_it_and_never_shipped_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("audit.txt");
    std::fs::write(&src, "The chamber asks for a reserve of 10 percent.").unwrap();
    for (retry, shipped) in [
        ("La chambre demande une réserve de 10 %.", true),
        ("Le conseil demande une réserve de 10 %.", false),
    ] {
        let out = tempfile::tempdir().unwrap();
        let cfg = config(&[src.as_path()], out.path());
        let mut model = LosesWords {
            info: common::double_info("loses-words", 4096),
            retry,
            reminders: Vec::new(),
        };
        let (outcome, fr) = run_for_french(&cfg, &mut model);
        assert_eq!(fr.contains(retry), shipped, "{fr}");
        assert!(!fr.contains("comité"), "{fr}");
        assert_eq!(model.reminders.len(), 1, "{:?}", model.reminders);
        assert!(
            model.reminders.iter().all(|r| r.contains("« chamber »")),
            "{:?}",
            model.reminders
        );
        let summary = outcome
            .report
            .summaries
            .iter()
            .find(|s| s.lang == bisum::lang::Lang::Fr)
            .unwrap();
        assert!(
            summary
                .check
                .dropped
                .iter()
                .any(|d| d.contains("Le comité")),
            "{:?}",
            summary.check.dropped
        );
    }
}

/// Summarizes a French sentence as itself and translates it into English with the
/// look-alike "syndicate" for "l'intersyndicale"; counts the calls that name a word again.
struct FalseFriend {
    info: ModelInfo,
    asked_again: usize,
}

impl Generate for FalseFriend {
    crate::counts_words!();
    fn generate(
        &mut self,
        messages: &[Message],
        _: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        self.asked_again += usize::from(user.contains("IMPORTANT"));
        let text = if user.contains("written in French") {
            "The syndicate maintains its call to demonstrate on March 19."
        } else {
            "L'intersyndicale maintient son appel à manifester le 19 mars."
        };
        Ok(common::answer(
            text.into(),
            self.prompt_tokens(messages)?,
            StopReason::Eos,
        ))
    }
}

/// An English translation of a French sentence that renders a word by a look-alike that
/// does not translate it ("syndicate" for "l'intersyndicale") is left out, and not asked
/// for again: nothing would read the new one back, so a second guess would ship unchecked.
#[test]
fn an_english_look_alike_of_a_french_word_is_left_out_without_a_second_guess() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("greve.txt");
    std::fs::write(
        &src,
        "L'intersyndicale maintient son appel à manifester le 19 mars.",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let cfg = config(&[src.as_path()], out.path());
    let mut model = FalseFriend {
        info: common::double_info("false-friend", 4096),
        asked_again: 0,
    };
    let (outcome, text) = run_for(&cfg, &mut model, bisum::lang::Lang::En);
    assert!(!text.contains("syndicate"), "{text}");
    let en = outcome
        .report
        .summaries
        .iter()
        .find(|s| s.lang == bisum::lang::Lang::En)
        .unwrap();
    assert!(
        en.check.dropped.iter().any(|d| d.contains("syndicate")),
        "{:?}",
        en.check.dropped
    );
    assert_eq!(model.asked_again, 0);
    // The reader of the English file still gets the French sentence, marked as such.
    let original = "L'intersyndicale maintient son appel à manifester le 19 mars.";
    assert_eq!(en.check.untranslated, [original]);
    let md = std::fs::read_to_string(out.path().join("greve.en.md")).unwrap();
    assert!(md.contains(&format!("> - \"{original}\"")), "{md}");
    assert!(md.contains("`greve.fr.md`"), "{md}");
}

/// Summarizes each of two French sources as its own sentence, and translates every
/// sentence into English with a figure neither gives: no English sentence can ship.
struct NoEnglish {
    info: ModelInfo,
}

impl Generate for NoEnglish {
    crate::counts_words!();
    fn generate(
        &mut self,
        messages: &[Message],
        _: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let user = &messages.last().expect("a question").content;
        let text = if user.contains("written in French") {
            "The port of Brest received 999 ships in March."
        } else if user.contains("Brest") {
            "Le port de Brest a accueilli 40 navires en mars."
        } else {
            "La gare de Quimper a rouvert ses trois quais lundi."
        };
        Ok(common::answer(
            text.into(),
            self.prompt_tokens(messages)?,
            StopReason::Eos,
        ))
    }
}

/// A source none of whose sentences could be said in a language is still cited in that
/// language's synthesis: its statement is quoted in the language its summary gives it,
/// marked as such, never translated unchecked and never left out.
#[test]
fn a_source_with_no_sentence_in_a_language_is_quoted_in_its_own_in_that_synthesis() {
    let dir = tempfile::tempdir().unwrap();
    let brest = dir.path().join("brest.txt");
    let quimper = dir.path().join("quimper.txt");
    std::fs::write(&brest, "Le port de Brest a accueilli 40 navires en mars.").unwrap();
    std::fs::write(
        &quimper,
        "La gare de Quimper a rouvert ses trois quais lundi.",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let cfg = config(&[brest.as_path(), quimper.as_path()], out.path());
    let mut model = NoEnglish {
        info: common::double_info("no-english", 4096),
    };
    let (outcome, en) = run_for(&cfg, &mut model, bisum::lang::Lang::En);
    assert!(!en.contains("999"), "{en}");
    let syn = outcome
        .report
        .syntheses
        .iter()
        .find(|s| s.lang == bisum::lang::Lang::En)
        .unwrap();
    assert!(syn.check.uncited.is_empty(), "{:?}", syn.check.uncited);
    assert!(
        syn.check.uncited_sentences.is_empty(),
        "{:?}",
        syn.check.uncited_sentences
    );
    let quoted: Vec<(&str, &[String])> = syn
        .sentences
        .iter()
        .filter(|s| s.origin == Origin::Quoted)
        .map(|s| (s.text.as_str(), s.sources.as_slice()))
        .collect();
    assert_eq!(
        quoted,
        [
            (
                "Le port de Brest a accueilli 40 navires en mars.",
                &["S1".to_string()][..]
            ),
            (
                "La gare de Quimper a rouvert ses trois quais lundi.",
                &["S2".to_string()][..]
            ),
        ]
    );
    let md = std::fs::read_to_string(out.path().join("synthesis.en.md")).unwrap();
    assert!(
        md.contains("- In French: “Le port de Brest a accueilli 40 navires en mars” [S1]."),
        "{md}"
    );
    let html = std::fs::read_to_string(out.path().join("synthesis.html")).unwrap();
    assert!(
        html.contains("<q lang=\"fr\">La gare de Quimper a rouvert ses trois quais lundi.</q>"),
        "{html}"
    );
    // The French synthesis has each source's own statement, and quotes nothing.
    let fr = outcome
        .report
        .syntheses
        .iter()
        .find(|s| s.lang == bisum::lang::Lang::Fr)
        .unwrap();
    assert!(fr.sentences.iter().all(|s| s.origin != Origin::Quoted));
}
