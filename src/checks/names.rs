//! Long names in translations: whether "l'Agence ministérielle pour l'intelligence
//! artificielle de défense" comes out as a name with every word of it, not as "the
//! Defense Intelligence Agency" (another body) or "the Ministry's Intelligence Agency".
//!
//! A small model renders a long institutional name as a shorter, familiar one: every word
//! it keeps is in the original, so grounding sees nothing, yet the name is another
//! body's. What code can see is the name as the translation writes it (a run of
//! capitalized words, "Defense Intelligence Agency") and the stretch of the original it
//! renders: the words between the first and last of the original's that the run renders
//! (by spelling: the words of such names are written alike in French and English, mostly),
//! and those that hang on the last one by a grammar word ("… de défense"). A word of that
//! stretch the run does not render is a word of the name the translation lost. Grammar
//! words, not a subject's vocabulary.

use super::ground::fold;

/// Words that join a word to the name before it ("Agency for Defense", "Agence … de
/// défense"), in both languages.
const JOINERS: &[&str] = &[
    "de", "du", "des", "d", "la", "le", "les", "l", "pour", "of", "for", "the",
];

/// Words that may also stand between two capitalized words of one name as a translation
/// writes it ("Ministry of the Armed Forces and Veterans", "Intelligence in Defense"),
/// though what follows them may be a second name.
const LINKS: &[&str] = &["et", "and", "in"];

/// Least words of a name's stretch in the original for it to be checked: shorter names
/// ("Anciens combattants", "Conseil d'État") are often translated by other words
/// ("Veterans", "Council of State") and carry less to lose.
const LONG: usize = 3;

/// Least words of the original that a run must render to be taken for its translation.
const RENDERED: usize = 2;

/// Longest stretch of the original, in words, read as one name after its capitalized head.
const SPAN: usize = 10;

/// Most words between two rendered words of one name ("Agence [ministérielle pour l']
/// intelligence").
const GAP: usize = 6;

/// A word of a text, as `names` reads it.
struct Word {
    text: String,
    /// One of `JOINERS`.
    joins: bool,
    /// A clause ends after it.
    ends: bool,
}

/// A text's words.
fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for raw in text.split_whitespace() {
        let ends = raw.ends_with([',', '.', ';', ':', '!', '?', ')', '(', '»', '"']);
        // "l'intelligence": the elided article, then the word.
        for (i, part) in raw.split(['\'', '’']).enumerate() {
            let w = part.trim_matches(|c: char| !c.is_alphanumeric());
            let w = if i > 0 && w == "s" { "" } else { w };
            if w.is_empty() {
                continue;
            }
            out.push(Word {
                text: w.to_string(),
                joins: JOINERS.contains(&fold(w).as_str()),
                ends: false,
            });
        }
        if raw.starts_with(['(', '«', '"']) {
            // A word in brackets or quotes starts a clause of its own.
            if let Some(last) = out.iter_mut().rev().nth(1) {
                last.ends = true;
            }
        }
        if let Some(last) = out.last_mut() {
            last.ends |= ends;
        }
    }
    out
}

/// Does a word join two capitalized words of one run?
fn links(w: &Word) -> bool {
    w.joins || LINKS.contains(&fold(&w.text).as_str())
}

/// Does a word start with a capital (its first letter upper case, the rest not all upper
/// case: an acronym such as "AI" renders no word)?
fn capitalized(w: &str) -> bool {
    let mut c = w.chars();
    c.next().is_some_and(char::is_uppercase) && c.any(char::is_lowercase)
}

/// A word that says something: four letters or more, not a joiner.
fn content(w: &Word) -> bool {
    !w.joins && w.text.chars().count() >= 4
}

/// Are two words written alike across French and English: the same first four letters,
/// folded ("ministérielle" and "Ministry's", "défense" and "Defence", "Agence" and
/// "Agency"); a French "é" that opens a word may be an English "s" ("études" and
/// "Studies", "État" and "State").
fn alike(a: &str, b: &str) -> bool {
    let head = |w: &str| fold(w).chars().take(4).collect::<String>();
    let as_s = |w: &str| {
        w.strip_prefix(['é', 'É'])
            .map(|rest| head(&format!("s{rest}")))
    };
    head(a) == head(b) || as_s(a) == Some(head(b)) || as_s(b) == Some(head(a))
}

