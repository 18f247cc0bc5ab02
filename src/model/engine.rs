//! The candle engine: loads a GGUF model on CPU (or a GPU with the `cuda`/`metal` features)
//! and generates text from chat messages.

use super::family::{Engine, Family};
use super::gguf::GgufFile;
use super::speculate::{Draft, DraftStats, NoDraft, PromptLookup};
use super::template::ChatTemplate;
use super::transformer::EXACT_ROWS;
use super::weights::Weights;
use super::{
    Decoding, DeviceChoice, GenParams, Generate, Generation, Message, ModelInfo, ReadToken,
    Runtime, Speculation, StopReason,
};
use crate::error::{Error, Result};
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
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

/// A reused prompt prefix is a multiple of this many tokens (`reusable`). The prompt
/// kernels take rows in tiles of up to 32 (`tiles::lane_panels`, candle's repacked tiles),
/// and a row's sums depend on the tile it lands in, by a rounding: past a prefix of whole
/// tiles, and in pieces that end where a fresh pass's do, each row lands where it would.
pub const REUSE_ALIGN: usize = 32;

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
    /// Per KV-cache slot (slot 0: the main sequence; more for `generate_batch`), the token
    /// ids whose keys and values it holds, in order: a prompt that starts with them (a
    /// retry with a reminder appended, a second call on the same source) skips them
    /// (bisum's engine only, whose cache rows stay valid between calls).
    held: Vec<Vec<u32>>,
    /// Per slot, how many of `held`'s first tokens a prompt pass computed (the others were
    /// decoded): only those are reused (`reusable`).
    prefilled: Vec<usize>,
    /// Prompt tokens the last call took from `held` instead of processing them.
    last_reused: usize,
    /// Whether greedy calls check guessed tokens in batches (speculative decoding).
    speculation: Speculation,
    /// Most sequences `generate_batch` decodes together.
    batch: usize,
    /// What speculation did during the last call.
    last_draft: DraftStats,
    /// A hash of every prompt prefix run so far, for `novel`.
    seen: HashSet<u64>,
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
        // The file is hashed on another thread while the weights load (both read it; the
        // load is mostly the kernel zeroing fresh pages, on one core): a 1 GB model's
        // sha256 then costs no wall time.
        let (sha256, weights) = std::thread::scope(|scope| {
            let hash = (opts.sha256.is_none() && with_weights)
                .then(|| scope.spawn(|| crate::hash::sha256_file(path)));
            let weights = with_weights
                .then(|| {
                    Weights::load(
                        family,
                        runtime.engine,
                        gguf.content,
                        path,
                        &device,
                        context_length,
                        runtime.kernels,
                    )
                })
                .transpose();
            let sha256 = match hash {
                Some(h) => h.join().expect("the hashing thread does not panic"),
                None => Ok(opts.sha256.unwrap_or_default()),
            };
            (sha256, weights)
        });
        let sha256 = sha256.map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let weights = weights?;
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
            decoding: (with_weights && runtime.engine == Engine::Bisum).then_some(Decoding {
                batch: runtime.batch.clamp(1, MAX_BATCH),
                speculation: runtime.speculation,
            }),
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
            held: vec![Vec::new()],
            prefilled: vec![0],
            last_reused: 0,
            speculation: runtime.speculation,
            batch: runtime.batch.clamp(1, MAX_BATCH),
            last_draft: DraftStats::default(),
            seen: HashSet::new(),
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
        self.held.iter_mut().for_each(Vec::clear);
        self.prefilled.iter_mut().for_each(|p| *p = 0);
    }

    /// Prompt tokens the last call reused from the previous one's KV cache.
    pub fn last_reused(&self) -> usize {
        self.last_reused
    }

    /// Whether greedy calls guess tokens ahead and check them in batches (speculative
    /// decoding); outputs are the same either way.
    pub fn set_speculation(&mut self, s: Speculation) {
        self.speculation = s;
    }

    /// Guessed tokens proposed and kept during the last call.
    pub fn last_draft(&self) -> DraftStats {
        self.last_draft
    }

    /// `params` with its `avoid` words as token ids: the first token of each word as it
    /// would follow a space or open a line, in lower case and capitalised, where that
    /// token holds three letters or more (a shorter one begins too many other words).
    fn with_banned(&self, params: &GenParams) -> Result<GenParams> {
        let mut p = params.clone();
        for w in &params.avoid {
            let mut cap = w.chars();
            let cap: String = cap
                .next()
                .map(char::to_uppercase)
                .into_iter()
                .flatten()
                .chain(cap)
                .collect();
            for form in [format!(" {w}"), w.clone(), format!(" {cap}"), cap.clone()] {
                if let Some(&id) = self.encode(&form)?.first() {
                    let letters = self.decode(&[id])?.trim().chars().count();
                    if letters >= 3 && !p.banned.contains(&id) {
                        p.banned.push(id);
                    }
                }
            }
        }
        Ok(p)
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

    /// Each of `ids` with its text and log-probability. A token's text is what it adds to
    /// the decoded answer; one that holds part of a character adds nothing, and its
    /// log-probability goes to the token that completes the character. Each step decodes
    /// only the tokens since the last whole group and that group before them, not the
    /// answer so far: a decoder may drop a first token's leading space, and the group
    /// before carries that loss in both texts compared.
    fn read_tokens(&self, ids: &[u32], logprobs: &[f32]) -> Result<Vec<ReadToken>> {
        let mut read = Vec::with_capacity(ids.len());
        // ids[group..done]: the last tokens that decoded to whole characters together.
        let (mut group, mut done, mut pending) = (0, 0, 0.0);
        for (i, &l) in logprobs.iter().enumerate() {
            pending += l;
            let before = self.decode(&ids[group..done])?;
            let now = self.decode(&ids[group..=i])?;
            let whole = now.starts_with(&before) && !now.ends_with('\u{fffd}');
            if whole {
                read.push(ReadToken {
                    text: now[before.len()..].to_string(),
                    logprob: pending,
                });
                (group, done, pending) = (done, i + 1, 0.0);
            } else {
                read.push(ReadToken {
                    text: String::new(),
                    logprob: 0.0,
                });
            }
        }
        Ok(read)
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
        let mut lookup = PromptLookup::default();
        let draft: &mut dyn Draft = match self.speculates(params) {
            true => &mut lookup,
            false => &mut NoDraft,
        };
        self.generate_with(prompt, params, draft, progress)
    }

    /// Whether a call guesses tokens ahead: guesses are checked against greedy choices
    /// only (sampling draws at random), and only where a pass's rows are exact single steps.
    fn speculates(&self, params: &GenParams) -> bool {
        params.temperature <= 0.0
            && self.speculation == Speculation::Lookup
            && self.weights.as_ref().is_some_and(Weights::exact_rows)
    }

    /// `generate_ids` with the given source of guessed tokens (tests give their own: the
    /// output must not depend on them). With sampling, give `NoDraft`.
    pub fn generate_with(
        &mut self,
        prompt: &[u32],
        params: &GenParams,
        draft: &mut dyn Draft,
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
        let mut sampler = sampler_for(params);

        let t0 = Instant::now();
        let slot = self.best_slot(prompt, prompt.len() + params.max_new_tokens);
        let logits = self.prefill_in(slot, prompt)?;
        let prompt_secs = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let (out, stop, stats) =
            self.decode_from(slot, prompt, logits, params, &mut sampler, draft, progress)?;
        self.last_draft = stats;
        Ok((out, stop, prompt_secs, t1.elapsed().as_secs_f64()))
    }

    /// The tokens that follow `prompt`, whose last logits the cache just gave. Each step
    /// feeds the chosen token together with the draft's guesses of the next ones, and
    /// keeps the guesses up to the first the model would not have chosen: the rows of one
    /// small batch are computed as single steps would be (`Transformer::forward_rows`), so
    /// the output is plain decoding's whatever the guesses.
    #[allow(clippy::too_many_arguments)]
    fn decode_from(
        &mut self,
        slot: usize,
        prompt: &[u32],
        mut logits: Tensor,
        params: &GenParams,
        sampler: &mut LogitsProcessor,
        draft: &mut dyn Draft,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(Vec<u32>, StopReason, DraftStats)> {
        let g = Error::forward;
        let weights = self.weights.as_mut().ok_or(Error::NoWeights)?;
        let cached = &mut self.held[slot];
        let mut seq = prompt.to_vec();
        let mut out: Vec<u32> = Vec::with_capacity(params.max_new_tokens);
        let mut stats = DraftStats::default();
        let stops = Stops {
            ids: &self.stop_ids,
            tokenizer: &self.tokenizer,
        };
        if params.max_new_tokens == 0 {
            return Ok((out, StopReason::Length, stats));
        }
        loop {
            let next = choose(sampler, &logits, &out, params)?;
            if let Some(stop) = take(&stops, &mut out, next, params, progress) {
                return Ok((out, stop, stats));
            }
            seq.push(next);
            let pos = seq.len() - 1;
            let room = (params.max_new_tokens - out.len()).min(EXACT_ROWS - 1);
            let guesses = draft.propose(&seq, room);
            let mut feed = vec![next];
            feed.extend_from_slice(&guesses);
            let rows = match guesses.is_empty() {
                false => weights.forward_rows(slot, &feed, pos),
                true => None,
            };
            let rows = match rows {
                Some(rows) => rows.map_err(g)?,
                None => {
                    logits = weights
                        .forward_in(slot, &[next], pos, &self.device)
                        .map_err(g)?;
                    cached.push(next);
                    continue;
                }
            };
            cached.truncate(pos);
            cached.extend_from_slice(&feed);
            stats.proposed += guesses.len();
            let checked = keep_guesses(
                &rows,
                0,
                &guesses,
                &mut Pick {
                    sampler,
                    out: &mut out,
                    seq: &mut seq,
                    params,
                    stops: &stops,
                },
                progress,
            )?;
            stats.accepted += checked.kept;
            // Keys and values past the kept guesses are stale: later steps overwrite them.
            if let Some(stop) = checked.stop {
                cached.truncate(pos + checked.kept);
                return Ok((out, stop, stats));
            }
            cached.truncate(pos + checked.kept + 1);
            logits = checked.logits;
        }
    }
}

/// What choosing a sequence's tokens needs: its sampler, output so far, context (prompt and
/// output, where guesses are looked up) and the call's settings.
struct Pick<'a> {
    sampler: &'a mut LogitsProcessor,
    out: &'a mut Vec<u32>,
    seq: &'a mut Vec<u32>,
    params: &'a GenParams,
    stops: &'a Stops<'a>,
}

