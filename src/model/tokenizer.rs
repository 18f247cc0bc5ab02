//! Rebuilding the model's own tokenizer from GGUF metadata (or a tokenizer.json beside it).

use super::gguf::{value_as_u64, GgufFile};
use crate::error::{Error, Result};
use candle_core::quantized::gguf_file::Value;
use candle_core::quantized::tokenizer::TokenizerFromGguf;
use std::collections::HashMap;
use std::path::Path;
use tokenizers::decoders::{
    byte_fallback::ByteFallback, byte_level::ByteLevel as ByteLevelDecoder, fuse::Fuse,
    sequence::Sequence as DecoderSequence, strip::Strip,
};
use tokenizers::models::bpe::BPE;
use tokenizers::normalizers::{Prepend, Replace, Sequence as NormalizerSequence};
use tokenizers::pre_tokenizers::{
    byte_level::ByteLevel, digits::Digits, sequence::Sequence as PreSequence,
};
use tokenizers::{AddedToken, Tokenizer};

/// llama.cpp's token types (`tokenizer.ggml.token_type`).
const TYPE_CONTROL: u64 = 3;
const TYPE_USER_DEFINED: u64 = 4;

/// Loads the tokenizer for a GGUF file: a `tokenizer.json` next to the model wins (for the
/// rare file whose metadata is incomplete), otherwise it is rebuilt from the metadata.
pub fn load(gguf: &GgufFile) -> Result<Tokenizer> {
    for candidate in sidecar_paths(&gguf.path) {
        if candidate.is_file() {
            return Tokenizer::from_file(&candidate)
                .map_err(|e| Error::model(&candidate, format!("bad tokenizer.json: {e}")));
        }
    }
    from_metadata(gguf)
}

fn sidecar_paths(model: &Path) -> Vec<std::path::PathBuf> {
    let dir = model.parent().unwrap_or(Path::new("."));
    let stem = model.file_stem().unwrap_or_default().to_string_lossy();
    vec![
        dir.join(format!("{stem}.tokenizer.json")),
        dir.join("tokenizer.json"),
    ]
}

pub fn from_metadata(gguf: &GgufFile) -> Result<Tokenizer> {
    let kind = gguf.string("tokenizer.ggml.model").ok_or_else(|| {
        Error::model(
            &gguf.path,
            "no tokenizer in GGUF metadata and no tokenizer.json beside it",
        )
    })?;
    match kind.as_str() {
        "gpt2" => byte_level_bpe(gguf),
        "llama" => sentencepiece_bpe(gguf),
        other => Err(Error::model(
            &gguf.path,
            format!("tokenizer model `{other}` is not supported (gpt2 and llama are); put a tokenizer.json beside the model"),
        )),
    }
}

/// GPT-2 style byte-level BPE (Qwen, SmolLM2, Llama 3). candle builds the vocabulary,
/// merges and specials; the pre-tokenizer is set here for the `pre` types candle maps to
/// plain GPT-2, because llama.cpp (the reference) does not add a prefix space for them.
fn byte_level_bpe(gguf: &GgufFile) -> Result<Tokenizer> {
    let mut tok = Tokenizer::from_gguf(&gguf.content)
        .map_err(|e| Error::model(&gguf.path, format!("rebuilding the tokenizer: {e}")))?;
    let pre = gguf
        .string("tokenizer.ggml.pre")
        .unwrap_or_else(|| "gpt2".into());
    match pre.as_str() {
        "qwen2" | "llama3" | "llama-bpe" | "smaug-bpe" | "lfm2" => {}
        "smollm" | "starcoder" | "refact" => {
            // Digits one by one, then GPT-2's regex, as SmolLM2's own tokenizer.json does.
            tok.with_pre_tokenizer(Some(PreSequence::new(vec![
                Digits::new(true).into(),
                ByteLevel::new(false, true, true).into(),
            ])));
            tok.with_decoder(Some(ByteLevelDecoder::new(false, true, true)));
        }
        _ => {
            tok.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
            tok.with_decoder(Some(ByteLevelDecoder::new(false, true, true)));
        }
    }
    Ok(tok)
}

