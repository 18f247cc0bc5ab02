//! The synthesis on stories of its own (tests/fixtures/greve: a strike, two French sources
//! and one English; tests/fixtures/feu: a forest fire, told in French, Spanish and
//! English; tests/fixtures/rougeole: a measles outbreak, two French sources and one
//! English; tests/fixtures/proces: a trial, two French sources and one English;
//! tests/fixtures/usine: a factory closure, two French sources and one English), from summaries written here as a model would, with a model double that puts
//! each common-ground group in one sentence: rival counts found with no word list, figures
//! attributed to parties listed as such, every sentence cited, every citation held by its
//! source.

use bisum::lang::Lang;
mod common;
use bisum::inputs::Source;
use bisum::model::{GenParams, Generate, Generation, Message, ModelInfo, StopReason};
use bisum::pipeline::{Pipeline, Silent};
use bisum::report::records::Section;
use bisum::run::RunConfig;
use bisum::summarize::SourceResult;
use bisum::synthesize::Synthesis;
use common::{answer, double_info};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Answers a common-ground prompt with its first statement, word for word.
struct FirstStatement(ModelInfo);

impl Generate for FirstStatement {
    fn info(&self) -> &ModelInfo {
        &self.0
    }
    fn count_tokens(&self, text: &str) -> bisum::Result<usize> {
        Ok(text.split_whitespace().count())
    }
    fn prompt_tokens(&self, messages: &[Message]) -> bisum::Result<usize> {
        Ok(common::words_in(messages))
    }
    fn generate(
        &mut self,
        messages: &[Message],
        _: &GenParams,
        _: &mut dyn FnMut(usize),
    ) -> bisum::Result<Generation> {
        let user = &messages.last().expect("a question").content;
        let text = user
            .lines()
            .find_map(|l| l.strip_prefix("- "))
            .unwrap_or("?")
            .to_string();
        Ok(answer(text, self.prompt_tokens(messages)?, StopReason::Eos))
    }
}

/// A source's summaries, by its id: the language of its first summary, the source's own
/// where French or English, and its French and English summaries.
type Summaries = (Lang, Option<Lang>, [&'static str; 2]);

/// Both languages' syntheses of the fixture set `set` from its `summaries`, each handed
/// to `check` with the sources and their results.
fn synthesize(
    set: &str,
    summaries: fn(&str) -> Summaries,
    mut check: impl FnMut(Lang, &Synthesis, &[(&Source, &SourceResult)]),
) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(set);
    let out = tempfile::tempdir().unwrap();
    let read = bisum::run::read_sources(&config(dir, out.path()));
    assert_eq!(read.sources.len(), 3);
    let results: Vec<SourceResult> = read
        .sources
        .iter()
        .map(|s| {
            let (lang, native, [fr, en]) = summaries(&s.id);
            result(s, lang, native, fr, en)
        })
        .collect();
    let pairs: Vec<_> = read.sources.iter().zip(&results).collect();
    let prompts = bisum::prompt::Prompts::load(None).unwrap();
    let mut model = FirstStatement(double_info("first-statement", 4096));
    let mut silent = Silent;
    let mut pipe = Pipeline::new(&mut model, &prompts, Default::default(), None, &mut silent);
    for lang in Lang::BOTH {
        let syn = pipe.synthesize(&pairs, lang).unwrap();
        check(lang, &syn, &pairs);
    }
}

/// Summaries of the three fixtures in both languages, as a careful model would write them:
/// the one of greve-quotidien gives the turnout figures with their attribution.
fn summaries(id: &str) -> Summaries {
    match id {
        // greve-quotidien.txt
        "S1" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "La grève du 12 mars 2026 contre la réforme des retraites a été l'une des plus suivies. La participation est de 1,2 million de manifestants selon la CGT, 450 000 selon le ministère de l'Intérieur. La SNCF a annulé 260 trains sur les lignes régionales et nationales. La réforme porte l'âge légal de départ de 62 à 64 ans d'ici 2030.",
                "The strike of March 12, 2026 against the pension reform was one of the most followed. Turnout was 1.2 million marchers according to the CGT, 450,000 according to the Interior Ministry. SNCF cancelled 260 trains on regional and national lines. The reform raises the legal retirement age from 62 to 64 by 2030.",
            ],
        ),
        // greve-radio.txt
        "S2" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Le gouvernement ne retirera pas la réforme des retraites, qui relève l'âge légal de départ de 62 à 64 ans d'ici 2030. Selon un sondage, 68 % des Français soutiennent le mouvement.",
                "The government will not withdraw the pension reform, which raises the legal retirement age from 62 to 64 by 2030. According to a poll, 68% of French people support the movement.",
            ],
        ),
        // strike-daily.txt
        _ => (
            Lang::En,
            Some(Lang::En),
            [
                "La SNCF a annulé 312 trains pendant la grève. La réforme relève l'âge légal de départ de 62 à 64 ans d'ici 2030. À l'aéroport de Lyon, 38 vols ont été annulés.",
                "SNCF cancelled 312 trains during the strike. The reform raises the legal retirement age from 62 to 64 by 2030. At Lyon airport, 38 flights were cancelled.",
            ],
        ),
    }
}

