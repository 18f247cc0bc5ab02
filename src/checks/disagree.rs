//! Disagreements between sources, found by code: facts of the same kind (a full date, an
//! amount of money) stated in sentences about the same thing (they share a concept from
//! `prompts/concepts.txt`, in either language), with close but different values. The model
//! words them in the synthesis; `verify` checks that it did, with the right sources.

use crate::checks::ground::{self, Currency, Fact, Key, Period};
use crate::checks::language;
use crate::lang::Lang;
use crate::text::sentences;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Dates further apart than this are taken to be about different events.
const DATE_WINDOW_DAYS: i64 = 92;
/// Amounts further apart than this factor are taken to be different quantities (12 bn EUR
/// and ~14 bn USD are one valuation; 1.3 bn and 109 bn are not one investment).
const AMOUNT_FACTOR: f64 = 2.0;

/// One value a fact takes, and the sources that give it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Version {
    /// What it states, in canonical form.
    pub key: Key,
    /// As the first source giving it wrote it.
    pub text: String,
    pub sources: Vec<String>,
    /// The sentence of the first source giving it, for context.
    pub context: String,
}

impl Version {
    /// Is it a number alone ("14"), with no word for what it counts?
    pub fn bare(&self) -> bool {
        self.text.ends_with(|c: char| c.is_ascii_digit())
    }

    /// Adds source `id` to those giving this version, kept in source order.
    pub fn add_source(&mut self, id: &str) {
        if !self.sources.iter().any(|s| s == id) {
            self.sources.push(id.to_string());
            self.sources.sort_by_key(|s| source_rank(s));
        }
    }
}

/// A source id's place among the sources ("S12" → 12).
fn source_rank(id: &str) -> u32 {
    id.trim_start_matches('S').parse().unwrap_or(0)
}

/// The fact of `text` whose value is `key`, as `text` writes it.
fn fact_of(text: &str, key: Key) -> Option<Fact> {
    ground::facts(text).into_iter().find(|f| f.key == key)
}

/// A fact the sources give different values for.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Disagreement {
    pub kind: FactKind,
    /// The concepts the sentences share (`agreement`, `valuation`…).
    pub topics: Vec<String>,
    pub versions: Vec<Version>,
}

/// Whether a synthesis states one disagreement: each version's value, in a sentence that
/// cites at least one of the sources giving it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DisagreementCheck {
    pub kind: FactKind,
    pub topics: Vec<String>,
    /// `8 janvier 2026 [S1][S5]`: each version in the synthesis's language, with its sources.
    pub versions: Vec<String>,
    /// Versions stated with one of their sources cited.
    pub stated: usize,
    pub ok: bool,
}

/// Concepts, each a list of word stems in French and English, with the words that name it
/// in each language: `topic | le nom | the name: stem, stem…`.
pub struct Concepts(Vec<Concept>);

struct Concept {
    topic: String,
    fr: String,
    en: String,
    stems: Vec<String>,
}

impl Concepts {
    pub fn parse(text: &str) -> Self {
        Concepts(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .filter_map(|l| {
                    let (head, stems) = l.split_once(':')?;
                    let mut names = head.split('|').map(str::trim);
                    let topic = names.next()?.to_string();
                    let fr = names.next().unwrap_or(&topic).to_string();
                    let en = names.next().unwrap_or(&topic).to_string();
                    Some(Concept {
                        topic,
                        fr,
                        en,
                        stems: stems
                            .split(',')
                            .map(|s| s.trim().to_lowercase())
                            .filter(|s| !s.is_empty())
                            .collect(),
                    })
                })
                .collect(),
        )
    }

    /// What `topic` is called in `lang`: "the agreement", "l'accord".
    pub fn label(&self, topic: &str, lang: Lang) -> String {
        match self.0.iter().find(|c| c.topic == topic) {
            Some(c) if lang == Lang::Fr => c.fr.clone(),
            Some(c) => c.en.clone(),
            None => topic.to_string(),
        }
    }

    /// The concept two counts' first counted words (`unit`: folded, cut to six letters)
    /// both name, in whatever language ("jobs", "salari" for "salariés": the workforce).
    fn shared(&self, a: &[String], b: &[String]) -> Option<String> {
        let names = |u: &[String], c: &Concept| {
            u.first().is_some_and(|w| {
                c.stems.iter().any(|s| {
                    let s = ground::fold(s);
                    w.starts_with(&s) || (w.chars().count() == 6 && s.starts_with(w.as_str()))
                })
            })
        };
        self.0
            .iter()
            .find(|c| names(a, c) && names(b, c))
            .map(|c| c.topic.clone())
    }

    /// The concepts a sentence mentions: a word starting with one of a concept's stems.
    fn of(&self, sentence: &str) -> BTreeSet<String> {
        let words: Vec<String> = sentence
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        self.0
            .iter()
            .filter(|c| {
                words
                    .iter()
                    .any(|w| c.stems.iter().any(|s| w.starts_with(s.as_str())))
            })
            .map(|c| c.topic.clone())
            .collect()
    }
}

/// What kind of fact a disagreement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FactKind {
    Date,
    Amount,
    /// A count of people, votes, events… (a bare number, not a year).
    Count,
}

impl FactKind {
    fn of(key: Key) -> Option<FactKind> {
        match key {
            Key::Date { .. } | Key::DayMonth { .. } => Some(FactKind::Date),
            Key::Money { .. } => Some(FactKind::Amount),
            Key::Num(_) => Some(FactKind::Count),
            _ => None,
        }
    }
}

/// A date's or a yearless day's place in a year (days since January 1 of a leap year).
fn in_any_year(key: Key) -> Option<i64> {
    let (month, day) = match key {
        Key::Date { month, day, .. } | Key::DayMonth { month, day } => (month, day),
        _ => return None,
    };
    let january = Key::Date {
        year: 2000,
        month: 1,
        day: 1,
    };
    let this = Key::Date {
        year: 2000,
        month,
        day,
    };
    Some(this.days()? - january.days()?)
}

/// Are two values of one kind close enough to be rival versions of the same fact?
fn close(a: Key, b: Key) -> bool {
    if let (Some(x), Some(y)) = (a.days(), b.days()) {
        return (x - y).abs() <= DATE_WINDOW_DAYS;
    }
    // A day whose year is left out: within the window in some year.
    if let (Some(x), Some(y)) = (in_any_year(a), in_any_year(b)) {
        let apart = (x - y).abs();
        return apart.min(365 - apart) <= DATE_WINDOW_DAYS;
    }
    let within = |x: f64, y: f64| x > 0.0 && y > 0.0 && x.max(y) / x.min(y) <= AMOUNT_FACTOR;
    match (a, b) {
        (Key::Money { amount: x, .. }, Key::Money { amount: y, .. }) => {
            within(x.value(), y.value())
        }
        (Key::Num(x), Key::Num(y)) => within(x.value(), y.value()),
        _ => false,
    }
}

/// What a source's whole text gives, read once for all its statements: every fact it
/// holds (`ground::holds`) and its counts with the spans of time they measure
/// (`ground::periods`).
pub struct Given {
    pub holds: BTreeSet<Key>,
    pub counted: Vec<ground::Counted>,
}

impl Given {
    pub fn of(text: &str) -> Self {
        Given {
            holds: ground::holds(text),
            counted: ground::periods(text),
        }
    }
}

/// A statement one source makes, for `between`: its sentence in the synthesis's language,
/// the source sentence behind it, the source's whole text and what that gives (`Given`).
pub struct Said<'a> {
    pub source: &'a str,
    pub text: &'a str,
    pub context: &'a str,
    pub source_text: &'a str,
    pub given: &'a Given,
}

impl Said<'_> {
    /// Does this statement's source give `fact` itself (a rival version is then a contrast
    /// inside it, not between sources)? A count of people (`units`, as `unit` finds them)
    /// is not given by the same number counting something else there ("1 500 mètres cubes
    /// par seconde" beside "1,500 people"): people-words are one class in both languages,
    /// so this holds across them. Other counts are taken as given, for their words may be
    /// in another language than the source's.
    fn gives(&self, fact: &Fact, units: &[String], spans: &[Period]) -> bool {
        if !knows(&self.given.holds, fact.key) {
            return false;
        }
        if FactKind::of(fact.key) != Some(FactKind::Count) {
            return true;
        }
        // A span of time is told in every language alike ("trois ans", "three years"):
        // "la ligne 3" does not give three years.
        if let (Key::Num(q), false) = (fact.key, spans.is_empty()) {
            return ground::gives_period(&self.given.counted, q, spans, false);
        }
        let people = |u: &[String]| u.first().is_some_and(|w| w == PEOPLE[0]);
        ground::facts(self.source_text)
            .iter()
            .filter(|f| f.key == fact.key)
            .any(|f| {
                let there = unit(self.source_text, &f.raw);
                there.is_empty()
                    || shared_unit(&there, units).is_some()
                    || !(people(&there) || people(units))
            })
    }
}

/// The first word of three letters or more after `raw` in `text`, as written.
fn next_word(text: &str, raw: &str) -> String {
    let after = text.find(raw).map_or("", |i| &text[i + raw.len()..]);
    after
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .find(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_default()
        .to_string()
}

/// What a count may be counting: the words right after it (up to three, before any
/// punctuation or other figure), cut to six letters ("passengers", "passager" apart;
/// statements compared here are in one language). The first is the likeliest.
fn unit(text: &str, raw: &str) -> Vec<String> {
    let after = text.find(raw).map_or("", |i| &text[i + raw.len()..]);
    let clause = after
        .split(|c: char| matches!(c, ',' | ';' | ':' | '.' | '(' | ')') || c.is_ascii_digit())
        .next()
        .unwrap_or_default();
    ground::fold(clause)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
        // The word right after the count may be short ("64 ans"); past it, three-letter
        // words are mostly joiners ("and", "les").
        .filter(|(i, w)| w.chars().count() >= if *i == 0 { 3 } else { 4 })
        .take(3)
        .map(|(_, w)| {
            let stem: String = w.chars().take(6).collect();
            match PEOPLE.contains(&stem.as_str()) {
                true => PEOPLE[0].to_string(),
                false => stem,
            }
        })
        .collect()
}

/// Which values a figure's qualifier admits besides its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// "more than 4,000": any value above.
    Over,
    /// "at least 4,000": that value or any above.
    AtLeast,
    /// "fewer than 4,000": any value below.
    Under,
    /// "up to 4,000": that value or any below.
    UpTo,
    /// "nearly 4,000": short of it.
    Nearly,
    /// "about 4,000": an estimate, shown as such, a rival of a value further than `NEAR`
    /// from it.
    Near,
}

impl Bound {
    /// How this language says it before a count. Each bound keeps its own words: "au moins
    /// 4 ans" is not "more than 4 years".
    fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Bound::Over, Lang::Fr) => "plus de",
            (Bound::Over, Lang::En) => "more than",
            (Bound::AtLeast, Lang::Fr) => "au moins",
            (Bound::AtLeast, Lang::En) => "at least",
            (Bound::Under, Lang::Fr) => "moins de",
            (Bound::Under, Lang::En) => "fewer than",
            (Bound::UpTo, Lang::Fr) => "jusqu'à",
            (Bound::UpTo, Lang::En) => "up to",
            (Bound::Nearly, Lang::Fr) => "presque",
            (Bound::Nearly, Lang::En) => "nearly",
            (Bound::Near, Lang::Fr) => "environ",
            (Bound::Near, Lang::En) => "about",
        }
    }

    /// Does it admit values above the figure ("more than", "at least")?
    fn above(self) -> bool {
        matches!(self, Bound::Over | Bound::AtLeast)
    }

    /// Does it admit values below the figure ("fewer than", "up to", "nearly")?
    fn below(self) -> bool {
        matches!(self, Bound::Under | Bound::UpTo | Bound::Nearly)
    }
}

