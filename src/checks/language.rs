//! Checks on what the model wrote: is it in the language asked for, and is it a copy of its
//! input rather than a summary.

use super::lexicon::{Lexicon, Lexicons};
use crate::lang::Lang;
use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The languages told apart: the two bisum writes, and the ones most often mistaken for
/// them or found in the same newsrooms' material. Without the others, German text reads
/// as English and Spanish as French, and a copied German "summary" would pass.
const KNOWN: [Language; 11] = [
    Language::French,
    Language::English,
    Language::German,
    Language::Spanish,
    Language::Italian,
    Language::Portuguese,
    Language::Dutch,
    Language::Russian,
    Language::Arabic,
    Language::Chinese,
    Language::Japanese,
];

fn detector() -> &'static LanguageDetector {
    static D: OnceLock<LanguageDetector> = OnceLock::new();
    D.get_or_init(|| LanguageDetectorBuilder::from_languages(&KNOWN).build())
}

/// The language of `text` as an ISO 639-1 code (`fr`, `en`, `de`…); `None` for text with
/// too little language in it.
pub fn detect(text: &str) -> Option<String> {
    detector()
        .detect_language_of(text)
        .map(|l| l.iso_code_639_1().to_string())
}

/// The verdict on one output's language.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LanguageCheck {
    pub expected: Lang,
    /// ISO 639-1 code of the language found (`fr`, `en`, `de`…).
    pub detected: Option<String>,
    /// lingua's confidence that the text is in the expected language, 0 to 1.
    pub confidence: f64,
    pub ok: bool,
    /// The first answer was in the wrong language and was regenerated.
    pub retried: bool,
}

/// Is `text` in `expected`? Told apart from the other languages of `KNOWN`, so text in
/// none of bisum's two languages fails.
pub fn language(text: &str, expected: Lang) -> LanguageCheck {
    let d = detector();
    let detected = detect(text);
    let confidence = d.compute_language_confidence(
        text,
        match expected {
            Lang::Fr => Language::French,
            Lang::En => Language::English,
        },
    );
    let ok = detected.as_deref() == Some(expected.code());
    LanguageCheck {
        expected,
        detected,
        confidence: (confidence * 1000.0).round() / 1000.0,
        ok,
        retried: false,
    }
}

