//! Grounding: the numbers, dates, amounts and percentages an output states, each looked up in
//! the sources it cites, across French and English forms ("8 janvier 2026" = "January 8,
//! 2026", "12 milliards d'euros" = "EUR 12 bn", "1 000,5" = "1,000.5").

use crate::lang::Lang;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

/// A quantity to the thousandth, held as an integer so that equal values compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

impl Quantity {
    pub fn new(x: f64) -> Self {
        Quantity((x * 1000.0).round() as i64)
    }

    pub fn value(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 1000 == 0 {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}", self.value())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Currency {
    Eur,
    Usd,
    Gbp,
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
        })
    }
}

/// What a fact states, reduced to a canonical form that is the same in both languages.
/// Written (and serialized) as `date:2026-01-08`, `month:2026-01`, `year:2026`,
/// `money:12000000000:EUR`, `pct:10`, `num:62000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Date {
        year: u32,
        month: u32,
        day: u32,
    },
    Month {
        year: u32,
        month: u32,
    },
    Year(u32),
    /// A day of a month, its year left out ("le 4 mai", "May 11"): backed by that day of any
    /// year in the source.
    DayMonth {
        month: u32,
        day: u32,
    },
    /// A month named without its year ("en mai", "in May"): backed by any date of that
    /// month in the source, never by a season ("au printemps").
    MonthOnly(u32),
    /// A season ("au printemps", "in the spring"; 1 spring … 4 winter): backed only by the
    /// same season, never by a month, which could fall in either of two.
    Season(u8),
    Money {
        amount: Quantity,
        currency: Currency,
    },
    Pct(Quantity),
    Num(Quantity),
}

impl Key {
    /// Days since 1970-01-01, for a full date.
    pub fn days(self) -> Option<i64> {
        let Key::Date { year, month, day } = self else {
            return None;
        };
        let (m, d) = (month as i64, day as i64);
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { year as i64 - 1 } else { year as i64 };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe - 719_468)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Date { year, month, day } => write!(f, "date:{year}-{month:02}-{day:02}"),
            Key::Month { year, month } => write!(f, "month:{year}-{month:02}"),
            Key::Year(y) => write!(f, "year:{y}"),
            Key::DayMonth { month, day } => write!(f, "day:{month:02}-{day:02}"),
            Key::MonthOnly(m) => write!(f, "month:{m:02}"),
            Key::Season(n) => write!(f, "season:{n}"),
            Key::Money { amount, currency } => write!(f, "money:{amount}:{currency}"),
            Key::Pct(q) => write!(f, "pct:{q}"),
            Key::Num(q) => write!(f, "num:{q}"),
        }
    }
}

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A checkable fact: what it states, and how it was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fact {
    pub key: Key,
    /// The text as written in the output.
    pub raw: String,
}

/// What the grounding check found in one output.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Grounding {
    /// Items checked: numbers, dates, amounts, percentages and names.
    pub facts: usize,
    /// Of which names.
    pub names: usize,
    pub supported: usize,
    /// supported / facts (1.0 when there is nothing to check).
    pub ratio: f64,
    /// Facts of the output found in none of the sources it cites, as written.
    pub unsupported: Vec<String>,
}

const MONTHS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("january", 1),
    ("jan", 1),
    ("février", 2),
    ("fevrier", 2),
    ("february", 2),
    ("feb", 2),
    ("mars", 3),
    ("march", 3),
    ("mar", 3),
    ("avril", 4),
    ("april", 4),
    ("apr", 4),
    ("mai", 5),
    ("may", 5),
    ("juin", 6),
    ("june", 6),
    ("jun", 6),
    ("juillet", 7),
    ("july", 7),
    ("jul", 7),
    ("août", 8),
    ("aout", 8),
    ("august", 8),
    ("aug", 8),
    ("septembre", 9),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("octobre", 10),
    ("october", 10),
    ("oct", 10),
    ("novembre", 11),
    ("november", 11),
    ("nov", 11),
    ("décembre", 12),
    ("decembre", 12),
    ("december", 12),
    ("dec", 12),
];

