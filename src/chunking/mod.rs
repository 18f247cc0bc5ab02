//! Token-exact chunking: cuts a text into pieces that each fit a token budget, at paragraph,
//! then sentence, then word boundaries, with overlap, and without dropping a byte.

use crate::error::Result;

/// Counts tokens the way the model will see them. The real implementation is the model's
/// own tokenizer; tests use simpler counters.
pub trait TokenCount {
    fn count(&self, text: &str) -> Result<usize>;
}

/// A chunk is a byte range of the source text; `tokens` is the exact count of that slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub tokens: usize,
}

impl Chunk {
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

/// Splits `text` into chunks of at most `max_tokens` tokens (as counted by `counter` on the
/// exact slice), consecutive chunks sharing about `overlap_tokens` tokens of whole sentences
/// so a fact cut at a boundary is still seen whole once. Every byte of `text` is in at
/// least one chunk, and chunks are in order.
pub fn chunk(
    text: &str,
    counter: &dyn TokenCount,
    max_tokens: usize,
    overlap_tokens: usize,
) -> Result<Vec<Chunk>> {
    assert!(max_tokens > 0, "max_tokens must be positive");
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let whole = counter.count(text)?;
    if whole <= max_tokens {
        return Ok(vec![Chunk {
            start: 0,
            end: text.len(),
            tokens: whole,
        }]);
    }
    // Overlap above half the budget could stall progress; keep it to a quarter at most.
    let overlap_tokens = overlap_tokens.min(max_tokens / 4);

    let units = units(text, counter, max_tokens)?;
    let mut chunks = Vec::new();
    let mut i = 0; // first unit of the current chunk
    while i < units.len() {
        // Grow by the per-unit estimate, then settle on the exact count of the slice.
        let mut j = i;
        let mut estimate = units[i].tokens;
        while j + 1 < units.len() && estimate + units[j + 1].tokens <= max_tokens {
            j += 1;
            estimate += units[j].tokens;
        }
        // Prefer ending on a paragraph, else a sentence, when that keeps at least half the
        // budget: cuts then fall where the text itself breaks.
        if j + 1 < units.len() {
            for level in [Boundary::Paragraph, Boundary::Sentence] {
                let mut acc = estimate;
                let mut k = j;
                while k > i && units[k].ends < level && acc - units[k].tokens >= max_tokens / 2 {
                    acc -= units[k].tokens;
                    k -= 1;
                }
                if units[k].ends >= level {
                    j = k;
                    break;
                }
            }
        }
        let mut exact = counter.count(&text[units[i].start..units[j].end])?;
        while exact > max_tokens && j > i {
            j -= 1;
            exact = counter.count(&text[units[i].start..units[j].end])?;
        }
        chunks.push(Chunk {
            start: units[i].start,
            end: units[j].end,
            tokens: exact,
        });
        if j + 1 >= units.len() {
            break;
        }
        // Next chunk starts a few units back, as long as that leaves room for new text.
        let mut k = j + 1;
        let mut back = 0;
        while k > i + 1 && back + units[k - 1].tokens <= overlap_tokens {
            back += units[k - 1].tokens;
            k -= 1;
        }
        if back + units[j + 1].tokens > max_tokens {
            k = j + 1;
        }
        i = k;
    }
    Ok(chunks)
}

/// What a unit ends on, from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Boundary {
    Inside,
    Sentence,
    Paragraph,
}

#[derive(Debug, Clone, Copy)]
struct Unit {
    start: usize,
    end: usize,
    tokens: usize,
    ends: Boundary,
}

