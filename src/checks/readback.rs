//! Reading a translation back: the words of an original that the model, asked to
//! translate the translation back and shown the original as its answer, finds unlikely
//! are words the translation lost or changed ("the regional audit chamber" written "le
//! conseil audit régional", "metropolitan" written "municipal"). Look-alikes that do not
//! translate ("déception" for "deception") read back as their original, so they are
//! looked up in a table instead (`FalseFriends`).

use crate::checks::{ground, statements};
use std::collections::HashSet;

/// A word of the original is unread when the model gives it less than this (natural log,
/// summed over its tokens) after the translation: about 1 in 3,000. Read back from
/// French, the English words that a right translation renders by another word ("said" for
/// "a indiqué") stay above about -7 in this project's runs, and the words a translation
/// lost fall to -9 to -14.
pub const UNREAD: f32 = -8.0;

/// Most unread words a retry names: more means the translation is wrong throughout, and
/// naming them all would not make it right.
pub const NAMED: usize = 4;

/// The words of an original, read back (`read`: its tokens' texts, each with its
/// log-probability; plain pairs, so that checks need nothing of the model's types)
/// that say something (`statements::says_something`) and that the model found unlikely
/// (`UNREAD`), in their order. Figures and dates are left to the grounding checks: read
/// back, "3 November" after "le 3 novembre" is as unlikely as a wrong day.
pub fn unread(read: &[(&str, f32)]) -> Vec<String> {
    below(read, UNREAD, |word| {
        !word.chars().any(|c| c.is_ascii_digit()) && statements::says_something(word)
    })
}

/// A word a first translation lost, that its second try was asked by name to carry, must
/// read back above this (about 1 in 55), not merely above `UNREAD`: rendered right, the
/// word it was asked for reads back as near certain ("chamber" after "La chambre …"
/// above -1), and a second guess that is only not unlikely is another wrong word ("chamber"
/// at -6.7 after "Le bureau …", where the first try's "Le comité …" gave -11.7).
pub const RECOVERED: f32 = -4.0;

/// Those of `named` (words of the original a retry was asked to carry) that the model,
/// reading the retry back (`read`, as for `unread`), gives less than `RECOVERED`.
pub fn unrecovered(read: &[(&str, f32)], named: &[String]) -> Vec<String> {
    below(read, RECOVERED, |word| named.iter().any(|n| n == word))
}

/// The words of `read` (as for `unread`) that the model gives less than `threshold` and
/// that `asked` keeps, each once, in their order.
fn below(read: &[(&str, f32)], threshold: f32, asked: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (word, logprob) in words(read) {
        if logprob < threshold && asked(&word) && !found.contains(&word) {
            found.push(word);
        }
    }
    found
}

/// Words of one language and the other's look-alikes that do not translate them
/// (`prompts/false_friends.<language>.txt`, by the original's), accents folded.
pub struct FalseFriends(Vec<(HashSet<String>, HashSet<String>)>);

impl FalseFriends {
    /// Lines of `original's forms | look-alikes`, each side a comma-separated list; `#`
    /// starts a comment line.
    pub fn parse(text: &str) -> FalseFriends {
        let side = |s: &str| -> HashSet<String> {
            s.split(',')
                .map(|w| ground::fold(w.trim()))
                .filter(|w| !w.is_empty())
                .collect()
        };
        let pairs = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('|'))
            .map(|(originals, look_alikes)| (side(originals), side(look_alikes)))
            .collect();
        FalseFriends(pairs)
    }

    /// The words of `original` that its `translation` renders by a look-alike that does
    /// not translate them, as the original writes them.
    pub fn in_translation(&self, original: &str, translation: &str) -> Vec<String> {
        let theirs: HashSet<String> = plain_words(translation).map(ground::fold).collect();
        let mut found: Vec<String> = Vec::new();
        for w in plain_words(original) {
            let folded = ground::fold(w);
            let wrong = self.0.iter().any(|(originals, look_alikes)| {
                originals.contains(&folded) && look_alikes.iter().any(|f| theirs.contains(f))
            });
            if wrong && !found.iter().any(|x| x == w) {
                found.push(w.to_string());
            }
        }
        found
    }
}

/// The words of a text, split at anything but a letter ("l'issue" holds "issue").
fn plain_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
}