/// Months of the sources' other languages (German, Spanish, Italian, Portuguese, Dutch),
/// written out: a date in a source is found whatever its language, so a summary that
/// gives it in English or French is backed. Words that are also common words or names
/// ("marco") are left out.
const OTHER_MONTHS: &[(&str, u32)] = &[
    ("januar", 1),
    ("enero", 1),
    ("gennaio", 1),
    ("janeiro", 1),
    ("januari", 1),
    ("februar", 2),
    ("febrero", 2),
    ("febbraio", 2),
    ("fevereiro", 2),
    ("februari", 2),
    ("märz", 3),
    ("maerz", 3),
    ("marzo", 3),
    ("março", 3),
    ("maart", 3),
    ("abril", 4),
    ("aprile", 4),
    ("mayo", 5),
    ("maggio", 5),
    ("maio", 5),
    ("mei", 5),
    ("juni", 6),
    ("junio", 6),
    ("giugno", 6),
    ("junho", 6),
    ("juli", 7),
    ("julio", 7),
    ("luglio", 7),
    ("julho", 7),
    ("agosto", 8),
    ("augustus", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("settembre", 9),
    ("setembro", 9),
    ("oktober", 10),
    ("octubre", 10),
    ("ottobre", 10),
    ("outubro", 10),
    ("noviembre", 11),
    ("novembro", 11),
    ("dezember", 12),
    ("diciembre", 12),
    ("dicembre", 12),
    ("dezembro", 12),
];

/// The French months, January first: how bisum writes them.
pub(crate) const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn month(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    // "mi-octobre", "mid-October": the month all the same.
    let w = w.trim_start_matches("mid-").trim_start_matches("mi-");
    MONTHS
        .iter()
        .chain(OTHER_MONTHS)
        .find(|(m, _)| *m == w)
        .map(|(_, n)| *n)
}

/// The day and month of two words that name a day of a month, its year left out: "4 mai",
/// "4 May", or in English "May 4" (the month capitalised). A month's full name only: an
/// abbreviation ("mar") or a month's middle ("mi-mai") is no day.
fn day_and_month(first: &str, second: &str) -> Option<(u32, u32)> {
    let full = |w: &str| {
        let bare = w.trim_end_matches('.');
        let short = bare.chars().count() == 3 && !["mai", "may"].contains(&fold(bare).as_str());
        let cut = short || fold(bare) == "sept" || bare.contains('-');
        month(bare).filter(|_| !cut)
    };
    if let (Some(d), Some(m)) = (day(first), full(second)) {
        return Some((d, m));
    }
    let english = first.starts_with(char::is_uppercase);
    // A wire's dateline abbreviates its month ("LYON, Nov 17"); not "Jan", "Mar" nor
    // "Sept", which are names and words too ("sept" is seven).
    let abbreviated = || {
        let bare = first.trim_end_matches('.');
        let plain = !["jan", "mar", "sept"].contains(&fold(bare).as_str());
        (bare.chars().count() <= 4 && plain)
            .then(|| month(bare))
            .flatten()
    };
    match (full(first).or_else(abbreviated), day(second)) {
        (Some(m), Some(d)) if english => Some((d, m)),
        _ => None,
    }
}

/// The month a word names on its own, where it cannot be another word: a French month in
/// lower case ("mai", "mars"), an English one capitalised ("June"); "May" and "March" only
/// after a word that introduces a date ("in May"), since they are also a verb.
fn month_alone(word: &str, before: &str) -> Option<u32> {
    let m = month(word)?;
    let bare = word.trim_start_matches("mid-").trim_start_matches("mi-");
    let lower = bare.starts_with(char::is_lowercase);
    let french = FRENCH_MONTHS.iter().any(|m| fold(m) == fold(bare));
    let short = ["may", "june", "july"].contains(&bare.to_lowercase().as_str());
    if !french && !short && bare.chars().count() <= 4 {
        return None; // "mar", "sept": abbreviations belong to dates
    }
    let introduced = [
        "in", "of", "since", "by", "until", "early", "late", "mid", "from", "to", "im", "am", "en",
        "el", "de", "del", "di", "em", "nel",
    ]
    .contains(&before.to_lowercase().as_str())
        || day(before).is_some();
    let other = OTHER_MONTHS.iter().any(|(o, _)| *o == bare.to_lowercase());
    match bare.to_lowercase().as_str() {
        "may" | "march" => (!lower && introduced).then_some(m),
        _ if french => lower.then_some(m),
        // Another language's month: lower case (Spanish, Italian) or after a day or a
        // word that introduces a date ("12. Februar", "im Juli"), so a "Julio" is a name.
        _ if other => (lower || introduced).then_some(m),
        _ => (!lower).then_some(m),
    }
}

/// The season a word names (1 spring … 4 winter), where it cannot be another word: French
/// "été" only elided or after "en", "cet" ("a été" is a verb); English "spring" and "fall"
/// only after a word that introduces a time ("in the spring", "last fall").
fn season(word: &str, before: &str) -> Option<u8> {
    let w = word.to_lowercase();
    let (w, elided) = match w.split_once(['\'', '’']) {
        Some((head, rest)) if ["l", "d"].contains(&head) => (rest.to_string(), true),
        _ => (w, false),
    };
    let before = before.to_lowercase();
    let introduced = [
        "the", "this", "last", "next", "in", "early", "late", "mid", "by", "until", "since",
    ]
    .contains(&before.as_str());
    match w.as_str() {
        "printemps" => Some(1),
        "été" if elided || ["en", "cet"].contains(&before.as_str()) => Some(2),
        "automne" => Some(3),
        "hiver" => Some(4),
        "spring" | "springtime" if introduced => Some(1),
        "summer" => Some(2),
        "autumn" => Some(3),
        "fall" if introduced => Some(3),
        "winter" => Some(4),
        _ => None,
    }
}

fn year(word: &str) -> Option<u32> {
    let y: u32 = word.parse().ok()?;
    (word.len() == 4 && (1900..=2100).contains(&y)).then_some(y)
}

fn day(word: &str) -> Option<u32> {
    let w = word
        .trim_end_matches(',')
        .trim_end_matches("er")
        .trim_end_matches("st")
        .trim_end_matches("nd")
        .trim_end_matches("rd")
        .trim_end_matches("th");
    let d: u32 = w.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

/// A number written the French or the English way: "1 000,5", "1,000.5", "12,5", "62,000".
fn number(word: &str) -> Option<f64> {
    let w: String = word
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if w.is_empty() || !w.chars().next()?.is_ascii_digit() {
        return None;
    }
    let (commas, dots) = (w.matches(',').count(), w.matches('.').count());
    let canonical = match (commas, dots) {
        (0, 0) => w.clone(),
        // "1,000.5": commas group thousands.
        (_, 1) if commas > 0 => w.replace(',', ""),
        // "62,000" groups thousands; "12,5" is a French decimal.
        (1, 0) => {
            let (a, b) = w.split_once(',')?;
            if b.len() == 3 {
                format!("{a}{b}")
            } else {
                format!("{a}.{b}")
            }
        }
        (c, 0) if c > 1 => w.replace(',', ""),
        // "1.000.000" groups thousands the continental way; "3.5" is a decimal.
        (0, d) if d > 1 => w.replace('.', ""),
        (0, 1) => {
            let (_, b) = w.split_once('.')?;
            if b.len() == 3 && w.len() > 4 {
                w.replace('.', "")
            } else {
                w.clone()
            }
        }
        _ => return None,
    };
    canonical.parse().ok()
}

fn scale(word: &str) -> Option<f64> {
    Some(match word.to_lowercase().trim_end_matches('.') {
        "milliard" | "milliards" | "billion" | "billions" | "bn" | "md" | "mds" => 1e9,
        "million" | "millions" | "m" | "mn" => 1e6,
        "mille" | "thousand" | "k" => 1e3,
        _ => return None,
    })
}

fn currency(word: &str) -> Option<Currency> {
    let w = word.to_lowercase();
    let w = w.trim_start_matches("d'").trim_start_matches("d’");
    Some(match w {
        "€" | "euro" | "euros" | "eur" => Currency::Eur,
        "$" | "dollar" | "dollars" | "usd" => Currency::Usd,
        "£" | "livres" | "pounds" | "gbp" => Currency::Gbp,
        _ => return None,
    })
}

/// Splits text into word tokens, keeping digit groups such as "1 000,5" together and
/// cutting currency signs and "%" off numbers; each with whether a comma or a full stop
/// ended it ("in March, 12 percent" names no day).
fn tokens(text: &str) -> Vec<(String, bool)> {
    // Each token, and whether it ended a clause (a comma or full stop was cut off it):
    // "1, 182" is two numbers, not one grouped in thousands.
    let mut raw: Vec<(String, bool)> = Vec::new();
    for w in text.split(|c: char| c.is_whitespace() && c != '\u{a0}' && c != '\u{202f}') {
        let w = w.trim_matches(|c: char| {
            matches!(
                c,
                '(' | ')' | '«' | '»' | '"' | '“' | '”' | ';' | ':' | '!' | '?' | '[' | ']'
            )
        });
        let cut = w.trim_end_matches(['.', ',']);
        let ends_clause = cut.len() < w.len();
        let w = cut;
        if w.is_empty() {
            continue;
        }
        // "€12", "12%", "12€", "$14"
        let mut rest = w;
        // "d'octobre", "d’avril": the month, after its elided "de".
        if let Some(m) = ["d'", "d’"].iter().find_map(|d| rest.strip_prefix(d)) {
            if month(m).is_some() {
                raw.push(("de".to_string(), false));
                rest = m;
            }
        }
        for sign in ["€", "$", "£"] {
            if let Some(r) = rest.strip_prefix(sign) {
                raw.push((sign.to_string(), false));
                rest = r;
            }
        }
        let mut tail = Vec::new();
        for sign in ["%", "€", "$", "£"] {
            if let Some(r) = rest.strip_suffix(sign) {
                tail.push((sign.to_string(), false));
                rest = r;
            }
        }
        if !rest.is_empty() {
            raw.push((rest.to_string(), false));
        }
        raw.extend(tail);
        if let Some(last) = raw.last_mut() {
            last.1 = ends_clause;
        }
    }
    // Join French digit groups: "19" "200" -> "19 200", "1" "000,5" -> "1 000,5".
    let group = |t: &str| {
        let b = t.as_bytes();
        b.len() >= 3
            && b[..3].iter().all(|c| c.is_ascii_digit())
            && (b.len() == 3 || matches!(b[3], b',' | b'.'))
    };
    let prefix = |p: &str| {
        let mut groups = p.split(' ');
        let first = groups.next().unwrap_or("");
        (1..=3).contains(&first.len())
            && first.bytes().all(|c| c.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|c| c.is_ascii_digit()))
    };
    let mut out: Vec<(String, bool)> = Vec::new();
    for (t, ends) in raw {
        match out.last_mut() {
            Some((prev, ended)) if !*ended && group(&t) && prefix(prev) => {
                prev.push(' ');
                prev.push_str(&t);
                *ended = ends;
            }
            _ => out.push((t, ends)),
        }
    }
    out
}

/// `t` without the "de" that Spanish and Portuguese put between a day, its month and its
/// year ("12 de febrero de 2026"), so the date reads as "12 febrero 2026" does.
fn without_date_links(t: Vec<(String, bool)>) -> Vec<(String, bool)> {
    let link = |i: usize| {
        let (before, after) = (&t[i - 1].0, &t[i + 1].0);
        ["de", "del"].contains(&t[i].0.as_str())
            && (day(before).is_some() && month(after).is_some()
                || month(before).is_some() && year(after).is_some())
    };
    (0..t.len())
        .filter(|&i| i == 0 || i + 1 >= t.len() || !link(i))
        .map(|i| t[i].clone())
        .collect()
}

fn date(year: u32, month: u32, day: u32, raw: String) -> Fact {
    Fact {
        key: Key::Date { year, month, day },
        raw,
    }
}

/// The checkable facts of a text.
pub fn facts(text: &str) -> Vec<Fact> {
    let (t, ends): (Vec<String>, Vec<bool>) = without_date_links(tokens(text)).into_iter().unzip();
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let w = &t[i];
        let next = |k: usize| t.get(i + k).map(String::as_str).unwrap_or("");
        // ISO date 2026-01-08
        if w.len() == 10 && w.is_ascii() && w.as_bytes()[4] == b'-' && w.as_bytes()[7] == b'-' {
            if let (Some(y), Ok(m), Ok(d)) =
                (year(&w[..4]), w[5..7].parse::<u32>(), w[8..].parse::<u32>())
            {
                out.push(date(y, m, d, w.clone()));
                i += 1;
                continue;
            }
        }
        // "8 janvier 2026" / "8 January 2026", or "January 8, 2026"
        let day_first = (day(w), month(next(1)), year(next(2)));
        let month_first = (day(next(1)), month(w), year(next(2)));
        let dmy = match (day_first, month_first) {
            ((Some(d), Some(m), Some(y)), _) | (_, (Some(d), Some(m), Some(y))) => Some((d, m, y)),
            _ => None,
        };
        if let Some((d, m, y)) = dmy {
            out.push(date(y, m, d, format!("{w} {} {}", next(1), next(2))));
            i += 3;
            continue;
        }
        // "le 4 mai", "4 May", "May 11": a day whose year is left out
        if let Some((d, m)) = day_and_month(w, next(1)).filter(|_| !ends[i]) {
            out.push(Fact {
                key: Key::DayMonth { month: m, day: d },
                raw: format!("{w} {}", next(1)),
            });
            i += 2;
            continue;
        }
        // "janvier 2026" / "January 2026"
        if let (Some(m), Some(y)) = (month(w), year(next(1))) {
            if w.len() > 3 {
                out.push(Fact {
                    key: Key::Month { year: y, month: m },
                    raw: format!("{w} {}", next(1)),
                });
                i += 2;
                continue;
            }
        }
        // "en mai", "in May", "le 3 mars": a month without its year
        let before = if i > 0 { t[i - 1].as_str() } else { "" };
        if let Some(m) = month_alone(w, before) {
            out.push(Fact {
                key: Key::MonthOnly(m),
                raw: w.clone(),
            });
            i += 1;
            continue;
        }
        if let Some(n) = season(w, before) {
            out.push(Fact {
                key: Key::Season(n),
                raw: w.clone(),
            });
            i += 1;
            continue;
        }
        // Money: "€ 12 bn", "EUR 12 bn", "12 milliards d'euros", "14 billion dollars", "$14bn"
        if let Some(cur) = currency(w) {
            if let Some(x) = number(next(1)) {
                let (s, used) = scale(next(2)).map_or((1.0, 2), |s| (s, 3));
                out.push(Fact {
                    key: Key::Money {
                        amount: Quantity::new(x * s),
                        currency: cur,
                    },
                    raw: t[i..i + used].join(" "),
                });
                i += used;
                continue;
            }
        }
        let clause_start = i == 0 || ends[i - 1];
        if let Some(x) = number(w).or_else(|| spelled(w, next(1), clause_start)) {
            let mut j = i + 1;
            let mut s = 1.0;
            if let Some(sc) = t.get(j).and_then(|x| scale(x)) {
                s = sc;
                j += 1;
            }
            if t.get(j).is_some_and(|x| x == "de" || x == "of")
                && t.get(j + 1).is_some_and(|x| currency(x).is_some())
            {
                j += 1;
            }
            if let Some(cur) = t.get(j).and_then(|x| currency(x)) {
                out.push(Fact {
                    key: Key::Money {
                        amount: Quantity::new(x * s),
                        currency: cur,
                    },
                    raw: t[i..=j].join(" "),
                });
                i = j + 1;
                continue;
            }
            let percent = ["%", "percent", "prozent", "procent"];
            if t.get(i + 1)
                .is_some_and(|x| percent.contains(&x.to_lowercase().as_str()))
                || (["pour", "por", "per"].contains(&next(1))
                    && ["cent", "ciento", "cento"].contains(&next(2)))
            {
                out.push(Fact {
                    key: Key::Pct(Quantity::new(x)),
                    raw: format!("{w} %"),
                });
                i += if ["pour", "por", "per"].contains(&next(1)) {
                    3
                } else {
                    2
                };
                continue;
            }
            let key = match year(w) {
                Some(y) => Key::Year(y),
                None => Key::Num(Quantity::new(x * s)),
            };
            out.push(Fact {
                key,
                raw: t[i..i + if s > 1.0 { 2 } else { 1 }].join(" "),
            });
            i += if s > 1.0 { 2 } else { 1 };
            continue;
        }
        if let Some(n) = joined_count(w) {
            out.push(Fact {
                key: Key::Num(Quantity::new(n as f64)),
                raw: w.split('-').next().unwrap_or(w).to_string(),
            });
        }
        i += 1;
    }
    out
}

