//! Model families as a closed enum, picked from the GGUF's `general.architecture`, and the
//! engines that can run them.

use crate::error::{Error, Result};
use candle_transformers::models::quantized_llama;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    #[default]
    Bisum,
    Candle,
    /// An OpenAI-compatible server of the site's (`--backend`); the model runs there.
    Server,
}
