//! Statements: each sentence of a source's summary tied to the sentences of the source that
//! support it (byte ranges into the source's text), and only those that are supported.

use crate::checks::citations::strip_citations;
use crate::checks::disagree;
use crate::checks::ground::{self, Key};
use crate::lang::Lang;
use crate::text::sentences;
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};

/// What two texts can share: facts (dates, amounts, counts), names and content words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    pub keys: BTreeSet<Key>,
    pub names: BTreeSet<String>,
    pub words: BTreeSet<String>,
    /// The words that are not one of its names: what it says about them.
    pub said: BTreeSet<String>,
    /// The words of its negated clauses (`negated`): "the fund will not cover the losses"
    /// does not say what "the fund will cover the losses" says, whatever words they share,
    /// while "will not withdraw the reform, which raises the age" still says what "the
    /// reform raises the age" says.
    pub denied: BTreeSet<String>,
}

/// Function words of both languages that are four letters or longer: shared by any two
/// sentences, they say nothing about what a sentence is about.
const COMMON: &[&str] = &[
    "dans",
    "pour",
    "avec",
    "sont",
    "elle",
    "elles",
    "cette",
    "leur",
    "leurs",
    "mais",
    "plus",
    "tout",
    "tous",
    "toute",
    "toutes",
    "comme",
    "aussi",
    "entre",
    "selon",
    "depuis",
    "avoir",
    "etre",
    "fait",
    "sera",
    "ont",
    "etait",
    "dont",
    "donc",
    "sans",
    "sous",
    "vers",
    "chez",
    "apres",
    "avant",
    "encore",
    "ainsi",
    "alors",
    "autres",
    "autre",
    "meme",
    "article",
    "that",
    "with",
    "from",
    "this",
    "these",
    "those",
    "have",
    "were",
    "which",
    "their",
    "will",
    "been",
    "also",
    "into",
    "about",
    "after",
    "before",
    "more",
    "than",
    "there",
    "they",
    "them",
    "what",
    "when",
    "where",
    "while",
    "would",
    "could",
    "should",
    "other",
    "such",
    "over",
    "under",
    "between",
    "according",
    "said",
    "says",
    "being",
    "each",
];

/// The content words of a text (`says_something`), each cut to its stem.
fn content_words(text: &str) -> Vec<String> {
    words_of(&ground::fold(text))
        .filter(|w| says_something(w))
        .map(stem)
        .collect()
}

/// Does a word say something: four letters or more, not a number, not a function word
/// (in either language)?
pub fn says_something(word: &str) -> bool {
    let w = ground::fold(word);
    w.chars().count() >= 4
        && !w.chars().all(|c| c.is_ascii_digit())
        && !COMMON.contains(&w.as_str())
}

/// Least two texts must share of the words that say something (not their names') to say
/// the same thing.
pub const MIN_SAID: usize = 2;

/// A word cut to its first six letters: "approved" and "approve", "tramway" and
/// "tramways", "métropole" and "métropolitain" meet, in either language, with no word list.
fn stem(word: &str) -> String {
    word.chars().take(6).collect()
}

impl Features {
    pub fn of(text: &str) -> Features {
        let text = strip_citations(text);
        let words: BTreeSet<String> = content_words(&text).into_iter().collect();
        let denied = text
            .split([',', ';', ':'])
            .filter(|clause| negated(clause))
            .flat_map(content_words)
            .collect();
        let names: BTreeSet<String> = ground::folded_names(&text)
            .into_iter()
            .map(|n| n.trim_end_matches("'s").trim_end_matches("’s").to_string())
            .collect();
        let name_stems: BTreeSet<String> = names.iter().map(|n| stem(n)).collect();
        let said = words.difference(&name_stems).cloned().collect();
        Features {
            keys: ground::facts(&text).into_iter().map(|f| f.key).collect(),
            names,
            words,
            said,
            denied,
        }
    }

    /// Does `other` say what this text says: at least `MIN_SAID` shared words besides
    /// the names (two sentences about the same company are not the same statement), and
    /// neither denying what the other asserts?
    pub fn says_what(&self, other: &Features) -> bool {
        self.said.intersection(&other.said).count() >= MIN_SAID && !self.denies(other)
    }

    /// Do two dated texts tell of one event, so that their dates are rival versions of
    /// it: they say the same thing (`says_what`), of the same party (a name they share)
    /// or in more than `MIN_SAID` words? "Une analyse publiée le 3 novembre par le
    /// conseil …" and "Le conseil métropolitain a adopté le 14 octobre …" share two words
    /// of their subject, not an event.
    pub fn same_event(&self, other: &Features) -> bool {
        let said = self.said.intersection(&other.said).count();
        let named = self.names.intersection(&other.names).next().is_some();
        self.says_what(other) && (named || said > MIN_SAID)
    }

    /// Does one text deny what the other asserts: are most of the words they share
    /// (besides names) in a negated clause of one and not of the other?
    fn denies(&self, other: &Features) -> bool {
        let (mut same, mut opposite) = (0, 0);
        for w in self.said.intersection(&other.said) {
            if self.denied.contains(w) == other.denied.contains(w) {
                same += 1;
            } else {
                opposite += 1;
            }
        }
        opposite > same
    }

    /// How much two texts share: a fact counts three, a name two, a word one.
    pub fn shared(&self, other: &Features) -> usize {
        3 * self.keys.intersection(&other.keys).count()
            + 2 * self.names.intersection(&other.names).count()
            + self.words.intersection(&other.words).count()
    }

    /// The same weights over this text alone.
    pub fn weight(&self) -> usize {
        3 * self.keys.len() + 2 * self.names.len() + self.words.len()
    }
}

