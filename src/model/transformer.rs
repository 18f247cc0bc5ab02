//! bisum's own forward pass for the llama, qwen2, qwen3 and gemma3 families, on candle's
//! and bisum's quantized kernels. It differs from candle-transformers' models where CPU decoding spends its time:
//! - the KV cache is preallocated, one contiguous buffer per KV head, so a step writes one
//!   row instead of concatenating the whole cache, and attention reads a prefix of it;
//! - grouped-query attention multiplies each KV head with its group of query heads at once,
//!   instead of copying the keys and values once per query head (`repeat_kv`);
//! - the token embedding stays quantized and only the rows of the current tokens are
//!   dequantized (candle dequantizes Qwen's 151936 × 1536 table: 0.9 GB of f32);
//! - a tied output head shares the embedding's quantized weights.
//!
//! Gemma 3 adds, as llama.cpp runs it: embeddings scaled by √hidden, norms after attention
//! and after the feed-forward block, GELU (tanh) instead of SiLU, and five sliding-window
//! layers (their own RoPE base, keys older than the window masked) for each global one.
//!
//! Positions are bounded by the KV cache, sized to the context the pipeline plans for.

use super::family::Family;
use super::kernels::{act, attention, Attention as AttnKernel, FusedLinear, Kernels, QLinear};
use candle_core::quantized::{gguf_file, QStorage, QTensor};
use candle_core::{DType, Device, Result, Tensor};
use std::borrow::Cow;
use std::sync::Arc;

struct Attention {
    /// Q, K and V projections.
    qkv: FusedLinear,
    o: QLinear,
    q_bias: Option<Tensor>,
    k_bias: Option<Tensor>,
    v_bias: Option<Tensor>,
    q_norm: Option<Tensor>,
    k_norm: Option<Tensor>,
    /// One KV cache per sequence slot (slot 0: the model's main sequence; more for
    /// batched decoding).
    slots: Vec<KvCache>,
}

/// A sequence's keys and values in one layer: per KV head, `[positions, head_dim]`, rows
/// `0..pos` valid.
struct KvCache {
    k: Vec<Tensor>,
    v: Vec<Tensor>,
}

impl KvCache {
    fn new(n_kv: usize, positions: usize, hd: usize, device: &Device) -> Result<Self> {
        let zeros = || Tensor::zeros((positions, hd), DType::F32, device);
        Ok(Self {
            k: (0..n_kv).map(|_| zeros()).collect::<Result<_>>()?,
            v: (0..n_kv).map(|_| zeros()).collect::<Result<_>>()?,
        })
    }

    fn positions(&self) -> usize {
        self.k.first().map_or(0, |t| t.dims()[0])
    }

    /// Copies all of `old`'s positions into the start of this (larger) cache.
    fn take_from(&mut self, old: &KvCache) -> Result<()> {
        for (new, old) in self
            .k
            .iter_mut()
            .zip(&old.k)
            .chain(self.v.iter_mut().zip(&old.v))
        {
            new.slice_set(old, 0, 0)?;
        }
        Ok(())
    }
}

/// Where the tokens of one forward pass go: a run of positions in one slot (a prompt or a
/// single sequence's step), or one token per row, each in its own slot and position
/// (batched decoding).
#[derive(Clone, Copy)]
pub enum At<'a> {
    Run { slot: usize, pos: usize },
    Rows(&'a [(usize, usize)]),
}

struct Layer {
    attn_norm: Tensor,
    attn: Attention,
    ffn_norm: Tensor,
    /// Gate and up projections.
    gate_up: FusedLinear,
    down: QLinear,
    /// Gemma 3's norms on the attention and feed-forward outputs.
    post_attn_norm: Option<Tensor>,
    post_ffn_norm: Option<Tensor>,
    /// Sliding-window layers: a query sees only the keys less than this many positions back.
    window: Option<usize>,
}

/// Token embedding kept quantized; rows are dequantized when looked up.
struct QEmbedding {
    table: Arc<QTensor>,
    dim: usize,
    row_bytes: usize,
    /// Off the CPU, the table is dequantized once instead.
    dense: Option<Tensor>,
}