/// The count a word spells out ("quatorze prévenus", "Twelve trains"), from two up
/// (`COUNT_WORDS`): a figure as much as "14" is, and newspapers spell small counts out.
/// Capitalised only where a clause starts ("Sept." is September), and not the numerator
/// of a fraction ("deux tiers", `fractions`' to read).
fn spelled(word: &str, next: &str, clause_start: bool) -> Option<f64> {
    let lower = word.to_lowercase();
    if lower != word && !clause_start {
        return None;
    }
    let fraction = [
        "tiers",
        "quarts",
        "thirds",
        "quarters",
        "cinquiemes",
        "fifths",
    ];
    if fraction.contains(&fold(next).as_str()) {
        return None;
    }
    COUNT_WORDS
        .iter()
        .find(|(w, _)| *w == lower)
        .map(|&(_, n)| n as f64)
}

/// A span of time a count measures ("quatre ans", "four hours", "a 35-hour week"): four
/// years are not backed by a source's four hours of debate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
}

impl Period {
    /// How `lang` names `n` of this span ("ans", "year").
    pub fn word(self, lang: Lang, n: f64) -> &'static str {
        let many = n >= 2.0;
        match (self, lang, many) {
            (Period::Minute, Lang::Fr, true) | (Period::Minute, Lang::En, true) => "minutes",
            (Period::Minute, _, false) => "minute",
            (Period::Hour, Lang::Fr, true) => "heures",
            (Period::Hour, Lang::Fr, false) => "heure",
            (Period::Hour, Lang::En, true) => "hours",
            (Period::Hour, Lang::En, false) => "hour",
            (Period::Day, Lang::Fr, true) => "jours",
            (Period::Day, Lang::Fr, false) => "jour",
            (Period::Day, Lang::En, true) => "days",
            (Period::Day, Lang::En, false) => "day",
            (Period::Week, Lang::Fr, true) => "semaines",
            (Period::Week, Lang::Fr, false) => "semaine",
            (Period::Week, Lang::En, true) => "weeks",
            (Period::Week, Lang::En, false) => "week",
            (Period::Month, Lang::Fr, _) => "mois",
            (Period::Month, Lang::En, true) => "months",
            (Period::Month, Lang::En, false) => "month",
            (Period::Year, Lang::Fr, true) => "ans",
            (Period::Year, Lang::Fr, false) => "an",
            (Period::Year, Lang::En, true) => "years",
            (Period::Year, Lang::En, false) => "year",
            (Period::Decade, Lang::Fr, true) => "décennies",
            (Period::Decade, Lang::Fr, false) => "décennie",
            (Period::Decade, Lang::En, true) => "decades",
            (Period::Decade, Lang::En, false) => "decade",
            (Period::Century, Lang::Fr, true) => "siècles",
            (Period::Century, Lang::Fr, false) => "siècle",
            (Period::Century, Lang::En, true) => "centuries",
            (Period::Century, Lang::En, false) => "century",
        }
    }
}

/// The words of each `Period`, folded, in the languages sources come in: grammar of
/// measure, not a subject's vocabulary.
const PERIODS: &[(&str, Period)] = &[
    ("minute", Period::Minute),
    ("minutes", Period::Minute),
    ("minutos", Period::Minute),
    ("heure", Period::Hour),
    ("heures", Period::Hour),
    ("hour", Period::Hour),
    ("hours", Period::Hour),
    ("horas", Period::Hour),
    ("jour", Period::Day),
    ("jours", Period::Day),
    ("journee", Period::Day),
    ("journees", Period::Day),
    ("day", Period::Day),
    ("days", Period::Day),
    ("dias", Period::Day),
    ("semaine", Period::Week),
    ("semaines", Period::Week),
    ("week", Period::Week),
    ("weeks", Period::Week),
    ("semanas", Period::Week),
    ("mois", Period::Month),
    ("month", Period::Month),
    ("months", Period::Month),
    ("meses", Period::Month),
    ("an", Period::Year),
    ("ans", Period::Year),
    ("annee", Period::Year),
    ("annees", Period::Year),
    ("year", Period::Year),
    ("years", Period::Year),
    ("anos", Period::Year),
    ("decennie", Period::Decade),
    ("decennies", Period::Decade),
    ("decade", Period::Decade),
    ("decades", Period::Decade),
    ("siecle", Period::Century),
    ("siecles", Period::Century),
    ("century", Period::Century),
    ("centuries", Period::Century),
];

pub(crate) fn period(word: &str) -> Option<Period> {
    let w = fold(word);
    PERIODS.iter().find(|(p, _)| *p == w).map(|&(_, p)| p)
}

/// A count as a text gives it: its value, the span of time it measures where one of the
/// two words after it names one ("trois ans", "quatre longues années"), and whether it
/// labels something rather than counting ("la ligne 3", "article 12": no grammar word
/// before it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counted {
    pub q: Quantity,
    pub span: Option<Period>,
    pub label: bool,
    /// It names what it counts, and that is no span of time ("six prévenus"; not "from
    /// 62 to 64 by 2030", where a span may be left to the reader).
    pub names_thing: bool,
}

/// Words a count may follow when it counts ("de 62 à 64 ans", "from 62 to 64", "les 3
/// prévenus", "et non trois" aside: `REJECTING`): grammar, in the languages sources come in.
const BEFORE_A_COUNT: &[&str] = &[
    "a", "à", "de", "des", "du", "d'", "les", "la", "le", "l'", "ses", "leurs", "et", "ou", "en",
    "entre", "sur", "pour", "par", "que", "qu'", "plus", "moins", "environ", "pres", "près",
    "quelque", "vers", "avec", "dont", "soit", "to", "from", "at", "of", "by", "and", "or", "in",
    "on", "for", "than", "between", "about", "around", "some", "nearly", "almost", "over", "under",
    "the", "its", "their", "with", "y", "e", "los", "las", "el", "di",
];

/// Each count of `text` (in digits or spelled out, "a 35-hour week" too, "cuatro años" in
/// a source), as `Counted`.
pub fn periods(text: &str) -> Vec<Counted> {
    let t = tokens(text);
    let mut out = Vec::new();
    for (i, (w, _)) in t.iter().enumerate() {
        let clause_start = i == 0 || t[i - 1].1;
        let after = |k: usize| t.get(i + k).map_or("", |n| n.0.as_str());
        // "four-year", "35-hour": the count and its period in one word; "dix-huit" is
        // one number.
        let whole = spelled(w, after(1), clause_start).is_some();
        let (w, joined) = match w.split_once('-') {
            Some((a, b)) if !a.is_empty() && !whole => (a, Some(b.split('-').next().unwrap_or(b))),
            _ => (w.as_str(), None),
        };
        let next = joined.unwrap_or_else(|| after(1));
        let other = || {
            OTHER_COUNT_WORDS
                .iter()
                .find(|(o, _)| *o == fold(w))
                .map(|&(_, n)| n as f64)
        };
        let Some(x) = number(w)
            .or_else(|| spelled(w, next, clause_start))
            .or_else(other)
        else {
            continue;
        };
        let span = match joined {
            Some(unit) => period(unit),
            None => period(after(1)).or_else(|| period(after(2))),
        };
        let before = (i > 0 && !clause_start).then(|| fold(&t[i - 1].0));
        let label = before.is_some_and(|b| {
            b.chars().all(char::is_alphabetic) && !BEFORE_A_COUNT.contains(&b.as_str())
        });
        let thing = fold(next);
        let names_thing = span.is_none()
            && thing.chars().count() >= 2
            && thing.chars().all(char::is_alphabetic)
            && !BEFORE_A_COUNT.contains(&thing.as_str());
        out.push(Counted {
            q: Quantity::new(x),
            span,
            label,
            names_thing,
        });
    }
    out
}

