//! A summary sentence's opening pronoun named for what it stands for, before the sentence is
//! translated on its own: French pronouns agree with a noun's grammatical gender and English
//! ones with a person's, so "L'association ne conteste pas … Elle demande …" translated
//! sentence by sentence gives "She requests …", and "The chamber … It asks …" gives "Il
//! demande …" for a feminine noun. "L'association demande …" translates right alone.

use crate::lang::Lang;

/// `sentences` (one summary's, in `lang`, in order), each opening pronoun that stands for the
/// subject of the sentence before it replaced by that subject's determiner and noun
/// ("Elle demande …" after "L'association ne conteste pas …" → "L'association demande
/// …"). A sentence's subject is what its next one's pronoun most often refers to; where
/// the gender of the two disagrees ("Il" after "La chambre"), or the pronoun is impersonal
/// ("Il faut", "It is expected") or a person's ("He", "She"), or the sentence before opens
/// on no determiner and common noun, or, in French, it names a second thing of the
/// pronoun's gender ("Le conseil a adopté le plan. Il coûtera …": the plan, `rival`), the
/// sentence stays as it is. An English "It" has no gender to tell its candidates apart
/// by, and stands for the subject before it.
pub fn resolved(sentences: &[&str], lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(sentences.len());
    for (i, s) in sentences.iter().enumerate() {
        let named = i
            .checked_sub(1)
            .filter(|&p| !rival(&out[p], s, lang))
            .and_then(|p| subject(&out[p], lang))
            .and_then(|np| named(s, &np, lang));
        out.push(named.unwrap_or_else(|| s.to_string()));
    }
    out
}

/// The opening determiner and noun of `sentence` ("L'association", "The chamber"), with the
/// gender its determiner shows in French (`None`: "L'", "The", either).
fn subject(sentence: &str, lang: Lang) -> Option<(String, Option<Gender>)> {
    let determiners: &[(&str, Option<Gender>)] = match lang {
        Lang::Fr => &[
            ("Le ", Some(Gender::M)),
            ("La ", Some(Gender::F)),
            ("L'", None),
            ("L’", None),
        ],
        Lang::En => &[("The ", None)],
    };
    let (det, rest, gender) = determiners
        .iter()
        .find_map(|&(d, g)| sentence.strip_prefix(d).map(|r| (d, r, g)))?;
    let noun: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
    let common = noun.chars().next().is_some_and(char::is_lowercase);
    // A noun ends at a space or a comma: "L'AMIAD" is a name, "L'État-major" a compound.
    let whole = rest[noun.len()..].starts_with([' ', ',']);
    (common && whole && noun.chars().count() > 2).then(|| (format!("{det}{noun}"), gender))
}

/// Does `before`, past its subject, name a thing by a determiner of the gender of the
/// French pronoun `sentence` opens on ("le plan" for "Il", "une motion" for "Elle")? Then
/// the pronoun may stand for either.
fn rival(before: &str, sentence: &str, lang: Lang) -> bool {
    let determiners: &[&str] = match (lang, sentence.split(' ').next()) {
        (Lang::Fr, Some("Il")) => &["le", "un", "du", "au", "ce", "cet"],
        (Lang::Fr, Some("Elle")) => &["la", "une", "cette"],
        _ => return false,
    };
    let words: Vec<&str> = before.split_whitespace().collect();
    words.windows(2).skip(1).any(|pair| {
        let common = pair[1].chars().next().is_some_and(char::is_lowercase);
        determiners.contains(&pair[0].to_lowercase().as_str()) && common
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Gender {
    M,
    F,
}

/// `sentence` with its opening pronoun replaced by `np` (a subject, with its gender), where
/// the pronoun is a personal one that agrees with it.
fn named(sentence: &str, (np, gender): &(String, Option<Gender>), lang: Lang) -> Option<String> {
    let (first, rest) = sentence.split_once(' ')?;
    let next = rest.split([' ', '\'', '’']).next().unwrap_or_default();
    let agrees = match (lang, first) {
        // "Il faut", "Il y a", "Il s'agit", "Il est prévu que": nobody's subject.
        (Lang::Fr, "Il") => {
            gender != &Some(Gender::F)
                && ![
                    "y", "faut", "fallait", "faudra", "s", "semble", "suffit", "reste", "manque",
                    "paraît", "parait", "arrive", "convient", "importe", "est", "était", "sera",
                    "serait", "vaut",
                ]
                .contains(&next)
        }
        (Lang::Fr, "Elle") => gender != &Some(Gender::M),
        // "It is expected that", "It remains to be seen".
        (Lang::En, "It") => ![
            "is", "was", "will", "would", "seems", "seemed", "remains", "remained", "appears",
            "appeared", "takes", "took", "may", "might", "could", "should", "must", "has", "had",
        ]
        .contains(&next),
        // "He" and "She" name a person, and the French agrees with that person's gender
        // alone; they may not stand for a thing the sentence before opens on ("The report
        // … She says …"), so they are left as they are.
        _ => false,
    };
    agrees.then(|| format!("{np} {rest}"))
}

#[cfg(test)]
mod tests {
    use super::resolved;
    use crate::lang::Lang;

    #[test]
    fn an_opening_pronoun_is_named_for_the_subject_before_it() {
        let fr = [
            "L'association ne conteste pas le principe du tramway.",
            "Elle demande que les travaux soient réalisés en deux phases.",
            "Elle a voté une motion.",
        ];
        assert_eq!(
            resolved(&fr, Lang::Fr),
            [
                fr[0],
                "L'association demande que les travaux soient réalisés en deux phases.",
                "L'association a voté une motion.",
            ]
        );
        let en = [
            "The chamber points to the bridge.",
            "It asks for a reserve of 10 percent.",
        ];
        assert_eq!(
            resolved(&en, Lang::En)[1],
            "The chamber asks for a reserve of 10 percent."
        );
    }

    #[test]
    fn a_pronoun_that_may_stand_for_something_else_is_left_alone() {
        for (before, after) in [
            // Genders disagree: "Il" is not the chamber.
            (
                "La chambre régionale a publié un rapport.",
                "Il chiffre le coût.",
            ),
            // Impersonal.
            (
                "Le conseil a voté le budget.",
                "Il faut encore trouver 10 millions.",
            ),
            ("Le conseil a voté le budget.", "Il y a eu 21 voix contre."),
            // A name: its gender is not the determiner's to tell.
            (
                "Karim Benali préside l'association.",
                "Il demande un fonds.",
            ),
            ("L'AMIAD pilote le projet.", "Elle dépend du ministère."),
            // The plan, or the council: a second thing of the pronoun's gender.
            ("Le conseil a adopté le plan.", "Il coûtera 10 millions."),
            (
                "La métropole a présenté une estimation.",
                "Elle prévoit 62 000 passagers.",
            ),
        ] {
            assert_eq!(resolved(&[before, after], Lang::Fr)[1], after, "{after}");
        }
        for en in [
            [
                "The council approved the budget.",
                "It is expected to rise.",
            ],
            [
                "The report was written by Jane Doe.",
                "She calls for a reserve.",
            ],
        ] {
            assert_eq!(resolved(&en, Lang::En)[1], en[1]);
        }
    }
}
