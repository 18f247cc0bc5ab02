//! The two output languages, a cheap guess of a source's language from function words,
//! and French elision, which a small model writing French often forgets.

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

#[cfg(test)]
mod tests {
    use super::*;

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