/// SentencePiece BPE (Llama 2, Mistral, Gemma): merges ranked by the pieces' scores, byte
/// fallback for anything outside the vocabulary. A Unigram rebuild segments French badly,
/// so this must be BPE.
fn sentencepiece_bpe(gguf: &GgufFile) -> Result<Tokenizer> {
    let tokens = gguf.tokens();
    if tokens.is_empty() {
        return Err(Error::model(
            &gguf.path,
            "GGUF metadata has no tokenizer.ggml.tokens",
        ));
    }
    let scores: Vec<f32> = match gguf.get("tokenizer.ggml.scores") {
        Some(Value::Array(a)) => a.iter().map(|v| v.to_f32().unwrap_or(0.0)).collect(),
        _ => vec![0.0; tokens.len()],
    };
    let types: Vec<u64> = match gguf.get("tokenizer.ggml.token_type") {
        Some(Value::Array(a)) => a.iter().map(|v| value_as_u64(v).unwrap_or(1)).collect(),
        _ => vec![1; tokens.len()],
    };
    let vocab: HashMap<String, u32> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();
    let merges = merges_from_scores(&tokens, &scores, &types, &vocab);
    let unk = gguf
        .u64("tokenizer.ggml.unknown_token_id")
        .and_then(|i| tokens.get(i as usize).cloned())
        .unwrap_or_else(|| "<unk>".into());
    let bpe = BPE::builder()
        .vocab_and_merges(
            vocab
                .into_iter()
                .collect::<tokenizers::models::bpe::Vocab>(),
            merges,
        )
        .unk_token(unk)
        .byte_fallback(true)
        .fuse_unk(true)
        .build()
        .map_err(|e| Error::model(&gguf.path, format!("rebuilding the tokenizer: {e}")))?;
    let mut tok = Tokenizer::new(bpe);

    let add_space_prefix = gguf
        .get("tokenizer.ggml.add_space_prefix")
        .and_then(|v| v.to_bool().ok())
        .unwrap_or(true);
    let space = Replace::new(" ", "▁").map_err(|e| Error::model(&gguf.path, e))?;
    let mut normalizers = Vec::new();
    if add_space_prefix {
        normalizers.push(Prepend::new("▁".into()).into());
    }
    normalizers.push(space.into());
    tok.with_normalizer(Some(NormalizerSequence::new(normalizers)))
        .map_err(|e| Error::model(&gguf.path, e))?;
    let unspace = Replace::new("▁", " ").map_err(|e| Error::model(&gguf.path, e))?;
    let mut decoders = vec![
        unspace.into(),
        ByteFallback::new().into(),
        Fuse::new().into(),
    ];
    if add_space_prefix {
        decoders.push(Strip::new(' ', 1, 0).into());
    }
    tok.with_decoder(Some(DecoderSequence::new(decoders)));

    let specials: Vec<AddedToken> = tokens
        .iter()
        .zip(&types)
        .filter(|(_, t)| matches!(**t, TYPE_CONTROL | TYPE_USER_DEFINED))
        .map(|(s, t)| AddedToken::from(s.clone(), *t == TYPE_CONTROL))
        .collect();
    tok.add_special_tokens(specials)
        .map_err(|e| Error::model(&gguf.path, format!("adding special tokens: {e}")))?;
    Ok(tok)
}

/// SentencePiece keeps no merge list: the merge (a, b) exists when `a`, `b` and `ab` are all
/// pieces, and ranks by the score of `ab` (higher first), as HF's converter does.
fn merges_from_scores(
    tokens: &[String],
    scores: &[f32],
    types: &[u64],
    vocab: &HashMap<String, u32>,
) -> Vec<(String, String)> {
    let mut ranked: Vec<(f32, u32, u32, u32)> = Vec::new();
    for (id, piece) in tokens.iter().enumerate() {
        if types.get(id).copied().unwrap_or(1) != 1 {
            continue; // control, byte and user-defined pieces are never merge results
        }
        for (cut, _) in piece.char_indices().skip(1) {
            let (a, b) = piece.split_at(cut);
            if let (Some(&ia), Some(&ib)) = (vocab.get(a), vocab.get(b)) {
                ranked.push((scores.get(id).copied().unwrap_or(0.0), id as u32, ia, ib));
            }
        }
    }
    ranked.sort_by(|x, y| {
        y.0.partial_cmp(&x.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(x.1.cmp(&y.1))
            .then(x.2.cmp(&y.2))
    });
    ranked
        .into_iter()
        .map(|(_, _, a, b)| (tokens[a as usize].clone(), tokens[b as usize].clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_follow_piece_scores() {
        let tokens: Vec<String> = ["<unk>", "▁", "b", "o", "n", "on", "bo", "bon", "▁bon"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let scores = vec![0.0, -1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0, -8.0];
        let types = vec![2, 1, 1, 1, 1, 1, 1, 1, 1];
        let vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let m = merges_from_scores(&tokens, &scores, &types, &vocab);
        let pairs: Vec<(&str, &str)> = m.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            pairs,
            vec![
                ("o", "n"),
                ("b", "o"),
                ("b", "on"),
                ("bo", "n"),
                ("▁", "bon")
            ]
        );
    }
}