/// The words of a folded text (`ground::fold`), in order.
fn words_of(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// A folded word's root, as the grammar-word checks compare verbs and what they govern:
/// its first five letters, one fewer than `stem`, so "réformer" meets "reform" and
/// "présentera" "presented".
fn root(w: &str) -> String {
    w.chars().take(5).collect()
}

/// Does `sentence` state as a fact what each of the source sentences it rests on (`rests`)
/// only asks ("Ce partenariat illustre une stratégie de souveraineté …" from "Nous pouvons
/// nous demander si ce partenariat illustre une stratégie de souveraineté … ?")? A question
/// asserts nothing, so a claim drawn from it is in no source. A sentence that still asks
/// (a question mark, "si", "whether", "se demande") reports the question, and may.
/// Grammar words, not a subject's.
pub fn answers_a_question(sentence: &str, rests: &[&str]) -> bool {
    const ASKING: &[&str] = &[
        "si",
        "whether",
        "if",
        "question",
        "questions",
        "demande",
        "demandent",
        "demander",
        "interroge",
        "interrogent",
        "ask",
        "asks",
        "asked",
        "wonder",
        "wonders",
        "wondered",
    ];
    let asks = |s: &str| s.trim_end().ends_with('?');
    if rests.is_empty() || !rests.iter().all(|r| asks(r)) || sentence.contains('?') {
        return false;
    }
    let folded = ground::fold(sentence);
    let asking = words_of(&folded).any(|w| ASKING.contains(&w));
    !asking
}

/// Is a sentence negated, in French or English ("ne … pas", "n'a jamais", "not", "never",
/// "didn't")? Grammar words, not a subject's.
pub fn negated(sentence: &str) -> bool {
    let folded = ground::fold(sentence);
    let words: Vec<&str> = words_of(&folded).collect();
    // "not only", "pas seulement", "non seulement": adding, not denying.
    let only = |i: usize| {
        words.get(i + 1).is_some_and(|w| {
            [
                "only",
                "merely",
                "just",
                "simply",
                "seulement",
                "uniquement",
            ]
            .contains(w)
        })
    };
    let ne = |w: &&str| *w == "ne" || *w == "n";
    let french = words.iter().any(ne)
        && words.iter().enumerate().any(|(i, w)| {
            [
                "pas", "plus", "jamais", "aucun", "aucune", "rien", "guere", "ni",
            ]
            .contains(w)
                && !only(i)
        });
    // "Personne n'a été blessé", "Nul ne conteste": the subject is the negation.
    let nobody = words
        .windows(2)
        .any(|p| ["personne", "nul", "nulle"].contains(&p[0]) && ne(&p[1]));
    // "No one was hurt", "No victims", "Nothing was signed".
    const NONE: [&str; 9] = [
        "not", "never", "cannot", "no", "nobody", "none", "nothing", "neither", "nor",
    ];
    let english = words
        .iter()
        .enumerate()
        .any(|(i, w)| NONE.contains(w) && !only(i))
        || words.windows(2).any(|p| p[0].ends_with('n') && p[1] == "t"); // "didn't"
    french || nobody || english
}

/// Which way a text stands on what follows "against"/"contre" or "for"/"pour": the roots
/// (`root`) of the word each of them governs, past a determiner.
/// Grammar words, not a subject's: "une grève contre la réforme" is against "refor",
/// "organisée pour réformer" for it.
fn stances(text: &str) -> (HashSet<String>, HashSet<String>) {
    const AGAINST: &[&str] = &["contre", "against"];
    const FOR: &[&str] = &["pour", "favour", "favor"];
    const SKIP: &[&str] = &[
        "la", "le", "les", "l", "un", "une", "des", "du", "de", "d", "of", "the", "a", "an",
        "this", "cette", "ce", "cet", "ces", "sa", "son", "ses", "leur", "leurs", "its", "their",
    ];
    let folded = ground::fold(text);
    let words: Vec<&str> = words_of(&folded).collect();
    let (mut against, mut pro) = (HashSet::new(), HashSet::new());
    for (i, w) in words.iter().enumerate() {
        let side = if AGAINST.contains(w) {
            &mut against
        } else if FOR.contains(w) {
            &mut pro
        } else {
            continue;
        };
        let governed = words[i + 1..].iter().find(|x| !SKIP.contains(x));
        if let Some(g) = governed.filter(|g| g.chars().count() >= 5) {
            side.insert(root(g));
        }
    }
    (against, pro)
}

/// Does `sentence` stand for what `source` only ever stands against, or the other way
/// round ("une grève organisée pour réformer les retraites" from "une mobilisation contre
/// la réforme des retraites")? Like a dropped negation, it says the opposite.
pub fn reverses_stance(sentence: &str, source: &str) -> bool {
    let (s_against, s_for) = stances(sentence);
    let (src_against, src_for) = stances(source);
    s_for
        .iter()
        .any(|x| src_against.contains(x) && !src_for.contains(x))
        || s_against
            .iter()
            .any(|x| src_for.contains(x) && !src_against.contains(x))
}

/// Which way a word says something moves: up ("raises", "relève", "hausse"), down
/// ("lowers", "abaisse", "baisse"), or neither. Prefixes of folded words, French and
/// English: grammar of change, not a subject's words.
fn direction(w: &str) -> Option<bool> {
    const UP: &[&str] = &[
        "raise",
        "raisi",
        "increas",
        "rise",
        "rising",
        "risen",
        "rose",
        "boost",
        "hike",
        "grow",
        "grew",
        "augment",
        "releve",
        "relev",
        "hausse",
        "rehauss",
        "accroi",
        "croissance",
    ];
    const DOWN: &[&str] = &[
        "lower", "reduc", "decreas", "declin", "drop", "fell", "fall", "shrink", "shrank", "slash",
        "redui", "baiss", "abaiss", "diminu", "recul", "chute",
    ];
    if UP.iter().any(|p| w.starts_with(p)) {
        Some(true)
    } else if DOWN.iter().any(|p| w.starts_with(p)) {
        Some(false)
    } else {
        None
    }
}

/// Each word of change in a text, with the roots of the words around it in its sentence
/// (three on each side, grammar words aside): what it says moves, whichever side of the verb it stands
/// ("raises the retirement age", "l'âge de départ est relevé").
fn changes(text: &str) -> Vec<(bool, HashSet<String>)> {
    const SKIP: &[&str] = &[
        "the", "les", "des", "was", "has", "had", "est", "are", "its", "son", "ses", "que", "qui",
        "and", "who", "for", "par", "sur", "aux", "une", "ete", "will", "with", "from", "that",
        "this", "dans", "pour", "avec", "been", "have", "sera", "were", "ont", "elle", "they",
        "their", "leur", "into", "plus", "more", "than",
    ];
    let mut out = Vec::new();
    for sentence in sentences(text) {
        let folded = ground::fold(sentence);
        let words: Vec<&str> = words_of(&folded)
            .filter(|w| w.chars().count() >= 3 && !SKIP.contains(w))
            .collect();
        for (i, w) in words.iter().enumerate() {
            let Some(up) = direction(w) else { continue };
            let around = words[i.saturating_sub(3)..(i + 4).min(words.len())]
                .iter()
                .filter(|w| direction(w).is_none() && !w.chars().all(|c| c.is_ascii_digit()))
                .map(|w| root(w))
                .collect();
            out.push((up, around));
        }
    }
    out
}

/// Does `sentence` say something moves the other way from `source`: a word of change one
/// way beside words that the source puts only beside a change the other way ("lowers the
/// retirement age" where the source only ever "relève l'âge de départ")? Like a dropped
/// negation, it says the opposite.
pub fn reverses_direction(sentence: &str, source: &str) -> bool {
    let theirs = changes(source);
    changes(sentence).into_iter().any(|(up, around)| {
        // The ways the source says the same things move.
        let ways: HashSet<bool> = theirs
            .iter()
            .filter(|(_, a)| !a.is_disjoint(&around))
            .map(|(u, _)| *u)
            .collect();
        ways.contains(&!up) && !ways.contains(&up)
    })
}

/// The roots (`root`) of the verbs a text puts in the future or the
/// conditional: the verb after "will", "would", "plans to", "va", "prévoit de"…, and a
/// French verb in a future or conditional form ("présentera", "prendront"), and the word
/// after a future auxiliary ("sera présenté"). Grammar, not a subject's words.
fn future_verbs(text: &str) -> HashSet<String> {
    const MARKERS: &[&str] = &[
        "will",
        "would",
        "shall",
        "ll",
        "must",
        "should",
        "could",
        "might",
        "going",
        "plans",
        "planned",
        "plan",
        "intends",
        "intend",
        "expected",
        "expects",
        "set",
        "va",
        "vont",
        "allait",
        "allaient",
        "doit",
        "doivent",
        "devait",
        "devaient",
        "prevoit",
        "prevoient",
        "prevoyait",
        "entend",
        "entendent",
        "compte",
        "comptent",
    ];
    const SKIP: &[&str] = &[
        "to",
        "be",
        "been",
        "have",
        "not",
        "also",
        "still",
        "soon",
        "then",
        "now",
        "only",
        "de",
        "d",
        "se",
        "s",
        "ne",
        "n",
        "pas",
        "l",
        "le",
        "la",
        "les",
        "lui",
        "leur",
        "y",
        "en",
        "bientot",
        "aussi",
        "desormais",
    ];
    const IRREGULAR: &[&str] = &[
        "sera", "seront", "serait", "seraient", "aura", "auront", "aurait", "auraient", "fera",
        "feront", "ferait", "feraient", "ira", "iront", "irait", "iraient",
    ];
    let lower = text.to_lowercase();
    let raw: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let folded: Vec<String> = raw.iter().map(|w| ground::fold(w)).collect();
    let next = |i: usize| folded[i + 1..].iter().find(|x| !SKIP.contains(&x.as_str()));
    let mut out = HashSet::new();
    for (i, w) in raw.iter().enumerate() {
        let f = folded[i].as_str();
        let auxiliary = IRREGULAR.contains(&f);
        let french_form = auxiliary
            || w.chars().count() >= 6
                && ["ra", "ront", "rait", "raient"]
                    .iter()
                    .any(|e| w.ends_with(e))
                && !w.ends_with("éra")
                && !w.ends_with("trait")
                && !w.ends_with("front");
        if french_form {
            out.insert(root(f));
        }
        if auxiliary || MARKERS.contains(&f) {
            if let Some(n) = next(i).filter(|n| n.chars().count() >= 3) {
                out.insert(root(n));
            }
        }
    }
    out
}

/// Is `sentence` the end of `source` (the sentence it rests on) with its opening cut off
/// inside a clause: "The real cost at 465 million euros, …" from "An audit puts the real
/// cost at 465 million euros, …"? A small model lifts a source sentence from its object
/// on, and what is left has no verb, or the subject of another. A cut after a comma,
/// colon or semicolon leaves a clause that stands alone.
pub fn cut_short(sentence: &str, source: &str) -> bool {
    let bare = |w: &str| ground::fold(w.trim_matches(|c: char| !c.is_alphanumeric()));
    let mine: Vec<String> = sentence.split_whitespace().map(bare).collect();
    let theirs: Vec<&str> = source.split_whitespace().collect();
    if mine.len() < 4 || theirs.len() <= mine.len() {
        return false;
    }
    let cut = theirs.len() - mine.len();
    let tail_matches = theirs[cut..]
        .iter()
        .map(|w| bare(w))
        .eq(mine.iter().cloned());
    tail_matches && !theirs[cut - 1].ends_with([',', ':', ';'])
}

/// Does `sentence` state as done what `source` (the sentence it rests on) puts in the
/// future or the conditional ("The government presented a plan" from "said it would
/// present a plan"; "a présenté" from "présentera")? A verb of the source's future that
/// the sentence uses, and not in the future itself, says something that has not happened.
pub fn loses_future(sentence: &str, source: &str) -> bool {
    let planned = future_verbs(source);
    if planned.is_empty() {
        return false;
    }
    let kept = future_verbs(sentence);
    // A noun made from the verb is no verb ("retirement" is not "would retire").
    const NOUNS: &[&str] = &["ment", "tion", "sion", "ance", "ence", "age", "eur", "ite"];
    words_of(&ground::fold(sentence))
        .filter(|w| {
            let one = w.strip_suffix('s').unwrap_or(w);
            w.chars().count() >= 3 && !NOUNS.iter().any(|e| one.ends_with(e))
        })
        .map(root)
        .any(|s| planned.contains(&s) && !kept.contains(&s))
}

/// Does `sentence` give what was done a purpose its source never names: "pour discuter…",
/// "afin de…", "in order to…", or "to" + verb after a place, a date or a figure ("in
/// Toulouse to discuss", "in September to address the issue")? A small model adds such
/// reasons of its own; a verb whose root (`root`) is nowhere in
/// `source` is one. Grammar words, not a subject's.
pub fn invents_purpose(sentence: &str, source: &str) -> bool {
    let stems: HashSet<String> = words_of(&ground::fold(source))
        .filter(|w| w.chars().count() >= 5)
        .map(root)
        .collect();
    let raw: Vec<&str> = sentence
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .collect();
    let folded: Vec<String> = raw.iter().map(|w| ground::fold(w)).collect();
    let unknown = |w: &str| {
        w.chars().count() >= 5 && w.chars().all(char::is_alphabetic) && !stems.contains(&root(w))
    };
    (0..folded.len()).any(|i| {
        let w = folded[i].as_str();
        let next = folded.get(i + 1).map(String::as_str).unwrap_or("");
        let after = folded.get(i + 2).map(String::as_str).unwrap_or("");
        let infinitive = |v: &str| ["er", "ir", "re"].iter().any(|e| v.ends_with(e));
        let french = match w {
            "pour" => infinitive(next) && unknown(next),
            "afin" => ["de", "d"].contains(&next) && unknown(after),
            _ => false,
        };
        let english = w == "to" && i > 0 && {
            let before = raw[i - 1];
            let placed = before.starts_with(char::is_uppercase)
                || before.chars().all(|c| c.is_ascii_digit());
            let ordered = i > 1 && ["order", "as"].contains(&folded[i - 1].as_str());
            (placed || ordered)
                && raw[i + 1..]
                    .first()
                    .is_some_and(|n| n.starts_with(char::is_lowercase) && unknown(next))
        };
        french || english
    })
}

/// Does `sentence` make a count the object of a verb that no clause of `source` holding
/// that count has? "Le barrage a relâché 1 200 habitants", where the source's clauses with
/// "1 200 habitants" say they were evacuated and the dam released water: a small model
/// merges two clauses of a sentence (often a headline's) into one. The verb is the word
/// right before the count where it is a past participle (French "-é", "-ée(s)", "-és";
/// English "-ed"); a clause has it where it holds a word of the same root (`root`:
/// "évacuation" for "évacués"). Within one language: across two, roots rarely meet.
/// Grammar, not a subject's words.
pub fn misjoins_count(sentence: &str, source: &str) -> bool {
    // Each count right after a past participle, with the participle's root.
    let objects: Vec<(Key, String)> = ground::facts(sentence)
        .into_iter()
        .filter(|f| matches!(f.key, Key::Num(_)))
        .filter_map(|f| {
            let at = sentence.find(&f.raw)?;
            let verb = sentence[..at]
                .split(|c: char| !c.is_alphabetic())
                .rev()
                .find(|w| !w.is_empty())?;
            let participle = ["é", "ée", "ées", "és", "ed"]
                .iter()
                .any(|e| verb.ends_with(e));
            (participle && verb.chars().count() >= 5).then(|| (f.key, root(&ground::fold(verb))))
        })
        .collect();
    if objects.is_empty() {
        return false;
    }
    // The source's clauses and the facts each holds, read once for all those counts.
    let clauses: Vec<(Vec<Key>, &str)> = clauses(source)
        .into_iter()
        .map(|c| (ground::facts(c).into_iter().map(|g| g.key).collect(), c))
        .collect();
    objects.iter().any(|(key, verb_root)| {
        let holding: Vec<&str> = clauses
            .iter()
            .filter(|(keys, _)| keys.contains(key))
            .map(|(_, c)| *c)
            .collect();
        !holding.is_empty()
            && !holding.iter().any(|c| {
                words_of(&ground::fold(c)).any(|w| w.chars().count() >= 5 && root(w) == *verb_root)
            })
    })
}

/// Does `sentence` hand its subject a second predicate ("… et a demandé …", "… and has
/// asked …") taken from a source sentence about someone else? "Le préfet a salué les
/// secours et a demandé la reconnaissance de catastrophe naturelle", where the source says
/// the government is to examine that request: a small model joins two sentences and keeps
/// the first one's subject. The predicate after "et"/"and" and an auxiliary must rest on
/// (`Indexed::all_anchored`) a source sentence that holds a word of the sentence's opening
/// (its first two words of four letters or more, by `root`), or on the one the opening
/// rests on. Grammar words, not a subject's.
pub fn borrows_predicate(sentence: &str, index: &Indexed, source: &str) -> bool {
    const AUXILIARIES: &[&str] = &[
        "a", "ont", "est", "sont", "avait", "avaient", "sera", "seront", "has", "have", "had",
        "was", "were", "is", "are", "will",
    ];
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let folded: Vec<String> = words.iter().map(|w| ground::fold(w)).collect();
    (1..words.len().saturating_sub(1)).any(|i| {
        if !matches!(folded[i].as_str(), "et" | "and")
            || !AUXILIARIES.contains(&folded[i + 1].as_str())
        {
            return false;
        }
        let (first, second) = (words[..i].join(" "), words[i + 1..].join(" "));
        let rests = index.all_anchored(source, &second);
        let opening: Vec<String> = words_of(&ground::fold(&first))
            .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
            .take(2)
            .map(root)
            .collect();
        let own = index.anchored(source, &first);
        let about = |src: &&str| {
            Some(*src) == own || words_of(&ground::fold(src)).any(|w| opening.contains(&root(w)))
        };
        !rests.is_empty() && !opening.is_empty() && !rests.iter().any(about)
    })
}

/// Does `sentence` give a fact in a relative clause (", qui a été créé en mai 2024", ",
/// which was founded in 2019") to a word the source never says it of? A relative clause
/// is about the word before it; the source sentences that state the clause's date or
/// figure must name that word (by `root`). "Un partenariat entre le ministère et Mistral
/// AI, qui a été créé en mai 2024", where the source's May 2024 is an agency's creation:
/// a small model joins two sentences on a relative pronoun, and the fact changes hands.
/// A clause whose fact no source sentence states is grounding's to judge. Grammar words,
/// not a subject's.
pub fn misattaches_relative(sentence: &str, source: &str) -> bool {
    const RELATIVES: &[&str] = &["qui", "dont", "which", "who", "whose"];
    let words: Vec<&str> = sentence.split_whitespace().collect();
    (1..words.len()).any(|i| {
        if !words[i - 1].ends_with(',') || !RELATIVES.contains(&ground::fold(words[i]).as_str()) {
            return false;
        }
        let clause_end = (i + 1..words.len())
            .find(|&k| words[k].ends_with([',', ';', ':']))
            .map_or(words.len(), |k| k + 1);
        let keys: Vec<Key> = ground::facts(&words[i + 1..clause_end].join(" "))
            .into_iter()
            .map(|f| f.key)
            .collect();
        // The word the clause hangs on: the last one before it that names something.
        let before = ground::fold(&words[..i].join(" "));
        let Some(antecedent) = words_of(&before)
            .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
            .last()
            .map(root)
        else {
            return false;
        };
        let stating: Vec<&str> = sentences(source)
            .into_iter()
            .filter(|src| {
                let held = ground::holds(src);
                keys.iter().any(|k| held.contains(k))
            })
            .collect();
        !stating.is_empty()
            && !stating
                .iter()
                .any(|src| words_of(&ground::fold(src)).any(|w| root(w) == antecedent))
    })
}

/// `text` cut at punctuation that ends a clause, not at a figure's own ("1,200", "5,20").
fn clauses(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let inside_figure = matches!(c, '.' | ',')
            && i > 0
            && bytes[i - 1].is_ascii_digit()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\n' | '(' | ')') && !inside_figure {
            out.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out
}

/// Does `sentence` count something in words ("les deux gouvernements", "three
/// ministers") with a number word `source` never uses? Figures written in digits are
/// grounding's; these are the ones a model writes when it merges two statements into one
/// and takes them for two of a thing. "Un"/"one" are articles as often as numbers, so
/// counting starts at two.
pub fn invents_count(sentence: &str, source: &str) -> bool {
    let words =
        |t: &str| -> HashSet<String> { words_of(&ground::fold(t)).map(str::to_string).collect() };
    let known = words(source);
    words(sentence).iter().any(|w| {
        // Up to ten: the words this check has always counted.
        ground::COUNT_WORDS
            .iter()
            .any(|&(c, n)| n <= 10 && c == w.as_str())
            && !known.contains(w)
    })
}

/// A stretch of a source's text: what a statement rests on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Span {
    pub source: String,
    /// Byte offsets into the source's normalized text (the text bisum read).
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// One thing a source says, as its summary in one language words it.
#[derive(Debug, Clone)]
pub struct Statement {
    pub source: String,
    /// Position in the summary (from 0).
    pub index: usize,
    pub text: String,
    pub support: Vec<Span>,
    pub features: Features,
}

/// Least a summary sentence must share with a source sentence to rest on it: one fact, or
/// a name and a word, or three words.
pub const MIN_SHARED: usize = 3;

/// The sentences of a text with their byte ranges in it.
pub fn spans(text: &str) -> Vec<(usize, usize)> {
    sentences(text)
        .into_iter()
        .map(|s| {
            let start = s.as_ptr() as usize - text.as_ptr() as usize;
            (start, start + s.len())
        })
        .collect()
}

/// The words of a claim that a source sentence holds, and that sentence's byte range.
type Held = (BTreeSet<String>, (usize, usize));

/// A text's sentences with their byte ranges and features, computed once for many lookups.
pub struct Indexed {
    sentences: Vec<(usize, usize, Features)>,
}

impl Indexed {
    pub fn of(text: &str) -> Indexed {
        Indexed {
            sentences: spans(text)
                .into_iter()
                .map(|(a, b)| (a, b, Features::of(&text[a..b])))
                .collect(),
        }
    }

    /// The range of the sentence that `claim` shares the most with (the first of equals);
    /// `None` when none shares `MIN_SHARED`.
    fn best(&self, claim: &str) -> Option<(usize, usize)> {
        self.top(claim).first().copied()
    }

    /// The ranges of every sentence that shares the most with `claim`, in order; none
    /// when the most is under `MIN_SHARED`.
    fn top(&self, claim: &str) -> Vec<(usize, usize)> {
        let f = Features::of(claim);
        let shared: Vec<usize> = self.sentences.iter().map(|(.., g)| f.shared(g)).collect();
        let most = shared.iter().copied().max().unwrap_or(0);
        if most < MIN_SHARED {
            return Vec::new();
        }
        self.sentences
            .iter()
            .zip(&shared)
            .filter(|(_, &n)| n == most)
            .map(|((a, b, _), _)| (*a, *b))
            .collect()
    }

    /// Every sentence of `text` (the one indexed) that shares the most with `claim`, where
    /// that is `MIN_SHARED` or more: the one it rests on, or the ones it may rest on.
    /// The first of them is `anchored`'s.
    pub fn all_anchored<'t>(&self, text: &'t str, claim: &str) -> Vec<&'t str> {
        self.top(claim)
            .into_iter()
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    /// Where the sentence that `claim` rests on starts (`best`).
    pub fn anchor(&self, claim: &str) -> Option<usize> {
        self.best(claim).map(|(a, _)| a)
    }

    /// The sentence of `text` (the one indexed) that `claim` rests on.
    pub fn anchored<'t>(&self, text: &'t str, claim: &str) -> Option<&'t str> {
        self.best(claim).map(|(a, b)| &text[a..b])
    }

    /// The sentence of `text` (the one indexed) right before the one `claim` rests on:
    /// where a pronoun of that one comes from.
    pub fn before_anchored<'t>(&self, text: &'t str, claim: &str) -> Option<&'t str> {
        let (start, _) = self.best(claim)?;
        let i = self.sentences.iter().position(|(a, ..)| *a == start)?;
        let (a, b, _) = self.sentences.get(i.checked_sub(1)?)?;
        Some(&text[*a..*b])
    }

    /// Does a clause of `claim` rest on `headline` alone (a sentence of the text indexed,
    /// its first line): is the headline the one sentence that shares the most with it?
    /// "La rougeole progresse en France, avec près de 300 cas …" ties the headline's
    /// shorthand to a body sentence's figure, and so gives France the 300 cases the body
    /// gives Brittany. A clause that states nothing (`states`) is not asked.
    pub fn grafts_headline(&self, text: &str, headline: &str, claim: &str) -> bool {
        let parts = clauses(claim);
        parts.len() > 1
            && parts
                .into_iter()
                .filter(|c| states(c))
                .any(|c| matches!(self.top(c)[..], [(a, b)] if &text[a..b] == headline))
    }

    /// The first sentence of `text` (the one indexed) that states `key`.
    pub fn stating<'t>(&self, text: &'t str, key: &Key) -> Option<&'t str> {
        self.sentences
            .iter()
            .find(|(.., f)| f.keys.contains(key))
            .map(|(a, b, _)| &text[*a..*b])
    }

    /// Does `claim` piece together what no two sentences of the text say: under
    /// `PIECED` of its content words (`Features::words`) in the two sentences that hold
    /// most of them? A small model that ties clauses of three sentences together ("le
    /// conseil a voté le budget en supprimant des postes de policiers", where another
    /// body cuts the posts, paragraphs later) states a tie no sentence of its source
    /// makes. A summary sentence in its source's language mostly lifts one or two source
    /// sentences; one too short to tell (`MIN_PIECED` words) is not asked about.
    pub fn pieced(&self, claim: &str) -> bool {
        let Some((words, (first, _), (second, _))) = self.two_most(claim) else {
            return false;
        };
        (first.len() + second.len()) * PIECED.1 < words * PIECED.0
    }

    /// Does `claim` graft onto a sentence of `text` (the one indexed) words of another
    /// paragraph: no sentence holds `ONE_HOLDS` of its content words, and the sentence
    /// that holds the most of the rest (`GRAFTED` of them or more) stands in another
    /// paragraph than the one that holds the most? "L'accord vise à renforcer la
    /// souveraineté … par une IA générative open-source", where the accord's sentence says
    /// nothing of the open-source AI that a paragraph on the national plan names: the tie
    /// between them is the model's. Two sentences of one paragraph are one passage, and a
    /// summary sentence that joins them says what the passage says.
    pub fn pieced_apart(&self, text: &str, claim: &str) -> bool {
        let Some((words, (first, at), (second, other))) = self.two_most(claim) else {
            return false;
        };
        if first.len() * ONE_HOLDS.1 >= words * ONE_HOLDS.0 || second.len() < GRAFTED {
            return false;
        }
        let (a, b) = if at.0 < other.0 {
            (at, other)
        } else {
            (other, at)
        };
        text[a.1..b.0.max(a.1)].contains('\n')
    }

    /// How many content words `claim` has (`None` under `MIN_PIECED`: too short to
    /// tell), the sentence that holds the most of them, and the one that holds the most of
    /// the rest, each with the words it holds and its range (none held where the text has
    /// no sentence).
    fn two_most(&self, claim: &str) -> Option<(usize, Held, Held)> {
        let words = Features::of(claim).words;
        if words.len() < MIN_PIECED {
            return None;
        }
        let most = |among: &BTreeSet<String>| -> Held {
            self.sentences
                .iter()
                .map(|(a, b, f)| (among.intersection(&f.words).cloned().collect(), (*a, *b)))
                .max_by_key(|(held, _): &Held| held.len())
                .unwrap_or_default()
        };
        let first = most(&words);
        let rest: BTreeSet<String> = words.difference(&first.0).cloned().collect();
        Some((words.len(), first, most(&rest)))
    }
}

