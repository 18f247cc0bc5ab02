//! Per-source summaries: a token-exact chunk plan, notes per chunk for a long source, then one
//! summary in the source's language and, sentence by sentence, the same in the other.

use crate::checks::ground::{Key, Quantity};
use crate::checks::lexicon::Lexicons;
use crate::checks::{disagree, ground, language, names, readback, roles, statements, steps};
use crate::chunking::{self, Chunk};
use crate::error::{Error, Result};
use crate::inputs::{self, Source};
use crate::lang::Lang;
use crate::model::{Message, StopReason};
use crate::pipeline::{one_sentence, Call, Counter, Expect, Pipeline, Reminder, SLACK};
use crate::report::records::{CallKind, OutputCheck, Part};
use minijinja::context;
use std::collections::{BTreeMap, HashSet};

mod pronouns;
pub mod select;

/// Times a stretch whose note its token limit cut is halved again: a chunk, then halves,
/// then quarters.
const SPLITS: usize = 2;

/// The languages a translation is read back into (`Pipeline::lost_words`). Read back into
/// English, a French translation's right words keep their original's words likely and its
/// wrong ones do not; read back into French, the default model finds right English
/// renderings as unlikely as wrong ones ("apportés" after "comes from" at -16), so an
/// English translation is not read back.
const READS_BACK: &[Lang] = &[Lang::En];

/// What the pipeline made of one source.
#[derive(Debug, Clone)]
pub struct SourceResult {
    pub id: String,
    /// The language of its first summary: the source's own, or English for a source in
    /// neither French nor English.
    pub lang: Lang,
    /// The source's language where it is French or English (`native`).
    pub native: Option<Lang>,
    pub tokens: usize,
    pub chunks: Vec<Chunk>,
    /// The note lines its summary was written from, for a source too long for one chunk.
    pub notes: Option<String>,
    pub summaries: BTreeMap<Lang, String>,
    pub checks: BTreeMap<Lang, OutputCheck>,
}

impl SourceResult {
    /// The language the checks on output in `output` take the source to be in (`read_as`).
    pub fn read_as(&self, output: Lang) -> Lang {
        read_as(self.native, output)
    }
}

/// The language the checks on output in `output` take a source whose own is `native` to be
/// in: its own, or, for a source in neither French nor English, the other one, so that none
/// of its words, names or sentences counts as already written in `output`.
fn read_as(native: Option<Lang>, output: Lang) -> Lang {
    native.unwrap_or(output.other())
}

