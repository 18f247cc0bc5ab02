//! The two output languages, a cheap guess of a source's language from function words,
//! and what a small model writing one of them often gets wrong: French elision, and
//! numbers left in the notation of the text it read.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub const BOTH: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The other of the two.
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

const FR: &[&str] = &[
    "le", "la", "les", "des", "du", "de", "un", "une", "et", "est", "dans", "pour", "que", "qui",
    "au", "aux", "avec", "sur", "par", "pas", "ce", "cette", "sont", "ont", "été", "à", "en", "il",
];
const EN: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "that", "for", "with", "on", "by", "as", "are", "was",
    "it", "this", "be", "from", "at", "an", "has", "have", "which", "its", "will", "their",
];

/// French or English, by counting common function words. Ties go to English. Good enough to
/// choose the language of the notes prompt; not a verdict on an output.
pub fn guess(text: &str) -> Lang {
    let (mut fr, mut en) = (0usize, 0usize);
    for w in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(2000)
    {
        let w = w.to_lowercase();
        fr += FR.contains(&w.as_str()) as usize;
        en += EN.contains(&w.as_str()) as usize;
    }
    if fr > en {
        Lang::Fr
    } else {
        Lang::En
    }
}

/// `sentence` (French) with the elisions French spelling requires before a vowel: "le
/// accord" is "l'accord", "de ouverture" "d'ouverture", "ce accord" "cet accord", "si il"
/// "s'il". Before an "h" nothing changes: whether it elides depends on the word.
pub fn elide(sentence: &str) -> String {
    const ELIDED: [(&str, &str); 9] = [
        ("le", "l'"),
        ("la", "l'"),
        ("de", "d'"),
        ("que", "qu'"),
        ("ne", "n'"),
        ("se", "s'"),
        ("je", "j'"),
        ("me", "m'"),
        ("te", "t'"),
    ];
    let vowel = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| "aeiouéèêàâîôûAEIOUÉÈÊÀÂÎÔÛ".contains(c))
    };
    let words: Vec<&str> = sentence.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let (w, next) = (words[i], words.get(i + 1).copied().unwrap_or(""));
        let lower = w.to_lowercase();
        let cap = |s: &str| match w.starts_with(char::is_uppercase) {
            true => s[..1].to_uppercase() + &s[1..],
            false => s.to_string(),
        };
        let joined = if !vowel(next) {
            None
        } else if let Some((_, e)) = ELIDED.iter().find(|(f, _)| *f == lower) {
            Some(format!("{}{next}", cap(e)))
        } else if lower == "ce" {
            Some(match next {
                "est" | "était" => format!("{}{next}", cap("c'")),
                _ => format!("{} {next}", cap("cet")),
            })
        } else if lower == "si" && ["il", "ils"].contains(&next) {
            Some(format!("{}{next}", cap("s'")))
        } else {
            None
        };
        match joined {
            Some(j) => {
                out.push(j);
                i += 2;
            }
            None => {
                out.push(w.to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
}

/// `sentence` with its numbers in `lang`'s notation, where the one they came in reads
/// otherwise there: "4.200 hectares" (Spanish, German) or "4 200" is "4,200" in English,
/// "12,5 %" is "12.5 %"; "4,200" or "4.200" is "4 200" in French. A reader of English takes
/// "4.200" for four point two, a reader of French "4,200". Each number keeps the value the
/// grounding check reads in it (`ground`: three digits after a lone separator group
/// thousands), so the checks see the same figures before and after. A number both
/// languages read alike ("3.5" in French, a year, "1,000.5" in English) is left as written,
/// and so is one mixing both separators the continental way ("1.000,5").
pub fn write_numbers(sentence: &str, lang: Lang) -> String {
    let chars: Vec<char> = sentence.chars().collect();
    let sep = |c: char| SEPARATORS.contains(&c);
    let mut out = String::with_capacity(sentence.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || sep(chars[i - 1])));
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The number: digits, and separators followed by a digit.
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || (sep(chars[j]) && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit())))
        {
            j += 1;
        }
        let token: String = chars[i..j].iter().collect();
        let glued = chars.get(j).is_some_and(|c| c.is_alphanumeric());
        match (glued, rewritten(&token, lang)) {
            (false, Some(r)) => out.push_str(&r),
            _ => out.push_str(&token),
        }
        i = j;
    }
    out
}

/// What may stand between a number's digits: a point, a comma, a no-break space.
const SEPARATORS: [char; 4] = ['.', ',', '\u{a0}', '\u{202f}'];