/// Share of a summary sentence's content words that one source sentence must hold for the
/// sentence to be that one's, whatever it adds (`Indexed::pieced_apart`).
const ONE_HOLDS: (usize, usize) = (3, 5);

/// Fewest content words from a second sentence that make a graft (`Indexed::pieced_apart`).
const GRAFTED: usize = 2;

/// Least share of a summary sentence's content words that two source sentences hold
/// (`Indexed::pieced`).
const PIECED: (usize, usize) = (3, 4);

/// Fewest content words a sentence needs for `Indexed::pieced` to judge it.
const MIN_PIECED: usize = 6;

/// The sentences of a summary that state something: not headings, lead-ins or fragments.
pub fn claims(summary: &str) -> Vec<String> {
    sentences(summary)
        .into_iter()
        .map(|s| s.trim_start_matches(['-', '*', ' ']).trim())
        .filter(|s| !s.starts_with('#') && !s.ends_with(':') && s.split_whitespace().count() >= 4)
        .map(|s| strip_citations(s).trim().to_string())
        .collect()
}

/// A source as the statements see it.
pub struct SourceText<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub lang: Lang,
}

/// The source sentences a claim rests on: the best match, and a second one that shares
/// nearly as much (a claim often joins two sentences).
fn support(
    claim: &Features,
    source: &SourceText,
    sentences: &[(usize, usize, Features)],
) -> Vec<Span> {
    let mut scored: Vec<(usize, usize)> = sentences
        .iter()
        .enumerate()
        .map(|(i, (.., f))| (claim.shared(f), i))
        .filter(|(s, _)| *s >= MIN_SHARED)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let Some(&(best, _)) = scored.first() else {
        return Vec::new();
    };
    let mut picked: Vec<usize> = scored
        .iter()
        .take(2)
        .filter(|(s, _)| 2 * s >= best)
        .map(|(_, i)| *i)
        .collect();
    picked.sort_unstable();
    picked
        .into_iter()
        .map(|i| {
            let (start, end, _) = sentences[i];
            Span {
                source: source.id.to_string(),
                start,
                end,
                text: source.text[start..end].to_string(),
            }
        })
        .collect()
}

