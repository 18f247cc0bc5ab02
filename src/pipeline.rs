//! The summarization pipeline: notes per chunk (each source read by the model once), one
//! French and one English summary per source, then a cited synthesis across sources.

use crate::cache::CallCache;
use crate::check::{self, LanguageCheck};
use crate::chunk::{self, Chunk, TokenCount};
use crate::disagree::{self, Disagreement};
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
    /// 2 when this call redoes the previous one after a failed check.
    pub attempt: u8,
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
    /// Chunk notes, for a source too long for one chunk.
    pub notes: Option<String>,
    pub summaries: BTreeMap<Lang, String>,
    pub checks: BTreeMap<Lang, OutputCheck>,
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
    text: String,
}

pub struct Pipeline<'a> {
    model: &'a mut dyn Generate,
    prompts: &'a Prompts,
    settings: Settings,
    cache: Option<CallCache>,
    observer: &'a mut dyn Observer,
    pub calls: Vec<CallRecord>,
    attempt: u8,
    plans: BTreeMap<String, Vec<(usize, usize)>>,
}

/// What the checks found on one summary or synthesis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutputCheck {
    pub language: LanguageCheck,
    /// Share of the output copied verbatim from the source (summaries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_ratio: Option<f64>,
    /// Sources a synthesis should cite and does not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncited: Vec<String>,
    /// Synthesis sentences that state something and cite no source (shortened).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncited_sentences: Vec<String>,
    /// For a synthesis: each disagreement found between the sources, and whether the text
    /// states it with the right sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<crate::disagree::DisagreementCheck>,
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
            attempt: 1,
            plans: BTreeMap::new(),
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

    /// Tokens a checked call's retry adds to its prompt: the longest of the reminders
    /// `call_checked` may append. A prompt that fits only without them would fail on retry.
    fn retry_headroom(&self, lang: Lang) -> Result<usize> {
        let mut most = 0;
        for r in ["reminder", "own_words", "cite", "disagree"] {
            let extra = self
                .prompts
                .render_only(&format!("{r}.{}.txt", lang.code()), context! {})?;
            most = most.max(self.model.count_tokens(&format!("\n\n{extra}"))?);
        }
        Ok(most + 2)
    }

    /// `fits` for a call that `call_checked` may retry with a reminder appended.
    fn fits_checked(&self, messages: &[Message], max_new: usize, lang: Lang) -> Result<bool> {
        self.fits(messages, max_new + self.retry_headroom(lang)?)
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
            attempt: self.attempt,
            key,
        };
        self.observer.call_finished(&label, &record);
        self.calls.push(record);
        Ok(g.text)
    }

    /// A call whose answer must be in `lang` (with `source_text`, not a copy of it; with
    /// `must_cite`, citing each of those ids): a failing answer is asked for once more with a
    /// reminder appended to the request, and the better of the two is kept.
    #[allow(clippy::too_many_arguments)]
    fn call_checked(
        &mut self,
        kind: &'static str,
        source_id: Option<&str>,
        lang: Lang,
        messages: Vec<Message>,
        max_new: usize,
        source_text: Option<&str>,
        must_cite: &[String],
        must_state: &[Disagreement],
    ) -> Result<(String, OutputCheck)> {
        let judge = |text: &str| {
            let cited = citations(text);
            OutputCheck {
                language: check::language(text, lang),
                copy_ratio: source_text.map(|src| check::copy_ratio(text, src)),
                uncited: must_cite
                    .iter()
                    .filter(|id| !cited.contains(id))
                    .cloned()
                    .collect(),
                uncited_sentences: if must_cite.is_empty() {
                    Vec::new()
                } else {
                    uncited_sentences(text)
                },
                disagreements: disagree::verify(text, lang, must_state),
            }
        };
        let unstated = |c: &OutputCheck| c.disagreements.iter().filter(|d| !d.ok).count();
        let copied = |c: &OutputCheck| c.copy_ratio.is_some_and(|r| r > check::COPY_LIMIT);
        let text = self.call(kind, source_id, lang, None, messages.clone(), max_new)?;
        let first = judge(&text);
        // Sentences citing no source are reported, not retried for: small models often
        // leave some, and a second synthesis is minutes of prompt processing.
        if first.language.ok && !copied(&first) && first.uncited.is_empty() && unstated(&first) == 0
        {
            return Ok((text, first));
        }
        let reminder = if !first.language.ok {
            "reminder"
        } else if copied(&first) {
            "own_words"
        } else if !first.uncited.is_empty() {
            "cite"
        } else {
            "disagree"
        };
        let extra = self
            .prompts
            .render(&format!("{reminder}.{}.txt", lang.code()), context! {})?;
        let mut retry = messages;
        let user = retry.last_mut().expect("a user message");
        user.content = format!("{}\n\n{extra}", user.content);
        self.attempt = 2;
        let again = self.call(kind, source_id, lang, None, retry, max_new);
        self.attempt = 1;
        let again = again?;
        let mut second = judge(&again);
        second.language.retried = true;
        // Right language first, then the less copied, then the one citing more sources.
        let rank = |c: &OutputCheck| {
            (
                c.language.ok,
                !copied(c),
                usize::MAX - c.uncited.len(),
                usize::MAX - unstated(c),
                usize::MAX - c.uncited_sentences.len(),
            )
        };
        if rank(&second) >= rank(&first) {
            Ok((again, second))
        } else {
            let mut kept = first;
            kept.language.retried = true;
            Ok((text, kept))
        }
    }

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
                what: format!(
                    "{}: the prompts that read the text",
                    crate::source::label(&s.path).display()
                ),
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
            return chunk::chunk(
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
                        what: format!(
                            "{}: chunk {start}..{end} of the shared plan",
                            crate::source::label(&s.path).display()
                        ),
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
        let parts = chunks.len();
        let max = self.settings.summary_tokens;
        // One chunk: the summary reads the text itself; more: it reads the chunks' notes.
        let (m, notes) = if parts == 1 {
            let m = self.task_prompt(
                "summary_direct",
                lang,
                context! { text => s.text, words => self.settings.summary_words },
            )?;
            (m, None)
        } else {
            let mut notes = Vec::with_capacity(parts);
            for (i, c) in chunks.iter().enumerate() {
                let m = self.notes_prompt(lang, c.text(&s.text), i + 1, parts)?;
                notes.push(self.call(
                    "notes",
                    Some(&s.id),
                    lang,
                    Some(i + 1),
                    m,
                    self.settings.notes_tokens,
                )?);
            }
            let notes = self.condense_notes(s, lang, notes)?;
            (self.summary_prompt(lang, &notes)?, Some(notes))
        };
        let first = self.call_checked(
            "summary",
            Some(&s.id),
            lang,
            m,
            max,
            Some(&s.text),
            &[],
            &[],
        )?;
        let other = match lang {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        };
        let m = self.task_prompt(
            "translate",
            other,
            context! { summary => first.0, words => self.settings.summary_words },
        )?;
        let second = self.call_checked(
            "summary",
            Some(&s.id),
            other,
            m,
            max,
            Some(&s.text),
            &[],
            &[],
        )?;
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

    fn task_prompt(&self, task: &str, lang: Lang, ctx: minijinja::Value) -> Result<Vec<Message>> {
        let user = self.prompts.task(task, lang, ctx)?;
        self.messages(lang, user)
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

    /// Joins chunk notes; while they are too long for the summary prompt, merges them in
    /// groups. Each round merges at least two notes into one, so it ends.
    fn condense_notes(&mut self, s: &Source, lang: Lang, mut notes: Vec<String>) -> Result<String> {
        let mut round = 0;
        loop {
            let joined = notes.join("\n");
            let fits_all = Lang::BOTH.iter().try_fold(true, |acc, &l| {
                Ok::<_, Error>(
                    acc && self.fits_checked(
                        &self.summary_prompt(l, &joined)?,
                        self.settings.summary_tokens,
                        l,
                    )?,
                )
            })?;
            if notes.len() == 1 || fits_all {
                return Ok(joined);
            }
            round += 1;
            let groups = self.group(&notes, |this, batch| {
                this.fits(&this.merge_prompt(lang, batch)?, this.settings.notes_tokens)
            })?;
            if groups.iter().all(|g| g.len() < 2) {
                return Err(Error::ContextOverflow {
                    what: format!("{}: merging notes", crate::source::label(&s.path).display()),
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
                let m = self.merge_prompt(lang, g)?;
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
                    .map(|v| context! { value => disagree::display(&v.key, lang), sources => v.sources })
                    .collect();
                context! { kind => d.kind, topic => concepts.label(&d.topics[0], lang), versions => versions }
            })
            .collect();
        let m = self.task_prompt("disagreements", lang, context! { disagreements => listed })?;
        let max_new = SECTION_TOKENS_EACH * found.len() + SECTION_TOKENS_EACH;
        self.call_checked("disagreements", None, lang, m, max_new, None, &[], found)
    }

    /// The cross-source synthesis in one language, from the sources' summaries in that
    /// language, with the disagreements found by code stated in a section of their own.
    /// Too many sources for one prompt: synthesize groups, then merge the partial syntheses
    /// (their [S#] citations carry through). Every round folds at least two items into one,
    /// so it ends.
    pub fn synthesize(
        &mut self,
        sources: &[(&Source, &SourceResult)],
        lang: Lang,
    ) -> Result<(String, OutputCheck)> {
        let mut items: Vec<Item> = sources
            .iter()
            .map(|(s, r)| Item {
                id: s.id.clone(),
                text: r.summaries.get(&lang).cloned().unwrap_or_default(),
            })
            .collect();
        let ids: Vec<String> = sources.iter().map(|(s, _)| s.id.clone()).collect();
        let max_new = self.settings.synthesis_tokens;
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
        let mut task = "synthesis";
        let mut round = 0;
        loop {
            let m = self.synthesis_prompt(task, lang, &items, &topics)?;
            if self.fits_checked(&m, max_new, lang)? {
                let (text, check) =
                    self.call_checked("synthesis", None, lang, m, max_new, None, &ids, &[])?;
                if found.is_empty() {
                    return Ok((text, check));
                }
                let (section, section_check) =
                    self.disagreements_section(lang, &found, &concepts)?;
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
                    disagreements: disagree::verify(&text, lang, &found),
                };
                return Ok((text, check));
            }
            round += 1;
            let t = task;
            let groups = self.group(&items, |this, batch| {
                this.fits(&this.synthesis_prompt(t, lang, batch, &[])?, max_new)
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
                let m = self.synthesis_prompt(task, lang, g, &[])?;
                let text = self.call(
                    "synthesis_part",
                    None,
                    lang,
                    Some(round * 100 + gi + 1),
                    m,
                    max_new,
                )?;
                next.push(Item { id: label, text });
            }
            items = next;
            task = "synthesis_merge";
        }
    }
}

/// Tokens the disagreements section may take per disagreement (one sentence each).
const SECTION_TOKENS_EACH: usize = 64;

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

/// Sentences of a synthesis that state something and cite no source: not headings, not
/// lead-ins ending with a colon, not a few words; each cut to 80 characters.
pub fn uncited_sentences(text: &str) -> Vec<String> {
    disagree::sentences(text)
        .into_iter()
        .map(|s| s.trim_start_matches(['-', '*', ' ']))
        .filter(|s| {
            !s.starts_with('#')
                && !s.starts_with('>')
                && !s.trim_end().ends_with(':')
                && s.split_whitespace().count() >= 5
                && citations(s).is_empty()
        })
        .map(|s| match s.char_indices().nth(80) {
            Some((i, _)) => format!("{}…", &s[..i]),
            None => s.to_string(),
        })
        .collect()
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

    #[test]
    fn sentences_citing_no_source_are_found() {
        let t = "## Common ground\nThe sources agree on the following:\n- The agreement was signed in 2026.\n- It covers language models for the army [S1].\n- It was notified in December 2025. [S2] It runs for four years [S3].\nShort line.\n> A quoted note with no source at all here.";
        assert_eq!(
            uncited_sentences(t),
            vec!["The agreement was signed in 2026."]
        );
    }

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
