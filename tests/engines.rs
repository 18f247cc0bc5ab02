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

/// A prompt that starts like an earlier one (a retry with a reminder appended, the
/// instructions a batch shares) skips the prefix kept in the KV cache, and still gives the
/// logits a fresh model gives, bit for bit, wherever that prefix ends: a call's answer does
/// not depend on the calls made before it.
#[test]
fn a_reused_prompt_prefix_changes_no_logit() {
    let text: String = ["tramway-conseil.txt", "tramway-audit.txt"]
        .iter()
        .map(|f| std::fs::read_to_string(common::examples().join(f)).unwrap())
        .collect();
    let models = [
        common::tiny_model(),
        common::registry_model("smollm2-135m"),
        common::registry_model("qwen2.5-coder-1.5b"),
    ];
    for path in models {
        let mut m = load_with(&path, Engine::Bisum, Kernels::default());
        let ids = m.encode(&text).unwrap();
        let prompt = &ids[..ids.len().min(640)];
        let tail = m.encode(" Réponds en français, sans recopier.").unwrap();
        let bits = |(ids, margins): (Vec<u32>, Vec<f32>)| {
            (ids, margins.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        };
        m.forget();
        let fresh = bits(m.greedy_with_margins(prompt, 8).unwrap());
        assert!(prompt.len() > 400, "{}: a short prompt", path.display());
        for shared in [5, 40, 100, 333, prompt.len() - 30] {
            m.forget();
            let mut other = prompt[..shared].to_vec();
            other.extend(&tail);
            m.greedy_with_margins(&other, 4).unwrap();
            let again = bits(m.greedy_with_margins(prompt, 8).unwrap());
            assert_eq!(again, fresh, "{}: {shared} tokens shared", path.display());
            if shared >= 2 * bisum::model::engine::REUSE_ALIGN {
                assert!(m.last_reused() > 0, "{}: nothing reused", path.display());
            }
        }
    }
}

/// Guesses for speculative decoding taken from a known output: right ones, right ones with
/// one wrong token among them, or none right.
struct Guesses {
    output: Vec<u32>,
    prompt_len: usize,
    /// Which guess of each batch is spoiled (`usize::MAX`: none).
    spoil: usize,
}

impl bisum::model::speculate::Draft for Guesses {
    fn propose(&mut self, context: &[u32], max: usize) -> Vec<u32> {
        let done = context.len() - self.prompt_len;
        let mut g: Vec<u32> = self.output.iter().skip(done).take(max).copied().collect();
        for (i, t) in g.iter_mut().enumerate() {
            if i >= self.spoil {
                *t = (*t + 1) % 200;
            }
        }
        g
    }
}

fn plain_and_speculative(m: &mut CandleModel, prompt: &[u32], params: &GenParams) {
    use bisum::model::speculate::{Draft, NoDraft, PromptLookup};
    m.forget();
    let (plain, stop, _, _) = m
        .generate_with(prompt, params, &mut NoDraft, &mut |_| {})
        .unwrap();
    assert!(plain.len() > 8, "too short to test: {plain:?}");
    let drafts: Vec<(&str, Box<dyn Draft>)> = vec![
        ("lookup", Box::new(PromptLookup::default())),
        (
            "right",
            Box::new(Guesses {
                output: plain.clone(),
                prompt_len: prompt.len(),
                spoil: usize::MAX,
            }),
        ),
        (
            "third wrong",
            Box::new(Guesses {
                output: plain.clone(),
                prompt_len: prompt.len(),
                spoil: 2,
            }),
        ),
        (
            "all wrong",
            Box::new(Guesses {
                output: plain.clone(),
                prompt_len: prompt.len(),
                spoil: 0,
            }),
        ),
    ];
    for (name, mut d) in drafts {
        m.forget();
        let (got, got_stop, _, _) = m
            .generate_with(prompt, params, d.as_mut(), &mut |_| {})
            .unwrap();
        assert_eq!(got, plain, "{name} guesses changed the output");
        assert_eq!(got_stop, stop, "{name}");
        let stats = m.last_draft();
        match name {
            // Right guesses: all but the first token (from the prompt pass) come as guesses.
            "right" => assert!(
                stats.accepted + 1 >= plain.len() * 4 / 5,
                "{stats:?} of {}",
                plain.len()
            ),
            "all wrong" => assert_eq!(stats.accepted, 0, "{stats:?}"),
            _ => {}
        }
    }
}

/// Speculative decoding checks guessed tokens in one batch; each row of it must be what a
/// single step gives, so the output is plain decoding's, bit for bit, whatever the guesses.
#[test]
fn speculative_decoding_gives_plain_decodings_tokens_on_tiny_models() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let q4_1 = dir.path().join("tiny-q4_1.gguf");
    bisum::model::tiny::write_typed(&q4_1, candle_core::quantized::GgmlDType::Q4_1).unwrap();
    for path in [common::tiny_model(), q4_1] {
        let mut m = load_with(&path, Engine::Bisum, Kernels::default());
        let prompt = m.encode(&text).unwrap()[..300].to_vec();
        for penalty in [1.0, 1.1] {
            let params = GenParams {
                max_new_tokens: 64,
                repeat_penalty: penalty,
                ..GenParams::default()
            };
            plain_and_speculative(&mut m, &prompt, &params);
        }
    }
}