/// Is every fact and name of `claim` found in the source?
fn grounded(claim: &str, lang: Lang, source: &SourceText) -> bool {
    ground::check(claim, lang, &[(source.id, source.text, source.lang)])
        .unsupported
        .is_empty()
}

/// The figures a text gives as someone's ("1,2 million selon la CGT, 450 000 selon la
/// police").
pub fn attributed(text: &str) -> BTreeSet<Key> {
    spans(text)
        .into_iter()
        .flat_map(|(a, b)| disagree::attributions(&text[a..b]))
        .map(|(f, _)| f.key)
        .collect()
}

/// Does `claim` open by naming whose word it reports ("Selon les pompiers, le vent a
/// poussé …") where no source sentence it may rest on (`rests_on`, in its own language)
/// names them? The model then lends the fact to someone the source never quotes for it.
pub fn invents_attribution(claim: &str, rests_on: &[&str]) -> bool {
    if !disagree::opens_on_attribution(claim) || rests_on.is_empty() {
        return false;
    }
    let Some((who, _)) = claim.split_once(',') else {
        return false;
    };
    // The marker's words, and pronouns ("Selon elle,"), which name no one by themselves.
    let unnamed = [
        "selon",
        "apres",
        "according",
        "elle",
        "elles",
        "ceux",
        "them",
        "these",
        "those",
    ];
    let named: Vec<String> = words_of(&ground::fold(who))
        .filter(|w| w.chars().count() >= 4 && !unnamed.contains(w))
        .map(root)
        .collect();
    !named.is_empty()
        && !rests_on.iter().any(|s| {
            let there: BTreeSet<String> = words_of(&ground::fold(s)).map(root).collect();
            named.iter().all(|w| there.contains(w))
        })
}

/// Is `claim` a fragment or a list rather than a sentence: one that ends on a colon ("Next
/// steps:"), strings fields together ("Key figures: Total burned area: 4,000 hectares
/// Number of people evacuated: 1,500"), or is a field on a line of its own ("Duration of
/// fire: Not specified", with no full stop)?
pub fn fragment(claim: &str) -> bool {
    let t = claim.trim_end();
    let ended = t.ends_with(['.', '!', '?', '»', '"', '”', ')']);
    // Colons that open what follows, not those of a time ("18:30").
    let chars: Vec<char> = t.chars().collect();
    let colons = (0..chars.len())
        .filter(|&i| chars[i] == ':')
        .filter(|&i| {
            let digit = |j: Option<&char>| j.is_some_and(char::is_ascii_digit);
            !(i > 0 && digit(chars.get(i - 1)) && digit(chars.get(i + 1)))
        })
        .count();
    t.ends_with(':') || colons >= 2 || (colons == 1 && !ended)
}

