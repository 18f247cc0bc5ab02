//! The library's error type: every variant names the file or model it is about and why.

use std::path::PathBuf;

/// Errors the library reports. Messages are one line, name the file, and say what to do
/// where there is something to do, because they end up verbatim on a user's terminal.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {reason}")]
    Source { path: PathBuf, reason: String },

    #[error("{path}: {source}")]
    Input {
        path: PathBuf,
        #[source]
        source: InputError,
    },

    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "model `{name}` is not installed (expected at {path}); run `bisum models pull {name}`"
    )]
    ModelMissing { name: String, path: PathBuf },

    #[error("unknown model `{0}`: not a manifest name (see `bisum models list`) nor a path to a .gguf file")]
    UnknownModel(String),

    #[error("{path}: sha256 mismatch: expected {expected}, got {actual}")]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },

    #[error("{path}: {reason}")]
    Model { path: PathBuf, reason: String },

    #[error("{path}: unsupported architecture `{arch}` (supported: {supported})")]
    UnsupportedArch {
        path: PathBuf,
        arch: String,
        supported: String,
    },

    #[error("{path}: invalid manifest: {reason}")]
    Manifest { path: PathBuf, reason: String },

    #[error("prompt `{name}`: {reason}")]
    Prompt { name: String, reason: String },

    #[error("{what} needs {needed} tokens but the context holds {available}: {hint}")]
    ContextOverflow {
        what: String,
        needed: usize,
        available: usize,
        hint: String,
    },

    #[error("fetching `{name}`: {reason}")]
    Fetch { name: String, reason: String },

    /// A forward pass failed inside candle.
    #[error("model forward pass failed: {0}")]
    Forward(String),

    #[error("tokenizer: {0}")]
    Tokenizer(String),

    #[error("empty prompt")]
    EmptyPrompt,

    #[error("the model was opened for planning only (no weights loaded)")]
    NoWeights,

    #[error("device: {0}")]
    Device(String),

    /// Settings that contradict each other or the process (checked before any work).
    #[error("{0}")]
    Config(String),

    /// A `--backend` URL that is malformed or not allowed.
    #[error("{url}: {reason}")]
    Endpoint { url: String, reason: String },

    /// A serving-fleet call that failed for good, after its retries.
    #[error("backend {endpoint}: {reason}")]
    Backend { endpoint: String, reason: String },

    #[error("no readable source")]
    NoReadableSource,

    #[error("{path}: {reason}")]
    Output { path: PathBuf, reason: String },

    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why a file's text could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("invalid {0} text")]
    Malformed(&'static str),
    #[error("binary file (byte 0x{byte:02X} at offset {at})")]
    Binary { byte: u8, at: usize },
    #[error("invalid encoding: {what} (byte 0x{byte:02X} at offset {at} is not UTF-8)")]
    NotUtf8 {
        what: &'static str,
        byte: u8,
        at: usize,
    },
    #[error(
        "invalid encoding: byte 0x{byte:02X} at offset {at} is neither UTF-8 nor Windows-1252"
    )]
    Unassigned { byte: u8, at: usize },
    #[error("not a PDF (no %PDF- header)")]
    NotPdf,
    #[error("unreadable PDF: {0}")]
    Pdf(String),
    #[error("PDF has no text layer (a scan? run OCR first)")]
    NoTextLayer,
    #[error("not a .docx: {0}")]
    NotDocx(String),
    #[error("corrupt .docx: {0}")]
    Docx(String),
    #[error("more than {} MB of text (limit; raise it with --max-text-mb)", limit / 1_000_000)]
    TooMuchText { limit: u64 },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn source_err(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Source {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// A candle error in a forward pass, on one line.
    pub fn forward(e: candle_core::Error) -> Self {
        Error::Forward(first_line(&e.to_string()))
    }

    pub fn model(path: impl Into<PathBuf>, reason: impl std::fmt::Display) -> Self {
        Error::Model {
            path: path.into(),
            reason: first_line(&reason.to_string()),
        }
    }
}

pub use crate::text::first_line;