/// The runs of capitalized words a text writes as names ("Ministry's Intelligence
/// Artificial Intelligence Agency"), joiners inside them allowed; each run's content words.
fn runs(text: &str) -> Vec<Vec<String>> {
    let ws = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        if !capitalized(&ws[i].text) || links(&ws[i]) {
            i += 1;
            continue;
        }
        let mut run = vec![ws[i].text.clone()];
        let mut j = i;
        while !ws[j].ends && j + 1 < ws.len() {
            // Joiners, then a capitalized word, continue the run; "and" or "in" only
            // right before it ("Forces and Veterans", not "Research and the National").
            let mut k = j + 1;
            while k < ws.len() && ws[k].joins && !ws[k].ends {
                k += 1;
            }
            if k == j + 1 && k < ws.len() && links(&ws[k]) && !ws[k].ends {
                k += 1;
            }
            if k < ws.len() && capitalized(&ws[k].text) && !links(&ws[k]) {
                run.push(ws[k].text.clone());
                j = k;
            } else {
                break;
            }
        }
        if run.len() >= 2 {
            out.push(run);
        }
        i = j + 1;
    }
    out
}

/// The words of a stretch of `original` that a run (`run`, the translation's name) leaves
/// unrendered, where they are more than the run's words that render none of it. A
/// stretch runs from a capitalized word that does not open the sentence, up to `SPAN`
/// words, to the end of its clause or a second name (`second_name`); the name in it,
/// from the first word the run renders to the last (no two more than `GAP` words apart),
/// then the words hanging on the last by a joiner. Of all stretches, the one whose name
/// the run renders most words of. `None` where no name of `LONG` words or more has
/// `RENDERED` of them rendered.
fn lost_in(original: &[Word], run: &[String]) -> Option<Vec<String>> {
    let rendered = |w: &str| run.iter().any(|r| alike(w, r));
    let mut best: Option<(usize, Vec<String>)> = None;
    for head in 1..original.len() {
        if !capitalized(&original[head].text) || original[head].joins {
            continue;
        }
        let mut end = head;
        while end + 1 < original.len()
            && end - head < SPAN
            && !original[end].ends
            && !second_name(&original[end + 1..])
        {
            end += 1;
        }
        let stretch = &original[head..=end];
        let hits: Vec<usize> = (0..stretch.len())
            .filter(|&i| content(&stretch[i]) && rendered(&stretch[i].text))
            .collect();
        let Some((first, last, count)) = densest(&hits) else {
            continue;
        };
        let named: Vec<&Word> = stretch[first..=hanging(stretch, last)]
            .iter()
            .filter(|w| content(w))
            .collect();
        if named.len() < LONG || best.as_ref().is_some_and(|(n, _)| *n >= count) {
            continue;
        }
        let lost: Vec<String> = named
            .iter()
            .filter(|w| !rendered(&w.text))
            .map(|w| w.text.clone())
            .collect();
        // A word rendered by another word ("recherche" as "Research") leaves a word of
        // the run that renders none of the name's: only words beyond those are lost. A
        // run word that renders a word elsewhere in the original ("State" for "l'État"
        // further on) is that word's, not a spare one.
        let spare = run
            .iter()
            .filter(|r| !original.iter().any(|w| content(w) && alike(&w.text, r)))
            .count();
        best = Some((count, if lost.len() > spare { lost } else { Vec::new() }));
    }
    best.map(|(_, lost)| lost)
}

/// Do `words` open a second name: a word of `LINKS`, then (after joiners) a capitalized
/// word ("… et l'Office …", "… and the National …"; not "… d'études et de recherches")?
fn second_name(words: &[Word]) -> bool {
    let Some((first, rest)) = words.split_first() else {
        return false;
    };
    LINKS.contains(&fold(&first.text).as_str())
        && rest
            .iter()
            .find(|w| !w.joins)
            .is_some_and(|w| capitalized(&w.text))
}

/// Of `hits` (positions, in order), the first and last of the longest chain with no two
/// more than `GAP` apart, and how many it holds; `None` under `RENDERED`.
fn densest(hits: &[usize]) -> Option<(usize, usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    let mut start = 0;
    for i in 0..hits.len() {
        if i + 1 == hits.len() || hits[i + 1] - hits[i] > GAP {
            let count = i + 1 - start;
            if count >= RENDERED && best.is_none_or(|(.., n)| count > n) {
                best = Some((hits[start], hits[i], count));
            }
            start = i + 1;
        }
    }
    best
}