/// What ends a call besides its token limit: the model's end-of-turn tokens, and for a
/// one-sentence answer the line break after its sentence, read through the tokenizer.
struct Stops<'a> {
    ids: &'a [u32],
    tokenizer: &'a Tokenizer,
}

impl CandleModel {
    /// What ends this model's calls (`Stops`). Where the weights are borrowed mutably at the
    /// same time, the two fields are borrowed directly instead.
    fn stops(&self) -> Stops<'_> {
        Stops {
            ids: &self.stop_ids,
            tokenizer: &self.tokenizer,
        }
    }
}

impl Stops<'_> {
    /// Is the one-sentence answer `out` complete (`one_sentence_end`)? Such answers are a
    /// few dozen tokens: decoding them whole at each step costs microseconds.
    fn ends_sentence(&self, out: &[u32]) -> bool {
        let text = self.tokenizer.decode(out, true).unwrap_or_default();
        super::one_sentence_end(&text).is_some()
    }
}

/// The guesses a checked pass kept for one sequence.
struct Checked {
    kept: usize,
    /// Why the call ended, when a kept guess ended it.
    stop: Option<StopReason>,
    /// The logits after the last kept token: the next token is chosen from them.
    logits: Tensor,
}

/// Walks one sequence's rows of a checked pass: row `first + j` holds the logits after its
/// chosen token and its first `j` guesses. A guess is kept while it is the token those
/// logits choose, so the output is plain decoding's whatever the guesses.
fn keep_guesses(
    rows: &Tensor,
    first: usize,
    guesses: &[u32],
    pick: &mut Pick,
    progress: &mut dyn FnMut(usize),
) -> Result<Checked> {
    let g = Error::forward;
    let mut logits = rows.get(first).map_err(g)?;
    let mut kept = 0;
    while kept < guesses.len() {
        let u = choose(pick.sampler, &logits, pick.out, pick.params)?;
        if u != guesses[kept] {
            break;
        }
        kept += 1;
        if let Some(stop) = take(pick.stops, pick.out, u, pick.params, progress) {
            return Ok(Checked {
                kept,
                stop: Some(stop),
                logits,
            });
        }
        pick.seq.push(u);
        logits = rows.get(first + kept).map_err(g)?;
    }
    Ok(Checked {
        kept,
        stop: None,
        logits,
    })
}

