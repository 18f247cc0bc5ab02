//! The summarization pipeline: notes per chunk (each source read by the model once), one
//! French and one English summary per source, then a cited synthesis across sources.

use crate::cache::CallCache;
use crate::chunk::{self, Chunk, TokenCount};
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::{GenParams, Generate, Generation, Message, StopReason};
use crate::prompt::Prompts;
use crate::source::Source;
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;

/// Lengths and decoding settings of the pipeline's calls.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Seed, temperature, penalties; `max_new_tokens` is set per call kind below.
    pub params: GenParams,
    pub notes_tokens: usize,
    pub summary_tokens: usize,
    pub synthesis_tokens: usize,
    pub overlap_tokens: usize,
    pub summary_words: usize,
    pub max_items: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            params: GenParams::default(),
            notes_tokens: 400,
            summary_tokens: 320,
            synthesis_tokens: 700,
            overlap_tokens: 64,
            summary_words: 120,
            max_items: 12,
        }
    }
}

/// Tokens kept free in every call so a prompt whose pieces were counted apart still fits
/// once rendered together (BPE counts do not add up exactly at the joins).
const SLACK: usize = 16;

/// One model call, as recorded in report.json.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub kind: &'static str,
    pub source: Option<String>,
    pub lang: Lang,
    pub part: Option<usize>,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    pub prompt_seconds: f64,
    pub generation_seconds: f64,
    pub seconds: f64,
    pub prompt_tokens_per_second: f64,
    pub generation_tokens_per_second: f64,
    pub stop: StopReason,
    /// Served from the call cache (an earlier, interrupted or identical run).
    pub cached: bool,
    pub key: String,
}

/// Hooks for progress display; the pipeline itself prints nothing.
pub trait Observer {
    fn call_started(&mut self, _label: &str, _prompt_tokens: usize, _max_new: usize) {}
    fn token(&mut self, _generated: usize) {}
    fn call_finished(&mut self, _label: &str, _record: &CallRecord) {}
}

pub struct Silent;
impl Observer for Silent {}

/// What the pipeline made of one source.
#[derive(Debug, Clone)]
pub struct SourceResult {
    pub id: String,
    pub lang: Lang,
    pub tokens: usize,
    pub chunks: Vec<Chunk>,
    pub notes: String,
    pub summaries: BTreeMap<Lang, String>,
}

struct Counter<'a>(&'a dyn Generate);
impl TokenCount for Counter<'_> {
    fn count(&self, text: &str) -> Result<usize> {
        self.0.count_tokens(text)
    }
}

/// An input to a synthesis: a source's summary, or a partial synthesis of a group.
#[derive(Debug, Clone, Serialize)]
struct Item {
    id: String,
    title: String,
    text: String,
}

pub struct Pipeline<'a> {
    model: &'a mut dyn Generate,
    prompts: &'a Prompts,
    settings: Settings,
    cache: Option<CallCache>,
    observer: &'a mut dyn Observer,
    pub calls: Vec<CallRecord>,
}

impl<'a> Pipeline<'a> {
    pub fn new(
        model: &'a mut dyn Generate,
        prompts: &'a Prompts,
        settings: Settings,
        cache: Option<CallCache>,
        observer: &'a mut dyn Observer,
    ) -> Self {
        Self {
            model,
            prompts,
            settings,
            cache,
            observer,
            calls: Vec::new(),
        }
    }

    fn ctx(&self) -> usize {
        self.model.info().context_length
    }

    fn messages(&self, lang: Lang, user: String) -> Result<Vec<Message>> {
        Ok(vec![
            Message::system(
                self.prompts
                    .render(&format!("system.{}.txt", lang.code()), context! {})?,
            ),
            Message::user(user),
        ])
    }

    /// Does this conversation plus `max_new` generated tokens fit the context?
    fn fits(&self, messages: &[Message], max_new: usize) -> Result<bool> {
        Ok(self.model.prompt_tokens(messages)? + max_new + SLACK <= self.ctx())
    }