/// Words right before a figure that make it a bound or an estimate, in the languages
/// sources come in: grammar, not a subject's vocabulary.
const QUALIFIERS: &[(&str, Bound)] = &[
    ("more than", Bound::Over),
    ("over", Bound::Over),
    ("above", Bound::Over),
    ("at least", Bound::AtLeast),
    ("plus de", Bound::Over),
    ("au moins", Bound::AtLeast),
    ("más de", Bound::Over),
    ("al menos", Bound::AtLeast),
    ("less than", Bound::Under),
    ("fewer than", Bound::Under),
    ("under", Bound::Under),
    ("up to", Bound::UpTo),
    ("nearly", Bound::Nearly),
    ("almost", Bound::Nearly),
    ("moins de", Bound::Under),
    ("jusqu'à", Bound::UpTo),
    ("jusqu’à", Bound::UpTo),
    ("presque", Bound::Nearly),
    ("menos de", Bound::Under),
    ("hasta", Bound::UpTo),
    ("casi", Bound::Nearly),
    ("about", Bound::Near),
    ("around", Bound::Near),
    ("roughly", Bound::Near),
    ("approximately", Bound::Near),
    ("some", Bound::Near),
    ("environ", Bound::Near),
    ("près de", Bound::Near),
    ("quelque", Bound::Near),
    ("unos", Bound::Near),
    ("unas", Bound::Near),
    ("alrededor de", Bound::Near),
    ("cerca de", Bound::Near),
];

/// The qualifier written right before `raw` in `text` ("plus de" 4 000), as written.
fn qualifier<'t>(text: &'t str, raw: &str) -> Option<(&'t str, Bound)> {
    let found = text.find(raw)?;
    let before = text[..found].trim_end();
    let lower = before.to_lowercase();
    if lower.len() != before.len() {
        return None;
    }
    QUALIFIERS.iter().find_map(|(q, bound)| {
        let at = lower.strip_suffix(q).map(str::len)?;
        let boundary = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let span = *q == "over" && spans_time(&lower[..at], &text[found + raw.len()..]);
        // Of the same length as `before`, so the same bytes.
        (boundary && !span && before.is_char_boundary(at)).then(|| (&before[at..], *bound))
    })
}

/// Is an "over" that opens a clause (`before` it: nothing, or a comma) and comes before a
/// length of time (`after` the figure: "years", "months"…) the time something took, not a
/// bound: "Over fifteen years, 6,000 people took part" says during fifteen years, and "plus
/// de 15 ans" does not translate it. After a verb or "for" ("it took over two years"), it
/// is a bound.
fn spans_time(before: &str, after: &str) -> bool {
    const UNITS: &[&str] = &["year", "month", "week", "day", "decade", "hour", "centur"];
    let opens = before.trim_end().is_empty() || before.trim_end().ends_with(',');
    let unit = after.trim_start().to_lowercase();
    opens && UNITS.iter().any(|u| unit.starts_with(u))
}

/// The bound `text` sets on its fact `f`, where it qualifies it.
fn bound_of(text: &str, f: &Fact) -> Option<Bound> {
    qualifier(text, &f.raw).map(|q| q.1)
}

/// Does `claim` set a bound on a figure that its source gives without that bound ("more
/// than 1,500 people" where the source has "unas 1.500" or "1 500 personnes")? That is a
/// claim the source does not make. Leaving a bound out ("4 200 hectares" for "plus de
/// 4 200") is not, nor is an estimate ("about").
pub fn adds_bound(claim: &str, source: &str) -> bool {
    ground::facts(claim).iter().any(|f| {
        let Some(b) = bound_of(claim, f).filter(|b| b.above() || b.below()) else {
            return false;
        };
        // "more than" is backed by "at least": the same side of the figure.
        let side = |x: Bound| (x.above(), x.below());
        let giving: Vec<(&str, Fact)> = sentences(source)
            .into_iter()
            .flat_map(|s| ground::facts(s).into_iter().map(move |g| (s, g)))
            .filter(|(_, g)| g.key == f.key)
            .collect();
        // A figure the source writes otherwise than it is read ("10 percent" is read "10
        // %") has no place to look for its bound: the source may well set it.
        let unread = giving.iter().any(|(s, g)| !s.contains(&g.raw));
        !giving.is_empty()
            && !unread
            && !giving
                .iter()
                .any(|(s, g)| bound_of(s, g).map(side) == Some(side(b)))
    })
}

/// Does `translation` keep the bounds `original` sets on its figures ("up to 70 km/h"
/// for "jusqu'à 70 km/h", not "at 70 km/h"; "more than 4,200", not "fewer than"), and
/// set none on a figure it gives bare ("plus de 15 ans" for "over fifteen years, …")? A
/// translation says what its original says: "70 km/h" is a claim "jusqu'à 70 km/h" does
/// not make. An estimate may be said either way ("près de" as "nearly") or lose its
/// "about"; a figure the translation does not give as its original does (written out,
/// or read otherwise) is another check's (`keeps_counts`).
pub fn keeps_bounds(original: &str, translation: &str) -> bool {
    let theirs = ground::facts(translation);
    let ours = ground::facts(original);
    // A bound on a figure its original gives bare, as written ("fifteen", not read
    // otherwise).
    let added = theirs.iter().any(|g| {
        if !bound_of(translation, g).is_some_and(|b| b.above() || b.below()) {
            return false;
        }
        let mine: Vec<&Fact> = ours
            .iter()
            .filter(|f| f.key == g.key && original.contains(&f.raw))
            .collect();
        !mine.is_empty() && mine.iter().all(|f| bound_of(original, f).is_none())
    });
    !added
        && ours.iter().all(|f| {
            let Some(bound) = bound_of(original, f) else {
                return true;
            };
            let given: Vec<Option<Bound>> = theirs
                .iter()
                .filter(|g| g.key == f.key && translation.contains(&g.raw))
                .map(|g| bound_of(translation, g))
                .collect();
            let agrees = |b: Option<Bound>| match (bound, b) {
                (Bound::Near, None) => true,
                (_, None) => false,
                (a, Some(b)) if a.above() => b.above(),
                (_, Some(b)) => !b.above(),
            };
            given.is_empty() || given.into_iter().any(agrees)
        })
}

/// How far from its value an estimate ("about", "près de") reaches: a value within it is
/// the same figure, told roughly.
const NEAR: f64 = 0.05;

/// Does a figure qualified as `bound` at `value` admit `other` (4,200 is "more than
/// 4,000"), given `other`'s own qualifier?
fn admits(bound: Option<Bound>, value: Key, other: Key, other_bound: Option<Bound>) -> bool {
    let (Some(x), Some(y)) = (magnitude(value), magnitude(other)) else {
        return false;
    };
    match bound {
        // "près de 300" admits 312; "environ 3 900 hectares" admits neither 4 200 nor
        // "more than 4,000", which sets a bound of its own.
        Some(Bound::Near) => other_bound.is_none() && (y - x).abs() <= NEAR * x,
        Some(b) if b.above() => y >= x,
        Some(_) => y <= x,
        None => false,
    }
}

/// An amount's or a count's value.
fn magnitude(key: Key) -> Option<f64> {
    match key {
        Key::Money { amount, .. } | Key::Num(amount) => Some(amount.value()),
        _ => None,
    }
}

/// Words that count people as such, cut to six letters: "1 200 habitants" and "1 450
/// personnes" (or "1,500 people", "residents") count the same thing, where "1,200 homes"
/// and "1,450 people" do not. Grammar of counting, not a subject's vocabulary.
const PEOPLE: &[&str] = &[
    "person", "people", "habita", "inhabi", "reside", "indivi", "gens",
];

/// Do statements `a` and `b` each give a count of one particular thing, the word right
/// after it ("Quatorze prévenus comparaissaient", "Douze prévenus au total")? That word
/// ties them as two or more shared words tie other statements. Not a span of time ("trois
/// ans") nor people as such ("12 personnes"), which count too many things.
pub fn count_one_thing(a: &str, b: &str) -> bool {
    one_thing(&counted_things(a), &counted_things(b))
}

/// What each count of `sentence` may count (`unit`), but for spans of time.
fn counted_things(sentence: &str) -> Vec<Vec<String>> {
    ground::facts(sentence)
        .into_iter()
        .filter(|f| FactKind::of(f.key) == Some(FactKind::Count))
        .filter(|f| ground::period(&next_word(sentence, &f.raw)).is_none())
        .map(|f| unit(sentence, &f.raw))
        .filter(|u| !u.is_empty())
        .collect()
}

/// Do two sentences' counts (`counted_things`) count one particular thing ("Fourteen
/// other defendants", "Twelve defendants"), not people as such?
fn one_thing(a: &[Vec<String>], b: &[Vec<String>]) -> bool {
    a.iter().any(|x| {
        b.iter()
            .any(|y| shared_unit(x, y).is_some_and(|u| u != PEOPLE[0]))
    })
}

/// Rival counts of one particular thing in the sources' own sentences (`texts`: id, text,
/// language), between two sources: in one language, whose counted words are compared as
/// written ("Quatorze prévenus comparaissaient …", "Douze prévenus au total …"); in two,
/// whose counted words name one of `concepts` ("250 jobs", "240 salariés": the
/// workforce). Found where a summary lost the sentence that gives one, as small models'
/// summaries often do. `between` is as strict as between statements; dates and amounts
/// are left to them.
pub fn counts_in_texts(texts: &[(&str, &str, Lang)], concepts: &Concepts) -> Vec<Disagreement> {
    let given: Vec<Given> = texts.iter().map(|t| Given::of(t.1)).collect();
    let counting: Vec<(usize, &str, Vec<Vec<String>>)> = texts
        .iter()
        .enumerate()
        .flat_map(|(k, t)| sentences(t.1).into_iter().map(move |s| (k, s)))
        .filter(|(_, s)| !is_reference(s))
        .map(|(k, s)| (k, s, counted_things(s)))
        .filter(|(.., things)| !things.is_empty())
        .collect();
    fn said<'a>(
        texts: &[(&'a str, &'a str, Lang)],
        given: &'a [Given],
        k: usize,
        s: &'a str,
    ) -> Said<'a> {
        Said {
            source: texts[k].0,
            text: s,
            context: s,
            source_text: texts[k].1,
            given: &given[k],
        }
    }
    let named = |a: &[String], b: &[String]| concepts.shared(a, b);
    let mut out = Vec::new();
    for (x, a) in counting.iter().enumerate() {
        for b in counting[x + 1..].iter().filter(|b| b.0 != a.0) {
            let pair = [said(texts, &given, a.0, a.1), said(texts, &given, b.0, b.1)];
            if texts[a.0].2 == texts[b.0].2 {
                if one_thing(&a.2, &b.2) {
                    between(&pair, false, &mut out);
                }
            } else {
                between_counting(&pair, false, &named, &mut out);
            }
        }
    }
    out.retain(|d| d.kind == FactKind::Count);
    out
}

