//! The machinery every stage shares: one model call (cached, timed, recorded), a call whose
//! answer is checked and retried once with a reminder, and fitting prompts into the context.
//! The stages themselves live in `summarize` and `synthesize`.

pub mod cache;
pub(crate) mod workers;

use crate::checks::language;
use crate::checks::lexicon::Lexicons;
use crate::checks::readback::FalseFriends;
use crate::chunking::TokenCount;
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::{GenParams, Generate, Generation, Message, ReadToken, Role, StopReason};
use crate::prompt::Prompts;
use crate::report::records::{CallKind, CallRecord, OutputCheck, Part};
use crate::settings::Settings;
use cache::CallCache;
use minijinja::context;
use std::collections::BTreeMap;

/// Tokens kept free in every call so a prompt whose pieces were counted apart still fits
/// once rendered together (BPE counts do not add up exactly at the joins).
pub(crate) const SLACK: usize = 16;

/// Hooks for progress display; the pipeline itself prints nothing. `Send`: with several
/// workers (`--parallel`), calls start and finish on their threads.
pub trait Observer: Send {
    fn call_started(&mut self, _label: &str, _prompt_tokens: usize, _max_new: usize) {}
    fn token(&mut self, _generated: usize) {}
    fn call_finished(&mut self, _label: &str, _record: &CallRecord) {}
    /// A started call ended in an error (it is not recorded).
    fn call_failed(&mut self, _label: &str) {}
}

pub struct Silent;
impl Observer for Silent {}

pub(crate) struct Counter<'a>(pub &'a dyn Generate);
impl TokenCount for Counter<'_> {
    fn count(&self, text: &str) -> Result<usize> {
        self.0.count_tokens(text)
    }
}

/// The reminder appended to a request whose first answer failed a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reminder {
    /// The answer was in the wrong language.
    Language,
    /// The answer left words in another language (named in the reminder).
    Foreign,
    /// A translation, read back, lost words of its original (named in the reminder).
    Unread,
}

/// Most words a `Foreign` reminder names.
const FOREIGN_NAMED: usize = 8;

impl Reminder {
    const ALL: [Reminder; 3] = [Reminder::Language, Reminder::Foreign, Reminder::Unread];

    /// The prompt file holding it, in `lang`.
    fn file(self, lang: Lang) -> String {
        let stem = match self {
            Reminder::Language => "reminder",
            Reminder::Foreign => "foreign",
            Reminder::Unread => "unread",
        };
        format!("{stem}.{}.txt", lang.code())
    }
}

/// One model call: what it is for, in which language, and its prompt.
#[derive(Clone)]
pub(crate) struct Call<'s> {
    pub kind: CallKind,
    pub source: Option<&'s str>,
    pub lang: Lang,
    pub part: Option<Part>,
    pub messages: Vec<Message>,
    pub max_new: usize,
    /// Drawn at `SAMPLE_TEMPERATURE` with this seed, instead of decoded as the run's
    /// settings say: one of several candidates code chooses among.
    pub sample: Option<u64>,
}

/// How freely a candidate is drawn (`Call::sample`): enough to word a sentence otherwise,
/// not so much that most draws go astray.
pub(crate) const SAMPLE_TEMPERATURE: f64 = 0.8;

impl Call<'_> {
    fn label(&self) -> String {
        let (kind, lang) = (self.kind, self.lang.code());
        match (self.source, self.part) {
            (Some(s), Some(p)) => format!("{s} {kind} {p} ({lang})"),
            (Some(s), None) => format!("{s} {kind} ({lang})"),
            (None, Some(p)) => format!("{kind} {p} ({lang})"),
            (None, None) => format!("{kind} ({lang})"),
        }
    }
}