    fn call(
        &mut self,
        kind: &'static str,
        source: Option<&str>,
        lang: Lang,
        part: Option<usize>,
        messages: Vec<Message>,
        max_new: usize,
    ) -> Result<String> {
        let label = match (source, part) {
            (Some(s), Some(p)) => format!("{s} {kind} {p} ({})", lang.code()),
            (Some(s), None) => format!("{s} {kind} ({})", lang.code()),
            (None, Some(p)) => format!("{kind} {p} ({})", lang.code()),
            (None, None) => format!("{kind} ({})", lang.code()),
        };
        let prompt_tokens = self.model.prompt_tokens(&messages)?;
        if prompt_tokens + max_new > self.ctx() {
            return Err(Error::ContextOverflow {
                what: label,
                needed: prompt_tokens + max_new,
                available: self.ctx(),
                hint: "raise --ctx or shorten the prompts".into(),
            });
        }
        let params = GenParams {
            max_new_tokens: max_new,
            ..self.settings.params.clone()
        };
        let key = CallCache::key(&self.model.info().sha256, &messages, &params);
        let cached = self.cache.as_ref().and_then(|c| c.get(&key));
        let (g, was_cached): (Generation, bool) = match cached {
            Some(g) => (g, true),
            None => {
                self.observer.call_started(&label, prompt_tokens, max_new);
                let observer = &mut *self.observer;
                let g = self
                    .model
                    .generate(&messages, &params, &mut |n| observer.token(n))?;
                if let Some(c) = &self.cache {
                    c.put(&key, &g)?;
                }
                (g, false)
            }
        };
        let rate = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
        let record = CallRecord {
            kind,
            source: source.map(str::to_string),
            lang,
            part,
            prompt_tokens: g.prompt_tokens,
            generated_tokens: g.generated_tokens,
            prompt_seconds: g.prompt_seconds,
            generation_seconds: g.generation_seconds,
            seconds: g.prompt_seconds + g.generation_seconds,
            prompt_tokens_per_second: rate(g.prompt_tokens, g.prompt_seconds),
            generation_tokens_per_second: rate(g.generated_tokens, g.generation_seconds),
            stop: g.stop,
            cached: was_cached,
            key,
        };
        self.observer.call_finished(&label, &record);
        self.calls.push(record);
        Ok(g.text)
    }

    fn notes_prompt(
        &self,
        s: &Source,
        lang: Lang,
        text: &str,
        part: usize,
        parts: usize,
    ) -> Result<Vec<Message>> {
        let user = self.prompts.task(
            "notes",
            lang,
            context! { title => s.stem, text => text, part => part, parts => parts, max_items => self.settings.max_items },
        )?;
        self.messages(lang, user)
    }

    /// Token-exact chunk plan for a source: the budget is what the notes prompt leaves free.
    pub fn plan(&self, s: &Source, lang: Lang) -> Result<Vec<Chunk>> {
        // The prompt with an empty document, with the two-part wording so the budget holds
        // for any part number.
        let overhead = self
            .model
            .prompt_tokens(&self.notes_prompt(s, lang, "", 99, 99)?)?;
        let reserved = overhead + self.settings.notes_tokens + SLACK;
        if reserved + 64 > self.ctx() {
            return Err(Error::ContextOverflow {
                what: format!("{}: the notes prompt", s.path.display()),
                needed: reserved + 64,
                available: self.ctx(),
                hint: "raise --ctx".into(),
            });
        }
        let budget = self.ctx() - reserved;
        chunk::chunk(
            &s.text,
            &Counter(&*self.model),
            budget,
            self.settings.overlap_tokens,
        )
    }

    /// Notes on every chunk, then one summary per language.
    pub fn summarize_source(&mut self, s: &Source) -> Result<SourceResult> {
        let lang = crate::lang::guess(&s.text);
        let chunks = self.plan(s, lang)?;
        let tokens = self.model.count_tokens(&s.text)?;
        let parts = chunks.len();
        let mut notes = Vec::with_capacity(parts);
        for (i, c) in chunks.iter().enumerate() {
            let m = self.notes_prompt(s, lang, c.text(&s.text), i + 1, parts)?;
            let part = (parts > 1).then_some(i + 1);
            notes.push(self.call(
                "notes",
                Some(&s.id),
                lang,
                part,
                m,
                self.settings.notes_tokens,
            )?);
        }
        let notes = self.condense_notes(s, lang, notes)?;
        let mut summaries = BTreeMap::new();
        for out in Lang::BOTH {
            let m = self.summary_prompt(s, out, &notes)?;
            let text = self.call(
                "summary",
                Some(&s.id),
                out,
                None,
                m,
                self.settings.summary_tokens,
            )?;
            summaries.insert(out, text);
        }
        Ok(SourceResult {
            id: s.id.clone(),
            lang,
            tokens,
            chunks,
            notes,
            summaries,
        })
    }

    fn summary_prompt(&self, s: &Source, lang: Lang, notes: &str) -> Result<Vec<Message>> {
        let user = self.prompts.task(
            "summary",
            lang,
            context! { title => s.stem, notes => notes, words => self.settings.summary_words },
        )?;
        self.messages(lang, user)
    }

    fn merge_prompt(&self, s: &Source, lang: Lang, notes: &[String]) -> Result<Vec<Message>> {
        let user = self.prompts.task(
            "merge",
            lang,
            context! { title => s.stem, notes => notes, max_items => self.settings.max_items },
        )?;
        self.messages(lang, user)
    }