/// Summaries of tests/fixtures/feu: the French source's English summary lost its sentence
/// on the burned area (its translation failed a check), and the Spanish source's are
/// written in English first.
fn fire_summaries(id: &str) -> Summaries {
    match id {
        // incendie-ledauphine.txt
        "S1" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Selon la préfecture, 4 200 hectares de forêt ont brûlé en trois jours. Les évacuations se sont multipliées : 1 500 personnes ont quitté leur logement selon les pompiers, 2 000 selon le maire de Collobrières.",
                "Evacuations increased: 1,500 people left their homes according to the firefighters, 2,000 according to the mayor of Collobrières.",
            ],
        ),
        // incendio-elpais.txt
        "S2" => (
            Lang::En,
            None,
            [
                "Un incendie déclaré mardi dans le massif des Maures a brûlé plus de 4 000 hectares.",
                "A wildfire declared on Tuesday in the Maures hills has burned more than 4,000 hectares.",
            ],
        ),
        // wildfire-wire.txt
        _ => (
            Lang::En,
            Some(Lang::En),
            [
                "Un incendie dans le massif des Maures a brûlé environ 3 900 hectares depuis mardi. Environ 1 500 personnes ont été évacuées, selon les pompiers.",
                "A wildfire in the Maures hills has burned about 3,900 hectares since Tuesday, officials said on Thursday. Around 1,500 people were evacuated, according to the fire service.",
            ],
        ),
    }
}

#[test]
fn an_authority_s_count_is_a_version_a_bound_stays_one_and_a_summary_that_lost_its_count_is_no_excuse(
) {
    synthesize("feu", fire_summaries, |lang, syn, _| {
        let text = &syn.text;
        // "officials said", "selon la préfecture": one authority's figure is how each
        // source gives the area, so the three are versions of it; S1 is one though its
        // English summary lost it, and each keeps its bound or estimate.
        let d = &syn.check.disagreements;
        assert_eq!(d.len(), 1, "only the area: {d:?}\n{text}");
        let versions = d[0].versions.join(" | ");
        for s in ["[S1]", "[S2]", "[S3]"] {
            assert!(versions.contains(s), "{versions}");
        }
        let about = match lang {
            Lang::Fr => "environ 3 900 hectares selon [S3]",
            Lang::En => "about 3,900 hectares according to [S3]",
        };
        assert!(text.contains(about), "{text}");
        // The evacuees: the firefighters' and the mayor's, side by side in S1, stay theirs;
        // S3's 1,500 is no rival of the mayor's 2,000.
        let attributed = match lang {
            Lang::Fr => {
                "1 500 (« selon les pompiers »), 2 000 (« selon le maire de Collobrières »)"
            }
            Lang::En => "1,500 (“selon les pompiers”), 2,000 (“selon le maire de Collobrières”)",
        };
        assert!(text.contains(attributed), "{text}");
        assert!(
            syn.check.uncited.is_empty() && syn.check.uncited_sentences.is_empty(),
            "{text}"
        );
    });
}

