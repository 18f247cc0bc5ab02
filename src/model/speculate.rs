//! Draft tokens for speculative decoding: guesses of the next few tokens, which the model
//! then checks in one forward pass (reading its weights once for all of them) and keeps up
//! to the first it would not have chosen itself. The guesses only decide how fast a call
//! runs, never what it writes: greedy output is plain greedy decoding's, token for token.

/// Proposes the tokens likely to follow a context.
pub trait Draft {
    /// Up to `max` tokens guessed to follow `context` (the prompt and what was generated so
    /// far); none when there is no good guess, which costs nothing.
    fn propose(&mut self, context: &[u32], max: usize) -> Vec<u32>;
}

/// No guesses: plain decoding.
pub struct NoDraft;

impl Draft for NoDraft {
    fn propose(&mut self, _context: &[u32], _max: usize) -> Vec<u32> {
        Vec::new()
    }
}

/// Prompt lookup: when the last few tokens also occur earlier in the context, guess that
/// what followed them there follows again. Summaries and translations repeat the names,
/// figures and phrases of their source, which sits in the prompt, so the guesses are often
/// right, and they cost no model.
pub struct PromptLookup {
    /// Longest and shortest suffix matched; longer matches are tried first.
    pub max_ngram: usize,
    pub min_ngram: usize,
    /// Most tokens guessed at once. On a CPU each checked row costs about 40 % of a
    /// single step (the step's weights are read once, but each row's products are
    /// computed), so long guesses pay only when they are nearly always right.
    pub max_guesses: usize,
}

impl Default for PromptLookup {
    fn default() -> Self {
        Self {
            max_ngram: 4,
            min_ngram: 2,
            max_guesses: 3,
        }
    }
}

impl Draft for PromptLookup {
    fn propose(&mut self, context: &[u32], max: usize) -> Vec<u32> {
        let max = max.min(self.max_guesses);
        if max == 0 {
            return Vec::new();
        }
        for n in (self.min_ngram..=self.max_ngram).rev() {
            if context.len() <= n {
                continue;
            }
            let tail = &context[context.len() - n..];
            // The latest earlier occurrence: the nearest context is the likeliest to repeat.
            let found = (0..context.len() - n)
                .rev()
                .find(|&i| &context[i..i + n] == tail);
            if let Some(i) = found {
                let from = i + n;
                let to = (from + max).min(context.len());
                if from < to {
                    return context[from..to].to_vec();
                }
            }
        }
        Vec::new()
    }
}

/// What speculation did during one call: tokens guessed, and guesses the model kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DraftStats {
    pub proposed: usize,
    pub accepted: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_repeated_suffix_proposes_what_followed_it() {
        let mut d = PromptLookup::default();
        // "1 2 3 4 5 6 ... 1 2 3" → "4 5 6"
        let ctx = [9, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3];
        assert_eq!(d.propose(&ctx, 2), vec![4, 5]);
        assert_eq!(d.propose(&ctx, 10), vec![4, 5, 6], "at most max_guesses");
        d.max_guesses = 10;
        assert_eq!(d.propose(&ctx, 10), vec![4, 5, 6, 7, 1, 2, 3]);
    }

    #[test]
    fn the_latest_occurrence_wins_and_nothing_is_guessed_without_one() {
        let mut d = PromptLookup::default();
        let ctx = [1, 2, 8, 5, 1, 2, 9, 5, 1, 2];
        assert_eq!(d.propose(&ctx, 2), vec![9, 5]);
        assert!(d.propose(&[1, 2, 3, 4], 4).is_empty());
        assert!(d.propose(&ctx, 0).is_empty());
    }
}