impl QEmbedding {
    fn new(table: Arc<QTensor>, device: &Device) -> Result<Self> {
        let (_vocab, dim) = table.shape().dims2()?;
        let dtype = table.dtype();
        let row_bytes = dim / dtype.block_size() * dtype.type_size();
        let dense = if device.is_cpu() {
            None
        } else {
            Some(table.dequantize(device)?)
        };
        Ok(Self {
            table,
            dim,
            row_bytes,
            dense,
        })
    }

    fn forward(&self, ids: &[u32], device: &Device) -> Result<Tensor> {
        if let Some(d) = &self.dense {
            let idx = Tensor::new(ids, device)?;
            return d.index_select(&idx, 0);
        }
        let data = self.table.data()?;
        let mut rows = Vec::with_capacity(ids.len() * self.row_bytes);
        for &id in ids {
            let start = id as usize * self.row_bytes;
            let row = data.get(start..start + self.row_bytes).ok_or_else(|| {
                candle_core::Error::Msg(format!("token id {id} outside the embedding table"))
            })?;
            rows.extend_from_slice(row);
        }
        let storage = QStorage::from_data(Cow::Owned(rows), &Device::Cpu, self.table.dtype())?;
        QTensor::new(storage, (ids.len(), self.dim))?.dequantize(device)
    }
}

pub struct Transformer {
    family: Family,
    embed: QEmbedding,
    layers: Vec<Layer>,
    norm: Tensor,
    output: QLinear,
    cos: Tensor,
    sin: Tensor,
    /// RoPE tables of the sliding-window layers, where their base differs.
    local_rope: Option<(Tensor, Tensor)>,
    /// Gemma 3 multiplies the embeddings by √hidden.
    embed_scale: Option<f64>,
    n_head: usize,
    n_kv_head: usize,
    head_dim: usize,
    eps: f32,
    max_positions: usize,
    device: Device,
    /// bisum's decode attention (CPU only).
    own_attention: bool,
}

fn md<'a>(ct: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value> {
    ct.metadata
        .get(key)
        .ok_or_else(|| candle_core::Error::Msg(format!("GGUF metadata has no `{key}`")))
}

