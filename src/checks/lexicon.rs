//! Word lists of the two output languages, to tell a word of the language from one the
//! model made up ("38 volos", "acceder", "compétitor").

use crate::lang::Lang;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// How many of a list's most frequent words are its everyday ones (`Lexicon::is_common`).
/// In pyspellchecker's subtitle counts, the 2,000th English word is "model", and the
/// English words French borrows ("drone" 5,152nd, "cloud" 3,102nd, "email", "startup")
/// rank past it.
pub const COMMON: usize = 2000;
/// How many of a list's most frequent words are plain enough that a small model knows them
/// in the other language (`Lexicon::is_everyday`). Past it, in the subtitle counts, come
/// "tannery", "anglers" and "salmon", which the default model leaves in English.
pub const EVERYDAY: usize = 5000;

/// The words of one language, in lower case.
pub struct Lexicon {
    words: HashSet<String>,
    /// Its accented words with their accents dropped ("reservoir" for "réservoir"): built
    /// on first use, which only a summary of a source in the other language makes.
    unaccented: OnceLock<HashSet<String>>,
    /// The rank of each of its `EVERYDAY` (or `common`) most frequent words, where the
    /// list gives frequencies.
    ranks: HashMap<String, usize>,
    /// The ranks below this one are the everyday words of the language ("fire", "deal",
    /// "selon"), never borrowed by the other one (`is_common`).
    common: usize,
    /// sha256 of the file it was read from (provenance).
    pub sha256: String,
}

impl Lexicon {
    pub fn from_words<I: IntoIterator<Item = S>, S: AsRef<str>>(words: I) -> Self {
        let words: HashSet<String> = words
            .into_iter()
            .map(|w| w.as_ref().to_lowercase())
            .collect();
        Lexicon {
            words,
            unaccented: OnceLock::new(),
            ranks: HashMap::new(),
            common: 0,
            sha256: String::new(),
        }
    }

    /// A list whose first `common` words are its most frequent ones (`is_common`).
    pub fn ranked<I: IntoIterator<Item = S>, S: AsRef<str>>(words: I, common: usize) -> Self {
        let words: Vec<String> = words
            .into_iter()
            .map(|w| w.as_ref().to_lowercase())
            .collect();
        let mut lexicon = Lexicon::from_words(&words);
        for (rank, w) in words.into_iter().take(common.max(EVERYDAY)).enumerate() {
            // Two spellings that lower-case alike keep the higher rank.
            lexicon.ranks.entry(w).or_insert(rank);
        }
        lexicon.common = common;
        lexicon
    }

    /// Is `word` (lower case) among the language's most frequent words? Such a word in a
    /// sentence of the other language, carried over from the source, is left
    /// untranslated ("le service de la fire"), not borrowed: the words French takes from
    /// English ("drone", "startup", "cloud") are rarer ones, ranked past 3,000 in the
    /// English list, and the everyday ones it does take ("parking", "business") are in
    /// the French list.
    pub fn is_common(&self, word: &str) -> bool {
        self.ranks.get(word).is_some_and(|&r| r < self.common)
    }

    /// Is `word` (lower case), or the singular of it, among the language's `EVERYDAY`
    /// most frequent words: one a small model most likely knows in the other language?
    pub fn is_everyday(&self, word: &str) -> bool {
        self.ranks.contains_key(word)
            || word
                .strip_suffix('s')
                .is_some_and(|w| self.ranks.contains_key(w))
    }

    /// Is `word` (lower case) a word of the language with its accents dropped, and not a
    /// word as written: "reservoir" in French, the English spelling of "réservoir"?
    pub fn lacks_accents(&self, word: &str) -> bool {
        let unaccented = self.unaccented.get_or_init(|| {
            self.words
                .iter()
                .map(|w| super::ground::fold(w))
                .filter(|f| !self.words.contains(f))
                .collect()
        });
        unaccented.contains(word) && !self.knows(word)
    }