/// Is `sentence` written in another language than `expected`? A summary is judged sentence by
/// sentence: one copied untranslated from a Spanish source ("El incendio declarado…")
/// passes a check on the whole text when the sentences around it are French. Only a
/// sentence of four words or more that reads as another language, with almost no
/// likelihood of being in `expected` (lingua's confidence below 0.2; sentences in their
/// language score 0.65 and more, names and figures included), counts.
pub fn in_another_language(sentence: &str, expected: Lang) -> bool {
    let words = sentence
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    words >= 4
        && detect(sentence).is_some_and(|d| d != expected.code())
        && detector().compute_language_confidence(sentence, lingua(expected)) < 0.2
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Share of the output's 6-word sequences that appear verbatim in the source: near 1 for a
/// copy, near 0 for a summary in its own words (names and dates alone rarely make 6 words).
pub fn copy_ratio(output: &str, source: &str) -> f64 {
    const N: usize = 6;
    let out = words(output);
    if out.len() < N {
        return 0.0;
    }
    let src = words(source);
    let grams: HashSet<&[String]> = src.windows(N).collect();
    let total = out.len() - N + 1;
    let copied = out.windows(N).filter(|w| grams.contains(w)).count();
    ((copied as f64 / total as f64) * 1000.0).round() / 1000.0
}

fn lingua(lang: Lang) -> Language {
    match lang {
        Lang::Fr => Language::French,
        Lang::En => Language::English,
    }
}

/// What one reading of a text finds foreign, and which of those are everyday words of the
/// source left untranslated.
pub struct Foreign {
    /// The words of `text` that are not in `expected`, its language, as a reader would see at once:
    /// an English possessive in French ("la France's"), a word of the source's other language
    /// carried over untranslated ("tannery" in a French summary of an English source), a
    /// word that reads plainly as another language, or, given `expected`'s word list, a word
    /// in no language at all ("38 volos", "acceder"). Capitalised words (names, sentence
    /// openings) and words of a source in `expected` itself ("meeting" in a French source) are
    /// left alone: the test is about words the writer should have translated.
    pub words: Vec<String>,
    /// Those of `words` that are everyday words of the source's language left
    /// untranslated ("le service de la fire"; `Lexicon::is_common`). Such a
    /// sentence is left out, not asked for again: named and barred, the word came back in
    /// another sense ("le service de la fumée", "le traité" for "the deal"), which reads
    /// back well and which no check sees.
    pub everyday: Vec<String>,
}

/// The foreign words of `text` (`Foreign`), in one reading of it and its source.
pub fn foreign(
    text: &str,
    expected: Lang,
    (source, source_lang): (&str, Lang),
    lexicons: Option<&Lexicons>,
) -> Foreign {
    let d = detector();
    let in_source: HashSet<String> = words(source).into_iter().collect();
    let mut found: Vec<String> = Vec::new();
    let mut everyday: Vec<String> = Vec::new();
    let lexicon = lexicons.and_then(|l| l.of(expected));
    let across = (source_lang != expected).then(|| Across {
        theirs: lexicons.and_then(|l| l.of(source_lang)),
        into: expected,
    });
    for (made_up, left) in lexicon
        .map(|l| unknown(text, l, &in_source, across))
        .unwrap_or_default()
    {
        if left && !everyday.contains(&made_up) {
            everyday.push(made_up.clone());
        }
        if !found.contains(&made_up) {
            found.push(made_up);
        }
    }
    for raw in text.split(|c: char| c.is_whitespace() || ",;:()«»\"!?".contains(c)) {
        let w = raw.trim_matches(|c: char| !c.is_alphanumeric());
        // "d'Okafor's" is about "Okafor's".
        let w = past_elision(w);
        let possessive = expected == Lang::Fr
            && ["'s", "’s"].iter().any(|e| w.ends_with(e))
            && w.chars().count() > 3;
        // "juillet 20th": an English ordinal in French.
        let ordinal = expected == Lang::Fr
            && ["st", "nd", "rd", "th"].iter().any(|e| {
                w.strip_suffix(e)
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            });
        let plain = w.chars().count() >= 4
            && w.chars().all(char::is_alphabetic)
            && w.starts_with(char::is_lowercase);
        let foreign = possessive
            || ordinal
            || plain && {
                let own = d.compute_language_confidence(w, lingua(expected));
                let top = d.compute_language_confidence_values(w);
                // A word of the source, at least two and a half times likelier in the
                // source's language than in the summary's: "weir", "liquor", "downstream"
                // left in French. Words both languages share score alike ("station",
                // "budget", "photo") and stay; so do borrowings lingua is unsure of
                // ("startup": 0.30 English).
                let carried = source_lang != expected && in_source.contains(w) && {
                    let theirs = d.compute_language_confidence(w, lingua(source_lang));
                    own < 0.15 && theirs >= (2.5 * own).max(0.35)
                };
                let plainly = top
                    .first()
                    .is_some_and(|(l, c)| *l != lingua(expected) && *c >= 0.7);
                (carried || own < 0.1 && plainly)
                    && !(source_lang == expected && in_source.contains(w))
            };
        if foreign && !found.iter().any(|f| f == w) {
            found.push(w.to_string());
        }
    }
    Foreign {
        words: found,
        everyday,
    }
}

/// `w` past a French elision ("d'acceder" → "acceder"); a word with none as it is.
fn past_elision(w: &str) -> &str {
    match w.split_once(['\'', '’']) {
        Some((p, rest)) if p.chars().count() <= 2 && !rest.is_empty() => rest,
        _ => w,
    }
}

/// Words of `text` (each part of a hyphenated one) that `lexicon` does not know and
/// `in_source` does not hold: made up by the writer. Lower-case words of four letters or
/// more only; names and short words are another check's. Written from a source in another
/// language (`across`), a word the source holds is no loan where
/// the lexicon knows it only with accents ("reservoir" in a French summary of an English
/// source is the English word) or where it is one of the source language's everyday words
/// ("fire", `Lexicon::is_common`). A word glued to the next one ("duÉtat": a lower-case
/// letter, then a capital) is made up too, unless the source writes it so ("iPhone").
/// Each with whether it is such an everyday word the source holds.
fn unknown(
    text: &str,
    lexicon: &Lexicon,
    in_source: &HashSet<String>,
    across: Option<Across>,
) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    for part in parts(text) {
        let held = in_source.contains(&part.to_lowercase());
        let left = across.is_some_and(|a| a.left(part, lexicon));
        let made_up = if glued(part) {
            !held
        } else {
            let untranslated = across.is_some_and(|_| lexicon.lacks_accents(part)) || left;
            let lent = held && !untranslated;
            plain(part) && !lent && !lexicon.knows(part)
        };
        if made_up {
            found.push((part.to_string(), left && held && !glued(part)));
        }
    }
    found
}