impl Transformer {
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        family: Family,
        ct: &gguf_file::Content,
        reader: &mut R,
        device: &Device,
        max_positions: usize,
        kernels: Kernels,
    ) -> Result<Self> {
        let arch = md(ct, "general.architecture")?.to_string()?.clone();
        let get = |k: &str| md(ct, &format!("{arch}.{k}"));
        let n_head = get("attention.head_count")?.to_u32()? as usize;
        let n_kv_head = get("attention.head_count_kv")?.to_u32()? as usize;
        let n_layer = get("block_count")?.to_u32()? as usize;
        let hidden = get("embedding_length")?.to_u32()? as usize;
        let eps = get("attention.layer_norm_rms_epsilon")?.to_f32()?;
        let theta = get("rope.freq_base")
            .and_then(|v| v.to_f32())
            .unwrap_or(10_000.0);
        let head_dim = match get("attention.key_length") {
            Ok(v) => v.to_u32()? as usize,
            Err(_) => hidden / n_head,
        };
        let rope_dim = get("rope.dimension_count")
            .and_then(|v| v.to_u32())
            .map(|v| v as usize)
            .unwrap_or(head_dim);
        if rope_dim != head_dim {
            candle_core::bail!(
                "partial rotary embeddings ({rope_dim} of {head_dim}) are not supported"
            );
        }

        let gemma = family == Family::Gemma3;
        // llama.cpp's Gemma 3: every sixth layer global, the others sliding-window with a
        // RoPE base of 10,000; global layers may stretch positions (linear RoPE scaling).
        let window = if gemma {
            Some(get("attention.sliding_window")?.to_u32()? as usize)
        } else {
            None
        };
        let rope_scale = match get("rope.scaling.type").and_then(|v| v.to_string().cloned()) {
            Ok(t) if t == "linear" => get("rope.scaling.factor")?.to_f32()?,
            Ok(t) if t != "none" => candle_core::bail!("RoPE scaling `{t}` is not supported"),
            _ => 1.0,
        };
        let mode = kernels.matmul;
        let mut q = |name: &str| ct.tensor(reader, name, device);
        let embd = Arc::new(q("token_embd.weight")?);
        let output = if ct.tensor_infos.contains_key("output.weight") {
            QLinear::new(Arc::new(q("output.weight")?), mode)?
        } else {
            QLinear::new(embd.clone(), mode)?
        };
        let norm = q("output_norm.weight")?.dequantize(device)?;
        let mut layers = Vec::with_capacity(n_layer);
        for i in 0..n_layer {
            let p = |n: &str| format!("blk.{i}.{n}");
            let has = |n: &str| ct.tensor_infos.contains_key(&p(n));
            let mut opt = |n: &str| -> Result<Option<Tensor>> {
                if has(n) {
                    Ok(Some(ct.tensor(reader, &p(n), device)?.dequantize(device)?))
                } else {
                    Ok(None)
                }
            };
            let q_bias = opt("attn_q.bias")?;
            let k_bias = opt("attn_k.bias")?;
            let v_bias = opt("attn_v.bias")?;
            let q_norm = opt("attn_q_norm.weight")?;
            let k_norm = opt("attn_k_norm.weight")?;
            let post_attn_norm = opt("post_attention_norm.weight")?;
            let post_ffn_norm = opt("post_ffw_norm.weight")?;
            let mut t = |n: &str| ct.tensor(reader, &p(n), device);
            let qkv = FusedLinear::new(
                vec![
                    t("attn_q.weight")?,
                    t("attn_k.weight")?,
                    t("attn_v.weight")?,
                ],
                mode,
            )?;
            let o = QLinear::new(Arc::new(t("attn_output.weight")?), mode)?;
            let gate_up = FusedLinear::new(vec![t("ffn_gate.weight")?, t("ffn_up.weight")?], mode)?;
            let down = QLinear::new(Arc::new(t("ffn_down.weight")?), mode)?;
            let attn_norm = t("attn_norm.weight")?.dequantize(device)?;
            let ffn_norm = t("ffn_norm.weight")?.dequantize(device)?;
            let attn = Attention {
                qkv,
                o,
                q_bias,
                k_bias,
                v_bias,
                q_norm,
                k_norm,
                slots: vec![KvCache::new(n_kv_head, max_positions, head_dim, device)?],
            };
            layers.push(Layer {
                attn_norm,
                attn,
                ffn_norm,
                gate_up,
                down,
                post_attn_norm,
                post_ffn_norm,
                window: window.filter(|_| i % 6 < 5),
            });
        }
        let (cos, sin) = rope_tables(head_dim, theta, rope_scale, max_positions, device)?;
        let local_rope = if gemma {
            Some(rope_tables(head_dim, 10_000.0, 1.0, max_positions, device)?)
        } else {
            None
        };
        Ok(Self {
            family,
            embed: QEmbedding::new(embd, device)?,
            layers,
            norm,
            output,
            cos,
            sin,
            local_rope,
            embed_scale: gemma.then(|| (hidden as f32).sqrt() as f64),
            n_head,
            n_kv_head,
            head_dim,
            eps,
            max_positions,
            own_attention: kernels.attention == AttnKernel::Own && device.is_cpu(),
            device: device.clone(),
        })
    }

    /// Logits of the last of `ids`, which sit at positions `pos..pos + ids.len()`; the KV
    /// cache must hold positions `0..pos` of the same sequence.
    pub fn forward(&mut self, ids: &[u32], pos: usize) -> Result<Tensor> {
        self.forward_in(0, ids, pos)
    }

    /// `forward` in a slot's sequence (see `reserve`).
    pub fn forward_in(&mut self, slot: usize, ids: &[u32], pos: usize) -> Result<Tensor> {
        let x = self.hidden(ids, At::Run { slot, pos })?;
        self.head(&x.narrow(0, ids.len() - 1, 1)?)?.squeeze(0)
    }

    /// Logits after each of `ids` (`[ids.len(), vocab]`), as `forward` places them. A
    /// batch of up to `EXACT_ROWS` tokens gives every row the logits that feeding the
    /// tokens one at a time gives, bit for bit: speculative decoding checks draft tokens
    /// this way.
    pub fn forward_rows(&mut self, slot: usize, ids: &[u32], pos: usize) -> Result<Tensor> {
        if !self.own_attention {
            // candle's attention over several queries sums in another order.
            candle_core::bail!("rows are exact with bisum's attention only");
        }
        let x = self.hidden(ids, At::Run { slot, pos })?;
        self.head(&x)
    }

    /// One decoding step of several sequences at once: token `ids[i]` at position
    /// `at[i].1` of slot `at[i].0`; logits `[ids.len(), vocab]`. The weights are read once
    /// for all rows, and each row's logits are those of the sequence's own single step,
    /// bit for bit, up to `EXACT_ROWS` rows.
    pub fn step_rows(&mut self, ids: &[u32], at: &[(usize, usize)]) -> Result<Tensor> {
        if !self.own_attention || ids.len() != at.len() || ids.len() > EXACT_ROWS {
            candle_core::bail!("batched steps take bisum's attention and up to {EXACT_ROWS} rows");
        }
        let x = self.hidden(ids, At::Rows(at))?;
        self.head(&x)
    }

    /// Makes slots `0..n` exist with room for `positions` each (slot 0 keeps the model's
    /// context). A slot that grows keeps what it held, so a prefix cached in it is still
    /// there for the next batch. Returns the slots that were created.
    pub fn reserve(&mut self, n: usize, positions: usize) -> Result<Vec<usize>> {
        let positions = positions.min(self.max_positions);
        let (n_kv, hd) = (self.n_kv_head, self.head_dim);
        let mut fresh = Vec::new();
        for slot in 1..n {
            let held = self.layers[0].attn.slots.get(slot).map(KvCache::positions);
            if held.is_some_and(|h| h >= positions) {
                continue;
            }
            for layer in self.layers.iter_mut() {
                let mut cache = KvCache::new(n_kv, positions, hd, &self.device)?;
                match layer.attn.slots.get_mut(slot) {
                    Some(old) => {
                        cache.take_from(old)?;
                        *old = cache;
                    }
                    None => layer.attn.slots.push(cache),
                }
            }
            if held.is_none() {
                fresh.push(slot);
            }
        }
        Ok(fresh)
    }

    /// Copies the keys and values of positions `0..n` from slot `from` to slot `to`: a
    /// prompt prefix the batch's sequences share is processed once.
    pub fn copy_prefix(&mut self, from: usize, to: usize, n: usize) -> Result<()> {
        for layer in self.layers.iter_mut() {
            let slots = &mut layer.attn.slots;
            for kv in 0..slots[from].k.len() {
                let k = slots[from].k[kv].narrow(0, 0, n)?;
                let v = slots[from].v[kv].narrow(0, 0, n)?;
                slots[to].k[kv].slice_set(&k, 0, 0)?;
                slots[to].v[kv].slice_set(&v, 0, 0)?;
            }
        }
        Ok(())
    }

    /// Positions slot `slot`'s cache has room for (0 where there is no such slot).
    pub fn slot_positions(&self, slot: usize) -> usize {
        self.layers[0]
            .attn
            .slots
            .get(slot)
            .map_or(0, KvCache::positions)
    }

    /// Bytes of keys and values one position of one sequence takes.
    pub fn kv_bytes_per_position(&self) -> usize {
        self.layers.len() * self.n_kv_head * self.head_dim * 2 * std::mem::size_of::<f32>()
    }

    /// Whether `forward_rows` gives each row a single step's logits (bisum's attention).
    pub fn exact_rows(&self) -> bool {
        self.own_attention
    }

    fn head(&self, x: &Tensor) -> Result<Tensor> {
        let x = candle_nn::ops::rms_norm(x, &self.norm, self.eps)?;
        self.output.forward(&x)
    }

    /// The last layer's output for `ids` placed `at`, `[seq, hidden]`; writes their keys
    /// and values into the caches.
    fn hidden(&mut self, ids: &[u32], at: At) -> Result<Tensor> {
        let seq = ids.len();
        // Each row's slot and position, where rows are computed one by one.
        let rows: Vec<(usize, usize)> = match at {
            At::Rows(r) => r.to_vec(),
            At::Run { slot, pos } if seq <= EXACT_ROWS && self.own_attention => {
                (pos..pos + seq).map(|p| (slot, p)).collect()
            }
            At::Run { .. } => Vec::new(),
        };
        let (slot, pos) = match at {
            At::Run { slot, pos } => (slot, pos),
            At::Rows(r) => (usize::MAX, r.iter().map(|&(_, p)| p).min().unwrap_or(0)),
        };
        let room = |s: usize| self.slot_positions(s);
        let over = match at {
            At::Run { slot, pos } => (pos + seq > room(slot)).then_some((slot, pos + seq)),
            At::Rows(r) => r
                .iter()
                .find(|&&(s, p)| p >= room(s))
                .map(|&(s, p)| (s, p + 1)),
        };
        if let Some((s, end)) = over {
            candle_core::bail!(
                "position {end} beyond the KV cache of slot {s} ({})",
                room(s)
            );
        }
        let mut x = self.embed.forward(ids, &self.device)?; // [seq, hidden]
        if let Some(s) = self.embed_scale {
            x = (x * s)?;
        }
        // RoPE rows: a run's positions, or each row's own.
        let pick = |t: &Tensor| -> Result<Tensor> {
            match at {
                At::Run { pos, .. } => t.narrow(0, pos, seq),
                At::Rows(r) => {
                    let idx: Vec<u32> = r.iter().map(|&(_, p)| p as u32).collect();
                    t.index_select(&Tensor::new(idx.as_slice(), t.device())?, 0)
                }
            }
        };
        let global = (pick(&self.cos)?, pick(&self.sin)?);
        let local = match &self.local_rope {
            Some((c, s)) => Some((pick(c)?, pick(s)?)),
            None => None,
        };
        let window = self.layers.iter().find_map(|l| l.window);
        let (mask, local_mask) = if seq > 1 && rows.is_empty() {
            (
                Some(causal_mask(seq, pos, None, &self.device)?),
                match window {
                    Some(w) => Some(causal_mask(seq, pos, Some(w), &self.device)?),
                    None => None,
                },
            )
        } else {
            (None, None)
        };
        let heads = Heads {
            n_head: self.n_head,
            n_kv: self.n_kv_head,
            hd: self.head_dim,
            eps: self.eps,
            family: self.family,
            own: self.own_attention,
        };
        for layer in self.layers.iter_mut() {
            let sliding = layer.window.is_some();
            let (cos, sin) = match (&local, sliding) {
                (Some(l), true) => l,
                _ => &global,
            };
            let mask = if sliding {
                local_mask.as_ref()
            } else {
                mask.as_ref()
            };
            let h = candle_nn::ops::rms_norm(&x, &layer.attn_norm, self.eps)?;
            let step = Step {
                pos,
                slot,
                rows: &rows,
                cos,
                sin,
                mask,
                window: layer.window,
            };
            let mut a = layer.attn.forward(&h, &heads, &step)?;
            if let Some(w) = &layer.post_attn_norm {
                a = candle_nn::ops::rms_norm(&a, w, self.eps)?;
            }
            x = (x + a)?;
            let h = candle_nn::ops::rms_norm(&x, &layer.ffn_norm, self.eps)?;
            let mut gu = layer.gate_up.forward(&h)?.into_iter();
            let (g, u) = (gu.next().expect("gate"), gu.next().expect("up"));
            let gu = match self.family {
                Family::Gemma3 if self.device.is_cpu() => act::gelu_mul(&g, &u)?,
                Family::Gemma3 => (g.gelu()? * u)?,
                _ => (g.silu()? * u)?,
            };
            let mut f = layer.down.forward(&gu)?;
            if let Some(w) = &layer.post_ffn_norm {
                f = candle_nn::ops::rms_norm(&f, w, self.eps)?;
            }
            x = (x + f)?;
        }
        Ok(x)
    }
}

