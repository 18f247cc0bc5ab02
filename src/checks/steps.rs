//! Steps of a legal case that a translation gives and its original does not: "Twelve people
//! were arrested" for "Douze prévenus étaient jugés", "the Lyon Court of Appeal" for "le
//! tribunal correctionnel de Lyon". A small model translating alone reaches for the step it
//! knows best, and each step is a fact about someone (arrested is not tried, acquitted is not
//! convicted). Like titles, the steps are a closed class, the same for every story.

use super::ground::fold;

/// One step: the words that give it and nothing else (`only`), and those that give it or
/// something else (`also`): "arrêté" is also a decree and "appel" a call. An original
/// holding any of them may give the step; a translation gives it by a word of `only`.
struct Step {
    only: &'static [&'static str],
    also: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step {
        only: &[
            "arrestation",
            "arrestations",
            "interpelle",
            "interpellee",
            "interpelles",
            "interpellees",
            "interpellation",
            "interpellations",
            "arrest",
            "arrests",
            "arrested",
        ],
        also: &["arrete", "arretee", "arretes", "arretees", "arreter"],
    },
    Step {
        only: &["appeal", "appeals", "appealed"],
        also: &["appel", "appels", "appelant"],
    },
    Step {
        only: &[
            "relaxe",
            "relaxee",
            "relaxes",
            "relaxees",
            "acquitte",
            "acquittee",
            "acquittes",
            "acquittees",
            "acquittement",
            "acquitted",
            "acquittal",
        ],
        also: &["cleared"],
    },
    Step {
        only: &[
            "inculpe",
            "inculpee",
            "inculpes",
            "inculpees",
            "inculpation",
            "indicted",
            "indictment",
        ],
        also: &[],
    },
];

/// Does `translation` give a step of a legal case that `original` (in the other language)
/// does not give?
pub fn adds_step(original: &str, translation: &str) -> bool {
    let words = |t: &str| -> Vec<String> {
        fold(t)
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (theirs, mine) = (words(original), words(translation));
    STEPS.iter().any(|s| {
        let gives = |w: &String| s.only.contains(&w.as_str()) || s.also.contains(&w.as_str());
        mine.iter().any(|w| s.only.contains(&w.as_str())) && !theirs.iter().any(gives)
    })
}

#[cfg(test)]
mod tests {
    use super::adds_step;

    #[test]
    fn a_translation_that_gives_a_step_its_original_does_not_is_told() {
        let tried = "Douze prévenus au total étaient jugés dans ce dossier.";
        assert!(adds_step(
            tried,
            "Twelve people were arrested in this case."
        ));
        assert!(!adds_step(
            tried,
            "Twelve defendants in all were tried in this case."
        ));
        let court = "Le jugement est tombé devant le tribunal correctionnel de Lyon.";
        assert!(adds_step(
            court,
            "The judgment was handed down by the Lyon Court of Appeal."
        ));
        assert!(!adds_step(
            court,
            "The judgment was handed down by the Lyon criminal court."
        ));
        // Words that are also something else give nothing in a translation.
        assert!(!adds_step(
            "The prefect issued a decree and a call for calm.",
            "Le préfet a pris un arrêté et lancé un appel au calme."
        ));
        // Either way round.
        assert!(adds_step(
            "Nine of them received suspended sentences.",
            "Neuf d'entre eux ont été relaxés."
        ));
        assert!(!adds_step(
            "Son avocat a annoncé qu'il ferait appel.",
            "His lawyer said he would appeal."
        ));
    }
}