#[test]
fn speculative_decoding_gives_plain_decodings_tokens_on_registry_models() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    for name in ["smollm2-135m", "qwen2.5-coder-1.5b"] {
        let mut m = load_with(
            &common::registry_model(name),
            Engine::Bisum,
            Kernels::default(),
        );
        let prompt = m
            .prompt_ids(&[
                Message::system("You are a concise assistant."),
                Message::user(format!("Summarize in three sentences:\n\n{text}")),
            ])
            .unwrap();
        let params = GenParams {
            max_new_tokens: 96,
            repeat_penalty: 1.1,
            ..GenParams::default()
        };
        plain_and_speculative(&mut m, &prompt, &params);
        m.forget();
        m.generate_ids(&prompt, &params, &mut |_| {}).unwrap();
        assert!(
            m.last_draft().accepted > 0,
            "{name}: no guess from the prompt was kept"
        );
    }
}

/// Several prompts decoded together, one forward pass per step for all of them, give each
/// the tokens it gets alone, bit for bit, whatever the batch and however early some stop.
#[test]
fn batched_decoding_gives_each_sequence_its_own_tokens() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    for path in [common::tiny_model(), common::registry_model("smollm2-135m")] {
        let mut m = load_with(&path, Engine::Bisum, Kernels::default());
        let ids = m.encode(&text).unwrap();
        // Prompts of different lengths, and answers of different lengths.
        let prompts: Vec<Vec<u32>> = (0..4)
            .map(|i| ids[i * 17..i * 17 + 100 + 40 * i].to_vec())
            .collect();
        let params: Vec<GenParams> = (0..4)
            .map(|i| GenParams {
                max_new_tokens: 20 + 12 * i,
                repeat_penalty: 1.1,
                ignore_eos: true,
                ..GenParams::default()
            })
            .collect();
        // Alone and without guesses: plain decoding. Batches guess ahead (prompt lookup),
        // which must change no token either.
        let mut alone = Vec::new();
        for (p, q) in prompts.iter().zip(&params) {
            m.forget();
            let plain = &mut bisum::model::speculate::NoDraft;
            alone.push(m.generate_with(p, q, plain, &mut |_| {}).unwrap().0);
        }
        let mut kept = 0;
        for n in [2, 3, 4] {
            m.forget();
            let requests: Vec<(&[u32], &GenParams)> = prompts[..n]
                .iter()
                .map(|p| p.as_slice())
                .zip(&params[..n])
                .collect();
            let together = m.generate_batch_ids(&requests).unwrap();
            for (i, d) in together.iter().enumerate() {
                assert_eq!(
                    d.ids,
                    alone[i],
                    "{} sequence {i} of a batch of {n}",
                    path.display()
                );
                kept += d.draft.accepted;
            }
        }
        assert!(kept > 0, "{}: no guess was kept in a batch", path.display());
        // Instructions a batch shares stay cached for the next batch like it: after a
        // single unrelated call (which takes slot 0), and when the next batch needs longer
        // slots than the last one had.
        m.forget();
        // A whole number of `REUSE_ALIGN` blocks: a reused prefix is cut to one.
        let head = &ids[..2 * bisum::model::engine::REUSE_ALIGN];
        let prompt = |k: usize, len: usize| [head, &ids[70 + k * 30..70 + k * 30 + len]].concat();
        let short = GenParams {
            max_new_tokens: 8,
            ignore_eos: true,
            ..GenParams::default()
        };
        let long = GenParams {
            max_new_tokens: 40,
            ..short.clone()
        };
        let first = [prompt(0, 20), prompt(1, 20)];
        m.generate_batch_ids(&[(&first[0], &short), (&first[1], &short)])
            .unwrap();
        m.generate_ids(&ids[250..350], &short, &mut |_| {}).unwrap();
        let next = [prompt(2, 80), prompt(3, 90), prompt(4, 100)];
        let requests: Vec<(&[u32], &GenParams)> =
            next.iter().map(|p| (p.as_slice(), &long)).collect();
        for (i, d) in m.generate_batch_ids(&requests).unwrap().iter().enumerate() {
            assert!(
                d.reused >= head.len(),
                "{}: sequence {i} reused {} tokens",
                path.display(),
                d.reused
            );
        }
    }
}