/// Summaries of tests/fixtures/rougeole: the start of one vaccination campaign given as
/// two days, each without its year, by an English and a French source.
fn measles_summaries(id: &str) -> Summaries {
    match id {
        // measles-wire.txt
        "S1" => (
            Lang::En,
            Some(Lang::En),
            [
                "La France a recensé 910 cas de rougeole cette année. Le ministère de la santé a annoncé jeudi qu'une campagne de vaccination de rattrapage commencerait dans les écoles de Bretagne le 11 mai.",
                "France has recorded 910 measles cases this year. The health ministry said on Thursday that a catch-up vaccination campaign would start in Brittany's schools on May 11.",
            ],
        ),
        // rougeole-lemonde.txt
        "S2" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Le ministère de la santé a annoncé jeudi le lancement d'une campagne de rattrapage vaccinal dans les écoles des quatre départements bretons à partir du 4 mai.",
                "The health ministry announced on Thursday a catch-up vaccination campaign in the schools of the four Breton departments from May 4.",
            ],
        ),
        // rougeole-ouestfrance.txt
        _ => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "L'ARS de Bretagne a recensé 312 cas de rougeole depuis le 1er janvier, dont 74 hospitalisations. Un nourrisson de huit mois est mort à Brest la semaine dernière.",
                "The Brittany regional health agency has recorded 312 measles cases since January 1, including 74 hospitalisations. An eight-month-old baby died in Brest last week.",
            ],
        ),
    }
}

#[test]
fn two_days_given_without_their_year_for_one_event_are_a_disagreement() {
    synthesize("rougeole", measles_summaries, |lang, syn, _| {
        let text = &syn.text;
        let d = &syn.check.disagreements;
        assert_eq!(d.len(), 1, "only the campaign's start: {d:?}\n{text}");
        assert!(d[0].ok, "{d:?}");
        let start = match lang {
            Lang::Fr => "11 mai selon [S1], mais 4 mai selon [S2]",
            Lang::En => "May 11 according to [S1], but May 4 according to [S2]",
        };
        assert!(text.contains(start), "{text}");
        assert!(
            syn.check.uncited.is_empty() && syn.check.uncited_sentences.is_empty(),
            "{text}"
        );
    });
}

fn config(dir: PathBuf, out: &std::path::Path) -> RunConfig {
    RunConfig {
        sources: vec![dir],
        limits: Default::default(),
        out: out.to_path_buf(),
        prompts_dir: None,
        settings: Default::default(),
        use_cache: false,
        chunk_plans: Default::default(),
        force: false,
    }
}

/// A source's summaries as the summary stage would hand them on.
fn result(s: &Source, lang: Lang, native: Option<Lang>, fr: &str, en: &str) -> SourceResult {
    SourceResult {
        id: s.id.clone(),
        lang,
        native,
        tokens: 0,
        chunks: Vec::new(),
        notes: None,
        summaries: BTreeMap::from([(Lang::Fr, fr.to_string()), (Lang::En, en.to_string())]),
        checks: BTreeMap::new(),
    }
}

