//! Splitting text into sentences, the unit every check and citation works on; and one
//! line of a message.

/// Sentences of a text: lines, cut after `.`, `!` or `?` followed by a space. Citations
/// written after the full stop ("… 2025. [S4] Next") stay with the sentence they close.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if matches!(b[i], b'.' | b'!' | b'?') && b.get(i + 1) == Some(&b' ') {
                let mut end = i + 1;
                let mut j = i + 1;
                loop {
                    while b.get(j) == Some(&b' ') {
                        j += 1;
                    }
                    match line[j..]
                        .starts_with("[S")
                        .then(|| line[j..].find(']'))
                        .flatten()
                    {
                        Some(k) => {
                            j += k + 1;
                            end = j;
                        }
                        None => break,
                    }
                }
                out.push(line[start..end].trim());
                start = end;
                i = end;
                continue;
            }
            i += 1;
        }
        out.push(line[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// candle appends a backtrace to its errors when RUST_BACKTRACE is set; users get one line.
pub fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim_end().to_string()
}
