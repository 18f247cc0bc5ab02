//! The loaded weights of each family, as a closed enum: each variant owns its forward pass
//! and its KV-cache reset.

use super::family::{Engine, Family};
use crate::error::{Error, Result};
use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::models::{quantized_llama, quantized_qwen2, quantized_qwen3};
use std::path::Path;

pub enum Weights {
    Llama(quantized_llama::ModelWeights),
    Qwen2(quantized_qwen2::ModelWeights),
    Qwen3(quantized_qwen3::ModelWeights),
    Own(super::transformer::Transformer),
}

impl Weights {
    pub fn load(
        family: Family,
        engine: Engine,
        content: gguf_file::Content,
        path: &Path,
        device: &Device,
        max_positions: usize,
        kernels: super::kernels::Kernels,
    ) -> Result<Self> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let bad = |e: candle_core::Error| Error::model(path, format!("loading weights: {e}"));
        if engine == Engine::Bisum {
            return super::transformer::Transformer::from_gguf(
                family,
                &content,
                &mut file,
                device,
                max_positions,
                kernels,
            )
            .map(Weights::Own)
            .map_err(bad);
        }
        Ok(match family {
            // candle 0.11.1's quantized Gemma 3 uses SiLU where the model uses GELU, and its
            // tokens leave llama.cpp's at the second one (huggingface/candle#3745).
            Family::Gemma3 => {
                return Err(Error::model(
                    path,
                    "the candle engine does not run gemma3 correctly (candle 0.11.1 uses SiLU where Gemma 3 uses GELU); use the default engine".to_string(),
                ))
            }
            Family::Llama => Weights::Llama(
                quantized_llama::ModelWeights::from_gguf(content, &mut file, device)
                    .map_err(bad)?,
            ),
            Family::Qwen2 => Weights::Qwen2(
                quantized_qwen2::ModelWeights::from_gguf(content, &mut file, device)
                    .map_err(bad)?,
            ),
            Family::Qwen3 => Weights::Qwen3(
                quantized_qwen3::ModelWeights::from_gguf(content, &mut file, device)
                    .map_err(bad)?,
            ),
        })
    }

    /// Logits for the last of `ids`, whose first token sits at position `pos`.
    pub fn forward(
        &mut self,
        ids: &[u32],
        pos: usize,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        if let Weights::Own(m) = self {
            return m.forward(ids, pos);
        }
        let input = Tensor::new(ids, device)?.unsqueeze(0)?;
        let logits = match self {
            Weights::Llama(m) => m.forward(&input, pos)?,
            Weights::Qwen2(m) => m.forward(&input, pos)?,
            Weights::Qwen3(m) => m.forward(&input, pos)?,
            Weights::Own(_) => unreachable!("handled above"),
        };
        logits.squeeze(0)
    }

    /// Whether the KV cache stays valid between calls, so a shared prompt prefix can be
    /// skipped: bisum's engine writes rows by position and reads only rows below it;
    /// candle's models must be cleared before every prompt.
    pub fn keeps_prefix(&self) -> bool {
        matches!(self, Weights::Own(_))
    }

    /// Forgets the previous prompt. Every family needs it before a new sequence: llama and
    /// qwen2 would also reset at position 0, qwen3 would not.
    pub fn clear(&mut self) {
        match self {
            Weights::Llama(m) => m.clear_kv_cache(),
            Weights::Qwen2(m) => m.clear_kv_cache(),
            Weights::Qwen3(m) => m.clear_kv_cache(),
            // Rows past the new prompt's position are never read, so nothing to clear.
            Weights::Own(_) => {}
        }
    }
}