#[test]
fn a_count_two_sources_give_differently_is_a_disagreement_and_attributed_figures_are_not() {
    synthesize("greve", summaries, |lang, syn, pairs| {
        let text = &syn.text;
        // The trains: 260 in S1, 312 in S3, each source unaware of the other's figure.
        // S2's summary leaves its trains out, but its text gives 260 of them: it joins
        // that version.
        let trains = match lang {
            Lang::Fr => "260 trains selon [S1][S2], mais 312 trains selon [S3].",
            Lang::En => "260 trains according to [S1][S2], but 312 trains according to [S3].",
        };
        assert!(text.contains(trains), "{text}");
        let d = &syn.check.disagreements;
        assert_eq!(d.len(), 1, "only the trains: {d:?}");
        assert!(d[0].ok);
        // The turnout: two parties' figures in one source, listed with who gives them,
        // never a disagreement between sources.
        let attributed = match lang {
            Lang::Fr => "1 200 000 (« selon la CGT »), 450 000 (« selon le ministère de l'Intérieur ») [S1].",
            Lang::En => "1,200,000 (“selon la CGT”), 450,000 (“selon le ministère de l'Intérieur”) [S1].",
        };
        assert!(text.contains(attributed), "{text}");
        // The reform's ages, in all three: common ground citing them all.
        let common: Vec<_> = syn
            .sentences
            .iter()
            .filter(|s| s.section == Section::CommonGround)
            .collect();
        assert!(
            common
                .iter()
                .any(|s| s.text.contains("62") && s.sources == ["S1", "S2", "S3"]),
            "{text}"
        );
        assert!(
            syn.check.uncited.is_empty() && syn.check.uncited_sentences.is_empty(),
            "{text}"
        );
        let texts: Vec<(&str, &str, Lang)> = pairs
            .iter()
            .map(|(s, r)| (s.id.as_str(), s.text.as_str(), r.lang))
            .collect();
        let precision = bisum::checks::citations::precision(text, lang, &texts);
        assert_eq!(precision.ratio, 1.0, "{precision:?}\n{text}");
        // Every sentence carries the source sentences behind it.
        for s in &syn.sentences {
            assert!(!s.support.is_empty(), "{s:?}");
            for span in &s.support {
                let src = &pairs
                    .iter()
                    .find(|(x, _)| x.id == span.source)
                    .unwrap()
                    .0
                    .text;
                assert_eq!(src[span.start..span.end], span.text);
            }
        }
    });
}

/// Summaries of tests/fixtures/proces, as the default model wrote them: the first French
/// source's lost its count of defendants, and no French summary of the English source
/// kept it.
fn trial_summaries(id: &str) -> Summaries {
    match id {
        // proces-lemonde.txt
        "S1" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Le tribunal correctionnel de Lyon a condamné l'ancien maire de Valcourt, Gérard Pelletier, à trois ans de prison, dont un an ferme. Le parquet évaluait le préjudice pour la commune à 2,3 millions d'euros, quand la défense ne reconnaissait qu'un surcoût de 600 000 euros.",
                "The Lyon criminal court sentenced the former mayor of Valcourt, Gérard Pelletier, to three years in prison, one of them without suspension.",
            ],
        ),
        // proces-regional.txt
        "S2" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Douze prévenus au total étaient jugés dans ce dossier de marchés publics truqués. La maire actuelle, Sylvie Arnaud, s'est dite soulagée.",
                "Twelve defendants in all were tried in this rigged public contracts case. The current mayor, Sylvie Arnaud, said she was relieved.",
            ],
        ),
        // trial-wire.txt
        _ => (
            Lang::En,
            Some(Lang::En),
            [
                "Un tribunal français a condamné Gérard Pelletier, ancien maire de Valcourt, à trois ans de prison, dont deux avec sursis.",
                "A French court sentenced Gérard Pelletier, the former mayor of Valcourt, to three years in prison, two of them suspended. Fourteen other defendants stood trial alongside him in Lyon.",
            ],
        ),
    }
}