/// The spans of time `q` measures where `counts` (`periods`) give it.
pub(crate) fn spans_of(counts: &[Counted], q: Quantity) -> Vec<Period> {
    counts
        .iter()
        .filter(|c| c.q == q)
        .filter_map(|c| c.span)
        .collect()
}

/// Does a source whose counts are `there` (`periods`) give `q` as one of the spans of time
/// in `want` (or as a count that names no span: "from 62 to 64" backs "64 ans"), or,
/// `want` empty and the claim naming what it counts (`thing`), as a count of something
/// else than time? "La ligne 3" does not give three years, nor "six semaines" six
/// defendants. Where the source holds `q` only in a form `periods` does not read, it is
/// not held to a span.
pub(crate) fn gives_period(there: &[Counted], q: Quantity, want: &[Period], thing: bool) -> bool {
    let of_q: Vec<&Counted> = there.iter().filter(|c| c.q == q).collect();
    of_q.is_empty()
        || of_q.iter().any(|c| match c.span {
            Some(p) => want.contains(&p) || want.is_empty() && !thing,
            None => want.is_empty() || !c.label,
        })
}

/// The count of a word whose digits are joined by a hyphen to what they count ("an
/// 8-month-old baby", "a 35-hour week"): as much a figure as "8 months".
/// A count spelled out is read so only before a span of time ("a four-year plan"):
/// "twenty-two" and "quatre-vingts" are parts of larger numbers.
fn joined_count(word: &str) -> Option<u32> {
    let (digits, rest) = word.split_once('-')?;
    let counted = rest.starts_with(char::is_alphabetic)
        && rest.chars().all(|c| c.is_alphabetic() || c == '-');
    let short = (1..=3).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit());
    let spelled = || {
        let unit = rest.split('-').next().unwrap_or(rest);
        period(unit)?;
        COUNT_WORDS
            .iter()
            .find(|(w, _)| *w == digits.to_lowercase())
            .map(|&(_, n)| n)
    };
    match counted && short {
        true => digits.parse().ok(),
        false if counted => spelled(),
        false => None,
    }
}

/// Every form a source fact can be referred to by: a date also stands for its month and year,
/// an amount for its bare number, a year for the number and back.
/// Every fact a text holds, with what each implies (a date its month and year, an amount
/// its bare number): what a source can be said to give.
pub fn holds(text: &str) -> BTreeSet<Key> {
    let mut keys = support_keys(&facts(text));
    without_rejected(&mut keys, text);
    keys
}

/// Words right before a count that reject it ("au moins quatre ans et non trois",
/// "four years, not three", "rather than three"): grammar, in the languages sources
/// come in.
const REJECTING: &[&str] = &[
    "non",
    "not",
    "pas",
    "rather than",
    "instead of",
    "plutot que",
    "au lieu de",
];

/// The counts of `text` that it gives only to reject them (`REJECTING`): a source that
/// says "au moins quatre ans et non trois" does not give three years, it denies them.
fn rejected(text: &str) -> BTreeSet<Quantity> {
    let t: Vec<String> = tokens(text).into_iter().map(|(w, _)| fold(&w)).collect();
    let mut all: Vec<(Quantity, bool)> = Vec::new();
    for (i, w) in t.iter().enumerate() {
        let Some(x) = number(w).or_else(|| spelled(w, "", false)) else {
            continue;
        };
        let before = t[i.saturating_sub(2)..i].join(" ");
        let denied = REJECTING
            .iter()
            .any(|r| before == *r || before.ends_with(&format!(" {r}")));
        all.push((Quantity::new(x), denied));
    }
    all.iter()
        .filter(|(q, _)| all.iter().filter(|(v, _)| v == q).all(|(_, d)| *d))
        .map(|&(q, _)| q)
        .collect()
}

/// `keys` (of `text`) without the counts `text` gives only to reject them (`rejected`).
fn without_rejected(keys: &mut BTreeSet<Key>, text: &str) {
    for q in rejected(text) {
        keys.remove(&Key::Num(q));
    }
}

fn support_keys(source_facts: &[Fact]) -> BTreeSet<Key> {
    let mut keys = BTreeSet::new();
    for f in source_facts {
        keys.insert(f.key);
        match f.key {
            Key::Date { year, month, day } => {
                keys.insert(Key::Month { year, month });
                keys.insert(Key::MonthOnly(month));
                keys.insert(Key::Year(year));
                keys.insert(Key::DayMonth { month, day });
                // A day may be said without its month ("le 20").
                keys.insert(Key::Num(Quantity::new(day as f64)));
            }
            Key::DayMonth { month, day } => {
                keys.insert(Key::MonthOnly(month));
                keys.insert(Key::Num(Quantity::new(day as f64)));
            }
            Key::Month { year, month } => {
                keys.insert(Key::Year(year));
                keys.insert(Key::MonthOnly(month));
            }
            Key::Money { amount, .. } => {
                keys.insert(Key::Num(amount));
            }
            Key::Year(y) => {
                keys.insert(Key::Num(Quantity::new(y as f64)));
            }
            Key::Num(q) => {
                let v = q.value();
                if v.fract() == 0.0 && (1900.0..=2100.0).contains(&v) {
                    keys.insert(Key::Year(v as u32));
                }
            }
            Key::Pct(_) | Key::MonthOnly(_) | Key::Season(_) => {}
        }
    }
    keys
}

/// Function words, weekdays and nationality adjectives: capitalized at the start of a
/// clause or by English spelling rules, but not names.
const NOT_NAMES: &[&str] = &[
    "le",
    "la",
    "les",
    "l",
    "un",
    "une",
    "des",
    "du",
    "de",
    "d",
    "et",
    "ou",
    "mais",
    "en",
    "dans",
    "pour",
    "par",
    "sur",
    "avec",
    "selon",
    "ce",
    "cette",
    "ces",
    "il",
    "elle",
    "ils",
    "elles",
    "on",
    "nous",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
    "au",
    "aux",
    "a",
    "à",
    "the",
    "an",
    "and",
    "or",
    "but",
    "in",
    "on",
    "for",
    "by",
    "with",
    "according",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "their",
    "his",
    "her",
    "of",
    "to",
    "as",
    "at",
    "from",
    "while",
    "however",
    "also",
    "both",
    "all",
    "each",
    "some",
    "most",
    "many",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "french",
    "english",
    "european",
    "american",
    "british",
    "german",
    "chinese",
    "dutch",
    "italian",
    "spanish",
    "russian",
    "ukrainian",
    "japanese",
    "indian",
    "israeli",
    "canadian",
    "belgian",
    "swiss",
    "sources",
    "source",
    "synthèse",
    "synthesis",
    "points",
    "communs",
    "divergences",
    "apports",
    "propres",
    "common",
    "ground",
    "disagreements",
    "specific",
    "contributions",
];

/// Number words from two up, English and French ("six" is both), with their values. Not
/// "seize" (an English verb too) nor "cent" ("per cent"); "quatre-vingts" and
/// "twenty-two" are joined by hyphens, and `spelled_counts` leaves those out. French
/// writes seventeen to nineteen in two words joined by a hyphen ("dix-huit ans"), read
/// whole as a fact.
pub const COUNT_WORDS: &[(&str, u32)] = &[
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("sept", 7),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("onze", 11),
    ("douze", 12),
    ("treize", 13),
    ("quatorze", 14),
    ("quinze", 15),
    ("dix-sept", 17),
    ("dix-huit", 18),
    ("dix-neuf", 19),
    ("vingt", 20),
    ("trente", 30),
    ("quarante", 40),
    ("cinquante", 50),
];

/// Number words from two to twelve of the sources' other languages (Spanish, Italian,
/// Portuguese, German), read in sources only: a count a French or English output spells
/// ("deux rives") is backed by a source that spells it its own way ("dos orillas"). Not
/// those that are also English or French words ("once", "due", "elf", "tres" folded from
/// "très"…): a source's word list only widens what backs an output.
const OTHER_COUNT_WORDS: &[(&str, u32)] = &[
    ("dos", 2),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("doce", 12),
    ("quattro", 4),
    ("cinque", 5),
    ("sette", 7),
    ("otto", 8),
    ("dieci", 10),
    ("undici", 11),
    ("dodici", 12),
    ("dois", 2),
    ("duas", 2),
    ("sete", 7),
    ("oito", 8),
    ("dez", 10),
    ("doze", 12),
    ("zwei", 2),
    ("drei", 3),
    ("vier", 4),
    ("sechs", 6),
    ("sieben", 7),
    ("acht", 8),
    ("neun", 9),
    ("zehn", 10),
    ("zwolf", 12),
];

/// The counts `text` spells out in one of the sources' other languages (`OTHER_COUNT_WORDS`).
fn other_counts(text: &str) -> Vec<u32> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|w| OTHER_COUNT_WORDS.iter().find(|(o, _)| *o == w))
        .map(|&(_, n)| n)
        .collect()
}

