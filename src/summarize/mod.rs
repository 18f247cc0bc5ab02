//! Per-source summaries: a token-exact chunk plan, notes per chunk for a long source, then one
//! summary in the source's language and one in the other.

use crate::checks::ground;
use crate::chunking::{self, Chunk};
use crate::error::{Error, Result};
use crate::inputs::{self, Source};
use crate::lang::Lang;
use crate::model::{Message, StopReason};
use crate::pipeline::{fit, Call, Counter, Expect, Pipeline, SLACK};
use crate::report::records::{CallKind, OutputCheck, Part};
use minijinja::context;
use std::collections::BTreeMap;

/// What the pipeline made of one source.
#[derive(Debug, Clone)]
pub struct SourceResult {
    pub id: String,
    pub lang: Lang,
    pub tokens: usize,
    pub chunks: Vec<Chunk>,
    /// Chunk notes, for a source too long for one chunk.
    pub notes: Option<String>,
    pub summaries: BTreeMap<Lang, String>,
    pub checks: BTreeMap<Lang, OutputCheck>,
}

impl Pipeline<'_> {
    fn notes_prompt(
        &self,
        lang: Lang,
        text: &str,
        part: usize,
        parts: usize,
    ) -> Result<Vec<Message>> {
        self.task_prompt(
            "notes",
            lang,
            context! { text => text, part => part, parts => parts, max_items => self.settings.max_items },
        )
    }

    /// Tokens of source text one call may carry: what the larger of the two prompts that
    /// read the text (direct summary, chunk notes) leaves free of the context.
    pub fn budget(&self, s: &Source, lang: Lang) -> Result<usize> {
        // Prompts with an empty document; the notes one with its two-part wording so the
        // budget holds for any part number.
        let probe = |task: &str, ctx| -> Result<usize> {
            let user = self
                .prompts
                .render_only(&format!("{task}.{}.txt", lang.code()), ctx)?;
            self.model.prompt_tokens(&self.messages(lang, user)?)
        };
        let notes = probe(
            "notes",
            context! { text => "", part => 99, parts => 99, max_items => self.settings.max_items },
        )? + self.settings.notes_tokens;
        let direct = probe(
            "summary_direct",
            context! { text => "", words => self.settings.summary_words },
        )? + self.settings.summary_tokens
            + self.retry_headroom(lang)?;
        let reserved = notes.max(direct) + SLACK;
        if reserved + 64 > self.ctx() {
            return Err(Error::ContextOverflow {
                what: format!("{}: the prompts that read the text", label(s)),
                needed: reserved + 64,
                available: self.ctx(),
                hint: "raise --ctx".into(),
            });
        }
        Ok(self.ctx() - reserved)
    }

    /// Token-exact chunk plan for a source: the plan given with `set_plans` (checked to fit
    /// this model), else this model's own.
    pub fn plan(&self, s: &Source, lang: Lang) -> Result<Vec<Chunk>> {
        let budget = self.budget(s, lang)?;
        let Some(ranges) = self.plans.get(&s.sha256) else {
            return chunking::chunk(
                &s.text,
                &Counter(&*self.model),
                budget,
                self.settings.overlap_tokens,
            );
        };
        ranges
            .iter()
            .map(|&(start, end)| {
                let tokens = self.model.count_tokens(&s.text[start..end])?;
                if tokens > budget {
                    return Err(Error::ContextOverflow {
                        what: format!("{}: chunk {start}..{end} of the shared plan", label(s)),
                        needed: tokens,
                        available: budget,
                        hint: "raise --ctx".into(),
                    });
                }
                Ok(Chunk { start, end, tokens })
            })
            .collect()
    }

    /// Chunk plans to use instead of this model's own, by source sha256, as byte ranges:
    /// `bisum compare` gives every model the same plan.
    pub fn set_plans(&mut self, plans: BTreeMap<String, Vec<(usize, usize)>>) {
        self.plans = plans;
    }

    /// One summary in the source's language, written from the text itself when it fits one
    /// chunk (else from chunk notes), then the other language from that summary: the model
    /// reads each source once.
    pub fn summarize_source(&mut self, s: &Source) -> Result<SourceResult> {
        let lang = crate::lang::guess(&s.text);
        let chunks = self.plan(s, lang)?;
        let tokens = self.model.count_tokens(&s.text)?;
        // One chunk: the summary reads the text itself; more: it reads the chunks' notes.
        let (messages, notes) = if chunks.len() == 1 {
            let m = self.task_prompt(
                "summary_direct",
                lang,
                context! { text => s.text, words => self.settings.summary_words },
            )?;
            (m, None)
        } else {
            let notes = self.chunk_notes(s, lang, &chunks)?;
            let notes = self.condense_notes(s, lang, notes)?;
            (self.summary_prompt(lang, &notes)?, Some(notes))
        };
        let first = supported(s, lang, lang, self.summary_call(s, lang, messages)?);
        let other = lang.other();
        let m = self.task_prompt(
            "translate",
            other,
            context! { summary => first.0, words => self.settings.summary_words },
        )?;
        let second = supported(s, lang, other, self.summary_call(s, other, m)?);
        let mut summaries = BTreeMap::new();
        let mut checks = BTreeMap::new();
        for (l, (text, check)) in [(lang, first), (other, second)] {
            summaries.insert(l, text);
            checks.insert(l, check);
        }
        Ok(SourceResult {
            id: s.id.clone(),
            lang,
            tokens,
            chunks,
            notes,
            summaries,
            checks,
        })
    }

    fn summary_call(
        &mut self,
        s: &Source,
        lang: Lang,
        messages: Vec<Message>,
    ) -> Result<(String, OutputCheck)> {
        let call = Call {
            kind: CallKind::Summary,
            source: Some(&s.id),
            lang,
            part: None,
            messages,
            max_new: self.settings.summary_tokens,
        };
        let expect = Expect {
            own_words_of: Some(&s.text),
            ..Expect::default()
        };
        self.call_checked(call, &expect)
    }

    /// Notes on each chunk, in order. A note cut by its token limit is not kept cut: its
    /// chunk is read again in two halves, a note each, so the whole chunk is covered.
    fn chunk_notes(&mut self, s: &Source, lang: Lang, chunks: &[Chunk]) -> Result<Vec<String>> {
        let pieces: Vec<(usize, usize, usize)> = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| (i + 1, c.start, c.end))
            .collect();
        let first = self.notes_on(s, lang, &pieces, chunks.len())?;
        // Where each cut note's chunk is split (`None`: kept as it is).
        let splits: Vec<Option<usize>> = pieces
            .iter()
            .zip(&first)
            .map(|(&(_, a, b), (_, cut))| cut.then(|| middle(&s.text, a, b)).flatten())
            .collect();
        let halves: Vec<(usize, usize, usize)> = pieces
            .iter()
            .zip(&splits)
            .filter_map(|(&(part, a, b), mid)| mid.map(|m| [(part, a, m), (part, m, b)]))
            .flatten()
            .collect();
        let mut again = self.notes_on(s, lang, &halves, chunks.len())?.into_iter();
        let mut notes = Vec::new();
        for ((note, _), mid) in first.into_iter().zip(splits) {
            match mid {
                Some(_) => notes.extend(again.by_ref().take(2).map(|(n, _)| n)),
                None => notes.push(note),
            }
        }
        Ok(notes)
    }

    /// Notes on stretches `(part, start, end)` of the source, all at once where the model
    /// allows; each with whether its token limit cut it.
    fn notes_on(
        &mut self,
        s: &Source,
        lang: Lang,
        pieces: &[(usize, usize, usize)],
        parts: usize,
    ) -> Result<Vec<(String, bool)>> {
        let mut calls = Vec::with_capacity(pieces.len());
        for &(part, a, b) in pieces {
            calls.push(Call {
                kind: CallKind::Notes,
                source: Some(&s.id),
                lang,
                part: Some(Part::Chunk(part)),
                messages: self.notes_prompt(lang, &s.text[a..b], part, parts)?,
                max_new: self.settings.notes_tokens,
            });
        }
        let notes = self.call_all(calls)?;
        let records = &self.calls[self.calls.len() - notes.len()..];
        Ok(notes
            .into_iter()
            .zip(records)
            .map(|(n, r)| (n, r.stop == StopReason::Length))
            .collect())
    }

    fn summary_prompt(&self, lang: Lang, notes: &str) -> Result<Vec<Message>> {
        self.task_prompt(
            "summary",
            lang,
            context! { notes => notes, words => self.settings.summary_words },
        )
    }

    fn merge_prompt(&self, lang: Lang, notes: &[String]) -> Result<Vec<Message>> {
        self.task_prompt(
            "merge",
            lang,
            context! { notes => notes, max_items => self.settings.max_items },
        )
    }

    /// Do the joined notes fit the summary prompt in both languages?
    fn notes_fit(&self, joined: &str) -> Result<bool> {
        for l in Lang::BOTH {
            let m = self.summary_prompt(l, joined)?;
            if !self.fits_checked(&m, self.settings.summary_tokens, l)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Joins chunk notes; while they are too long for the summary prompt, merges them in
    /// groups, and where no two fit one merge prompt, drops their last lines (`fit`). Each
    /// round shortens the notes, so it ends; only a single line that fills a prompt alone
    /// is an error.
    fn condense_notes(&mut self, s: &Source, lang: Lang, mut notes: Vec<String>) -> Result<String> {
        let mut round = 0;
        loop {
            let joined = notes.join("\n");
            if self.notes_fit(&joined)? {
                return Ok(joined);
            }
            let groups = self.group(&notes, |this, batch| {
                this.fits(&this.merge_prompt(lang, batch)?, this.settings.notes_tokens)
            })?;
            if groups.iter().all(|g| g.len() < 2) {
                if !fit::shorten(&mut notes) {
                    return Err(Error::ContextOverflow {
                        what: format!("{}: one line of the notes", label(s)),
                        needed: self.model.count_tokens(&joined)?,
                        available: self.ctx(),
                        hint: "raise --ctx".into(),
                    });
                }
                continue;
            }
            round += 1;
            notes = self.merge_groups(s, lang, round, groups)?;
        }
    }

    fn merge_groups(
        &mut self,
        s: &Source,
        lang: Lang,
        round: usize,
        groups: Vec<Vec<String>>,
    ) -> Result<Vec<String>> {
        // Groups of one pass through; the others are merged, all at once where possible.
        let mut calls = Vec::new();
        for (gi, g) in groups.iter().enumerate().filter(|(_, g)| g.len() > 1) {
            calls.push(Call {
                kind: CallKind::Merge,
                source: Some(&s.id),
                lang,
                part: Some(Part::Group {
                    round,
                    group: gi + 1,
                }),
                messages: self.merge_prompt(lang, g)?,
                max_new: self.settings.notes_tokens,
            });
        }
        let mut merged = self.call_all(calls)?.into_iter();
        Ok(groups
            .into_iter()
            .flat_map(|mut g| match g.len() {
                1 => g.pop(),
                _ => merged.next(),
            })
            .collect())
    }
}

/// The summary in `lang` of `s` (in `source_lang`) without its sentences that state a
/// figure, date or name the source does not hold (`ground::keep_supported`); one whose
/// every sentence is unsupported stays whole, its grounding warnings under it.
fn supported(
    s: &Source,
    source_lang: Lang,
    lang: Lang,
    (text, mut check): (String, OutputCheck),
) -> (String, OutputCheck) {
    let (kept, dropped) = ground::keep_supported(&text, lang, (&s.id, &s.text, source_lang));
    if kept.is_empty() || dropped.is_empty() {
        return (text, check);
    }
    check.dropped = dropped;
    (kept, check)
}

/// Where to cut `text[a..b]` in two: the line or sentence end nearest after its middle;
/// `None` when there is none.
fn middle(text: &str, a: usize, b: usize) -> Option<usize> {
    let mut mid = a + (b - a) / 2;
    while !text.is_char_boundary(mid) {
        mid += 1;
    }
    let rest = &text[mid..b];
    let cut = [rest.find('\n'), rest.find(". ").map(|i| i + 1)]
        .into_iter()
        .flatten()
        .min()?;
    let at = mid + cut;
    (at > a && at < b).then_some(at)
}

fn label(s: &Source) -> String {
    inputs::label(&s.path).display().to_string()
}