/// The language `s` is written in, where it is French or English; `None` for a source found
/// to be in another (Spanish, German…).
pub fn native(s: &Source) -> Option<Lang> {
    match s.detected_language.as_deref() {
        Some(code) if code != Lang::Fr.code() && code != Lang::En.code() => None,
        _ => Some(crate::lang::guess(&s.text)),
    }
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
    ///
    /// A source in neither language is summarized in English first (the language this
    /// model reads others into best), then translated: asked for French straight from
    /// Spanish, it copies Spanish sentences.
    pub fn summarize_source(&mut self, s: &Source) -> Result<SourceResult> {
        let mut results = self.summarize_sources(&[s]);
        results.pop().expect("one result per source")
    }

    /// `summarize_source` on each of `sources`, their first summaries' calls run together
    /// (an engine that batches decodes them in one pass per step: the weights are read
    /// once for several sources). A source that fails is that source's error only.
    pub fn summarize_sources(&mut self, sources: &[&Source]) -> Vec<Result<SourceResult>> {
        let words = self.settings.words.clone();
        let words = words.as_deref();
        let pending: Vec<Result<Pending>> =
            sources.iter().map(|s| self.pending(s, words)).collect();
        let ready: Vec<&Pending> = pending.iter().filter_map(|p| p.as_ref().ok()).collect();
        let mut answers = self.first_summaries(&ready, words).into_iter();
        pending
            .into_iter()
            .map(|p| {
                let p = p?;
                let answer = answers.next().expect("an answer per ready source")?;
                self.finish_source(p, answer)
            })
            .collect()
    }

    /// What `s`'s summary in its own language is written from: the text itself when it
    /// fits one chunk, else the notes on its chunks (their calls made here).
    fn pending<'s>(&mut self, s: &'s Source, words: Option<&'s Lexicons>) -> Result<Pending<'s>> {
        let read = Read::of(s, words);
        let lang = read.native.unwrap_or(Lang::En);
        let chunks = self.plan(s, lang)?;
        let tokens = self.model.count_tokens(&s.text)?;
        let (messages, notes, max_new) = if chunks.len() == 1 {
            let m = self.task_prompt(
                "summary_direct",
                lang,
                context! { text => s.text, words => self.settings.summary_words },
            )?;
            (m, None, self.settings.summary_tokens)
        } else {
            let lines = select::note_lines(&self.chunk_notes(s, lang, &chunks)?, &s.text, lang);
            let (parts, max_new) = self.fitting_parts(s, &lines)?;
            let joined = parts
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            (
                self.summary_prompt(lang, &parts)?,
                Some((joined, lines)),
                max_new,
            )
        };
        Ok(Pending {
            read,
            lang,
            chunks,
            tokens,
            messages,
            notes,
            max_new,
        })
    }

    /// The summaries of `ready` in their sources' languages, each checked and retried once
    /// (`call_checked_all`). Where a call fails, each source's is made alone, so that the
    /// failure is only its own.
    fn first_summaries(
        &mut self,
        ready: &[&Pending],
        words: Option<&Lexicons>,
    ) -> Vec<Result<(String, OutputCheck)>> {
        let calls: Vec<Call> = ready
            .iter()
            .map(|p| Call {
                kind: CallKind::Summary,
                source: Some(&p.read.source.id),
                lang: p.lang,
                part: None,
                messages: p.messages.clone(),
                max_new: p.max_new,
                sample: None,
            })
            .collect();
        let expects: Vec<Expect> = ready
            .iter()
            .map(|p| expect(p.read.source, p.read.read_as(p.lang), words))
            .collect();
        let expected: Vec<&Expect> = expects.iter().collect();
        match self.call_checked_all(calls.clone(), &expected) {
            Ok(answers) => answers.into_iter().map(Ok).collect(),
            Err(e) if calls.len() < 2 => vec![Err(e)],
            Err(_) => calls
                .into_iter()
                .zip(expected)
                .map(|(c, e)| self.call_checked(c, e))
                .collect(),
        }
    }

    /// `p`'s source summarized, from `answer`, its summary in its own language: the
    /// sentences that may ship, a sentence for each quarter of a long source it leaves
    /// out, and the other language's summary (`translate`).
    fn finish_source(&mut self, p: Pending, answer: (String, OutputCheck)) -> Result<SourceResult> {
        let Pending {
            read,
            lang,
            chunks,
            tokens,
            notes,
            ..
        } = p;
        let mut first = supported(&read, lang, answer);
        // A long source's summary says something of every quarter: a quarter it leaves out
        // gets its most informative note line back.
        if let Some((_, lines)) = &notes {
            let (text, added) = select::complete(&first.0, &read.source.text, lines);
            first.0 = text;
            first.1.added = added;
        }
        if let Some(sentence) = headline_figure(&read, lang, &first.0) {
            first.0 = format!("{sentence} {}", first.0);
            first.1.added.insert(0, sentence);
        }
        let other = lang.other();
        let lines = notes.as_ref().map(|(_, lines)| lines.as_slice());
        let second = self.translate(&read, lang, &first.0, lines)?;
        let mut summaries = BTreeMap::new();
        let mut checks = BTreeMap::new();
        for (l, (text, check)) in [(lang, first), (other, second)] {
            summaries.insert(l, text);
            checks.insert(l, check);
        }
        Ok(SourceResult {
            id: read.source.id.clone(),
            lang,
            native: read.native,
            tokens,
            chunks,
            notes: notes.map(|(joined, _)| joined),
            summaries,
            checks,
        })
    }

    /// The summary `first` (in `from`) in the other language, one sentence at a time: a
    /// short input is translated more faithfully than a paragraph by a small model, each
    /// sentence is checked (and retried) on its own, and the two summaries keep sentence
    /// for sentence the same order, which is how statements find their support
    /// across languages. In a long source (`lines`, its note lines, where it took several
    /// chunks; or `LONG_WORDS`), a quarter whose every sentence had to be left out gets a
    /// sentence of its own, translated, in their place (`stand_ins`).
    fn translate(
        &mut self,
        read: &Read,
        from: Lang,
        first: &str,
        lines: Option<&[select::NoteLine]>,
    ) -> Result<(String, OutputCheck)> {
        let to = from.other();
        let written: Vec<&str> = crate::text::sentences(first)
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect();
        // Each sentence is translated alone: its opening pronoun is named first.
        let named = pronouns::resolved(&written, from);
        let firsts: Vec<&str> = named.iter().map(String::as_str).collect();
        let s = read.source;
        let (mut out, mut retried) = self.translate_each(read, to, &firsts, 0)?;
        let first_out = out.clone();
        // A translated sentence ships only if it passes every check on its own and states
        // the figures, dates and names of its own original, not others of the source ("19
        // millions de m³" is not "1.9 million m³", even where the source gives 1,9 million
        // of something else). None passing leaves the summary empty, never unchecked.
        let (ok, again) = self.vet(read, from, &firsts, &mut out, 0)?;
        let ok = without_orphans(&firsts, &ok);
        retried |= again;
        let dropped: Vec<String> = first_out
            .iter()
            .zip(&out)
            .zip(&ok)
            .filter(|((first, now), ok)| !**ok || first != now)
            .map(|((first, _), _)| first.clone())
            .collect();
        let untranslated: Vec<String> = written
            .iter()
            .zip(&ok)
            .filter(|(_, ok)| !**ok)
            .map(|(f, _)| f.to_string())
            .collect();
        // A source long enough to have parts has each of them spoken of; a short one's
        // sentences left out are quoted under the summary, and no other is tried in their
        // place: each translation tried is one more chance of a wrong one shipping.
        let long = lines.is_some() || s.text.split_whitespace().count() >= LONG_WORDS;
        let kept = if long {
            let lines = lines.unwrap_or_default();
            let (kept, again) = self.stand_ins(read, from, (&firsts, &out, &ok), lines)?;
            retried |= again;
            kept
        } else {
            out.iter()
                .zip(&ok)
                .filter(|(_, ok)| **ok)
                .map(|(t, _)| t.clone())
                .collect()
        };
        let text = kept.join(" ");
        let mut check = expect(s, read.read_as(to), read.words).judge(&text, to);
        check.language.retried = retried;
        check.dropped = dropped;
        check.untranslated = untranslated;
        Ok((text, check))
    }

    /// A translated summary `out` (of `firsts`; `ok`: which may ship), with a sentence for
    /// each quarter of the source it lost (of those its original speaks of; of all, for a
    /// long source): each such quarter's best few note lines (`lines`, a long source's),
    /// then its plainest source sentences (`select::plain_lines`), are translated
    /// together, and the first whose translation passes every check takes the quarter's
    /// place, among the kept ones by its place in the source; and whether a call was
    /// retried.
    fn stand_ins(
        &mut self,
        read: &Read,
        from: Lang,
        (firsts, out, ok): (&[&str], &[String], &[bool]),
        lines: &[select::NoteLine],
    ) -> Result<(Vec<String>, bool)> {
        let s = read.source;
        // Each sentence at the place in the source its original rests on.
        let mut placed: Vec<(usize, String)> = Vec::new();
        let len = s.text.len();
        // The quarters the summary speaks of: every one, for a long source (its summary
        // was made to); else those its sentences rest on.
        let mut meant = [!lines.is_empty(); select::QUARTERS];
        let mut at = 0;
        for ((f, t), ok) in firsts.iter().zip(out).zip(ok) {
            at = read.index.anchor(f).unwrap_or(at);
            meant[select::quarter(at, len)] = true;
            if *ok {
                placed.push((at, t.clone()));
            }
        }
        let lost: Vec<usize> = (0..select::QUARTERS)
            .filter(|&q| meant[q] && !placed.iter().any(|(a, _)| select::quarter(*a, len) == q))
            .collect();
        // Where the notes fail too, the quarter's plainest source sentences, not one the
        // summary's own sentences already copy (its translation failed); read only where
        // a quarter was lost.
        let copied: Vec<statements::Features> =
            firsts.iter().map(|f| statements::Features::of(f)).collect();
        let plain: Vec<select::NoteLine> = read
            .words
            .and_then(|w| w.of(from))
            .filter(|_| !lost.is_empty())
            .map(|lexicon| select::plain_lines(&s.text, lexicon, stand_in))
            .unwrap_or_default()
            .into_iter()
            .filter(|l| !copied.iter().any(|f| l.said_in(f)))
            .collect();
        let tries: Vec<&select::NoteLine> = lost
            .iter()
            .flat_map(|&q| {
                let of_q = plain.iter().filter(move |l| l.quarter == q);
                select::ranked(lines, q, STAND_INS)
                    .into_iter()
                    .chain(of_q.take(PLAIN_TRIES))
            })
            .collect();
        let mut retried = false;
        let mut added: Vec<(usize, String)> = Vec::new();
        if !tries.is_empty() {
            let texts: Vec<&str> = tries.iter().map(|l| l.text.as_str()).collect();
            let skip = firsts.len();
            let (mut extra, again) = self.translate_each(read, from.other(), &texts, skip)?;
            let (passes, vetted) = self.vet(read, from, &texts, &mut extra, skip)?;
            retried = again || vetted;
            for q in lost {
                let passing = tries
                    .iter()
                    .zip(&extra)
                    .zip(&passes)
                    .find(|((l, _), ok)| l.quarter == q && **ok);
                if let Some(((l, t), _)) = passing {
                    added.push((l.at, t.clone()));
                }
            }
        }
        // Each stand-in before the first kept sentence resting further on: the kept ones
        // stay in their summary's order.
        added.sort_by_key(|(a, _)| *a);
        for (a, t) in added {
            let k = placed
                .iter()
                .position(|(b, _)| *b > a)
                .unwrap_or(placed.len());
            placed.insert(k, (a, t));
        }
        Ok((placed.into_iter().map(|(_, t)| t).collect(), retried))
    }

    /// Each of `sentences` in `to`, one call each (numbered from `skip` + 1), the best of
    /// its candidates (`choose`); and whether any was asked for twice.
    fn translate_each(
        &mut self,
        read: &Read,
        to: Lang,
        sentences: &[&str],
        skip: usize,
    ) -> Result<(Vec<String>, bool)> {
        let s = read.source;
        let calls = self.translation_calls(s, to, sentences, skip, None)?;
        let expect = self.sentence_expect(read, to);
        // The sentences do not depend on each other: their calls run together.
        let answers = self.call_checked_all(calls, &vec![&expect; sentences.len()])?;
        let retried = answers.iter().any(|(_, c)| c.language.retried);
        let greedy: Vec<String> = answers
            .iter()
            .zip(sentences)
            .map(|((a, _), o)| cleaned(a, o, to))
            .collect();
        Ok((self.choose(read, to, sentences, skip, greedy)?, retried))
    }

    /// Which of `outs` (translations of `originals`, in `from`, numbered from `skip` + 1)
    /// may ship: each must pass every check on its own (`shippable`) and, read back, carry
    /// every word of its original (`lost_words`). A translation that lost words is asked
    /// for once more, naming them; the new one takes its place where it passes both, else
    /// the sentence is left out: a sentence missing from a summary costs a fact, a wrong
    /// one misleads. Where translations are not read back (`READS_BACK`), a second try
    /// could not be checked for the word it was asked about, and a guess at a hard word
    /// ("the International Union" for "l'intersyndicale", after "the syndicate") is worse
    /// than none: the sentence is left out at once. Also whether any was asked for again.
    fn vet(
        &mut self,
        read: &Read,
        from: Lang,
        originals: &[&str],
        outs: &mut [String],
        skip: usize,
    ) -> Result<(Vec<bool>, bool)> {
        let mut ok: Vec<bool> = originals
            .iter()
            .zip(outs.iter())
            .map(|(f, t)| shippable(read, from, f, t))
            .collect();
        let mut lost = Vec::new();
        for (i, (f, t)) in originals.iter().zip(outs.iter()).enumerate() {
            if ok[i] {
                let mut words = self.lost_words(read, from, f, t, skip + i, &[])?;
                // The words a retry names, and must then carry (`readback::NAMED` at most).
                words.truncate(readback::NAMED);
                if !words.is_empty() {
                    lost.push((i, words));
                }
            }
        }
        if !READS_BACK.contains(&from) {
            for (i, _) in &lost {
                ok[*i] = false;
            }
            return Ok((ok, false));
        }
        if lost.is_empty() {
            return Ok((ok, false));
        }
        let answers = self.ask_again(read, from, originals, &lost, skip)?;
        for ((i, named), again) in lost.into_iter().zip(answers) {
            // The words it was asked for by name must now read back as likely.
            ok[i] = shippable(read, from, originals[i], &again)
                && self
                    .lost_words(read, from, originals[i], &again, skip + i, &named)?
                    .is_empty();
            if ok[i] {
                outs[i] = again;
            }
        }
        Ok((ok, true))
    }

    /// New translations of the `lost` sentences of `originals` (each with the words its
    /// translation lost, `readback::NAMED` at most), asked for together, each naming its
    /// words. Asked once, greedily: translations drawn at random instead brought new errors
    /// the reading back did not see ("berges de truite" for "oyster beds").
    fn ask_again(
        &mut self,
        read: &Read,
        from: Lang,
        originals: &[&str],
        lost: &[(usize, Vec<String>)],
        skip: usize,
    ) -> Result<Vec<String>> {
        let to = from.other();
        let mut calls = Vec::with_capacity(lost.len());
        for (i, words) in lost {
            let mut call = self
                .translation_calls(read.source, to, &originals[*i..=*i], skip + i, None)?
                .remove(0);
            let named: Vec<String> = words
                .iter()
                .map(|w| match to {
                    Lang::Fr => format!("« {w} »"),
                    Lang::En => format!("\"{w}\""),
                })
                .collect();
            self.remind(&mut call, Reminder::Unread, &named)?;
            calls.push(call);
        }
        let expect = self.sentence_expect(read, to);
        let answers = self.call_checked_all(calls, &vec![&expect; lost.len()])?;
        Ok(answers
            .iter()
            .zip(lost)
            .map(|((a, _), (i, _))| cleaned(a, originals[*i], to))
            .collect())
    }

    /// The words of `original` (in `from`) that `translation` lost: those it renders by a
    /// look-alike that does not translate them (`prompts/false_friends.<from>.txt`), and,
    /// where `from` is a language translations are read back into (`READS_BACK`), those
    /// the model, reading the translation back into `from`, does not expect
    /// (`readback::unread`; not where the model cannot read answers, a serving fleet's),
    /// and those of `named` (the words a retry was asked for) it does not find likely
    /// (`readback::unrecovered`).
    fn lost_words(
        &mut self,
        read: &Read,
        from: Lang,
        original: &str,
        translation: &str,
        n: usize,
        named: &[String],
    ) -> Result<Vec<String>> {
        let mut lost = self
            .false_friends(from)?
            .in_translation(original, translation);
        if !READS_BACK.contains(&from) {
            return Ok(lost);
        }
        let call = self.readback_call(read.source, from, translation, n + 1)?;
        let (_, tokens) = self.read(call, original)?.unwrap_or_default();
        let pairs: Vec<(&str, f32)> = tokens
            .iter()
            .map(|t| (t.text.as_str(), t.logprob))
            .collect();
        for w in readback::unread(&pairs)
            .into_iter()
            .chain(readback::unrecovered(&pairs, named))
        {
            if !lost.contains(&w) {
                lost.push(w);
            }
        }
        Ok(lost)
    }

    /// What a sentence's translation into `to` must meet.
    fn sentence_expect<'r>(&self, read: &Read<'r>, to: Lang) -> Expect<'r> {
        Expect {
            one_sentence: true,
            persist: true,
            ..expect(read.source, read.read_as(to), read.words)
        }
    }

    /// One call per sentence of `sentences` into `to` (numbered from `skip` + 1), drawn
    /// with seed `sample` where given (`Call::sample`).
    fn translation_calls<'c>(
        &self,
        s: &'c Source,
        to: Lang,
        sentences: &[&str],
        skip: usize,
        sample: Option<u64>,
    ) -> Result<Vec<Call<'c>>> {
        let mut calls = Vec::with_capacity(sentences.len());
        for (i, sentence) in sentences.iter().enumerate() {
            let mut call = self.translation_call(s, to, sentence, skip + i + 1)?;
            call.sample = sample;
            calls.push(call);
        }
        Ok(calls)
    }

    /// The call that reads `translation` back into `from` (sentence `n`), to score the
    /// original as its answer.
    fn readback_call<'c>(
        &self,
        s: &'c Source,
        from: Lang,
        translation: &str,
        n: usize,
    ) -> Result<Call<'c>> {
        let mut call = self.translation_call(s, from, translation, n)?;
        call.kind = CallKind::Check;
        Ok(call)
    }

    /// The call that asks for `sentence` in `to` (sentence `n` of its summary).
    fn translation_call<'c>(
        &self,
        s: &'c Source,
        to: Lang,
        sentence: &str,
        n: usize,
    ) -> Result<Call<'c>> {
        // Room for a language that takes more tokens to say the same (French runs ~1.3x
        // English).
        let max_new = self.model.count_tokens(sentence)? * 2 + 16;
        Ok(Call {
            kind: CallKind::Summary,
            source: Some(&s.id),
            lang: to,
            part: Some(Part::Sentence(n)),
            messages: self.translate_prompt(to, sentence, max_new)?,
            max_new,
            sample: None,
        })
    }

    /// For each of `sentences`, its translation `greedy` or one of `settings.candidates`
    /// others drawn at random: among those that may ship (`shippable`: they keep the
    /// amounts and counts of their original, among the rest), the one the model,
    /// translating it back, finds its original likeliest from. A small model's greedy
    /// translation is often word for word ("revient à" as "returns to", "steel" as "fer
    /// forgé"); reading a candidate back asks whether it still carries the original, and
    /// a translation into English is read back from French, the direction this model
    /// reads better than it writes. Where no candidate may ship, the greedy one stays (and
    /// is left out later); where the model cannot read answers, the greedy ones are all
    /// there is.
    fn choose(
        &mut self,
        read: &Read,
        to: Lang,
        sentences: &[&str],
        skip: usize,
        greedy: Vec<String>,
    ) -> Result<Vec<String>> {
        let n = self.settings.candidates;
        if n == 0 || !self.model.can_score() {
            return Ok(greedy);
        }
        let s = read.source;
        let mut calls = Vec::with_capacity(sentences.len() * n);
        for k in 0..n {
            calls.extend(self.translation_calls(s, to, sentences, skip, Some(k as u64 + 1))?);
        }
        let drawn = self.call_all(calls)?;
        let from = to.other();
        let mut chosen = Vec::with_capacity(sentences.len());
        for (i, (original, first)) in sentences.iter().zip(greedy).enumerate() {
            let mut candidates = vec![first.clone()];
            for d in drawn.iter().skip(i).step_by(sentences.len()) {
                let c = cleaned(d, original, to);
                if !candidates.contains(&c) {
                    candidates.push(c);
                }
            }
            candidates.retain(|c| shippable(read, from, original, c));
            if candidates.len() < 2 {
                chosen.push(candidates.pop().unwrap_or(first));
                continue;
            }
            let mut best: Option<(f64, String)> = None;
            for c in candidates {
                let back = self.readback_call(s, from, &c, skip + i + 1)?;
                let score = self.score(back, original)?.unwrap_or(f64::NEG_INFINITY);
                if best.as_ref().is_none_or(|(b, _)| score > *b) {
                    best = Some((score, c));
                }
            }
            chosen.push(best.expect("two candidates or more").1);
        }
        Ok(chosen)
    }

    /// Notes on each chunk, in order, each with the stretch `(start, end)` of the source it
    /// was taken from: a chunk is read in stretches a note can hold (`note_stretches`). A
    /// note cut by its token limit all the same is not kept cut: its stretch is read again
    /// in two halves, a note each, and so on `SPLITS` times at most, so the whole chunk is
    /// covered.
    fn chunk_notes(
        &mut self,
        s: &Source,
        lang: Lang,
        chunks: &[Chunk],
    ) -> Result<Vec<(String, usize, usize)>> {
        let mut pieces = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            self.note_stretches(&s.text, (i + 1, c.start, c.end), &mut pieces)?;
        }
        let mut notes = self.notes_on(s, lang, &pieces, chunks.len())?;
        for _ in 0..SPLITS {
            // Where each cut note's stretch is split (`None`: kept as it is).
            let splits: Vec<Option<usize>> = pieces
                .iter()
                .zip(&notes)
                .map(|(&(_, a, b), (_, cut))| cut.then(|| middle(&s.text, a, b)).flatten())
                .collect();
            if splits.iter().all(Option::is_none) {
                break;
            }
            let halves: Vec<(usize, usize, usize)> = pieces
                .iter()
                .zip(&splits)
                .filter_map(|(&(part, a, b), mid)| mid.map(|m| [(part, a, m), (part, m, b)]))
                .flatten()
                .collect();
            let again = self.notes_on(s, lang, &halves, chunks.len())?;
            let mut redone = halves.into_iter().zip(again);
            let (mut next_pieces, mut next_notes) = (Vec::new(), Vec::new());
            for ((piece, note), mid) in pieces.into_iter().zip(notes).zip(splits) {
                match mid {
                    Some(_) => {
                        for (p, n) in redone.by_ref().take(2) {
                            next_pieces.push(p);
                            next_notes.push(n);
                        }
                    }
                    None => {
                        next_pieces.push(piece);
                        next_notes.push(note);
                    }
                }
            }
            (pieces, notes) = (next_pieces, next_notes);
        }
        Ok(pieces
            .into_iter()
            .zip(notes)
            .map(|((_, a, b), (n, _))| (n, a, b))
            .collect())
    }

    /// Chunk `part`'s stretch `a..b` in pieces a note can hold whole, pushed onto `out`.
    /// A small model's notes run to most of what they read (0.6 to 0.9 tokens per source
    /// token, measured on the default model), so a stretch longer than `NOTE_SPAN` of the
    /// notes' token limit would be cut by it, and read again in halves.
    fn note_stretches(
        &self,
        text: &str,
        (part, a, b): (usize, usize, usize),
        out: &mut Vec<(usize, usize, usize)>,
    ) -> Result<()> {
        let limit = self.settings.notes_tokens * NOTE_SPAN.0 / NOTE_SPAN.1;
        match middle(text, a, b) {
            Some(m) if self.model.count_tokens(&text[a..b])? > limit => {
                self.note_stretches(text, (part, a, m), out)?;
                self.note_stretches(text, (part, m, b), out)
            }
            _ => {
                out.push((part, a, b));
                Ok(())
            }
        }
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
                sample: None,
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

    fn summary_prompt(&self, lang: Lang, parts: &[Vec<String>]) -> Result<Vec<Message>> {
        self.task_prompt(
            "summary",
            lang,
            context! { parts => parts, words => self.settings.summary_words },
        )
    }

    /// The note lines the summary prompt holds, by quarter: at most `max_items`, taken from
    /// each quarter in turn (`select::balanced`), fewer while the prompt would not fit the
    /// context in both languages. Only a single line that fills the prompt alone is an
    /// error. With them, the tokens the summary may take (`notes_answer`).
    fn fitting_parts(
        &self,
        s: &Source,
        lines: &[select::NoteLine],
    ) -> Result<(Vec<Vec<String>>, usize)> {
        let mut n = self.settings.max_items.max(select::QUARTERS);
        loop {
            let parts = select::parts(&select::balanced(lines, n));
            let max_new = self.notes_answer(&parts)?;
            if self.parts_fit(&parts, max_new)? {
                return Ok((parts, max_new));
            }
            if n <= 1 {
                return Err(Error::ContextOverflow {
                    what: format!("{}: one line of the notes", label(s)),
                    needed: self.model.count_tokens(&parts.concat().join("\n"))?,
                    available: self.ctx(),
                    hint: "raise --ctx".into(),
                });
            }
            n -= 1;
        }
    }

    /// Tokens a summary written from `parts` may take: the summary's own limit, or more
    /// where its facts are longer. A small model often restates every fact it is given,
    /// and a summary cut off at its limit loses the document's end (its last parts).
    fn notes_answer(&self, parts: &[Vec<String>]) -> Result<usize> {
        let facts = self.model.count_tokens(&parts.concat().join("\n"))?;
        let room = self.settings.summary_tokens;
        Ok(room.max(facts + room / 4))
    }

    /// Does the summary prompt holding `parts`, with `max_new` tokens for its answer, fit
    /// in both languages?
    fn parts_fit(&self, parts: &[Vec<String>], max_new: usize) -> Result<bool> {
        for l in Lang::BOTH {
            let m = self.summary_prompt(l, parts)?;
            if !self.fits_checked(&m, max_new, l)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The summary in `lang` of `read`'s source without the sentences that must not be
/// shipped: those stating a figure, date or name the source does not hold
/// (`ground::keep_supported`) or one it gives as someone's as plain fact
/// (`statements::misattributes`), or that drops or adds the negation of the source sentence
/// it rests on, stands for what the source stands against (`statements::reverses_stance`)
/// or says something moves the other way (`statements::reverses_direction`),
/// lead-ins and sentences about the summary itself ("Voici le
/// résumé :", "This summary keeps…"), and those with words left in another language
/// (`check.foreign_words`) or written in another language altogether. A summary whose
/// every sentence fails is never shipped as it is: in the source's own language its
/// opening sentences stand in (`lead`), else it is left empty, the sentences listed in
/// report.json. French gets the elisions its spelling requires (`lang::elide`).
fn supported(
    read: &Read,
    lang: Lang,
    (text, mut check): (String, OutputCheck),
) -> (String, OutputCheck) {
    let (mut kept, dropped) = triage(read, lang, &text, &check);
    let text = if dropped.is_empty() {
        text
    } else {
        if kept.is_empty() && read.own(lang) {
            kept = lead(read);
        }
        check.dropped = dropped;
        kept.join(" ")
    };
    // Written from a source in another language: its numbers may keep that one's notation.
    let text = match read.own(lang) {
        true => text,
        false => crate::lang::write_numbers(&text, lang),
    };
    match lang {
        Lang::Fr => (crate::lang::elide(&text), check),
        Lang::En => (text, check),
    }
}

/// A source read and ready for its first summary's call.
struct Pending<'s> {
    read: Read<'s>,
    /// The language of its first summary (the source's, or English).
    lang: Lang,
    chunks: Vec<Chunk>,
    tokens: usize,
    /// The summary call's messages, and the tokens its answer may take.
    messages: Vec<Message>,
    max_new: usize,
    /// For a source of several chunks: the note lines its summary was written from, and
    /// those the prompt held, joined.
    notes: Option<(String, Vec<select::NoteLine>)>,
}

/// What the checks on a source's summaries read of it, worked out once per source.
struct Read<'s> {
    source: &'s Source,
    /// The figures it attributes to someone.
    attributed: std::collections::BTreeSet<ground::Key>,
    index: statements::Indexed,
    /// The titles it gives names.
    titles: roles::Titles,
    /// The output languages' word lists, where installed.
    words: Option<&'s Lexicons>,
    /// Its language, where it is French or English (`native`).
    native: Option<Lang>,
    /// Its headline, where it opens with one (`headline`).
    headline: Option<&'s str>,
}

impl<'s> Read<'s> {
    fn of(source: &'s Source, words: Option<&'s Lexicons>) -> Self {
        Read {
            source,
            words,
            native: native(source),
            attributed: statements::attributed(&source.text),
            index: statements::Indexed::of(&source.text),
            titles: roles::Titles::of(&source.text),
            headline: headline(&source.text),
        }
    }

    /// The language the checks on output in `output` take the source to be in (`read_as`).
    fn read_as(&self, output: Lang) -> Lang {
        read_as(self.native, output)
    }

    /// Is output in `lang` written in the source's own language?
    fn own(&self, lang: Lang) -> bool {
        self.native == Some(lang)
    }
}

/// Does `translation` state only figures, dates and names that `original` (in `from`) holds,
/// the counts it spells out included ("in nine hours" for "en 96 heures")?
fn keeps_facts(original: &str, from: Lang, translation: &str) -> bool {
    ground::check(translation, from.other(), &[("", original, from)])
        .unsupported
        .is_empty()
        && ground::spelled_counts(translation)
            .into_iter()
            .all(|n| ground::gives_number(original, n))
}

/// `sentence` with each number the model split at its thousands ("900, 000", "1, 500")
/// written whole ("900,000"), where `original` gives that number: a stray space after the
/// separator, not a list of two numbers, for the original gives the whole.
fn rejoined(sentence: &str, original: &str) -> String {
    let given = ground::holds(original);
    let chars: Vec<char> = sentence.chars().collect();
    let digits = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut out = String::with_capacity(sentence.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        let head = if starts { digits(i) } else { 0 };
        let (comma, space) = (i + head, i + head + 1);
        let tail = if space + 1 < chars.len() {
            digits(space + 1)
        } else {
            0
        };
        let split = (1..=3).contains(&head)
            && chars.get(comma) == Some(&',')
            && chars.get(space) == Some(&' ')
            && tail == 3
            && !chars.get(space + 4).is_some_and(|c| c.is_alphanumeric());
        if split {
            let whole: String = chars[i..comma]
                .iter()
                .chain(&chars[space + 1..space + 4])
                .collect();
            let value = whole.parse::<f64>().unwrap_or(f64::NAN);
            if given.contains(&Key::Num(Quantity::new(value))) {
                out.extend(&chars[i..=comma]);
                out.extend(&chars[space + 1..space + 4]);
                i = space + 4;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A translation call's answer (of `original`) as it may ship: its first sentence, its
/// numbers in `to`'s notation, with French elisions, and without a possessor it cannot
/// know (`unowned`).
fn cleaned(answer: &str, original: &str, to: Lang) -> String {
    let answer = rejoined(&one_sentence(answer), original);
    let sentence = capitalized(&crate::lang::write_numbers(&answer, to));
    match to {
        Lang::Fr => crate::lang::elide(&sentence),
        Lang::En => unowned(original, &sentence),
    }
}

/// `sentence` opening on a capital where the model began it on a lower-case word
/// ("environ 1 500 personnes …"); a word with a capital inside ("iPhone") is a name, kept.
fn capitalized(sentence: &str) -> String {
    let first = sentence.split_whitespace().next().unwrap_or_default();
    if !first.starts_with(char::is_lowercase) || first.chars().any(char::is_uppercase) {
        return sentence.to_string();
    }
    let mut c = sentence.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `translation` of `original` (French) with an opening "His" or "Her" that renders an
/// opening "Son", "Sa" or "Ses" turned into "The": French agrees the possessive with the
/// thing owned, so translated alone, "Son coût est estimé …" (the line's) comes out "His
/// cost …", and "Son siège serait à Lyon" (the group's) "His headquarters …". "The" says
/// no less and points at no one.
fn unowned(original: &str, translation: &str) -> String {
    let opens = |text: &str, words: &[&str]| {
        text.split_whitespace()
            .next()
            .is_some_and(|w| words.contains(&w))
    };
    if !opens(original, &["Son", "Sa", "Ses"]) {
        return translation.to_string();
    }
    match translation.split_once(' ') {
        Some((first, rest)) if ["His", "Her"].contains(&first) => format!("The {rest}"),
        _ => translation.to_string(),
    }
}

/// Does `translation` (of `original`, in `from`) set a time limit its French original does
/// not: "until June" for "d'ici la fin du mois de juin" (by the end of June)? A deadline
/// and a duration read alike to a small model and say opposite things of what happens
/// before the date ("will close … until June": the plant closes now). The original may set
/// it with "jusqu'…", "avant" ("pas avant lundi", "not until Monday"), "tant que" or "en
/// attendant"; an English original's words are not told apart this way.
fn adds_until(from: Lang, original: &str, translation: &str) -> bool {
    const UNTIL: &[&str] = &["until", "till"];
    const LIMITS: &[&str] = &["jusqu", "avant", "tant que", "en attendant"];
    if from != Lang::Fr {
        return false;
    }
    let until = translation
        .split(|c: char| !c.is_alphabetic())
        .any(|w| UNTIL.contains(&w.to_lowercase().as_str()));
    let original = original.to_lowercase();
    until && !LIMITS.iter().any(|l| original.contains(l))
}

/// The parts of the day a word names, in either language ("soir": the evening; "night",
/// which also renders "jeudi soir": the evening or the night).
fn parts_of_day(word: &str) -> &'static [&'static str] {
    match word {
        "morning" | "mornings" | "matin" | "matins" | "matinee" | "matinees" | "dawn" | "aube" => {
            &["morning"]
        }
        "noon" | "midday" | "midi" => &["noon"],
        "afternoon" | "afternoons" | "apres-midi" => &["afternoon"],
        "evening" | "evenings" | "soir" | "soirs" | "soiree" | "soirees" => &["evening"],
        "night" | "nights" | "tonight" => &["evening", "night"],
        "nuit" | "nuits" | "overnight" | "midnight" | "minuit" => &["night"],
        _ => &[],
    }
}

/// Does `translation` name a part of the day its original does not ("in the afternoon"
/// for "en fin de matinée")? The time something happened is a fact of the sentence as
/// much as its date, and no figure carries it for the other checks to compare.
fn moves_time_of_day(original: &str, translation: &str) -> bool {
    let named = |text: &str| -> Vec<&'static [&'static str]> {
        ground::fold(text)
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .map(|w| parts_of_day(w.trim_matches('-')))
            .filter(|p| !p.is_empty())
            .collect()
    };
    let theirs: Vec<&str> = named(original).concat();
    named(translation)
        .iter()
        .any(|parts| !parts.iter().any(|p| theirs.contains(p)))
}

/// Does `translation` state every amount, percentage and count of `original` ("64 ans
/// d'ici 2030" for "de 62 à 64 ans d'ici 2030" does not), and the same fractions ("a
/// quarter of the cases" for "un tiers des cas" does not), and every date's month,
/// year or season? An amount may lose its currency word (the sentence around it may give
/// it); a date is asked for in its weakest form (its month), since the two languages'
/// ways of writing one are read unevenly ("mid-October 2025", "au milieu d'octobre
/// 2025") and a day is often said again in other words ("le 1er janvier", "January").
fn keeps_counts(original: &str, translation: &str) -> bool {
    // "un tiers" is "a third", not "a quarter".
    let (mut theirs, mut mine) = (ground::fractions(original), ground::fractions(translation));
    theirs.sort_unstable();
    mine.sort_unstable();
    if theirs != mine {
        return false;
    }
    let held = ground::holds(translation);
    let spelled = ground::spelled_counts(translation);
    let both = ground::fold(translation)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "both");
    ground::facts(original).iter().all(|f| match f.key {
        Key::Money { amount, .. } => held.contains(&f.key) || held.contains(&Key::Num(amount)),
        Key::Pct(_) => held.contains(&f.key),
        // "3 communes" may be written "three towns", "les deux rives" "both banks".
        Key::Num(n) => {
            held.contains(&f.key)
                || spelled.iter().any(|&s| Quantity::new(s.into()) == n)
                || (n == Quantity::new(2.0) && both)
        }
        // A date may lose its year or its day ("since January" for "depuis le 1er
        // janvier"), not its month: a translation that drops the clause holding it drops
        // the fact.
        Key::Date { month, .. }
        | Key::DayMonth { month, .. }
        | Key::Month { month, .. }
        | Key::MonthOnly(month) => held.contains(&Key::MonthOnly(month)),
        Key::Year(_) | Key::Season(_) => held.contains(&f.key),
    })
}

/// Does `translation` keep the names of `original` that the word lists of neither language
/// know (a person's, a brand's, a small place's: "Canadair", "Pedrógão") as they are
/// written, or leave them out, rather than turn them into another word ("Canada sent two
/// Canadian aircraft" for "deux avions Canadair", "Pedro Grande")? Those names are written
/// alike in both languages, so a word that begins like one and is not it puts someone or
/// something else in its place. Names a word list knows (countries, the common words of
/// institutions' names) may rightly be translated. Without word lists nothing is asked.
fn keeps_names(original: &str, translation: &str, words: Option<&Lexicons>) -> bool {
    let Some(words) = words else {
        return true;
    };
    let known = |w: &str| {
        Lang::BOTH
            .iter()
            .any(|&l| words.of(l).is_some_and(|x| x.knows(w)))
    };
    let folded = ground::fold(translation);
    let written: HashSet<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .collect();
    let head = |w: &str| w.chars().take(4).collect::<String>();
    ground::lowercase_names(original)
        .iter()
        .flat_map(|n| {
            n.split(|c: char| !c.is_alphanumeric())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|p| p.chars().count() >= 4 && p.chars().all(char::is_alphabetic) && !known(p))
        .map(|p| ground::fold(&p))
        .all(|p| written.contains(p.as_str()) || !written.iter().any(|w| head(w) == head(&p)))
}

/// May `translation` of `original` (a sentence of, or about, a source in `from`) ship as
/// it is: it keeps its original's facts, bounds and names and passes every check on its
/// own?
fn shippable(read: &Read, from: Lang, original: &str, translation: &str) -> bool {
    if !keeps_facts(original, from, translation)
        || !keeps_counts(original, translation)
        || !disagree::keeps_bounds(original, translation)
        || !keeps_names(original, translation, read.words)
        || !names::renders_whole(original, translation)
        || roles::adds_title(original, translation)
        || steps::adds_step(original, translation)
        || language::half_translated(original, translation)
        || adds_until(from, original, translation)
        || moves_time_of_day(original, translation)
    {
        return false;
    }
    let to = from.other();
    let check = expect(read.source, read.read_as(to), read.words).judge(translation, to);
    // The source sentences a translation rests on are its original's: found within one
    // language, by the original's own words. Found afresh from the translation's words,
    // a vaguer rendering ("since January" for "depuis le 1er janvier") can match the
    // headline's shorthand as well as the body, and a right translation would be taken
    // for a repeat of the headline.
    let rests_on = read
        .own(from)
        .then(|| read.index.all_anchored(&read.source.text, original));
    let (kept, dropped) = triage_resting(read, to, translation, &check, rests_on.as_deref());
    dropped.is_empty() && !kept.is_empty()
}

/// The body sentence that gives the first figure of the source's headline ("1 200 habitants
/// évacués": the figure its story is about), where `summary` (in `lang`, the source's own
/// language) states none of the headline's figures. Copied from the source, so right by
/// construction; its translation carries the figure into the other language's summary,
/// and the disagreement finder gets it to set against other sources' figures.
fn headline_figure(read: &Read, lang: Lang, summary: &str) -> Option<String> {
    let head = read.headline.filter(|_| read.native == Some(lang))?;
    let wanted = ground::facts(head);
    let held = ground::holds(summary);
    if wanted.iter().any(|f| held.contains(&f.key)) {
        return None;
    }
    let first = wanted.first()?;
    let text = &read.source.text;
    let body = &text[text.find(head)? + head.len()..];
    crate::text::sentences(body)
        .into_iter()
        .find(|s| ground::holds(s).contains(&first.key))
        .map(|s| s.trim().to_string())
}

/// A source's headline: its first line, where that is a sentence of its own with no
/// closing punctuation and more text follows (a title, not an opening question or a lead).
fn headline(text: &str) -> Option<&str> {
    let first = crate::text::sentences(text).into_iter().next()?;
    let line = text.trim_start().lines().next()?.trim();
    let titled = first.trim() == line
        && !line.ends_with(['.', '!', '?', '…', ':', ';'])
        && text.trim().len() > line.len();
    titled.then_some(first)
}

/// The sentences of `text` (judged by `check`) that may be shipped, and those that may not.
/// In the source's own language, a sentence that states something wrong (a figure, date or
/// name the source does not hold, an attributed figure as plain fact, a flipped negation or
/// stance, a title given to a name the source never gives it (`roles::Titles::misplaced`), a word
/// of another language or a whole sentence in one) is replaced by the
/// source sentence it rests on,
/// where that one is not said already: an extractive sentence beats an invented one, and
/// the summary keeps the fact it meant to give.
fn triage(read: &Read, lang: Lang, text: &str, check: &OutputCheck) -> (Vec<String>, Vec<String>) {
    triage_resting(read, lang, text, check, None)
}

/// `triage`, where every sentence of `text` rests on the source sentences `rests` (a
/// translation's: those of its original) when given, else on those its own words find.
fn triage_resting(
    read: &Read,
    lang: Lang,
    text: &str,
    check: &OutputCheck,
    rests: Option<&[&str]>,
) -> (Vec<String>, Vec<String>) {
    let s = read.source;
    let (attributed, index) = (&read.attributed, &read.index);
    // Written in the source's own language: its sentences may stand in, its verbs compare.
    let own = read.own(lang);
    let mut kept: Vec<String> = Vec::new();
    // Whether each of `kept` is the model's and follows the model's sentence before it.
    let mut follows: Vec<bool> = Vec::new();
    // Was the model's sentence before kept (then it is the last of `kept`)?
    let mut after_kept = false;
    let mut dropped: Vec<String> = Vec::new();
    // Where a sentence resting on the headline was left out.
    let mut headlined: Option<usize> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if kept.is_empty() && line.trim_end().ends_with(':') {
            dropped.push(line.trim().to_string());
            continue;
        }
        let line = line.trim_start_matches(['-', '*', ' ']);
        for sentence in crate::text::sentences(line)
            .into_iter()
            .filter(|x| !x.is_empty())
        {
            // The source sentences it may rest on; the first is the one it is taken to.
            let rests_on = match rests {
                Some(r) => r.to_vec(),
                None => index.all_anchored(&s.text, sentence),
            };
            let anchor = rests_on.first().copied();
            let source = (s.id.as_str(), s.text.as_str(), read.read_as(lang));
            let unsupported = !ground::check(sentence, lang, &[source])
                .unsupported
                .is_empty();
            let foreign = check.foreign_words.iter().any(|w| holds_word(sentence, w))
                || language::in_another_language(sentence, lang);
            let misattributes = statements::misattributes(sentence, attributed);
            // A sentence that drops or adds the negation of the source sentence it rests
            // on says the opposite ("conteste" for "ne conteste pas"). Where several source
            // sentences share as much with it (one name, across languages), the one it
            // rests on is unknown: it is flipped only against all of them.
            let flipped = !rests_on.is_empty()
                && rests_on
                    .iter()
                    .all(|src| statements::negated(src) != statements::negated(sentence));
            // "Lowers the retirement age" where the source raises it.
            let reversed = statements::reverses_stance(sentence, &s.text)
                || statements::reverses_direction(sentence, &s.text);
            // "Presented" from "would present": a plan stated as done. Within one language
            // only: across two, verbs' stems meet by chance ("retire", "retirerait").
            let done = own && anchor.is_some_and(|src| statements::loses_future(sentence, src));
            // "The real cost at 465 million euros": a source sentence with its subject and
            // verb cut off.
            let cut = own && anchor.is_some_and(|src| statements::cut_short(sentence, src));
            // "… à Toulouse pour discuter des calendriers": a reason the source never gives.
            let purpose = own && statements::invents_purpose(sentence, &s.text);
            // "Le barrage a relâché 1 200 habitants": a count handed to another clause's
            // verb; "… et a demandé …", a predicate handed to another sentence's subject.
            // "… a voté le budget en supprimant des postes": clauses of three source
            // sentences tied together; "L'accord vise … par une IA open-source": words of
            // another paragraph grafted onto a sentence; "… et Mistral AI, qui a été créé
            // en mai 2024": another body's date given by a relative clause.
            let misjoined = own
                && (statements::misjoins_count(sentence, &s.text)
                    || statements::borrows_predicate(sentence, index, &s.text)
                    || index.pieced(sentence)
                    || index.pieced_apart(&s.text, sentence)
                    || statements::misattaches_relative(sentence, &s.text));
            // "l'AMIAD, directeur du ministère": a title the source gives someone else.
            // Titles are read in French and English, so a source in neither has none.
            let titled = read.native.is_some() && read.titles.misplaced(sentence);
            // "Selon les pompiers, le vent a poussé les flammes …": a party the source
            // sentence never names for it. Within one language only: names of parties
            // are words, and words do not meet across two.
            let lent = own && statements::invents_attribution(sentence, &rests_on);
            // The headline says in a few words what the body says in full: a small model
            // misreads its shorthand ("se prépare au pic de crue" as "the peak of
            // drought"), and the body's sentences carry its facts.
            let again = kept.iter().any(|k| repeats(sentence, k))
                || (anchor.is_some() && anchor == read.headline);
            // A clause of the headline's shorthand tied to a body sentence's facts: the
            // body sentence says what it means to.
            let grafted = own
                && !again
                && read
                    .headline
                    .is_some_and(|h| index.grafts_headline(&s.text, h, sentence));
            // "Ce partenariat illustre une stratégie …" where the source only asks whether
            // it does.
            let asked = statements::answers_a_question(sentence, &rests_on);
            let wrong = unsupported
                || asked
                || foreign
                || misattributes
                || flipped
                || reversed
                || done
                || cut
                || purpose
                || misjoined
                || titled
                || lent
                || grafted
                || statements::fragment(sentence)
                // "Over 1,500 people" where the source says "unas 1.500".
                || disagree::adds_bound(sentence, &s.text);
            let meta = about_itself(sentence, lang);
            if !(wrong || again || meta) {
                follows.push(after_kept);
                kept.push(sentence.to_string());
                after_kept = true;
                continue;
            }
            after_kept = false;
            dropped.push(sentence.to_string());
            if anchor.is_some() && anchor == read.headline {
                headlined.get_or_insert(kept.len());
            }
            // A sentence about the article that carries a fact ("The article summarizes a
            // deal signed in December 2025") gives way as a wrong one does.
            let framed = meta && !ground::facts(sentence).is_empty();
            if !((wrong || framed) && own) {
                continue;
            }
            for a in anchor
                .into_iter()
                .chain(figures_of(sentence, &kept, index, &s.text))
                .filter_map(lifted)
            {
                if !kept.iter().any(|k| *k == a || repeats(&a, k)) {
                    kept.push(a);
                    follows.push(false);
                }
            }
        }
    }
    // The headline's fact, which the body's first sentence says in full, where no kept
    // sentence says it already: the headline is the story's main fact.
    let at = headlined.filter(|_| own);
    // The source's opening is read only where a headline sentence was left out.
    if let Some((at, first)) = at.and_then(|at| Some((at, lead(read).into_iter().next()?))) {
        if !kept
            .iter()
            .any(|k| *k == first || repeats(&first, k) || repeats(k, &first))
        {
            kept.insert(at, first);
            follows.insert(at, false);
        }
    }
    if own {
        let (alone, unread) = reading_alone(read, &kept, &follows);
        dropped.extend(unread);
        kept = alone;
    }
    (kept, dropped)
}

/// The source sentences that state the figures and dates of a left-out `sentence` that
/// no `kept` sentence states: beside the sentence it rests on, a wrong sentence's figure
/// often has a sentence of its own ("at least 38 dead, according to the prefecture",
/// where the sentence it rests on is the one with the date), and it is not lost with it.
fn figures_of<'t>(
    sentence: &str,
    kept: &[String],
    index: &statements::Indexed,
    text: &'t str,
) -> Vec<&'t str> {
    use ground::Key;
    let held: std::collections::BTreeSet<Key> =
        kept.iter().flat_map(|k| ground::holds(k)).collect();
    ground::facts(sentence)
        .into_iter()
        .filter(|f| {
            matches!(
                f.key,
                Key::Date { .. }
                    | Key::DayMonth { .. }
                    | Key::Money { .. }
                    | Key::Pct(_)
                    | Key::Num(_)
            ) && !held.contains(&f.key)
        })
        .filter_map(|f| index.stating(text, &f.key))
        .collect()
}

/// Sentences a source opens with, for a summary none of whose sentences may ship: the first
/// `LEAD` that may stand in for one (`extractable`; a heading may not) and tell something
/// (`informs`).
fn lead(read: &Read) -> Vec<String> {
    crate::text::sentences(&read.source.text)
        .into_iter()
        .filter(|s| Some(*s) != read.headline)
        .filter_map(stand_in)
        .filter(|s| informs(s))
        .take(LEAD)
        .collect()
}

/// Does an opening sentence tell the reader something: a figure, a date or a name, or
/// enough words to hold a fact without them ("Firefighters battled a blaze overnight in
/// the hills above the city.")? A short line before the story ("Written for the tests.",
/// "Updated.") is not its lead.
fn informs(sentence: &str) -> bool {
    sentence.split_whitespace().count() >= 10
        || !ground::facts(sentence).is_empty()
        || !ground::folded_names(sentence).is_empty()
}

/// `sentences` (a summary in its source's language, in order; `follows`: which are the
/// model's, right after the model's sentence before them), each that leans on the one
/// before it (`statements::refers_back`: "Il employait 3 200 ouvriers") read where it
/// stands: right after the model's sentence it followed, or after the source sentence it
/// leans on. A small model lifts source sentences with their pronouns, and once the
/// sentence before is left out, or a source sentence stands in, "il" names whatever
/// comes before ("Ses quatre turbines … Il employait …": the turbines employed
/// workers). Such a sentence gives way to the source sentence it rests on where that
/// reads alone; else the source sentence before that one, where it reads alone, comes
/// first ("Le chantier s'ouvrit en septembre 1954."), unless it is in the summary
/// already, where the sentence follows it; else it is left out. Right by construction:
/// every sentence added is the source's own. Also the sentences left out.
fn reading_alone(
    read: &Read,
    sentences: &[String],
    follows: &[bool],
) -> (Vec<String>, Vec<String>) {
    let text = read.source.text.as_str();
    let index = &read.index;
    let mut out: Vec<String> = Vec::with_capacity(sentences.len());
    let mut unread = Vec::new();
    let held = |out: &[String], s: &str| out.iter().position(|k| k == s || repeats(s, k));
    for (i, s) in sentences.iter().enumerate() {
        // A source sentence put in before an earlier one is not said twice.
        if held(&out, s).is_some() {
            continue;
        }
        let anchor = index.anchored(text, s);
        let before = index.before_anchored(text, s);
        // Right after the model's sentence it followed, or after one resting on the
        // source sentence it rests on or the one before that.
        let after = |p: &String| {
            (follows[i] && *p == sentences[i - 1])
                || index
                    .anchored(text, p)
                    .is_some_and(|a| Some(a) == anchor || Some(a) == before)
        };
        if !statements::refers_back(s) || out.last().is_some_and(after) {
            out.push(s.clone());
            continue;
        }
        if let Some(alone) = anchor.and_then(stand_in) {
            if held(&out, &alone).is_none() {
                out.push(alone);
                continue;
            }
        }
        match before.and_then(stand_in) {
            Some(b) => match held(&out, &b) {
                Some(at) => out.insert(at + 1, s.clone()),
                None => out.extend([b, s.clone()]),
            },
            None => unread.push(s.clone()),
        }
    }
    (out, unread)
}

/// Source sentences a summary none of whose sentences may ship is made of.
const LEAD: usize = 2;

/// A source sentence as it stands in for a summary sentence (its spacing tidied), where it
/// may (`extractable`).
fn stand_in(sentence: &str) -> Option<String> {
    lifted(sentence).filter(|t| extractable(t))
}

/// A source sentence (its spacing tidied) where it may take a wrong summary sentence's
/// place, though it may lean on the sentence before it: `reading_alone` then puts that
/// one before it, or leaves it out ("Sa présidente, Claire Dumoulin, salue …" comes with
/// "Le projet est porté par la métropole.").
fn lifted(sentence: &str) -> Option<String> {
    let tidy = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    liftable(&tidy).then_some(tidy)
}

/// May a source sentence stand in for a summary sentence: a statement of a readable length
/// (4 to 60 words) that ends as a sentence does, not a heading or a lead-in, not a
/// question, that reads alone (`statements::refers_back`) and is not the author speaking
/// (`authors_voice`)?
fn extractable(sentence: &str) -> bool {
    liftable(sentence) && !statements::refers_back(sentence)
}

/// `extractable`, short of reading alone: it may lean on the sentence before it.
fn liftable(sentence: &str) -> bool {
    let words = sentence.split_whitespace().count();
    let ends = sentence
        .trim_end()
        .ends_with(['.', '!', '»', '"', '…', '”']);
    (4..=60).contains(&words) && ends && !authors_voice(sentence)
}

/// Does `sentence` speak in its author's first person ("Nous pouvons alors nous demander
/// …", "I started painting …") outside quotation marks? Lifted into a summary, the
/// summary would take the author's voice: a quotation is someone's words, attributed.
/// Grammar words, not a subject's.
fn authors_voice(sentence: &str) -> bool {
    const FIRST_PERSON: &[&str] = &[
        "je", "j", "me", "m", "moi", "nous", "mon", "ma", "mes", "notre", "nos", "i", "my", "we",
        "us", "our",
    ];
    let mut quoted = 0usize;
    let mut outside = String::new();
    for c in sentence.chars() {
        match c {
            '«' | '“' => quoted += 1,
            '»' | '”' => quoted = quoted.saturating_sub(1),
            _ if quoted == 0 => outside.push(c),
            _ => {}
        }
    }
    // Straight quotes open and close alike: every other stretch is quoted.
    let outside: String = outside.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    // "US", "ME": an acronym is no pronoun.
    let acronym = |w: &str| w.chars().count() > 1 && w.chars().all(char::is_uppercase);
    outside
        .split(|c: char| !c.is_alphabetic())
        .any(|w| !acronym(w) && FIRST_PERSON.contains(&w.to_lowercase().as_str()))
}

/// `ok` (which of a summary's `sentences` may ship) with each sentence that leans on the
/// one before it (`statements::refers_back`) left out where that one is: "Son directeur, Bertrand
/// Rondepierre, …" translated alone would make him the director of whatever the sentence
/// before the left-out one names.
fn without_orphans(sentences: &[&str], ok: &[bool]) -> Vec<bool> {
    let mut kept = ok.to_vec();
    for i in 1..kept.len() {
        if !kept[i - 1] && statements::refers_back(sentences[i]) {
            kept[i] = false;
        }
    }
    kept
}

/// Does `sentence` say again what `earlier` said: every figure of it in `earlier`, and at
/// least four words of four letters or more, most of them (70 %) in `earlier` too? A small
/// model sometimes ends a summary on its second sentence again, reworded at the edges.
fn repeats(sentence: &str, earlier: &str) -> bool {
    let words = |t: &str| -> (HashSet<String>, HashSet<String>) {
        let folded = ground::fold(t);
        let all = folded.split(|c: char| !c.is_alphanumeric());
        let figures = all
            .clone()
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()));
        let long = all.filter(|w| w.chars().count() >= 4);
        (
            long.map(str::to_string).collect(),
            figures.map(str::to_string).collect(),
        )
    };
    let ((mine, my_figures), (theirs, their_figures)) = (words(sentence), words(earlier));
    mine.len() >= 4
        && my_figures.is_subset(&their_figures)
        && mine.intersection(&theirs).count() * 10 >= mine.len() * 7
}

