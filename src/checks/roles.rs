//! Titles given to the wrong name: a summary that writes "l'AMIAD, directeur du ministère"
//! where its source names someone else the agency's director, one sentence later.
//!
//! A small model merges two neighbouring sentences of its source into one and hands the
//! title of one party to another. Names and titles are both in the source, so grounding
//! sees nothing. What code can see is where a sentence ties a title to a name, by
//! apposition ("NAME, [the] TITLE …") or as a title before a name ("TITLE NAME"), and
//! whether any one sentence of the source holds that name and that title (in either
//! language) together. Titles are a closed class of words, like grammar words, not a
//! subject's vocabulary: the list below is the same for every story.

use super::ground::fold;

/// Titles that say what someone is, each row one title in French and English (folded:
/// lower case, no accents). Leadership titles share a row, so "PDG" and "chief executive"
/// back each other.
const TITLES: &[&[&str]] = &[
    &[
        "directeur",
        "directrice",
        "director",
        "pdg",
        "ceo",
        "dirigeant",
        "dirigeante",
        "patron",
        "patronne",
        "chef",
        "cheffe",
        "head",
        "chief",
        "boss",
        "responsable",
    ],
    &["president", "presidente", "chairman", "chairwoman"],
    &["ministre", "minister", "secretaire", "secretary"],
    &["porte-parole", "spokesman", "spokeswoman", "spokesperson"],
    &[
        "fondateur",
        "fondatrice",
        "cofondateur",
        "cofondatrice",
        "founder",
        "cofounder",
        "co-founder",
    ],
    &["maire", "mayor"],
    &["prefet", "prefete", "prefect"],
    &[
        "depute",
        "deputee",
        "lawmaker",
        "senateur",
        "senatrice",
        "senator",
    ],
    &["procureur", "procureure", "prosecutor"],
    &["ambassadeur", "ambassadrice", "ambassador"],
    &["gouverneur", "gouverneure", "governor"],
    &["juge", "judge"],
    &["commissaire", "commissioner"],
];

/// Words that may stand between an apposition's comma and its title ("X, the former
/// director").
const BEFORE_TITLE: &[&str] = &[
    "le", "la", "l", "son", "sa", "leur", "un", "une", "ancien", "ancienne", "nouveau", "nouvelle",
    "actuel", "actuelle", "the", "its", "his", "her", "their", "a", "an", "former", "new",
    "current",
];

/// Words that open a fronted complement, whose comma is no apposition ("In December, the
/// director…", "Selon Paris, le ministre…").
const OPENERS: &[&str] = &[
    "a",
    "au",
    "en",
    "dans",
    "depuis",
    "apres",
    "avant",
    "selon",
    "pour",
    "sur",
    "chez",
    "in",
    "on",
    "at",
    "since",
    "after",
    "before",
    "for",
    "from",
    "according",
];

/// Words before a place or a date, whose comma is no apposition either ("… last week in
/// Toulouse, the mayor said").
const PLACE_TIME: &[&str] = &[
    "a", "au", "aux", "en", "dans", "depuis", "pendant", "in", "at", "on", "since", "during",
];

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Comma,
    Stop,
}