/// How many tokens `a` and `b` share from the start.
fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Greedy choice at temperature 0, else sampling with the call's seed.
fn sampler_for(params: &GenParams) -> LogitsProcessor {
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
    LogitsProcessor::from_sampling(params.seed, sampling)
}

/// The next token from `logits`, after the repeat penalty over what was generated.
fn choose(
    sampler: &mut LogitsProcessor,
    logits: &Tensor,
    out: &[u32],
    params: &GenParams,
) -> Result<u32> {
    let g = Error::forward;
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
    if !params.banned.is_empty() {
        let mut v: Vec<f32> = l.to_vec1().map_err(g)?;
        for &id in &params.banned {
            if let Some(x) = v.get_mut(id as usize) {
                *x = f32::NEG_INFINITY;
            }
        }
        l = Tensor::from_vec(v, l.dims(), l.device()).map_err(g)?;
    }
    sampler.sample(&l).map_err(g)
}

/// Adds `next` to the output unless it ends the call; why the call ends, if it does.
fn take(
    stops: &Stops,
    out: &mut Vec<u32>,
    next: u32,
    params: &GenParams,
    progress: &mut dyn FnMut(usize),
) -> Option<StopReason> {
    if !params.ignore_eos && stops.ids.contains(&next) {
        return Some(StopReason::Eos);
    }
    out.push(next);
    progress(out.len());
    if params.one_sentence && stops.ends_sentence(out) {
        return Some(StopReason::Sentence);
    }
    if params.stop_on_loop {
        if let Some(keep) = loop_cut(out) {
            out.truncate(keep);
            return Some(StopReason::Repetition);
        }
    }
    (out.len() == params.max_new_tokens).then_some(StopReason::Length)
}

