//! Titles given to the wrong name: a summary that writes "l'AMIAD, directeur du ministère"
//! where its source names someone else the agency's director, one sentence later.
//!
//! A small model merges two neighbouring sentences of its source into one and hands the
//! title of one party to another. Names and titles are both in the source, so grounding
//! sees nothing. What code can see is where a sentence ties a title to a name, by
//! apposition ("NAME, [the] TITLE …") or as a title before a name ("TITLE NAME"), and
//! whether any one sentence of the source holds that name and that title (in either
//! language) together. Titles are a closed class of words, like grammar words, not a
//! subject's vocabulary: the list below is the same for every story.

use super::ground::fold;

/// Titles that say what someone is, each row one title in French and English (folded:
/// lower case, no accents). Leadership titles share a row, so "PDG" and "chief executive"
/// back each other.
const TITLES: &[&[&str]] = &[
    &[
        "directeur",
        "directrice",
        "director",
        "pdg",
        "ceo",
        "dirigeant",
        "dirigeante",
        "patron",
        "patronne",
        "chef",
        "cheffe",
        "head",
        "chief",
        "boss",
        "responsable",
    ],
    &["president", "presidente", "chairman", "chairwoman"],
    &["ministre", "minister", "secretaire", "secretary"],
    &["porte-parole", "spokesman", "spokeswoman", "spokesperson"],
    &[
        "fondateur",
        "fondatrice",
        "cofondateur",
        "cofondatrice",
        "founder",
        "cofounder",
        "co-founder",
    ],
    &["maire", "mayor"],
    &["prefet", "prefete", "prefect"],
    &[
        "depute",
        "deputee",
        "lawmaker",
        "senateur",
        "senatrice",
        "senator",
    ],
    &["procureur", "procureure", "prosecutor"],
    &["ambassadeur", "ambassadrice", "ambassador"],
    &["gouverneur", "gouverneure", "governor"],
    &["juge", "judge"],
    &["commissaire", "commissioner"],
];

/// Words that may stand between an apposition's comma and its title ("X, the former
/// director").
const BEFORE_TITLE: &[&str] = &[
    "le", "la", "l", "son", "sa", "leur", "un", "une", "ancien", "ancienne", "nouveau", "nouvelle",
    "actuel", "actuelle", "the", "its", "his", "her", "their", "a", "an", "former", "new",
    "current",
];

/// Words that open a fronted complement, whose comma is no apposition ("In December, the
/// director…", "Selon Paris, le ministre…").
const OPENERS: &[&str] = &[
    "a",
    "au",
    "en",
    "dans",
    "depuis",
    "apres",
    "avant",
    "selon",
    "pour",
    "sur",
    "chez",
    "in",
    "on",
    "at",
    "since",
    "after",
    "before",
    "for",
    "from",
    "according",
];

/// Words before a place or a date, whose comma is no apposition either ("… last week in
/// Toulouse, the mayor said").
const PLACE_TIME: &[&str] = &[
    "a", "au", "aux", "en", "dans", "depuis", "pendant", "in", "at", "on", "since", "during",
];

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Comma,
    Stop,
}

