//! The cross-source synthesis in each language: the sources' summaries folded into one
//! prompt (groups synthesized first when they do not fit), and the disagreements that code
//! found between the sources stated in a section of their own.

use crate::checks::citations::{citations, uncited_sentences};
use crate::checks::disagree::{self, Disagreement};
use crate::error::{Error, Result};
use crate::inputs::Source;
use crate::lang::Lang;
use crate::model::Message;
use crate::pipeline::{fit, Call, Expect, Pipeline, SLACK};
use crate::report::records::{CallKind, OutputCheck, Part};
use crate::summarize::SourceResult;
use minijinja::context;
use serde::Serialize;

/// An input to a synthesis: a source's summary, or a partial synthesis of a group.
#[derive(Debug, Clone, Serialize)]
struct Item {
    id: String,
    text: String,
}

/// Tokens the disagreements section may take per disagreement (one sentence each).
const SECTION_TOKENS_EACH: usize = 64;

/// The prompt's inputs once they fit, the task that reads them, and the tokens its answer
/// may take.
struct Folded {
    items: Vec<Item>,
    task: &'static str,
    max_new: usize,
}

/// The shortest synthesis worth asking for: with less room than this, inputs are folded
/// or shortened further rather than the answer squeezed.
const MIN_ANSWER: usize = 160;

