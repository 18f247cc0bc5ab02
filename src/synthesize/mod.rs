//! The cross-source synthesis in each language, planned by code and written one sentence
//! at a time: statements of the sources' summaries tied to the source sentences behind
//! them (`statements`), grouped across sources (`plan`), each common-ground group put in
//! one sentence by the model and checked against every source it will cite, each
//! contribution a source's own statement; the disagreements that code found between the
//! sources in a section of their own. Citations are code's, so none is missing or invented.

pub mod plan;

use crate::checks::citations::{citations, uncited_sentences};
use crate::checks::disagree::{self, Disagreement};
use crate::checks::statements::{self, SourceText, Statement};
use crate::checks::{ground, language, roles};
use crate::error::Result;
use crate::inputs::Source;
use crate::lang::Lang;
use crate::pipeline::{one_sentence, Call, Pipeline};
use crate::report::records::{CallKind, OutputCheck, Part};
use crate::report::records::{Origin, Section, Sentence, Span};
use crate::summarize::SourceResult;
use minijinja::context;

/// Common-ground sentences at most, and each source's own statements at most.
const MAX_COMMON: usize = 8;
const OWN_PER_SOURCE: usize = 2;
/// Statements one common-ground prompt lists at most: what a dozen sources share is said
/// as well from eight of them (the sentence is still checked against all).
const MAX_LISTED: usize = 8;
/// Tokens one common-ground sentence may take.
const SENTENCE_TOKENS: usize = 96;

/// A synthesis in one language.
pub struct Synthesis {
    pub text: String,
    pub check: OutputCheck,
    pub sentences: Vec<Sentence>,
}

/// The ids of the sources whose statement shares enough with `sentence` to be what it
/// says (names and what it says of them, neither denying what the other asserts) and
/// whose text holds every fact and name of it; and what the others do not hold.
fn backing(
    sentence: &str,
    lang: Lang,
    members: &[(&Statement, &SourceText)],
) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut missing) = (Vec::new(), Vec::new());
    let features = statements::Features::of(sentence);
    for (statement, s) in members {
        let g = ground::check(sentence, lang, &[(s.id, s.text, s.lang)]);
        let alike = features.shared(&statement.features) >= statements::MIN_SHARED
            && features.says_what(&statement.features)
            && statements::says_each(sentence, &statement.features);
        if g.unsupported.is_empty() && alike {
            ids.push(s.id.to_string());
        }
        for u in g.unsupported {
            if !missing.contains(&u) {
                missing.push(u);
            }
        }
    }
    (ids, missing)
}

/// Does a sentence speak of the task instead of the facts ("Tous ces énoncés affirment
/// que…", "Both sources say…")? The words are those of bisum's own prompt, not of any
/// subject.
fn about_the_task(sentence: &str) -> bool {
    ground::fold(sentence)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| {
            ["enonce", "statement", "source"]
                .iter()
                .any(|m| w.starts_with(m))
        })
}

/// The support of `group`'s statements from the sources in `ids`.
fn support_of(all: &[Statement], group: &[usize], ids: &[String]) -> Vec<Span> {
    group
        .iter()
        .filter(|&&i| ids.contains(&all[i].source))
        .flat_map(|&i| all[i].support.clone())
        .collect()
}

