//! Citations in a text (`[S1]`, `[S2, S3]`) and the sentences that carry none.

use crate::checks::ground;
use crate::lang::Lang;
use crate::text::sentences;
use serde::Serialize;

/// Citation precision: of the citations in a text, the share whose source holds every
/// figure, date and name of the words the citation vouches for.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CitationPrecision {
    pub citations: usize,
    pub supported: usize,
    /// supported / citations (1.0 with no citation).
    pub ratio: f64,
    /// `S2: words it does not support`, shortened.
    pub unsupported: Vec<String>,
}

/// Measures `CitationPrecision` over `text` against `sources` (id, text, language).
pub fn precision(text: &str, lang: Lang, sources: &[(&str, &str, Lang)]) -> CitationPrecision {
    let (mut n, mut ok, mut bad) = (0, 0, Vec::new());
    for sentence in sentences(text) {
        for (id, words) in cited_segments(sentence) {
            n += 1;
            let backed = sources
                .iter()
                .find(|(s, ..)| *s == id)
                .is_some_and(|&(s, t, l)| {
                    ground::check(&words, lang, &[(s, t, l)])
                        .unsupported
                        .is_empty()
                });
            if backed {
                ok += 1;
            } else {
                bad.push(format!(
                    "{id}: {}",
                    words.chars().take(80).collect::<String>()
                ));
            }
        }
    }
    CitationPrecision {
        citations: n,
        supported: ok,
        ratio: if n == 0 { 1.0 } else { ok as f64 / n as f64 },
        unsupported: bad,
    }
}

/// Sentences of a synthesis that state something and cite no source: not headings, not
/// lead-ins ending with a colon, not a few words, not the program's own notes (in italics,
/// `_…_`); each cut to 80 characters.
pub fn uncited_sentences(text: &str) -> Vec<String> {
    sentences(text)
        .into_iter()
        .map(|s| s.trim_start_matches(['-', '*', ' ']))
        .filter(|s| {
            !s.starts_with('#')
                && !s.starts_with('>')
                && !s.starts_with('_')
                && !s.trim_end().ends_with(':')
                && s.split_whitespace().count() >= 5
                && citations(s).is_empty()
        })
        .map(|s| match s.char_indices().nth(80) {
            Some((i, _)) => format!("{}…", &s[..i]),
            None => s.to_string(),
        })
        .collect()
}

/// Source ids cited as `[S1]`, `[S2, S3]`, `[S4; S5]` in a text, in order of first use.
pub fn citations(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        for part in after[..close].split([',', ';', ' ', '/']) {
            let p = part.trim();
            if p.len() > 1
                && p.starts_with('S')
                && p[1..].bytes().all(|b| b.is_ascii_digit())
                && !out.iter().any(|x| x == p)
            {
                out.push(p.to_string());
            }
        }
        rest = &after[close + 1..];
    }
    out
}

/// Does this bracket hold only source ids (`S1`, `S2, S3`)?
fn is_citation(inner: &str) -> bool {
    let mut parts = inner
        .split([',', ';', ' ', '/'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .peekable();
    parts.peek().is_some()
        && parts.all(|p| {
            p.len() > 1 && p.starts_with('S') && p[1..].bytes().all(|b| b.is_ascii_digit())
        })
}

/// The text without its citations, spaces before punctuation closed up: what a sentence
/// states, for comparing and checking it.
pub fn strip_citations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if is_citation(&after[..close]) => {
                out.push_str(&rest[..open]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let mut s = out.split_whitespace().collect::<Vec<_>>().join(" ");
    // "… [S1] ." leaves a space before the stop; French sets one before ";" and ":"
    // ("multipliées : 1 500"), so those keep theirs.
    for p in [".", ","] {
        s = s.replace(&format!(" {p}"), p);
    }
    s
}

/// Each citation with the words it vouches for: the text since the previous citation (or
/// the sentence start), or, for citations that follow one another (`[S1][S2]`), the same
/// text as the first of them.
pub fn cited_segments(sentence: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = sentence;
    let mut last = String::new();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inner = &after[..close];
        if is_citation(inner) {
            let before = rest[..open].trim();
            if before.chars().any(char::is_alphanumeric) {
                last = before.to_string();
            }
            for id in citations(&format!("[{inner}]")) {
                out.push((id, last.clone()));
            }
        }
        rest = &after[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_parsed_in_all_forms() {
        let t = "A [S1]. B [S2][S3]. C [S4, S5; S2]. D [12]. E [Source] [S10]";
        assert_eq!(citations(t), vec!["S1", "S2", "S3", "S4", "S5", "S10"]);
    }

    #[test]
    fn sentences_citing_no_source_are_found() {
        let t = "## Common ground\nThe sources agree on the following:\n- The agreement was signed in 2026.\n- It covers language models for the army [S1].\n- It was notified in December 2025. [S2] It runs for four years [S3].\nShort line.\n> A quoted note with no source at all here.";
        assert_eq!(
            uncited_sentences(t),
            vec!["The agreement was signed in 2026."]
        );
    }

    #[test]
    fn citations_are_stripped_and_segmented() {
        assert_eq!(
            strip_citations("A is B [S1][S2]. See [note] C [S3, S4]."),
            "A is B. See [note] C."
        );
        // French typography keeps its space before a colon or a semicolon.
        assert_eq!(
            strip_citations(
                "Les évacuations se sont multipliées : 1 500 personnes [S1] ; 2 000 [S2]."
            ),
            "Les évacuations se sont multipliées : 1 500 personnes ; 2 000."
        );
        let seg = cited_segments("X rose to 5 according to [S1], but 7 according to [S2][S3].");
        assert_eq!(
            seg,
            vec![
                ("S1".to_string(), "X rose to 5 according to".to_string()),
                ("S2".to_string(), ", but 7 according to".to_string()),
                ("S3".to_string(), ", but 7 according to".to_string()),
            ]
        );
    }
}