/// The counts a text spells out in English or French ("nine hours", "douze communes"),
/// as numbers: a figure as much as "9" is, which digits-only facts miss. "One"/"un" are
/// articles as often as numbers, so counting starts at two; a word joined to another by a
/// hyphen ("twenty-two", "quatre-vingts") is part of a larger number and not counted.
pub fn spelled_counts(text: &str) -> Vec<u32> {
    let folded = fold(text);
    let mut out = Vec::new();
    let mut rest = folded.as_str();
    while let Some(start) = rest.find(char::is_alphanumeric) {
        let tail = &rest[start..];
        let len = tail
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(tail.len());
        let word = &tail[..len];
        let hyphen_before = rest[..start].ends_with('-');
        let hyphen_after = tail[len..].starts_with('-');
        if !hyphen_before && !hyphen_after {
            if let Some(&(_, n)) = COUNT_WORDS.iter().find(|(w, _)| *w == word) {
                out.push(n);
            }
        }
        rest = &tail[len..];
    }
    out
}

/// The fractions a text names in words, as (numerator, denominator), in order: French
/// "un tiers", "deux tiers", "le quart", "la moitié" (counted: not "des États tiers", "à
/// moitié vide"); English "a third of", "two thirds",
/// "a quarter of", "half of", "half the". An English "third" or "quarter" is a fraction
/// only before "of" or in the plural ("a third consecutive year", "the first quarter"
/// are not), and "half" only before "of" or "the"; neither after an ordinal ("the first
/// half of 2026" is a period).
pub fn fractions(text: &str) -> Vec<(u32, u32)> {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let before = i.checked_sub(1).map_or("", |j| words[j]);
        let numerator = match before {
            "deux" | "two" => 2,
            "trois" | "three" => 3,
            _ => 1,
        };
        // "un tiers", "le quart", "la moitié"; not "des États tiers", "à moitié vide".
        let counted = ["un", "le", "deux", "trois", "au", "du"].contains(&before);
        // "the first half of 2026", "the third quarter of": a period, not a share.
        let period = ["first", "second", "third", "fourth", "last"].contains(&before);
        let denominator = match *w {
            "tiers" if counted => Some(3),
            "quart" | "quarts" if counted => Some(4),
            "moitie" if before == "la" => Some(2),
            "thirds" => Some(3),
            "quarters" if numerator > 1 => Some(4),
            "third" | "quarter" if next == "of" && !period => {
                Some(if *w == "third" { 3 } else { 4 })
            }
            "half" if (next == "of" || next == "the") && !period => Some(2),
            _ => None,
        };
        if let Some(d) = denominator {
            out.push((numerator, d));
        }
    }
    out
}

/// Does `text` give the number `n`, in digits or spelled out?
pub fn gives_number(text: &str, n: u32) -> bool {
    spelled_counts(text).contains(&n) || holds(text).contains(&Key::Num(Quantity::new(n as f64)))
}

/// Lowercase without accents: names are compared by spelling, not by typography.
pub(crate) fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// A name in an output: as written, and whether its spelling is the same in every
/// language (an acronym or a brand such as ASML, OpenAI, A400M) rather than a capitalized
/// word that a translation may change (Ministry ↔ ministère).
#[derive(Debug, Clone, PartialEq)]
struct Name {
    raw: String,
    any_language: bool,
}

/// The proper names of one sentence: capitalized words that do not start it (nor follow a
/// colon), are not function words, months, weekdays or nationality adjectives.
/// The names a sentence uses, folded (lowercase, no accents): what statements share when
/// they speak of the same people, places and organisations, in either language.
pub(crate) fn folded_names(sentence: &str) -> Vec<String> {
    names(sentence).iter().map(|n| fold(&n.raw)).collect()
}

/// The names a sentence uses, in lower case with their accents (as word lists spell them).
pub(crate) fn lowercase_names(sentence: &str) -> Vec<String> {
    names(sentence)
        .iter()
        .map(|n| n.raw.to_lowercase())
        .collect()
}

fn names(sentence: &str) -> Vec<Name> {
    let body = sentence
        .trim_start()
        .trim_start_matches(['#', '-', '*', '>', ' '])
        .trim_start();
    let mut out: Vec<Name> = Vec::new();
    let mut prev = "";
    for (i, word) in body.split_whitespace().enumerate() {
        let after_colon = prev.ends_with(':') || prev == ":" || prev.ends_with('«');
        prev = word;
        if i == 0 || after_colon {
            continue;
        }
        let w = word.trim_matches(|c: char| !c.is_alphanumeric());
        let w = ["d'", "l'", "d’", "l’", "qu'", "qu’", "n'", "s'"]
            .iter()
            .find_map(|p| w.strip_prefix(p))
            .unwrap_or(w);
        let Some(first) = w.chars().next() else {
            continue;
        };
        if !first.is_uppercase() || w.chars().count() < 2 {
            continue;
        }
        let folded = fold(w);
        if NOT_NAMES.contains(&folded.as_str()) || month(w).is_some() {
            continue;
        }
        let any_language = w
            .chars()
            .skip(1)
            .any(|c| c.is_uppercase() || c.is_ascii_digit());
        if !out.iter().any(|n| n.raw == w) {
            out.push(Name {
                raw: w.to_string(),
                any_language,
            });
        }
    }
    out
}

/// Is `raw` an acronym (2 to 6 capitals) whose letters, in another order, are one of
/// `words`? Languages order a name's words differently, so its acronym too: IA for AI,
/// UE for EU, OTAN for NATO.
fn acronym_of(raw: &str, words: &BTreeSet<String>) -> bool {
    let n = raw.chars().count();
    if !(2..=6).contains(&n) || !raw.chars().all(|c| c.is_ascii_uppercase()) {
        return false;
    }
    let sorted = |w: &str| {
        let mut c: Vec<char> = w.to_lowercase().chars().collect();
        c.sort_unstable();
        c
    };
    let key = sorted(raw);
    words
        .iter()
        .any(|w| w.chars().count() == n && sorted(w) == key)
}

/// The folded words of a text, for name lookups.
fn words(text: &str) -> BTreeSet<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Checks `output`, written in `lang`, against sources (id, text, language). Each line (or
/// sentence) is checked against the sources it cites as [S#]; a line citing none against
/// all of them. Numbers, dates, amounts and percentages are compared by value across
/// languages. Names are compared by spelling (case and accents aside): acronyms and brands
/// against every cited source, other capitalized words only against cited sources in the
/// output's language, since a translation may rightly change them.
/// A line without its list marker ("1. ", "2) ", "- "): the marker's number is no fact.
fn strip_list_marker(line: &str) -> &str {
    let t = line.trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits)
        && matches!(t.as_bytes().get(digits), Some(b'.' | b')'))
        && t.as_bytes().get(digits + 1) == Some(&b' ')
    {
        return &t[digits + 2..];
    }
    t.strip_prefix("- ")
        .or_else(|| t.strip_prefix("* "))
        .unwrap_or(t)
}

/// `output` without its sentences that state a figure, date or name that `source` (id,
/// text, language) does not hold, and those sentences: a summary sentence with an invented
/// date is left out, never shipped. Headings and list marks stay.
pub fn keep_supported(
    output: &str,
    lang: Lang,
    source: (&str, &str, Lang),
) -> (String, Vec<String>) {
    let mut kept_lines = Vec::new();
    let mut dropped = Vec::new();
    for line in output.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            kept_lines.push(line.to_string());
            continue;
        }
        let marker_len = line.len() - strip_list_marker(line).len();
        let mut kept: Vec<&str> = Vec::new();
        for sentence in crate::text::sentences(&line[marker_len..]) {
            let g = check(sentence, lang, &[source]);
            if g.unsupported.is_empty() {
                kept.push(sentence);
            } else {
                dropped.push(sentence.to_string());
            }
        }
        if !kept.is_empty() {
            kept_lines.push(format!("{}{}", &line[..marker_len], kept.join(" ")));
        }
    }
    (kept_lines.join("\n").trim().to_string(), dropped)
}

/// Weekdays, Monday first: English, German and French in any case (a sentence may open
/// with one), the other languages lower case only ("Santo Domingo" is a place).
const WEEKDAYS: [(&[&str], &[&str]); 7] = [
    (
        &["monday", "montag", "lundi"],
        &["lunes", "lunedì", "lunedi", "segunda-feira", "maandag"],
    ),
    (
        &["tuesday", "dienstag", "mardi"],
        &["martes", "martedì", "martedi", "terça-feira", "dinsdag"],
    ),
    (
        &["wednesday", "mittwoch", "mercredi"],
        &[
            "miércoles",
            "mercoledì",
            "mercoledi",
            "quarta-feira",
            "woensdag",
        ],
    ),
    (
        &["thursday", "donnerstag", "jeudi"],
        &["jueves", "giovedì", "giovedi", "quinta-feira", "donderdag"],
    ),
    (
        &["friday", "freitag", "vendredi"],
        &["viernes", "venerdì", "venerdi", "sexta-feira", "vrijdag"],
    ),
    (
        &["saturday", "samstag", "sonnabend", "samedi"],
        &["sábado", "sabato", "zaterdag"],
    ),
    (
        &["sunday", "sonntag", "dimanche"],
        &["domingo", "domenica", "zondag"],
    ),
];