impl Pipeline<'_> {
    /// The statements of every source's summary in `lang`, in source order.
    fn statements(
        sources: &[(&Source, &SourceResult)],
        texts: &[SourceText],
        lang: Lang,
    ) -> Vec<Statement> {
        sources
            .iter()
            .zip(texts)
            .flat_map(|((_, r), t)| {
                let summary = r
                    .summaries
                    .get(&lang)
                    .map(String::as_str)
                    .unwrap_or_default();
                let sibling = (r.lang != lang)
                    .then(|| r.summaries.get(&r.lang))
                    .flatten()
                    .map(|first| translated_part(first, r.checks.get(&lang)));
                statements::statements(summary, lang, sibling.as_deref(), t)
            })
            .collect()
    }

    /// The common-ground sentence of each group: the model's, where every fact and name of
    /// it is in two of the group's sources or more (asked twice at most), else the group's
    /// statement backed by the most of its sources. A group whose best sentence only one
    /// source backs gives that source's contribution instead, and a member whose source
    /// the sentence does not cite keeps its statement as a contribution (`with_the_rest`).
    fn common_ground(
        &mut self,
        lang: Lang,
        all: &[Statement],
        groups: &[Vec<usize>],
        texts: &[SourceText],
    ) -> Result<Vec<Sentence>> {
        let sources_of = |g: &Vec<usize>| -> Vec<(&Statement, &SourceText)> {
            g.iter()
                .filter_map(|&i| Some((&all[i], texts.iter().find(|t| t.id == all[i].source)?)))
                .collect()
        };
        let mut done: Vec<Option<Sentence>> = vec![None; groups.len()];
        let mut unsupported: Vec<Vec<String>> = vec![Vec::new(); groups.len()];
        let mut meta = vec![false; groups.len()];
        for (attempt, origin) in [(1u8, Origin::Written), (2, Origin::Rewritten)] {
            let todo: Vec<usize> = (0..groups.len()).filter(|&i| done[i].is_none()).collect();
            if todo.is_empty() {
                break;
            }
            let mut calls = Vec::new();
            let mut asked = Vec::new();
            for gi in todo {
                let listed: Vec<&str> = groups[gi].iter().map(|&i| all[i].text.as_str()).collect();
                let Some(messages) = self.group_prompt(lang, listed, &unsupported[gi], meta[gi])?
                else {
                    continue;
                };
                asked.push(gi);
                calls.push(Call {
                    kind: CallKind::Synthesis,
                    source: None,
                    lang,
                    part: Some(Part::Group(gi + 1)),
                    messages,
                    max_new: SENTENCE_TOKENS,
                    sample: None,
                });
            }
            self.attempt = attempt;
            let answers = self.call_all(calls);
            self.attempt = 1;
            for (gi, answer) in asked.into_iter().zip(answers?) {
                let text = one_sentence(&answer);
                let (ids, missing) = backing(&text, lang, &sources_of(&groups[gi]));
                let speaks =
                    language::language(&text, lang).ok && text.split_whitespace().count() >= 4;
                meta[gi] = about_the_task(&text);
                let fits = !adds_to(&text, all, &groups[gi]) && !statements::says_twice(&text);
                if ids.len() >= 2 && speaks && !meta[gi] && fits {
                    done[gi] = Some(Sentence {
                        section: Section::CommonGround,
                        support: support_of(all, &groups[gi], &ids),
                        text,
                        sources: ids,
                        origin,
                    });
                } else {
                    unsupported[gi] = missing;
                }
            }
        }
        Ok(done
            .into_iter()
            .zip(groups)
            .flat_map(|(d, g)| {
                let said = match d {
                    Some(d) => vec![d],
                    None => extractive(lang, all, g, &sources_of(g)),
                };
                with_the_rest(lang, all, g, said)
            })
            .collect())
    }

    /// The prompt for one group's sentence, with as many of its statements as fit (the
    /// first ones: one per source); `None` when not even two fit.
    fn group_prompt(
        &self,
        lang: Lang,
        mut listed: Vec<&str>,
        unsupported: &[String],
        meta: bool,
    ) -> Result<Option<Vec<crate::model::Message>>> {
        listed.truncate(MAX_LISTED);
        while listed.len() >= 2 {
            let m = self.task_prompt(
                "synthesis",
                lang,
                context! { statements => listed, unsupported => unsupported, meta => meta },
            )?;
            if self.fits(&m, SENTENCE_TOKENS)? {
                return Ok(Some(m));
            }
            listed.pop();
        }
        Ok(None)
    }

    /// The cross-source synthesis in one language (see the module's head).
    pub fn synthesize(
        &mut self,
        sources: &[(&Source, &SourceResult)],
        lang: Lang,
    ) -> Result<Synthesis> {
        let texts = source_texts(sources, lang);
        let all = Self::statements(sources, &texts, lang);
        let planned = plan::plan(&all, MAX_COMMON, OWN_PER_SOURCE);
        let mut sentences = self.common_ground(lang, &all, &planned.common, &texts)?;
        sentences.extend(planned.own.iter().map(|&i| own(&all[i], lang)));
        let there = Self::statements(sources, &source_texts(sources, lang.other()), lang.other());
        for t in &texts {
            if !sentences
                .iter()
                .any(|s| s.sources.iter().any(|id| id == t.id))
            {
                sentences.extend(quoted(&there, t.id, lang.other()));
            }
        }
        // Contributions in the sources' order, those of groups that fell apart among them
        // (a stable sort: the common ground keeps its order).
        let rank = |s: &Sentence| match s.section {
            Section::Contribution => texts.iter().position(|t| s.sources[0] == t.id),
            _ => None,
        };
        sentences.sort_by_key(rank);
        let concepts = self.concepts()?;
        let mut found = Self::disagreements(sources, &concepts);
        // Rivals in the other language's statements too: a figure one summary here lost
        // (its sentence failed a check) is still a disagreement between the sources.
        let here: Vec<(&str, &str)> = all
            .iter()
            .map(|s| (s.source.as_str(), s.text.as_str()))
            .collect();
        let elsewhere = rivals(&there, &texts)
            .into_iter()
            .map(|d| disagree::in_words_of(d, &here, lang, &concepts));
        // And between the sources' own sentences: a count both summaries lost.
        let own: Vec<(&str, &str, Lang)> = texts.iter().map(|t| (t.id, t.text, t.lang)).collect();
        let in_texts = disagree::counts_in_texts(&own, &concepts)
            .into_iter()
            .map(|d| disagree::in_words_of(d, &here, lang, &concepts));
        for mut d in rivals(&all, &texts)
            .into_iter()
            .chain(elsewhere)
            .chain(in_texts)
        {
            // One found already (same values) is stated once, with its topic and the
            // sources of both; one that holds fewer of the same values gives way to this
            // one.
            let within = |x: &Disagreement, y: &Disagreement| {
                x.versions
                    .iter()
                    .all(|v| y.versions.iter().any(|w| w.key == v.key))
            };
            if let Some(e) = found.iter_mut().find(|e| within(&d, e)) {
                for v in &d.versions {
                    let Some(w) = e.versions.iter_mut().find(|w| w.key == v.key) else {
                        continue;
                    };
                    for s in &v.sources {
                        w.add_source(s);
                    }
                    // A version worded with what it counts beats its number alone.
                    if w.bare() && !v.bare() {
                        w.text = v.text.clone();
                    }
                }
                continue;
            }
            match found.iter().position(|e| e.kind == d.kind && within(e, &d)) {
                Some(k) => {
                    if d.topics.is_empty() {
                        d.topics = std::mem::take(&mut found[k].topics);
                    }
                    found[k] = d;
                }
                None => found.push(d),
            }
        }
        // A source whose summary lost its version may still give one in its text.
        let whole: Vec<(&str, &str, bool)> = sources
            .iter()
            .map(|(s, r)| (s.id.as_str(), s.text.as_str(), r.native == Some(lang)))
            .collect();
        for d in &mut found {
            disagree::extend(d, &whole, lang);
            disagree::name_bare_counts(d, lang);
        }
        let attributed = attributed(&texts, lang);
        let section = self
            .disagreements_section(lang, &found, &attributed, &concepts)?
            .trim()
            .to_string();
        let behind: Vec<Span> = attributed.iter().map(|(_, span)| span.clone()).collect();
        sentences.extend(found_sentences(&section, &found, &texts, behind));
        let text = self.compose(lang, &sentences, &section)?;
        let ids: Vec<String> = texts.iter().map(|t| t.id.to_string()).collect();
        let cited = citations(&text);
        let language = written_language(&sentences, lang);
        let check = OutputCheck {
            uncited: ids.iter().filter(|i| !cited.contains(i)).cloned().collect(),
            uncited_sentences: uncited_sentences(&text),
            disagreements: disagree::verify(&text, lang, &found),
            ..OutputCheck::of(language)
        };
        Ok(Synthesis {
            text,
            check,
            sentences,
        })
    }

    /// The synthesis's text: common ground, disagreements, contributions.
    fn compose(&self, lang: Lang, sentences: &[Sentence], section: &str) -> Result<String> {
        let code = lang.code();
        let of = |want: Section| -> Result<Vec<String>> {
            sentences
                .iter()
                .filter(|s| s.section == want)
                .map(|s| match s.origin {
                    // The sentence's stop after its citations, as any other's: inside
                    // the quotation it would end the sentence before them.
                    Origin::Quoted => self.prompts.render(
                        &format!("output/quoted.{code}.md"),
                        context! {
                            text => s.text.trim_end_matches(['.', '!', '?']),
                            ids => s.citations(),
                        },
                    ),
                    _ => Ok(s.cited()),
                })
                .collect()
        };
        let section = self.prompts.render(
            &format!("output/disagreements.{code}.md"),
            context! { text => section },
        )?;
        let body = self.prompts.render(
            &format!("output/synthesis_body.{code}.md"),
            context! {
                common => of(Section::CommonGround)?,
                own => of(Section::Contribution)?,
                disagreements => section.trim(),
            },
        )?;
        Ok(body.trim().to_string())
    }

    /// Disagreements between the sources themselves (not their summaries, which may have
    /// dropped the figure), found by code for the synthesis to state.
    fn disagreements(
        sources: &[(&Source, &SourceResult)],
        concepts: &disagree::Concepts,
    ) -> Vec<Disagreement> {
        let texts: Vec<(&str, &str)> = sources
            .iter()
            .map(|(s, _)| (s.id.as_str(), s.text.as_str()))
            .collect();
        disagree::find(&texts, concepts)
    }

    fn concepts(&self) -> Result<disagree::Concepts> {
        Ok(disagree::Concepts::parse(
            &self.prompts.render("concepts.txt", context! {})?,
        ))
    }

    /// The disagreements section's lines, written by code from what it found (a small
    /// model asked to word them adds versions of its own or drops the citations): one line
    /// per disagreement, each version's value in this language's form with its sources.
    fn disagreements_section(
        &self,
        lang: Lang,
        found: &[Disagreement],
        attributed: &[(Vec<String>, Span)],
        concepts: &disagree::Concepts,
    ) -> Result<String> {
        let listed: Vec<minijinja::Value> = found
            .iter()
            .map(|d| {
                let versions: Vec<minijinja::Value> = d
                    .versions
                    .iter()
                    .map(|v| {
                        // A count is shown with what it counts, as the statement wrote it.
                        let value = match d.kind {
                            disagree::FactKind::Count => v.text.clone(),
                            _ => disagree::display(v.key, lang),
                        };
                        context! { value => value, sources => v.sources }
                    })
                    .collect();
                let topic = d.topics.first().map(|t| concepts.label(t, lang));
                context! { kind => d.kind, topic => topic, versions => versions }
            })
            .collect();
        self.prompts.render(
            &format!("output/disagreement_lines.{}.md", lang.code()),
            context! { disagreements => listed, attributed => attributed.iter().map(|(f, _)| f).collect::<Vec<_>>() },
        )
    }
}