#[test]
fn a_count_the_summaries_lost_is_found_in_the_sources_and_two_parties_figures_are_theirs() {
    synthesize("proces", trial_summaries, |lang, syn, _| {
        let text = &syn.text;
        // 14 defendants in S1 and S3, 12 in S2: S1's summary lost its count, yet its own
        // sentence ("Quatorze prévenus comparaissaient …") stands against S2's.
        let d = &syn.check.disagreements;
        assert_eq!(d.len(), 1, "only the defendants: {d:?}\n{text}");
        assert!(d[0].ok, "{d:?}");
        let defendants = match lang {
            Lang::Fr => "14 prévenus selon [S1][S3], mais 12 prévenus selon [S2].",
            Lang::En => "14 defendants according to [S1][S3], but 12 defendants according to [S2].",
        };
        assert!(text.contains(defendants), "{text}");
        // The prosecution's and the defence's estimates of the loss, in S1 and in S3:
        // each party's own, named by the subject of the verb that puts it forward.
        let attributed = match lang {
            Lang::Fr => {
                "2,3 millions d'euros (« le parquet »), 600 000 euros (« la défense ») [S1]"
            }
            Lang::En => "2.3 million euros (“prosecutors”), 600,000 euros (“the defence”) [S3]",
        };
        assert!(text.contains(attributed), "{text}");
        assert!(
            syn.check.uncited.is_empty() && syn.check.uncited_sentences.is_empty(),
            "{text}"
        );
    });
}

/// Summaries of tests/fixtures/usine, as the default model wrote them: the English wire
/// counts 250 jobs; the radio's 240 employees are in its text only, and the daily gives
/// 240 as the management's figure and 260 as the union's.
fn factory_summaries(id: &str) -> Summaries {
    match id {
        // factory-wire.txt
        "S1" => (
            Lang::En,
            Some(Lang::En),
            [
                "Ferralis prévoit de fermer son usine de Montbrison, en supprimant 250 emplois, et de transférer la production à Wroclaw, en Pologne. L'entreprise invoque une chute de 35 % des commandes depuis 2024.",
                "French radiator maker Ferralis plans to close its Montbrison factory, cutting 250 jobs and moving production to Wroclaw, Poland. The company blamed a 35% drop in orders since 2024.",
            ],
        ),
        // usine-quotidien.txt
        "S2" => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Le site emploie 240 salariés selon la direction, 260 selon la CGT, qui compte aussi les intérimaires. Le conseil régional Auvergne-Rhône-Alpes dit avoir proposé en janvier une aide de 2 millions d'euros, une offre que Ferralis n'a pas retenue.",
                "The site employs 240 workers according to the management, 260 according to the CGT, which also counts temporary workers. The Auvergne-Rhône-Alpes regional council says it offered 2 million euros of aid in January, an offer Ferralis did not take up.",
            ],
        ),
        // usine-radio.txt
        _ => (
            Lang::Fr,
            Some(Lang::Fr),
            [
                "Le préfet de la Loire recevra les représentants du personnel et la direction le 10 mars. L'usine, ouverte en 1974, fabrique chaque année environ 900 000 radiateurs.",
                "The prefect of the Loire will meet staff representatives and management on March 10. The plant, opened in 1974, makes about 900,000 radiators a year.",
            ],
        ),
    }
}

#[test]
fn a_count_two_sources_give_in_two_languages_is_a_disagreement_where_a_concept_names_both() {
    synthesize("usine", factory_summaries, |lang, syn, _| {
        let text = &syn.text;
        // "250 jobs" in the English wire, "240 salariés" in the radio's text: the workforce,
        // in two languages. Each version as its source's statement in this language words
        // it, else with the word another version counts.
        let jobs = match lang {
            Lang::Fr => "250 emplois selon [S1], mais 240 salariés selon [S3].",
            Lang::En => "250 jobs according to [S1], but 240 jobs according to [S3].",
        };
        assert!(text.contains(jobs), "{text}");
        // The daily's two figures are the management's and the union's, not a version,
        // each with its party as the source names it.
        let attributed = match lang {
            Lang::Fr => "240 (« selon la direction »), 260 (« selon la CGT ») [S2].",
            Lang::En => "240 (“selon la direction”), 260 (“selon la CGT”) [S2].",
        };
        assert!(text.contains(attributed), "{text}");
        assert!(
            syn.check.uncited.is_empty() && syn.check.uncited_sentences.is_empty(),
            "{text}"
        );
    });
}