/// The weekday `w` (a word without its punctuation) names, 1 (Monday) to 7.
pub(crate) fn weekday(w: &str) -> Option<u32> {
    let lower = w.to_lowercase();
    WEEKDAYS
        .iter()
        .position(|(any_case, lower_only)| {
            any_case.contains(&lower.as_str()) || lower_only.contains(&w)
        })
        .map(|i| i as u32 + 1)
}

/// The weekdays `text` names, each with the word naming it.
fn weekdays_named(text: &str) -> Vec<(u32, &str)> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .filter_map(|w| Some((weekday(w)?, w)))
        .collect()
}

/// The weekdays a source backs: those it names and those of its full dates ("le 16
/// décembre 2025" backs "Tuesday").
fn weekdays_backed(text: &str) -> BTreeSet<u32> {
    let mut days: BTreeSet<u32> = weekdays_named(text).into_iter().map(|(d, _)| d).collect();
    // 1970-01-01 was a Thursday.
    days.extend(
        facts(text)
            .iter()
            .filter_map(|f| f.key.days())
            .map(|d| (d + 3).rem_euclid(7) as u32 + 1),
    );
    days
}

/// What one source can back: its id, the facts and words it gives, the weekdays its dates
/// fall on, the spans of time its counts measure, its language.
struct Read<'a> {
    id: &'a str,
    keys: BTreeSet<Key>,
    words: BTreeSet<String>,
    days: BTreeSet<u32>,
    periods: Vec<Counted>,
    lang: Lang,
}

impl<'a> Read<'a> {
    fn of(id: &'a str, text: &str, lang: Lang) -> Self {
        let mut keys = support_keys(&facts(text));
        // "huit mois" backs "an 8-month-old" and "8 months"; "las dos orillas" backs
        // "les deux rives".
        keys.extend(
            spelled_counts(text)
                .into_iter()
                .chain(other_counts(text))
                .map(|n| Key::Num(Quantity::new(n as f64))),
        );
        without_rejected(&mut keys, text);
        Read {
            id,
            keys,
            words: words(text),
            days: weekdays_backed(text),
            periods: periods(text),
            lang,
        }
    }
}