impl CandleModel {
    /// The longest prefix of `prompt` whose keys and values the cache holds from a prompt
    /// pass, leaving at least the last prompt token to process (its logits start the
    /// answer), cut to a multiple of `REUSE_ALIGN`: the rest of the prompt then goes
    /// through the kernels in the row tiles a fresh pass puts it in, so every prompt gives
    /// the same logits whatever was reused (a batch, a retry, another call's instructions)
    /// and a call's answer does not depend on the calls before it.
    fn reusable(&self, slot: usize, prompt: &[u32]) -> usize {
        let keeps = self.weights.as_ref().is_some_and(Weights::keeps_prefix);
        if !keeps {
            return 0;
        }
        let held = &self.held[slot][..self.prefilled[slot].min(self.held[slot].len())];
        let n = common_prefix(held, prompt).min(prompt.len().saturating_sub(1));
        n / REUSE_ALIGN * REUSE_ALIGN
    }

    /// Runs the prompt through the model, in batches of `prompt_batch`, from the end of
    /// the prefix the KV cache already holds (`reusable`); the logits of its last token.
    fn prefill(&mut self, prompt: &[u32]) -> Result<candle_core::Tensor> {
        self.prefill_in(0, prompt)
    }

    /// `prefill` into a batch slot's cache (slot 0: the main sequence's).
    fn prefill_in(&mut self, slot: usize, prompt: &[u32]) -> Result<candle_core::Tensor> {
        let g = Error::forward;
        let reused = self.reusable(slot, prompt);
        let weights = self.weights.as_mut().ok_or(Error::NoWeights)?;
        if reused == 0 && slot == 0 {
            weights.clear();
        }
        let held = &mut self.held[slot];
        held.truncate(reused);
        self.prefilled[slot] = reused;
        let mut logits = None;
        // Pieces end where a fresh prompt's would (at multiples of `prompt_batch`): past a
        // reused prefix, every later piece holds the rows it holds in a fresh run.
        let mut pos = reused;
        while pos < prompt.len() {
            let end = ((pos / self.prompt_batch + 1) * self.prompt_batch).min(prompt.len());
            let piece = &prompt[pos..end];
            logits = Some(
                weights
                    .forward_in(slot, piece, pos, &self.device)
                    .map_err(g)?,
            );
            held.extend_from_slice(piece);
            self.prefilled[slot] = end;
            pos = end;
        }
        self.last_reused = reused;
        logits.ok_or(Error::EmptyPrompt)
    }

    /// How many tokens of `prompt` are not a prefix of a prompt run before (counting it as
    /// run): the floor any prompt cache could bring processing down to.
    fn novel(&mut self, prompt: &[u32]) -> usize {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        prompt
            .iter()
            .filter(|&&t| {
                t.hash(&mut h);
                self.seen.insert(h.finish())
            })
            .count()
    }

    /// The slots a batch of `n` runs in, one per sequence: first the slot (of `0..n`) that
    /// holds the longest prefix of `first`, then the others in order. A batch's shared
    /// instructions are kept from the last batch like them, wherever it ran.
    fn batch_slots(&self, first: &[u32], n: usize) -> Vec<usize> {
        let holder = (0..n)
            .max_by_key(|&s| (self.reusable(s, first), std::cmp::Reverse(s)))
            .unwrap_or(0);
        std::iter::once(holder)
            .chain((0..n).filter(|&s| s != holder))
            .collect()
    }

    /// The slot a single call runs in: the one whose cache holds the longest prefix of its
    /// prompt (a retry finds its first attempt wherever a batch put it), among those with
    /// room for `need` positions; slot 0 on ties.
    fn best_slot(&self, prompt: &[u32], need: usize) -> usize {
        let Some(w) = self.weights.as_ref().filter(|w| w.exact_rows()) else {
            return 0;
        };
        let mut best = (common_prefix(&self.held[0], prompt), 0);
        for (slot, held) in self.held.iter().enumerate().skip(1) {
            let c = common_prefix(held, prompt);
            if c > best.0 && w.slot_positions(slot) >= need {
                best = (c, slot);
            }
        }
        best.1
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
            let v = floats(&logits)?;
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
            self.held[0].push(best as u32);
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
            let v = floats(&logits)?;
            let best = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            gaps.push(best - v.get(t as usize).copied().unwrap_or(f32::NEG_INFINITY));
            if j + 1 == tokens.len() {
                break;
            }
            logits = weights
                .forward(&[t], prompt.len() + j, &self.device)
                .map_err(g)?;
            self.held[0].push(t);
        }
        Ok(gaps)
    }

    /// The log-probability of each of `answer`'s tokens read after `prompt`: the model is
    /// given the answer rather than asked for one. The prompt reuses what the KV cache
    /// holds; the answer's tokens go through in one pass where rows can be read at once
    /// (bisum's attention), else one at a time.
    pub fn answer_logprobs(&mut self, prompt: &[u32], answer: &[u32]) -> Result<Vec<f32>> {
        let g = Error::forward;
        let need = prompt.len() + answer.len();
        if need > self.info.context_length {
            return Err(Error::ContextOverflow {
                what: "a call that reads an answer".into(),
                needed: need,
                available: self.info.context_length,
                hint: "raise --ctx".into(),
            });
        }
        let Some((_, feed)) = answer.split_last() else {
            return Ok(Vec::new());
        };
        let slot = self.best_slot(prompt, need);
        let first = self.prefill_in(slot, prompt)?;
        let weights = self.weights.as_mut().ok_or(Error::NoWeights)?;
        let mut rows = vec![first];
        if !feed.is_empty() {
            match weights.forward_rows(slot, feed, prompt.len()) {
                Some(all) => {
                    let all = all.map_err(g)?;
                    for i in 0..feed.len() {
                        rows.push(all.get(i).map_err(g)?);
                    }
                }
                None => {
                    for (j, &t) in feed.iter().enumerate() {
                        let pos = prompt.len() + j;
                        rows.push(
                            weights
                                .forward_in(slot, &[t], pos, &self.device)
                                .map_err(g)?,
                        );
                    }
                }
            }
            self.held[slot].extend_from_slice(feed);
        }
        rows.iter()
            .zip(answer)
            .map(|(row, &t)| Ok(log_softmax_at(&floats(row)?, t as usize)))
            .collect()
    }
}