/// The language of what the model wrote (the common-ground sentences, each checked before
/// it was kept); statements come from summaries, checked with them. With nothing written,
/// nothing can be in the wrong language.
fn written_language(sentences: &[Sentence], lang: Lang) -> crate::checks::language::LanguageCheck {
    let written: Vec<&str> = sentences
        .iter()
        .filter(|s| matches!(s.origin, Origin::Written | Origin::Rewritten))
        .map(|s| s.text.as_str())
        .collect();
    if written.is_empty() {
        return crate::checks::language::LanguageCheck {
            expected: lang,
            detected: None,
            confidence: 1.0,
            ok: true,
            retried: false,
        };
    }
    language::language(&written.join(" "), lang)
}

/// Does a group's sentence say more than the group's statements, in ways grounding cannot
/// see: a purpose none of them gives ("ont arrêté le train pour finir les services") or a
/// count in words none of them makes ("les deux gouvernements", two statements taken for
/// two of a thing), a title none of them gives that name (`roles::misplaced`), or a change
/// the other way from theirs (`statements::reverses_direction`)? Compared
/// with the statements themselves, written in the sentence's language.
fn adds_to(text: &str, all: &[Statement], group: &[usize]) -> bool {
    let said: Vec<&str> = group.iter().map(|&i| all[i].text.as_str()).collect();
    let said = said.join(" ");
    statements::invents_purpose(text, &said)
        || statements::invents_count(text, &said)
        || roles::misplaced(text, &said)
        || statements::reverses_direction(text, &said)
}