/// Words a retry must not write again never come out, alone or in a batch: their first
/// tokens get no chance.
#[test]
fn words_to_avoid_never_come_out() {
    use bisum::model::Generate;
    let mut m = load_with(
        &common::registry_model("smollm2-135m"),
        Engine::Bisum,
        Kernels::default(),
    );
    let msgs = [Message::user(
        "Write two sentences about the weather in London in winter.",
    )];
    let p = GenParams {
        max_new_tokens: 40,
        ..GenParams::default()
    };
    let words = |t: &str| -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .map(str::to_lowercase)
            .collect()
    };
    let first = m.generate(&msgs, &p, &mut |_| {}).unwrap().text;
    let avoid: Vec<String> = words(&first).into_iter().take(3).collect();
    assert_eq!(avoid.len(), 3, "{first}");
    let q = GenParams {
        avoid: avoid.clone(),
        ..p.clone()
    };
    let alone = m.generate(&msgs, &q, &mut |_| {}).unwrap().text;
    let batch = m.generate_batch(&[(&msgs, &q), (&msgs, &p)]);
    let together = batch[0].as_ref().unwrap().text.clone();
    for text in [&alone, &together] {
        assert!(
            !words(text).iter().any(|w| avoid.contains(w)),
            "{avoid:?} in {text:?}"
        );
    }
    assert!(batch[1].is_ok());
}

/// An answer read in one pass gives each token the log-probability that reading it one
/// token at a time gives, on both engines (candle's models read it a token at a time);
/// and over every token the vocabulary has, one token's probabilities add up to one.
#[test]
fn an_answer_read_at_once_gets_the_log_probabilities_of_one_token_at_a_time() {
    for engine in [Engine::Bisum, Engine::Candle] {
        let mut m = load(engine);
        let prompt = m.encode("Le conseil a voté le budget").unwrap();
        let answer = m.encode(" du tramway en octobre.").unwrap();
        let at_once = m.answer_logprobs(&prompt, &answer).unwrap();
        assert_eq!(at_once.len(), answer.len());
        for (j, &t) in answer.iter().enumerate() {
            let mut before = prompt.clone();
            before.extend_from_slice(&answer[..j]);
            m.forget();
            let alone = m.answer_logprobs(&before, &[t]).unwrap()[0];
            assert!(
                (alone - at_once[j]).abs() < 1e-3,
                "{engine:?} token {j}: {alone} vs {}",
                at_once[j]
            );
        }
        let vocab = m.tokenizer().get_vocab_size(true) as u32;
        let total: f64 = (0..vocab)
            .map(|t| f64::from(m.answer_logprobs(&prompt, &[t]).unwrap()[0]).exp())
            .sum();
        assert!((total - 1.0).abs() < 1e-3, "{engine:?}: {total}");
    }
}
