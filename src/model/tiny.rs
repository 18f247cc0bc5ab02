//! A tiny random llama-architecture GGUF model, written on demand with candle, so tests and
//! demos can run the whole pipeline without downloading weights. Its output is gibberish,
//! but deterministic: same file, same prompt, same tokens.

use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use gguf_file::Value;
use std::path::Path;

pub const HIDDEN: usize = 64;
pub const LAYERS: usize = 2;
pub const HEADS: usize = 4;
pub const KV_HEADS: usize = 2;
pub const FFN: usize = 128;
pub const CONTEXT: usize = 4096;

/// GPT-2's byte → printable-character table, so every byte is one token.
fn byte_chars() -> Vec<char> {
    let direct: Vec<u32> = (33..=126).chain(161..=172).chain(174..=255).collect();
    let mut mapped = vec!['\0'; 256];
    let mut extra = 0;
    for b in 0..256u32 {
        if direct.contains(&b) {
            mapped[b as usize] = char::from_u32(b).unwrap();
        } else {
            mapped[b as usize] = char::from_u32(256 + extra).unwrap();
            extra += 1;
        }
    }
    mapped
}

/// Deterministic pseudo-random numbers (xorshift64*), uniform in [-scale, scale].
struct Rng(u64);
impl Rng {
    fn next(&mut self, scale: f32) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        ((x >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }
    fn tensor(&mut self, rows: usize, cols: usize, scale: f32) -> Vec<f32> {
        (0..rows * cols).map(|_| self.next(scale)).collect()
    }
}

/// Writes the tiny model to `path`. `chat_template` goes into the metadata when given;
/// without it bisum falls back to `prompts/templates/chatml.jinja`.
pub fn write(path: &Path, chat_template: Option<&str>) -> candle_core::Result<()> {
    write_seeded(path, chat_template, 0x5eed_b15)
}

/// `write` with other random weights: another model of the same shape, for tests that
/// need two models whose outputs differ.
pub fn write_seeded(
    path: &Path,
    chat_template: Option<&str>,
    seed: u64,
) -> candle_core::Result<()> {
    write_full(path, chat_template, seed, GgmlDType::Q8_0)
}

/// `write` with the layers' matrices in another block type (the kernels' tests run the
/// same model through each type bisum has a kernel for).
pub fn write_typed(path: &Path, layers: GgmlDType) -> candle_core::Result<()> {
    write_full(path, None, 0x5eed_b15, layers)
}

fn write_full(
    path: &Path,
    chat_template: Option<&str>,
    seed: u64,
    layers: GgmlDType,
) -> candle_core::Result<()> {
    let mut tokens: Vec<String> = byte_chars().into_iter().map(|c| c.to_string()).collect();
    let merges = ["t h", "e s", "Ġ l", "e n"];
    for m in merges {
        tokens.push(m.replace(' ', ""));
    }
    let specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
    let first_special = tokens.len();
    tokens.extend(specials.iter().map(|s| s.to_string()));
    let vocab = tokens.len();
    let types: Vec<Value> = (0..vocab)
        .map(|i| Value::I32(if i >= first_special { 3 } else { 1 }))
        .collect();

    let mut md: Vec<(&str, Value)> = vec![
        ("general.architecture", Value::String("llama".into())),
        ("general.name", Value::String("bisum-tiny-test".into())),
        ("general.file_type", Value::U32(7)),
        ("llama.context_length", Value::U32(CONTEXT as u32)),
        ("llama.embedding_length", Value::U32(HIDDEN as u32)),
        ("llama.block_count", Value::U32(LAYERS as u32)),
        ("llama.feed_forward_length", Value::U32(FFN as u32)),
        ("llama.attention.head_count", Value::U32(HEADS as u32)),
        ("llama.attention.head_count_kv", Value::U32(KV_HEADS as u32)),
        (
            "llama.rope.dimension_count",
            Value::U32((HIDDEN / HEADS) as u32),
        ),
        ("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5)),
        ("llama.rope.freq_base", Value::F32(10000.0)),
        ("tokenizer.ggml.model", Value::String("gpt2".into())),
        ("tokenizer.ggml.pre", Value::String("qwen2".into())),
        (
            "tokenizer.ggml.tokens",
            Value::Array(tokens.iter().map(|t| Value::String(t.clone())).collect()),
        ),
        ("tokenizer.ggml.token_type", Value::Array(types)),
        (
            "tokenizer.ggml.merges",
            Value::Array(
                merges
                    .iter()
                    .map(|m| Value::String(m.to_string()))
                    .collect(),
            ),
        ),
        (
            "tokenizer.ggml.bos_token_id",
            Value::U32(first_special as u32),
        ),
        (
            "tokenizer.ggml.eos_token_id",
            Value::U32(first_special as u32 + 2),
        ),
    ];
    if let Some(t) = chat_template {
        md.push(("tokenizer.chat_template", Value::String(t.into())));
    }

    let dev = Device::Cpu;
    let mut rng = Rng(seed.max(1));
    let head_dim = HIDDEN / HEADS;
    let kv = KV_HEADS * head_dim;
    let quant = |data: Vec<f32>, rows: usize, cols: usize, t: GgmlDType| {
        QTensor::quantize(&Tensor::from_vec(data, (rows, cols), &dev)?, t)
    };
    let q8 = |data: Vec<f32>, rows: usize, cols: usize| quant(data, rows, cols, GgmlDType::Q8_0);
    let ql = |data: Vec<f32>, rows: usize, cols: usize| quant(data, rows, cols, layers);
    let ones = |n: usize| -> candle_core::Result<QTensor> {
        QTensor::quantize(
            &Tensor::ones(n, candle_core::DType::F32, &dev)?,
            GgmlDType::F32,
        )
    };
    let mut tensors: Vec<(String, QTensor)> = Vec::new();
    tensors.push((
        "token_embd.weight".into(),
        q8(rng.tensor(vocab, HIDDEN, 1.0), vocab, HIDDEN)?,
    ));
    for l in 0..LAYERS {
        let p = |n: &str| format!("blk.{l}.{n}.weight");
        let s = 1.0 / (HIDDEN as f32).sqrt();
        tensors.push((p("attn_norm"), ones(HIDDEN)?));
        tensors.push((
            p("attn_q"),
            ql(rng.tensor(HIDDEN, HIDDEN, s), HIDDEN, HIDDEN)?,
        ));
        tensors.push((p("attn_k"), ql(rng.tensor(kv, HIDDEN, s), kv, HIDDEN)?));
        tensors.push((p("attn_v"), ql(rng.tensor(kv, HIDDEN, s), kv, HIDDEN)?));
        tensors.push((
            p("attn_output"),
            ql(rng.tensor(HIDDEN, HIDDEN, s), HIDDEN, HIDDEN)?,
        ));
        tensors.push((p("ffn_norm"), ones(HIDDEN)?));
        tensors.push((p("ffn_gate"), ql(rng.tensor(FFN, HIDDEN, s), FFN, HIDDEN)?));
        tensors.push((p("ffn_up"), ql(rng.tensor(FFN, HIDDEN, s), FFN, HIDDEN)?));
        let sd = 1.0 / (FFN as f32).sqrt();
        tensors.push((p("ffn_down"), ql(rng.tensor(HIDDEN, FFN, sd), HIDDEN, FFN)?));
    }
    tensors.push(("output_norm.weight".into(), ones(HIDDEN)?));
    // Only lowercase letters, space and a few punctuation marks get non-zero output rows,
    // so the model never ends its turn early and writes readable-looking gibberish.
    let chars = byte_chars();
    let mut out = rng.tensor(vocab, HIDDEN, 1.0);
    for (id, row) in out.chunks_mut(HIDDEN).enumerate() {
        let keep = id < 256
            && {
                let b = id as u8;
                b.is_ascii_lowercase() || b == b' ' || b == b'.' || b == b','
            }
            && chars[id] != '\0';
        if !keep {
            row.iter_mut().for_each(|x| *x = 0.0);
        }
    }
    tensors.push(("output.weight".into(), q8(out, vocab, HIDDEN)?));

    let mut f = std::fs::File::create(path)?;
    let md_refs: Vec<(&str, &Value)> = md.iter().map(|(k, v)| (*k, v)).collect();
    let t_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    gguf_file::write(&mut f, &md_refs, &t_refs)
}
