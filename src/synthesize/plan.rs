//! The synthesis planned by code: statements of different sources that say the same thing
//! grouped (common ground), and each source's own statements (its contributions).

use crate::checks::statements::{self, Features, Statement};
use std::collections::BTreeSet;

/// Least two statements must share (see `Features::shared`) to say the same thing, in
/// absolute terms and as a share of the smaller one.
const MIN_LINK: usize = 4;
const LINK: f64 = 0.3;

/// How alike two statements are: 0 below `MIN_LINK` or when they do not say the same
/// thing of what they name (`Features::says_what`), else what they share over what the
/// smaller one holds.
pub fn similarity(a: &Features, b: &Features) -> f64 {
    let shared = a.shared(b);
    if shared < MIN_LINK || !a.says_what(b) {
        return 0.0;
    }
    shared as f64 / a.weight().min(b.weight()).max(1) as f64
}

/// What the synthesis says and in which order: indices into the statements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Groups of statements from two sources or more, at most one per source, most
    /// sources first.
    pub common: Vec<Vec<usize>>,
    /// Statements no other source makes, a few per source, in the sources' order.
    pub own: Vec<usize>,
}

/// Groups `statements` (of all sources, in source then summary order): the most alike
/// pairs first, two groups joined only when no source would then speak twice.
pub fn plan(statements: &[Statement], max_common: usize, own_per_source: usize) -> Plan {
    let n = statements.len();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if statements[i].source != statements[j].source {
                let s = similarity(&statements[i].features, &statements[j].features);
                if s >= LINK {
                    pairs.push((s, i, j));
                }
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    // Each statement's group, and each group's members and sources (by group id).
    let mut group: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut speakers: Vec<BTreeSet<&str>> = statements
        .iter()
        .map(|s| BTreeSet::from([s.source.as_str()]))
        .collect();
    for (_, i, j) in pairs {
        let (gi, gj) = (group[i], group[j]);
        if gi == gj || !speakers[gi].is_disjoint(&speakers[gj]) {
            continue;
        }
        let moved = std::mem::take(&mut members[gj]);
        for &k in &moved {
            group[k] = gi;
        }
        members[gi].extend(moved);
        let joined = std::mem::take(&mut speakers[gj]);
        speakers[gi].extend(joined);
    }
    let mut groups: Vec<Vec<usize>> = members
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|mut m| {
            m.sort_unstable();
            m
        })
        .collect();
    groups.sort_by_key(|g| g[0]);
    let (mut common, singles): (Vec<Vec<usize>>, Vec<Vec<usize>>) =
        groups.into_iter().partition(|g| g.len() > 1);
    // Most sources first; among equals, the order the sources say them in.
    common.sort_by_key(|g| std::cmp::Reverse(g.len()));
    common.truncate(max_common);
    Plan {
        common,
        own: contributions(statements, singles.into_iter().flatten(), own_per_source),
    }
}

/// A source's most informative statements of its own (facts and names weigh most), in
/// the order its summary gives them.
fn contributions(
    statements: &[Statement],
    own: impl Iterator<Item = usize>,
    per_source: usize,
) -> Vec<usize> {
    let own: Vec<usize> = own.collect();
    let mut sources: Vec<&str> = Vec::new();
    for &i in &own {
        if !sources.contains(&statements[i].source.as_str()) {
            sources.push(&statements[i].source);
        }
    }
    let mut out = Vec::new();
    for src in sources {
        let mut mine: Vec<usize> = own
            .iter()
            .copied()
            .filter(|&i| statements[i].source == src)
            .collect();
        mine.sort_by_key(|&i| (std::cmp::Reverse(statements[i].features.weight()), i));
        let mut chosen = picked(statements, &mine, per_source);
        chosen.sort_unstable();
        out.extend(chosen);
    }
    out
}