/// The words of `text`, each part of a hyphenated one apart, past any elision.
fn parts(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || "'’-".contains(c)))
        .flat_map(|raw| past_elision(raw).split('-'))
}

/// A lower-case word of four letters or more: not a name, not a short word.
fn plain(word: &str) -> bool {
    word.chars().count() >= 4 && word.chars().all(char::is_lowercase)
}

/// Written from a source in another language: that language's word list, where
/// installed, and the language written into.
#[derive(Clone, Copy)]
struct Across<'l> {
    theirs: Option<&'l Lexicon>,
    into: Lang,
}

impl Across<'_> {
    /// Is `word` one of the source language's everyday words (`Lexicon::is_common`) that
    /// `lexicon`, the language written into, does not know: left untranslated?
    fn left(&self, word: &str, lexicon: &Lexicon) -> bool {
        self.theirs.is_some_and(|t| t.is_common(word))
            && !lexicon.knows(word)
            && !self.british(word, lexicon)
    }

    /// Is `word`, written in English, the British spelling of a word `english` knows,
    /// "centre" or "programme" of an American list's "center" and "program"? It is then
    /// no French word left untranslated, though French writes it alike.
    fn british(&self, word: &str, english: &Lexicon) -> bool {
        if self.into != Lang::En {
            return false;
        }
        let base = word.strip_suffix('s').unwrap_or(word);
        let american = if let Some(stem) = base.strip_suffix("mme") {
            format!("{stem}m")
        } else if let Some(stem) = base.strip_suffix("re") {
            format!("{stem}er")
        } else {
            return false;
        };
        english.knows(&american)
    }
}

/// A lower-case word with a capital after a lower-case letter: two words written as one.
fn glued(word: &str) -> bool {
    let chars: Vec<char> = word.chars().collect();
    chars.first().is_some_and(|c| c.is_lowercase())
        && chars
            .windows(2)
            .any(|w| w[0].is_lowercase() && w[1].is_uppercase())
}