/// What two counts both count, if they count the same thing: the word one names first
/// that is among the other's ("260 regional and national trains", "312 trains": "trains").
fn shared_unit<'a>(a: &'a [String], b: &'a [String]) -> Option<&'a str> {
    let first_in = |x: &'a [String], y: &[String]| x.first().filter(|w| y.contains(w));
    first_in(a, b)
        .or_else(|| first_in(b, a))
        .map(String::as_str)
}

/// The word after `raw` in `text` whose first six letters are `unit` ("trains" in "260
/// regional and national trains"); else the word right after it.
fn counted_word(text: &str, raw: &str, unit: Option<&str>) -> String {
    let after = text.find(raw).map_or("", |i| &text[i + raw.len()..]);
    let words = after.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’');
    unit.and_then(|u| {
        words
            .take(8)
            .find(|w| ground::fold(w).chars().take(6).collect::<String>() == u)
    })
    .map_or_else(|| next_word(text, raw), str::to_string)
}

/// `d`, found between statements in the other language, with its counts worded as
/// `here` (statements in this language: source, text) word them: a source's own figure as
/// its statement here writes it (counting the same word, or what the same one of
/// `concepts` names: "250 jobs", "250 emplois"), else as its source sentence writes it
/// where that is in this language, else the number with what another version here counts
/// ("312 trains" beside "260 trains": both count one thing), else the number alone.
pub fn in_words_of(
    mut d: Disagreement,
    here: &[(&str, &str)],
    lang: Lang,
    concepts: &Concepts,
) -> Disagreement {
    if d.kind != FactKind::Count {
        return d;
    }
    let worded = |v: &Version| {
        // What the version counts: its word after the number ("1 200", spaces and all),
        // as `unit` reads it.
        let counts = fact_of(&v.text, v.key)
            .map(|f| unit(&v.text, &f.raw))
            .unwrap_or_default();
        here.iter()
            .filter(|(src, _)| v.sources.iter().any(|s| s == src))
            .find_map(|(_, text)| {
                let f = fact_of(text, v.key)?;
                // The same number counting something else ("1 500 mètres cubes par
                // seconde" for "1,500 people") is not this version's wording.
                let here_counts = unit(text, &f.raw);
                // In another language, a count of what the same concept names ("250
                // jobs", "250 emplois") is.
                let same = counts.first().is_none_or(|u| here_counts.contains(u))
                    || concepts.shared(&counts, &here_counts).is_some();
                same.then(|| (in_digits(&f), counted_word(text, &f.raw, None)))
            })
    };
    let own: Vec<Option<(String, String)>> = d.versions.iter().map(worded).collect();
    // The counted word apart from the number, which may hold spaces ("1 200").
    let counted = own
        .iter()
        .flatten()
        .map(|(_, w)| w.clone())
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    for (v, own) in d.versions.iter_mut().zip(own) {
        // A count read in its source's own sentence, in this language, is worded there.
        let word = v.text.rsplit(' ').next().unwrap_or_default();
        if own.is_none()
            && !v.bare()
            && v.context.contains(word)
            && !language::in_another_language(&v.context, lang)
        {
            continue;
        }
        let (number, word) = own.unwrap_or_else(|| {
            // "over 4,000" stays a bound, said this language's way.
            let bound = fact_of(&v.text, v.key)
                .and_then(|f| qualifier(&v.text, &f.raw))
                .map_or("", |(_, b)| b.word(lang));
            let number = format!("{bound} {}", display(v.key, lang));
            // A span of time is said in this language ("au moins 4 ans": "at least 4
            // years"), whatever another version counts.
            let span = match v.key {
                Key::Num(q) => ground::spans_of(&ground::periods(&v.text), q)
                    .first()
                    .map(|p| p.word(lang, q.value()).to_string()),
                _ => None,
            };
            (
                number.trim().to_string(),
                span.unwrap_or_else(|| counted.clone()),
            )
        });
        v.text = format!("{number} {word}").trim().to_string();
    }
    d
}

/// `d` with each count that is still a number alone, once every statement and source in
/// `lang` has had its say (`in_words_of`, `extend`), given the word its own sentence counts
/// (`their_word`): "14 “prévenus” according to [S1][S3]" rather than "14 according to
/// [S1][S3]".
pub fn name_bare_counts(d: &mut Disagreement, lang: Lang) {
    if d.kind != FactKind::Count {
        return;
    }
    for v in &mut d.versions {
        if !v.bare() {
            continue;
        }
        if let Some(word) = their_word(v, lang) {
            v.text = format!("{} {word}", v.text);
        }
    }
}

/// What a version counts, as its own sentence names it: quoted where that sentence is in
/// the other language than `lang` ("14 “prévenus”"), so a count keeps its thing and no word
/// is translated by guess. A grammar word after the number ("14 de ses …") names nothing:
/// none.
fn their_word(v: &Version, lang: Lang) -> Option<String> {
    let f = fact_of(&v.context, v.key)?;
    let word = next_word(&v.context, &f.raw);
    if word.chars().count() < 4 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    if !crate::checks::language::in_another_language(&v.context, lang) {
        return Some(word);
    }
    Some(match lang {
        Lang::Fr => format!("« {word} »"),
        Lang::En => format!("“{word}”"),
    })
}

/// A figure as a version shows it: as its source writes it, in digits where it spells a
/// count out ("Quatorze prévenus" is shown "14 prévenus", in a line that names several).
fn in_digits(f: &Fact) -> String {
    match f.key {
        Key::Num(q) if !f.raw.chars().any(|c| c.is_ascii_digit()) => format!("{}", q.value()),
        _ => f.raw.clone(),
    }
}

/// A source that a disagreement over a count leaves out, though its text gives the same
/// count its own way: one source's summary may have lost the sentence (its translation
/// failed a check) while the source still gives a version. Added where the source's text
/// gives exactly one count of the same thing (`unit`, the same first six letters: across
/// languages that holds for "hectares", "hectáreas", "trains", and people-words) close to
/// every version, none set beside another party's (`parties`); as its value, in this
/// language's form, with the word the versions count (`same`: whether the source is in
/// `lang`, so its own word may do). Two such counts or none: left as it is, never a guess.
/// A source whose words for the thing are not these (in the other language: "Fourteen
/// other defendants" beside "14 prévenus") joins a version where the one count close to
/// every version that its text gives is that version's value. Not spans of
/// time, which count too many things ("two years of consultation", "three years of
/// works").
pub fn extend(d: &mut Disagreement, texts: &[(&str, &str, bool)], lang: Lang) {
    if d.kind != FactKind::Count {
        return;
    }
    let spans = |t: &str, k: Key| match k {
        Key::Num(q) => !ground::spans_of(&ground::periods(t), q).is_empty(),
        _ => false,
    };
    if d.versions
        .iter()
        .any(|v| spans(&v.text, v.key) || spans(&v.context, v.key))
    {
        return;
    }
    let units: Vec<(Vec<String>, String)> = d
        .versions
        .iter()
        .map(|v| {
            // Worded by its number alone, a version still counts what its source
            // sentence says it counts.
            let mut counts = Vec::new();
            let mut word = String::new();
            for t in [&v.text, &v.context] {
                let Some(f) = fact_of(t, v.key) else {
                    continue;
                };
                counts = unit(t, &f.raw);
                if !counts.is_empty() {
                    word = counted_word(t, &f.raw, None);
                    break;
                }
            }
            (counts, word)
        })
        .collect();
    let Some(first) = units.iter().find_map(|(u, _)| u.first().cloned()) else {
        return;
    };
    // The versions' own word, where one is written in this language.
    let word = d
        .versions
        .iter()
        .zip(&units)
        .find(|(v, (u, _))| u.first() == Some(&first) && v.text.ends_with(char::is_alphabetic))
        .map(|(_, (_, w))| w.clone())
        .unwrap_or_default();
    for (id, text, same) in texts {
        if d.versions.iter().any(|v| v.sources.iter().any(|s| s == id)) {
            continue;
        }
        // Read once: the counts close to every version that the text gives, none set
        // beside another party's; those that count what the versions count (`found`),
        // and those of anything but a span of time (`near`).
        let mut found: Vec<(Fact, &str)> = Vec::new();
        let mut near: Vec<Key> = Vec::new();
        for sentence in sentences(text) {
            let party: Vec<Key> = parties(sentence).into_iter().map(|(f, _)| f.key).collect();
            for f in ground::facts(sentence) {
                let close_count = FactKind::of(f.key) == Some(FactKind::Count)
                    && d.versions.iter().all(|v| close(v.key, f.key))
                    && !party.contains(&f.key);
                if !close_count {
                    continue;
                }
                if !spans(sentence, f.key) && !near.contains(&f.key) {
                    near.push(f.key);
                }
                let counts = unit(sentence, &f.raw).first() == Some(&first);
                if counts && !found.iter().any(|(g, _)| g.key == f.key) {
                    found.push((f, sentence));
                }
            }
        }
        // The one such count, whatever it counts, where it is a version's value.
        if let [k] = near.as_slice() {
            if let Some(v) = d.versions.iter_mut().find(|v| v.key == *k) {
                v.add_source(id);
                continue;
            }
        }
        let [(f, sentence)] = found.as_slice() else {
            continue;
        };
        if let Some(v) = d.versions.iter_mut().find(|v| v.key == f.key) {
            v.add_source(id);
            continue;
        }
        let bound = qualifier(sentence, &f.raw).map_or("", |(_, b)| b.word(lang));
        let counted = match same {
            true => counted_word(sentence, &f.raw, Some(&first)),
            false => word.clone(),
        };
        d.versions.push(Version {
            key: f.key,
            text: format!("{bound} {} {counted}", display(f.key, lang))
                .trim()
                .to_string(),
            sources: vec![id.to_string()],
            context: sentence.chars().take(240).collect(),
        });
    }
    // A version worded by its number alone ("4 000", found in the other language) counts
    // what another version here names.
    let named = d
        .versions
        .iter()
        .find(|v| !v.text.ends_with(|c: char| c.is_ascii_digit()))
        .and_then(|v| {
            let f = fact_of(&v.text, v.key)?;
            Some(counted_word(&v.text, &f.raw, Some(&first)))
        });
    if let Some(w) = named {
        for v in &mut d.versions {
            if v.text.ends_with(|c: char| c.is_ascii_digit()) {
                v.text = format!("{} {w}", v.text);
            }
        }
    }
    // In the sources' order, as every list of them is.
    d.versions
        .sort_by_key(|v| v.sources.first().map_or(u32::MAX, |s| source_rank(s)));
}

/// Words that attribute a figure to someone ("selon la police", "according to the
/// organisers"): grammar, not a subject's vocabulary.
const ATTRIBUTION: &[&str] = &[
    "selon",
    "d'après",
    "d’après",
    "according to",
    "per",
    "estimated by",
    "said",
    "says",
];

/// Is the text after "per" someone ("per the ministry", "per Reuters") rather than the
/// rest of a rate ("1,500 cubic metres per second", "3 per cent", "per capita")?
fn names_someone(after: &str) -> bool {
    let next = after.split_whitespace().next().unwrap_or_default();
    next == "the" || next.starts_with(|c: char| c.is_uppercase())
}

/// The amounts and counts of a sentence that it attributes to someone, each with the words
/// naming who ("selon les syndicats"): a marker of `ATTRIBUTION` within seven words after
/// the figure, up to the next comma, full stop or figure.
pub fn attributions(sentence: &str) -> Vec<(Fact, String)> {
    read_attributions(sentence, false)
}