/// Does `claim` state one of the `attributed` figures as plain fact, without saying whose
/// it is? It then misreports its source.
pub fn misattributes(claim: &str, attributed: &BTreeSet<Key>) -> bool {
    // "According to the prefecture, at least 38 people were killed": a claim that opens by
    // naming whose figures follow attributes them all.
    if disagree::opens_on_attribution(claim) {
        return false;
    }
    let own: Vec<Key> = disagree::attributions(claim)
        .into_iter()
        .map(|(f, _)| f.key)
        .collect();
    ground::facts(claim)
        .iter()
        .any(|f| attributed.contains(&f.key) && !own.contains(&f.key))
}

/// The statements of one source's summary in `lang`: each claim with the source sentences
/// it rests on. A claim whose facts or names are not in the source is left out (it is the
/// summary's error, not something to repeat); a claim in another language than the
/// source's that shares too few words with it takes the support of the claim at the same
/// place in the summary in the source's own language (`sibling`), when both summaries have
/// as many claims.
pub fn statements(
    summary: &str,
    lang: Lang,
    sibling: Option<&str>,
    source: &SourceText,
) -> Vec<Statement> {
    let indexed = Indexed::of(source.text).sentences;
    let own = claims(summary);
    let sibling: Vec<Vec<Span>> = match sibling.map(claims) {
        Some(other) if other.len() == own.len() => other
            .iter()
            .map(|c| support(&Features::of(c), source, &indexed))
            .collect(),
        _ => Vec::new(),
    };
    let attributed = attributed(source.text);
    own.into_iter()
        .enumerate()
        .filter(|(_, c)| grounded(c, lang, source) && !misattributes(c, &attributed))
        .filter_map(|(index, text)| {
            let features = Features::of(&text);
            let mut found = support(&features, source, &indexed);
            if found.is_empty() {
                found = sibling.get(index).cloned().unwrap_or_default();
            }
            (!found.is_empty()).then(|| Statement {
                source: source.id.to_string(),
                index,
                text,
                support: found,
                features,
            })
        })
        .collect()
}

/// Words that open a second proposition ("…, tandis que l'intersyndicale maintient …",
/// "… le 19 mars et ont affirmé que …", "…; the unions …"): grammar words of both
/// languages. "et" and "and" also join names ("la SNCF et la RATP"): a part too light to
/// state anything stays with the one before it (`states`).
const JOINS: &[&str] = &[
    " tandis que ",
    " tandis qu'",
    " alors que ",
    " alors qu'",
    ", mais ",
    " et ",
    " whereas ",
    " while ",
    ", but ",
    " and ",
    "; ",
];

/// Least weight (`Features::weight`) a proposition must have to be one: "…, et vite" is
/// not a second statement.
const MIN_PROPOSITION: usize = 4;

/// The propositions of `sentence`: its parts between the words that join two statements
/// into one sentence (`JOINS`), each weighty enough to state something.
pub fn propositions(sentence: &str) -> Vec<&str> {
    // Joining words stand inside a sentence, so in lower case.
    let mut cuts: Vec<(usize, usize)> = JOINS
        .iter()
        .flat_map(|j| sentence.match_indices(j).map(|(i, m)| (i, i + m.len())))
        .collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut start = 0;
    for (a, b) in cuts {
        if a < start {
            continue;
        }
        let part = &sentence[start..a];
        if states(part) {
            out.push(part);
            start = b;
        }
    }
    match out.last_mut() {
        Some(last) if !states(&sentence[start..]) => {
            // The tail is too light to stand alone: it belongs to the last proposition.
            let from = last.as_ptr() as usize - sentence.as_ptr() as usize;
            *last = &sentence[from..];
        }
        _ => out.push(&sentence[start..]),
    }
    out
}

/// Is `part` weighty enough to state something (`MIN_PROPOSITION`), and does it say
/// something of what it names (`MIN_SAID` words besides names)? "Le ministère des Armées"
/// before "et Mistral AI ont signé …" names a party and states nothing.
fn states(part: &str) -> bool {
    let f = Features::of(part);
    f.weight() >= MIN_PROPOSITION && f.said.len() >= MIN_SAID
}

/// Does `statement` say what each proposition of `sentence` says (`propositions`): shares
/// a figure or a day with it, or `MIN_SHARED` or more and says the same thing of it
/// (`says_what`), and never denies it? A
/// source that gives the second half of "Le ministre a appelé au dialogue, tandis que
/// l'intersyndicale maintient son appel à manifester le 19 mars" does not back the first.
pub fn says_each(sentence: &str, statement: &Features) -> bool {
    propositions(sentence).into_iter().all(|p| {
        let f = Features::of(p);
        if f.denies(statement) {
            return false;
        }
        // A figure or a day they share ties them, however each words the rest ("will
        // operate 310 aircraft", "would use 310 planes"); a year or a month alone is
        // shared by too much.
        let tied = f
            .keys
            .intersection(&statement.keys)
            .any(|k| !matches!(k, Key::Year(_) | Key::MonthOnly(_) | Key::Season(_)));
        // A proposition lighter than the thresholds (a figure and a word) is held whole.
        let said = f.said.intersection(&statement.said).count();
        tied || (f.shared(statement) >= MIN_SHARED.min(f.weight())
            && said >= MIN_SAID.min(f.said.len()))
    })
}

/// Does `sentence` say something twice: one of its facts ("in spring" … "in the spring"), or
/// a run of four words with one of four letters or more ("to the Senate in")? Asked for
/// one sentence from two statements, a small model sometimes writes both, one after the
/// other, joined by "and".
pub fn says_twice(sentence: &str) -> bool {
    let keys: Vec<Key> = ground::facts(sentence).into_iter().map(|f| f.key).collect();
    let repeated_fact = keys
        .iter()
        .enumerate()
        .any(|(i, k)| keys[i + 1..].contains(k));
    let folded = ground::fold(sentence);
    let words: Vec<&str> = words_of(&folded).collect();
    let runs: Vec<&[&str]> = words
        .windows(4)
        .filter(|w| w.iter().any(|x| x.chars().count() >= 4))
        .collect();
    let repeated_run = runs
        .iter()
        .enumerate()
        .any(|(i, r)| runs[i + 1..].contains(r));
    repeated_fact || repeated_run
}

/// Is `sentence`'s subject a pronoun that names what an earlier sentence did ("Elle a
/// pour mission …", "Rattachée au ministère, elle …", "They said …"), does it open on a
/// demonstrative ("Ce projet repose sur …", "C'est trois fois plus …", "This choice
/// illustrates …"), or name something further on by one (`points_back`: "… illustrates
/// this orientation")? Out of its
/// place, a summary's reader would take it for whatever the sentence before it names. The
/// pronoun is looked for as the first word, or the first after an opening clause (a comma
/// within the first `OPENING` words: "À son plus fort, en 1957, il …"). "Ce qui …",
/// "Ce que …" name nothing before them. Grammar words, not a subject's.
pub fn leans_back(sentence: &str) -> bool {
    const PRONOUNS: &[&str] = &["il", "elle", "ils", "elles", "it", "he", "she", "they"];
    const DEMONSTRATIVES: &[&str] = &["ce", "cet", "cette", "ces", "this", "these", "those"];
    const OPENING: usize = 10;
    let words: Vec<&str> = sentence.split_whitespace().take(OPENING + 1).collect();
    // "À son plus fort, en 1957, il employait …": each opening clause may be followed by
    // the subject.
    let after_comma = words
        .iter()
        .zip(words.iter().skip(1))
        .filter(|(w, _)| w.ends_with(','))
        .map(|(_, next)| next);
    let pronoun = words
        .first()
        .into_iter()
        .chain(after_comma)
        .any(|w| PRONOUNS.contains(&plain(w).as_str()));
    let relative = |w: &&str| {
        let w = plain(w);
        ["qui", "que", "dont"].contains(&w.as_str()) || w.starts_with("qu'") || w.starts_with("qu’")
    };
    // "C'est trois fois plus …": "ce" elided before a verb.
    let elided = |w: &&str| {
        let w = w.to_lowercase();
        w.starts_with("c'") || w.starts_with("c’")
    };
    let after: Vec<String> = words.iter().skip(1).map(|w| plain(w)).collect();
    let determiner = words
        .first()
        .is_some_and(|w| DEMONSTRATIVES.contains(&plain(w).as_str()));
    let demonstrative = (determiner && !a_time(&after) || words.first().is_some_and(elided))
        && !words.get(1).is_some_and(relative);
    // "Neuf d'entre eux ont été condamnés", "Nine of them were convicted": a share of
    // whatever the sentence before counts.
    let opening = ground::fold(&words.iter().take(4).copied().collect::<Vec<_>>().join(" "))
        .replace('’', "'");
    let share = ["d'entre eux", "d'entre elles", " of them", " of those"]
        .iter()
        .any(|m| opening.contains(m));
    pronoun || demonstrative || share || points_back(sentence)
}