/// One position's logits as `f32`s.
fn floats(logits: &Tensor) -> Result<Vec<f32>> {
    logits
        .to_dtype(candle_core::DType::F32)
        .and_then(|l| l.to_vec1())
        .map_err(Error::forward)
}

/// `log(softmax(logits)[i])`, summed from the largest logit down for a stable result.
fn log_softmax_at(logits: &[f32], i: usize) -> f32 {
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = logits.iter().map(|&x| f64::from(x - top).exp()).sum();
    let at = logits.get(i).copied().unwrap_or(f32::NEG_INFINITY);
    ((f64::from(at - top)) - sum.ln()) as f32
}

/// Most sequences `generate_batch` decodes together. On a CPU each row of a step costs
/// about 40 % of a single step (the weights are read once, each row's products are
/// computed): four rows take about twice a single step's time for four tokens, and more
/// rows gain little while their KV caches take memory.
pub const MAX_BATCH: usize = 4;

/// Extra KV-cache memory batch slots may take (beyond the main sequence's); a batch of long
/// prompts gets fewer slots. 256 MiB holds a second sequence of 4,096 positions for the
/// default model (56 KiB a position), or three more of 1,500: the summaries of several
/// article-length sources decode together.
const BATCH_KV_BYTES: usize = 256 << 20;

/// One sequence's result from `generate_batch_ids`.
pub struct Decoded {
    pub ids: Vec<u32>,
    pub stop: StopReason,
    pub prompt_seconds: f64,
    /// The steps' time, each shared among its rows.
    pub generation_seconds: f64,
    /// Prompt tokens taken from the slot's cache.
    pub reused: usize,
    /// Tokens guessed and kept (speculative decoding).
    pub draft: DraftStats,
}

/// One sequence of a batch being decoded.
struct Lane {
    out: Vec<u32>,
    /// The prompt and `out`: where guesses are looked up.
    seq: Vec<u32>,
    /// Guesses of the next tokens; `None` where the lane samples.
    lookup: Option<PromptLookup>,
    draft: DraftStats,
    logits: Tensor,
    sampler: LogitsProcessor,
    stop: Option<StopReason>,
    reused: usize,
    prompt_secs: f64,
    generation_secs: f64,
}

impl CandleModel {
    /// How many of these prompts (in order) `generate_batch_ids` runs together: as many as
    /// fit `MAX_BATCH` and the batch slots' memory, at least one.
    fn batch_for(&self, prompts: &[(&[u32], &GenParams)]) -> usize {
        let Some(w) = self.weights.as_ref().filter(|w| w.exact_rows()) else {
            return 1;
        };
        let per_position = w.kv_bytes_per_position().max(1);
        let mut longest = 0;
        for (n, (p, q)) in prompts.iter().enumerate().take(self.batch) {
            longest = longest.max(p.len() + q.max_new_tokens);
            if n > 0 && n * longest * per_position > BATCH_KV_BYTES {
                return n;
            }
        }
        prompts.len().clamp(1, self.batch)
    }