/// `attributions`, and the figures a clause gives as someone's by naming them before
/// (`named_before`: "Selon le syndicat, 2 000 emplois …", "la direction parle de 800"):
/// for telling two parties' figures in one sentence apart. Not for ruling out rivals: a
/// source's "D'après la préfecture, 1 450 personnes" against another's "1 200 habitants"
/// evacuated by the same prefecture is still two versions of one count.
pub fn claims(sentence: &str) -> Vec<(Fact, String)> {
    read_attributions(sentence, true)
}

/// The figures a sentence sets side by side as two parties' or more (`claims` naming two
/// parties at least: "1,2 million selon la CGT, 450 000 selon la police"); none where it
/// gives one figure as one party's ("4 200 hectares selon la préfecture", "officials
/// said"), which is how a source reports a fact, and can be another source's rival.
pub fn parties(sentence: &str) -> Vec<(Fact, String)> {
    let found = claims(sentence);
    let who: BTreeSet<&str> = found.iter().map(|(_, w)| w.as_str()).collect();
    if found.len() < 2 || who.len() < 2 {
        return Vec::new();
    }
    found
}

fn read_attributions(sentence: &str, before: bool) -> Vec<(Fact, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    for f in ground::facts(sentence) {
        if !matches!(
            FactKind::of(f.key),
            Some(FactKind::Amount | FactKind::Count)
        ) {
            continue;
        }
        let Some(at) = sentence[from..].find(&f.raw).map(|i| i + from) else {
            continue;
        };
        from = at + f.raw.len();
        let after = &sentence[from..];
        let near: String = after
            .split_whitespace()
            .take(8)
            .collect::<Vec<_>>()
            .join(" ");
        let lower = near.to_lowercase();
        let Some(m) = ATTRIBUTION
            .iter()
            .filter_map(|m| {
                lower
                    .find(&format!("{m} "))
                    .filter(|&i| i == 0 || lower.as_bytes()[i - 1] == b' ')
                    .filter(|&i| *m != "per" || names_someone(&near[i + m.len() + 1..]))
            })
            .min()
        else {
            if let Some(who) = named_before(&sentence[..at]).filter(|_| before) {
                out.push((f, who));
            }
            continue;
        };
        let start = after.find(&near[m..]).unwrap_or(0);
        if let Some(verb) = ["said", "says"].iter().find(|v| lower[m..].starts_with(*v)) {
            // "…, the police said": who is named before the verb, in its clause.
            let upto = &after[..start + verb.len()];
            let who = upto.rsplit([',', ';', '.']).next().unwrap_or(upto);
            out.push((f, who.trim().to_string()));
            continue;
        }
        let rest = &after[start..];
        let end = rest
            .find(|c: char| matches!(c, ',' | ';' | '.' | ')' | ':') || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let who = &rest[..end];
        let who = [" et ", " and ", " mais ", " but "]
            .iter()
            .filter_map(|w| who.find(w))
            .min()
            .map_or(who, |i| &who[..i]);
        out.push((f, who.trim().to_string()));
    }
    out
}

/// Does `clause` open by naming whose figures follow ("Selon la CGT, …", "According to the
/// prefecture, …")?
pub fn opens_on_attribution(clause: &str) -> bool {
    let lower = clause.trim_start().to_lowercase();
    ["selon ", "d'après ", "d’après ", "according to "]
        .iter()
        .any(|m| lower.starts_with(m))
}

/// Verbs by which someone puts forward a figure of their own, right before it ("la
/// direction parle de 800 départs", "the union speaks of 2,000 jobs").
const CLAIMING: &[&str] = &[
    "parle de",
    "parlent de",
    "évoque",
    "évoquent",
    "speaks of",
    "speak of",
    "talks of",
    "talk of",
    "cites",
    "cite",
];

/// Who a figure whose clause runs up to it (`before`: the sentence up to the figure) is
/// given by, where the clause says so before it: it opens on "Selon X," (the figure after
/// the comma, and after a relative clause on X: "Selon l'association, qui regroupe 87
/// boutiques, …" gives 87 as a fact about it, not as its figure), or names X right before a
/// verb of `CLAIMING` ("la direction parle de" 800).
fn named_before(before: &str) -> Option<String> {
    let start = before.rfind([';', '.', ':', '!', '?']).map_or(0, |i| i + 1);
    let clause = before[start..].trim_start();
    let lower = clause.to_lowercase();
    if opens_on_attribution(clause) {
        let (who, rest) = clause.split_once(',')?;
        let rest = rest.trim_start();
        let relative = ["qui ", "dont ", "which ", "who "]
            .iter()
            .any(|r| rest.starts_with(r));
        if relative && !rest.contains(',') {
            return None;
        }
        // "selon la CGT" as it reads after the figure it is shown with.
        let who = who.trim();
        let mut c = who.chars();
        return c
            .next()
            .map(|first| first.to_lowercase().chain(c).collect());
    }
    let words: Vec<&str> = clause.split_whitespace().collect();
    let tail = words[words.len().saturating_sub(3)..]
        .join(" ")
        .to_lowercase();
    let Some(verb) = CLAIMING.iter().find(|v| {
        tail.ends_with(*v)
            || tail.ends_with(&format!("{v} quelque"))
            || tail.ends_with(&format!("{v} some"))
    }) else {
        return reported_by(clause);
    };
    let at = lower.rfind(verb)?;
    let subject = clause[..at].rsplit(',').next()?.trim();
    (!subject.is_empty() && subject.split_whitespace().count() <= 6).then(|| subject.to_string())
}

/// Words that join two parties' clauses in one sentence ("Le parquet évaluait … à 2,3
/// millions, quand la défense …", "Prosecutors put … at 2.3 million, while the defence
/// …"): grammar, in both languages.
const CLAUSE_JOINS: &[&str] = &[
    " quand ",
    " tandis que ",
    " alors que ",
    ", mais ",
    " while ",
    " whereas ",
    ", but ",
];

/// Beginnings of verbs by which someone puts a figure forward as their estimate or their
/// claim, folded: "évaluait", "estime", "reconnaissait", "put … at", "argued", "claims".
const REPORTING: &[&str] = &[
    "estim",
    "evalu",
    "chiffr",
    "affirm",
    "reconn",
    "assur",
    "avanc",
    "declar",
    "soutien",
    "soutenai",
    "preten",
    "admet",
    "admett",
    "put",
    "puts",
    "argu",
    "claim",
    "reckon",
    "insist",
    "acknowledg",
    "admit",
    "said",
    "say",
];

/// Words that may stand between a subject and its verb ("la défense ne reconnaissait",
/// "Prosecutors had put").
const BETWEEN_SUBJECT_AND_VERB: &[&str] = &[
    "ne", "n'", "n’", "a", "avait", "ont", "avaient", "had", "has", "have", "did", "does",
];

/// Who the clause that runs up to a figure (`clause`, cut at the last of `CLAUSE_JOINS`)
/// gives it as: its subject, a noun of four words at most opened by an article or a
/// capital, when the verb after it is one of `REPORTING`.
fn reported_by(clause: &str) -> Option<String> {
    let start = CLAUSE_JOINS
        .iter()
        .filter_map(|j| clause.rfind(j).map(|i| i + j.len()))
        .max()
        .unwrap_or(0);
    let words: Vec<&str> = clause[start..].split_whitespace().collect();
    let first = ground::fold(words.first()?);
    const ARTICLES: &[&str] = &["le", "la", "les", "the", "un", "une", "des", "a", "an"];
    let opens = ARTICLES.contains(&first.as_str())
        || first.starts_with("l'")
        || first.starts_with("l’")
        || words[0].starts_with(char::is_uppercase);
    if !opens {
        return None;
    }
    let verb = words.iter().position(|w| {
        let w = ground::fold(w);
        REPORTING.iter().any(|r| w.starts_with(r))
    })?;
    let mut end = verb;
    while end > 1 && BETWEEN_SUBJECT_AND_VERB.contains(&ground::fold(words[end - 1]).as_str()) {
        end -= 1;
    }
    let subject = &words[..end];
    let plain = subject
        .iter()
        .all(|w| w.chars().all(|c| c.is_alphabetic() || "'’-".contains(c)));
    (!subject.is_empty() && subject.len() <= 4 && plain).then(|| {
        let who = subject.join(" ");
        let mut c = who.chars();
        c.next()
            .map(|f| f.to_lowercase().chain(c).collect())
            .unwrap_or_default()
    })
}

/// Adds to `out` the rival values among statements that say the same thing (each from
/// another source; merged into a disagreement of `out` that shares a version), on any subject and with no word list: a date, amount
/// or count that two sources give with close but different values, where neither
/// source's text holds the other's value (a source that gives both tells two events
/// apart itself, or sets one figure against another). A figure its statement (or the source
/// sentence behind it) sets beside another party's ("selon la police", `parties`) is that
/// party's, not the source's: never a rival; one figure given as one party's ("4 200
/// hectares selon la préfecture", "officials said") is how a source reports it. A bound
/// ("more than 4,000") is no rival of a value it admits (4,200). Counts
/// must count the same thing (the word after them). Dates are rivals only where the
/// statements say the same thing (`one_event`, as the caller finds it): "an audit
/// published on 3 November" and "the council adopted the route on 14 October" share a
/// subject, not an event.
pub fn between(group: &[Said], one_event: bool, out: &mut Vec<Disagreement>) {
    let same = |a: &[String], b: &[String]| shared_unit(a, b).map(str::to_string);
    between_counting(group, one_event, &same, out);
}

/// What two counts both count, from their counted words (`unit`), if one thing.
type OneThing<'a> = dyn Fn(&[String], &[String]) -> Option<String> + 'a;

/// `between`, where two counts count one thing when `same` finds what both count (the
/// word both give, or a concept both name).
fn between_counting(
    group: &[Said],
    one_event: bool,
    same: &OneThing<'_>,
    out: &mut Vec<Disagreement>,
) {
    type Read = (Fact, FactKind, Vec<String>, Vec<Period>);
    let facts: Vec<Vec<Read>> = group
        .iter()
        .map(|s| {
            let attributed: Vec<Key> = parties(s.text)
                .into_iter()
                .chain(parties(s.context))
                .map(|(f, _)| f.key)
                .collect();
            ground::facts(s.text)
                .into_iter()
                .filter(|f| !attributed.contains(&f.key))
                .filter_map(|f| {
                    let kind = FactKind::of(f.key)?;
                    let (u, spans) = match (kind, f.key) {
                        (FactKind::Count, Key::Num(q)) => (
                            unit(s.text, &f.raw),
                            ground::spans_of(&ground::periods(s.text), q),
                        ),
                        _ => Default::default(),
                    };
                    Some((f, kind, u, spans))
                })
                .collect()
        })
        .collect();
    for a in 0..group.len() {
        for b in a + 1..group.len() {
            if group[a].source == group[b].source {
                continue;
            }
            for (fa, ka, ua, pa) in &facts[a] {
                for (fb, kb, ub, pb) in &facts[b] {
                    let unit = same(ua, ub);
                    let rival = ka == kb
                        && (*ka != FactKind::Count || unit.is_some())
                        && (*ka != FactKind::Date || one_event)
                        // Spans of time are as common as dates: "two years of
                        // consultation" and "three years of works" are two things.
                        && (pa.is_empty() && pb.is_empty() || one_event)
                        && fa.key != fb.key
                        && close(fa.key, fb.key)
                        && !admits(bound_of(group[a].text, fa), fa.key, fb.key, bound_of(group[b].text, fb))
                        && !admits(bound_of(group[b].text, fb), fb.key, fa.key, bound_of(group[a].text, fa))
                        && !group[a].gives(fb, ub, pb)
                        && !group[b].gives(fa, ua, pa);
                    if rival {
                        let pair = [(&group[a], fa), (&group[b], fb)];
                        add_rival(out, *ka, pair, unit.as_deref());
                    }
                }
            }
        }
    }
}

/// Does a text that holds `holds` give `key`? An amount also when the text gives its
/// number with the currency left implicit.
fn knows(holds: &BTreeSet<Key>, key: Key) -> bool {
    holds.contains(&key)
        || matches!(key, Key::Money { amount, .. } if holds.contains(&Key::Num(amount)))
}

/// Records two rival versions: into the disagreement of their kind that already holds one
/// of them (its sources kept in source order), else a new one.
fn add_rival(
    out: &mut Vec<Disagreement>,
    kind: FactKind,
    pair: [(&Said, &Fact); 2],
    unit: Option<&str>,
) {
    let at = out.iter().position(|d| {
        d.kind == kind
            && pair
                .iter()
                .any(|(_, f)| d.versions.iter().any(|v| v.key == f.key))
    });
    let d = match at {
        Some(i) => &mut out[i],
        None => {
            out.push(Disagreement {
                kind,
                topics: Vec::new(),
                versions: Vec::new(),
            });
            out.last_mut().expect("just pushed")
        }
    };
    for (said, fact) in pair {
        match d.versions.iter_mut().find(|v| v.key == fact.key) {
            Some(v) => v.add_source(said.source),
            None => d.versions.push(Version {
                key: fact.key,
                text: {
                    // "about 3,900 hectares": an estimate or a bound is shown as one.
                    let q = qualifier(said.text, &fact.raw).map_or("", |q| q.0);
                    let counted = match kind {
                        FactKind::Count => counted_word(said.text, &fact.raw, unit),
                        _ => String::new(),
                    };
                    format!("{q} {} {counted}", in_digits(fact))
                        .trim()
                        .to_string()
                },
                sources: vec![said.source.to_string()],
                context: said.context.chars().take(240).collect(),
            }),
        }
    }
}

struct Claim<'a> {
    source: &'a str,
    fact: Fact,
    sentence: &'a str,
    topics: BTreeSet<String>,
}