/// Does `sentence`, after its first word, name a thing by a demonstrative ("… illustrent
/// cette orientation", "… this choice") that it has not named itself? The thing is in
/// the sentence before, which a synthesis does not hold. Not a time ("cette semaine",
/// "this Friday"): that is the writer's now. Not a noun the sentence already gave ("an
/// agreement, and this agreement …"), or tells right after ("dans ce dossier de marchés
/// publics truqués"), nor "ce" as a pronoun ("ce qui", "ce sont"), nor
/// one in an opening phrase cut off by a comma ("Dans ce cadre, le ministère a notifié
/// …"): that links the sentence to the one before, and the sentence says its fact whole.
/// Grammar words, and the calendar's, not a subject's.
fn points_back(sentence: &str) -> bool {
    const LINK: usize = 4;
    const DEMONSTRATIVES: &[&str] = &["ce", "cet", "cette", "ces", "this", "these"];
    const NOT_A_NOUN: &[&str] = &[
        "qui", "que", "qu", "dont", "est", "sont", "soit", "sera", "serait", "fut", "ne", "n",
        "faisant",
    ];
    const TOLD: &[&str] = &[
        "de", "du", "des", "d", "qui", "que", "qu", "dont", "ou", "of", "to", "that", "which",
        "where", "who",
    ];
    let raw: Vec<&str> = sentence.split_whitespace().collect();
    let link = raw
        .iter()
        .take(LINK)
        .position(|w| w.ends_with(','))
        .map_or(1, |i| i + 1);
    let words: Vec<String> = raw.iter().map(|w| plain(w)).collect();
    // "ce dossier de marchés publics truqués", "this plan to cut jobs", "cette décision qui
    // …": the thing is told right after it.
    let told = |i: usize| {
        let next = words.get(i + 2).map_or("", String::as_str);
        let head = next.split(['\'', '’']).next().unwrap_or(next);
        TOLD.contains(&head) && !raw[i + 1].ends_with([',', ';', ':', '.'])
    };
    words.windows(2).enumerate().skip(link).any(|(i, pair)| {
        let [det, noun] = pair else { return false };
        // "qu'il", "n'est": the elided word before the apostrophe.
        let head = noun.split(['\'', '’']).next().unwrap_or(noun);
        DEMONSTRATIVES.contains(&det.as_str())
            && !noun.is_empty()
            && !NOT_A_NOUN.contains(&head)
            && !a_time(&words[i + 1..])
            && !words[..i].contains(noun)
            && !told(i)
    })
}

/// Do `words` (folded, past a demonstrative) open on a time ("cette semaine", "ce mardi",
/// "ces dernières années", "these past few weeks", "ces trois mois")? That is the writer's
/// now, which needs no sentence before it. Times of day and of the year here; spans of
/// time and weekdays are `ground`'s.
fn a_time(words: &[String]) -> bool {
    const TIMES: &str = "matin soir soiree nuit ete hiver printemps automne week-end fois \
                         moment epoque saison morning afternoon evening night summer winter \
                         spring autumn fall weekend time season";
    let time = |w: &String| {
        TIMES.split_whitespace().any(|t| t == w)
            || ground::period(w).is_some()
            || ground::weekday(w).is_some()
    };
    // Words that may stand between the demonstrative and its time: "ces trois dernières
    // années", "these past few weeks".
    const QUALIFY: &str = "dernier derniere derniers dernieres prochain prochaine prochains \
                           prochaines quelques plusieurs past last next coming few several";
    let qualifies = |w: &String| {
        QUALIFY.split_whitespace().any(|q| q == w)
            // A number in digits is no word once folded ("ces 3 derniers mois").
            || w.is_empty()
            || !ground::spelled_counts(w).is_empty()
    };
    let lead = words.iter().take(2).take_while(|w| qualifies(w)).count();
    words.get(lead).is_some_and(time)
}

/// `w` folded, without the punctuation around it.
fn plain(w: &str) -> String {
    ground::fold(w.trim_matches(|c: char| !c.is_alphabetic()))
}

