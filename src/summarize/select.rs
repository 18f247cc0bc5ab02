//! A long source's notes chosen by code across the whole document: each note line keeps
//! where in the source it comes from, the summary's input takes lines from every quarter in
//! turn, and a summary that leaves a quarter out gets that quarter's best line back.

use crate::checks::ground;
use crate::checks::lexicon::Lexicon;
use crate::checks::statements::{claims, spans, Features, Indexed};
use crate::lang::Lang;

/// Parts a long source is judged by: its summary must say something from each.
pub const QUARTERS: usize = 4;

/// One sentence of a chunk's notes, placed in the source.
#[derive(Debug, Clone)]
pub struct NoteLine {
    pub text: String,
    /// Byte offset in the source of the sentence it rests on (else of its stretch's middle).
    pub at: usize,
    pub quarter: usize,
    features: Features,
}

impl NoteLine {
    /// Does a text of `features` say what this line says, most of its facts, names and
    /// words (a copy of it, or near enough)?
    pub fn said_in(&self, features: &Features) -> bool {
        said(&self.features, features)
    }
}

/// Does `other` hold most (four fifths) of what `features` holds?
fn said(features: &Features, other: &Features) -> bool {
    5 * other.shared(features) >= 4 * features.weight().max(1)
}

/// The quarter of a source of `len` bytes that byte `at` falls in.
pub fn quarter(at: usize, len: usize) -> usize {
    (at * QUARTERS / len.max(1)).min(QUARTERS - 1)
}

/// A note line without its list mark ("- ", "* ", "• ", "3. ", "3) ").
fn unmarked(line: &str) -> &str {
    let t = line.trim().trim_start_matches(['-', '*', '•']).trim_start();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match t[digits..].strip_prefix(['.', ')']) {
        Some(rest) if digits > 0 && rest.starts_with(' ') => rest.trim_start(),
        _ => t,
    }
}

/// The lines of notes taken on stretches `(note, start, end)` of `source`, each placed in
/// it. Headings, lead-ins ("Voici les faits :"), fragments and lines stating a figure, date
/// or name the source does not hold are left out; so is a line another one already says
/// (stretches overlap).
pub fn note_lines(notes: &[(String, usize, usize)], source: &str, lang: Lang) -> Vec<NoteLine> {
    let index = Indexed::of(source);
    let mut out: Vec<NoteLine> = Vec::new();
    for (note, a, b) in notes {
        // Sentence by sentence: a line put back into a summary says one thing.
        let sentences = note
            .lines()
            .map(unmarked)
            .flat_map(crate::text::sentences)
            .filter(|t| !claims(t).is_empty());
        for text in sentences {
            let grounded = ground::check(text, lang, &[("", source, lang)])
                .unsupported
                .is_empty();
            let features = Features::of(text);
            let said = out.iter().any(|o| said(&features, &o.features));
            if !grounded || said {
                continue;
            }
            let at = index.anchor(text).unwrap_or(a + (b - a) / 2);
            out.push(NoteLine {
                text: with_full_stop(text),
                at,
                quarter: quarter(at, source.len()),
                features,
            });
        }
    }
    out
}

fn with_full_stop(text: &str) -> String {
    match text.ends_with(['.', '!', '?', '»', '"']) {
        true => text.to_string(),
        false => format!("{text}."),
    }
}

/// At most `max` lines, taken from each quarter in turn (each quarter's most informative
/// first), in the source's order.
pub fn balanced(lines: &[NoteLine], max: usize) -> Vec<NoteLine> {
    let mut by_quarter: Vec<Vec<&NoteLine>> = vec![Vec::new(); QUARTERS];
    for l in lines {
        by_quarter[l.quarter].push(l);
    }
    for q in &mut by_quarter {
        // Stable: equally informative lines keep the source's order.
        q.sort_by_key(|l| std::cmp::Reverse(l.features.weight()));
    }
    let mut picked: Vec<&NoteLine> = Vec::new();
    let mut round = 0;
    while picked.len() < max && by_quarter.iter().any(|q| q.len() > round) {
        picked.extend(
            by_quarter
                .iter()
                .filter_map(|q| q.get(round))
                .take(max - picked.len()),
        );
        round += 1;
    }
    picked.sort_by_key(|l| l.at);
    picked.into_iter().cloned().collect()
}