/// Cuts the text into contiguous sentences (or, for a sentence over the budget, words, then
/// runs of characters), each marked with the boundary it ends on.
fn units(text: &str, counter: &dyn TokenCount, max_tokens: usize) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    let unit = |start, end, tokens| Unit {
        start,
        end,
        tokens,
        ends: Boundary::Inside,
    };
    for (ps, pe) in split_after(text, 0, text.len(), paragraph_ends) {
        for (s, e) in split_after(text, ps, pe, sentence_ends) {
            let first = out.len();
            let tokens = counter.count(&text[s..e])?;
            if tokens <= max_tokens {
                out.push(unit(s, e, tokens));
            } else {
                for (ws, we) in split_after(text, s, e, word_ends) {
                    let t = counter.count(&text[ws..we])?;
                    if t <= max_tokens {
                        out.push(unit(ws, we, t));
                    } else {
                        split_chars(text, ws, we, counter, max_tokens, &mut out)?;
                    }
                }
            }
            if out.len() > first {
                out.last_mut().expect("pushed").ends = Boundary::Sentence;
            }
        }
        if let Some(u) = out.last_mut() {
            u.ends = Boundary::Paragraph;
        }
    }
    Ok(out)
}

/// Splits `text[s..e]` after each boundary returned by `ends` (absolute byte offsets).
fn split_after(
    text: &str,
    s: usize,
    e: usize,
    ends: fn(&str, usize, usize) -> Vec<usize>,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = s;
    for b in ends(text, s, e) {
        if b > start && b < e {
            out.push((start, b));
            start = b;
        }
    }
    out.push((start, e));
    out
}

/// Boundaries after a blank line (the separator stays with the paragraph before it).
fn paragraph_ends(text: &str, s: usize, e: usize) -> Vec<usize> {
    text[s..e]
        .match_indices("\n\n")
        .map(|(i, m)| s + i + m.len())
        .collect()
}

/// Boundaries after sentence-final punctuation (and closing quotes) followed by space, and
/// after line breaks.
fn sentence_ends(text: &str, s: usize, e: usize) -> Vec<usize> {
    let slice = &text[s..e];
    let mut out = Vec::new();
    let mut chars = slice.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end_of_sentence = matches!(c, '.' | '!' | '?' | '…' | ';' | '\n');
        if !end_of_sentence {
            continue;
        }
        let mut j = i + c.len_utf8();
        while let Some(&(k, q)) = chars.peek() {
            if matches!(q, '"' | '»' | '”' | '’' | ')' | '\'') {
                chars.next();
                j = k + q.len_utf8();
            } else {
                break;
            }
        }
        // Swallow the following whitespace so the next sentence starts on a word.
        let mut saw_space = c == '\n';
        while let Some(&(k, q)) = chars.peek() {
            if q.is_whitespace() {
                chars.next();
                j = k + q.len_utf8();
                saw_space = true;
            } else {
                break;
            }
        }
        if saw_space {
            out.push(s + j);
        }
    }
    out
}

/// Boundaries after each run of whitespace.
fn word_ends(text: &str, s: usize, e: usize) -> Vec<usize> {
    let slice = &text[s..e];
    let mut out = Vec::new();
    let mut prev_space = false;
    for (i, c) in slice.char_indices() {
        let space = c.is_whitespace();
        if prev_space && !space {
            out.push(s + i);
        }
        prev_space = space;
    }
    out
}

