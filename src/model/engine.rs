//! The candle engine: loads a GGUF model on CPU (or a GPU with the `cuda`/`metal` features)
//! and generates text from chat messages.

use super::family::{Engine, Family};
use super::gguf::GgufFile;
use super::template::ChatTemplate;
use super::weights::Weights;
use super::{
    DeviceChoice, GenParams, Generate, Generation, Message, ModelInfo, Runtime, StopReason,
};
use crate::error::{Error, Result};
use candle_core::Device;
use candle_transformers::generation::{LogitsProcessor, Sampling};
use std::path::Path;
use std::time::Instant;
use tokenizers::Tokenizer;

/// Tokens that end an assistant turn in the chat formats bisum knows, when present.
const END_OF_TURN: &[&str] = &[
    "<|im_end|>",
    "<|endoftext|>",
    "<end_of_turn>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<|end|>",
    "</s>",
];

/// How many prompt tokens go through the model per forward pass. Bounded so the attention
/// scores of a long prompt (heads × batch × context floats) stay small.
pub const PROMPT_BATCH: usize = 512;

pub struct CandleModel {
    info: ModelInfo,
    family: Family,
    /// `None` for a model opened to plan chunks only (tokenizer and template, no weights).
    weights: Option<Weights>,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    stop_ids: Vec<u32>,
    /// Prepended when the model wants a BOS and the template did not write one.
    bos_id: Option<u32>,
    device: Device,
    prompt_batch: usize,
    /// Token ids whose keys and values the KV cache holds, in order: a prompt that starts
    /// with them (a retry with a reminder appended, a second call on the same source) skips
    /// them (bisum's engine only, whose cache rows stay valid between calls).
    cached: Vec<u32>,
    /// Prompt tokens the last call took from `cached` instead of processing them.
    last_reused: usize,
}

/// What the caller knows about the file before loading it, and how to run it.
pub struct LoadOptions<'a> {
    pub name: &'a str,
    /// Already verified sha256, when the registry checked it; computed otherwise.
    pub sha256: Option<String>,
    /// Upper bound on the context the pipeline may plan for.
    pub max_context: usize,
    pub runtime: Runtime,
}

pub fn select_device(choice: DeviceChoice) -> Result<Device> {
    if choice == DeviceChoice::Cpu {
        return Ok(Device::Cpu);
    }
    #[cfg(feature = "cuda")]
    {
        return Device::new_cuda(0).map_err(|e| Error::Device(format!("CUDA device 0: {e}")));
    }
    #[cfg(all(feature = "metal", not(feature = "cuda")))]
    {
        return Device::new_metal(0).map_err(|e| Error::Device(format!("Metal device 0: {e}")));
    }
    #[allow(unreachable_code)]
    Ok(Device::Cpu)
}

pub fn device_name(d: &Device, threads: usize) -> String {
    match d {
        Device::Cpu => format!("cpu ({threads} threads)"),
        Device::Cuda(_) => "cuda:0".into(),
        Device::Metal(_) => "metal:0".into(),
    }
}

/// candle's CPU thread pools are sized once per process from the environment; a runtime
/// asking for another count would run on the pools' count while reporting its own.
fn check_threads(runtime: &Runtime) -> Result<()> {
    let pool = candle_core::utils::get_num_threads();
    if runtime.threads != pool {
        return Err(Error::Config(format!(
            "{} threads asked, but candle's thread pools have {pool}: they are sized at process start",
            runtime.threads
        )));
    }
    Ok(())
}

impl CandleModel {
    pub fn load(path: &Path, opts: LoadOptions) -> Result<Self> {
        Self::open(path, opts, true)
    }

    /// Opens a model's tokenizer and chat template without its weights: enough to count
    /// tokens and plan chunks (`bisum compare` plans once for all its models), not to
    /// generate. The file is not hashed.
    pub fn load_tokenizer_only(path: &Path, opts: LoadOptions) -> Result<Self> {
        Self::open(path, opts, false)
    }

