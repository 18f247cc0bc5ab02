//! A content-addressed cache of model calls, so an interrupted run resumes where it stopped
//! and a rerun with the same model, prompts and settings redoes nothing.

use crate::error::{Error, Result};
use crate::model::{GenParams, Generation, Message};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct CallCache {
    dir: PathBuf,
}

impl CallCache {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The key covers everything that decides the output: the model (its file's hash and
    /// the engine and kernels that run it, `ModelInfo::identity`), the exact messages
    /// (rendered prompts and inputs) and the decoding settings.
    pub fn key(model_identity: &str, messages: &[Message], params: &GenParams) -> String {
        let material = serde_json::json!({
            "model": model_identity,
            "messages": messages,
            "params": params,
            "format": 1,
        });
        crate::hash::sha256_hex(material.to_string().as_bytes())
    }

    pub fn get(&self, key: &str) -> Option<Generation> {
        let text = std::fs::read_to_string(self.dir.join(format!("{key}.json"))).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn put(&self, key: &str, g: &Generation) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::Write {
            path: self.dir.clone(),
            source: e,
        })?;
        let json = serde_json::to_vec_pretty(g).expect("generation serializes");
        crate::report::files::write_atomic(&self.dir.join(format!("{key}.json")), &json)
    }
}