impl Pipeline<'_> {
    fn synthesis_prompt(
        &self,
        task: &str,
        lang: Lang,
        items: &[Item],
        topics: &[String],
    ) -> Result<Vec<Message>> {
        let user = self.prompts.task(
            task,
            lang,
            context! { sources => items, disagreements => topics },
        )?;
        self.messages(lang, user)
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

    /// The synthesis's disagreements section: the model words the differences code found,
    /// one sentence each, from a prompt holding nothing else (a small model asked to do this
    /// inside the whole synthesis drops versions or gives them to the wrong source).
    fn disagreements_section(
        &mut self,
        lang: Lang,
        found: &[Disagreement],
        concepts: &disagree::Concepts,
    ) -> Result<(String, OutputCheck)> {
        let listed: Vec<minijinja::Value> = found
            .iter()
            .map(|d| {
                let versions: Vec<minijinja::Value> = d
                    .versions
                    .iter()
                    .map(|v| context! { value => disagree::display(v.key, lang), sources => v.sources })
                    .collect();
                context! { kind => d.kind, topic => concepts.label(&d.topics[0], lang), versions => versions }
            })
            .collect();
        let messages =
            self.task_prompt("disagreements", lang, context! { disagreements => listed })?;
        let call = Call {
            kind: CallKind::Disagreements,
            source: None,
            lang,
            part: None,
            messages,
            max_new: SECTION_TOKENS_EACH * found.len() + SECTION_TOKENS_EACH,
        };
        let expect = Expect {
            state: found,
            ..Expect::default()
        };
        self.call_checked(call, &expect)
    }

    /// Tokens the synthesis may write: the setting, capped at a third of the context so
    /// that its inputs always have room.
    fn synthesis_tokens(&self) -> usize {
        self.settings.synthesis_tokens.min(self.ctx() / 3)
    }

    /// Tokens a partial synthesis may write: small enough that two of them and the merge's
    /// own answer fit one prompt, so every merging round folds items together.
    fn part_tokens(&self, lang: Lang) -> Result<usize> {
        // Two empty inputs: the prompt's own words and each input's framing.
        let empty = Item {
            id: match lang {
                Lang::Fr => "Synthèse partielle 99.99".into(),
                Lang::En => "Partial synthesis 99.99".into(),
            },
            text: String::new(),
        };
        let two = [empty.clone(), empty];
        let framing = self.synthesis_prompt("synthesis_merge", lang, &two, &[])?;
        let overhead = self.model.prompt_tokens(&framing)? + SLACK;
        let room = self.ctx().saturating_sub(overhead) / 3;
        Ok(self.synthesis_tokens().min(room).max(1))
    }

    /// The cross-source synthesis in one language, from the sources' summaries in that
    /// language, with the disagreements found by code stated in a section of their own.
    pub fn synthesize(
        &mut self,
        sources: &[(&Source, &SourceResult)],
        lang: Lang,
    ) -> Result<(String, OutputCheck)> {
        let items: Vec<Item> = sources
            .iter()
            .map(|(s, r)| Item {
                id: s.id.clone(),
                text: r.summaries.get(&lang).cloned().unwrap_or_default(),
            })
            .collect();
        let ids: Vec<String> = sources.iter().map(|(s, _)| s.id.clone()).collect();
        let concepts = self.concepts()?;
        let found = Self::disagreements(sources, &concepts);
        // The synthesis prompt names what the sources disagree about, so that the model
        // leaves it out of the common ground; the section itself is written apart.
        let mut topics: Vec<String> = Vec::new();
        for d in &found {
            // The first concept names it (a disagreement found under several is one).
            let label = concepts.label(&d.topics[0], lang);
            if !topics.contains(&label) {
                topics.push(label);
            }
        }
        let folded = self.fold(items, lang, &topics)?;
        let messages = self.synthesis_prompt(folded.task, lang, &folded.items, &topics)?;
        let call = Call {
            kind: CallKind::Synthesis,
            source: None,
            lang,
            part: None,
            messages,
            max_new: folded.max_new,
        };
        let expect = Expect {
            cite: &ids,
            ..Expect::default()
        };
        let (text, check) = self.call_checked(call, &expect)?;
        if found.is_empty() {
            // The section is code's: "none found", never one the model makes up.
            let section = self.prompts.render(
                &format!("output/disagreements.{}.md", lang.code()),
                context! { text => "" },
            )?;
            return Ok((insert_section(&text, &section), check));
        }
        self.with_section(text, check, lang, &ids, &found, &concepts)
    }

    /// Folds the inputs until the synthesis prompt holds them all: groups that fit a prompt
    /// are synthesized into partial syntheses (their [S#] citations carry through); where
    /// no two inputs fit together, the longest loses its last statement. Every round makes
    /// the inputs shorter, so it ends; only one statement too long for a prompt alone is an
    /// error.
    fn fold(&mut self, mut items: Vec<Item>, lang: Lang, topics: &[String]) -> Result<Folded> {
        let mut task = "synthesis";
        let mut round = 0;
        let part_tokens = self.part_tokens(lang)?;
        loop {
            let m = self.synthesis_prompt(task, lang, &items, topics)?;
            // Tokens the answer may take after this prompt and a retry's reminder.
            let room = self
                .ctx()
                .saturating_sub(self.model.prompt_tokens(&m)? + self.retry_headroom(lang)? + SLACK);
            let max_new = self.synthesis_tokens();
            if room >= max_new || (items.len() == 1 && room >= MIN_ANSWER.min(max_new)) {
                return Ok(Folded {
                    items,
                    task,
                    max_new: room.min(max_new),
                });
            }
            let t = task;
            let groups = self.group(&items, |this, batch| {
                this.fits(&this.synthesis_prompt(t, lang, batch, &[])?, part_tokens)
            })?;
            if groups.iter().all(|g| g.len() < 2) {
                let mut texts: Vec<String> = items.iter().map(|i| i.text.clone()).collect();
                if !fit::shorten(&mut texts) && room >= MIN_ANSWER.min(max_new) {
                    // Nothing left to shorten: a shorter answer, rather than none.
                    return Ok(Folded {
                        items,
                        task,
                        max_new: room,
                    });
                }
                if texts.iter().zip(&items).all(|(t, i)| *t == i.text) {
                    return Err(Error::ContextOverflow {
                        what: format!("the synthesis ({})", lang.code()),
                        needed: self.model.prompt_tokens(&m)? + self.synthesis_tokens(),
                        available: self.ctx(),
                        hint: "raise --ctx".into(),
                    });
                }
                for (item, text) in items.iter_mut().zip(texts) {
                    item.text = text;
                }
                continue;
            }
            round += 1;
            items = self.synthesize_groups(task, lang, round, groups, part_tokens)?;
            task = "synthesis_merge";
        }
    }

    fn synthesize_groups(
        &mut self,
        task: &str,
        lang: Lang,
        round: usize,
        groups: Vec<Vec<Item>>,
        max_new: usize,
    ) -> Result<Vec<Item>> {
        // Groups of one pass through; the others become partial syntheses, all at once
        // where possible.
        let mut calls = Vec::new();
        let mut ids = Vec::new();
        for (gi, g) in groups.iter().enumerate().filter(|(_, g)| g.len() > 1) {
            ids.push(match lang {
                Lang::Fr => format!("Synthèse partielle {round}.{}", gi + 1),
                Lang::En => format!("Partial synthesis {round}.{}", gi + 1),
            });
            calls.push(Call {
                kind: CallKind::SynthesisPart,
                source: None,
                lang,
                part: Some(Part::Group {
                    round,
                    group: gi + 1,
                }),
                messages: self.synthesis_prompt(task, lang, g, &[])?,
                max_new,
            });
        }
        let mut parts = ids
            .into_iter()
            .zip(self.call_all(calls)?)
            .map(|(id, text)| Item { id, text });
        Ok(groups
            .into_iter()
            .flat_map(|mut g| match g.len() {
                1 => g.pop(),
                _ => parts.next(),
            })
            .collect())
    }

    /// The synthesis with its disagreements section placed after the common ground, and
    /// the checks redone on the whole.
    fn with_section(
        &mut self,
        text: String,
        check: OutputCheck,
        lang: Lang,
        ids: &[String],
        found: &[Disagreement],
        concepts: &disagree::Concepts,
    ) -> Result<(String, OutputCheck)> {
        let (section, section_check) = self.disagreements_section(lang, found, concepts)?;
        let section = self.prompts.render(
            &format!("output/disagreements.{}.md", lang.code()),
            context! { text => section.trim() },
        )?;
        let text = insert_section(&text, &section);
        let cited = citations(&text);
        let mut language = check.language;
        if !section_check.language.ok {
            language.ok = false;
        }
        language.retried |= section_check.language.retried;
        let check = OutputCheck {
            language,
            copy_ratio: None,
            uncited: ids.iter().filter(|i| !cited.contains(i)).cloned().collect(),
            uncited_sentences: uncited_sentences(&text),
            disagreements: disagree::verify(&text, lang, found),
        };
        Ok((text, check))
    }
}