/// The lines grouped by quarter, in order, leaving out quarters without any.
pub fn parts(lines: &[NoteLine]) -> Vec<Vec<String>> {
    (0..QUARTERS)
        .map(|q| {
            lines
                .iter()
                .filter(|l| l.quarter == q)
                .map(|l| l.text.clone())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The quarters of `source` that some sentence of `summary` rests on.
pub fn covered(summary: &str, source: &str) -> [bool; QUARTERS] {
    let index = Indexed::of(source);
    let mut seen = [false; QUARTERS];
    for c in claims(summary) {
        if let Some(at) = index.anchor(&c) {
            seen[quarter(at, source.len())] = true;
        }
    }
    seen
}

/// The most informative line of quarter `q` (the first of equals).
pub fn best(lines: &[NoteLine], q: usize) -> Option<&NoteLine> {
    ranked(lines, q, 1).into_iter().next()
}

/// Quarter `q`'s `k` most informative lines, best first (the earliest of equals first).
pub fn ranked(lines: &[NoteLine], q: usize, k: usize) -> Vec<&NoteLine> {
    let mut of_q: Vec<&NoteLine> = lines.iter().filter(|l| l.quarter == q).collect();
    of_q.sort_by_key(|l| (std::cmp::Reverse(l.features.weight()), l.at));
    of_q.truncate(k);
    of_q
}

/// Words a plain sentence may hold past the everyday ones (`plain_lines`).
const RARE_AT_MOST: usize = 2;
/// Words a plain sentence holds at most: a short one is translated whole.
const PLAIN_WORDS: usize = 30;

/// The source's own sentences that state a figure, a date or a name in the plainest words, each
/// placed in it, best first within each quarter: fewest words past the language's everyday
/// ones (`Lexicon::is_everyday`), then the most informative. A small model that cannot
/// translate a quarter's summary sentences or notes ("tannerie" comes out "tannery", a
/// flood "une sécheresse") still translates "The vote took place on 9 May 2024." A
/// sentence ships only where `may_ship` lets it stand alone.
pub fn plain_lines(
    source: &str,
    lexicon: &Lexicon,
    may_ship: impl Fn(&str) -> Option<String>,
) -> Vec<NoteLine> {
    let mut out: Vec<(usize, NoteLine)> = Vec::new();
    for (a, b) in spans(source) {
        let Some(text) = may_ship(&source[a..b]) else {
            continue;
        };
        let features = Features::of(&text);
        let says = !features.keys.is_empty() || !features.names.is_empty();
        if !says || text.split_whitespace().count() > PLAIN_WORDS {
            continue;
        }
        let rare = text
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() >= 4 && w.starts_with(char::is_lowercase))
            .filter(|w| !lexicon.is_everyday(w))
            .count();
        if rare <= RARE_AT_MOST {
            let line = NoteLine {
                text,
                at: a,
                quarter: quarter(a, source.len()),
                features,
            };
            out.push((rare, line));
        }
    }
    out.sort_by_key(|(rare, l)| {
        (
            l.quarter,
            *rare,
            std::cmp::Reverse(l.features.weight()),
            l.at,
        )
    });
    out.into_iter().map(|(_, l)| l).collect()
}

/// `summary` with, for each quarter of the source it says nothing about, that quarter's
/// most informative line from `lines` put back where the source's order places it; and
/// the lines put back.
pub fn complete(summary: &str, source: &str, lines: &[NoteLine]) -> (String, Vec<String>) {
    let seen = covered(summary, source);
    let missing: Vec<&NoteLine> = (0..QUARTERS)
        .filter(|&q| !seen[q])
        .filter_map(|q| best(lines, q))
        .collect();
    if missing.is_empty() {
        return (summary.to_string(), Vec::new());
    }
    let index = Indexed::of(source);
    // Each sentence of the summary at its place in the source; one resting on nothing
    // stays after the sentence before it.
    let mut placed: Vec<(usize, String)> = Vec::new();
    let mut last = 0;
    for s in crate::text::sentences(summary)
        .into_iter()
        .filter(|s| !s.is_empty())
    {
        last = index.anchor(s).unwrap_or(last);
        placed.push((last, s.to_string()));
    }
    let mut out: Vec<String> = Vec::new();
    let mut pending = missing.iter().peekable();
    for (at, s) in placed {
        while let Some(l) = pending.next_if(|l| l.at < at) {
            out.push(l.text.clone());
        }
        out.push(s);
    }
    out.extend(pending.map(|l| l.text.clone()));
    let added = missing.iter().map(|l| l.text.clone()).collect();
    (out.join(" "), added)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four paragraphs, one per quarter, each with its own year and name.
    fn source() -> String {
        [
            "En 1952, l'ingénieure Hélène Vasseur choisit la gorge de granit pour le barrage.",
            "Le barrage fut inauguré en 1961 et produisit 410 gigawattheures la première année.",
            "En 1989, Joseph Kerlan fonda une association de pêcheurs contre les lâchers d'eau.",
            "En 2019, le conseil départemental vota la modernisation des quatre turbines.",
        ]
        .map(|p| {
            format!(
                "{p} {}",
                "La vallée resta calme pendant ces années-là. ".repeat(6)
            )
        })
        .join("\n\n")
    }

    fn notes(src: &str) -> Vec<(String, usize, usize)> {
        let half = src.len() / 2;
        vec![
            (
                "Voici les faits :\n- En 1952, Hélène Vasseur choisit la gorge de granit.\n- Le barrage fut inauguré en 1961.".into(),
                0,
                half,
            ),
            (
                "1. Joseph Kerlan fonda une association en 1989.\n2) En 2019, le conseil vota la modernisation des turbines.\n3. Le barrage coûta 900 millions en 1975.".into(),
                half,
                src.len(),
            ),
        ]
    }

    #[test]
    fn note_lines_are_placed_in_their_quarter_and_unsupported_ones_left_out() {
        let src = source();
        let lines = note_lines(&notes(&src), &src, Lang::Fr);
        let got: Vec<(usize, &str)> = lines.iter().map(|l| (l.quarter, l.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (0, "En 1952, Hélène Vasseur choisit la gorge de granit."),
                (1, "Le barrage fut inauguré en 1961."),
                (2, "Joseph Kerlan fonda une association en 1989."),
                (3, "En 2019, le conseil vota la modernisation des turbines."),
            ]
        );
    }

    #[test]
    fn a_balanced_choice_takes_every_quarter_before_a_second_line_of_any() {
        let src = source();
        let lines = note_lines(&notes(&src), &src, Lang::Fr);
        let two = balanced(&lines, 2);
        assert_eq!(two.len(), 2);
        assert!(two[0].at < two[1].at);
        let all = balanced(&lines, 10);
        assert_eq!(parts(&all).len(), 4);
    }

    #[test]
    fn a_summary_missing_quarters_gets_their_lines_back_in_the_sources_order() {
        let src = source();
        let lines = note_lines(&notes(&src), &src, Lang::Fr);
        let summary = "Hélène Vasseur choisit en 1952 la gorge de granit. En 2019, le conseil départemental vota la modernisation des turbines.";
        assert_eq!(covered(summary, &src), [true, false, false, true]);
        let (done, added) = complete(summary, &src, &lines);
        assert_eq!(added.len(), 2);
        assert_eq!(covered(&done, &src), [true; 4]);
        assert_eq!(
            done,
            "Hélène Vasseur choisit en 1952 la gorge de granit. Le barrage fut inauguré en 1961. Joseph Kerlan fonda une association en 1989. En 2019, le conseil départemental vota la modernisation des turbines."
        );
    }

    #[test]
    fn the_plainest_source_sentences_that_state_something_come_first_in_each_quarter() {
        let everyday = [
            "the", "vote", "took", "place", "council", "plan", "with", "budget", "million",
            "dollars", "town", "people", "meeting", "public", "drew",
        ];
        let lexicon = Lexicon::ranked(everyday, 4);
        let filler = " The river ran on.".repeat(4);
        let src = format!(
            "The tannery discharged chrome liquor into the estuary through a culvert in 1962.{filler} \
             A public meeting in the town drew 900 people.{filler} \
             She said it in 1975.{filler}{filler} \
             The council approved the plan in July 2024, with a budget of 4.2 million dollars. \
             The vote took place on 9 May 2024."
        );
        let readable = |s: &str| Some(s.to_string()).filter(|s| !s.starts_with("She"));
        let lines = plain_lines(&src, &lexicon, readable);
        let texts: Vec<(usize, &str)> =
            lines.iter().map(|l| (l.quarter, l.text.as_str())).collect();
        // Not the tannery's sentence (five words past the everyday ones), not one that
        // states nothing ("The river ran on."), not one `may_ship` refuses; in the last
        // quarter, the one with no rare word first.
        assert_eq!(
            texts,
            [
                (1, "A public meeting in the town drew 900 people."),
                (3, "The vote took place on 9 May 2024."),
                (
                    3,
                    "The council approved the plan in July 2024, with a budget of 4.2 million dollars."
                ),
            ]
        );
    }
}
