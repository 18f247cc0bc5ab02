//! The two output languages, and a cheap guess of a source's language from function words.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