/// A number `token` (digits and separators) in `lang`'s notation, where that changes it.
fn rewritten(token: &str, lang: Lang) -> Option<String> {
    let groups: Vec<&str> = token.split(SEPARATORS).collect();
    let seps: Vec<char> = token.chars().filter(|c| !c.is_ascii_digit()).collect();
    let first = seps.first().copied()?;
    let spaced = |c: char| matches!(c, '\u{a0}' | '\u{202f}');
    let all_alike = seps
        .iter()
        .all(|&c| c == first || (spaced(c) && spaced(first)));
    if !all_alike {
        return None;
    }
    let threes = groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3);
    // Thousands grouped: a space, several separators, or one before three digits (as
    // `ground` reads "4,200" and "4.200").
    let thousands = threes && (spaced(first) || seps.len() > 1 || groups[0] != "0");
    let digits = groups.concat();
    match (lang, thousands) {
        (Lang::En, true) if first != ',' => Some(group(&digits, ",")),
        (Lang::Fr, true) => Some(group(&digits, "\u{a0}")),
        // "12,5": a decimal comma, which English writes as a point.
        (Lang::En, false) if first == ',' && seps.len() == 1 => Some(groups.join(".")),
        _ => None,
    }
}

/// `digits` in groups of three from the right, joined by `with`.
fn group(digits: &str, with: &str) -> String {
    let head = digits.len() % 3;
    let mut parts: Vec<&str> = Vec::new();
    if head > 0 {
        parts.push(&digits[..head]);
    }
    parts.extend((head..digits.len()).step_by(3).map(|k| &digits[k..k + 3]));
    parts.join(with)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_the_notation_of_the_language_they_are_written_in() {
        let en = [
            (
                "El fuego quemó 4.200 hectáreas.",
                "El fuego quemó 4,200 hectáreas.",
            ),
            (
                "Turnout was 12,5% and 1.000.000 voted.",
                "Turnout was 12.5% and 1,000,000 voted.",
            ),
            ("It cost 4\u{a0}200 euros.", "It cost 4,200 euros."),
            // Read alike in English already, or not a number to regroup.
            (
                "1,000.5 and 3.5 and 62,000 in 2026.",
                "1,000.5 and 3.5 and 62,000 in 2026.",
            ),
            (
                "Version 2.0.1, 16.12.2025, S1.200, 1.000,5.",
                "Version 2.0.1, 16.12.2025, S1.200, 1.000,5.",
            ),
        ];
        for (written, right) in en {
            assert_eq!(write_numbers(written, Lang::En), right);
        }
        let fr = [
            (
                "Le feu a brûlé 4,200 hectares.",
                "Le feu a brûlé 4\u{a0}200 hectares.",
            ),
            (
                "Soit 1.000.000 de votants.",
                "Soit 1\u{a0}000\u{a0}000 de votants.",
            ),
            (
                "Un taux de 12,5 % et 3.5 points.",
                "Un taux de 12,5 % et 3.5 points.",
            ),
        ];
        for (written, right) in fr {
            assert_eq!(write_numbers(written, Lang::Fr), right);
        }
        // The grounding check reads the same figures before and after.
        for (written, _) in en {
            let keys = |t: &str| crate::checks::ground::holds(t);
            assert_eq!(
                keys(written),
                keys(&write_numbers(written, Lang::En)),
                "{written}"
            );
        }
    }

    #[test]
    fn french_elides_before_a_vowel_and_not_before_h() {
        let cases = [
            (
                "Le accord permet de ouvrir la usine.",
                "L'accord permet d'ouvrir l'usine.",
            ),
            (
                "Ce accord dit que il part si il veut.",
                "Cet accord dit qu'il part s'il veut.",
            ),
            (
                "Ce est la date de OpenAI, de un an.",
                "C'est la date d'OpenAI, d'un an.",
            ),
            ("Le héros de la histoire.", "Le héros de la histoire."),
            ("Le conseil de 2025 a voté.", "Le conseil de 2025 a voté."),
        ];
        for (written, right) in cases {
            assert_eq!(elide(written), right);
        }
    }

    #[test]
    fn guesses_french_and_english() {
        assert_eq!(
            guess("Le ministère des Armées a signé un accord avec la start-up."),
            Lang::Fr
        );
        assert_eq!(
            guess("The ministry signed a framework agreement with the startup."),
            Lang::En
        );
    }
}