/// What a checked call's answer must satisfy, beyond being in the call's language.
#[derive(Default)]
pub(crate) struct Expect<'s> {
    /// The text whose share copied verbatim is recorded (`check.copy_ratio`).
    pub own_words_of: Option<&'s str>,
    /// No word left untranslated from this source (text, language).
    pub translated_from: Option<(&'s str, Lang)>,
    /// The output languages' word lists, where installed: a word in none is made up.
    pub words: Option<&'s Lexicons>,
    /// Only the answer's first sentence is used (`one_sentence`), so only it is judged: a
    /// note the model adds after it ("**Note:** the original…") is not the answer's.
    pub one_sentence: bool,
    /// An answer still failing after its retry is asked for once more, the words of both
    /// named: for short calls (a sentence's translation), where a third try is cheap and
    /// a sentence dropped costs a fact.
    pub persist: bool,
}

impl Expect<'_> {
    pub(crate) fn judge(&self, text: &str, lang: Lang) -> OutputCheck {
        let used = self.one_sentence.then(|| one_sentence(text));
        let text = used.as_deref().unwrap_or(text);
        let foreign = self
            .translated_from
            .map(|from| language::foreign(text, lang, from, self.words));
        let (foreign_words, everyday_words) =
            foreign.map_or_else(Default::default, |f| (f.words, f.everyday));
        OutputCheck {
            copy_ratio: self.own_words_of.map(|src| language::copy_ratio(text, src)),
            foreign_words,
            everyday_words,
            ..OutputCheck::of(language::language(text, lang))
        }
    }
}

/// The reminder a failed check calls for, most important first; `None` when all passed.
/// Copying is recorded, not retried for: a summary in its source's language that lifts
/// its sentences is faithful, and asking again did not bring the copy ratios of
/// `examples/` and the reference corpus under 0.6 (0.63-0.83 after the retry) while
/// costing a call each. Nor is an everyday word of the source left untranslated
/// (`language::everyday_left`): the sentence holding it is left out.
fn reminder_for(c: &OutputCheck) -> Option<Reminder> {
    if !c.language.ok {
        Some(Reminder::Language)
    } else if c
        .foreign_words
        .iter()
        .any(|w| !c.everyday_words.contains(w))
    {
        Some(Reminder::Foreign)
    } else {
        None
    }
}

/// Right language first, then the fewer foreign words.
fn rank(c: &OutputCheck) -> (bool, usize) {
    (c.language.ok, usize::MAX - c.foreign_words.len())
}