/// The disagreements between `sources` (id, text).
pub fn find(sources: &[(&str, &str)], concepts: &Concepts) -> Vec<Disagreement> {
    let mut claims = Vec::new();
    for (id, text) in sources {
        for s in sentences(text) {
            if is_reference(s) {
                continue;
            }
            let topics = concepts.of(s);
            if topics.is_empty() {
                continue;
            }
            for fact in ground::facts(s) {
                if FactKind::of(fact.key).is_some() {
                    claims.push(Claim {
                        source: id,
                        fact,
                        sentence: s,
                        topics: topics.clone(),
                    });
                }
            }
        }
    }
    // Per topic and kind: values linked when close; each linked group with two values or
    // more, from two sources or more, is a disagreement. The same group found under
    // several topics is one disagreement.
    let mut found: BTreeMap<Vec<Key>, Disagreement> = BTreeMap::new();
    let topics: BTreeSet<&String> = claims.iter().flat_map(|c| c.topics.iter()).collect();
    for topic in topics {
        for k in [FactKind::Date, FactKind::Amount] {
            let here: Vec<&Claim> = claims
                .iter()
                .filter(|c| c.topics.contains(topic) && FactKind::of(c.fact.key) == Some(k))
                .collect();
            let mut values: Vec<Key> = here.iter().map(|c| c.fact.key).collect();
            values.sort_unstable();
            values.dedup();
            // Connected groups of close values.
            let mut group: Vec<usize> = (0..values.len()).collect();
            for i in 0..values.len() {
                for j in i + 1..values.len() {
                    if close(values[i], values[j]) {
                        let (gi, gj) = (group[i], group[j]);
                        for g in group.iter_mut() {
                            if *g == gj {
                                *g = gi;
                            }
                        }
                    }
                }
            }
            let roots: BTreeSet<usize> = group.iter().copied().collect();
            for root in roots {
                let members: Vec<Key> = values
                    .iter()
                    .zip(&group)
                    .filter(|(_, g)| **g == root)
                    .map(|(v, _)| *v)
                    .collect();
                if members.len() < 2 {
                    continue;
                }
                // A source that gives several of the values sets them against each other
                // itself (an announced figure and its own, a forecast and a result): it
                // stands only for the one value no other source gives, its own; with
                // several such values it stands for none, for that contrast is inside it,
                // not between sources.
                let gives = |source: &str, v: Key| {
                    here.iter().any(|c| c.fact.key == v && c.source == source)
                };
                let stands_for = |source: &str, v: Key| {
                    let given: Vec<Key> = members
                        .iter()
                        .copied()
                        .filter(|m| gives(source, *m))
                        .collect();
                    if given.len() == 1 {
                        return true;
                    }
                    let own: Vec<Key> = given
                        .into_iter()
                        .filter(|m| here.iter().all(|c| c.fact.key != *m || c.source == source))
                        .collect();
                    own == [v]
                };
                let versions: Vec<Version> = members
                    .iter()
                    .filter_map(|v| {
                        let of: Vec<&&Claim> = here
                            .iter()
                            .filter(|c| c.fact.key == *v && stands_for(c.source, *v))
                            .collect();
                        if of.is_empty() {
                            return None;
                        }
                        let mut sources: Vec<String> =
                            of.iter().map(|c| c.source.to_string()).collect();
                        sources.sort_by_key(|s| source_rank(s));
                        sources.dedup();
                        Some(Version {
                            key: *v,
                            text: of[0].fact.raw.clone(),
                            sources,
                            context: of[0].sentence.chars().take(240).collect(),
                        })
                    })
                    .collect();
                if versions.len() < 2 {
                    continue;
                }
                let all: BTreeSet<&String> = versions.iter().flat_map(|v| &v.sources).collect();
                if all.len() < 2 {
                    continue;
                }
                let id: Vec<Key> = versions.iter().map(|v| v.key).collect();
                found
                    .entry(id)
                    .and_modify(|d| d.topics.push(topic.clone()))
                    .or_insert(Disagreement {
                        kind: k,
                        topics: vec![topic.clone()],
                        versions,
                    });
            }
        }
    }
    found.into_values().collect()
}

/// A bibliography line ("REUTERS, Title of the article, 8 janvier 2026"): it dates a
/// publication, not the fact the source reports, so its date is no version of anything.
fn is_reference(sentence: &str) -> bool {
    let s = sentence.trim_end_matches(['.', ' ']);
    let Some((head, tail)) = s.rsplit_once(", ") else {
        return false;
    };
    let dated = ground::facts(tail).first().is_some_and(|f| {
        FactKind::of(f.key) == Some(FactKind::Date) && f.raw.len() + 2 >= tail.len()
    });
    dated && head.contains(", ")
}

/// A value written the way `lang` writes it (and the way `ground::facts` reads it back).
pub fn display(key: Key, lang: Lang) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match key {
        Key::Date { year, month, day } => match lang {
            Lang::Fr => format!("{day} {} {year}", ground::FRENCH_MONTHS[month as usize - 1]),
            Lang::En => format!("{} {day}, {year}", EN[month as usize - 1]),
        },
        Key::DayMonth { month, day } => match lang {
            Lang::Fr => format!("{day} {}", ground::FRENCH_MONTHS[month as usize - 1]),
            Lang::En => format!("{} {day}", EN[month as usize - 1]),
        },
        Key::Money { amount, currency } => money(amount.value(), currency, lang),
        Key::Num(q) => count(q.value(), lang),
        other => other.to_string(),
    }
}