/// At most `per_source` of `mine` (one source's own statements, best first). A statement
/// whose subject is a pronoun ("She asks …": `statements::leans_back`) comes only with the
/// one before it in its summary, right before it; without it, its reader would take "she"
/// for whoever the contribution before names. (A leading possessive, "Son directeur", is
/// `standalone`'s to mend.)
fn picked(statements: &[Statement], mine: &[usize], per_source: usize) -> Vec<usize> {
    let before = |i: usize| {
        mine.iter()
            .copied()
            .find(|&j| statements[j].index + 1 == statements[i].index)
    };
    let mut chosen: Vec<usize> = Vec::new();
    for &i in mine {
        if chosen.contains(&i) {
            continue;
        }
        let with: Vec<usize> = if !statements::leans_back(&statements[i].text) {
            vec![i]
        } else {
            match before(i) {
                Some(j) if chosen.contains(&j) => vec![i],
                Some(j) if !statements::leans_back(&statements[j].text) => vec![j, i],
                _ => continue,
            }
        };
        if chosen.len() + with.len() <= per_source {
            chosen.extend(with);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(source: &str, index: usize, text: &str) -> Statement {
        Statement {
            source: source.into(),
            index,
            text: text.into(),
            support: Vec::new(),
            features: Features::of(text),
        }
    }

    #[test]
    fn the_same_statement_in_two_sources_is_common_ground_and_the_rest_their_own() {
        let s = vec![
            st(
                "S1",
                0,
                "The city council approved the tramway budget on Monday.",
            ),
            st(
                "S1",
                1,
                "Shopkeepers on the avenue fear two years of roadworks.",
            ),
            st(
                "S2",
                0,
                "On Monday the city council approved the budget of the tramway line.",
            ),
            st("S2", 1, "The line will carry 62000 passengers a day."),
            st(
                "S3",
                0,
                "The council approved the tramway budget after a long debate.",
            ),
        ];
        let p = plan(&s, 6, 2);
        assert_eq!(p.common, vec![vec![0, 2, 4]]);
        assert_eq!(p.own, vec![1, 3]);
    }

    #[test]
    fn statements_that_only_name_the_same_company_are_not_grouped() {
        let s = vec![
            st(
                "S1",
                0,
                "Mistral AI, a French start-up, was chosen for the project.",
            ),
            st(
                "S2",
                0,
                "Mistral AI expects revenue above one billion euros.",
            ),
            st(
                "S3",
                0,
                "The contract gives access to the models Mistral AI develops.",
            ),
        ];
        let p = plan(&s, 6, 2);
        assert!(p.common.is_empty(), "{:?}", p.common);
        assert_eq!(p.own, vec![0, 1, 2]);
    }

    #[test]
    fn a_statement_and_its_denial_are_not_grouped() {
        let s = vec![
            st(
                "S1",
                0,
                "The compensation fund of 5 million euros will cover the shopkeepers' losses.",
            ),
            st(
                "S2",
                0,
                "The compensation fund of 5 million euros will not cover the shopkeepers' losses.",
            ),
        ];
        assert!(plan(&s, 6, 2).common.is_empty());
    }

    #[test]
    fn a_contribution_on_a_pronoun_comes_after_the_one_it_leans_on_or_not_at_all() {
        let s = vec![
            st(
                "S1",
                0,
                "The city council approved the tramway budget on Monday.",
            ),
            st("S2", 0, "Karim Benali fears for the shops."),
            st(
                "S2",
                1,
                "Claire Dumas chairs the association of the avenue's shopkeepers.",
            ),
            st(
                "S2",
                2,
                "She asks for works in two phases and for a fund of 12 million euros.",
            ),
        ];
        // Room for one: not "She asks …", the weightiest, which needs two.
        let own = plan(&s, 6, 1).own;
        assert_eq!(own.len(), 2, "{own:?}");
        assert!(!own.contains(&3), "{own:?}");
        // Room for two: "She asks …" right after the one naming her.
        assert_eq!(plan(&s, 6, 2).own, vec![0, 2, 3]);
        // Its statement gone (common ground elsewhere, say): "She asks …" stays out.
        let alone = vec![s[0].clone(), s[1].clone(), s[3].clone()];
        assert_eq!(plan(&alone, 6, 2).own, vec![0, 1]);
    }

    #[test]
    fn a_source_never_speaks_twice_in_one_group() {
        let s = vec![
            st(
                "S1",
                0,
                "The city council approved the tramway budget on Monday.",
            ),
            st(
                "S1",
                1,
                "The city council approved the tramway budget after a vote.",
            ),
            st(
                "S2",
                0,
                "The city council approved the tramway budget on Monday evening.",
            ),
        ];
        let p = plan(&s, 6, 2);
        assert_eq!(p.common.len(), 1);
        assert_eq!(p.common[0].len(), 2);
        assert_eq!(p.own.len(), 1);
    }
}
