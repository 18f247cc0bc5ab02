//! bisum: bilingual (French/English) summaries and cross-source syntheses with local GGUF
//! models on candle. The binary is a thin layer over this library.

pub mod app;
pub mod cache;
pub mod check;
pub mod chunk;
pub mod cli;
pub mod compare;
pub mod config;
pub mod disagree;
pub mod error;
pub mod ground;
pub mod hash;
pub mod input;
pub mod lang;
pub mod memory;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod prompt;
pub mod run;
pub mod source;

pub use error::{Error, Result};