pub struct Pipeline<'a> {
    pub(crate) model: &'a mut dyn Generate,
    pub(crate) prompts: &'a Prompts,
    pub(crate) settings: Settings,
    cache: Option<CallCache>,
    observer: &'a mut dyn Observer,
    pub calls: Vec<CallRecord>,
    pub(crate) attempt: u8,
    /// Words the running call must not write: a retry's untranslated words.
    avoid: Vec<String>,
    pub(crate) plans: BTreeMap<String, Vec<(usize, usize)>>,
    /// The look-alikes that do not translate, by the original's language
    /// (`prompts/false_friends.*.txt`), read on first use.
    false_friends: BTreeMap<Lang, FalseFriends>,
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
            avoid: Vec::new(),
            plans: BTreeMap::new(),
            false_friends: BTreeMap::new(),
        }
    }

    /// The look-alikes in `to` that do not translate words of `from`
    /// (`prompts/false_friends.<from>.txt`), parsed once per run.
    pub(crate) fn false_friends(&mut self, from: Lang) -> Result<&FalseFriends> {
        if !self.false_friends.contains_key(&from) {
            let name = format!("false_friends.{}.txt", from.code());
            let table = FalseFriends::parse(&self.prompts.render(&name, context! {})?);
            self.false_friends.insert(from, table);
        }
        Ok(&self.false_friends[&from])
    }

    pub(crate) fn ctx(&self) -> usize {
        self.model.info().context_length
    }

    pub(crate) fn messages(&self, lang: Lang, user: String) -> Result<Vec<Message>> {
        Ok(vec![
            Message::system(
                self.prompts
                    .render(&format!("system.{}.txt", lang.code()), context! {})?,
            ),
            Message::user(user),
        ])
    }

    pub(crate) fn task_prompt(
        &self,
        task: &str,
        lang: Lang,
        ctx: minijinja::Value,
    ) -> Result<Vec<Message>> {
        let user = self.prompts.task(task, lang, ctx)?;
        self.messages(lang, user)
    }

    /// The conversation that asks for `sentence` in `to`: the examples' pairs come first as
    /// earlier questions and answers of the same kind, as many as fit a `max_new`-token
    /// answer (none in a small context).
    pub(crate) fn translate_prompt(
        &self,
        to: Lang,
        sentence: &str,
        max_new: usize,
    ) -> Result<Vec<Message>> {
        let ask = |s: &str| {
            self.prompts
                .task("translate", to, context! { sentence => s })
        };
        let pairs = self.prompts.pairs("translate_examples.txt")?;
        let mut n = pairs.len();
        loop {
            let mut messages = self.messages(to, ask(sentence)?)?;
            let last = messages.pop().expect("the question");
            for pair in &pairs[..n] {
                messages.push(Message::user(ask(pair.get(to.other()))?));
                messages.push(Message::assistant(pair.get(to)));
            }
            messages.push(last);
            if n == 0 || self.fits_checked(&messages, max_new, to)? {
                return Ok(messages);
            }
            n -= 1;
        }
    }

    /// Does this conversation plus `max_new` generated tokens fit the context?
    pub(crate) fn fits(&self, messages: &[Message], max_new: usize) -> Result<bool> {
        Ok(self.model.prompt_tokens(messages)? + max_new + SLACK <= self.ctx())
    }

    /// Tokens a checked call's retry adds to its prompt: the longest of the reminders
    /// `call_checked` may append. A prompt that fits only without them would fail on retry.
    pub(crate) fn retry_headroom(&self, lang: Lang) -> Result<usize> {
        let mut most = 0;
        for r in Reminder::ALL {
            // As long as the longest list of words a reminder may name.
            let words = ["wwwwwwwwwwww"; FOREIGN_NAMED].join(", ");
            let extra = self
                .prompts
                .render_only(&r.file(lang), context! { words })?;
            most = most.max(self.model.count_tokens(&format!("\n\n{extra}"))?);
        }
        Ok(most + 2)
    }

    /// `call` with `reminder` appended to its request, naming `words`.
    pub(crate) fn remind(
        &self,
        call: &mut Call,
        reminder: Reminder,
        words: &[String],
    ) -> Result<()> {
        let extra = self.prompts.render(
            &reminder.file(call.lang),
            context! { words => words.join(", ") },
        )?;
        let user = call.messages.last_mut().expect("a user message");
        user.content = format!("{}\n\n{extra}", user.content);
        Ok(())
    }

    /// `fits` for a call that `call_checked` may retry with a reminder appended.
    pub(crate) fn fits_checked(
        &self,
        messages: &[Message],
        max_new: usize,
        lang: Lang,
    ) -> Result<bool> {
        self.fits(messages, max_new + self.retry_headroom(lang)?)
    }

    /// What a call needs before it runs: its label, prompt size (checked against the
    /// context), decoding settings and cache key.
    fn prepare(&self, call: &Call) -> Result<Prepared> {
        let label = call.label();
        let prompt_tokens = self.model.prompt_tokens(&call.messages)?;
        if prompt_tokens + call.max_new > self.ctx() {
            return Err(Error::ContextOverflow {
                what: label,
                needed: prompt_tokens + call.max_new,
                available: self.ctx(),
                hint: "raise --ctx or shorten the prompts".into(),
            });
        }
        let mut params = GenParams {
            max_new_tokens: call.max_new,
            avoid: self.avoid.clone(),
            one_sentence: call.part.is_some_and(|p| p.answers_one_sentence()),
            ..self.settings.params.clone()
        };
        if let Some(seed) = call.sample {
            params.temperature = SAMPLE_TEMPERATURE;
            params.seed = params.seed.wrapping_add(seed);
        }
        let key = CallCache::key(&self.model.info().identity(), &call.messages, &params);
        let reads_answer = call
            .messages
            .last()
            .is_some_and(|m| m.role == Role::Assistant);
        Ok(Prepared {
            label,
            prompt_tokens,
            params,
            key,
            reads_answer,
        })
    }

    /// The cache's answer to a prepared call: a read answer's entry must hold its score
    /// and tokens, a written answer's neither.
    fn cached(&self, p: &Prepared) -> Option<Generation> {
        self.cache
            .as_ref()
            .and_then(|c| c.get(&p.key))
            .filter(|g| g.score.is_some() == p.reads_answer && g.read.is_empty() != p.reads_answer)
    }

    /// Stores a fresh answer in the cache, and records the call.
    fn finish(&mut self, call: &Call, p: &Prepared, g: Generation, cached: bool) -> Result<String> {
        if !cached {
            if let Some(c) = &self.cache {
                c.put(&p.key, &g)?;
            }
        }
        let record = record(call, &g, cached, self.attempt, p.key.clone());
        self.observer.call_finished(&p.label, &record);
        self.calls.push(record);
        Ok(match g.stop {
            StopReason::Length => complete_part(&g.text).to_string(),
            _ => g.text,
        })
    }

    /// Runs one call, or takes its answer from the cache, and records it.
    pub(crate) fn call(&mut self, call: Call) -> Result<String> {
        let answered = self.answered(&call, |model, observer, params| {
            model
                .generate(&call.messages, params, &mut |n| observer.token(n))
                .map(Some)
        })?;
        Ok(answered.expect("generate always answers").0)
    }

    /// How likely the model finds `answer` as its reply to `call` (`Generate::score`: the
    /// mean log-probability of its tokens), or the cache's figure; the call is recorded.
    /// `None` where the model cannot read answers.
    pub(crate) fn score(&mut self, call: Call, answer: &str) -> Result<Option<f64>> {
        Ok(self.read(call, answer)?.map(|(score, _)| score))
    }

    /// `answer` read as the reply to `call`: its mean log-probability (`score`) and its
    /// tokens, each with its own. `None` where the model cannot read answers.
    pub(crate) fn read(
        &mut self,
        mut call: Call,
        answer: &str,
    ) -> Result<Option<(f64, Vec<ReadToken>)>> {
        if !self.model.can_score() {
            return Ok(None);
        }
        call.messages.push(Message::assistant(answer));
        call.max_new = 0;
        let answered = self.answered(&call, |model, _, _| model.score(&call.messages))?;
        Ok(answered.and_then(|(_, g)| Some((g.score?, g.read))))
    }

    /// `call`'s result, from the cache where it holds one, else from `fresh` (given the
    /// model, the observer and the decoding settings; `None`: the model had none to give),
    /// recorded either way: its text as `finish` leaves it, and (without its text) the
    /// generation, which holds a read answer's score and tokens.
    fn answered(
        &mut self,
        call: &Call,
        fresh: impl FnOnce(
            &mut dyn Generate,
            &mut dyn Observer,
            &GenParams,
        ) -> Result<Option<Generation>>,
    ) -> Result<Option<(String, Generation)>> {
        let p = self.prepare(call)?;
        let (g, cached) = match self.cached(&p) {
            Some(g) => (g, true),
            None => {
                self.observer
                    .call_started(&p.label, p.prompt_tokens, call.max_new);
                match fresh(&mut *self.model, &mut *self.observer, &p.params) {
                    Ok(Some(g)) => (g, false),
                    Ok(None) => return Ok(None),
                    Err(e) => {
                        self.observer.call_failed(&p.label);
                        return Err(e);
                    }
                }
            }
        };
        let kept = Generation {
            text: String::new(),
            ..g.clone()
        };
        Ok(Some((self.finish(call, &p, g, cached)?, kept)))
    }

    /// Calls that do not depend on each other (a source's chunk notes, the merges of one
    /// round): at once where the model hands out clients for them (a serving fleet), else
    /// one after another. Answers, records and cache entries are those of calls made in
    /// order; the first failure, in that order, is the result.
    pub(crate) fn call_all(&mut self, calls: Vec<Call>) -> Result<Vec<String>> {
        let mut forks = if calls.len() > 1 {
            self.model.fork(calls.len())
        } else {
            Vec::new()
        };
        let batch = self.model.batch_size().min(calls.len());
        if forks.len() < calls.len() && batch < 2 {
            return calls.into_iter().map(|c| self.call(c)).collect();
        }
        let prepared = calls
            .iter()
            .map(|c| self.prepare(c))
            .collect::<Result<Vec<_>>>()?;
        let mut found: Vec<Option<Generation>> = prepared.iter().map(|p| self.cached(p)).collect();
        // A call identical to an earlier one of the batch is answered, as in order, from
        // the cache the earlier one fills.
        let copy_of: Vec<Option<usize>> = (0..calls.len())
            .map(|i| {
                let earlier = (0..i).find(|&j| prepared[j].key == prepared[i].key);
                earlier.filter(|_| found[i].is_none() && self.cache.is_some())
            })
            .collect();
        let run: Vec<bool> = (0..calls.len())
            .map(|i| found[i].is_none() && copy_of[i].is_none())
            .collect();
        for i in (0..calls.len()).filter(|&i| run[i]) {
            let p = &prepared[i];
            self.observer
                .call_started(&p.label, p.prompt_tokens, calls[i].max_new);
        }
        let mut fresh = if forks.len() >= calls.len() {
            generate_at_once(&calls, &prepared, &run, &mut forks)
        } else {
            self.generate_batched(&calls, &prepared, &run)
        };
        let mut answers: Vec<Option<Generation>> = vec![None; calls.len()];
        let mut texts = Vec::with_capacity(calls.len());
        for i in 0..calls.len() {
            let (g, cached) = match (found[i].take(), copy_of[i]) {
                (Some(g), _) => (g, true),
                (None, Some(j)) => (answers[j].clone().expect("an earlier call"), true),
                (None, None) => match fresh[i].take().expect("a call that ran") {
                    Ok(g) => (g, false),
                    Err(e) => {
                        // This one and every later call that ran are over.
                        for j in (i..calls.len()).filter(|&j| run[j]) {
                            self.observer.call_failed(&prepared[j].label);
                        }
                        return Err(e);
                    }
                },
            };
            answers[i] = Some(g.clone());
            texts.push(self.finish(&calls[i], &prepared[i], g, cached)?);
        }
        Ok(texts)
    }

    /// A call whose answer must be in the call's language and meet `expect`: a failing
    /// answer is asked for once more with a reminder appended to the request, and the
    /// better of the two is kept.
    pub(crate) fn call_checked(
        &mut self,
        call: Call,
        expect: &Expect,
    ) -> Result<(String, OutputCheck)> {
        let mut answers = self.call_checked_all(vec![call], &[expect])?;
        Ok(answers.pop().expect("one answer"))
    }

    /// `call_checked` on calls that do not depend on each other, each with what its answer
    /// must meet (`expects`, one per call): their first attempts run together (`call_all`),
    /// the retries one by one.
    pub(crate) fn call_checked_all(
        &mut self,
        calls: Vec<Call>,
        expects: &[&Expect],
    ) -> Result<Vec<(String, OutputCheck)>> {
        debug_assert_eq!(calls.len(), expects.len());
        let again = calls.clone();
        let texts = self.call_all(calls)?;
        again
            .into_iter()
            .zip(texts)
            .zip(expects)
            .map(|((call, text), expect)| self.retry_unless_met(call, text, expect))
            .collect()
    }

    /// The answer `text` to `call` if it meets `expect`, else the best of it and one more
    /// attempt (two if `expect.persist`), each with a reminder appended to the request that
    /// names every foreign word written so far.
    fn retry_unless_met(
        &mut self,
        call: Call,
        text: String,
        expect: &Expect,
    ) -> Result<(String, OutputCheck)> {
        let lang = call.lang;
        let first = expect.judge(&text, lang);
        // Every foreign word of every answer so far (at most FOREIGN_NAMED).
        let mut seen: Vec<String> = Vec::new();
        let mut name = |check: &OutputCheck| {
            // An everyday word left untranslated is not named: a guess at it is worse
            // than the sentence left out (`language::everyday_left`).
            for w in check
                .foreign_words
                .iter()
                .filter(|w| !check.everyday_words.contains(w))
            {
                if seen.len() < FOREIGN_NAMED && !seen.contains(w) {
                    seen.push(w.clone());
                }
            }
            seen.clone()
        };
        let mut named = name(&first);
        let mut best = (text, first);
        let retries = if expect.persist { 2 } else { 1 };
        for attempt in 2..=1 + retries {
            let Some(reminder) = reminder_for(&best.1) else {
                break;
            };
            let mut again = call.clone();
            self.remind(&mut again, reminder, &named)?;
            self.attempt = attempt;
            // Named and, with bisum's engine, barred: a small model told not to write a word
            // often writes it again.
            self.avoid = named.clone();
            let answer = self.call(again);
            self.attempt = 1;
            self.avoid.clear();
            let answer = answer?;
            let check = expect.judge(&answer, lang);
            // A worse answer's words are named next time too.
            named = name(&check);
            if rank(&check) >= rank(&best.1) {
                best = (answer, check);
            }
            best.1.language.retried = true;
        }
        Ok(best)
    }
}

