//! Checks on what the model wrote: is it in the language asked for, and is it a copy of its
//! input rather than a summary.

use crate::lang::Lang;
use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};
use serde::Serialize;
use std::collections::HashSet;
use std::sync::OnceLock;

fn detector() -> &'static LanguageDetector {
    static D: OnceLock<LanguageDetector> = OnceLock::new();
    // Only the two languages bisum writes: the question is never "which of 75".
    D.get_or_init(|| {
        LanguageDetectorBuilder::from_languages(&[Language::French, Language::English]).build()
    })
}

/// The verdict on one output's language.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LanguageCheck {
    pub expected: Lang,
    pub detected: Option<Lang>,
    /// lingua's confidence that the text is in the expected language, 0 to 1.
    pub confidence: f64,
    pub ok: bool,
    /// The first answer was in the wrong language and was regenerated.
    pub retried: bool,
}

/// Detects French or English; `None` for text with too little language in it.
pub fn language(text: &str, expected: Lang) -> LanguageCheck {
    let d = detector();
    let detected = d.detect_language_of(text).map(|l| match l {
        Language::French => Lang::Fr,
        _ => Lang::En,
    });
    let confidence = d.compute_language_confidence(
        text,
        match expected {
            Lang::Fr => Language::French,
            Lang::En => Language::English,
        },
    );
    LanguageCheck {
        expected,
        detected,
        confidence: (confidence * 1000.0).round() / 1000.0,
        ok: detected == Some(expected),
        retried: false,
    }
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

/// Over this share of copied 6-grams an output is treated as a copy and regenerated.
pub const COPY_LIMIT: f64 = 0.6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_two_languages() {
        let fr = language(
            "Le ministère des Armées a signé un accord-cadre avec la start-up Mistral AI.",
            Lang::Fr,
        );
        assert!(
            fr.ok && fr.detected == Some(Lang::Fr) && fr.confidence > 0.5,
            "{fr:?}"
        );
        let en = language(
            "The ministry signed a framework agreement with the startup.",
            Lang::Fr,
        );
        assert!(!en.ok && en.detected == Some(Lang::En), "{en:?}");
    }

    #[test]
    fn copy_ratio_tells_copies_from_summaries() {
        let src = "Le conseil métropolitain a adopté mardi le tracé définitif de la future ligne du tramway après quatre heures de débat.";
        assert!(copy_ratio(src, src) > 0.99);
        let summary = "Après un long débat, les élus ont validé le parcours du nouveau tramway.";
        assert_eq!(copy_ratio(summary, src), 0.0);
    }
}