/// The attention shape every layer shares.
#[derive(Clone, Copy)]
struct Heads {
    n_head: usize,
    n_kv: usize,
    hd: usize,
    eps: f32,
    family: Family,
    /// bisum's single-token attention over the KV cache.
    own: bool,
}

/// What one forward pass gives a layer's attention: where the tokens sit, their RoPE rows
/// and, for prompt batches, the causal mask.
struct Step<'a> {
    /// A run's first position and slot (prompt batches).
    pos: usize,
    slot: usize,
    /// Each row's slot and position, where rows are computed one by one (small batches,
    /// batched decoding); empty for prompt batches.
    rows: &'a [(usize, usize)],
    cos: &'a Tensor,
    sin: &'a Tensor,
    mask: Option<&'a Tensor>,
    window: Option<usize>,
}

impl Heads {
    /// `[seq, heads * hd]` -> `[1, heads, seq, hd]` with its norm and RoPE applied, the
    /// layout candle's rope kernels take.
    fn rotate(&self, t: Tensor, n: usize, norm: &Option<Tensor>, step: &Step) -> Result<Tensor> {
        let seq = t.dim(0)?;
        let t = t.reshape((seq, n, self.hd))?;
        let t = match norm {
            Some(w) => candle_nn::ops::rms_norm(&t, w, self.eps)?,
            None => t,
        };
        let t = t.transpose(0, 1)?.contiguous()?.unsqueeze(0)?;
        match self.family {
            Family::Llama => candle_nn::rotary_emb::rope_i(&t, step.cos, step.sin),
            Family::Qwen2 | Family::Qwen3 | Family::Gemma3 => {
                candle_nn::rotary_emb::rope(&t, step.cos, step.sin)
            }
        }
    }

