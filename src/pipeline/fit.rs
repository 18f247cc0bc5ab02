//! Making inputs fit a prompt without a model call: the last statement of the longest input
//! is dropped (a statement with no end, as a broken model writes, is cut in half). What
//! stays is the input's own text, so this can only lose detail, never invent it; used when
//! merging cannot make the inputs smaller (no two fit one prompt).

/// A text's statements: its lines when it has several (notes, bullet lists), else its
/// sentences.
fn statements(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() > 1 {
        lines
    } else {
        crate::text::sentences(text)
    }
}

/// Words a statement keeps at the least: one this short is not cut.
const MIN_WORDS: usize = 8;
/// Characters a statement written without spaces keeps at the least.
const MIN_CHARS: usize = 80;

/// Whether `text` can be shortened: several statements, or one long enough to cut.
fn shortenable(text: &str) -> bool {
    statements(text).len() > 1
        || text.split_whitespace().count() >= 2 * MIN_WORDS
        || text.chars().count() >= 2 * MIN_CHARS
}

/// The first half of a lone statement: by words, or by characters when it has few spaces
/// (a broken model's output, or a script written without them).
fn first_half(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() >= 2 * MIN_WORDS {
        return format!("{}…", words[..words.len() / 2].join(" "));
    }
    let n = text.chars().count();
    format!("{}…", text.chars().take(n / 2).collect::<String>())
}

/// Shortens the longest text that can be: drops its last statement, or cuts a lone long
/// statement to its first half (marked "…"). Returns false when every text is down to a
/// single short statement, which nothing extractive can shorten.
pub fn shorten(texts: &mut [String]) -> bool {
    let longest = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| shortenable(t))
        .max_by_key(|(i, t)| (t.len(), usize::MAX - i))
        .map(|(i, _)| i);
    let Some(i) = longest else {
        return false;
    };
    let parts = statements(&texts[i]);
    texts[i] = if parts.len() > 1 {
        let sep = if texts[i].lines().count() > 1 {
            "\n"
        } else {
            " "
        };
        parts[..parts.len() - 1].join(sep)
    } else {
        first_half(&texts[i])
    };
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_last_statement_of_the_longest_text() {
        let mut t = vec![
            "- a\n- b".to_string(),
            "One sentence. Two sentences here. Three.".to_string(),
        ];
        assert!(shorten(&mut t));
        assert_eq!(t[1], "One sentence. Two sentences here.");
        assert!(shorten(&mut t));
        assert!(shorten(&mut t));
        assert_eq!(t, vec!["- a".to_string(), "One sentence.".to_string()]);
        assert!(
            !shorten(&mut t),
            "single short statements cannot be shortened"
        );
        // A long statement with no end is cut to its first half.
        let mut t = vec![["word"; 20].join(" ")];
        assert!(shorten(&mut t));
        assert_eq!(t[0], format!("{}…", ["word"; 10].join(" ")));
        // Or by characters, when it has no spaces.
        let mut t = vec!["字".repeat(200)];
        assert!(shorten(&mut t));
        assert_eq!(t[0], format!("{}…", "字".repeat(100)));
    }
}
