//! bisum's own forward pass against candle-transformers' on the tiny model: the same greedy
//! tokens, whatever the prompt batch size (the real-model versions of this are in golden.rs).

mod common;
use bisum::model::engine::{CandleModel, LoadOptions};
use bisum::model::weights::Engine;
use bisum::model::GenParams;
use candle_core::Device;

fn load(engine: Engine) -> CandleModel {
    CandleModel::load(
        &common::tiny_model(),
        LoadOptions {
            name: "tiny",
            sha256: None,
            max_context: 4096,
            device: Device::Cpu,
            engine,
            kernels: Default::default(),
        },
    )
    .unwrap()
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