    /// Gemma 3: keys and values rounded to f16, as llama.cpp's KV cache stores them. Its
    /// greedy tokens follow llama.cpp's only with that rounding (its logits are wide enough
    /// for the difference to flip a 0.56 margin); the other families match without it.
    fn kv_round(&self, t: Tensor) -> Result<Tensor> {
        match self.family {
            Family::Gemma3 => t.to_dtype(DType::F16)?.to_dtype(DType::F32),
            _ => Ok(t),
        }
    }
}

impl Attention {
    /// Q `[n_head, seq, hd]`, K and V `[n_kv, seq, hd]` of the layer's input.
    fn project(&self, h: &Tensor, heads: &Heads, step: &Step) -> Result<(Tensor, Tensor, Tensor)> {
        let seq = h.dim(0)?;
        let mut qkv = self.qkv.forward(h)?.into_iter();
        let mut proj = |b: &Option<Tensor>| -> Result<Tensor> {
            let y = qkv.next().expect("three projections");
            match b {
                Some(b) => y.broadcast_add(b),
                None => Ok(y),
            }
        };
        let q = heads
            .rotate(proj(&self.q_bias)?, heads.n_head, &self.q_norm, step)?
            .squeeze(0)?;
        let k = heads.rotate(proj(&self.k_bias)?, heads.n_kv, &self.k_norm, step)?;
        let k = heads.kv_round(k.squeeze(0)?)?;
        let v = heads
            .kv_round(proj(&self.v_bias)?)?
            .reshape((seq, heads.n_kv, heads.hd))?
            .transpose(0, 1)?
            .contiguous()?;
        Ok((q, k, v))
    }