/// An amount the way `lang` writes it: "12 milliards d'euros", "12 billion euros".
/// A count as `lang` writes it: "62 000" / "62,000", "1,5" / "1.5".
fn count(x: f64, lang: Lang) -> String {
    let (group, point) = match lang {
        Lang::Fr => (' ', ','),
        Lang::En => (',', '.'),
    };
    let whole = x.trunc() as i64;
    let digits = whole.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if whole < 0 {
        out.insert(0, '-');
    }
    let frac = ((x - x.trunc()).abs() * 1000.0).round() as i64;
    if frac > 0 {
        let f = format!("{frac:03}");
        out.push(point);
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

fn money(x: f64, currency: Currency, lang: Lang) -> String {
    let (n, scale_fr, scale_en) = if x >= 1e9 {
        (x / 1e9, "milliards", "billion")
    } else if x >= 1e6 {
        (x / 1e6, "millions", "million")
    } else {
        (x, "", "")
    };
    // French writes "1,1 million", "2 millions".
    let scale_fr = match n < 2.0 {
        true => scale_fr.trim_end_matches('s'),
        false => scale_fr,
    };
    let n = {
        let r = (n * 100.0).round() / 100.0;
        if scale_fr.is_empty() {
            // "600 000 euros", "600,000 euros": grouped as counts are.
            count(r, lang)
        } else if r.fract() == 0.0 {
            format!("{}", r as i64)
        } else {
            match lang {
                Lang::Fr => format!("{r}").replace('.', ","),
                Lang::En => format!("{r}"),
            }
        }
    };
    let (fr_cur, en_cur) = match currency {
        Currency::Eur => ("d'euros", "euros"),
        Currency::Usd => ("de dollars", "dollars"),
        Currency::Gbp => ("de livres", "pounds"),
    };
    match (lang, scale_fr.is_empty()) {
        (Lang::Fr, false) => format!("{n} {scale_fr} {fr_cur}"),
        (Lang::Fr, true) => format!(
            "{n} {}",
            fr_cur.trim_start_matches("d'").trim_start_matches("de ")
        ),
        (Lang::En, false) => format!("{n} {scale_en} {en_cur}"),
        (Lang::En, true) => format!("{n} {en_cur}"),
    }
}

/// Checks that `synthesis` states every disagreement: each version's value (in any form
/// `ground::facts` reads) attributed to one of the sources that give it, that is followed
/// by a citation of one of them (the next citations after the value in its sentence; the
/// last ones before it when none follow). "[S4] and [S1] give 16 December and 8 January"
/// attributes both dates to S1, so it does not count as stating S4's version.
pub fn verify(synthesis: &str, lang: Lang, found: &[Disagreement]) -> Vec<DisagreementCheck> {
    let stated: Vec<(Key, Vec<String>)> = sentences(synthesis)
        .into_iter()
        .flat_map(attributed)
        .collect();
    found
        .iter()
        .map(|d| {
            let n = d
                .versions
                .iter()
                .filter(|v| {
                    stated.iter().any(|(key, cited)| {
                        *key == v.key && v.sources.iter().any(|s| cited.contains(s))
                    })
                })
                .count();
            DisagreementCheck {
                kind: d.kind,
                topics: d.topics.clone(),
                versions: d
                    .versions
                    .iter()
                    .map(|v| {
                        let ids: String = v.sources.iter().map(|s| format!("[{s}]")).collect();
                        format!("{} {ids}", display(v.key, lang))
                    })
                    .collect(),
                stated: n,
                ok: n == d.versions.len(),
            }
        })
        .collect()
}

/// Each fact of a sentence with the sources it is attributed to (see `verify`).
fn attributed(sentence: &str) -> Vec<(Key, Vec<String>)> {
    // Citations masked with spaces, so positions hold and their numbers are not facts.
    let mut masked = sentence.to_string();
    let mut groups: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut from = 0;
    while let Some(i) = sentence[from..].find("[S").map(|i| i + from) {
        let Some(j) = sentence[i..].find(']').map(|j| i + j + 1) else {
            break;
        };
        let ids = crate::checks::citations::citations(&sentence[i..j]);
        masked.replace_range(i..j, &" ".repeat(j - i));
        // Brackets separated only by spaces or commas are one group: [S2][S4], [S2], [S4].
        match groups.last_mut() {
            Some(g) if sentence[g.1..i].chars().all(|c| c == ' ' || c == ',') => {
                g.1 = j;
                g.2.extend(ids);
            }
            _ => groups.push((i, j, ids)),
        }
        from = j;
    }
    let mut out = Vec::new();
    let mut at = 0;
    for f in ground::facts(&masked) {
        let ids = match masked[at..].find(f.raw.as_str()).map(|p| p + at) {
            Some(p) => {
                at = p + f.raw.len();
                groups
                    .iter()
                    .find(|g| g.0 >= at)
                    .or_else(|| groups.iter().rev().find(|g| g.1 <= p))
                    .map(|g| g.2.clone())
                    .unwrap_or_default()
            }
            // Read from a form not found verbatim: any citation of the sentence.
            None => groups.iter().flat_map(|g| g.2.clone()).collect(),
        };
        out.push((f.key, ids));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of the one fact in `text`.
    fn key(text: &str) -> Key {
        let f = ground::facts(text);
        assert_eq!(f.len(), 1, "{text}");
        f[0].key
    }

    fn concepts() -> Concepts {
        Concepts::parse(include_str!("../../prompts/concepts.txt"))
    }

    #[test]
    fn finds_a_date_and_an_amount_across_languages() {
        let sources = [
            ("S1", "Ce jeudi 8 janvier 2026, le ministère a signé un accord avec la société."),
            ("S2", "Le ministère a notifié, le 16 décembre 2025, un accord-cadre à la société. Le 9 février 2025, rien."),
            ("S3", "Avec une valorisation de 12 milliards d'euros fin 2025, la startup grandit. Elle a investi 1,3 milliard d'euros."),
            ("S4", "The company, which has gained a valuation of approximately $14 billion, signed the agreement on January 8, 2026. France will invest 109 billion euros."),
        ];
        let found = find(&sources, &concepts());
        let versions = |kind: FactKind| -> Vec<(String, Vec<String>)> {
            let d = found.iter().find(|d| d.kind == kind).expect("kind");
            d.versions
                .iter()
                .map(|v| (v.key.to_string(), v.sources.clone()))
                .collect()
        };
        let pair = |k: &str, s: &[&str]| (k.to_string(), s.iter().map(|x| x.to_string()).collect());
        assert_eq!(
            versions(FactKind::Date),
            [
                pair("date:2025-12-16", &["S2"]),
                pair("date:2026-01-08", &["S1", "S4"])
            ]
        );
        assert_eq!(
            versions(FactKind::Amount),
            [
                pair("money:12000000000:EUR", &["S3"]),
                pair("money:14000000000:USD", &["S4"])
            ]
        );
        // 9 February 2025 and 109 bn / 1.3 bn are too far from the rest to be rival versions.
        assert_eq!(found.len(), 2, "{found:#?}");
    }

    #[test]
    fn bibliography_lines_are_not_versions() {
        let sources = [
            ("S1", "Le ministère a notifié, le 16 décembre 2025, un accord-cadre à la société.\nREUTERS, France's ministry awards a framework agreement, 8 janvier 2026"),
            ("S2", "Le ministère a notifié l'accord le 16 décembre 2025."),
        ];
        assert!(find(&sources, &concepts()).is_empty());
        assert!(is_reference(
            "LE MONDE, Le ministère signe un accord, 9 février 2025"
        ));
        assert!(!is_reference(
            "Le ministère a notifié, le 16 décembre 2025, un accord-cadre."
        ));
    }

    #[test]
    fn agreeing_sources_make_no_disagreement() {
        let sources = [
            ("S1", "L'accord a été signé le 8 janvier 2026."),
            ("S2", "The agreement was signed on January 8, 2026."),
        ];
        assert!(find(&sources, &concepts()).is_empty());
    }

    #[test]
    fn displays_read_back_as_the_same_fact() {
        for written in [
            "2026-01-08",
            "16 December 2025",
            "12 milliards d'euros",
            "$14 billion",
            "1,3 milliard d'euros",
            "600 000 euros",
            "2,3 millions d'euros",
        ] {
            let k = key(written);
            for lang in Lang::BOTH {
                let text = display(k, lang);
                assert_eq!(key(&text), k, "{text}");
            }
        }
        assert_eq!(display(key("2026-01-08"), Lang::Fr), "8 janvier 2026");
        assert_eq!(display(key("$14 billion"), Lang::En), "14 billion dollars");
        // Below two, French says "milliard" and "million"; below a million, it groups
        // the digits as a count.
        assert_eq!(display(key("EUR 1.3 bn"), Lang::Fr), "1,3 milliard d'euros");
        assert_eq!(display(key("600,000 euros"), Lang::Fr), "600 000 euros");
        assert_eq!(display(key("600 000 euros"), Lang::En), "600,000 euros");
    }

    #[test]
    fn verify_wants_each_version_with_its_own_source() {
        let d = Disagreement {
            kind: FactKind::Date,
            topics: vec!["agreement".into()],
            versions: vec![
                Version {
                    key: key("2025-12-16"),
                    text: "16 décembre 2025".into(),
                    sources: vec!["S4".into()],
                    context: String::new(),
                },
                Version {
                    key: key("2026-01-08"),
                    text: "8 janvier 2026".into(),
                    sources: vec!["S1".into(), "S5".into()],
                    context: String::new(),
                },
            ],
        };
        let good = "## Divergences\nL'accord est daté du 8 janvier 2026 [S1][S5], mais notifié le 16 décembre 2025 selon [S4].";
        let c = verify(good, Lang::Fr, std::slice::from_ref(&d));
        assert!(c[0].ok && c[0].stated == 2, "{c:?}");
        let wrong_source =
            "L'accord date du 16 décembre 2025 [S1]. Il date du 8 janvier 2026 [S5].";
        let c = verify(wrong_source, Lang::Fr, std::slice::from_ref(&d));
        assert_eq!((c[0].ok, c[0].stated), (false, 1));
        let english = "The agreement is dated January 8, 2026 [S1] but was notified on December 16, 2025 [S4].";
        assert!(verify(english, Lang::En, std::slice::from_ref(&d))[0].ok);
        // Both dates after both citations: both read as S1's, S4's version is not stated.
        let ambiguous =
            "[S4] et [S1] donnent des dates différentes : 16 décembre 2025 et 8 janvier 2026.";
        let c = verify(ambiguous, Lang::Fr, std::slice::from_ref(&d));
        assert_eq!((c[0].ok, c[0].stated), (false, 1), "{c:?}");
        // One bullet per version, the source first, and a citation after the full stop.
        let bullets = "- [S4] gives 16 December 2025 for the agreement.\n- The agreement is dated January 8, 2026. [S5]";
        assert!(verify(bullets, Lang::En, &[d])[0].ok);
    }

    #[test]
    fn a_source_contrasting_values_itself_stands_only_for_its_own() {
        // S1 sets an announced figure against its own; S2 gives the announced one.
        let sources = [
            ("S1", "La chambre estime le coût réel du projet à 465 millions d'euros, bien au-dessus des 412 millions d'euros annoncés."),
            ("S2", "The cost of the project is 412 million euros."),
        ];
        let found = find(&sources, &concepts());
        assert_eq!(found.len(), 1, "{found:#?}");
        let by: Vec<Vec<String>> = found[0]
            .versions
            .iter()
            .map(|v| v.sources.clone())
            .collect();
        assert_eq!(by, vec![vec!["S2".to_string()], vec!["S1".to_string()]]);
        // Two values that only S1 gives: a contrast inside S1, never "[S1] but [S1]".
        let alone = [
            (
                "S1",
                "Le coût du projet est estimé à 412 millions d'euros, puis à 465 millions d'euros.",
            ),
            (
                "S2",
                "The cost of the project is not known yet, said the council.",
            ),
        ];
        assert!(find(&alone, &concepts()).is_empty());
    }

    /// Each version's text with its sources.
    fn versions_of(d: &Disagreement) -> Vec<(&str, &[String])> {
        d.versions
            .iter()
            .map(|v| (v.text.as_str(), v.sources.as_slice()))
            .collect()
    }

    fn rivals_of(group: &[Said]) -> Vec<Disagreement> {
        let mut out = Vec::new();
        between(group, true, &mut out);
        out
    }

    fn said<'a>(source: &'a str, text: &'a str, source_text: &'a str) -> Said<'a> {
        // Leaked: a test's few sets live as long as the test binary.
        let given: &'static Given = Box::leak(Box::new(Given::of(source_text)));
        Said {
            source,
            text,
            context: text,
            source_text,
            given,
        }
    }

    #[test]
    fn a_number_a_source_gives_for_something_else_does_not_hide_its_count_of_people() {
        let s1 = "Le préfet a ordonné l'évacuation de 1 200 habitants. Le barrage relâche 1 500 \
                  mètres cubes par seconde.";
        let s2 = "Authorities evacuated 1,500 people from the valley.";
        let found = rivals_of(&[
            said("S1", "Le préfet a évacué 1 200 habitants de la vallée.", s1),
            said(
                "S2",
                "Les autorités ont évacué 1 500 personnes de la vallée.",
                s2,
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        let texts: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(texts, ["1 200 habitants", "1 500 personnes"]);
        // Where the source counts people with the other number too, the two numbers are
        // its own contrast (two moments, two places), not a disagreement between sources.
        let both = "L'évacuation de 1 200 habitants, puis de 1 500 personnes au total.";
        let none = rivals_of(&[
            said(
                "S1",
                "Le préfet a évacué 1 200 habitants de la vallée.",
                both,
            ),
            said(
                "S2",
                "Les autorités ont évacué 1 500 personnes de la vallée.",
                s2,
            ),
        ]);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn days_given_without_their_year_are_rival_dates_of_one_event() {
        let s1 = "The health ministry said on Thursday that a vaccination campaign would \
                  start in Brittany's schools on May 11.";
        let s2 = "Le ministère a annoncé jeudi une campagne de vaccination dans les écoles \
                  bretonnes à partir du 4 mai.";
        let found = rivals_of(&[
            said("S1", s1, s1),
            said(
                "S2",
                "The ministry announced on Thursday a vaccination campaign in Brittany's schools from May 4.",
                s2,
            ),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, FactKind::Date);
        let texts: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(texts, ["May 11", "May 4"]);
        assert_eq!(display(found[0].versions[1].key, Lang::Fr), "4 mai");
        // The same day, with its year in one source and without in the other, is none.
        let dated = "La campagne de vaccination commencera dans les écoles le 11 mai 2026.";
        let none = rivals_of(&[
            said("S1", s1, s1),
            said(
                "S2",
                "The vaccination campaign will start in schools on May 11, 2026.",
                dated,
            ),
        ]);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn counts_two_sources_give_differently_are_rivals_on_any_subject() {
        let a =
            "Thursday's strike: SNCF cancelled 312 trains and 38 flights were cancelled in Lyon.";
        let b = "Jeudi, la SNCF a annulé 260 trains.";
        let found = rivals_of(&[
            said("S1", "SNCF cancelled 312 trains on Thursday.", a),
            said("S2", "SNCF cancelled 260 trains on Thursday.", b),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, FactKind::Count);
        let v: Vec<(String, Vec<String>)> = found[0]
            .versions
            .iter()
            .map(|v| (display(v.key, Lang::En), v.sources.clone()))
            .collect();
        assert_eq!(
            v,
            [
                ("312".to_string(), vec!["S1".to_string()]),
                ("260".to_string(), vec!["S2".to_string()])
            ]
        );
        // The counted word need not come first.
        let c = "SNCF cancelled 260 regional and national trains.";
        let found = rivals_of(&[
            said("S1", "SNCF cancelled 312 trains and 38 flights.", a),
            said("S2", c, c),
        ]);
        let v: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(v, ["312 trains", "260 trains"]);
        // Counts of different things are not rivals.
        assert!(rivals_of(&[
            said("S1", "SNCF cancelled 312 trains on Thursday.", a),
            said("S2", "SNCF cancelled 260 buses on Thursday.", "260 buses"),
        ])
        .is_empty());
        // People counted under other words are one count; homes are another.
        let (x, y) = (
            "La préfecture a évacué 1 200 habitants de trois communes.",
            "D'après la préfecture, 1 450 personnes ont quitté leur domicile.",
        );
        let found = rivals_of(&[said("S1", x, x), said("S2", y, y)]);
        let v: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(v, ["1 200 habitants", "1 450 personnes"]);
        let homes = "La préfecture a évacué 1 450 logements.";
        assert!(rivals_of(&[said("S1", x, x), said("S2", homes, homes)]).is_empty());
        // Counts spelled out, as newspapers write small ones, are counts all the same.
        let (x, y) = (
            "Quatorze prévenus étaient jugés aux côtés de l'ancien maire.",
            "Douze prévenus étaient jugés aux côtés de l'ancien maire.",
        );
        let found = rivals_of(&[said("S1", x, x), said("S2", y, y)]);
        assert_eq!(found.len(), 1, "{found:?}");
        let v: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(v, ["14 prévenus", "12 prévenus"]);
    }

    #[test]
    fn a_span_of_time_a_source_rejects_is_a_rival_of_the_one_it_gives() {
        let a = "La ligne 3 sera longue de 11 kilomètres. Selon l'association, le chantier \
                 durera au moins quatre ans et non trois comme l'annonce la métropole.";
        let b = "Les commerçants s'inquiètent de trois ans de chantier.";
        let found = rivals_of(&[
            said(
                "S2",
                "Le chantier durera au moins quatre ans et non trois comme l'annonce la métropole.",
                a,
            ),
            said("S3", b, b),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        let v: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(v, ["au moins 4 ans", "3 ans"]);
    }

    #[test]
    fn counts_of_one_thing_in_two_sources_texts_are_rivals() {
        let a = "Procès : l'ancien maire condamné à trois ans de prison. Quatorze prévenus \
                 comparaissaient à ses côtés, parmi lesquels deux anciens adjoints.";
        let b = "Après six semaines de débats, le jugement est tombé. Douze prévenus au total \
                 étaient jugés dans ce dossier.";
        let c = "Fourteen other defendants stood trial alongside him.";
        let found = counts_in_texts(
            &[
                ("S1", a, Lang::Fr),
                ("S2", b, Lang::Fr),
                ("S3", c, Lang::En),
            ],
            &concepts(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let v = versions_of(&found[0]);
        assert_eq!(
            v,
            [
                ("14 prévenus", &["S1".to_string()][..]),
                ("12 prévenus", &["S2".to_string()][..])
            ]
        );
        // A source that gives both counts tells two groups apart.
        let both = "Douze prévenus étaient jugés ; quatorze prévenus avaient été mis en examen.";
        let texts = [("S1", a, Lang::Fr), ("S2", both, Lang::Fr)];
        assert!(counts_in_texts(&texts, &concepts()).is_empty());
    }

    #[test]
    fn counts_in_two_languages_that_name_one_concept_are_rivals() {
        let fr = "Au lendemain de l'annonce, les 240 salariés du site se sont mis en grève. \
                  La fermeture menacerait une centaine d'emplois chez les sous-traitants.";
        let en = "The company said it would close the plant, cutting 250 jobs. The plant makes \
                  about 900,000 radiators a year.";
        let found = counts_in_texts(&[("S1", en, Lang::En), ("S2", fr, Lang::Fr)], &concepts());
        assert_eq!(found.len(), 1, "{found:?}");
        let v = versions_of(&found[0]);
        assert_eq!(
            v,
            [
                ("250 jobs", &["S1".to_string()][..]),
                ("240 salariés", &["S2".to_string()][..])
            ]
        );
        // In French, the English source's count as its French statement words it.
        let here = [("S1", "Ferralis fermera l'usine, en supprimant 250 emplois.")];
        let d = in_words_of(found[0].clone(), &here, Lang::Fr, &concepts());
        assert_eq!(d.versions[0].text, "250 emplois");
        // Across languages, words no concept names may count anything.
        let other = "Les secours ont évacué 1 400 campeurs. Sept pompiers ont été blessés.";
        let wire = "About 1,500 homes lost power. Six roads were closed.";
        let texts = [("S1", wire, Lang::En), ("S2", other, Lang::Fr)];
        assert!(counts_in_texts(&texts, &concepts()).is_empty());
    }

    #[test]
    fn one_thing_both_count_ties_two_statements() {
        assert!(count_one_thing(
            "Quatorze prévenus comparaissaient à ses côtés.",
            "Douze prévenus au total étaient jugés dans ce dossier."
        ));
        // Spans of time and people as such count too many things to tie two statements.
        assert!(!count_one_thing(
            "Le chantier durera quatre ans.",
            "Le maire a été condamné à trois ans de prison."
        ));
        assert!(!count_one_thing(
            "Douze personnes ont été blessées.",
            "Quatorze personnes ont été interpellées."
        ));
        assert!(!count_one_thing(
            "Quatorze prévenus comparaissaient.",
            "Douze communes sont touchées."
        ));
        // The counted word need not come first in both.
        assert!(count_one_thing(
            "Fourteen other defendants stood trial alongside him.",
            "Twelve defendants in all were tried."
        ));
    }

    #[test]
    fn a_count_found_in_the_other_language_is_worded_as_this_one_words_it() {
        // The versions' wording once the first disagreement found is worded from `here`.
        let worded = |found: &[Disagreement], here: &[(&str, &str)], lang| -> Vec<String> {
            let d = in_words_of(found[0].clone(), here, lang, &concepts());
            d.versions.into_iter().map(|v| v.text).collect()
        };
        let a = "SNCF cancelled 312 trains during the strike.";
        let b = "SNCF cancelled 260 trains during the strike.";
        let found = rivals_of(&[said("S1", b, b), said("S3", a, a)]);
        // S1's French summary gives its figure; S3's lost it.
        let here = [
            ("S1", "La SNCF a annulé 260 trains régionaux."),
            ("S2", "Rien."),
        ];
        assert_eq!(
            worded(&found, &here, Lang::Fr),
            ["260 trains", "312 trains"]
        );
        // With neither figure here, the numbers alone, until every source has had its say;
        // then each number takes the word its own sentence counts, quoted where that
        // sentence is in the other language.
        assert_eq!(worded(&found, &[], Lang::Fr), ["260", "312"]);
        let named = |lang| {
            let mut d = in_words_of(found[0].clone(), &[], lang, &concepts());
            name_bare_counts(&mut d, lang);
            d.versions.into_iter().map(|v| v.text).collect::<Vec<_>>()
        };
        assert_eq!(named(Lang::Fr), ["260 « trains »", "312 « trains »"]);
        assert_eq!(named(Lang::En), ["260 trains", "312 trains"]);
        // But a span of time in this language's words.
        let (x, y) = (
            "Le chantier durera au moins quatre ans, selon l'association Foch.",
            "Les commerçants de l'avenue Foch s'inquiètent de trois ans de chantier.",
        );
        let found = rivals_of(&[said("S2", x, x), said("S3", y, y)]);
        // "au moins" is "at least", not "more than".
        assert_eq!(
            worded(&found, &[], Lang::En),
            ["at least 4 years", "3 years"]
        );
        // The same number counting something else here is not the version's wording, and
        // a number written with a space keeps it whole.
        let (x, y) = (
            "1,200 residents were evacuated.",
            "About 1,500 people were evacuated.",
        );
        let found = rivals_of(&[said("S1", x, x), said("S3", y, y)]);
        let here = [
            ("S1", "La préfecture a évacué 1 200 habitants."),
            ("S3", "L'eau sortait à 1 500 mètres cubes par seconde."),
        ];
        // "About" stays, said the French way.
        assert_eq!(
            worded(&found, &here, Lang::Fr),
            ["1 200 habitants", "environ 1 500 habitants"]
        );
        // The same from versions found in French, their numbers written with a space.
        let (x, y) = (
            "1 200 habitants ont été évacués.",
            "Quelque 1 500 personnes ont été évacuées.",
        );
        let found = rivals_of(&[said("S1", x, x), said("S3", y, y)]);
        let here = [
            ("S1", "The prefecture evacuated 1,200 residents."),
            ("S3", "Water flowed at 1,500 cubic metres per second."),
        ];
        assert_eq!(
            worded(&found, &here, Lang::En),
            ["1,200 residents", "about 1,500 residents"]
        );
    }

    #[test]
    fn two_events_of_one_source_and_attributed_figures_are_not_rivals() {
        // S1 gives both dates itself: a notification, then an announcement.
        let s1 = "The deal was notified on December 16, 2025 and announced on January 8, 2026.";
        assert!(rivals_of(&[
            said("S1", "The deal was notified on December 16, 2025.", s1),
            said(
                "S2",
                "The deal was announced on January 8, 2026.",
                "Announced on January 8, 2026."
            ),
        ])
        .is_empty());
        // A figure attributed to a party is that party's, not the source's version.
        let s1 = "1.2 million people marched according to the CGT union, 450,000 according to the police.";
        assert!(rivals_of(&[
            said("S1", s1, s1),
            said(
                "S2",
                "800,000 people marched on Thursday.",
                "800,000 people marched on Thursday."
            ),
        ])
        .is_empty());
    }

    #[test]
    fn one_figure_a_source_reports_as_an_authority_s_is_still_a_rival() {
        // "officials said" and "selon la préfecture" report a fact; no second party is set
        // beside them, so other sources' counts of the same thing are rivals.
        let a =
            "A wildfire has burned about 3,900 hectares since Tuesday, officials said on Thursday.";
        let b = "Selon la préfecture, 4 200 hectares de forêt ont brûlé en trois jours.";
        let found = rivals_of(&[said("S1", b, b), said("S3", a, a)]);
        let v: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(v, ["4 200 hectares", "about 3,900 hectares"]);
        assert_eq!(found[0].versions[1].sources, ["S3"]);
        // Two parties' figures in one sentence stay theirs.
        let two =
            "1 500 personnes ont quitté leur logement selon les pompiers, 2 000 selon le maire.";
        let other = "About 1,800 people were evacuated.";
        assert!(rivals_of(&[said("S1", two, two), said("S2", other, other)]).is_empty());
        assert_eq!(parties(two).len(), 2);
        assert!(parties(b).is_empty());
        let who: Vec<String> = attributions(a).into_iter().map(|(_, w)| w).collect();
        assert_eq!(who, ["officials said"]);
    }

    #[test]
    fn a_bound_the_source_does_not_set_is_a_claim_it_does_not_make() {
        let source = "Según los bomberos, unas 1.500 personas tuvieron que abandonar sus casas. \
                      Más de mil bomberos luchan contra las llamas.";
        assert!(adds_bound(
            "Over 1,500 people had to leave their homes.",
            source
        ));
        assert!(adds_bound(
            "Moins de 1 500 personnes ont quitté leur maison.",
            source
        ));
        assert!(!adds_bound(
            "About 1,500 people had to leave their homes.",
            source
        ));
        assert!(!adds_bound(
            "1,500 people had to leave their homes.",
            source
        ));
        // "10 percent" is read as "10 %": where the bound is, is unknown.
        let reserve = "It asks for a reserve of at least 10 percent.";
        assert!(!adds_bound(
            "Elle demande une réserve d'au moins 10 %.",
            reserve
        ));
        let headline = "Plus de 4 200 hectares parcourus. Le feu a brûlé 4 200 hectares.";
        assert!(!adds_bound("More than 4,200 hectares burned.", headline));
        assert!(!adds_bound("The fire burned 4,200 hectares.", headline));
    }

    #[test]
    fn over_a_length_of_time_that_opens_a_clause_is_when_not_a_bound() {
        let source = "Over fifteen years, an estimated 6,000 people took part in work days. \
                      The works took over 3 years to finish.";
        assert!(adds_bound(
            "Plus de 15 ans, environ 6 000 personnes ont participé.",
            source
        ));
        assert!(!adds_bound(
            "En quinze ans, environ 6 000 personnes ont participé.",
            source
        ));
        // After a verb, "over" is a bound.
        assert!(!adds_bound("Les travaux ont duré plus de 3 ans.", source));
        assert!(adds_bound("Les travaux ont duré moins de 3 ans.", source));
    }

    #[test]
    fn a_translation_keeps_the_bounds_of_its_original() {
        let wind = "Le vent a soufflé jusqu'à 70 km/h mercredi.";
        assert!(keeps_bounds(
            wind,
            "The wind blew up to 70 km/h on Wednesday."
        ));
        assert!(!keeps_bounds(
            wind,
            "The wind blew at 70 km/h on Wednesday."
        ));
        let area = "Plus de 4 200 hectares ont brûlé, et environ 1 500 personnes sont parties.";
        assert!(keeps_bounds(
            area,
            "More than 4,200 hectares burned, and 1,500 people left."
        ));
        assert!(!keeps_bounds(
            area,
            "Fewer than 4,200 hectares burned, and about 1,500 people left."
        ));
        assert!(!keeps_bounds(
            area,
            "4,200 hectares burned, and about 1,500 people left."
        ));
        let near = "Près de 300 maisons ont été détruites.";
        assert!(keeps_bounds(near, "Nearly 300 homes were destroyed."));
        assert!(!keeps_bounds(near, "Over 300 homes were destroyed."));
        // No bound, nothing to keep; a figure written out is another check's.
        assert!(keeps_bounds(
            "Le feu a brûlé 4 200 hectares.",
            "The fire burned 4,200 hectares."
        ));
        assert!(keeps_bounds(
            "Plus de 3 communes ont été évacuées.",
            "More than three towns were evacuated."
        ));
        // A bound the original does not set.
        let span = "Over fifteen years, an estimated 6,000 people took part.";
        assert!(!keeps_bounds(
            span,
            "Plus de 15 ans, environ 6 000 personnes ont participé."
        ));
        assert!(keeps_bounds(
            span,
            "En quinze ans, environ 6 000 personnes ont participé."
        ));
    }

    #[test]
    fn a_bound_is_no_rival_of_a_value_it_admits() {
        let over = "The fire burned more than 4,000 hectares.";
        let exact = "Le feu a brûlé 4 200 hectares.";
        let under = "The fire burned about 3,900 hectares.";
        assert!(rivals_of(&[said("S1", exact, exact), said("S2", over, over)]).is_empty());
        let found = rivals_of(&[said("S2", over, over), said("S3", under, under)]);
        let v: Vec<&str> = found[0].versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(v, ["more than 4,000 hectares", "about 3,900 hectares"]);
        let fewer = "Fewer than 4,000 hectares burned.";
        assert!(rivals_of(&[said("S3", under, under), said("S4", fewer, fewer)]).is_empty());
        // An estimate admits a value close to it, not one further off.
        let near = "Près de 300 cas ont été signalés en Bretagne.";
        let counted = "L'ARS a recensé 312 cas en Bretagne.";
        assert!(rivals_of(&[said("S2", near, near), said("S3", counted, counted)]).is_empty());
        assert_eq!(
            rivals_of(&[said("S1", exact, exact), said("S3", under, under)]).len(),
            1
        );
        // A word that ends like a qualifier is none ("clover 4,000").
        assert_eq!(qualifier("a clover 4,000 times", "4,000"), None);
    }

    #[test]
    fn a_source_whose_summary_lost_its_count_joins_the_disagreement_from_its_text() {
        let a = "A wildfire has burned about 3,900 hectares since Tuesday.";
        let b = "The fire burned 4,500 hectares of forest.";
        let mut found = rivals_of(&[said("S2", b, b), said("S3", a, a)]);
        let texts = [
            (
                "S1",
                "Le feu a parcouru 4 200 hectares de forêt. Il a mobilisé 1 100 pompiers.",
                false,
            ),
            ("S2", b, true),
            ("S3", a, true),
            // Two counts of hectares: which one is the version is unknown, so none is.
            (
                "S4",
                "Le feu a brûlé 4 100 hectares, contre 4 600 hectares en 2021.",
                false,
            ),
        ];
        extend(&mut found[0], &texts, Lang::En);
        let v = versions_of(&found[0]);
        // In the sources' order.
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(v[0].0, "4,200 hectares");
        assert_eq!(v[0].1, ["S1"]);
        // Found in English and worded here by their numbers alone, the versions take the
        // word of the source in this language that joins them.
        let mut d = in_words_of(found[0].clone(), &[], Lang::Fr, &concepts());
        d.versions.retain(|v| v.sources[0] != "S1");
        let texts = [("S1", "Le feu a parcouru 4 200 hectares de forêt.", true)];
        extend(&mut d, &texts, Lang::Fr);
        let v: Vec<&str> = d.versions.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(
            v,
            ["4 200 hectares", "4 500 hectares", "environ 3 900 hectares"]
        );
    }

    #[test]
    fn a_source_in_the_other_language_joins_the_version_whose_value_it_alone_gives() {
        let (a, b) = (
            "Quatorze prévenus comparaissaient à ses côtés.",
            "Douze prévenus au total étaient jugés.",
        );
        let mut found = rivals_of(&[said("S1", a, a), said("S2", b, b)]);
        let wire = "Fourteen other defendants stood trial. Pelletier ran the town for eighteen \
                    years.";
        let texts = [("S1", a, true), ("S2", b, true), ("S3", wire, false)];
        extend(&mut found[0], &texts, Lang::Fr);
        let v = versions_of(&found[0]);
        assert_eq!(
            v,
            [
                ("14 prévenus", &["S1".to_string(), "S3".to_string()][..]),
                ("12 prévenus", &["S2".to_string()][..])
            ]
        );
        // Two close counts in it: which one is the version is unknown.
        let mut found = rivals_of(&[said("S1", a, a), said("S2", b, b)]);
        let two = "Fourteen defendants and eleven witnesses were heard.";
        extend(&mut found[0], &[("S3", two, false)], Lang::Fr);
        assert!(found[0].versions.iter().all(|v| v.sources.len() == 1));
        // Spans of time are not extended.
        let (x, y) = (
            "The chamber ended two years of consultation.",
            "The works will last three years.",
        );
        let mut found = rivals_of(&[said("S1", x, x), said("S2", y, y)]);
        if let Some(d) = found.first_mut() {
            let before = d.versions.len();
            extend(
                d,
                &[("S3", "Le chantier durera quatre ans.", false)],
                Lang::En,
            );
            assert_eq!(d.versions.len(), before);
        }
    }

    #[test]
    fn attributed_figures_are_read_with_who_gives_them() {
        let fr = "Les chiffres divergent : 1,2 million de manifestants selon la CGT, 450 000 selon le ministère de l'Intérieur.";
        let got: Vec<(String, String)> = attributions(fr)
            .into_iter()
            .map(|(f, who)| (f.raw, who))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, "selon la CGT");
        assert_eq!(got[1].1, "selon le ministère de l'Intérieur");
        let en =
            "Turnout was 1.2 million according to the unions and 450,000 according to the police.";
        let got: Vec<String> = attributions(en).into_iter().map(|(_, who)| who).collect();
        assert_eq!(got, ["according to the unions", "according to the police"]);
        assert!(attributions("SNCF cancelled 312 trains.").is_empty());
        // "per" before a unit is a rate, not a party.
        assert!(attributions("Water was released at 1,500 cubic metres per second.").is_empty());
        assert!(attributions("Prices rose 3 per cent in May.").is_empty());
        let per = attributions("Some 4,000 homes were flooded, per the prefecture.");
        assert_eq!(per.len(), 1, "{per:?}");
        // Who opens the clause, or speaks of the figure right before it.
        let fr = "Selon le syndicat des pilotes, 2 000 emplois pourraient disparaître ; la \
                  direction parle de 800 départs volontaires au plus.";
        assert!(attributions(fr).is_empty());
        let got: Vec<(String, String)> = claims(fr)
            .into_iter()
            .map(|(f, who)| (f.raw, who))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "2 000".to_string(),
                    "selon le syndicat des pilotes".to_string()
                ),
                ("800".to_string(), "la direction".to_string()),
            ]
        );
        let en = "According to the union, 2,000 jobs are at risk; management speaks of 800.";
        assert_eq!(claims(en).len(), 2);
        // A figure about the party, in a relative clause on it, is not its figure.
        let fr = "Selon l'association, qui regroupe 87 boutiques, le chantier durera des années.";
        assert!(claims(fr).is_empty());
        assert!(claims("Le conseil a voté 412 millions d'euros.").is_empty());
        // Two parties, each the subject of a verb by which it puts its figure forward.
        let fr = "Le parquet évaluait le préjudice pour la commune à 2,3 millions d'euros, \
                  quand la défense ne reconnaissait qu'un surcoût de 600 000 euros.";
        let who: Vec<String> = parties(fr).into_iter().map(|(_, w)| w).collect();
        assert_eq!(who, ["le parquet", "la défense"]);
        let en = "Prosecutors had put the town's losses at 2.3 million euros, while the \
                  defence argued the overcharge was no more than 600,000 euros.";
        let who: Vec<String> = parties(en).into_iter().map(|(_, w)| w).collect();
        assert_eq!(who, ["prosecutors", "the defence"]);
        // One party's figure, and figures no verb puts forward, are facts.
        assert!(parties("Le tribunal a estimé le préjudice à 1,1 million d'euros.").is_empty());
        assert!(parties(
            "Le budget atteint 5 millions d'euros, alors que la région apporte 2 millions."
        )
        .is_empty());
    }
}
