//! Model families as a closed enum: picked from `general.architecture`, each variant owning
//! its forward pass and its KV-cache reset.

use crate::error::{Error, Result};
use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::models::{quantized_llama, quantized_qwen2, quantized_qwen3};
use std::path::Path;

/// The architectures bisum runs, by their GGUF `general.architecture` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Llama 1/2/3, SmolLM, and Mistral's own open models (GGUF arch `llama`).
    Llama,
    Qwen2,
    Qwen3,
    /// Gemma 3 (text): bisum's engine only.
    Gemma3,
}

pub const SUPPORTED: &str = "llama (also Mistral), qwen2, qwen3, gemma3";

impl Family {
    pub fn from_arch(path: &Path, arch: &str) -> Result<Self> {
        match arch {
            "llama" | "mistral" => Ok(Family::Llama),
            "qwen2" => Ok(Family::Qwen2),
            "qwen3" => Ok(Family::Qwen3),
            "gemma3" => Ok(Family::Gemma3),
            other => Err(Error::UnsupportedArch {
                path: path.to_path_buf(),
                arch: other.into(),
                supported: SUPPORTED.into(),
            }),
        }
    }

    /// Positions an engine can hold for this family, whatever the file says.
    pub fn max_positions(self, engine: Engine) -> Option<usize> {
        match (self, engine) {
            // candle's quantized_llama precomputes RoPE for 4096 positions only.
            (Family::Llama, Engine::Candle) => Some(quantized_llama::MAX_SEQ_LEN),
            _ => None,
        }
    }
}

/// Which forward pass runs a family: bisum's own (`transformer.rs`, the default), or
/// candle-transformers' as shipped, kept to check the first against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    #[default]
    Bisum,
    Candle,
}

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