/// Does `translation` half-translate a compound of `original`: a hyphenated word with as
/// many parts as one of the original's, one of them the same lower-case word and another
/// not ("agreement-cadre" for "accord-cadre", "chief-lieu" for "chef-lieu")? The kept
/// half is a word of the other language inside a sentence, however a word list spells it
/// ("cadre" is English too). A capitalized half is a name or a people's ("Franco-German"
/// for "franco-allemand"), the same in both.
pub fn half_translated(original: &str, translation: &str) -> bool {
    let compounds = |t: &str| -> Vec<Vec<String>> {
        t.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\u{2011}'))
            .filter(|w| w.contains(['-', '\u{2011}']))
            .map(|w| {
                w.split(['-', '\u{2011}'])
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    };
    let theirs = compounds(original);
    compounds(translation).iter().any(|mine| {
        theirs.iter().any(|t| {
            t.len() == mine.len()
                && t.iter()
                    .zip(mine)
                    .any(|(a, b)| a.to_lowercase() == *b && b.starts_with(char::is_lowercase))
                && t.iter()
                    .zip(mine)
                    .any(|(a, b)| a.to_lowercase() != b.to_lowercase())
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_compound_half_translated_is_caught_and_names_are_not() {
        let original = "Le ministère a notifié un accord‑cadre franco-allemand à l'entreprise \
                        mi-octobre.";
        assert!(super::half_translated(
            original,
            "The ministry notified an agreement-cadre to the company."
        ));
        for fine in [
            "The ministry notified a Franco-German framework agreement in mid-October.",
            "The ministry notified an open-ended framework agreement.",
        ] {
            assert!(!super::half_translated(original, fine), "{fine}");
        }
    }

    use super::*;

    /// The foreign words of `text` (`Foreign::words`).
    fn foreign_in(
        text: &str,
        expected: Lang,
        from: (&str, Lang),
        lexicons: Option<&Lexicons>,
    ) -> Vec<String> {
        foreign(text, expected, from, lexicons).words
    }

    #[test]
    fn detects_the_two_languages() {
        let fr = language(
            "Le ministère des Armées a signé un accord-cadre avec la start-up Mistral AI.",
            Lang::Fr,
        );
        assert!(
            fr.ok && fr.detected.as_deref() == Some("fr") && fr.confidence > 0.5,
            "{fr:?}"
        );
        let en = language(
            "The ministry signed a framework agreement with the startup.",
            Lang::Fr,
        );
        assert!(!en.ok && en.detected.as_deref() == Some("en"), "{en:?}");
    }

    #[test]
    fn a_sentence_left_in_another_language_is_found_one_with_names_and_figures_is_not() {
        let copied = [
            "El puente de Almaraz cerró el lunes por obras durante tres semanas.",
            "Les autorités evacuaron siete aldeas et le Gobierno declaró el estado de alerta.",
            "Die Brücke wurde am Montag für drei Wochen gesperrt.",
        ];
        for s in copied {
            assert!(in_another_language(s, Lang::Fr), "{s}");
            assert!(in_another_language(s, Lang::En), "{s}");
        }
        let fr = "Le pont d'Almaraz, près de Cáceres, a fermé lundi pour trois semaines.";
        let en = "The Almaraz bridge near Cáceres closed on Monday for three weeks.";
        assert!(!in_another_language(fr, Lang::Fr));
        assert!(!in_another_language(en, Lang::En));
        assert!(in_another_language(en, Lang::Fr));
        // Too short to tell: a name and a figure.
        assert!(!in_another_language("Puerto Rico, 2026.", Lang::Fr));
    }

    /// French's word list alone.
    fn french(fr: Lexicon) -> Lexicons {
        Lexicons {
            fr: Some(fr),
            en: None,
        }
    }

    #[test]
    fn an_everyday_word_of_the_source_left_in_the_other_language_is_foreign() {
        // English's everyday words first, as a frequency list ranks them; "drone" is
        // rarer.
        let en = Lexicon::ranked(["the", "fire", "service", "center", "drone"], 4);
        let fr = Lexicon::from_words([
            "le",
            "service",
            "de",
            "la",
            "dirige",
            "les",
            "secours",
            "un",
            "lundi",
            "centre",
            "ville",
            "au",
            "programme",
            "fait",
            "voler",
            "fier",
        ]);
        let both = Lexicons {
            fr: Some(fr),
            en: Some(en),
        };
        let src = (
            "The fire service flew a drone over the center on Monday.",
            Lang::En,
        );
        let fr = "Le service de la fire dirige les secours.";
        assert_eq!(foreign(fr, Lang::Fr, src, Some(&both)).words, ["fire"]);
        assert_eq!(foreign(fr, Lang::Fr, src, Some(&both)).everyday, ["fire"]);
        // A borrowing is no everyday word; without the source's list nothing is found.
        let loan = "Le service de secours a fait voler un drone lundi.";
        assert!(foreign(loan, Lang::Fr, src, Some(&both)).words.is_empty());
        assert!(foreign(loan, Lang::Fr, src, Some(&both))
            .everyday
            .is_empty());
        // A made-up word is foreign, and is no everyday word left.
        let made_up = "Le service de la fira dirige les secours.";
        assert_eq!(foreign(made_up, Lang::Fr, src, Some(&both)).words, ["fira"]);
        assert!(foreign(made_up, Lang::Fr, src, Some(&both))
            .everyday
            .is_empty());
        let only_fr = Lexicons {
            fr: both.fr,
            en: None,
        };
        assert!(foreign(fr, Lang::Fr, src, Some(&only_fr)).words.is_empty());
        // French's everyday words in English, but for a British spelling of a word the
        // English list knows.
        let fr_words = Lexicon::ranked(["le", "centre", "selon", "programme", "ville"], 4);
        let en_words = Lexicon::from_words(["the", "center", "program", "city", "ready"]);
        let both = Lexicons {
            fr: Some(fr_words),
            en: Some(en_words),
        };
        let src = ("Selon la ville, le programme du centre est prêt.", Lang::Fr);
        let en = "The programme of the city centre is ready, selon the city.";
        assert_eq!(foreign(en, Lang::En, src, Some(&both)).words, ["selon"]);
        assert_eq!(foreign(en, Lang::En, src, Some(&both)).everyday, ["selon"]);
    }

    #[test]
    fn an_english_ordinal_in_french_is_foreign() {
        let src = ("The state of emergency runs until July 20th.", Lang::En);
        let fr = "L'état d'urgence court jusqu'à juillet 20th.";
        assert_eq!(foreign_in(fr, Lang::Fr, src, None), ["20th"]);
        assert!(foreign_in("jusqu'au 20 juillet, au 1er août", Lang::Fr, src, None).is_empty());
    }

    #[test]
    fn words_left_in_the_sources_language_are_found_and_borrowings_of_its_own_are_not() {
        // Plain English words, then words that lingua finds only somewhat likelier English
        // (a few tenths against a tenth) beside words both languages share.
        let cases: [(&str, &str, &[&str], &str); 2] = [
            (
                "The tannery discharged chrome into the creek. The council shelved the report after the meeting.",
                "La tannery rejetait du chrome dans la rivière. Le rapport d'Okafor's fut écarté par le council.",
                &["tannery", "Okafor's", "council"],
                "La tannerie rejetait du chrome dans la rivière ; le conseil municipal a écarté le rapport après la réunion publique.",
            ),
            (
                "Downstream of the weir, the tannery's liquor killed 40,000 fish; the police station, the startup and the photo budget were not involved.",
                "En aval du barrage, le liquor de la tannerie a tué 40 000 poissons près du weir, downstream.",
                &["liquor", "weir", "downstream"],
                "La police, la station, la startup et le budget photo ne sont pas concernés.",
            ),
        ];
        for (src, fr, found, good) in cases {
            assert_eq!(foreign_in(fr, Lang::Fr, (src, Lang::En), None), found);
            assert!(foreign_in(good, Lang::Fr, (src, Lang::En), None).is_empty());
        }
        // An English word that is a French one without its accents.
        let lexicon = french(Lexicon::from_words([
            "le",
            "réservoir",
            "atteint",
            "niveau",
            "record",
        ]));
        let src = "The reservoir reached a record level.";
        let fr = "Le reservoir atteint un niveau record.";
        assert_eq!(
            foreign(fr, Lang::Fr, (src, Lang::En), Some(&lexicon)).words,
            ["reservoir"]
        );
        assert!(foreign(fr, Lang::Fr, (fr, Lang::Fr), Some(&lexicon))
            .words
            .is_empty());
        // Two words glued into one, unless the source writes it so.
        let src = "She filed a complaint with the state attorney general about the iPhone app.";
        let fr =
            "Elle a porté plainte auprès du procureur général duÉtat contre l'application iPhone.";
        let lexicon = french(Lexicon::from_words([
            "elle",
            "porté",
            "plainte",
            "auprès",
            "procureur",
            "général",
            "contre",
            "application",
        ]));
        assert_eq!(
            foreign(fr, Lang::Fr, (src, Lang::En), Some(&lexicon)).words,
            ["duÉtat"]
        );
        // A French source's own anglicism is French enough for its French summary.
        let fr_src = "Le meeting du parti a réuni 900 personnes.";
        assert!(foreign_in(
            "Le meeting a réuni 900 personnes.",
            Lang::Fr,
            (fr_src, Lang::Fr),
            None
        )
        .is_empty());
        // French words left in an English summary of a French source.
        let fr_src = "Le conseil départemental a voté la modernisation de la voûte du barrage.";
        let en = "The conseil voted to modernise the voûte of the dam; the municipal budget and the tribunal were not involved.";
        assert_eq!(
            foreign_in(en, Lang::En, (fr_src, Lang::Fr), None),
            vec!["conseil", "voûte"]
        );
    }

    #[test]
    fn words_in_no_language_are_found_with_a_word_list() {
        let fr = french(Lexicon::from_words([
            "annulé",
            "trains",
            "vols",
            "pendant",
            "grève",
            "accéder",
            "aux",
            "capacités",
            "lignes",
            "nationale",
            "régionales",
            "pour",
        ]));
        let src =
            "SNCF cancelled 312 trains and 38 flights during the strike; the startup-backed plan.";
        let out = "La SNCF a annulé 312 trains et 38 volos pendant la grève, pour acceder aux capacités startup-backed.";
        assert_eq!(
            foreign(out, Lang::Fr, (src, Lang::En), Some(&fr)).words,
            vec!["volos", "acceder"]
        );
        let good = "La SNCF a annulé 312 trains et 38 vols pendant la grève nationale.";
        assert!(foreign(good, Lang::Fr, (src, Lang::En), Some(&fr))
            .words
            .is_empty());
        // Without a list, a made-up word that reads as no other language goes unseen.
        assert!(foreign_in(out, Lang::Fr, (src, Lang::En), None).is_empty());
    }

    #[test]
    fn copy_ratio_tells_copies_from_summaries() {
        let src = "Le conseil métropolitain a adopté mardi le tracé définitif de la future ligne du tramway après quatre heures de débat.";
        assert!(copy_ratio(src, src) > 0.99);
        let summary = "Après un long débat, les élus ont validé le parcours du nouveau tramway.";
        assert_eq!(copy_ratio(summary, src), 0.0);
    }

    #[test]
    fn languages_other_than_french_and_english_fail_the_check() {
        let de =
            "Der Stadtrat hat am Dienstag den Verlauf der neuen Straßenbahnlinie beschlossen, \
                  nach zwei Jahren der Beratung mit den Anwohnern und den Geschäften.";
        let es = "El consejo municipal aprobó el martes el trazado de la nueva línea de tranvía, \
                  después de dos años de consultas con los vecinos y los comerciantes.";
        let zh = "市议会星期二批准了新有轨电车线路的路线，此前与居民和商家进行了两年的协商。";
        for (text, code) in [(de, "de"), (es, "es"), (zh, "zh")] {
            for lang in Lang::BOTH {
                let c = language(text, lang);
                assert_eq!(c.detected.as_deref(), Some(code), "{text}");
                assert!(!c.ok, "{text} passed as {lang:?}");
            }
        }
        let fr = "Le conseil municipal a approuvé mardi le tracé de la nouvelle ligne de tramway.";
        assert!(language(fr, Lang::Fr).ok);
        assert!(!language(fr, Lang::En).ok);
    }
}