/// The one sentence a model's answer holds: its first, past any lead-in ("Voici la
/// traduction :"), without list marks, quotes or citations, ended by a full stop.
pub(crate) fn one_sentence(answer: &str) -> String {
    let body = answer
        .lines()
        .map(|l| without_list_mark(l.trim()))
        .find(|l| l.chars().any(char::is_alphabetic) && !l.ends_with(':'))
        .unwrap_or_default();
    let first = crate::text::sentences(body)
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut s = crate::checks::citations::strip_citations(first)
        .trim_matches(|c: char| c == '"' || c == '«' || c == '»' || c.is_whitespace())
        .to_string();
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// A line without the list mark it opens with ("- ", "* ", "## ", "1. ", "2) ").
fn without_list_mark(line: &str) -> &str {
    let line = line.trim_start_matches(['-', '*', '#', ' ']);
    let digits = line.trim_start_matches(|c: char| c.is_ascii_digit());
    match digits.strip_prefix(['.', ')']) {
        Some(rest) if digits.len() < line.len() && rest.starts_with(' ') => rest.trim(),
        _ => line.trim(),
    }
}

/// What an answer cut by its token limit says in full: up to its last complete line or
/// sentence, so that no half sentence is ever shipped. An answer with no complete
/// sentence stays as it is (a fragment beats nothing, and its record says it was cut).
pub(crate) fn complete_part(text: &str) -> &str {
    let t = text.trim_end();
    let line_end = t.rfind('\n');
    let sentence_end = t
        .char_indices()
        .filter(|&(i, c)| {
            matches!(c, '.' | '!' | '?' | '»' | '"')
                && t[i + c.len_utf8()..].starts_with([' ', '\n'])
                && (c != '»' && c != '"' || t[..i].ends_with(['.', '!', '?', ' ']))
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back();
    match (line_end, sentence_end) {
        (Some(l), Some(s)) => t[..l.max(s)].trim_end(),
        (Some(l), None) => t[..l].trim_end(),
        (None, Some(s)) => t[..s].trim_end(),
        (None, None) => t,
    }
}

/// A call ready to run (see `Pipeline::prepare`).
struct Prepared {
    label: String,
    prompt_tokens: usize,
    params: GenParams,
    key: String,
    /// The call reads a given answer (its last message, the assistant's) instead of
    /// writing one: `Generate::score`.
    reads_answer: bool,
}

impl Pipeline<'_> {
    /// Runs the calls marked to `run` through the model together: it decodes them in
    /// batches (one forward pass per step for each), grouped as its memory allows.
    fn generate_batched(
        &mut self,
        calls: &[Call],
        prepared: &[Prepared],
        run: &[bool],
    ) -> Vec<Option<Result<Generation>>> {
        let todo: Vec<usize> = (0..calls.len()).filter(|&i| run[i]).collect();
        let mut fresh: Vec<Option<Result<Generation>>> = (0..calls.len()).map(|_| None).collect();
        let requests: Vec<(&[Message], &GenParams)> = todo
            .iter()
            .map(|&i| (calls[i].messages.as_slice(), &prepared[i].params))
            .collect();
        for (&i, g) in todo.iter().zip(self.model.generate_batch(&requests)) {
            fresh[i] = Some(g);
        }
        fresh
    }
}

/// Runs the calls marked to `run`, one thread and one forked client each.
fn generate_at_once(
    calls: &[Call],
    prepared: &[Prepared],
    run: &[bool],
    forks: &mut [Box<dyn Generate>],
) -> Vec<Option<Result<Generation>>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = calls
            .iter()
            .zip(prepared)
            .zip(run)
            .zip(forks.iter_mut())
            .map(|(((c, p), run), fork)| {
                run.then(|| scope.spawn(move || fork.generate(&c.messages, &p.params, &mut |_| {})))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.map(|h| h.join().expect("a model call's thread panicked")))
            .collect()
    })
}