    /// Greedy (or sampled) continuations of up to `EXACT_ROWS` prompts (each with its
    /// own KV cache: mind their memory, see `batch_for`), decoded together: each step
    /// feeds every unfinished sequence's token (and, with speculation, guesses of the
    /// tokens after it: `batch_feeds`) in one forward pass, so the weights are read once
    /// for all. Each output is what `generate_ids` gives for its prompt alone, bit for bit
    /// (rows are single steps: `Transformer::step_rows`).
    pub fn generate_batch_ids(
        &mut self,
        requests: &[(&[u32], &GenParams)],
    ) -> Result<Vec<Decoded>> {
        let g = Error::forward;
        let ctx = self.info.context_length;
        let fits = requests
            .iter()
            .all(|(p, q)| !p.is_empty() && p.len() + q.max_new_tokens <= ctx);
        let exact = self.weights.as_ref().is_some_and(Weights::exact_rows);
        if requests.len() < 2 || requests.len() > EXACT_ROWS || !exact || !fits {
            return requests
                .iter()
                .map(|(p, q)| {
                    let (ids, stop, prompt_seconds, generation_seconds) =
                        self.generate_ids(p, q, &mut |_| {})?;
                    Ok(Decoded {
                        ids,
                        stop,
                        prompt_seconds,
                        generation_seconds,
                        reused: self.last_reused,
                        draft: self.last_draft,
                    })
                })
                .collect();
        }
        let n = requests.len();
        let longest = requests
            .iter()
            .map(|(p, q)| p.len() + q.max_new_tokens)
            .max();
        let weights = self.weights.as_mut().ok_or(Error::NoWeights)?;
        let fresh = weights.reserve(n, longest.unwrap_or(0)).map_err(g)?;
        self.held.resize(self.held.len().max(n), Vec::new());
        self.prefilled.resize(self.held.len(), 0);
        for s in fresh {
            self.held[s].clear();
            self.prefilled[s] = 0;
        }
        // The prefix all the prompts share (their instructions) is processed once, in the
        // slot that already holds most of it, and copied to the slots that do not hold it.
        let shared = requests
            .iter()
            .map(|(p, _)| common_prefix(p, requests[0].0).min(p.len() - 1))
            .min()
            .unwrap_or(0);
        let slots = self.batch_slots(requests[0].0, n);
        let mut lanes = Vec::with_capacity(n);
        for (&slot, (prompt, params)) in slots.iter().zip(requests) {
            let t0 = Instant::now();
            if slot != slots[0] && self.reusable(slot, prompt) < shared {
                let weights = self.weights.as_mut().ok_or(Error::NoWeights)?;
                weights.copy_prefix(slots[0], slot, shared).map_err(g)?;
                self.held[slot] = prompt[..shared].to_vec();
                self.prefilled[slot] = shared;
            }
            let logits = self.prefill_in(slot, prompt)?;
            lanes.push(Lane {
                out: Vec::with_capacity(params.max_new_tokens),
                seq: prompt.to_vec(),
                lookup: self.speculates(params).then(PromptLookup::default),
                draft: DraftStats::default(),
                logits,
                sampler: sampler_for(params),
                stop: (params.max_new_tokens == 0).then_some(StopReason::Length),
                reused: self.last_reused,
                prompt_secs: t0.elapsed().as_secs_f64(),
                generation_secs: 0.0,
            });
        }
        loop {
            let t = Instant::now();
            let feeds = self.batch_feeds(&mut lanes, requests)?;
            if feeds.is_empty() {
                break;
            }
            let (mut ids, mut at) = (Vec::new(), Vec::new());
            for f in &feeds {
                let (slot, pos) = (slots[f.lane], lanes[f.lane].seq.len() - 1);
                ids.push(f.next);
                at.push((slot, pos));
                for (j, &u) in f.guesses.iter().enumerate() {
                    ids.push(u);
                    at.push((slot, pos + 1 + j));
                }
            }
            let weights = self.weights.as_mut().ok_or(Error::NoWeights)?;
            let rows = weights.step_rows(&ids, &at).map_err(g)?;
            let share = t.elapsed().as_secs_f64() / ids.len() as f64;
            let stops = Stops {
                ids: &self.stop_ids,
                tokenizer: &self.tokenizer,
            };
            let mut first = 0;
            for f in feeds {
                let (lane, slot) = (&mut lanes[f.lane], slots[f.lane]);
                let pos = lane.seq.len() - 1;
                let held = &mut self.held[slot];
                held.truncate(pos);
                held.push(f.next);
                held.extend_from_slice(&f.guesses);
                lane.generation_secs += share * (1 + f.guesses.len()) as f64;
                lane.draft.proposed += f.guesses.len();
                let checked = keep_guesses(
                    &rows,
                    first,
                    &f.guesses,
                    &mut Pick {
                        sampler: &mut lane.sampler,
                        out: &mut lane.out,
                        seq: &mut lane.seq,
                        params: requests[f.lane].1,
                        stops: &stops,
                    },
                    &mut |_| {},
                )?;
                lane.draft.accepted += checked.kept;
                // Keys and values past the kept guesses are stale: later steps overwrite them.
                held.truncate(pos + checked.kept + usize::from(checked.stop.is_none()));
                lane.stop = checked.stop;
                lane.logits = checked.logits;
                first += 1 + f.guesses.len();
            }
        }
        Ok(lanes
            .into_iter()
            .map(|l| Decoded {
                ids: l.out,
                stop: l.stop.unwrap_or(StopReason::Length),
                prompt_seconds: l.prompt_secs,
                generation_seconds: l.generation_secs,
                reused: l.reused,
                draft: l.draft,
            })
            .collect())
    }
}

/// One lane's rows in a batched step: its chosen token, then the guesses after it.
struct Feed {
    lane: usize,
    next: u32,
    guesses: Vec<u32>,
}