/// Words (elided articles cut off: "l'AMIAD" is "AMIAD"), commas, and every other mark as
/// a stop.
fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            let w = match word.split_once(['\'', '’']) {
                Some((head, rest)) if head.chars().count() <= 2 && !rest.is_empty() => rest,
                _ => word.as_str(),
            };
            out.push(Tok::Word(w.to_string()));
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() || ['-', '\'', '’'].contains(&c) {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        match c {
            ',' => out.push(Tok::Comma),
            c if c.is_whitespace() => {}
            _ => out.push(Tok::Stop),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The row of `TITLES` that `word` (folded) is a title of, plural or not.
fn title(word: &str) -> Option<usize> {
    let w = fold(word);
    let singular = w.strip_suffix('s').unwrap_or(&w);
    TITLES
        .iter()
        .position(|row| row.contains(&w.as_str()) || row.contains(&singular))
}

fn capitalized(t: &Tok) -> Option<&str> {
    match t {
        Tok::Word(w) if w.starts_with(char::is_uppercase) => Some(w),
        _ => None,
    }
}

/// The (name words, title row) pairs that `sentence` ties together.
fn ties(sentence: &str) -> Vec<(Vec<String>, usize)> {
    let t = tokens(sentence);
    let mut out = Vec::new();
    for i in 0..t.len() {
        // NAME , [the] TITLE
        if t[i] == Tok::Comma && i > 0 && capitalized(&t[i - 1]).is_some() {
            let start = (0..i)
                .rev()
                .take_while(|&j| capitalized(&t[j]).is_some())
                .last()
                .unwrap_or(i);
            let name: Vec<String> = t[start..i]
                .iter()
                .filter_map(capitalized)
                .map(fold)
                .collect();
            // A sentence's first word is capitalized whatever it is ("Hier, le directeur"),
            // and a fronted complement ends at its comma ("En décembre, le ministre").
            let opener = t[..start].iter().all(|x| matches!(x, Tok::Word(_)))
                && t.first().is_some_and(
                    |x| matches!(x, Tok::Word(w) if OPENERS.contains(&fold(w).as_str())),
                );
            let initial = start == 0 && name.len() == 1;
            let placed = start > 0
                && matches!(&t[start - 1], Tok::Word(w) if PLACE_TIME.contains(&fold(w).as_str()));
            let after = t[i + 1..].iter().map_while(|x| match x {
                Tok::Word(w) => Some(w),
                _ => None,
            });
            let role = after
                .take(3)
                .find(|w| !BEFORE_TITLE.contains(&fold(w).as_str()))
                .and_then(|w| title(w));
            if let Some(row) = role.filter(|_| !(opener || initial || placed)) {
                out.push((name, row));
            }
        }
        // TITLE NAME
        if let (Tok::Word(w), Some(next)) = (&t[i], t.get(i + 1)) {
            if let (Some(row), Some(_)) = (title(w), capitalized(next)) {
                let name = t[i + 1..].iter().map_while(capitalized).map(fold).collect();
                out.push((name, row));
            }
        }
    }
    out
}

/// Does `sentence` give a name a title that no sentence of `source` gives it: the name is
/// in the source, the title too, never in one sentence together? A name the source never
/// uses is grounding's to find.
pub fn misplaced(sentence: &str, source: &str) -> bool {
    let sentences: Vec<Vec<String>> = crate::text::sentences(source)
        .into_iter()
        .map(|s| {
            tokens(s)
                .into_iter()
                .filter_map(|x| match x {
                    Tok::Word(w) => Some(fold(&w)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let names = |s: &[String], name: &[String]| name.iter().any(|n| s.contains(n));
    let titled = |s: &[String], row: usize| s.iter().any(|w| title(w) == Some(row));
    ties(sentence).into_iter().any(|(name, row)| {
        sentences.iter().any(|s| names(s, &name))
            && !sentences.iter().any(|s| names(s, &name) && titled(s, row))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "La mise en œuvre de l'accord est confiée à l'agence ARTEMIS. \
        Son directeur, Paul Verlaine, parle d'une étape majeure. \
        Le ministre Jean Moulin a signé le texte le 3 mars.";

    #[test]
    fn a_title_handed_to_the_wrong_name_is_found() {
        assert!(misplaced(
            "L'accord est signé par l'ARTEMIS, directeur du ministère, le 3 mars.",
            SOURCE
        ));
        assert!(misplaced(
            "The agreement was signed by Paul Verlaine, the minister, on 3 March.",
            SOURCE
        ));
        assert!(misplaced(
            "Director ARTEMIS called it a major step.",
            SOURCE
        ));
    }

    #[test]
    fn a_title_the_source_gives_that_name_is_kept_in_either_language() {
        for ok in [
            "Paul Verlaine, directeur de l'agence ARTEMIS, parle d'une étape majeure.",
            "Its director, Paul Verlaine, calls it a major step.",
            "Minister Jean Moulin signed the text on 3 March.",
            "Le ministre Jean Moulin a signé le texte.",
            // Not a tie: a fronted complement, a first word, a name the source never uses.
            "En ARTEMIS, le directeur parle d'une étape majeure.",
            "Hier, le directeur Paul Verlaine a parlé.",
            "Pierre Dupont, directeur de l'agence, a parlé.",
            "Le texte a été signé la semaine dernière à ARTEMIS, le ministre présent.",
        ] {
            assert!(!misplaced(ok, SOURCE), "{ok}");
        }
    }
}