/// `section` placed after the synthesis's first part (its common ground), before the next
/// `## ` heading; at the end when the model wrote no second heading. A disagreements
/// section the model wrote anyway is replaced, so there is one.
fn insert_section(synthesis: &str, section: &str) -> String {
    let heading = section.lines().next().unwrap_or_default().trim();
    let mut parts: Vec<String> = Vec::new();
    for line in synthesis.lines() {
        if line.starts_with("## ") || parts.is_empty() {
            parts.push(String::new());
        }
        let last = parts.last_mut().expect("a part");
        last.push_str(line);
        last.push('\n');
    }
    parts.retain(|p| {
        !p.lines()
            .next()
            .is_some_and(|l| l.trim().eq_ignore_ascii_case(heading))
    });
    let second = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.starts_with("## "))
        .nth(1)
        .map(|(i, _)| i)
        .unwrap_or(parts.len());
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i == second {
            out.push_str(section.trim_end());
            out.push_str("\n\n");
        }
        out.push_str(p.trim_end());
        out.push_str("\n\n");
    }
    if second == parts.len() {
        out.push_str(section.trim_end());
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disagreements_section_goes_after_the_common_ground() {
        let section = "## Disagreements\n\n- A [S1] versus B [S2].\n";
        let two = "## Common ground\nX [S1].\n\n## Specific contributions\nY [S2].";
        assert_eq!(
            insert_section(two, section),
            "## Common ground\nX [S1].\n\n## Disagreements\n\n- A [S1] versus B [S2].\n\n## Specific contributions\nY [S2]."
        );
        // A section the model wrote anyway is replaced; text before the first heading stays.
        let three =
            "Intro.\n## Common ground\nX.\n## Disagreements\nNone.\n## Specific contributions\nY.";
        let out = insert_section(three, section);
        assert_eq!(out.matches("## Disagreements").count(), 1, "{out}");
        assert!(!out.contains("None."), "{out}");
        assert!(
            out.starts_with("Intro.\n\n## Common ground\nX.\n\n## Disagreements"),
            "{out}"
        );
        // No headings at all: the section is appended.
        assert_eq!(
            insert_section("Just text [S1].", section),
            "Just text [S1].\n\n## Disagreements\n\n- A [S1] versus B [S2]."
        );
    }
}
