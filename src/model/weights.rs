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

    /// Logits after each of `ids`, each row exactly a single step's; `None` where rows
    /// are not exact (candle's attention) or not available (candle's models give the last
    /// position's alone).
    pub fn forward_rows(
        &mut self,
        slot: usize,
        ids: &[u32],
        pos: usize,
    ) -> Option<candle_core::Result<Tensor>> {
        match self {
            Weights::Own(m) if m.exact_rows() => Some(m.forward_rows(slot, ids, pos)),
            _ => None,
        }
    }

    /// `forward` in a batch slot's sequence (slot 0 for candle's models, which have one).
    pub fn forward_in(
        &mut self,
        slot: usize,
        ids: &[u32],
        pos: usize,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        match self {
            Weights::Own(m) => m.forward_in(slot, ids, pos),
            _ if slot == 0 => self.forward(ids, pos, device),
            _ => candle_core::bail!("candle's models have one sequence"),
        }
    }

    /// Whether several rows in one pass give each its single step's logits (bisum's
    /// engine with its attention): speculative and batched decoding need it.
    pub fn exact_rows(&self) -> bool {
        matches!(self, Weights::Own(m) if m.exact_rows())
    }

    /// One decoding step of several sequences (`Transformer::step_rows`).
    pub fn step_rows(&mut self, ids: &[u32], at: &[(usize, usize)]) -> candle_core::Result<Tensor> {
        match self {
            Weights::Own(m) => m.step_rows(ids, at),
            _ => candle_core::bail!("batched steps need bisum's engine"),
        }
    }

    /// Batch slots `0..n` with room for `positions` (`Transformer::reserve`).
    pub fn reserve(&mut self, n: usize, positions: usize) -> candle_core::Result<Vec<usize>> {
        match self {
            Weights::Own(m) => m.reserve(n, positions),
            _ => candle_core::bail!("batch slots need bisum's engine"),
        }
    }

    /// Keys and values of positions `0..n` copied between slots (`Transformer::copy_prefix`).
    pub fn copy_prefix(&mut self, from: usize, to: usize, n: usize) -> candle_core::Result<()> {
        match self {
            Weights::Own(m) => m.copy_prefix(from, to, n),
            _ => candle_core::bail!("batch slots need bisum's engine"),
        }
    }

    /// Positions batch slot `slot` has room for (0 where it does not exist).
    pub fn slot_positions(&self, slot: usize) -> usize {
        match self {
            Weights::Own(m) => m.slot_positions(slot),
            _ => 0,
        }
    }

    /// Bytes of KV cache per position of one sequence (bisum's engine; 0 otherwise).
    pub fn kv_bytes_per_position(&self) -> usize {
        match self {
            Weights::Own(m) => m.kv_bytes_per_position(),
            _ => 0,
        }
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
