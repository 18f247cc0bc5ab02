//! Making inputs fit a prompt without a model call: the last statement of the longest input
//! is dropped. Extractive, so it can only lose detail, never invent it; used when merging
//! cannot make the inputs smaller (each alone already fills a prompt).

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

/// Drops the last statement of the longest text that has more than one. Returns false when
/// every text is down to a single statement, which nothing extractive can shorten.
pub fn shorten(texts: &mut [String]) -> bool {
    let longest = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| statements(t).len() > 1)
        .max_by_key(|(i, t)| (t.len(), usize::MAX - i))
        .map(|(i, _)| i);
    let Some(i) = longest else {
        return false;
    };
    let parts = statements(&texts[i]);
    let kept = parts[..parts.len() - 1].join(if texts[i].lines().count() > 1 {
        "\n"
    } else {
        " "
    });
    texts[i] = kept;
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
        assert!(!shorten(&mut t), "single statements cannot be shortened");
    }
}