/// The sources as the checks on a synthesis in `lang` read them (`SourceResult::read_as`).
fn source_texts<'a>(sources: &[(&'a Source, &SourceResult)], lang: Lang) -> Vec<SourceText<'a>> {
    sources
        .iter()
        .map(|(s, r)| SourceText {
            id: &s.id,
            text: &s.text,
            lang: r.read_as(lang),
        })
        .collect()
}

/// Source sentences that attribute two figures or more to different parties ("1,2 million
/// selon la CGT, 450 000 selon le ministère"): each figure in `lang`'s form with who gives
/// it, quoted as the source words it, then the source's citation; and the sentence.
fn attributed(texts: &[SourceText], lang: Lang) -> Vec<(Vec<String>, Span)> {
    let (open, close) = match lang {
        Lang::Fr => ("« ", " »"),
        Lang::En => ("“", "”"),
    };
    let mut out = Vec::new();
    for t in texts {
        for (start, end) in statements::spans(t.text) {
            let found = disagree::parties(&t.text[start..end]);
            if found.is_empty() {
                continue;
            }
            let mut figures: Vec<String> = found
                .iter()
                .map(|(f, who)| format!("{} ({open}{who}{close})", disagree::display(f.key, lang)))
                .collect();
            figures.push(format!("[{}]", t.id));
            let span = Span {
                source: t.id.to_string(),
                start,
                end,
                text: t.text[start..end].to_string(),
            };
            out.push((figures, span));
        }
    }
    out
}