    /// Stores K and V (`[n_kv, seq, hd]`) where the step places them.
    fn store(&mut self, k: &Tensor, v: &Tensor, step: &Step) -> Result<()> {
        for kv in 0..k.dim(0)? {
            let (k, v) = (k.get(kv)?, v.get(kv)?);
            if step.rows.is_empty() {
                let c = &mut self.slots[step.slot];
                c.k[kv].slice_set(&k, 0, step.pos)?;
                c.v[kv].slice_set(&v, 0, step.pos)?;
                continue;
            }
            for (i, &(slot, pos)) in step.rows.iter().enumerate() {
                let c = &mut self.slots[slot];
                c.k[kv].slice_set(&k.narrow(0, i, 1)?, 0, pos)?;
                c.v[kv].slice_set(&v.narrow(0, i, 1)?, 0, pos)?;
            }
        }
        Ok(())
    }

    /// The layer's attention output for `h` (`[seq, hidden]`).
    fn forward(&mut self, h: &Tensor, heads: &Heads, step: &Step) -> Result<Tensor> {
        let seq = h.dim(0)?;
        let (q, k, v) = self.project(h, heads, step)?;
        self.store(&k, &v, step)?;
        let y = if heads.own && !step.rows.is_empty() {
            self.rows(&q, heads, step)?
        } else {
            // A single query in a sliding-window layer sees only the window's keys; prompt
            // batches get the window from their mask.
            let first = match step.window {
                Some(w) if seq == 1 => (step.pos + seq).saturating_sub(w),
                _ => 0,
            };
            self.prompt(&q, heads, step, first)?
        };
        self.o.forward(&y)
    }