pub fn check(output: &str, lang: Lang, sources: &[(&str, &str, Lang)]) -> Grounding {
    let per_source: Vec<Read> = sources
        .iter()
        .map(|(id, text, l)| Read::of(id, text, *l))
        .collect();
    let (mut n, mut ok, mut unsupported) = (0, 0, Vec::new());
    let mut names_checked = 0;
    for sentence in output
        .lines()
        .map(strip_list_marker)
        // The program's own notes, in italics ("_No statement is made by two sources or
        // more._"), state nothing of the sources.
        .filter(|l| !(l.len() > 1 && l.starts_with('_') && l.trim_end().ends_with('_')))
        .flat_map(|l| l.split(". "))
    {
        let cited = crate::checks::citations::citations(sentence);
        let looked: Vec<&Read> = per_source
            .iter()
            .filter(|r| cited.is_empty() || cited.iter().any(|c| c == r.id))
            .collect();
        // A weekday is a fact too: "le vendredi" for "on Tuesday" contradicts its source.
        for (day, raw) in weekdays_named(sentence) {
            n += 1;
            if looked.iter().any(|r| r.days.contains(&day)) {
                ok += 1;
            } else if !unsupported.iter().any(|u| u == raw) {
                unsupported.push(raw.to_string());
            }
        }
        let keys: BTreeSet<&Key> = looked.iter().flat_map(|r| r.keys.iter()).collect();
        let stripped = sentence.replace(['[', ']'], " ");
        let stripped: String = stripped
            .split_whitespace()
            .filter(|w| {
                !(w.starts_with('S') && w[1..].chars().all(|c| c.is_ascii_digit()) && w.len() > 1)
            })
            .collect::<Vec<_>>()
            .join(" ");
        let said = periods(&stripped);
        for f in facts(&stripped) {
            n += 1;
            // An amount is backed by the same number where the source leaves the currency
            // to the context ("dont 96 millions apportés par l'État" for "€96 million"),
            // never where the source gives that amount in another currency ("280 millions
            // d'euros" for "280 million dollars").
            let bare = match f.key {
                Key::Money { amount, currency } => {
                    let other = keys.iter().any(|k| {
                        matches!(k, Key::Money { amount: a, currency: c } if *a == amount && *c != currency)
                    });
                    (!other).then_some(Key::Num(amount))
                }
                _ => None,
            };
            let held = match f.key {
                // "quatre ans de chantier" is not backed by "quatre heures de débat", nor
                // "six prévenus" by "six semaines de débats".
                Key::Num(q) => {
                    let (spans, thing) = (
                        spans_of(&said, q),
                        said.iter().any(|c| c.q == q && c.names_thing),
                    );
                    looked.iter().any(|r| {
                        r.keys.contains(&f.key) && gives_period(&r.periods, q, &spans, thing)
                    })
                }
                _ => keys.contains(&f.key) || bare.is_some_and(|b| keys.contains(&b)),
            };
            if held {
                ok += 1;
            } else if !unsupported.contains(&f.raw) {
                unsupported.push(f.raw);
            }
        }
        for name in names(&stripped) {
            let pool: Vec<(&BTreeSet<String>, Lang)> = looked
                .iter()
                .filter(|r| name.any_language || r.lang == lang)
                .map(|r| (&r.words, r.lang))
                .collect();
            if pool.is_empty() {
                continue;
            }
            names_checked += 1;
            n += 1;
            let parts: Vec<String> = fold(&name.raw)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            let held = |w: &BTreeSet<String>, l: Lang| {
                parts
                    .iter()
                    .all(|p| w.contains(p) || l != lang && acronym_of(&name.raw, w))
            };
            if pool.iter().any(|(w, l)| held(w, *l)) {
                ok += 1;
            } else if !unsupported.contains(&name.raw) {
                unsupported.push(name.raw);
            }
        }
    }
    Grounding {
        facts: n,
        supported: ok,
        names: names_checked,
        ratio: if n == 0 {
            1.0
        } else {
            ((ok as f64 / n as f64) * 1000.0).round() / 1000.0
        },
        unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        facts(text).into_iter().map(|f| f.key.to_string()).collect()
    }

    #[test]
    fn a_weekday_is_backed_by_the_same_day_or_a_date_that_falls_on_it() {
        let src = [(
            "S1",
            "El incendio se declaró el martes en la sierra.",
            Lang::Fr,
        )];
        assert!(check("The fire broke out on Tuesday.", Lang::En, &src)
            .unsupported
            .is_empty());
        assert_eq!(
            check("Le feu a éclaté le vendredi.", Lang::Fr, &src).unsupported,
            ["vendredi"]
        );
        // 16 December 2025 was a Tuesday.
        let dated = [("S1", "L'accord a été signé le 16 décembre 2025.", Lang::Fr)];
        let g = check(
            "The deal was signed on Tuesday, December 16, 2025.",
            Lang::En,
            &dated,
        );
        assert!(g.unsupported.is_empty(), "{:?}", g.unsupported);
        assert!(!check("Signed on Monday.", Lang::En, &dated)
            .unsupported
            .is_empty());
        // "Santo Domingo" is a place, not a Sunday.
        assert!(check("Talks in Santo Domingo.", Lang::En, &src)
            .unsupported
            .is_empty());
    }

    #[test]
    fn a_count_of_years_is_not_backed_by_as_many_hours() {
        let src = [(
            "S3",
            "Le vote a été acquis après quatre heures de débat. Les commerçants \
             s'inquiètent de trois ans de chantier.",
            Lang::Fr,
        )];
        let g = check(
            "Les commerçants s'inquiètent de quatre ans de chantier [S3].",
            Lang::Fr,
            &src,
        );
        assert_eq!(g.unsupported, ["quatre"]);
        // Across languages, and in a word joined by a hyphen.
        assert_eq!(
            check("A four-year building site [S3].", Lang::En, &src).unsupported,
            ["four"]
        );
        for backed in [
            "The debate lasted four hours [S3].",
            "Three years of works [S3].",
            "A three-year building site [S3].",
        ] {
            let g = check(backed, Lang::En, &src);
            assert!(g.unsupported.is_empty(), "{backed}: {:?}", g.unsupported);
        }
        // French seventeen to nineteen, in two words joined by a hyphen.
        let dix = [("S1", "Il a dirigé la ville pendant dix-huit ans.", Lang::Fr)];
        assert!(
            check("He ran the town for eighteen years [S1].", Lang::En, &dix)
                .unsupported
                .is_empty()
        );
        assert_eq!(
            check("He ran the town for eighteen months [S1].", Lang::En, &dix).unsupported,
            ["eighteen"]
        );
        // A word between the count and its span; a source in a third language.
        for src in ["Quatre longues années de travaux.", "Cuatro años de obras."] {
            let plain = [("S1", src, Lang::Fr)];
            let g = check("Four years of works.", Lang::En, &plain);
            assert!(g.unsupported.is_empty(), "{src}: {:?}", g.unsupported);
        }
        // Nor are as many people counted by a span of time.
        let weeks = [(
            "S2",
            "Après six semaines de débats, douze prévenus.",
            Lang::Fr,
        )];
        assert_eq!(
            check("Il a jugé six prévenus [S2].", Lang::Fr, &weeks).unsupported,
            ["six"]
        );
        assert!(check("Six weeks of debates [S2].", Lang::En, &weeks)
            .unsupported
            .is_empty());
        // A count told with no span backs one ("from 62 to 64": 64 years of age); a
        // number that labels something counts no years.
        let ages = [("S3", "The reform raises the age from 62 to 64.", Lang::En)];
        assert!(check(
            "La réforme porte l'âge de 62 à 64 ans [S3].",
            Lang::Fr,
            &ages
        )
        .unsupported
        .is_empty());
        // And the other way: a count that names nothing it counts is not held to one.
        let ans = [("S1", "L'âge passe de 62 à 64 ans d'ici 2030.", Lang::Fr)];
        assert!(
            check("The age rises from 62 to 64 by 2030 [S1].", Lang::En, &ans)
                .unsupported
                .is_empty()
        );
        let label = [(
            "S2",
            "La ligne 3 du tramway reliera la gare au campus.",
            Lang::Fr,
        )];
        assert_eq!(
            check("Trois ans de chantier [S2].", Lang::Fr, &label).unsupported,
            ["Trois"]
        );
    }

    #[test]
    fn a_count_a_source_rejects_is_not_one_it_gives() {
        let src = [(
            "S2",
            "Le chantier durera au moins quatre ans et non trois comme l'annonce la métropole.",
            Lang::Fr,
        )];
        assert_eq!(
            check("Le chantier durera trois ans [S2].", Lang::Fr, &src).unsupported,
            ["trois"]
        );
        assert!(
            check("The works will last four years [S2].", Lang::En, &src)
                .unsupported
                .is_empty()
        );
        assert!(!holds(src[0].1).contains(&Key::Num(Quantity::new(3.0))));
        // Given once plainly, it is given.
        let both =
            "Trois ans, disait la métropole ; quatre ans et non trois, répond l'association.";
        assert!(holds(both).contains(&Key::Num(Quantity::new(3.0))));
    }

    #[test]
    fn digits_after_a_comma_are_another_number() {
        assert_eq!(keys("long de 1 182 mètres"), ["num:1182"]);
        assert_eq!(keys("1, 182 meters long"), ["num:1", "num:182"]);
        assert_eq!(keys("Stage 1, 182 people left."), ["num:1", "num:182"]);
    }

    #[test]
    fn list_numbers_are_not_facts() {
        let sources = [("S1", "Le contrat porte sur 4 ans.", Lang::Fr)];
        let g = check(
            "1. Le contrat porte sur 4 ans [S1].\n2) Il est signé [S1].",
            Lang::Fr,
            &sources,
        );
        assert!(g.unsupported.is_empty(), "{g:?}");
        assert_eq!(g.facts - g.names, 1, "{g:?}");
    }

    #[test]
    fn dates_match_across_languages() {
        assert_eq!(keys("le 8 janvier 2026"), ["date:2026-01-08"]);
        assert_eq!(keys("on January 8, 2026"), ["date:2026-01-08"]);
        assert_eq!(keys("on 8 January 2026"), ["date:2026-01-08"]);
        assert_eq!(keys("le 1er décembre 2025"), ["date:2025-12-01"]);
        assert_eq!(keys("en septembre 2029"), ["month:2029-09"]);
        assert_eq!(keys("2026-01-08"), ["date:2026-01-08"]);
    }

    #[test]
    fn fractions_named_in_words_are_read_in_both_languages() {
        assert_eq!(
            fractions("La Bretagne concentre un tiers des cas."),
            [(1, 3)]
        );
        assert_eq!(
            fractions("Brittany accounts for a third of the cases."),
            [(1, 3)]
        );
        assert_eq!(fractions("Brittany has a quarter of the cases."), [(1, 4)]);
        assert_eq!(
            fractions("les deux tiers des élèves, la moitié des parents"),
            [(2, 3), (1, 2)]
        );
        assert_eq!(
            fractions("two thirds of pupils and half the parents"),
            [(2, 3), (1, 2)]
        );
        for none in [
            "for a third consecutive year",
            "in the first quarter",
            "half a million people",
            "la troisième année",
            "les cadres juridiques d'États tiers",
            "un verre à moitié vide",
            "in the first half of 2026",
            "in the third quarter of 2025",
        ] {
            assert!(fractions(none).is_empty(), "{none}");
        }
    }

    #[test]
    fn a_count_joined_to_what_it_counts_is_a_figure() {
        assert_eq!(keys("an 8-month-old baby"), ["num:8"]);
        assert_eq!(keys("a 35-hour week"), ["num:35"]);
        for text in ["COVID-19", "the 2025-2026 season", "a 3-0 win", "x-ray"] {
            assert!(!keys(text).iter().any(|k| k.starts_with("num:")), "{text}");
        }
        // "huit mois" backs an 8-month-old, not a 7-month-old.
        let src = [(
            "S1",
            "Un nourrisson de huit mois est mort à Brest.",
            Lang::Fr,
        )];
        assert!(check("An 8-month-old baby died in Brest.", Lang::En, &src)
            .unsupported
            .is_empty());
        assert!(!check("A 7-month-old baby died in Brest.", Lang::En, &src)
            .unsupported
            .is_empty());
    }

    #[test]
    fn a_day_without_its_year_is_one_fact_in_both_languages() {
        for text in [
            "à partir du 4 mai",
            "from May 4",
            "from 4 May",
            "le 1er mai",
        ] {
            assert_eq!(keys(text).len(), 1, "{text}");
        }
        assert_eq!(keys("from May 4"), keys("à partir du 4 mai"));
        assert_eq!(keys("on May 11"), ["day:05-11"]);
        // A wire's dateline.
        assert_eq!(keys("LYON, Nov 17 (Wire) - A court"), ["day:11-17"]);
        // A comma between them: a month, then a number.
        assert_eq!(
            keys("published in March, 12 percent"),
            ["month:03", "pct:12"]
        );
        // Abbreviations, a month's middle and "may" the verb are no day.
        for text in ["mi-mai 4", "Sept 4 days", "they may 4 times"] {
            assert!(!keys(text).iter().any(|k| k.starts_with("day:")), "{text}");
        }
        // Backed by the same day with or without its year, not by another day.
        let src = [(
            "S1",
            "La campagne commencera le 4 mai 2026 dans les écoles.",
            Lang::Fr,
        )];
        assert!(check("The campaign starts on May 4.", Lang::En, &src)
            .unsupported
            .is_empty());
        assert!(check("La campagne commence en mai.", Lang::Fr, &src)
            .unsupported
            .is_empty());
        assert!(!check("The campaign starts on May 11.", Lang::En, &src)
            .unsupported
            .is_empty());
        // A year the source leaves out is not backed.
        let src = [("S1", "La campagne commencera le 4 mai.", Lang::Fr)];
        assert!(
            !check("The campaign starts on May 4, 2026.", Lang::En, &src)
                .unsupported
                .is_empty()
        );
    }

    #[test]
    fn a_month_without_its_year_is_a_fact_a_season_does_not_back() {
        assert_eq!(keys("présenté au Sénat en mai"), ["month:05"]);
        assert_eq!(keys("sent to the Senate in May"), ["month:05"]);
        assert_eq!(keys("le 3 mars"), ["day:03-03"]);
        // Words that are not months there.
        assert!(keys("The ministry may sign. They march on. La mission vers Mars.").is_empty());
        let src = [(
            "S1",
            "Le texte sera présenté au Sénat au printemps, après le vote du 3 mars 2026.",
            Lang::Fr,
        )];
        let g = check("Le texte sera présenté au Sénat en mai.", Lang::Fr, &src);
        assert_eq!(g.unsupported, ["mai"], "{g:?}");
        let g = check(
            "Le vote a eu lieu le 3 mars ; le texte ira au Sénat au printemps.",
            Lang::Fr,
            &src,
        );
        assert!(g.unsupported.is_empty(), "{g:?}");
        // "mid-October 2025" is October 2025.
        let src = [("S1", "The talks resumed in mid-October 2025.", Lang::En)];
        let g = check(
            "Les discussions ont repris en octobre 2025.",
            Lang::Fr,
            &src,
        );
        assert!(g.unsupported.is_empty(), "{g:?}");
        // An elided "de" before a month leaves the month: "au milieu d'octobre 2025".
        assert_eq!(keys("au milieu d'octobre 2025"), ["month:2025-10"]);
        assert_eq!(keys("dès le début d’avril"), ["month:04"]);
        assert_eq!(keys("d'ici 2030"), ["year:2030"]);
    }

    #[test]
    fn the_programs_own_notes_are_not_checked() {
        let src = [("S1", "Le conseil a voté mardi.", Lang::Fr)];
        let out =
            "## Points communs\n\n_Aucun énoncé ne se retrouve dans deux sources ou plus._\n\n\
                   - Le conseil a voté deux fois [S1].";
        let g = check(out, Lang::Fr, &src);
        assert_eq!(g.unsupported, ["deux"], "{g:?}");
        assert_eq!(g.facts, 1);
    }

    #[test]
    fn a_season_is_backed_by_the_same_season_in_either_language_only() {
        assert_eq!(keys("au Sénat au printemps"), ["season:1"]);
        assert_eq!(keys("to the Senate in the spring"), ["season:1"]);
        assert_eq!(keys("l'été dernier, cet été, en été"), ["season:2"; 3]);
        assert_eq!(keys("last fall, this winter"), ["season:3", "season:4"]);
        // Words that are not seasons there.
        assert!(keys("Le texte a été voté. A spring of water; prices fall.").is_empty());
        let src = [(
            "S3",
            "The government will send the bill to the Senate in the spring.",
            Lang::En,
        )];
        let g = check("Le texte ira au Sénat en hiver.", Lang::Fr, &src);
        assert_eq!(g.unsupported, ["hiver"], "{g:?}");
        let g = check("Le texte ira au Sénat au printemps.", Lang::Fr, &src);
        assert!(g.unsupported.is_empty(), "{g:?}");
    }

    #[test]
    fn money_matches_across_languages() {
        let k = "money:12000000000:EUR";
        assert_eq!(keys("12 milliards d'euros"), [k]);
        assert_eq!(keys("12 billion euros"), [k]);
        assert_eq!(keys("EUR 12 bn"), [k]);
        assert_eq!(keys("€12 bn"), [k]);
        assert_eq!(keys("12 Md€"), ["money:12000000000:EUR"]);
        assert_eq!(keys("about $14 billion"), ["money:14000000000:USD"]);
        assert_eq!(keys("412 millions d'euros"), ["money:412000000:EUR"]);
    }

    #[test]
    fn numbers_in_both_notations() {
        assert_eq!(keys("1 000,5 tonnes"), ["num:1000.5"]);
        assert_eq!(keys("1,000.5 tonnes"), ["num:1000.5"]);
        assert_eq!(keys("62 000 voyageurs"), ["num:62000"]);
        assert_eq!(keys("62,000 passengers"), ["num:62000"]);
        assert_eq!(keys("12,5 %"), ["pct:12.5"]);
        assert_eq!(keys("10 percent"), ["pct:10"]);
        assert_eq!(keys("10 pour cent"), ["pct:10"]);
        // Sources in other languages: their dates and percentages are found too.
        assert_eq!(keys("am 4. Februar 2026"), ["date:2026-02-04"]);
        assert_eq!(keys("el 12 de febrero de 2026"), ["date:2026-02-12"]);
        assert_eq!(keys("il 3 marzo 2026"), ["date:2026-03-03"]);
        assert_eq!(keys("4,8 Prozent"), ["pct:4.8"]);
        assert_eq!(keys("40 por ciento"), ["pct:40"]);
        assert_eq!(keys("hasta el 20 de julio"), ["day:07-20"]);
        assert_eq!(keys("dijo Julio Iglesias"), Vec::<String>::new());
    }

    #[test]
    fn french_typography_is_handled() {
        let text = "L’accord d’un montant de 19\u{a0}200 euros, signé le 8\u{a0}janvier\u{a0}2026 — « d’ici 2030 » — vaut 1\u{202f}000,5 €.";
        let k = keys(text);
        assert!(k.contains(&"money:19200:EUR".to_string()), "{k:?}");
        assert!(k.contains(&"year:2030".to_string()), "{k:?}");
        assert!(k.contains(&"money:1000.5:EUR".to_string()), "{k:?}");
        // Model output can be anything: odd shapes must not panic.
        for odd in [
            "Ã©Ã¨ 12,3,4.5.6 $$€€ %%% 1er 31th 2026-01-0x",
            "€",
            "12 de €",
            "d’€ 1,2,3",
            "é 000,5 ’ 999 999 999 999 999 999 999 billion $",
            "8 janvier",
            "January 2026,",
        ] {
            facts(odd);
            check(odd, Lang::Fr, &[("S1", odd, Lang::En)]);
        }
        // Every token shape of the examples goes through without panicking.
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        for e in std::fs::read_dir(corpus).unwrap() {
            facts(&std::fs::read_to_string(e.unwrap().path()).unwrap());
        }
    }

    #[test]
    fn check_looks_in_the_cited_sources_only() {
        let s1 = "Le ministère a notifié l'accord le 16 décembre 2025.";
        let s2 =
            "The deal was announced on January 8, 2026; Mistral is valued at 12 billion euros.";
        let sources = [("S1", s1, Lang::Fr), ("S2", s2, Lang::En)];
        let check = |out: &str, s: &[(&str, &str, Lang)]| check(out, Lang::Fr, s);
        let g = check("L'accord a été annoncé le 8 janvier 2026 [S2]. Mistral vaut 12 milliards d'euros [S2].", &sources);
        assert_eq!((g.facts, g.supported), (2, 2), "{g:?}");
        // Right date, wrong source.
        let g = check("L'accord a été notifié le 8 janvier 2026 [S1].", &sources);
        assert_eq!(g.unsupported, ["8 janvier 2026"]);
        // An invented figure.
        let g = check("Mistral vaut 14 milliards d'euros.", &sources);
        assert_eq!(g.ratio, 0.0);
        assert_eq!(g.unsupported, ["14 milliards d'euros"]);
        // Nothing to check is fully grounded.
        assert_eq!(check("Rien à vérifier ici.", &sources).ratio, 1.0);
    }

    #[test]
    fn an_acronym_may_change_its_letters_order_across_languages_only() {
        let fr = "Le plan de l'UE pour l'IA a été présenté à l'OTAN.";
        let en = "The EU plan for AI was presented to NATO.";
        let g = check(en, Lang::En, &[("S1", fr, Lang::Fr)]);
        assert!(g.unsupported.is_empty(), "{g:?}");
        let g = check(
            "The WTO plan for AI was presented to NATO.",
            Lang::En,
            &[("S1", fr, Lang::Fr)],
        );
        assert_eq!(g.unsupported, vec!["WTO"]);
        // In one language, an acronym is spelled as the source spells it.
        let g = check("The plan for IA.", Lang::En, &[("S1", en, Lang::En)]);
        assert_eq!(g.unsupported, vec!["IA"]);
    }

    #[test]
    fn names_are_checked_by_spelling_and_translations_are_spared() {
        let fr = "Le ministère des Armées a signé avec Mistral AI, selon Sébastien Lecornu.";
        let en = "Mistral AI, backed by ASML, signed with the Ministry of the Armed Forces.";
        let sources = [("S1", fr, Lang::Fr), ("S2", en, Lang::En)];
        // French output from the French source: names by spelling, accents aside.
        let g = check(
            "Selon le texte, Sebastien Lecornu a signé avec Mistral AI [S1].",
            Lang::Fr,
            &sources,
        );
        assert_eq!((g.names, g.unsupported.len()), (4, 0), "{g:?}");
        // An invented person is flagged.
        let g = check(
            "Le contrat est signé par Florence Parly [S1].",
            Lang::Fr,
            &sources,
        );
        assert_eq!(g.unsupported, ["Florence", "Parly"]);
        // English output from the French source: the translated "Ministry" and "Armed
        // Forces" are not checked, an acronym the source does not have is.
        let g = check(
            "The deal binds the Ministry of the Armed Forces and ASML [S1].",
            Lang::En,
            &sources,
        );
        assert_eq!(g.unsupported, ["ASML"]);
        assert_eq!(g.names, 1);
        let g = check(
            "The deal binds the Ministry of the Armed Forces and ASML [S2].",
            Lang::En,
            &sources,
        );
        assert_eq!((g.names, g.unsupported.len()), (4, 0), "{g:?}");
        // Sentence starts, months and weekdays are not names (a weekday is a fact, which
        // this source does not give).
        let g = check(
            "Jeudi, le texte parle de Janvier. En bref, Mistral AI [S1].",
            Lang::Fr,
            &sources,
        );
        assert_eq!(g.unsupported, ["Jeudi"]);
    }

    #[test]
    fn an_amount_is_backed_by_its_number_when_the_source_leaves_the_currency_implicit() {
        let src =
            "Son coût est estimé à 412 millions d'euros, dont 96 millions apportés par l'État.";
        let g = check(
            "The State brings €96 million [S1].",
            Lang::En,
            &[("S1", src, Lang::Fr)],
        );
        assert_eq!((g.facts, g.supported), (1, 1), "{g:?}");
        // A different number is still unsupported.
        let g = check(
            "The State brings €97 million [S1].",
            Lang::En,
            &[("S1", src, Lang::Fr)],
        );
        assert_eq!(g.supported, 0, "{g:?}");
    }

    #[test]
    fn a_summary_sentence_with_a_date_or_name_not_in_the_source_is_left_out() {
        let src =
            "La grève a été appelée par les syndicats le 5 décembre 2025. Elle touche la SNCF.";
        let summary = "## Résumé\n- Les syndicats ont appelé à la grève le 5 décembre 2025. Le gouvernement l'a appelée le 3 mars 2026.\n- Elle touche la SNCF et Air France.\nElle touche la SNCF.";
        let (kept, dropped) = keep_supported(summary, Lang::Fr, ("S1", src, Lang::Fr));
        assert_eq!(
            kept,
            "## Résumé\n- Les syndicats ont appelé à la grève le 5 décembre 2025.\nElle touche la SNCF."
        );
        assert_eq!(
            dropped,
            [
                "Le gouvernement l'a appelée le 3 mars 2026.",
                "Elle touche la SNCF et Air France."
            ]
        );
    }

    #[test]
    fn a_date_written_without_its_year_is_backed_by_the_full_date() {
        let src = "Réunis en assemblée le 20 octobre 2025, les commerçants ont voté une motion.";
        let g = check(
            "Le 20 octobre, les commerçants ont voté une motion.",
            Lang::Fr,
            &[("S1", src, Lang::Fr)],
        );
        assert!(g.unsupported.is_empty(), "{g:?}");
    }
}
