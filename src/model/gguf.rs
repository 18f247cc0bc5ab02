//! Reading a GGUF file's header: architecture, context length, chat template, special tokens.

use crate::error::{Error, Result};
use candle_core::quantized::gguf_file::{self, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The parsed header of a GGUF file, plus the path it came from for error messages.
pub struct GgufFile {
    pub path: PathBuf,
    pub content: gguf_file::Content,
}

impl GgufFile {
    /// Reads the header only (metadata and tensor index), not the weights.
    pub fn open(path: &Path) -> Result<Self> {
        let mut f = std::fs::File::open(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let content = gguf_file::Content::read(&mut f)
            .map_err(|e| Error::model(path, format!("not a readable GGUF file: {e}")))?;
        // A truncated download still has a valid header: check every tensor lies in the file.
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        for (name, info) in &content.tensor_infos {
            let end = content.tensor_data_offset
                + info.offset
                + (info.shape.elem_count() / info.ggml_dtype.block_size()
                    * info.ggml_dtype.type_size()) as u64;
            if end > len {
                return Err(Error::model(
                    path,
                    format!(
                        "truncated GGUF file: tensor `{name}` ends at byte {end}, file has {len}"
                    ),
                ));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            content,
        })
    }

    pub fn metadata(&self) -> &HashMap<String, Value> {
        &self.content.metadata
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.content.metadata.get(key)
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|v| v.to_string().ok()).cloned()
    }

    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(value_as_u64)
    }

    pub fn architecture(&self) -> Result<String> {
        self.string("general.architecture")
            .ok_or_else(|| Error::model(&self.path, "GGUF metadata has no general.architecture"))
    }

    /// The trained context length, `{arch}.context_length`.
    pub fn context_length(&self) -> Option<usize> {
        let arch = self.string("general.architecture")?;
        self.u64(&format!("{arch}.context_length"))
            .map(|v| v as usize)
    }

    pub fn chat_template(&self) -> Option<String> {
        self.string("tokenizer.chat_template")
    }

    pub fn tokens(&self) -> Vec<String> {
        match self.get("tokenizer.ggml.tokens") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.to_string().cloned().unwrap_or_default())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Human name of the quantization, from `general.file_type` (llama.cpp's numbering), or
    /// else the most common tensor type.
    pub fn quantization(&self) -> String {
        if let Some(ft) = self.u64("general.file_type") {
            let name = match ft {
                0 => "F32",
                1 => "F16",
                2 => "Q4_0",
                3 => "Q4_1",
                7 => "Q8_0",
                8 => "Q5_0",
                9 => "Q5_1",
                10 => "Q2_K",
                11 => "Q3_K_S",
                12 => "Q3_K_M",
                13 => "Q3_K_L",
                14 => "Q4_K_S",
                15 => "Q4_K_M",
                16 => "Q5_K_S",
                17 => "Q5_K_M",
                18 => "Q6_K",
                32 => "BF16",
                _ => "",
            };
            if !name.is_empty() {
                return name.to_string();
            }
        }
        let mut counts: HashMap<String, usize> = HashMap::new();
        for info in self.content.tensor_infos.values() {
            *counts.entry(format!("{:?}", info.ggml_dtype)).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(k, n)| (*n, k.clone()))
            .map(|(k, _)| k)
            .unwrap_or_else(|| "unknown".into())
    }
}

pub fn value_as_u64(v: &Value) -> Option<u64> {
    Some(match v {
        Value::U8(x) => *x as u64,
        Value::I8(x) => *x as u64,
        Value::U16(x) => *x as u64,
        Value::I16(x) => *x as u64,
        Value::U32(x) => *x as u64,
        Value::I32(x) => *x as u64,
        Value::U64(x) => *x,
        Value::I64(x) => *x as u64,
        _ => return None,
    })
}