    fn open(path: &Path, opts: LoadOptions, with_weights: bool) -> Result<Self> {
        let runtime = opts.runtime;
        if with_weights {
            check_threads(&runtime)?;
        }
        let device = select_device(runtime.device)?;
        let gguf = GgufFile::open(path)?;
        let arch = gguf.architecture()?;
        let family = Family::from_arch(path, &arch)?;
        let tokenizer = super::tokenizer::load(&gguf)?;
        let tokens = gguf.tokens();
        let token_at = |key: &str| gguf.u64(key).and_then(|i| tokens.get(i as usize).cloned());
        let bos = token_at("tokenizer.ggml.bos_token_id");
        let eos = token_at("tokenizer.ggml.eos_token_id");
        let template = ChatTemplate::choose(
            gguf.chat_template(),
            &arch,
            &tokens,
            bos.clone().unwrap_or_default(),
            eos.clone().unwrap_or_default(),
        );
        let mut stop_ids: Vec<u32> = END_OF_TURN
            .iter()
            .filter_map(|t| tokenizer.token_to_id(t))
            .collect();
        if let Some(eos) = gguf.u64("tokenizer.ggml.eos_token_id") {
            stop_ids.push(eos as u32);
        }
        stop_ids.sort_unstable();
        stop_ids.dedup();
        let add_bos = gguf
            .get("tokenizer.ggml.add_bos_token")
            .and_then(|v| v.to_bool().ok())
            .unwrap_or(false);
        let bos_id = if add_bos {
            gguf.u64("tokenizer.ggml.bos_token_id").map(|v| v as u32)
        } else {
            None
        };

        let trained = gguf.context_length().unwrap_or(2048);
        let context_length = [
            Some(trained),
            family.max_positions(runtime.engine),
            Some(opts.max_context),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(trained);
        let quantization = gguf.quantization();
        let file_size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let sha256 = match opts.sha256 {
            Some(s) => s,
            None if !with_weights => String::new(),
            None => crate::hash::sha256_file(path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?,
        };
        let weights = if with_weights {
            Some(Weights::load(
                family,
                runtime.engine,
                gguf.content,
                path,
                &device,
                context_length,
                runtime.kernels,
            )?)
        } else {
            None
        };
        let info = ModelInfo {
            name: opts.name.to_string(),
            path: path.display().to_string(),
            sha256,
            file_size,
            architecture: arch,
            quantization,
            context_length,
            chat_template: template.origin.clone(),
            chat_template_sha256: crate::hash::sha256_hex(template.source.as_bytes()),
            device: device_name(&device, runtime.threads),
            engine: runtime.engine,
            kernels: (runtime.engine == Engine::Bisum).then_some(runtime.kernels),
            threads: runtime.threads,
            backend: None,
        };
        // The GGUF metadata (vocabulary, merges) and the tensors' read buffers are freed by
        // now; give their pages back (see memory::trim).
        crate::memory::trim();
        crate::memory::keep_freed_buffers();
        Ok(Self {
            info,
            family,
            weights,
            tokenizer,
            template,
            stop_ids,
            bos_id,
            device,
            prompt_batch: PROMPT_BATCH,
            cached: Vec::new(),
            last_reused: 0,
        })
    }

    pub fn family(&self) -> Family {
        self.family
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Changes how many prompt tokens each forward pass takes (tests check that results do
    /// not depend on it).
    pub fn set_prompt_batch(&mut self, n: usize) {
        self.prompt_batch = n.max(1);
        self.forget();
    }

    /// Forgets what the KV cache holds: the next prompt is processed whole (benchmarks
    /// time prompt processing this way).
    pub fn forget(&mut self) {
        self.cached.clear();
    }

    /// Prompt tokens the last call reused from the previous one's KV cache.
    pub fn last_reused(&self) -> usize {
        self.last_reused
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        self.tokenizer
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| Error::Tokenizer(format!("tokenizing: {e}")))
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.tokenizer
            .decode(ids, true)
            .map_err(|e| Error::Tokenizer(format!("detokenizing: {e}")))
    }

    /// Prompt token ids for a conversation: the rendered template, tokenized with special
    /// tokens recognised, with a BOS in front where the model asks for one.
    pub fn prompt_ids(&self, messages: &[Message]) -> Result<Vec<u32>> {
        let text = self.template.render(messages)?;
        let mut ids = self.encode(&text)?;
        if let Some(bos) = self.bos_id {
            if ids.first() != Some(&bos) {
                ids.insert(0, bos);
            }
        }
        Ok(ids)
    }

    /// Greedy (or sampled) continuation of raw token ids: the primitive under `generate`,
    /// also used by the llama.cpp token-equality tests.
    pub fn generate_ids(
        &mut self,
        prompt: &[u32],
        params: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(Vec<u32>, StopReason, f64, f64)> {
        let ctx = self.info.context_length;
        if prompt.is_empty() {
            return Err(Error::EmptyPrompt);
        }
        if prompt.len() + params.max_new_tokens > ctx {
            return Err(Error::ContextOverflow {
                what: "a model call".into(),
                needed: prompt.len() + params.max_new_tokens,
                available: ctx,
                hint: "the chunk plan should have prevented this; please report it".into(),
            });
        }
        let g = Error::forward;
        let sampling = if params.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            match params.top_p {
                Some(p) => Sampling::TopP {
                    p,
                    temperature: params.temperature,
                },
                None => Sampling::All {
                    temperature: params.temperature,
                },
            }
        };
        let mut sampler = LogitsProcessor::from_sampling(params.seed, sampling);

        let t0 = Instant::now();
        let mut logits = self.prefill(prompt)?;
        let prompt_secs = t0.elapsed().as_secs_f64();
        let weights = self.weights.as_mut().expect("prefill checked the weights");

        let t1 = Instant::now();
        let mut out: Vec<u32> = Vec::with_capacity(params.max_new_tokens);
        let mut stop = StopReason::Length;
        while out.len() < params.max_new_tokens {
            let mut l = logits.to_dtype(candle_core::DType::F32).map_err(g)?;
            if params.repeat_penalty != 1.0 && !out.is_empty() {
                let start = out.len().saturating_sub(params.repeat_last_n);
                l = candle_transformers::utils::apply_repeat_penalty(
                    &l,
                    params.repeat_penalty,
                    &out[start..],
                )
                .map_err(g)?;
            }
            let next = sampler.sample(&l).map_err(g)?;
            if !params.ignore_eos && self.stop_ids.contains(&next) {
                stop = StopReason::Eos;
                break;
            }
            out.push(next);
            progress(out.len());
            if params.stop_on_loop {
                if let Some(keep) = loop_cut(&out) {
                    out.truncate(keep);
                    stop = StopReason::Repetition;
                    break;
                }
            }
            if out.len() == params.max_new_tokens {
                break;
            }
            let pos = prompt.len() + out.len() - 1;
            logits = weights.forward(&[next], pos, &self.device).map_err(g)?;
            self.cached.push(next);
        }
        Ok((out, stop, prompt_secs, t1.elapsed().as_secs_f64()))
    }
}

impl CandleModel {
    /// Runs the prompt through the model from position 0, in batches of `prompt_batch`;
    /// the logits of its last token.
    /// The longest prefix of `prompt` whose keys and values the cache holds, leaving at
    /// least the last prompt token to process (its logits start the answer).
    fn reusable(&self, prompt: &[u32]) -> usize {
        let keeps = self.weights.as_ref().is_some_and(Weights::keeps_prefix);
        if !keeps {
            return 0;
        }
        let common = self
            .cached
            .iter()
            .zip(prompt)
            .take_while(|(a, b)| a == b)
            .count();
        common.min(prompt.len().saturating_sub(1))
    }

    /// Runs the prompt through the model, in batches of `prompt_batch`, from the end of
    /// the prefix the KV cache already holds (`reusable`); the logits of its last token.
    fn prefill(&mut self, prompt: &[u32]) -> Result<candle_core::Tensor> {
        let g = Error::forward;
        let reused = self.reusable(prompt);
        let weights = self.weights.as_mut().ok_or_else(|| Error::NoWeights)?;
        if reused == 0 {
            weights.clear();
        }
        self.cached.truncate(reused);
        let mut logits = None;
        for (i, piece) in prompt[reused..].chunks(self.prompt_batch).enumerate() {
            let pos = reused + i * self.prompt_batch;
            logits = Some(weights.forward(piece, pos, &self.device).map_err(g)?);
            self.cached.extend_from_slice(piece);
        }
        self.last_reused = reused;
        logits.ok_or(Error::EmptyPrompt)
    }

    /// `n` greedy tokens and, at each step, the gap between the two best logits: where the
    /// gap is tiny, which token wins is rounding noise (the kernel-equality tests compare
    /// tokens up to the first such step, as the llama.cpp ones do).
    pub fn greedy_with_margins(
        &mut self,
        prompt: &[u32],
        n: usize,
    ) -> Result<(Vec<u32>, Vec<f32>)> {
        let g = Error::forward;
        let mut logits = self.prefill(prompt)?;
        let weights = self.weights.as_mut().expect("prefill checked the weights");
        let (mut ids, mut margins) = (Vec::with_capacity(n), Vec::with_capacity(n));
        loop {
            let v: Vec<f32> = logits
                .to_dtype(candle_core::DType::F32)
                .and_then(|l| l.to_vec1())
                .map_err(g)?;
            let (mut best, mut top, mut second) = (0usize, f32::NEG_INFINITY, f32::NEG_INFINITY);
            for (i, &x) in v.iter().enumerate() {
                if x > top {
                    (second, top, best) = (top, x, i);
                } else if x > second {
                    second = x;
                }
            }
            ids.push(best as u32);
            margins.push(top - second);
            if ids.len() == n {
                return Ok((ids, margins));
            }
            let pos = prompt.len() + ids.len() - 1;
            logits = weights
                .forward(&[best as u32], pos, &self.device)
                .map_err(g)?;
            self.cached.push(best as u32);
        }
    }

    /// For each of `tokens` read after `prompt`: how far its logit lies below the best one
    /// (0 where it is this engine's greedy choice). Checks another engine's greedy output
    /// token by token: each may differ only at a near-tie, whatever it chose before.
    pub fn forced_gaps(&mut self, prompt: &[u32], tokens: &[u32]) -> Result<Vec<f32>> {
        let g = Error::forward;
        let mut logits = self.prefill(prompt)?;
        let weights = self.weights.as_mut().expect("prefill checked the weights");
        let mut gaps = Vec::with_capacity(tokens.len());
        for (j, &t) in tokens.iter().enumerate() {
            let v: Vec<f32> = logits
                .to_dtype(candle_core::DType::F32)
                .and_then(|l| l.to_vec1())
                .map_err(g)?;
            let best = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            gaps.push(best - v.get(t as usize).copied().unwrap_or(f32::NEG_INFINITY));
            if j + 1 == tokens.len() {
                break;
            }
            logits = weights
                .forward(&[t], prompt.len() + j, &self.device)
                .map_err(g)?;
            self.cached.push(t);
        }
        Ok(gaps)
    }
}

/// Longest period looked for, and how many repeated tokens make a loop: a 2-token loop must
/// run 48 tokens, a 30-token sentence three times over.
const LOOP_MAX_PERIOD: usize = 64;
const LOOP_MIN_SPAN: usize = 48;

/// If `out` ends in a loop, the length to keep: everything before the loop plus one copy of
/// the repeated part.
pub fn loop_cut(out: &[u32]) -> Option<usize> {
    for period in 1..=LOOP_MAX_PERIOD {
        let span = (3 * period).max(LOOP_MIN_SPAN);
        if out.len() < span {
            return None;
        }
        let tail = &out[out.len() - span..];
        if tail[period..].iter().zip(tail).all(|(a, b)| a == b) {
            // Walk back to where the repetition started.
            let mut start = out.len() - span;
            while start > 0 && out[start - 1] == out[start - 1 + period] {
                start -= 1;
            }
            return Some(start + period);
        }
    }
    None
}

impl Generate for CandleModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn count_tokens(&self, text: &str) -> Result<usize> {
        Ok(self.encode(text)?.len())
    }

    fn prompt_tokens(&self, messages: &[Message]) -> Result<usize> {
        Ok(self.prompt_ids(messages)?.len())
    }

    fn generate(
        &mut self,
        messages: &[Message],
        params: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let prompt = self.prompt_ids(messages)?;
        let (ids, stop, prompt_seconds, generation_seconds) =
            self.generate_ids(&prompt, params, progress)?;
        Ok(Generation {
            text: self.decode(&ids)?.trim().to_string(),
            prompt_tokens: prompt.len(),
            reused_prompt_tokens: self.last_reused,
            generated_tokens: ids.len(),
            prompt_seconds,
            generation_seconds,
            stop,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::loop_cut;

    #[test]
    fn loops_are_cut_to_one_copy() {
        let mut out: Vec<u32> = (0..10).collect();
        let cycle = [7u32, 8, 9, 10, 11];
        for _ in 0..12 {
            out.extend(cycle);
        }
        assert_eq!(loop_cut(&out), Some(10 + 5));
        let varied: Vec<u32> = (0..200).map(|i| i * 7 % 13).collect(); // period 13, 15 times
        assert_eq!(loop_cut(&varied), Some(13));
    }

    #[test]
    fn ordinary_text_is_not_a_loop() {
        let out: Vec<u32> = (0..300).collect();
        assert_eq!(loop_cut(&out), None);
        let short_repeat = [1u32, 2, 1, 2, 1, 2];
        assert_eq!(loop_cut(&short_repeat), None);
    }
}