/// Does `sentence` lean on the one before it in a summary: its subject is a pronoun
/// (`leans_back`), or it opens on a possessive ("Son directeur, …": whose director, the
/// sentence before says)?
pub fn refers_back(sentence: &str) -> bool {
    const POSSESSIVES: &[&str] = &[
        "son", "sa", "ses", "leur", "leurs", "his", "her", "its", "their",
    ];
    let first = sentence.split_whitespace().next();
    leans_back(sentence) || first.is_some_and(|w| POSSESSIVES.contains(&plain(w).as_str()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_claim_drawn_from_a_question_is_told_from_one_that_reports_it() {
        let asked = ["Peut-on dire que ce partenariat illustre une stratégie de souveraineté ?"];
        let claim = "Ce partenariat illustre une stratégie de souveraineté.";
        assert!(super::answers_a_question(claim, &asked));
        for reported in [
            "L'auteur se demande si ce partenariat illustre une stratégie de souveraineté.",
            "Ce partenariat illustre-t-il une stratégie de souveraineté ?",
        ] {
            assert!(!super::answers_a_question(reported, &asked), "{reported}");
        }
        // Resting on a statement as well, the claim may be the statement's.
        let both = [
            asked[0],
            "Ce partenariat illustre une stratégie de souveraineté.",
        ];
        assert!(!super::answers_a_question(claim, &both));
        assert!(!super::answers_a_question(claim, &[]));
    }

    #[test]
    fn a_sentence_that_names_what_the_one_before_it_does_leans_back() {
        for leaning in [
            "Elle a pour mission de coordonner les essais.",
            "Rattachée au ministère, elle coordonne les essais.",
            "À son plus fort, en 1957, il employait 3 200 ouvriers.",
            "Ce projet repose sur trois sites.",
            "Neuf d'entre eux ont été condamnés avec sursis.",
            "Nine of them received suspended sentences.",
            "Le Sommet de Paris et le plan France 2030 illustrent cette orientation.",
            "The Paris summit and the 2030 plan illustrate this orientation.",
            // A time after the thing is no time of the demonstrative's.
            "Le Sénat examinera cette réforme jeudi.",
            "Les élus ont voté cette décision, prise mardi, à l'unanimité.",
        ] {
            assert!(super::leans_back(leaning), "{leaning}");
        }
        for alone in [
            "Ce qui inquiète les commerçants, c'est la durée du chantier.",
            "Douze prévenus étaient jugés, neuf ont été condamnés.",
            "The court heard twelve defendants, most of whom were fined.",
            "Les syndicats appellent à manifester cette semaine à Paris.",
            "The minister will visit the area this Friday.",
            "Mistral signed an agreement, and this agreement runs until 2030.",
            "Le conseil a adopté ce qu'il appelle un plan de relance.",
            "Le maire estime que ce sont les commerçants qui paieront.",
            "Dans ce cadre, le ministère a notifié un accord-cadre le 16 décembre 2025.",
            "Douze prévenus étaient jugés dans ce dossier de marchés publics truqués.",
            "La fréquentation a doublé ces dernières années, selon la métropole.",
            "Ces trois derniers mois, la ville a recruté 40 agents.",
            "Sales fell by a third over these past few weeks.",
            "Prices rose 5% these last three months.",
            "Ces 3 derniers mois, la ville a recruté 40 agents.",
        ] {
            assert!(!super::leans_back(alone), "{alone}");
        }
    }

    #[test]
    fn a_source_sentence_lifted_from_its_object_on_is_cut_short() {
        let source = "An audit published on Monday by the regional chamber puts the real \
                      cost at 465 million euros, well above the forecast.";
        assert!(super::cut_short(
            "The real cost at 465 million euros, well above the forecast.",
            source
        ));
        for whole in [
            "Well above the forecast.",
            "An audit published on Monday by the regional chamber puts the real cost at \
             465 million euros, well above the forecast.",
            "The audit puts the real cost at 465 million euros.",
        ] {
            assert!(!super::cut_short(whole, source), "{whole}");
        }
        assert!(!super::cut_short(
            "La ligne ouvrira en septembre 2029.",
            "Selon la présidente, la ligne ouvrira en septembre 2029."
        ));
    }

    #[test]
    fn dated_statements_of_one_event_share_its_party_or_many_words() {
        use super::Features;
        let audit = Features::of(
            "Une analyse publiée le 3 novembre 2025 par le conseil régional met en évidence \
             un coût de 465 millions d'euros, au-delà des 412 millions annoncés par la \
             métropole.",
        );
        let vote = Features::of(
            "Le conseil métropolitain de Valmont a adopté le tracé de la ligne le 14 octobre \
             2025.",
        );
        assert!(!audit.same_event(&vote));
        let notified = Features::of(
            "Le ministère a notifié le 16 décembre 2025 un accord-cadre à la société Orvane.",
        );
        let signed = Features::of(
            "Le 8 janvier 2026, le ministère et Orvane ont signé un accord stratégique.",
        );
        assert!(notified.same_event(&signed));
        let strike = Features::of("La grève des contrôleurs aériens a commencé le 5 mars.");
        let started = Features::of("La grève des contrôleurs aériens a débuté le 6 mars.");
        assert!(strike.same_event(&started));
    }

    #[test]
    fn a_sentence_tying_clauses_of_three_source_sentences_together_is_pieced() {
        let source = "Le conseil municipal de Valbourg a voté mardi le budget de la ville \
                      pour 2026. Le texte prévoit la rénovation de trois écoles et de la \
                      piscine. Dans un autre dossier, la préfecture a annoncé la suppression \
                      de quarante postes de policiers. Les syndicats de policiers dénoncent \
                      une décision prise sans concertation.";
        let index = super::Indexed::of(source);
        let pieced = "Le conseil municipal a voté le budget en supprimant des postes de \
                      policiers, malgré la colère des syndicats.";
        assert!(index.pieced(pieced));
        for fine in [
            "Le conseil municipal de Valbourg a voté mardi le budget de la ville pour 2026.",
            "Le budget voté mardi par le conseil municipal prévoit la rénovation de trois \
             écoles et de la piscine.",
            "La préfecture supprime quarante postes de policiers, une décision que les \
             syndicats dénoncent.",
            "Le budget est voté.",
        ] {
            assert!(!index.pieced(fine), "{fine}");
        }
    }

    #[test]
    fn words_of_another_paragraph_grafted_onto_a_sentence_are_told_from_one_passage() {
        let source = "La région lance un plan pour l'eau, financé par des investissements \
                      dans les stations d'épuration et les réseaux d'irrigation. L'objectif \
                      est de réduire les pertes.\n\n\
                      Le syndicat des eaux a signé mardi une convention avec la société \
                      Hydrea, visant à moderniser la gestion des réservoirs du département. \
                      Le contrat court sur cinq ans.";
        let index = super::Indexed::of(source);
        // The convention's aim, with the plan's irrigation networks from the paragraph
        // before tied on.
        let grafted = "La convention vise à moderniser la gestion des réservoirs du \
                       département par des investissements dans les réseaux d'irrigation.";
        assert!(index.pieced_apart(source, grafted));
        for fine in [
            // Lifted from one sentence.
            "Le syndicat des eaux a signé une convention avec Hydrea pour moderniser la \
             gestion des réservoirs.",
            // Two sentences of one paragraph.
            "La convention signée avec Hydrea pour moderniser la gestion des réservoirs \
             court sur cinq ans.",
            "Le plan vise à réduire les pertes par des investissements dans les réseaux \
             d'irrigation.",
        ] {
            assert!(!index.pieced_apart(source, fine), "{fine}");
        }
    }

    #[test]
    fn a_sentence_that_says_a_fact_or_a_run_of_words_twice_is_told_from_one_that_does_not() {
        assert!(super::says_twice(
            "The government will present the text to the Senate in spring and it will keep \
             its timetable and send the bill to the Senate in the spring."
        ));
        assert!(super::says_twice(
            "Le coût atteint 465 millions d'euros, soit 465 millions d'euros de plus."
        ));
        for fine in [
            "The government will keep its timetable and send the bill to the Senate in spring.",
            "Le coût passe de 412 à 465 millions d'euros selon la chambre régionale des comptes.",
            "La ligne de tramway reliera la gare au campus, et la ligne de bus suivra.",
        ] {
            assert!(!super::says_twice(fine), "{fine}");
        }
    }

    #[test]
    fn a_fact_in_a_relative_clause_must_be_the_sources_of_the_word_before_it() {
        let source = "L'agence régionale de l'eau, créée le 1er mai 2024, pilote les \
                      travaux. Le syndicat des eaux a signé une convention avec la société \
                      Hydrea, qui emploie 600 personnes. Hydrea a été fondée en 2019.";
        // May 2024 is the agency's, not the convention's or Hydrea's.
        assert!(super::misattaches_relative(
            "Le syndicat a signé une convention avec Hydrea, qui a été créée en mai 2024.",
            source
        ));
        assert!(super::misattaches_relative(
            "The water board signed an agreement with Hydrea, which was founded in May 2024.",
            source
        ));
        for fine in [
            "Le syndicat a signé une convention avec Hydrea, qui emploie 600 personnes.",
            "L'agence régionale de l'eau, qui a été créée en mai 2024, pilote les travaux.",
            // Said of Hydrea in a sentence of its own.
            "Le syndicat a signé avec Hydrea, qui a été fondée en 2019.",
            // No fact in the clause, or no source sentence stating it: not asked here.
            "Le syndicat a signé avec Hydrea, qui pilote les travaux.",
            "Le syndicat a signé avec Hydrea, qui a été fondée en 1950.",
        ] {
            assert!(!super::misattaches_relative(fine, source), "{fine}");
        }
    }

    #[test]
    fn a_predicate_taken_from_a_sentence_about_someone_else_is_told_from_a_shared_one() {
        let source = "Le préfet s'est rendu sur place mercredi et a salué la réactivité des \
                      secours. Le gouvernement doit examiner la demande de reconnaissance de \
                      catastrophe naturelle lors du conseil des ministres du 25 mars. Le maire \
                      a demandé la reconnaissance de catastrophe naturelle dès lundi.";
        let index = super::Indexed::of(source);
        let wrong = "Le préfet a salué la réactivité des secours et a demandé une \
                     reconnaissance de catastrophe naturelle lors du conseil des ministres.";
        assert!(super::borrows_predicate(wrong, &index, source));
        for right in [
            // Both predicates from one source sentence.
            "Le préfet s'est rendu sur place mercredi et a salué la réactivité des secours.",
            // Two subjects: no predicate handed over.
            "Le préfet a salué les secours et le gouvernement examinera la demande le 25 mars.",
        ] {
            assert!(!super::borrows_predicate(right, &index, source), "{right}");
        }
    }

    #[test]
    fn a_count_given_to_a_verb_of_another_clause_is_told_from_one_the_source_gives() {
        let source = "Crue : le barrage relâche de l'eau, 1 200 habitants évacués\n\n\
                      La préfecture a ordonné l'évacuation de 1 200 habitants. Le barrage a \
                      relâché 1 500 mètres cubes par seconde.";
        let english = "Dam releases water, 1,200 residents evacuated\n\nAuthorities \
                       evacuated 1,200 residents. The dam released 1,500 cubic metres a second.";
        for (wrong, source) in [
            (
                "Le barrage a relâché 1 200 habitants des communes en aval.",
                source,
            ),
            ("The dam released 1,200 residents downstream.", english),
        ] {
            assert!(super::misjoins_count(wrong, source), "{wrong}");
        }
        assert!(!super::misjoins_count(
            "Authorities evacuated 1,200 residents.",
            english
        ));
        for right in [
            "La préfecture a évacué 1 200 habitants.",
            "Le barrage a relâché 1 500 mètres cubes par seconde.",
            // No participle before the count: nothing to compare.
            "Au total, 1 200 habitants ont quitté leur domicile.",
            // A count the source does not give is grounding's to judge.
            "Le barrage a relâché 900 habitants.",
        ] {
            assert!(!super::misjoins_count(right, source), "{right}");
        }
    }

    use super::*;

    #[test]
    fn a_denial_is_told_from_a_negated_clause_beside_the_claim() {
        let of = Features::of;
        assert!(
            of("The compensation fund will not cover the shopkeepers' losses.").denies(&of(
                "The compensation fund will cover the shopkeepers' losses."
            ))
        );
        assert!(!of(
            "The government will not withdraw the reform, which raises the legal retirement age from 62 to 64."
        )
        .denies(&of("The reform raises the legal retirement age from 62 to 64.")));
        assert!(
            !of("Le fonds ne couvrira pas les pertes des commerçants.").denies(&of(
                "Le fonds ne couvrira même pas les pertes des commerçants."
            ))
        );
    }

    #[test]
    fn a_negation_is_found_in_either_language() {
        assert!(negated(
            "L'association ne conteste pas le principe du tramway."
        ));
        assert!(negated("Il n'a jamais été signé."));
        assert!(negated("The association does not oppose the tramway."));
        assert!(negated("The government didn't withdraw the reform."));
        assert!(negated(
            "No casualties were reported, but seven firefighters were hurt."
        ));
        assert!(negated("Nobody was hurt."));
        assert!(negated("Personne n'a été blessé."));
        assert!(negated("Nul ne conteste le tracé."));
        assert!(!negated(
            "Une personne malade peut en contaminer vingt autres."
        ));
        assert!(!negated("L'association conteste le principe du tramway."));
        assert!(!negated("The association opposes the tramway."));
        assert!(!negated("Va-t-on signer l'accord ? A-t-il voté ?"));
        assert!(!negated(
            "This is not merely a contract but a strategic decision."
        ));
        assert!(!negated("Ce n'est pas seulement un contrat."));
    }

    const SOURCE: &str = "Le conseil municipal a voté lundi le budget du tramway. Le coût est estimé à 412 millions d'euros. Les travaux commenceront en mars 2027 à Lyon.";

    fn src() -> SourceText<'static> {
        SourceText {
            id: "S1",
            text: SOURCE,
            lang: Lang::Fr,
        }
    }

    #[test]
    fn each_claim_rests_on_the_source_sentences_it_shares_most_with() {
        let summary = "## Résumé\nLe coût du tramway est estimé à 412 millions d'euros. Les travaux du tramway commenceront en mars 2027 à Lyon.";
        let s = statements(summary, Lang::Fr, None, &src());
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].support[0].text,
            "Le coût est estimé à 412 millions d'euros."
        );
        let span = &s[1].support[0];
        assert_eq!(
            &SOURCE[span.start..span.end],
            "Les travaux commenceront en mars 2027 à Lyon."
        );
    }

    #[test]
    fn a_claim_with_a_figure_or_name_not_in_the_source_is_left_out() {
        let summary = "Le coût du tramway est estimé à 415 millions d'euros. Les travaux du tramway commenceront à Grenoble en mars 2027.";
        assert!(statements(summary, Lang::Fr, None, &src()).is_empty());
    }

    #[test]
    fn a_claim_in_the_other_language_takes_its_siblings_support() {
        let fr = "Le conseil municipal a voté le budget du tramway lundi. Le coût est estimé à 412 millions d'euros.";
        let en = "The city council approved the tram budget on Monday. The cost is estimated at 412 million euros.";
        let s = statements(en, Lang::En, Some(fr), &src());
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].support[0]
            .text
            .starts_with("Le conseil municipal a voté"));
        assert!(s[1].support[0].text.starts_with("Le coût est estimé"));
    }

    #[test]
    fn a_purpose_the_source_never_names_is_invented() {
        let fr =
            "Une réunion aura lieu en mars à Toulouse. Les autorités ont évacué sept villages.";
        assert!(invents_purpose(
            "Une réunion est prévue en mars à Toulouse pour discuter des calendriers.",
            fr
        ));
        assert!(invents_purpose(
            "Une réunion aura lieu afin de rassurer les élus.",
            fr
        ));
        // A purpose made of the source's own verbs is not this check's to judge.
        assert!(!invents_purpose(
            "Les pompiers sont venus pour évacuer sept villages.",
            fr
        ));
        assert!(!invents_purpose(
            "Une réunion pour les élus aura lieu en mars.",
            fr
        ));
        let en = "The government said it would present a forest plan in September. \
                  The union agreed to talks.";
        assert!(invents_purpose(
            "The government will present a plan in September to address the issue.",
            en
        ));
        assert!(!invents_purpose(
            "According to the government, a plan is due.",
            en
        ));
        assert!(!invents_purpose(
            "The union agreed to negotiate in September.",
            en
        ));
        assert!(!invents_purpose(
            "The plan went to Parliament in September.",
            en
        ));
    }

    #[test]
    fn a_count_in_words_the_source_never_gives_is_invented() {
        let statements = "Le gouvernement portugais a déclaré l'état de calamité pour trois \
                          districts. Le gouvernement a déclaré l'état de calamité.";
        assert!(invents_count(
            "Les deux gouvernements ont déclaré l'état de calamité dans trois districts.",
            statements
        ));
        assert!(!invents_count(
            "Le gouvernement a déclaré l'état de calamité pour trois districts.",
            statements
        ));
        assert!(!invents_count(
            "One minister and a union spoke.",
            "A minister spoke."
        ));
    }

    #[test]
    fn a_plan_stated_as_done_loses_its_future() {
        let en = "The council said it would publish the audit in June.";
        assert!(loses_future("The council published the audit in June.", en));
        assert!(!loses_future(
            "The council will publish the audit in June.",
            en
        ));
        assert!(!loses_future(
            "The council plans to publish the audit in June.",
            en
        ));
        assert!(!loses_future("The audit must be published in June.", en));
        // What the sentence does not take from the source's future is no concern of it.
        let both = "The union called a strike and said it would continue until June.";
        assert!(!loses_future("The union called a strike.", both));
        let fr = "Le conseil publiera l'audit en juin, a indiqué la mairie.";
        assert!(loses_future("Le conseil a publié l'audit en juin.", fr));
        assert!(!loses_future("L'audit sera publié en juin.", fr));
        assert!(!loses_future("Le conseil va publier l'audit en juin.", fr));
        // Not by a noun of the verb's stem.
        let retire = "Le gouvernement ne retirerait pas la réforme des retraites.";
        assert!(!loses_future(
            "It will not withdraw the retirement reform.",
            retire
        ));
        let deploy = "Les solutions seront déployées sur des serveurs de l'État.";
        assert!(!loses_future(
            "Les déploiements seront sur des serveurs de l'État.",
            deploy
        ));
        // Words that only end like a future: a portrait, a camera, a front.
        let nouns = "Le retrait du portrait filmé par la caméra sur le front.";
        assert!(!loses_future("Le retrait du portrait a été filmé.", nouns));
    }

    #[test]
    fn a_change_said_the_other_way_reverses_its_direction() {
        let source = "Le gouvernement relève l'âge légal de départ à la retraite de 62 à 64 ans. \
                      Les prix de l'énergie ont baissé de 12 % en un an.";
        for wrong in [
            "The reform lowers the legal retirement age to 64.",
            "L'âge légal de départ est abaissé à 64 ans.",
            "Energy prices rose by 12% in a year.",
        ] {
            assert!(reverses_direction(wrong, source), "{wrong}");
        }
        for right in [
            "The reform raises the legal retirement age from 62 to 64.",
            "L'âge de départ est relevé à 64 ans.",
            "Energy prices fell by 12% in a year.",
            "Les prix de l'énergie ont reculé de 12 %.",
            "The government presented its reform.",
        ] {
            assert!(!reverses_direction(right, source), "{right}");
        }
    }

    #[test]
    fn a_sentence_for_what_its_source_is_against_reverses_its_stance() {
        let source =
            "Grève du 12 mars : une mobilisation massive contre la réforme des retraites. \
                      La journée a été l'une des plus suivies.";
        assert!(reverses_stance(
            "Le 12 mars, une grève a été organisée pour réformer les retraites.",
            source
        ));
        assert!(reverses_stance(
            "On March 12, unions marched in favour of the reform.",
            source
        ));
        assert!(!reverses_stance(
            "Le 12 mars, une grève contre la réforme des retraites a été très suivie.",
            source
        ));
        assert!(!reverses_stance(
            "La grève a été organisée pour la journée du 12 mars.",
            source
        ));
        // A source that stands both ways on a thing lets a sentence take either side.
        let both = "Les syndicats sont contre la réforme ; le patronat plaide pour la réforme.";
        assert!(!reverses_stance(
            "Le patronat plaide pour la réforme.",
            both
        ));
    }

    #[test]
    fn an_attributed_figure_must_keep_its_attribution_before_or_after_it() {
        let source =
            "Bilan : au moins 38 morts selon la préfecture. Le pont mesurait 1 182 mètres.";
        let attributed = attributed(source);
        assert!(misattributes("Le bilan est de 38 morts.", &attributed));
        assert!(!misattributes(
            "Le bilan est de 38 morts selon la préfecture.",
            &attributed
        ));
        assert!(!misattributes(
            "According to the prefecture, at least 38 people were killed.",
            &attributed
        ));
        assert!(!misattributes(
            "The bridge was 1,182 metres long.",
            &attributed
        ));
    }

    #[test]
    fn a_party_the_source_sentence_never_names_is_an_invented_attribution() {
        let wind =
            "Le vent, qui a soufflé jusqu'à 70 km/h mercredi, a poussé les flammes vers le sud.";
        let claim = "Selon les pompiers, le vent a poussé les flammes vers le sud.";
        assert!(invents_attribution(claim, &[wind]));
        let quoted = "Selon les pompiers, le vent a poussé les flammes vers le sud.";
        assert!(!invents_attribution(claim, &[quoted]));
        // The party named otherwise in the source sentence ("l'association Foch
        // Commerces" for "l'association"), or a claim that names no party, is fine.
        let foch = "Selon l'association Foch Commerces, qui regroupe 87 boutiques, le chantier durera quatre ans.";
        assert!(!invents_attribution(
            "Selon l'association, le chantier durera quatre ans.",
            &[foch]
        ));
        assert!(!invents_attribution(
            "Le vent a poussé les flammes.",
            &[wind]
        ));
        assert!(!invents_attribution(
            "Selon elle, le vent a poussé les flammes vers le sud.",
            &[wind]
        ));
        assert!(invents_attribution(
            "According to the police, 1,500 people left.",
            &["1,500 people left, the mayor said."]
        ));
    }

    #[test]
    fn a_list_of_fields_or_a_line_ending_on_a_colon_is_no_sentence() {
        assert!(fragment(
            "Key figures: Total burned area: 4,000 hectares Number of people evacuated: 1,500"
        ));
        assert!(fragment("Next steps:"));
        assert!(fragment("Duration of fire: Not specified"));
        assert!(!fragment(
            "Le cortège est parti à 14:00 et a rejoint la place de la Nation à 17:45."
        ));
        assert!(!fragment("The march left at 14:00 and ended at 17:45"));
        assert!(!fragment(
            "Son directeur résume l'enjeu : intégrer les technologies les plus avancées."
        ));
    }

    #[test]
    fn a_sentence_of_two_statements_is_backed_only_by_a_statement_saying_both() {
        let two = "Le ministre du Travail a appelé les syndicats à reprendre le dialogue, \
                   tandis que l'intersyndicale maintient son appel à manifester le 19 mars.";
        assert_eq!(
            propositions(two),
            [
                "Le ministre du Travail a appelé les syndicats à reprendre le dialogue,",
                "l'intersyndicale maintient son appel à manifester le 19 mars."
            ]
        );
        // Itself, and a statement that says both, back it; one that says its second half
        // does not.
        assert!(says_each(two, &Features::of(two)));
        let both = "Le ministre du Travail appelle les syndicats à reprendre le dialogue ; \
                    l'intersyndicale maintient son appel à manifester le 19 mars.";
        assert!(says_each(two, &Features::of(both)));
        let half = "L'intersyndicale maintient son appel à manifester le 19 mars.";
        assert!(!says_each(two, &Features::of(half)));
        // A light tail ("…, and fast") or no joining word: one proposition.
        let one = "The council adopted the budget on March 3, and quickly.";
        assert_eq!(propositions(one), [one]);
        assert!(says_each(
            one,
            &Features::of("The council adopted the budget on March 3.")
        ));
        let plain = "Les syndicats appellent à manifester le 19 mars.";
        assert_eq!(propositions(plain), [plain]);
        // Two verbs of one subject are two statements; two names of one verb are one.
        let and = "Les syndicats ont appelé à manifester le 19 mars et ont affirmé que le \
                   mouvement continuera jusqu'au retrait de la réforme.";
        assert_eq!(propositions(and).len(), 2);
        assert!(!says_each(and, &Features::of(half)));
        let names = "La SNCF et la RATP ont annulé 260 trains le 12 mars.";
        assert_eq!(propositions(names), [names]);
        let party = "Le ministère des Armées et Mistral AI ont signé un accord stratégique.";
        assert_eq!(propositions(party), [party]);
        // Each proposition tied by its figure to a statement that words it otherwise.
        let fleet = "The combined company will operate 310 aircraft and carry about 95 \
                     million passengers a year.";
        assert_eq!(propositions(fleet).len(), 2);
        let other = "The new group would use 310 planes and transport about 95 million \
                     passengers per year.";
        assert!(says_each(fleet, &Features::of(other)));
        let half_fleet = "The new group would use 310 planes.";
        assert!(!says_each(fleet, &Features::of(half_fleet)));
    }
}
