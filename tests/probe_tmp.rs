mod common;
use bisum::model::engine::{CandleModel, LoadOptions};
use bisum::model::family::Engine;
use bisum::model::kernels::Kernels;
use bisum::model::speculate::{Draft, NoDraft};
use bisum::model::{GenParams, Message, Runtime};
struct Oracle {
    out: Vec<u32>,
    plen: usize,
    k: usize,
}
impl Draft for Oracle {
    fn propose(&mut self, c: &[u32], max: usize) -> Vec<u32> {
        let d = c.len() - self.plen;
        self.out
            .iter()
            .skip(d)
            .take(max.min(self.k))
            .copied()
            .collect()
    }
}
#[test]
fn probe() {
    let text = std::fs::read_to_string(common::examples().join("tramway-conseil.txt")).unwrap();
    let mut m = CandleModel::load(
        &common::registry_model("qwen2.5-coder-1.5b"),
        LoadOptions {
            name: "t",
            sha256: None,
            max_context: 4096,
            runtime: Runtime {
                engine: Engine::Bisum,
                kernels: Kernels::default(),
                ..Runtime::default()
            },
        },
    )
    .unwrap();
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
    let (a, _, _, g0) = m
        .generate_with(&prompt, &params, &mut NoDraft, &mut |_| {})
        .unwrap();
    println!(
        "plain: {} tokens {:.2}s {:.1} ms/pass",
        a.len(),
        g0,
        g0 * 1e3 / (a.len() - 1) as f64
    );
    for k in 1..=6 {
        m.forget();
        let (b, _, _, g) = m
            .generate_with(
                &prompt,
                &params,
                &mut Oracle {
                    out: a.clone(),
                    plen: prompt.len(),
                    k,
                },
                &mut |_| {},
            )
            .unwrap();
        assert_eq!(a, b);
        let passes = a.len() - 1 - m.last_draft().accepted;
        println!(
            "k={k}: {:.2}s passes {passes} {:.1} ms/pass, speedup {:.2}",
            g,
            g * 1e3 / passes as f64,
            g0 / g
        );
    }
}
