//! Steps of a legal case that a translation gives and its original does not: "Twelve people
//! were arrested" for "Douze prévenus étaient jugés", "the Lyon Court of Appeal" for "le
//! tribunal correctionnel de Lyon". A small model translating alone reaches for the step it
//! knows best, and each step is a fact about someone (arrested is not tried, acquitted is not
//! convicted). Like titles, the steps are a closed class, the same for every story.

use super::ground::fold;

/// One step: the words that give it in either language (`any`: an original holding one of
/// them gives the step), and those of them that give nothing else (`only`: a translation
/// holding one of them gives it). "arrêté" is also a decree and "appel" a call, so a
/// translation is not held to them; an original that says them may still give the step.
struct Step {
    any: &'static [&'static str],
    only: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step {
        any: &[
            "arrete",
            "arretee",
            "arretes",
            "arretees",
            "arreter",
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
        only: &[
            "arrestation",
            "arrestations",
            "interpelle",
            "interpellee",
            "interpelles",
            "interpellees",
            "arrest",
            "arrests",
            "arrested",
        ],
    },
    Step {
        any: &["appel", "appels", "appelant", "appeal", "appeals", "appealed"],
        only: &["appeal", "appeals", "appealed"],
    },
    Step {
        any: &[
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
            "cleared",
        ],
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
    },
    Step {
        any: &[
            "inculpe",
            "inculpee",
            "inculpes",
            "inculpees",
            "inculpation",
            "indicted",
            "indictment",
        ],
        only: &[
            "inculpe",
            "inculpee",
            "inculpes",
            "inculpees",
            "inculpation",
            "indicted",
            "indictment",
        ],
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
        mine.iter().any(|w| s.only.contains(&w.as_str()))
            && !theirs.iter().any(|w| s.any.contains(&w.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::adds_step;

    #[test]
    fn a_translation_that_gives_a_step_its_original_does_not_is_told() {
        let tried = "Douze prévenus au total étaient jugés dans ce dossier.";
        assert!(adds_step(tried, "Twelve people were arrested in this case."));
        assert!(!adds_step(tried, "Twelve defendants in all were tried in this case."));
        let court = "Le jugement est tombé devant le tribunal correctionnel de Lyon.";
        assert!(adds_step(court, "The judgment was handed down by the Lyon Court of Appeal."));
        assert!(!adds_step(court, "The judgment was handed down by the Lyon criminal court."));
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