    /// Joins chunk notes; while they are too long for the summary prompt, merges them in
    /// groups. Each round merges at least two notes into one, so it ends.
    fn condense_notes(&mut self, s: &Source, lang: Lang, mut notes: Vec<String>) -> Result<String> {
        let mut round = 0;
        loop {
            let joined = notes.join("\n");
            let fits_all = Lang::BOTH.iter().try_fold(true, |acc, &l| {
                Ok::<_, Error>(
                    acc && self.fits(
                        &self.summary_prompt(s, l, &joined)?,
                        self.settings.summary_tokens,
                    )?,
                )
            })?;
            if notes.len() == 1 || fits_all {
                return Ok(joined);
            }
            round += 1;
            let groups = self.group(&notes, |this, batch| {
                this.fits(
                    &this.merge_prompt(s, lang, batch)?,
                    this.settings.notes_tokens,
                )
            })?;
            if groups.iter().all(|g| g.len() < 2) {
                return Err(Error::ContextOverflow {
                    what: format!("{}: merging notes", s.path.display()),
                    needed: self.settings.notes_tokens * 2,
                    available: self.ctx(),
                    hint: "raise --ctx".into(),
                });
            }
            let mut next = Vec::with_capacity(groups.len());
            for (gi, g) in groups.iter().enumerate() {
                if g.len() == 1 {
                    next.push(g[0].clone());
                    continue;
                }
                let m = self.merge_prompt(s, lang, g)?;
                let part = Some(round * 100 + gi + 1);
                next.push(self.call(
                    "merge",
                    Some(&s.id),
                    lang,
                    part,
                    m,
                    self.settings.notes_tokens,
                )?);
            }
            notes = next;
        }
    }

    /// Greedy grouping of consecutive items such that each group passes `fits`.
    fn group<T: Clone>(
        &self,
        items: &[T],
        fits: impl Fn(&Self, &[T]) -> Result<bool>,
    ) -> Result<Vec<Vec<T>>> {
        let mut groups: Vec<Vec<T>> = Vec::new();
        let mut current: Vec<T> = Vec::new();
        for it in items {
            current.push(it.clone());
            if current.len() > 1 && !fits(self, &current)? {
                let last = current.pop().expect("non-empty");
                groups.push(std::mem::take(&mut current));
                current.push(last);
            }
        }
        if !current.is_empty() {
            groups.push(current);
        }
        Ok(groups)
    }

    fn synthesis_prompt(&self, task: &str, lang: Lang, items: &[Item]) -> Result<Vec<Message>> {
        let user = self
            .prompts
            .task(task, lang, context! { sources => items })?;
        self.messages(lang, user)
    }

    /// The cross-source synthesis in one language, from the sources' summaries in that
    /// language. Too many sources for one prompt: synthesize groups, then merge the partial
    /// syntheses (their [S#] citations carry through). Every round folds at least two items
    /// into one, so it ends.
    pub fn synthesize(
        &mut self,
        sources: &[(&Source, &SourceResult)],
        lang: Lang,
    ) -> Result<String> {
        let mut items: Vec<Item> = sources
            .iter()
            .map(|(s, r)| Item {
                id: s.id.clone(),
                title: s.stem.clone(),
                text: r.summaries.get(&lang).cloned().unwrap_or_default(),
            })
            .collect();
        let max_new = self.settings.synthesis_tokens;
        let mut task = "synthesis";
        let mut round = 0;
        loop {
            let m = self.synthesis_prompt(task, lang, &items)?;
            if self.fits(&m, max_new)? {
                return self.call("synthesis", None, lang, None, m, max_new);
            }
            round += 1;
            let t = task;
            let groups = self.group(&items, |this, batch| {
                this.fits(&this.synthesis_prompt(t, lang, batch)?, max_new)
            })?;
            if groups.iter().all(|g| g.len() < 2) {
                return Err(Error::ContextOverflow {
                    what: "the synthesis".into(),
                    needed: self.model.prompt_tokens(&m)? + max_new,
                    available: self.ctx(),
                    hint: "raise --ctx or lower --synthesis-tokens".into(),
                });
            }
            let mut next = Vec::new();
            for (gi, g) in groups.iter().enumerate() {
                let label = match lang {
                    Lang::Fr => format!("Synthèse partielle {round}.{}", gi + 1),
                    Lang::En => format!("Partial synthesis {round}.{}", gi + 1),
                };
                if g.len() == 1 {
                    next.push(g[0].clone());
                    continue;
                }
                let m = self.synthesis_prompt(task, lang, g)?;
                let text = self.call(
                    "synthesis_part",
                    None,
                    lang,
                    Some(round * 100 + gi + 1),
                    m,
                    max_new,
                )?;
                next.push(Item {
                    id: label.clone(),
                    title: label,
                    text,
                });
            }
            items = next;
            task = "synthesis_merge";
        }
    }
}

/// Source ids cited as `[S1]`, `[S2, S3]`, `[S4; S5]` in a text, in order of first use.
pub fn citations(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        for part in after[..close].split([',', ';', ' ', '/']) {
            let p = part.trim();
            if p.len() > 1
                && p.starts_with('S')
                && p[1..].bytes().all(|b| b.is_ascii_digit())
                && !out.iter().any(|x| x == p)
            {
                out.push(p.to_string());
            }
        }
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_parsed_in_all_forms() {
        let t = "A [S1]. B [S2][S3]. C [S4, S5; S2]. D [12]. E [Source] [S10]";
        assert_eq!(citations(t), vec!["S1", "S2", "S3", "S4", "S5", "S10"]);
    }
}