/// Last resort for a single "word" over the budget (a URL, a table row without spaces):
/// the longest prefix that fits, found by binary search over character boundaries.
fn split_chars(
    text: &str,
    mut s: usize,
    e: usize,
    counter: &dyn TokenCount,
    max_tokens: usize,
    out: &mut Vec<Unit>,
) -> Result<()> {
    while s < e {
        let bounds: Vec<usize> = text[s..e]
            .char_indices()
            .map(|(i, _)| s + i)
            .skip(1)
            .chain(std::iter::once(e))
            .collect();
        // bounds[0] (one char) always fits for any real tokenizer with max_tokens >= 1.
        let (mut lo, mut hi) = (0usize, bounds.len() - 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if counter.count(&text[s..bounds[mid]])? <= max_tokens {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let end = bounds[lo];
        let tokens = counter.count(&text[s..end])?;
        out.push(Unit {
            start: s,
            end,
            tokens,
            ends: Boundary::Inside,
        });
        s = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One token per whitespace-separated word.
    struct Words;
    impl TokenCount for Words {
        fn count(&self, text: &str) -> Result<usize> {
            Ok(text.split_whitespace().count())
        }
    }

    /// One token per 4 bytes, rounded up: tokens do not add up across cuts, like BPE.
    struct Bytes4;
    impl TokenCount for Bytes4 {
        fn count(&self, text: &str) -> Result<usize> {
            Ok(text.len().div_ceil(4))
        }
    }

    fn sample() -> String {
        let mut s = String::new();
        for p in 0..6 {
            for k in 0..5 {
                s.push_str(&format!(
                    "Phrase {k} du paragraphe {p}, avec des accents : été, à, où. "
                ));
            }
            s.push_str("\n\n");
        }
        s.trim_end().to_string()
    }

    fn check_invariants(text: &str, chunks: &[Chunk], counter: &dyn TokenCount, max: usize) {
        assert!(!chunks.is_empty());
        assert_eq!(chunks[0].start, 0, "first chunk starts at 0");
        assert_eq!(
            chunks.last().unwrap().end,
            text.len(),
            "last chunk ends at the end"
        );
        for w in chunks.windows(2) {
            assert!(w[1].start <= w[0].end, "gap between chunks: {w:?}");
            assert!(w[1].start > w[0].start, "no progress: {w:?}");
            assert!(w[1].end > w[0].end, "no new text: {w:?}");
        }
        for c in chunks {
            let exact = counter.count(c.text(text)).unwrap();
            assert_eq!(exact, c.tokens, "recorded count is the exact count");
            assert!(exact <= max, "chunk over budget: {exact} > {max}");
            assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
        }
    }

    #[test]
    fn short_text_is_one_chunk() {
        let c = chunk("Bonjour le monde.", &Words, 10, 2).unwrap();
        assert_eq!(
            c,
            vec![Chunk {
                start: 0,
                end: 17,
                tokens: 3
            }]
        );
    }

    #[test]
    fn empty_text_has_no_chunk() {
        assert!(chunk("", &Words, 10, 2).unwrap().is_empty());
    }

    #[test]
    fn covers_everything_within_budget_words() {
        let text = sample();
        for max in [12, 30, 57, 100, 200] {
            let chunks = chunk(&text, &Words, max, max / 5).unwrap();
            check_invariants(&text, &chunks, &Words, max);
        }
    }

    #[test]
    fn covers_everything_within_budget_non_additive_counter() {
        let text = sample();
        for max in [5, 13, 40, 90] {
            let chunks = chunk(&text, &Bytes4, max, max / 4).unwrap();
            check_invariants(&text, &chunks, &Bytes4, max);
        }
    }

    #[test]
    fn cuts_at_paragraphs_when_they_fit() {
        let text = sample();
        let para_words = text
            .split("\n\n")
            .next()
            .unwrap()
            .split_whitespace()
            .count();
        let chunks = chunk(&text, &Words, para_words * 2, 0).unwrap();
        for c in &chunks[..chunks.len() - 1] {
            assert!(
                c.text(&text).ends_with("\n\n"),
                "cut inside a paragraph: {c:?}"
            );
        }
    }

    #[test]
    fn consecutive_chunks_overlap_by_whole_sentences() {
        let text = sample();
        // Sentences are 12 words; a 14-token overlap holds one.
        let chunks = chunk(&text, &Words, 60, 14).unwrap();
        assert!(chunks.len() > 2);
        check_invariants(&text, &chunks, &Words, 60);
        for w in chunks.windows(2) {
            assert!(w[1].start < w[0].end, "expected overlap: {w:?}");
            let shared = Words.count(&text[w[1].start..w[0].end]).unwrap();
            assert!(shared <= 14, "overlap {shared} over its budget");
            assert!(
                text[w[1].start..].starts_with("Phrase"),
                "overlap starts mid-sentence"
            );
        }
    }

    #[test]
    fn no_overlap_when_asked_for_none() {
        let text = sample();
        let chunks = chunk(&text, &Words, 40, 0).unwrap();
        for w in chunks.windows(2) {
            assert_eq!(w[1].start, w[0].end);
        }
    }

    #[test]
    fn giant_word_is_split_by_characters() {
        let text = format!("début {} fin", "é".repeat(100));
        let chunks = chunk(&text, &Bytes4, 7, 0).unwrap();
        check_invariants(&text, &chunks, &Bytes4, 7);
        assert!(chunks.len() > 5);
    }
}