    /// A few queries, each over the cache as a single-token step would see it (the
    /// positions up to its own), with bisum's kernel: `[seq, n_head * hd]`, every row
    /// bit-identical to decoding its token alone.
    fn rows(&self, q: &Tensor, heads: &Heads, step: &Step) -> Result<Tensor> {
        let mut out = Vec::with_capacity(step.rows.len());
        for (i, &(slot, pos)) in step.rows.iter().enumerate() {
            let len = pos + 1;
            // A query in a sliding-window layer sees only the window's keys.
            let first = step.window.map_or(0, |w| len.saturating_sub(w));
            let qi = q.narrow(1, i, 1)?.contiguous()?;
            out.push(self.decode(&qi, heads, &self.slots[slot], first, len)?);
        }
        Tensor::cat(&out, 0)
    }

    /// One query over the KV cache with bisum's kernel: `[1, n_head * hd]`.
    fn decode(
        &self,
        q: &Tensor,
        heads: &Heads,
        cache: &KvCache,
        first: usize,
        len: usize,
    ) -> Result<Tensor> {
        let (n_kv, hd) = (heads.n_kv, heads.hd);
        let q = q.flatten_all()?.to_vec1::<f32>()?;
        let guards: Vec<_> = cache
            .k
            .iter()
            .chain(&cache.v)
            .map(|t| t.storage_and_layout())
            .collect();
        let caches = guards
            .iter()
            .map(|(s, l)| match &**s {
                candle_core::Storage::Cpu(c) => {
                    Ok(&c.as_slice::<f32>()?[l.start_offset() + first * hd..])
                }
                _ => candle_core::bail!("own attention runs on the CPU only"),
            })
            .collect::<Result<Vec<&[f32]>>>()?;
        let mut out = vec![0f32; heads.n_head * hd];
        attention::decode(
            &q,
            &caches[..n_kv],
            &caches[n_kv..],
            len - first,
            hd,
            &mut out,
        );
        drop(guards);
        Tensor::from_vec(out, (1, heads.n_head * hd), &Device::Cpu)
    }

    /// Queries of a prompt batch (or any step, with candle's ops) over the KV cache:
    /// `[seq, n_head * hd]`.
    fn prompt(&self, q: &Tensor, heads: &Heads, step: &Step, first: usize) -> Result<Tensor> {
        let seq = q.dim(1)?;
        let group = heads.n_head / heads.n_kv;
        let mut outs = Vec::with_capacity(heads.n_kv);
        for kv in 0..heads.n_kv {
            let qh = q.narrow(0, kv * group, group)?; // [group, seq, hd]
            outs.push(self.prompt_head(&qh, kv, step, first)?);
        }
        // [n_head, seq, hd] -> [seq, n_head * hd]
        Tensor::cat(&outs, 0)?
            .transpose(0, 1)?
            .reshape((seq, heads.n_head * heads.hd))
    }

