//! Citations in a text (`[S1]`, `[S2, S3]`) and the sentences that carry none.

use crate::text::sentences;

/// Sentences of a synthesis that state something and cite no source: not headings, not
/// lead-ins ending with a colon, not a few words; each cut to 80 characters.
pub fn uncited_sentences(text: &str) -> Vec<String> {
    sentences(text)
        .into_iter()
        .map(|s| s.trim_start_matches(['-', '*', ' ']))
        .filter(|s| {
            !s.starts_with('#')
                && !s.starts_with('>')
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
}
