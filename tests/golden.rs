//! Correctness oracle: bisum's tokenizer, chat template and greedy tokens equal llama.cpp's on
//! the same GGUF files (golden ids recorded by scripts/golden.py, llama-cpp-python 0.3.36).
//! Greedy tokens are compared up to llama.cpp's first near-tie (top-2 logit gap under
//! NEAR_TIE): past it, which token wins is numerical noise that llama.cpp itself resolves
//! differently between batch sizes. Needs the registry models installed (scripts/test.sh).

mod common;
use bisum::model::engine::{CandleModel, LoadOptions};
use bisum::model::family::Engine;
use bisum::model::{GenParams, Message, Runtime};

fn load(name: &str, engine: Engine) -> CandleModel {
    CandleModel::load(
        &common::registry_model(name),
        LoadOptions {
            name,
            sha256: None,
            max_context: 4096,
            runtime: Runtime {
                engine,
                ..Runtime::default()
            },
        },
    )
    .unwrap()
}

fn golden(name: &str) -> serde_json::Value {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.json"));
    common::read_json(&p)
}

fn ids(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn greedy(n: usize) -> GenParams {
    GenParams {
        max_new_tokens: n,
        temperature: 0.0,
        repeat_penalty: 1.0,
        stop_on_loop: false,
        ..GenParams::default()
    }
}

const NEAR_TIE: f64 = 0.25;
const GENERATED: usize = 24;

fn check_model(name: &str, engine: Engine) {
    let g = golden(name);
    let mut m = load(name, engine);
    let mut robust_total = 0;
    for (i, p) in g["prompts"].as_array().unwrap().iter().enumerate() {
        let text = p["text"].as_str().unwrap();
        let messages = [
            Message::system(p["system"].as_str().unwrap()),
            Message::user(p["user"].as_str().unwrap()),
        ];
        let prompt = ids(&p["prompt_ids"]);
        let expected = ids(&p["generated_ids"]);
        let margins: Vec<f64> = p["margins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let robust = margins
            .iter()
            .position(|&d| d < NEAR_TIE)
            .unwrap_or(expected.len());
        // llama.cpp ended its turn before the limit with no near-tie on the way: so must bisum.
        let must_stop = robust == expected.len() && expected.len() < GENERATED;
        robust_total += robust;
        // The GGUF's chat template renders exactly the text llama.cpp was given…
        assert_eq!(
            m.prompt_ids(&messages).unwrap(),
            m.encode(text).unwrap(),
            "{name} prompt {i}: template"
        );
        // …the rebuilt tokenizer splits it as llama.cpp does…
        assert_eq!(
            m.encode(text).unwrap(),
            prompt,
            "{name} prompt {i}: tokenizer"
        );
        // …and greedy decoding picks the same tokens, whatever the prompt batch size.
        for batch in [512, 100] {
            m.set_prompt_batch(batch);
            let want = if must_stop { robust + 1 } else { robust };
            let (got, stop, _, _) = m.generate_ids(&prompt, &greedy(want), &mut |_| {}).unwrap();
            assert_eq!(
                got[..robust.min(got.len())],
                expected[..robust],
                "{name} prompt {i} (batch {batch}): greedy tokens differ from llama.cpp before any near-tie"
            );
            assert!(
                got.len() >= robust,
                "{name} prompt {i}: stopped early: {got:?}"
            );
            if must_stop {
                assert_eq!(
                    stop,
                    bisum::model::StopReason::Eos,
                    "{name} prompt {i}: did not end its turn"
                );
            }
        }
    }
    assert!(
        robust_total >= 16,
        "{name}: golden prompts give only {robust_total} decisive tokens to compare"
    );
    // Tokenizer on the bundled French and English examples.
    let examples = common::examples();
    for c in g["examples"].as_array().unwrap() {
        let file = examples.join(c["file"].as_str().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        let got = m.encode(&text).unwrap();
        assert_eq!(
            got.len() as u64,
            c["tokens"].as_u64().unwrap(),
            "{name}: token count of {}",
            file.display()
        );
        let joined = got
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            bisum::hash::sha256_hex(joined.as_bytes()),
            c["ids_sha256"].as_str().unwrap(),
            "{name}: ids of {}",
            file.display()
        );
        // Decoding gives back the text: accents and typographic quotes survive.
        assert_eq!(
            m.decode(&got).unwrap(),
            text,
            "{name}: round trip of {}",
            file.display()
        );
    }
}

#[test]
fn smollm2_llama_family_matches_llama_cpp() {
    check_model("smollm2-135m", Engine::Bisum);
}

#[test]
fn qwen25_qwen2_family_matches_llama_cpp() {
    check_model("qwen2.5-coder-1.5b", Engine::Bisum);
}

#[test]
fn gemma3_family_matches_llama_cpp() {
    check_model("gemma3-270m", Engine::Bisum);
}

/// The reference the fast engine is checked against passes the same oracle.
#[test]
fn candle_transformers_engine_matches_llama_cpp_too() {
    check_model("smollm2-135m", Engine::Candle);
    check_model("qwen2.5-coder-1.5b", Engine::Candle);
}