/// The most source tokens a note is taken on, as a share of the notes' token limit.
const NOTE_SPAN: (usize, usize) = (3, 4);

/// Note lines tried, best first, for a quarter of a long source that its translated summary
/// lost: one failing its checks is not the end of that quarter.
const STAND_INS: usize = 3;
/// Words from which a source that fits one chunk still has parts its translated summary
/// must each speak of (`stand_ins`): an essay, not a news story.
const LONG_WORDS: usize = 1000;
/// The quarter's plainest source sentences tried after them (`select::plain_lines`).
const PLAIN_TRIES: usize = 3;

/// What a summary of `s` (in `source_lang`, found once per source) must satisfy. A
/// source in neither output language lends a summary no words: a lower-case word carried
/// over from it ("an incendio forestal") is foreign, however its own text spells it.
fn expect<'s>(s: &'s Source, source_lang: Lang, words: Option<&'s Lexicons>) -> Expect<'s> {
    let lends = match native(s) {
        Some(_) => s.text.as_str(),
        None => "",
    };
    Expect {
        own_words_of: Some(&s.text),
        translated_from: Some((lends, source_lang)),
        words,
        one_sentence: false,
        persist: false,
    }
}

/// Does `sentence` hold `word` as a whole word?
fn holds_word(sentence: &str, word: &str) -> bool {
    sentence.match_indices(word).any(|(i, _)| {
        let before = sentence[..i].chars().next_back();
        let after = sentence[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Does a summary sentence speak of the summary or its translation rather than of the
/// source ("Ce résumé fait référence au même contenu…", "This summary keeps…")? Only the
/// noun after a determiner counts: "Il résume l'enjeu" is a fact about the source. The
/// words are those of bisum's own prompts, not of any subject.
fn about_itself(sentence: &str, lang: Lang) -> bool {
    let (determiners, nouns): (&[&str], &[&str]) = match lang {
        Lang::Fr => (
            &[
                "ce", "cet", "cette", "le", "la", "du", "un", "une", "notre", "mon",
            ],
            &["resume", "traduction"],
        ),
        Lang::En => (
            &["this", "the", "a", "our", "my"],
            &["summary", "translation"],
        ),
    };
    let folded = ground::fold(sentence);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .any(|p| determiners.contains(&p[0]) && nouns.contains(&p[1]))
        || presents_the_source(&words)
}

/// Does a sentence open by presenting the source ("The document describes a historical
/// event involving…", "Le texte traite de…", "L'article résume un accord signé en décembre
/// 2025", "Il explique comment …")? A summary speaks of what happened, not of the article;
/// a fact such a sentence
/// carries survives in the source sentence it rests on (`triage`). "The article says the
/// cost rose to…" stays: it reports, it does not present.
fn presents_the_source(words: &[&str]) -> bool {
    const SOURCE: &[&str] = &["document", "article", "text", "texte", "source"];
    const PRESENTS: &[&str] = &[
        "describes",
        "discusses",
        "presents",
        "deals",
        "is",
        "explores",
        "covers",
        "decrit",
        "presente",
        "traite",
        "parle",
        "evoque",
        "aborde",
        "porte",
        "resume",
        "summarizes",
        "summarises",
    ];
    // "Il explique comment le ministère …": the article again, as a pronoun. A person
    // explains that something is so; "how" is a text's table of contents.
    const PRONOUNS: &[&str] = &["il", "elle", "it"];
    const HOW: &[&str] = &["comment", "how"];
    matches!(words, [_, noun, verb, ..] if SOURCE.contains(noun) && PRESENTS.contains(verb))
        || matches!(words, [it, _, how, ..] if PRONOUNS.contains(it) && HOW.contains(how))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A source read from `text` as `bisum` would (its language found by lingua).
    fn source(stem: &str, text: &str) -> Source {
        Source {
            id: "S1".into(),
            path: format!("{stem}.txt").into(),
            stem: stem.into(),
            text: text.into(),
            sha256: String::new(),
            format: crate::inputs::formats::Format::Text,
            encoding: "UTF-8",
            injection: Vec::new(),
            detected_language: crate::checks::language::detect(text),
        }
    }

    #[test]
    fn a_summary_that_leaves_out_its_headlines_figure_gets_the_sentence_that_gives_it() {
        let text = "Crue : le barrage relâche de l'eau, 1 200 habitants évacués\n\n\
                    La préfecture a ordonné mardi l'évacuation de 1 200 habitants de trois \
                    communes. Le barrage relâche 1 500 mètres cubes par seconde. Le maire a \
                    demandé l'état de catastrophe naturelle.";
        let source = source("crue", text);
        let read = Read::of(&source, None);
        let without = "Le barrage relâche 1 500 mètres cubes par seconde.";
        assert_eq!(
            headline_figure(&read, Lang::Fr, without).as_deref(),
            Some(
                "La préfecture a ordonné mardi l'évacuation de 1 200 habitants de trois \
                 communes."
            )
        );
        // A summary that states it, or one in the other language, is left as it is.
        let with = "La préfecture a fait évacuer 1 200 habitants.";
        assert_eq!(headline_figure(&read, Lang::Fr, with), None);
        assert_eq!(headline_figure(&read, Lang::En, without), None);
    }

    #[test]
    fn a_translation_keeps_the_facts_of_its_own_original() {
        let fr = "Un relevé de 2007 estima leur volume à 19 millions de mètres cubes.";
        let en = "The ministry signed the agreement on January 8, 2026.";
        for (original, from, translation, keeps) in [
            (
                fr,
                Lang::Fr,
                "A 2007 survey put their volume at 19 million cubic metres.",
                true,
            ),
            (
                fr,
                Lang::Fr,
                "A 2007 survey put their volume at 1.9 million cubic metres.",
                false,
            ),
            (
                en,
                Lang::En,
                "Le ministère a signé l'accord le 8 janvier 2026.",
                true,
            ),
            (
                en,
                Lang::En,
                "Le ministère a signé l'accord le 8 juin 2026.",
                false,
            ),
            // A count left out is a figure lost; a date read apart is not.
            (
                "Le gouvernement relève l'âge légal de 62 à 64 ans d'ici 2030.",
                Lang::Fr,
                "The government makes people retire at 64 from 2030.",
                false,
            ),
            (
                "The council approved line 3 in mid-October 2025.",
                Lang::En,
                "Le conseil a approuvé la ligne 3 au milieu d'octobre 2025.",
                true,
            ),
            // An amount in another currency is another figure.
            (
                "The port approved a 280 million dollar expansion.",
                Lang::En,
                "Le port a approuvé une extension de 280 millions d'euros.",
                false,
            ),
            (
                "The port approved a 280 million dollar expansion.",
                Lang::En,
                "Le port a approuvé une extension de 280 millions de dollars.",
                true,
            ),
            // Counts spelled out are figures too.
            (
                "Il est tombé 180 millimètres de pluie en 96 heures, deux mois de pluie.",
                Lang::Fr,
                "It rained 180 millimetres in nine hours, two months of rain.",
                false,
            ),
            (
                "Il est tombé 180 millimètres de pluie en 96 heures, deux mois de pluie.",
                Lang::Fr,
                "It rained 180 millimetres in 96 hours, two months of rain.",
                true,
            ),
            (
                "Les 3 communes et les vingt-deux villages ont voté.",
                Lang::Fr,
                "The three towns and twenty-two villages voted.",
                true,
            ),
            (
                "Fourteen other defendants were tried alongside him.",
                Lang::En,
                "Quinze autres prévenus ont été jugés avec lui.",
                false,
            ),
            (
                "Un bus gratuit relie les deux rives.",
                Lang::Fr,
                "A free bus links both banks.",
                true,
            ),
            (
                "Fourteen other defendants were tried alongside him.",
                Lang::En,
                "Quatorze autres prévenus ont été jugés avec lui.",
                true,
            ),
            // So are fractions, and a count joined to what it counts.
            (
                "La Bretagne concentre un tiers des cas.",
                Lang::Fr,
                "Brittany has a quarter of the cases.",
                false,
            ),
            (
                "La Bretagne concentre un tiers des cas.",
                Lang::Fr,
                "Brittany accounts for a third of the cases.",
                true,
            ),
            (
                "Un nourrisson de huit mois est mort.",
                Lang::Fr,
                "A 7-month-old baby died.",
                false,
            ),
            // A date may lose its year, not its month; a translation that drops its clause
            // drops it.
            (
                "Le délégué, qui appelle à un rassemblement le 12 février, n'a reçu aucune \
                 garantie.",
                Lang::Fr,
                "The delegate said that no guarantee had been received.",
                false,
            ),
            (
                "Le conseil a voté le mardi 14 octobre 2025.",
                Lang::Fr,
                "The council voted on Tuesday, October 14.",
                true,
            ),
            (
                "The strike began in March 2026 and will go on until the spring.",
                Lang::En,
                "La grève a commencé en mars 2026 et durera jusqu'au printemps.",
                true,
            ),
        ] {
            assert_eq!(
                keeps_facts(original, from, translation) && keeps_counts(original, translation),
                keeps,
                "{translation}"
            );
        }
    }

    #[test]
    fn a_deadline_is_not_translated_as_a_time_limit() {
        let by = "L'entreprise a annoncé la fermeture de son usine d'ici la fin du mois de juin.";
        assert!(adds_until(
            Lang::Fr,
            by,
            "The company announced it will close its plant until June."
        ));
        assert!(!adds_until(
            Lang::Fr,
            by,
            "The company announced it will close its plant by the end of June."
        ));
        for (original, translation) in [
            (
                "La grève durera jusqu'au 19 mars.",
                "The strike will last until March 19.",
            ),
            (
                "Le préfet ne rendra pas sa décision avant lundi.",
                "The prefect will not decide until Monday.",
            ),
        ] {
            assert!(
                !adds_until(Lang::Fr, original, translation),
                "{translation}"
            );
        }
    }

    #[test]
    fn a_sentence_that_only_says_what_the_source_is_about_is_left_out() {
        for meta in [
            "The document describes a historical event involving a tannery and its owners.",
            "Le texte traite de la rénovation d'un barrage.",
            "This article is about a town and its river.",
            // With a fact, still about the document: the fact has its source sentence.
            "The document describes the 2018 count of 1,412 salmon.",
        ] {
            let lang = crate::lang::guess(meta);
            assert!(about_itself(meta, lang), "{meta}");
        }
        for fact in [
            "The article says the cost rose to 465 million euros.",
            "Le texte du projet de loi est présenté au Sénat.",
        ] {
            let lang = crate::lang::guess(fact);
            assert!(!about_itself(fact, lang), "{fact}");
        }
    }

    #[test]
    fn a_sentence_that_says_an_earlier_one_again_is_a_repeat_and_new_facts_are_not() {
        let two = "Ce partenariat revient à l'Agence ministérielle du numérique, créée pour accélérer l'adoption des outils dans les services.";
        let four = "La mise en place de cet accord revient à l'Agence ministérielle du numérique, créée précisément pour accélérer l'adoption des outils dans les services.";
        assert!(repeats(four, two));
        let one = "The council approved the budget of 412 million euros in October.";
        assert!(!repeats(
            "The council approved the budget of 465 million euros in October.",
            one
        ));
        assert!(!repeats(
            "The opposition asked for an independent study of the ridership forecast.",
            one
        ));
    }

    #[test]
    fn sentences_about_the_summary_itself_are_told_from_facts() {
        assert!(about_itself(
            "Ce résumé fait référence exactement au même contenu, sans ajouter ni retirer de texte.",
            Lang::Fr
        ));
        assert!(about_itself(
            "This summary says the same as the French one.",
            Lang::En
        ));
        assert!(!about_itself(
            "Le conseil a voté le budget du tramway.",
            Lang::Fr
        ));
        assert!(!about_itself(
            "Work on the line will resume in May.",
            Lang::En
        ));
        assert!(!about_itself(
            "Son directeur, Bertrand Rondepierre, résume l'enjeu : intégrer les technologies.",
            Lang::Fr
        ));
        assert!(about_itself("Voici la traduction du texte.", Lang::Fr));
        // Presenting the article, with a fact or without.
        assert!(about_itself(
            "L'article résume l'essentiel d'un accord signé en décembre 2025.",
            Lang::Fr
        ));
        assert!(about_itself("The document describes a strike.", Lang::En));
        assert!(about_itself(
            "Il explique comment la ville a financé la ligne de tramway.",
            Lang::Fr
        ));
        assert!(!about_itself(
            "Il explique que la ville a financé la ligne de tramway.",
            Lang::Fr
        ));
        assert!(!about_itself(
            "The article says the cost rose to €465 million.",
            Lang::En
        ));
    }

    #[test]
    fn a_source_sentence_on_a_pronoun_a_question_or_in_the_authors_voice_does_not_stand_in() {
        for leaning in [
            "Elle a pour mission d'équiper les régiments en drones.",
            "Rattachée au ministère depuis 2024, elle pilote les achats de drones.",
            "They said the line would open in 2027.",
            // A question, and the author's own voice.
            "Nous pouvons alors nous demander si ce partenariat illustre une stratégie ?",
            "Le partenariat illustre-t-il une stratégie de souveraineté ?",
            "We can now ask whether the line will open in 2027.",
            "I started painting when the line opened in 2027.",
        ] {
            assert!(!super::extractable(leaning), "{leaning}");
        }
        for alone in [
            "L'agence a pour mission d'équiper les régiments en drones.",
            "Selon le maire, la ligne ouvrira en 2027.",
            "The council said the line would open in 2027.",
            // Someone's first person, quoted; an acronym.
            "Sophie Binet a déclaré : « Nous ne lâcherons rien » devant le ministère.",
            "The mayor said \"we will open the line in 2027\" on Tuesday.",
            "US forces left the base in 2027.",
        ] {
            assert!(super::extractable(alone), "{alone}");
        }
    }

    #[test]
    fn a_sentence_leaning_on_a_left_out_one_goes_with_it() {
        let sentences = [
            "L'agence a été créée en 2024.",
            "Son directeur, Bertrand Rondepierre, résume l'enjeu.",
            "Il parle de souveraineté.",
            "Le ministère a signé l'accord.",
        ];
        assert_eq!(
            super::without_orphans(&sentences, &[false, true, true, true]),
            [false, false, false, true]
        );
        assert_eq!(
            super::without_orphans(&sentences, &[true, true, true, false]),
            [true, true, true, false]
        );
        assert!(statements::refers_back(
            "Its chief executive said the firm could grow."
        ));
        assert!(!statements::refers_back(
            "Sans surprise, le ministère a signé."
        ));
        // A demonstrative opening names what the sentence before said.
        assert!(statements::refers_back(
            "Ce projet repose sur trois piliers."
        ));
        assert!(statements::refers_back(
            "This choice illustrates a broader trend."
        ));
        assert!(!statements::refers_back(
            "Ce qui a changé, c'est le calendrier."
        ));
        assert!(!statements::refers_back("Cela dit, le ministère a signé."));
        // "C'est", "C’était": the demonstrative elided.
        assert!(statements::refers_back(
            "C'est trois fois plus que sur l'ensemble de l'année 2025."
        ));
        assert!(statements::refers_back("C’était la première fois."));
    }

    #[test]
    fn an_opening_possessive_the_translation_gives_a_person_becomes_the() {
        let cases = [
            (
                "Son coût est estimé à 412 millions d'euros.",
                "His cost is estimated at 412 million euros.",
                "The cost is estimated at 412 million euros.",
            ),
            (
                "Sa directrice, Claire Dumoulin, a salué le vote.",
                "Her director, Claire Dumoulin, welcomed the vote.",
                "The director, Claire Dumoulin, welcomed the vote.",
            ),
            // Another opening: the translation's "His" is someone's the sentence names.
            (
                "Le maire a présenté son budget.",
                "His budget was presented by the mayor.",
                "His budget was presented by the mayor.",
            ),
            (
                "Son siège serait à Lyon.",
                "Its headquarters would be in Lyon.",
                "Its headquarters would be in Lyon.",
            ),
        ];
        for (original, translation, want) in cases {
            assert_eq!(super::unowned(original, translation), want);
        }
    }

    #[test]
    fn a_number_split_at_its_thousands_is_written_whole_where_the_original_gives_it() {
        let original = "L'usine fabrique chaque année environ 900 000 radiateurs.";
        assert_eq!(
            rejoined(
                "The factory makes about 900, 000 radiators a year.",
                original
            ),
            "The factory makes about 900,000 radiators a year."
        );
        // Two numbers of a list stay two.
        let list = "Les lignes 2 et 500 sont fermées.";
        assert_eq!(
            rejoined("Lines 2, 500 are closed.", list),
            "Lines 2, 500 are closed."
        );
    }

    #[test]
    fn a_sentence_the_model_began_in_lower_case_opens_on_a_capital() {
        assert_eq!(
            super::capitalized("environ 1 500 personnes ont été évacuées."),
            "Environ 1 500 personnes ont été évacuées."
        );
        assert_eq!(
            super::capitalized("éric Dupont a parlé."),
            "Éric Dupont a parlé."
        );
        assert_eq!(
            super::capitalized("iPhone sales rose."),
            "iPhone sales rose."
        );
        assert_eq!(super::capitalized("« Non », dit-il."), "« Non », dit-il.");
    }

    #[test]
    fn a_word_is_found_whole_only() {
        assert!(holds_word("La tannery ferma.", "tannery"));
        assert!(holds_word("Le rapport d'Okafor's fut publié.", "Okafor's"));
        assert!(!holds_word("Les tanneryes fermèrent.", "tannery"));
    }

    #[test]
    fn a_wrong_sentence_in_the_sources_language_gives_way_to_the_source_sentence_it_rests_on() {
        let text =
            "Grève du 12 mars : une mobilisation massive contre la réforme des retraites\n\n\
             Les chiffres de participation divergent fortement : 1,2 million de manifestants \
             selon la CGT, 450 000 selon le ministère de l'Intérieur. Le gouvernement maintient \
             son calendrier et présentera le texte au Sénat au printemps.";
        let source = source("greve", text);
        let read = Read::of(&source, None);
        let summary = "Une grève a été organisée pour réformer les retraites. \
                       Près de 1,2 million de manifestants ont défilé. \
                       Le texte sera présenté au Sénat en mai.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::Fr));
        let (kept, dropped) = triage(&read, Lang::Fr, summary, &check);
        assert_eq!(dropped.len(), 3, "{dropped:?}");
        // The heading the first rests on is no sentence; the others' source sentences stand in.
        assert_eq!(
            kept,
            [
                "Les chiffres de participation divergent fortement : 1,2 million de manifestants selon la CGT, 450 000 selon le ministère de l'Intérieur.",
                "Le gouvernement maintient son calendrier et présentera le texte au Sénat au printemps.",
            ]
        );
        // In the other language, nothing stands in: the source's words are not a translation.
        let (kept, _) = triage(
            &read,
            Lang::En,
            "A strike in favour of the reform was held.",
            &check,
        );
        assert!(kept.is_empty(), "{kept:?}");
    }

    #[test]
    fn a_sentence_leaning_on_one_it_no_longer_follows_gets_what_it_leans_on() {
        let text = "La fonderie de Brévannes ferma en mars 1982. \
                    Le chantier du nouveau port commença en avril 1990. \
                    À son plus fort, en 1992, il employait 850 ouvriers. \
                    Le port fut inauguré le 3 juin 1995 par la préfète. \
                    Ses deux quais reçurent 40 navires la première année. \
                    La criée ouvrit en 1996, et elle vendit 9 000 tonnes de poisson. \
                    Elle ferma en 2004 faute de bateaux. \
                    Elle rouvrit en 2010.";
        let source = source("port", text);
        let read = Read::of(&source, None);
        let s: Vec<&str> = crate::text::sentences(text).into_iter().collect();
        let alone = |summary: &[&str], follows: &[bool]| {
            let summary: Vec<String> = summary.iter().map(|x| x.to_string()).collect();
            reading_alone(&read, &summary, follows)
        };
        // The pronoun comes from the source: the sentence before its source sentence
        // comes first, and it stays where its own sentence before is there already.
        let (kept, unread) = alone(
            &[
                "Il employait à son plus fort 850 ouvriers.",
                "Ses deux quais reçurent 40 navires la première année.",
                "Le port fut inauguré le 3 juin 1995 par la préfète.",
            ],
            &[false, false, false],
        );
        assert!(unread.is_empty(), "{unread:?}");
        assert_eq!(
            kept,
            [
                s[1],
                "Il employait à son plus fort 850 ouvriers.",
                s[3],
                s[4],
            ]
        );
        // Where the sentence it rests on reads alone, that one takes its place; right
        // after the model's sentence before it, a sentence stays as the model wrote it.
        let (kept, _) = alone(
            &[
                "Elle vendit 9 000 tonnes de poisson dès 1996.",
                s[1],
                "Il employait 850 ouvriers en 1992.",
            ],
            &[false, false, true],
        );
        assert_eq!(kept, [s[5], s[1], "Il employait 850 ouvriers en 1992."]);
        let summary = [s[0], "Il employait 850 ouvriers."];
        assert_eq!(alone(&summary, &[false, true]).0, summary);
        assert_eq!(
            alone(&summary, &[false, false]).0,
            [s[0], s[1], "Il employait 850 ouvriers."]
        );
        // Nothing to lean on that reads alone: left out.
        let (kept, unread) = alone(&[s[3], s[7]], &[false, false]);
        assert_eq!(
            (kept, unread),
            (vec![s[3].to_string()], vec![s[7].to_string()])
        );
    }

    #[test]
    fn a_negation_is_compared_only_with_a_sentence_known_to_be_the_one_rested_on() {
        let text = "« Nous n'avions pas d'autre choix », a expliqué le directeur à Roanne. \
                    Le maire de Roanne a demandé à l'État de reconnaître la catastrophe naturelle.";
        let source = source("crue", text);
        let read = Read::of(&source, None);
        // Across languages it shares one name with both: it may rest on either.
        let en = "The mayor of Roanne asked the state to recognize the natural disaster.";
        let check = OutputCheck::of(crate::checks::language::language(en, Lang::En));
        let (kept, dropped) = triage(&read, Lang::En, en, &check);
        assert_eq!(kept, [en], "{dropped:?}");
    }

    #[test]
    fn a_sentence_resting_on_the_headline_gives_way_to_the_bodys_first_unless_kept() {
        let text = "Roanne : la ville se prépare au pic de crue\n\n\
                    La préfecture a évacué 1 450 personnes mercredi. \
                    Le fleuve devrait atteindre son pic jeudi, selon le service de prévision des crues.";
        let source = source("crue", text);
        let read = Read::of(&source, None);
        assert_eq!(
            read.headline,
            Some("Roanne : la ville se prépare au pic de crue")
        );
        let summary = "Roanne, une ville prépare au pic de crue. \
                       La préfecture a évacué 1 450 personnes mercredi.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::Fr));
        let (kept, dropped) = triage(&read, Lang::Fr, summary, &check);
        assert_eq!(dropped, ["Roanne, une ville prépare au pic de crue."]);
        assert_eq!(kept, ["La préfecture a évacué 1 450 personnes mercredi."]);
        // Where no kept sentence says what the body's first does, it stands in.
        let summary = "Roanne, une ville prépare au pic de crue. \
                       Le fleuve devrait atteindre son pic jeudi, selon le service de prévision des crues.";
        let (kept, _) = triage(&read, Lang::Fr, summary, &check);
        assert_eq!(
            kept,
            [
                "La préfecture a évacué 1 450 personnes mercredi.",
                "Le fleuve devrait atteindre son pic jeudi, selon le service de prévision des crues."
            ]
        );
        // An opening question or lead is no headline; neither is a text of one line.
        assert_eq!(
            headline("Peut-on parler de tournant ? Le ministère a signé."),
            None
        );
        assert_eq!(
            headline("Le ministère a signé un accord\n\nLe 8 janvier."),
            Some("Le ministère a signé un accord")
        );
        assert_eq!(headline("Une seule ligne sans point"), None);
    }

    #[test]
    fn a_short_line_before_the_story_is_not_its_lead() {
        let text = "Roanne : la ville se prépare au pic de crue\n\n\
                    Écrit pour les essais. Les lieux sont inventés.\n\n\
                    La préfecture a évacué 1 450 personnes mercredi. \
                    Les pompiers ont passé la nuit sur les digues qui bordent le fleuve en amont.";
        let source = source("crue", text);
        let read = Read::of(&source, None);
        assert_eq!(
            lead(&read),
            [
                "La préfecture a évacué 1 450 personnes mercredi.",
                "Les pompiers ont passé la nuit sur les digues qui bordent le fleuve en amont."
            ]
        );
    }

    #[test]
    fn a_translation_rests_where_its_original_rests_not_on_a_headline_its_words_also_match() {
        let text = "Rougeole : l'épidémie s'étend en Bretagne, 312 cas recensés depuis janvier\n\n\
                    L'agence régionale de santé de Bretagne a recensé 312 cas de rougeole \
                    depuis le 1er janvier, dont 74 hospitalisations. La majorité des malades ont moins de 15 ans.";
        let source = source("rougeole", text);
        let read = Read::of(&source, None);
        let original = "L'épidémie de rougeole s'étend en Bretagne depuis le 1er janvier, \
                        avec 312 cas recensés.";
        let translation = "The measles epidemic is spreading in Brittany since January, \
                           with 312 cases recorded.";
        // Read from its own words alone, it rests on the headline ("depuis janvier").
        let check = OutputCheck::of(crate::checks::language::language(translation, Lang::En));
        assert!(triage(&read, Lang::En, translation, &check).0.is_empty());
        // Its original rests on the body, and so does it.
        assert_eq!(
            read.index.anchored(&read.source.text, original),
            Some(
                "L'agence régionale de santé de Bretagne a recensé 312 cas de rougeole \
                 depuis le 1er janvier, dont 74 hospitalisations."
            )
        );
        assert!(shippable(&read, Lang::Fr, original, translation));
        // A translation of the headline itself is still a repeat of it.
        let head = read.headline.unwrap();
        let head_en = "Measles: the epidemic is spreading in Brittany, 312 cases recorded \
                       since January";
        assert!(!shippable(&read, Lang::Fr, head, head_en));
    }

    #[test]
    fn the_headlines_shorthand_tied_to_a_body_figure_gives_way_to_the_body_sentence() {
        let text = "La rougeole progresse en France, la Bretagne en première ligne\n\n\
                    Avec près de 300 cas signalés depuis le début de l'année, la Bretagne \
                    concentre à elle seule un tiers des cas de rougeole déclarés en France. \
                    Le ministère a annoncé jeudi une campagne de vaccination dans les écoles.";
        let source = source("rougeole", text);
        let read = Read::of(&source, None);
        let body = "Avec près de 300 cas signalés depuis le début de l'année, la Bretagne \
                    concentre à elle seule un tiers des cas de rougeole déclarés en France.";
        let summary = "La rougeole progresse en France, avec près de 300 cas signalés depuis \
                       le début de l'année.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::Fr));
        let (kept, dropped) = triage(&read, Lang::Fr, summary, &check);
        assert_eq!(dropped, [summary]);
        assert_eq!(kept, [body]);
        // A sentence of the body's own words, clauses and all, stays.
        let right = "Avec près de 300 cas signalés depuis le début de l'année, la Bretagne \
                     concentre un tiers des cas de rougeole. Le ministère a annoncé jeudi une \
                     campagne de vaccination dans les écoles.";
        let check = OutputCheck::of(crate::checks::language::language(right, Lang::Fr));
        let (kept, dropped) = triage(&read, Lang::Fr, right, &check);
        assert!(dropped.is_empty(), "{dropped:?}");
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn a_title_handed_to_another_name_gives_way_in_the_source_language_and_drops_in_the_other() {
        let text = "Le conseil a adopté le tracé de la ligne 3 mardi. \
                    Le projet est porté par la métropole de Valmont. \
                    Sa présidente, Claire Dumoulin, salue un projet qui rapproche les quartiers.";
        let source = source("conseil", text);
        let read = Read::of(&source, None);
        let summary =
            "Claire Dumoulin, maire de Valmont, salue un projet qui rapproche les quartiers.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::Fr));
        let (kept, dropped) = triage(&read, Lang::Fr, summary, &check);
        assert_eq!(dropped, [summary]);
        // With the sentence that says whose president she is.
        assert_eq!(
            kept,
            [
                "Le projet est porté par la métropole de Valmont.",
                "Sa présidente, Claire Dumoulin, salue un projet qui rapproche les quartiers."
            ]
        );
        let en = "Mayor Claire Dumoulin welcomes a project that brings the neighbourhoods closer.";
        let (kept, _) = triage(&read, Lang::En, en, &check);
        assert!(kept.is_empty(), "{kept:?}");
        let en = "Its president, Claire Dumoulin, welcomes a project that brings the neighbourhoods closer.";
        let (kept, _) = triage(&read, Lang::En, en, &check);
        assert_eq!(kept, [en]);
    }

    #[test]
    fn a_summary_none_of_whose_sentences_passes_gives_way_to_the_sources_opening() {
        let text = "Travaux sur la Sorne\n\nLe pont d'Almaraz a fermé lundi pour trois semaines. \
                    La mairie a mis en place un bus gratuit entre les deux rives. \
                    Les commerçants du quai redoutent une baisse de leur chiffre d'affaires.";
        let source = source("pont", text);
        let read = Read::of(&source, None);
        let summary = "Le tunnel de Brest fermera en 2031.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::Fr));
        let (text, check) = supported(&read, Lang::Fr, (summary.to_string(), check));
        assert_eq!(
            text,
            "Le pont d'Almaraz a fermé lundi pour trois semaines. \
             La mairie a mis en place un bus gratuit entre les deux rives."
        );
        assert_eq!(check.dropped, [summary]);
        // In the other language nothing of the source may stand in: the summary is empty.
        let summary = "The Brest tunnel will close in 2031.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::En));
        let (text, _) = supported(&read, Lang::En, (summary.to_string(), check));
        assert_eq!(text, "");
    }

    #[test]
    fn a_translation_keeps_the_names_no_word_list_knows_or_leaves_them_out() {
        use crate::checks::lexicon::Lexicon;
        let words = Lexicons {
            fr: Some(Lexicon::from_words([
                "espagne", "avions", "renfort", "sénat",
            ])),
            en: Some(Lexicon::from_words(["spain", "aircraft", "senate"])),
        };
        let original = "Selon le maire, l'Espagne a envoyé deux avions Canadair au Sénat.";
        let faithful = "According to the mayor, Spain sent two Canadair aircraft to the Senate.";
        let shorter = "According to the mayor, Spain sent two aircraft.";
        let mangled = "According to the mayor, Canada sent two Canadian aircraft to Spain.";
        assert!(keeps_names(original, faithful, Some(&words)));
        assert!(keeps_names(original, shorter, Some(&words)));
        assert!(!keeps_names(original, mangled, Some(&words)));
        // Without word lists, nothing tells a name to keep from one to translate.
        assert!(keeps_names(original, mangled, None));
    }

    #[test]
    fn a_translation_that_moves_what_happened_to_another_part_of_the_day_is_wrong() {
        let original =
            "Le feu s'est déclaré mardi en fin de matinée et n'était pas fixé jeudi soir.";
        let moved = "The fire broke out on Tuesday in the afternoon and was not contained by Thursday evening.";
        assert!(moves_time_of_day(original, moved));
        for ok in [
            "The fire broke out late on Tuesday morning and was not contained by Thursday evening.",
            "The fire broke out late on Tuesday morning and was not contained by Thursday night.",
            "The fire broke out on Tuesday and was still burning on Thursday.",
        ] {
            assert!(!moves_time_of_day(original, ok), "{ok}");
        }
        assert!(moves_time_of_day(
            "The vote was held overnight.",
            "Le vote a eu lieu dans la soirée."
        ));
        assert!(!moves_time_of_day(
            "Le conseil s'est réuni l'après-midi.",
            "The council met in the afternoon."
        ));
    }

    #[test]
    fn a_sentence_left_in_a_third_language_is_dropped_and_nothing_of_that_source_stands_in() {
        let text = "El puente de Almaraz cerró el lunes por obras durante tres semanas. \
                    El Ayuntamiento habilitó un autobús gratuito entre las dos orillas.";
        let source = source("puente", text);
        let read = Read::of(&source, None);
        assert_eq!(read.native, None);
        let summary = "El puente de Almaraz cerró el lunes por obras durante tres semanas. \
                       Un bus gratuit relie les deux rives.";
        let check = OutputCheck::of(crate::checks::language::language(summary, Lang::Fr));
        let (kept, dropped) = triage(&read, Lang::Fr, summary, &check);
        assert_eq!(kept, ["Un bus gratuit relie les deux rives."]);
        assert_eq!(dropped.len(), 1, "{dropped:?}");
    }

    #[test]
    fn a_word_carried_over_from_a_source_in_a_third_language_is_foreign() {
        let text = "El incendio forestal de la sierra quemó cuatro pueblos el martes.";
        let spanish = source("incendio", text);
        assert_eq!(native(&spanish), None);
        let en = crate::checks::lexicon::Lexicon::from_words([
            "the", "forest", "fire", "burned", "four", "villages", "tuesday", "near",
        ]);
        let words = Lexicons {
            en: Some(en),
            ..Lexicons::default()
        };
        let summary = "The incendio forestal burned four villages on Tuesday.";
        let check = expect(&spanish, Lang::Fr, Some(&words)).judge(summary, Lang::En);
        assert_eq!(check.foreign_words, ["incendio", "forestal"]);
        // From a French source, the same words would be its own, copied (a name).
        let french = source(
            "incendie",
            "L'incendio forestal a brûlé quatre villages mardi, dit le maire de la commune.",
        );
        assert_eq!(native(&french), Some(Lang::Fr));
        let check = expect(&french, Lang::Fr, Some(&words)).judge(summary, Lang::En);
        assert!(check.foreign_words.is_empty(), "{:?}", check.foreign_words);
    }
}