/// The last word of a name whose last rendered word is at `last` in `stretch`: "… de
/// défense", a word after joiners, belongs to it; one right after a word ("… défense
/// seront …") is the sentence going on.
fn hanging(stretch: &[Word], last: usize) -> usize {
    let mut upto = last;
    while upto + 1 < stretch.len() && !stretch[upto].ends {
        let mut k = upto + 1;
        while k < stretch.len() && stretch[k].joins && !stretch[k - 1].ends {
            k += 1;
        }
        if k == upto + 1 || k >= stretch.len() || !content(&stretch[k]) {
            break;
        }
        upto = k;
    }
    upto
}

/// Does `translation` render every long name of `original` it writes as a name whole:
/// each run of capitalized words it writes, taken for a name of the original (it renders
/// `RENDERED` of its words or more), renders every word of that name's stretch? A run
/// that is no long name of the original (a short one, one translated by other words, a
/// title) is not asked about.
pub fn renders_whole(original: &str, translation: &str) -> bool {
    let original = words(original);
    runs(translation)
        .iter()
        .all(|run| lost_in(&original, run).is_none_or(|lost| lost.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENCY: &str = "Le contrat est confié à l'Agence ministérielle pour \
        l'intelligence artificielle de défense, créée pour accélérer l'adoption de l'IA.";

    #[test]
    fn a_long_name_rendered_as_a_shorter_familiar_one_is_caught() {
        for wrong in [
            "The contract goes to the Defense Intelligence Agency, created to speed up AI.",
            "It falls to the Ministry's Intelligence Artificial Intelligence Agency, created \
             to speed up AI.",
            "It falls to the Defense Intelligence Agency for Artificial Intelligence.",
        ] {
            assert!(!renders_whole(AGENCY, wrong), "{wrong}");
        }
        // A run word that renders another word of the original stands for no word of
        // the name.
        let original = "Des déploiements pilotés par l'Agence ministérielle pour \
            l'intelligence artificielle de défense seront hébergés par l'État.";
        let wrong = "Deployments will be carried out by the Defense Intelligence Agency's \
            Ministry of State.";
        assert!(!renders_whole(original, wrong));
    }

    #[test]
    fn a_name_rendered_whole_or_not_as_a_name_passes() {
        for right in [
            "The contract goes to the Ministerial Agency for Artificial Intelligence in \
             Defense, created to speed up the adoption of AI.",
            "It falls to the Ministry's Agency for Defence Artificial Intelligence.",
            // Not written as a name: nothing to compare.
            "It falls to the ministry's defence AI agency, created to speed up AI.",
        ] {
            assert!(renders_whole(AGENCY, right), "{right}");
        }
    }

    #[test]
    fn short_names_verbs_after_a_name_and_other_words_are_not_asked_about() {
        let cases = [
            (
                "Le ministère des Armées et des Anciens combattants a signé l'accord.",
                "The Ministry of the Armed Forces and Veterans signed the agreement.",
            ),
            (
                "Des déploiements pilotés par l'Agence ministérielle de défense seront \
                 réalisés sur des infrastructures souveraines.",
                "Deployments led by the Ministerial Defence Agency will be carried out on \
                 sovereign infrastructure.",
            ),
            (
                "Le ministère a signé avec Mistral AI pour intégrer des technologies \
                 souveraines.",
                "The ministry signed with Mistral AI to integrate sovereign technologies.",
            ),
        ];
        for (original, translation) in cases {
            assert!(renders_whole(original, translation), "{translation}");
        }
    }

    #[test]
    fn words_of_a_name_translated_by_their_cognates_are_rendered() {
        let original = "Le Centre national de la recherche scientifique et l'Office \
            national d'études et de recherches aérospatiales ont signé.";
        let translation = "The National Centre for Scientific Research and the National \
            Office for Aerospace Studies and Research signed.";
        assert!(renders_whole(original, translation));
        assert!(!renders_whole(
            original,
            "The National Centre for Scientific Research and the National Aerospace \
             Development Office signed."
        ));
    }

    #[test]
    fn an_english_name_rendered_in_french_is_asked_about_alike() {
        let original = "The deal was signed by the National Agency for Information \
            Systems Security on Monday.";
        assert!(renders_whole(
            original,
            "L'accord a été signé lundi par l'Agence Nationale de la Sécurité des \
             Systèmes d'Information."
        ));
        assert!(!renders_whole(
            original,
            "L'accord a été signé lundi par l'Agence Nationale de Sécurité."
        ));
    }
}
