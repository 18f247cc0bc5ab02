//! bisum's own forward pass against candle-transformers' on the tiny model: the same greedy
//! tokens, whatever the prompt batch size (the real-model versions of this are in golden.rs).
//! And each of bisum's kernels on or off: the same greedy tokens, on tiny models in every
//! block type bisum has a kernel for and on SmolLM2.

mod common;
use bisum::model::engine::{CandleModel, LoadOptions};
use bisum::model::family::Engine;
use bisum::model::kernels::{Attention, Kernels, MatMul};
use bisum::model::{GenParams, Message, Runtime};

fn load(engine: Engine) -> CandleModel {
    load_with(&common::tiny_model(), engine, Kernels::default())
}

fn load_with(path: &std::path::Path, engine: Engine, kernels: Kernels) -> CandleModel {
    CandleModel::load(
        path,
        LoadOptions {
            name: "test",
            sha256: None,
            max_context: 4096,
            runtime: Runtime {
                engine,
                kernels,
                ..Runtime::default()
            },
        },
    )
    .unwrap()
}

/// Top-2 logit gap under which the winner is rounding noise (as in golden.rs).
const NEAR_TIE: f32 = 0.25;

/// Greedy tokens of each prompt with every kernel choice, against the reference (candle's
/// kernels only), at each prompt batch size in `batches`: identical up to the reference's
/// first near-tie, and at least `min_robust` tokens before those ties over all prompts.
fn same_tokens_with_every_kernel(
    path: &std::path::Path,
    prompts: &dyn Fn(&CandleModel) -> Vec<Vec<u32>>,
    n: usize,
    batches: &[usize],
    min_robust: usize,
) {
    let mut reference = load_with(path, Engine::Bisum, Kernels::reference());
    let prompts = prompts(&reference);
    let mut cases = Vec::new();
    for p in &prompts {
        let (expected, margins) = reference.greedy_with_margins(p, n).unwrap();
        let robust = margins.iter().position(|&m| m < NEAR_TIE).unwrap_or(n);
        cases.push((p, expected[..robust].to_vec()));
    }
    drop(reference);
    let total: usize = cases.iter().map(|(_, e)| e.len()).sum();
    assert!(
        total >= min_robust,
        "{}: only {total} decisive tokens",
        path.display()
    );
    for matmul in [MatMul::Hybrid, MatMul::Compact, MatMul::Candle] {
        for attention in [Attention::Own, Attention::Candle] {
            let kernels = Kernels { matmul, attention };
            let mut m = load_with(path, Engine::Bisum, kernels);
            for &batch in batches {
                m.set_prompt_batch(batch);
                for (i, (p, expected)) in cases.iter().enumerate() {
                    let (got, _) = m.greedy_with_margins(p, expected.len().max(1)).unwrap();
                    assert_eq!(
                        got[..expected.len()],
                        expected[..],
                        "{} prompt {i} with {kernels:?}, batch {batch}",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn every_kernel_gives_the_same_greedy_tokens_on_tiny_models() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    let raw = |m: &CandleModel| vec![m.encode(&text).unwrap()];
    same_tokens_with_every_kernel(&common::tiny_model(), &raw, 48, &[512, 1], 24);
    let dir = tempfile::tempdir().unwrap();
    for dtype in [candle_core::quantized::GgmlDType::Q4_1] {
        let p = dir.path().join(format!("tiny-{dtype:?}.gguf"));
        bisum::model::tiny::write_typed(&p, dtype).unwrap();
        same_tokens_with_every_kernel(&p, &raw, 48, &[512, 1], 24);
    }
}

#[test]
fn every_kernel_gives_the_same_greedy_tokens_on_smollm2() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    let chats = [
        (
            "You are a helpful assistant.",
            "What is the capital of France? Answer in one short sentence.".to_string(),
        ),
        (
            "You are a concise assistant.",
            format!("Summarize in two sentences:\n\n{text}"),
        ),
        (
            "You are a concise assistant.",
            format!("List the three main facts of this text:\n\n{text}"),
        ),
    ];
    let prompts = |m: &CandleModel| {
        chats
            .iter()
            .map(|(s, u)| {
                m.prompt_ids(&[Message::system(*s), Message::user(u)])
                    .unwrap()
            })
            .collect()
    };
    same_tokens_with_every_kernel(
        &common::registry_model("smollm2-135m"),
        &prompts,
        48,
        &[512, 100],
        16,
    );
}
#[test]
fn both_engines_give_the_same_greedy_tokens_at_every_batch_size() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    let params = GenParams {
        max_new_tokens: 96,
        repeat_penalty: 1.0,
        stop_on_loop: false,
        ..GenParams::default()
    };
    let mut reference = load(Engine::Candle);
    let prompt = reference.encode(&text).unwrap();
    assert!(
        prompt.len() > 600,
        "want a prompt over one batch: {}",
        prompt.len()
    );
    let (expected, _, _, _) = reference
        .generate_ids(&prompt, &params, &mut |_| {})
        .unwrap();
    assert_eq!(expected.len(), 96);
    let mut fast = load(Engine::Bisum);
    for batch in [512, 64, 1] {
        fast.set_prompt_batch(batch);
        let (got, _, _, _) = fast.generate_ids(&prompt, &params, &mut |_| {}).unwrap();
        assert_eq!(got, expected, "batch {batch}");
    }
    // A second, shorter prompt after a longer one: no stale cache rows leak in.
    let short = &prompt[..50];
    let (a, _, _, _) = reference.generate_ids(short, &params, &mut |_| {}).unwrap();
    let (b, _, _, _) = fast.generate_ids(short, &params, &mut |_| {}).unwrap();
    assert_eq!(a, b);
}

/// A prompt that starts like the previous one (a retry with a reminder appended) skips the
/// shared prefix, kept in the KV cache, and still gives the tokens a fresh model gives.
#[test]
fn a_shared_prompt_prefix_is_reused_and_changes_no_token() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    let mut fresh = load(Engine::Bisum);
    let first = fresh.encode(&text).unwrap();
    let mut retry = first[..first.len() - 20].to_vec();
    retry.extend(
        fresh
            .encode(" Réponds en français, sans recopier.")
            .unwrap(),
    );
    let mut expected = Vec::new();
    for p in [&first, &retry] {
        fresh.forget();
        let (ids, margins) = fresh.greedy_with_margins(p, 32).unwrap();
        let robust = margins.iter().position(|&m| m < 0.25).unwrap_or(ids.len());
        expected.push(ids[..robust].to_vec());
        assert_eq!(fresh.last_reused(), 0);
    }
    let mut kept = load(Engine::Bisum);
    for (p, want) in [&first, &retry].iter().zip(&expected) {
        let (got, _) = kept.greedy_with_margins(p, 32).unwrap();
        assert_eq!(got[..want.len()], want[..]);
    }
    assert_eq!(kept.last_reused(), first.len() - 20);
}
