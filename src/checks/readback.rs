//! Reading a translation back: the words of an original that the model, asked to
//! translate the translation back and shown the original as its answer, finds unlikely
//! are words the translation lost or changed ("the regional audit chamber" written "le
//! conseil audit régional", "metropolitan" written "municipal").

use crate::checks::statements;
use crate::model::ReadToken;

/// A word of the original is unread when the model gives it less than this (natural log,
/// summed over its tokens) after the translation: about 1 in 3,000. Read back from
/// French, the English words that a right translation renders by another word ("said" for
/// "a indiqué") stay above about -7 in this project's runs, and the words a translation
/// lost fall to -9 to -14.
pub const UNREAD: f32 = -8.0;

/// Most unread words a retry names: more means the translation is wrong throughout, and
/// naming them all would not make it right.
pub const NAMED: usize = 4;

/// The words of an original, read back (`read`: its tokens, each with its log-probability)
/// that say something (`statements::says_something`) and that the model found unlikely
/// (`UNREAD`), in their order. Figures and dates are left to the grounding checks: read
/// back, "3 November" after "le 3 novembre" is as unlikely as a wrong day.
pub fn unread(read: &[ReadToken]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (word, logprob) in words(read) {
        let has_digit = word.chars().any(|c| c.is_ascii_digit());
        if logprob < UNREAD
            && !has_digit
            && statements::says_something(&word)
            && !found.contains(&word)
        {
            found.push(word);
        }
    }
    found
}

/// The words of a read answer, each with the summed log-probability of its tokens. A
/// word is a run of letters, digits, hyphens and apostrophes; a token of punctuation
/// alone (a quotation mark the model did not expect) counts for no word.
fn words(read: &[ReadToken]) -> Vec<(String, f32)> {
    let part = |c: char| c.is_alphanumeric() || matches!(c, '-' | '\'' | '’');
    let mut out: Vec<(String, f32)> = Vec::new();
    let mut open = false;
    for t in read {
        let starts_word = t.text.chars().next().is_some_and(part);
        if !(open && starts_word) {
            open = false;
        }
        let mut counted = false;
        for c in t.text.chars() {
            if part(c) {
                if !open {
                    out.push((String::new(), 0.0));
                    open = true;
                }
                let last = out.last_mut().expect("a word is open");
                last.0.push(c);
                if !counted {
                    last.1 += t.logprob;
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

    fn read(tokens: &[(&str, f32)]) -> Vec<ReadToken> {
        tokens
            .iter()
            .map(|(t, l)| ReadToken {
                text: t.to_string(),
                logprob: *l,
            })
            .collect()
    }

    #[test]
    fn a_word_sums_its_tokens_and_punctuation_counts_for_none() {
        let r = read(&[
            ("The", -0.1),
            (" regional", -0.5),
            (" audit", -0.2),
            (" ch", -6.0),
            ("amber", -3.5),
            (",", -2.0),
            (" «", -15.0),
            ("well", -0.3),
            ("»", -9.0),
        ]);
        let w = words(&r);
        let names: Vec<&str> = w.iter().map(|(x, _)| x.as_str()).collect();
        assert_eq!(names, ["The", "regional", "audit", "chamber", "well"]);
        assert_eq!(w[3].1, -9.5);
        assert_eq!(w[4].1, -0.3);
    }

    #[test]
    fn unlikely_words_that_say_something_are_unread_and_figures_and_small_words_are_not() {
        let r = read(&[
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
        ]);
        assert_eq!(unread(&r), ["chamber", "puts"]);
    }
}