/// Rival values between statements of different sources that speak of the same thing
/// (sharing two words, names or facts or more, or one that both count,
/// `disagree::count_one_thing`; `disagree::between` is strict about the rest), merged where they share a version (`disagree::between`).
fn rivals(all: &[Statement], texts: &[SourceText]) -> Vec<Disagreement> {
    let given: Vec<_> = texts.iter().map(|t| disagree::Given::of(t.text)).collect();
    let said = |i: usize| -> Option<disagree::Said> {
        let k = texts.iter().position(|t| t.id == all[i].source)?;
        Some(disagree::Said {
            source: texts[k].id,
            text: &all[i].text,
            context: all[i].support.first().map_or("", |s| s.text.as_str()),
            source_text: texts[k].text,
            given: &given[k],
        })
    };
    let with_facts: Vec<usize> = (0..all.len())
        .filter(|&i| !all[i].features.keys.is_empty())
        .collect();
    let mut out: Vec<Disagreement> = Vec::new();
    for (x, &i) in with_facts.iter().enumerate() {
        for &j in &with_facts[x + 1..] {
            let alike = match all[i].features.shared(&all[j].features) {
                0 => false,
                1 => disagree::count_one_thing(&all[i].text, &all[j].text),
                _ => true,
            };
            if all[i].source == all[j].source || !alike {
                continue;
            }
            let (Some(a), Some(b)) = (said(i), said(j)) else {
                continue;
            };
            let one_event = all[i].features.same_event(&all[j].features);
            disagree::between(&[a, b], one_event, &mut out);
        }
    }
    out
}

/// A source's own statement, cited to it.
fn own(s: &Statement, lang: Lang) -> Sentence {
    Sentence {
        section: Section::Contribution,
        text: standalone(&s.text, lang),
        sources: vec![s.source.clone()],
        origin: Origin::Extractive,
        support: s.support.clone(),
    }
}

/// The statement of source `id` (among `there`, statements in `from`) that says the most
/// (facts and names weigh most) and stands on its own, quoted: for a synthesis in the
/// other language where the source has no statement of its own (`Origin::Quoted`).
fn quoted(there: &[Statement], id: &str, from: Lang) -> Option<Sentence> {
    let best = there
        .iter()
        .filter(|s| s.source == id && !statements::leans_back(&s.text))
        .max_by_key(|s| (s.features.weight(), std::cmp::Reverse(s.index)))?;
    Some(Sentence {
        origin: Origin::Quoted,
        text: standalone(&best.text, from),
        ..own(best, from)
    })
}