/// The words of a read answer, each with the summed log-probability of its tokens. A
/// word is a run of letters, digits, hyphens and apostrophes; a token of punctuation
/// alone (a quotation mark the model did not expect) counts for no word.
fn words(read: &[(&str, f32)]) -> Vec<(String, f32)> {
    let part = |c: char| c.is_alphanumeric() || matches!(c, '-' | '\'' | '’');
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut open = false;
    for &(text, logprob) in read {
        let starts_word = text.chars().next().is_some_and(part);
        if !(open && starts_word) {
            open = false;
        }
        let mut counted = false;
        for c in text.chars() {
            if part(c) {
                if !open {
                    out.push((String::new(), 0.0));
                    open = true;
                }
                let last = out.last_mut().expect("a word is open");
                last.0.push(c);
                if !counted {
                    last.1 += logprob;
                    counted = true;
                }
            } else {
                open = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_look_alike_that_does_not_translate_is_found_and_a_right_word_is_not() {
        let table = FalseFriends::parse(
            "# comment\ndeception, deceptions | déception, déceptions\nissue | issue, issues\n",
        );
        let en = "A trade union called the plan a deception and raised the issue.";
        assert_eq!(
            table.in_translation(
                en,
                "Un syndicat a qualifié le plan de déception et soulevé l'issue."
            ),
            ["deception", "issue"]
        );
        assert!(table
            .in_translation(
                en,
                "Un syndicat a qualifié le plan de tromperie et soulevé la question."
            )
            .is_empty());
        // The look-alike alone, without the English word, is not in question.
        assert!(table
            .in_translation(
                "The plan disappointed the union.",
                "Le plan a été une déception."
            )
            .is_empty());
        // The table as shipped parses, every line with both sides.
        for shipped in [
            include_str!("../../prompts/false_friends.en.txt"),
            include_str!("../../prompts/false_friends.fr.txt"),
        ] {
            let shipped = FalseFriends::parse(shipped);
            assert!(shipped.0.len() >= 20);
            assert!(shipped
                .0
                .iter()
                .all(|(originals, look_alikes)| !originals.is_empty() && !look_alikes.is_empty()));
        }
        // The French side: "syndicate" does not translate "l'intersyndicale".
        let fr = FalseFriends::parse(include_str!("../../prompts/false_friends.fr.txt"));
        let original = "L'intersyndicale maintient son appel à manifester le 19 mars.";
        assert_eq!(
            fr.in_translation(
                original,
                "The syndicate maintained its call for a new strike on March 19."
            ),
            ["intersyndicale"]
        );
        assert!(fr
            .in_translation(
                original,
                "The unions maintained their call to demonstrate on March 19."
            )
            .is_empty());
    }

    #[test]
    fn a_named_word_must_read_back_as_likely_not_merely_as_not_unlikely() {
        let r = [
            ("The", -0.1),
            (" chamber", -6.7),
            (" points", -0.4),
            (" to", -0.1),
            (" rising", -3.5),
            (" steel", -0.5),
        ];
        // Above `UNREAD`, so not unread; below `RECOVERED`, so not carried back.
        assert!(unread(&r).is_empty());
        let named = ["chamber".to_string(), "steel".to_string()];
        assert_eq!(unrecovered(&r, &named), ["chamber"]);
        // A word not named is not asked.
        assert!(unrecovered(&r, &["rising".to_string()]).is_empty());
    }

    #[test]
    fn a_word_sums_its_tokens_and_punctuation_counts_for_none() {
        let r = [
            ("The", -0.1),
            (" regional", -0.5),
            (" audit", -0.2),
            (" ch", -6.0),
            ("amber", -3.5),
            (",", -2.0),
            (" «", -15.0),
            ("well", -0.3),
            ("»", -9.0),
        ];
        let w = words(&r);
        let names: Vec<&str> = w.iter().map(|(x, _)| x.as_str()).collect();
        assert_eq!(names, ["The", "regional", "audit", "chamber", "well"]);
        assert_eq!(w[3].1, -9.5);
        assert_eq!(w[4].1, -0.3);
    }

    #[test]
    fn unlikely_words_that_say_something_are_unread_and_figures_and_small_words_are_not() {
        let r = [
            ("An", -0.1),
            (" analysis", -0.4),
            (" published", -0.3),
            (" on", -0.2),
            (" 3", -9.4),
            (" November", -0.5),
            (" by", -0.1),
            (" the", -0.1),
            (" chamber", -9.8),
            (" puts", -8.9),
            (" it", -0.2),
            (" at", -8.5),
            (" 465", -12.0),
            (" million", -0.3),
            (" said", -6.5),
            (".", -0.1),
        ];
        assert_eq!(unread(&r), ["chamber", "puts"]);
    }
}