    /// A gzipped JSON object whose keys are the words (pyspellchecker's word-frequency
    /// lists); `None` with the reason when it cannot be read.
    pub fn load(path: &Path) -> std::result::Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let mut json = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut json)
            .map_err(|e| format!("not gzip: {e}"))?;
        let counts: std::collections::HashMap<String, serde_json::Value> =
            serde_json::from_str(&json).map_err(|e| format!("not a JSON word list: {e}"))?;
        let mut by_count: Vec<(&String, u64)> = counts
            .iter()
            .map(|(w, n)| (w, n.as_u64().unwrap_or(0)))
            .collect();
        // Ties in name order, so that the same file gives the same common words.
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let mut lexicon = Lexicon::ranked(by_count.iter().map(|(w, _)| w), COMMON);
        lexicon.sha256 = crate::hash::sha256_hex(&bytes);
        Ok(lexicon)
    }

    /// Is `word` (lower case) a word of the language, as written or as the plural,
    /// feminine or participle of one the list holds ("comptages", "déverrouillé")?
    pub fn knows(&self, word: &str) -> bool {
        if self.words.contains(word) {
            return true;
        }
        const ENDINGS: [(&str, &[&str]); 9] = [
            ("s", &[""]),
            ("x", &[""]),
            ("ées", &["er", "é"]),
            ("és", &["er", "é"]),
            ("ée", &["er", "é"]),
            ("é", &["er"]),
            ("ed", &["", "e"]),
            ("ing", &["", "e"]),
            ("ies", &["y"]),
        ];
        ENDINGS.iter().any(|(end, stems)| {
            word.strip_suffix(end).is_some_and(|stem| {
                stem.chars().count() >= 3
                    && stems
                        .iter()
                        .any(|s| self.words.contains(&format!("{stem}{s}")))
            })
        })
    }
}

/// The word lists of French and English, where installed.
#[derive(Default, Debug)]
pub struct Lexicons {
    pub fr: Option<Lexicon>,
    pub en: Option<Lexicon>,
}

impl Lexicons {
    pub fn of(&self, lang: Lang) -> Option<&Lexicon> {
        match lang {
            Lang::Fr => self.fr.as_ref(),
            Lang::En => self.en.as_ref(),
        }
    }

    pub fn slot(&mut self, lang: Lang) -> &mut Option<Lexicon> {
        match lang {
            Lang::Fr => &mut self.fr,
            Lang::En => &mut self.en,
        }
    }
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lexicon({} words)", self.words.len())
    }
}

/// Recorded in provenance: which lists judged the run (sha256), `null` for one not installed.
impl Serialize for Lexicons {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("fr", &self.fr.as_ref().map(|l| &l.sha256))?;
        m.serialize_entry("en", &self.en.as_ref().map(|l| &l.sha256))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflected_forms_of_listed_words_are_known_and_made_up_words_are_not() {
        let fr = Lexicon::from_words([
            "vols",
            "comptage",
            "déverrouiller",
            "accéder",
            "photographié",
        ]);
        for w in [
            "vols",
            "comptages",
            "déverrouillé",
            "déverrouillées",
            "accéder",
        ] {
            assert!(fr.knows(w), "{w}");
        }
        for w in ["volos", "acceder", "photographé", "prévis"] {
            assert!(!fr.knows(w), "{w}");
        }
        let en = Lexicon::from_words(["indemnity", "close", "city"]);
        for w in ["indemnity", "closed", "closing", "cities"] {
            assert!(en.knows(w), "{w}");
        }
        assert!(!en.knows("indemnization"));
    }

    #[test]
    fn a_ranked_list_tells_its_everyday_and_its_most_common_words() {
        let en = Lexicon::ranked(["the", "fire", "deal", "salmon"], 2);
        assert!(en.is_common("fire") && !en.is_common("deal"));
        assert!(en.is_everyday("deal") && en.is_everyday("deals"));
        assert!(!en.is_everyday("tannery"));
        // Past `EVERYDAY`, a word is known but not everyday.
        let many: Vec<String> = (0..EVERYDAY).map(|i| format!("w{i}")).collect();
        let long = Lexicon::ranked(many.iter().map(String::as_str).chain(["tannery"]), 2);
        assert!(long.knows("tannery") && !long.is_everyday("tannery"));
    }

    #[test]
    fn loads_a_gzipped_json_word_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fr.json.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, br#"{"vols": 12, "retraite": 9790}"#).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let l = Lexicon::load(&path).unwrap();
        assert!(l.knows("retraite") && l.knows("vols") && !l.knows("volos"));
        assert_eq!(l.sha256.len(), 64);
        std::fs::write(&path, b"plain").unwrap();
        assert!(Lexicon::load(&path).unwrap_err().starts_with("not gzip"));
    }
}