/// Words (an elided article a word of its own, in lower case: "l'AMIAD" is "l", "AMIAD"),
/// commas, and every other mark as a stop.
fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if word.is_empty() {
            return;
        }
        match word.split_once(['\'', '’']) {
            Some((head, rest)) if head.chars().count() <= 2 && !rest.is_empty() => {
                out.push(Tok::Word(head.to_lowercase()));
                out.push(Tok::Word(rest.to_string()));
            }
            _ => out.push(Tok::Word(word.clone())),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || ['-', '\'', '’'].contains(&c) {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        match c {
            ',' => out.push(Tok::Comma),
            c if c.is_whitespace() => {}
            _ => out.push(Tok::Stop),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The row of `TITLES` that `word` (folded) is a title of, plural or not.
fn title(word: &str) -> Option<usize> {
    let w = fold(word);
    let singular = w.strip_suffix('s').unwrap_or(&w);
    TITLES
        .iter()
        .position(|row| row.contains(&w.as_str()) || row.contains(&singular))
}

fn capitalized(t: &Tok) -> Option<&str> {
    match t {
        Tok::Word(w) if w.starts_with(char::is_uppercase) => Some(w),
        _ => None,
    }
}

/// A name (its words, folded) tied to a title (its row of `TITLES`).
#[derive(Debug, PartialEq)]
struct Tie {
    name: Vec<String>,
    row: usize,
    /// The title is one the name held ("l'ancien maire", "the former mayor").
    former: bool,
}

/// Words that make a title one held before: "l'ancien maire" is not the mayor.
const FORMER: &[&str] = &[
    "ancien",
    "ancienne",
    "anciens",
    "anciennes",
    "former",
    "ex",
    "onetime",
];

/// Is the title at `t[i]` one held before: "ancien", "former" among the two words before it
/// ("l'ancien maire", "the former deputy mayor")?
fn former_at(t: &[Tok], i: usize) -> bool {
    t[i.saturating_sub(2)..i]
        .iter()
        .any(|x| matches!(x, Tok::Word(w) if FORMER.contains(&fold(w).as_str())))
}

/// The name that opens `t`: its leading capitalized words, folded.
fn name_at(t: &[Tok]) -> Vec<String> {
    t.iter().map_while(capitalized).map(fold).collect()
}

/// The ties that `sentence` makes between names and titles.
fn ties(sentence: &str) -> Vec<Tie> {
    let t = tokens(sentence);
    (0..t.len())
        .flat_map(|i| {
            [
                apposed_title(&t, i),
                apposed_name(&t, i),
                title_before(&t, i),
            ]
        })
        .flatten()
        .collect()
}

/// "NAME, [the] TITLE…", where `t[i]` is the comma.
fn apposed_title(t: &[Tok], i: usize) -> Option<Tie> {
    if t[i] != Tok::Comma || i == 0 || capitalized(&t[i - 1]).is_none() {
        return None;
    }
    let start = (0..i)
        .rev()
        .take_while(|&j| capitalized(&t[j]).is_some())
        .last()
        .unwrap_or(i);
    let name = name_at(&t[start..i]);
    // A sentence's first word is capitalized whatever it is ("Hier, le directeur"), and a
    // fronted complement ends at its comma ("En décembre, le ministre").
    let opener = t[..start].iter().all(|x| matches!(x, Tok::Word(_)))
        && t.first()
            .is_some_and(|x| matches!(x, Tok::Word(w) if OPENERS.contains(&fold(w).as_str())));
    let initial = start == 0 && name.len() == 1;
    let placed = start > 0
        && matches!(&t[start - 1], Tok::Word(w) if PLACE_TIME.contains(&fold(w).as_str()));
    if opener || initial || placed {
        return None;
    }
    let words = t[i + 1..]
        .iter()
        .take_while(|x| matches!(x, Tok::Word(_)))
        .count();
    let at = (i + 1..i + 1 + words.min(3))
        .find(|&j| matches!(&t[j], Tok::Word(w) if !BEFORE_TITLE.contains(&fold(w).as_str())))?;
    let Tok::Word(w) = &t[at] else { return None };
    let row = title(w)?;
    Some(Tie {
        name,
        row,
        former: former_at(t, at),
    })
}

/// "[its] TITLE, NAME, …" ("Son directeur, Bertrand Rondepierre, qualifie…"), where `t[i]`
/// is the title.
fn apposed_name(t: &[Tok], i: usize) -> Option<Tie> {
    let (Tok::Word(w), Some(Tok::Comma)) = (&t[i], t.get(i + 1)) else {
        return None;
    };
    let name = name_at(&t[i + 2..]);
    let closed = t.get(i + 2 + name.len()) == Some(&Tok::Comma);
    let row = title(w).filter(|_| closed && !name.is_empty())?;
    Some(Tie {
        name,
        row,
        former: former_at(t, i),
    })
}

/// "TITLE NAME" ("Minister Jean Moulin"), where `t[i]` is the title.
fn title_before(t: &[Tok], i: usize) -> Option<Tie> {
    let (Tok::Word(w), Some(next)) = (&t[i], t.get(i + 1)) else {
        return None;
    };
    capitalized(next)?;
    let row = title(w)?;
    Some(Tie {
        name: name_at(&t[i + 1..]),
        row,
        former: former_at(t, i),
    })
}

/// The ties where `sentence` makes the title someone else's relation to the name:
/// "NAME's TITLE", "TITLE of NAME", "TITLE de NAME".
fn relations(sentence: &str) -> Vec<Tie> {
    let t = tokens(sentence);
    let mut out = Vec::new();
    for i in 0..t.len() {
        let Tok::Word(w) = &t[i] else { continue };
        // NAME's TITLE
        let owner = w.strip_suffix("'s").or_else(|| w.strip_suffix("’s"));
        if let (Some(owner), Some(Tok::Word(next))) = (owner, t.get(i + 1)) {
            if let Some(row) = title(next).filter(|_| owner.starts_with(char::is_uppercase)) {
                let mut name: Vec<String> = t[..i]
                    .iter()
                    .rev()
                    .map_while(capitalized)
                    .map(fold)
                    .collect();
                name.push(fold(owner));
                let former = former_at(&t, i + 1);
                out.push(Tie { name, row, former });
            }
        }
        // TITLE of / de / du / d' NAME
        let linked = t.get(i + 1).is_some_and(
            |x| matches!(x, Tok::Word(l) if ["of", "de", "du", "d"].contains(&l.as_str())),
        );
        if let Some(row) = title(w).filter(|_| linked) {
            let name = name_at(&t[i + 2..]);
            if !name.is_empty() {
                let former = former_at(&t, i);
                out.push(Tie { name, row, former });
            }
        }
    }
    out
}

/// One sentence of a source, as the checks look it up.
struct Said {
    /// Its words, folded.
    words: Vec<String>,
    /// The rows of the titles it uses.
    titles: Vec<usize>,
    /// The rows of those it uses as held now (not "ancien", "former").
    current: Vec<usize>,
    ties: Vec<Tie>,
}

/// A source's sentences, read once for every sentence checked against it.
pub struct Titles {
    sentences: Vec<Said>,
}

impl Titles {
    pub fn of(source: &str) -> Titles {
        let sentences = crate::text::sentences(source)
            .into_iter()
            .map(|s| {
                let toks = tokens(s);
                let mut titles = Vec::new();
                let mut current = Vec::new();
                for (i, x) in toks.iter().enumerate() {
                    let Tok::Word(w) = x else { continue };
                    if let Some(row) = title(w) {
                        titles.push(row);
                        if !former_at(&toks, i) {
                            current.push(row);
                        }
                    }
                }
                let words: Vec<String> = toks
                    .into_iter()
                    .filter_map(|x| match x {
                        Tok::Word(w) => Some(fold(&w)),
                        _ => None,
                    })
                    .collect();
                Said {
                    titles,
                    current,
                    ties: ties(s),
                    words,
                }
            })
            .collect();
        Titles { sentences }
    }

    /// Does `sentence` give a name a title that no sentence of the source gives it (the
    /// name is in the source, the title too, never in one sentence together), or make a
    /// name's own title someone else's relation to it ("Bertrand Rondepierre's director"
    /// where the source says "Son directeur, Bertrand Rondepierre")? A name the source
    /// never uses is grounding's to find.
    pub fn misplaced(&self, sentence: &str) -> bool {
        ties(sentence).iter().any(|t| self.never_titled(t))
            || relations(sentence).iter().any(|t| self.holds(t))
    }

    /// Is the name in the source, and never in one sentence with that title, or, given as
    /// held now, only ever with it as one held before ("le maire Gérard Pelletier" where
    /// the source says "l'ancien maire de Valcourt, Gérard Pelletier")?
    fn never_titled(&self, tie: &Tie) -> bool {
        let with = |s: &&Said| tie.name.iter().any(|n| s.words.contains(n));
        let mut named = self.sentences.iter().filter(with).peekable();
        let gives = |s: &Said| match tie.former {
            true => s.titles.contains(&tie.row),
            false => s.current.contains(&tie.row),
        };
        named.peek().is_some() && !named.any(gives)
    }

    /// Does the source tie that title to that name itself?
    fn holds(&self, tie: &Tie) -> bool {
        let ties = self.sentences.iter().flat_map(|s| &s.ties);
        ties.into_iter()
            .any(|t| t.row == tie.row && t.name.iter().any(|x| tie.name.contains(x)))
    }
}

/// `Titles::misplaced` against `source` read for this one sentence.
pub fn misplaced(sentence: &str, source: &str) -> bool {
    Titles::of(source).misplaced(sentence)
}

/// Title words that are as often something else: a verb ("L'opposition juge le budget
/// sous-estimé", "en dirigeant"), an adjective ("responsable de"), a common noun ("head
/// of the list", "a chief concern", a shop's "patron").
const NOT_ONLY_TITLES: &[&str] = &[
    "head",
    "chief",
    "responsable",
    "patron",
    "juge",
    "judge",
    "dirigeant",
    "dirigeante",
];

/// Does `translation` give a title that `original` (in the other language) gives no one
/// ("a meeting with the mayor" for "une rencontre avec la présidente de la métropole")? A
/// small model, translating alone, reaches for the title it knows best; the title row's
/// words in either language stand for one another.
pub fn adds_title(original: &str, translation: &str) -> bool {
    let rows = |text: &str, strict: bool| -> Vec<usize> {
        tokens(text)
            .iter()
            .filter_map(|t| match t {
                Tok::Word(w) if !(strict && NOT_ONLY_TITLES.contains(&fold(w).as_str())) => {
                    title(w)
                }
                _ => None,
            })
            .collect()
    };
    let given = rows(original, false);
    rows(translation, true).iter().any(|r| !given.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_translation_that_gives_a_title_its_original_does_not_is_told() {
        let original = "Une rencontre avec la présidente de la métropole est prévue en novembre.";
        assert!(adds_title(
            original,
            "A meeting with the mayor is scheduled for November."
        ));
        assert!(!adds_title(
            original,
            "A meeting with the president of the metropolis is scheduled for November."
        ));
        // A verb that is also a title word.
        assert!(!adds_title(
            "The opposition considers the budget underestimated.",
            "L'opposition juge le budget sous-estimé."
        ));
        // Dropping a title is not adding one.
        assert!(!adds_title(
            "Le maire, Jean Dupont, a signé.",
            "Jean Dupont signed."
        ));
    }

    const SOURCE: &str = "La mise en œuvre de l'accord est confiée à l'agence ARTEMIS. \
        Son directeur, Paul Verlaine, parle d'une étape majeure. \
        Le ministre Jean Moulin a signé le texte le 3 mars.";

    #[test]
    fn a_title_handed_to_the_wrong_name_is_found() {
        assert!(misplaced(
            "L'accord est signé par l'ARTEMIS, directeur du ministère, le 3 mars.",
            SOURCE
        ));
        assert!(misplaced(
            "The agreement was signed by Paul Verlaine, the minister, on 3 March.",
            SOURCE
        ));
        assert!(misplaced(
            "Director ARTEMIS called it a major step.",
            SOURCE
        ));
        // Someone's own title made another's relation to them.
        assert!(misplaced(
            "Paul Verlaine's director called it a major step.",
            SOURCE
        ));
        assert!(misplaced("Le directeur de Paul Verlaine a parlé.", SOURCE));
    }

    #[test]
    fn a_title_the_source_gives_that_name_is_kept_in_either_language() {
        for ok in [
            "Paul Verlaine, directeur de l'agence ARTEMIS, parle d'une étape majeure.",
            "Its director, Paul Verlaine, calls it a major step.",
            "Minister Jean Moulin signed the text on 3 March.",
            "Le ministre Jean Moulin a signé le texte.",
            // Not a tie: a fronted complement, a first word, a name the source never uses.
            "En ARTEMIS, le directeur parle d'une étape majeure.",
            "Hier, le directeur Paul Verlaine a parlé.",
            "Pierre Dupont, directeur de l'agence, a parlé.",
            "Le directeur de l'ARTEMIS, Paul Verlaine, a parlé.",
            "ARTEMIS's director, Paul Verlaine, called it a major step.",
            "Le texte a été signé la semaine dernière à ARTEMIS, le ministre présent.",
        ] {
            assert!(!misplaced(ok, SOURCE), "{ok}");
        }
    }

    #[test]
    fn a_title_held_before_is_not_given_as_held_now() {
        let source = "L'ancien maire de Valcourt, Gérard Pelletier, est condamné. \
            Gérard Pelletier a dirigé la ville pendant dix-huit ans.";
        for now in [
            "Le tribunal condamne le maire Gérard Pelletier à trois ans de prison.",
            "The court sentenced Mayor Gérard Pelletier to three years.",
        ] {
            assert!(misplaced(now, source), "{now}");
        }
        for before in [
            "Le tribunal condamne l'ancien maire Gérard Pelletier à trois ans de prison.",
            "Gérard Pelletier, the former mayor of Valcourt, was sentenced.",
        ] {
            assert!(!misplaced(before, source), "{before}");
        }
        // Given as held before where the source gives it as held now: not asked.
        assert!(!misplaced("L'ancien ministre Jean Moulin a signé.", SOURCE));
    }
}