impl CandleModel {
    /// The next batched step's rows: every unfinished lane's chosen token, then its guesses
    /// of the tokens after it while the pass stays within `EXACT_ROWS` rows (its rows are
    /// then single steps, bit for bit). The spare rows go out one guess per lane at a time,
    /// so one lane's guesses do not crowd out another's.
    fn batch_feeds(
        &self,
        lanes: &mut [Lane],
        requests: &[(&[u32], &GenParams)],
    ) -> Result<Vec<Feed>> {
        let mut feeds = Vec::new();
        let stops = self.stops();
        for (i, lane) in lanes.iter_mut().enumerate() {
            if lane.stop.is_some() {
                continue;
            }
            let params = requests[i].1;
            let next = choose(&mut lane.sampler, &lane.logits, &lane.out, params)?;
            lane.stop = take(&stops, &mut lane.out, next, params, &mut |_| {});
            if lane.stop.is_some() {
                continue;
            }
            lane.seq.push(next);
            let room = (params.max_new_tokens - lane.out.len()).min(EXACT_ROWS - 1);
            let guesses = match &mut lane.lookup {
                Some(d) => d.propose(&lane.seq, room),
                None => Vec::new(),
            };
            feeds.push(Feed {
                lane: i,
                next,
                guesses,
            });
        }
        let mut allowed = vec![0; feeds.len()];
        let mut spare = EXACT_ROWS.saturating_sub(feeds.len());
        for round in 0..EXACT_ROWS {
            for (f, a) in feeds.iter().zip(&mut allowed) {
                if spare > 0 && f.guesses.len() > round {
                    *a += 1;
                    spare -= 1;
                }
            }
        }
        for (f, a) in feeds.iter_mut().zip(allowed) {
            f.guesses.truncate(a);
        }
        Ok(feeds)
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

    fn batch_size(&self) -> usize {
        match self.weights.as_ref() {
            Some(w) if w.exact_rows() => self.batch,
            _ => 1,
        }
    }

    fn generate_batch(&mut self, requests: &[(&[Message], &GenParams)]) -> Vec<Result<Generation>> {
        let prompts: Vec<Result<Vec<u32>>> =
            requests.iter().map(|(m, _)| self.prompt_ids(m)).collect();
        let params: Vec<GenParams> = requests
            .iter()
            .map(|(_, q)| self.with_banned(q).unwrap_or_else(|_| (*q).clone()))
            .collect();
        let mut answers: Vec<Option<Result<Generation>>> =
            (0..requests.len()).map(|_| None).collect();
        // Prompts that render go in batches, shortest first, so that prompts of like length
        // share a batch (its slots are sized for its longest: `batch_for`); the others fail
        // alone. Each answer is what the call gives alone, in whatever batch it runs.
        let mut ready: Vec<usize> = (0..requests.len())
            .filter(|&i| prompts[i].is_ok())
            .collect();
        ready.sort_by_key(|&i| {
            let len = prompts[i].as_ref().map_or(0, Vec::len);
            len + params[i].max_new_tokens
        });
        let mut start = 0;
        while start < ready.len() {
            let batch: Vec<(&[u32], &GenParams)> = ready[start..]
                .iter()
                .map(|&i| (prompts[i].as_ref().expect("ready").as_slice(), &params[i]))
                .collect();
            let n = self.batch_for(&batch);
            let group = &ready[start..start + n];
            let novel: Vec<usize> = batch[..n].iter().map(|(p, _)| self.novel(p)).collect();
            match self.generate_batch_ids(&batch[..n]) {
                Ok(results) => {
                    for (j, (&i, d)) in group.iter().zip(results).enumerate() {
                        let text = self.decode(&d.ids).map(|t| t.trim().to_string());
                        answers[i] = Some(text.map(|text| Generation {
                            text,
                            prompt_tokens: batch[j].0.len(),
                            reused_prompt_tokens: d.reused,
                            new_prompt_tokens: Some(novel[j]),
                            generated_tokens: d.ids.len(),
                            drafted_tokens: d.draft.proposed,
                            accepted_draft_tokens: d.draft.accepted,
                            prompt_seconds: d.prompt_seconds,
                            generation_seconds: d.generation_seconds,
                            stop: d.stop,
                            score: None,
                            read: Vec::new(),
                        }));
                    }
                }
                // One failure: each call of the batch alone, so each gets its own result.
                Err(_) => {
                    for &i in group {
                        answers[i] = Some(self.generate(requests[i].0, requests[i].1, &mut |_| {}));
                    }
                }
            }
            start += n;
        }
        answers
            .into_iter()
            .zip(prompts)
            .map(|(a, p)| match (a, p) {
                (Some(a), _) => a,
                (None, Err(e)) => Err(e),
                (None, Ok(_)) => unreachable!("every ready prompt ran"),
            })
            .collect()
    }

    fn can_score(&self) -> bool {
        self.weights.is_some()
    }

    fn score(&mut self, messages: &[Message]) -> Result<Option<Generation>> {
        let Some((answer, asked)) = messages.split_last() else {
            return Err(Error::EmptyPrompt);
        };
        let prompt = self.prompt_ids(asked)?;
        let ids = self.encode(answer.content.trim())?;
        let novel = self.novel(&prompt);
        let t0 = Instant::now();
        let logprobs = self.answer_logprobs(&prompt, &ids)?;
        let mean =
            logprobs.iter().map(|&l| f64::from(l)).sum::<f64>() / logprobs.len().max(1) as f64;
        let read = self.read_tokens(&ids, &logprobs)?;
        Ok(Some(Generation {
            text: String::new(),
            prompt_tokens: prompt.len() + ids.len(),
            reused_prompt_tokens: self.last_reused,
            new_prompt_tokens: Some(novel),
            generated_tokens: 0,
            drafted_tokens: 0,
            accepted_draft_tokens: 0,
            prompt_seconds: t0.elapsed().as_secs_f64(),
            generation_seconds: 0.0,
            stop: StopReason::Eos,
            score: Some(mean),
            read,
        }))
    }

    fn generate(
        &mut self,
        messages: &[Message],
        params: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let prompt = self.prompt_ids(messages)?;
        let params = &self.with_banned(params)?;
        let novel = self.novel(&prompt);
        let (ids, stop, prompt_seconds, generation_seconds) =
            self.generate_ids(&prompt, params, progress)?;
        Ok(Generation {
            text: self.decode(&ids)?.trim().to_string(),
            prompt_tokens: prompt.len(),
            reused_prompt_tokens: self.last_reused,
            new_prompt_tokens: Some(novel),
            drafted_tokens: self.last_draft.proposed,
            accepted_draft_tokens: self.last_draft.accepted,
            generated_tokens: ids.len(),
            prompt_seconds,
            generation_seconds,
            stop,
            score: None,
            read: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{loop_cut, take, CandleModel, GenParams, LoadOptions, Runtime, Stops};
    use crate::model::StopReason;

    /// The tiny test model's tokenizer (its tokens are bytes), without weights.
    fn tiny_tokenizer() -> CandleModel {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        crate::model::tiny::write(&path, None).unwrap();
        let opts = LoadOptions {
            name: "tiny",
            sha256: None,
            max_context: 512,
            runtime: Runtime::default(),
        };
        CandleModel::load_tokenizer_only(&path, opts).unwrap()
    }

    #[test]
    fn tokens_read_add_up_to_the_answer_and_a_split_character_to_its_last_byte() {
        let m = tiny_tokenizer();
        let text = "Le résumé, déjà lu : 12 € au total.";
        let ids = m.encode(text).unwrap();
        let logprobs: Vec<f32> = (0..ids.len()).map(|i| -(i as f32)).collect();
        let read = m.read_tokens(&ids, &logprobs).unwrap();
        let joined: String = read.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(joined, text);
        // The tiny model's tokens are bytes: "é" is two, read as one with both their
        // log-probabilities on the second.
        let e = read.iter().position(|t| t.text == "é").unwrap();
        assert_eq!(read[e - 1].text, "");
        assert_eq!(read[e].logprob, logprobs[e - 1] + logprobs[e]);
        let total: f32 = read.iter().map(|t| t.logprob).sum();
        assert_eq!(total, logprobs.iter().sum::<f32>());
    }

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

    /// Feeds `text`'s tokens one at a time, as decoding does; the text taken when the call
    /// ends, and why.
    fn fed(m: &CandleModel, text: &str, params: &GenParams) -> (String, Option<StopReason>) {
        let stops = Stops {
            ids: &[],
            tokenizer: &m.tokenizer,
        };
        let mut out = Vec::new();
        for id in m.encode(text).unwrap() {
            if let Some(stop) = take(&stops, &mut out, id, params, &mut |_| {}) {
                return (m.decode(&out).unwrap(), Some(stop));
            }
        }
        (m.decode(&out).unwrap(), None)
    }

    #[test]
    fn a_one_sentence_answer_ends_at_the_line_break_after_its_sentence() {
        let m = tiny_tokenizer();
        let one = GenParams {
            max_new_tokens: 500,
            one_sentence: true,
            ..GenParams::default()
        };
        let answer = "Le conseil a voté le budget.\n\nTraduction de nouveau :\n\nLe conseil";
        let (text, stop) = fed(&m, answer, &one);
        assert_eq!(stop, Some(StopReason::Sentence));
        assert_eq!(text.trim(), "Le conseil a voté le budget.");
        // A lead-in is not the sentence: the call goes on to the sentence after it.
        let led = "Voici la traduction :\n\nLe conseil a voté le budget.\nNote : rien.";
        let (text, stop) = fed(&m, led, &one);
        assert_eq!(stop, Some(StopReason::Sentence));
        assert_eq!(
            text.trim(),
            "Voici la traduction :\n\nLe conseil a voté le budget."
        );
        // A second sentence on the line ends the call as it starts.
        let (text, stop) = fed(&m, "Le conseil a voté le budget. Il coûtera cher.", &one);
        assert_eq!(stop, Some(StopReason::Sentence));
        assert!(text.starts_with("Le conseil a voté le budget. ") && !text.contains("coûtera"));
        // Other calls write on through line breaks.
        let (text, stop) = fed(&m, answer, &GenParams::default());
        assert_eq!((text.as_str(), stop), (answer, None));
    }
}