fn record(call: &Call, g: &Generation, cached: bool, attempt: u8, key: String) -> CallRecord {
    let rate = |n: usize, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
    let processed = g.prompt_tokens - g.reused_prompt_tokens.min(g.prompt_tokens);
    CallRecord {
        kind: call.kind,
        source: call.source.map(str::to_string),
        lang: call.lang,
        part: call.part,
        prompt_tokens: g.prompt_tokens,
        reused_prompt_tokens: g.reused_prompt_tokens,
        new_prompt_tokens: g.new_prompt_tokens,
        generated_tokens: g.generated_tokens,
        drafted_tokens: g.drafted_tokens,
        accepted_draft_tokens: g.accepted_draft_tokens,
        prompt_seconds: g.prompt_seconds,
        generation_seconds: g.generation_seconds,
        seconds: g.prompt_seconds + g.generation_seconds,
        prompt_tokens_per_second: rate(processed, g.prompt_seconds),
        generation_tokens_per_second: rate(g.generated_tokens, g.generation_seconds),
        stop: g.stop,
        score: g.score,
        cached,
        attempt,
        key,
    }
}

#[cfg(test)]
mod tests {
    use super::{complete_part, one_sentence};

    #[test]
    fn an_answer_is_cut_to_one_clean_sentence() {
        assert_eq!(
            one_sentence("- \"The council voted the budget [S1]\"\nSecond line."),
            "The council voted the budget."
        );
        assert_eq!(one_sentence("Both say X. They also say Y."), "Both say X.");
        assert_eq!(
            one_sentence("Voici la traduction :\n\nLe conseil a voté le budget."),
            "Le conseil a voté le budget."
        );
        // A list number is not the sentence; a figure that opens one stays.
        assert_eq!(one_sentence("1. Le conseil a voté."), "Le conseil a voté.");
        assert_eq!(one_sentence("2) 12 prévenus jugés."), "12 prévenus jugés.");
        assert_eq!(one_sentence("1.5 million voted."), "1.5 million voted.");
    }

    #[test]
    fn an_answer_cut_by_its_token_limit_ends_at_its_last_complete_sentence() {
        assert_eq!(complete_part("One. Two is cut mid"), "One.");
        assert_eq!(complete_part("- note one\n- note two is cu"), "- note one");
        assert_eq!(complete_part("A. B.\nC then"), "A. B.");
        assert_eq!(
            complete_part("no sentence end at all"),
            "no sentence end at all"
        );
    }
}