/// The sentences of a first summary that its translation (checked by `check`) kept, in
/// order: the translation's sentences stand at the same places among them, once those
/// left out (`check.untranslated`) are taken away, so each takes its original's support.
fn translated_part(first: &str, check: Option<&OutputCheck>) -> String {
    let left_out = check.map_or(&[][..], |c| c.untranslated.as_slice());
    crate::text::sentences(first)
        .into_iter()
        .map(str::trim)
        .filter(|x| !x.is_empty() && !left_out.iter().any(|u| u.trim() == *x))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `group`'s sentences (`said`) say, and the statement of each member whose source
/// they do not cite, as its source's contribution: a statement the group's sentence does
/// not back ("Pelletier a nié toutes les accusations", grouped by its name with the
/// verdict two other sources give) is not lost to a group that speaks for the others. Not
/// one whose subject is a pronoun, which would read as about the contribution before it.
fn with_the_rest(
    lang: Lang,
    all: &[Statement],
    group: &[usize],
    mut said: Vec<Sentence>,
) -> Vec<Sentence> {
    let cited: Vec<String> = said.iter().flat_map(|s| s.sources.clone()).collect();
    let rest: Vec<Sentence> = group
        .iter()
        .filter(|&&i| !cited.contains(&all[i].source) && !statements::leans_back(&all[i].text))
        .map(|&i| own(&all[i], lang))
        .collect();
    said.extend(rest);
    said
}

/// The group's statement that the most of its sources back, as it is written, as common
/// ground; where none is backed by two sources (they give rival figures, say), each
/// statement of the group is its own source's contribution instead, so no source's
/// statement is lost to a group that fell apart (not one whose subject is a pronoun,
/// which would read as about the contribution before it).
fn extractive(
    lang: Lang,
    all: &[Statement],
    group: &[usize],
    sources: &[(&Statement, &SourceText)],
) -> Vec<Sentence> {
    let (best, ids) = group
        .iter()
        .take(MAX_LISTED)
        .map(|&i| (i, backing(&all[i].text, lang, sources).0))
        .max_by_key(|(i, ids)| (ids.len(), std::cmp::Reverse(*i)))
        .expect("a group has statements");
    if ids.len() < 2 {
        return group
            .iter()
            .filter(|&&i| i == best || !statements::leans_back(&all[i].text))
            .map(|&i| own(&all[i], lang))
            .collect();
    }
    vec![Sentence {
        section: Section::CommonGround,
        text: standalone(&all[best].text, lang),
        support: support_of(all, group, &ids),
        sources: ids,
        origin: Origin::Extractive,
    }]
}

/// A statement lifted out of its summary, where a leading possessive ("Son directeur",
/// "His director") pointed back at a sentence the synthesis does not hold: the definite
/// article instead ("Le directeur", "The director"), which says no less and points at
/// nothing.
fn standalone(text: &str, lang: Lang) -> String {
    let Some((first, rest)) = text.split_once(' ') else {
        return text.to_string();
    };
    let vowel = rest.starts_with(|c: char| "aeiouyhâàéèêîïôûAEIOUYHÉÈÊÎÔ".contains(c));
    let article = match (lang, first) {
        (Lang::En, "His" | "Her" | "Its" | "Their") => "The ",
        (Lang::Fr, "Son" | "Sa") if vowel => "L'",
        (Lang::Fr, "Son") => "Le ",
        (Lang::Fr, "Sa") => "La ",
        (Lang::Fr, "Ses" | "Leurs") => "Les ",
        _ => return text.to_string(),
    };
    format!("{article}{rest}")
}

/// The disagreements section's lines, each with the source sentences that give its
/// versions.
fn found_sentences(
    section: &str,
    found: &[Disagreement],
    texts: &[SourceText],
    behind: Vec<Span>,
) -> Vec<Sentence> {
    let spans: Vec<Span> = found
        .iter()
        .flat_map(|d| &d.versions)
        .flat_map(|v| v.sources.iter().map(move |id| (id, &v.context)))
        .filter_map(|(id, context)| {
            let t = texts.iter().find(|t| t.id == id)?;
            let start = t.text.find(context.as_str())?;
            let end = statements::spans(t.text)
                .into_iter()
                .find(|&(a, b)| a <= start && start < b)
                .map_or(start + context.len(), |(_, b)| b);
            Some(Span {
                source: id.clone(),
                start,
                end,
                text: t.text[start..end].to_string(),
            })
        })
        .chain(behind)
        .collect();
    section
        .lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', ' ']).trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let sources = citations(l);
            Sentence {
                section: Section::Disagreement,
                text: l.to_string(),
                support: spans
                    .iter()
                    .filter(|s| sources.contains(&s.source))
                    .cloned()
                    .collect(),
                sources,
                origin: Origin::Found,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifted_statement_loses_the_possessive_that_pointed_back() {
        for (text, lang, want) in [
            (
                "Son directeur, Paul Verlaine, salue l'accord.",
                Lang::Fr,
                "Le directeur, Paul Verlaine, salue l'accord.",
            ),
            (
                "Son agence pilote le projet.",
                Lang::Fr,
                "L'agence pilote le projet.",
            ),
            ("Sa présidente a parlé.", Lang::Fr, "La présidente a parlé."),
            (
                "His director, Paul Verlaine, welcomed the deal.",
                Lang::En,
                "The director, Paul Verlaine, welcomed the deal.",
            ),
            (
                "Son of the founder, he leads it.",
                Lang::En,
                "Son of the founder, he leads it.",
            ),
            ("Le ministère a signé.", Lang::Fr, "Le ministère a signé."),
        ] {
            assert_eq!(standalone(text, lang), want);
        }
    }

    /// Statements of `texts`, in order, the i-th one of source "S{source(i)}".
    fn statements_of(texts: &[&str], source: impl Fn(usize) -> usize) -> Vec<Statement> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Statement {
                source: format!("S{}", source(i)),
                index: i,
                text: t.to_string(),
                support: Vec::new(),
                features: statements::Features::of(t),
            })
            .collect()
    }

    #[test]
    fn a_group_no_statement_of_which_two_sources_back_gives_each_back_to_its_source() {
        let texts = [
            "La SNCF a annulé 260 trains sur les lignes régionales et nationales.",
            "La SNCF a annulé 312 trains sur les lignes régionales et nationales.",
        ];
        let all = statements_of(&texts, |i| i + 1);
        let sources: Vec<SourceText> = all
            .iter()
            .map(|s| SourceText {
                id: &s.source,
                text: &s.text,
                lang: Lang::Fr,
            })
            .collect();
        let pairs: Vec<(&Statement, &SourceText)> = all.iter().zip(&sources).collect();
        let out = extractive(Lang::Fr, &all, &[0, 1], &pairs);
        let got: Vec<(Section, &[String])> = out
            .iter()
            .map(|s| (s.section, s.sources.as_slice()))
            .collect();
        assert_eq!(
            got,
            [
                (Section::Contribution, &["S1".to_string()][..]),
                (Section::Contribution, &["S2".to_string()][..]),
            ]
        );
    }

    #[test]
    fn a_member_the_groups_sentence_does_not_cite_keeps_its_statement() {
        let texts = [
            "Le tribunal de Lyon a condamné Gérard Pelletier à quatre ans de prison.",
            "Gérard Pelletier a été condamné à quatre ans de prison par le tribunal de Lyon.",
            "Gérard Pelletier a nié toutes les accusations pendant le procès.",
            "Il fera appel.",
        ];
        let all = statements_of(&texts, |i| i.min(2) + 1);
        let common = Sentence {
            section: Section::CommonGround,
            text: texts[0].to_string(),
            sources: vec!["S1".into(), "S2".into()],
            origin: Origin::Extractive,
            support: Vec::new(),
        };
        let out = with_the_rest(Lang::Fr, &all, &[0, 1, 2, 3], vec![common]);
        let got: Vec<(Section, &str)> = out.iter().map(|s| (s.section, s.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (Section::CommonGround, texts[0]),
                (Section::Contribution, texts[2]),
            ]
        );
        assert_eq!(out[1].sources, ["S3"]);
    }

    #[test]
    fn a_translation_aligns_with_the_sentences_of_its_original_it_kept() {
        let first = "A court sentenced Gerard Pelletier. Pelletier denied all charges. \
                     Fourteen others were tried.";
        let check = OutputCheck {
            untranslated: vec!["A court sentenced Gerard Pelletier.".into()],
            ..OutputCheck::of(language::language(first, Lang::En))
        };
        assert_eq!(
            translated_part(first, Some(&check)),
            "Pelletier denied all charges. Fourteen others were tried."
        );
        assert_eq!(translated_part(first, None), first);
    }

    #[test]
    fn a_sentence_about_the_statements_is_not_a_statement_of_fact() {
        assert!(about_the_task(
            "Tous ces énoncés affirment que l'accord est signé."
        ));
        assert!(about_the_task("Both sources say the deal was signed."));
        assert!(!about_the_task("The deal was signed on January 8, 2026."));
    }
}