    /// One KV head's group of query heads, in chunks of queries: each chunk reads only the
    /// keys its causal mask lets it see, and its scores (`[group × 128, keys]` floats, 12 MB
    /// at 4096 keys) stay under glibc's largest mmap threshold (32 MB), so they reuse heap
    /// pages instead of being mapped, zeroed and unmapped per layer.
    fn prompt_head(&self, qh: &Tensor, kv: usize, step: &Step, first: usize) -> Result<Tensor> {
        let (group, seq, hd) = qh.dims3()?;
        let len = step.pos + seq;
        let scale = (hd as f64).sqrt();
        let mut parts = Vec::new();
        let mut c0 = 0;
        while c0 < seq {
            let cs = QUERY_CHUNK.min(seq - c0);
            let klen = if step.mask.is_some() {
                step.pos + c0 + cs
            } else {
                len
            };
            let cache = &self.slots[step.slot];
            let keys = cache.k[kv].narrow(0, first, klen - first)?; // contiguous rows
            let values = cache.v[kv].narrow(0, first, klen - first)?;
            // The group's query heads as rows: [group * cs, hd].
            let qg = qh
                .narrow(1, c0, cs)?
                .contiguous()?
                .reshape((group * cs, hd))?;
            let mut s = (qg.matmul(&keys.t()?)? / scale)?; // [group * cs, klen - first]
            if let Some(m) = step.mask {
                // Masks come with prompt batches only, where `first` is 0.
                let m = m.narrow(0, c0, cs)?.narrow(1, 0, klen)?;
                s = s
                    .reshape((group, cs, klen))?
                    .broadcast_add(&m)?
                    .reshape((group * cs, klen))?;
            }
            let p = candle_nn::ops::softmax_last_dim(&s)?;
            parts.push(p.matmul(&values)?.reshape((group, cs, hd))?);
            c0 += cs;
        }
        if parts.len() == 1 {
            Ok(parts.pop().expect("one part"))
        } else {
            Tensor::cat(&parts, 1)
        }
    }
}

/// Batches of up to this many tokens are computed row by row where the order of float
/// sums could differ from a single-token step (attention; the matrix products' small
/// batches already sum in single-row order: `kernels::EXACT_ROWS`).
pub const EXACT_ROWS: usize = super::kernels::EXACT_ROWS;

/// Query rows per attention chunk in prompt batches.
const QUERY_CHUNK: usize = 128;

/// `[seq, pos + seq]`: 0 where a query may look, -inf at later positions and, with a
/// sliding window, at keys `window` or more positions back (llama.cpp's rule).
fn causal_mask(seq: usize, pos: usize, window: Option<usize>, device: &Device) -> Result<Tensor> {
    let len = pos + seq;
    let w = window.unwrap_or(usize::MAX);
    let data: Vec<f32> = (0..seq)
        .flat_map(|i| {
            (0..len).map(move |j| {
                let q = pos + i;
                if j > q || q - j >= w {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
        })
        .collect();
    Tensor::from_vec(data, (seq, len), device)
}

fn rope_tables(
    dim: usize,
    theta: f32,
    scale: f32,
    positions: usize,
    device: &Device,
) -> Result<(Tensor, Tensor)> {
    let inv: Vec<f32> = (0..dim / 2)
        .map(|i| 1.0 / theta.powf(2.0 * i as f32 / dim as f32))
        .collect();
    let inv = Tensor::from_vec(inv, (1, dim / 2), device)?;
    let t = Tensor::arange(0u32, positions as u32, device)?
        .to_dtype(DType::F32)?
        .affine(1.0 / scale as f64, 0.0)?
        .reshape((positions, 1))?;
    let freqs = t.broadcast_mul(&inv)?;
    Ok((freqs.cos()?, freqs.sin()?))
}
