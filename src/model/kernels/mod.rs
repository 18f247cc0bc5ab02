//! Quantized matrix products on the weights' own compact blocks, and the choice of kernels.
//!
//! candle 0.11.1's x86 path (`QMatMul`) repacks Q4_K weights into expanded tiles on first
//! use and keeps them beside the originals: a second copy of the model (~1.2 GB more for
//! Qwen2.5-1.5B Q4_K_M), which single-token decoding then streams from memory for every
//! token. `QLinear` instead runs candle's public block kernels (`k_quants::matmul`: the
//! activations quantized once to the weights' dot-product type, AVX2 dot products, rows
//! and columns tiled over the thread pool) directly on the blocks read from the GGUF file,
//! so nothing is copied or expanded. Where candle has no vector kernel for a block type
//! (Q4_1: SmolLM2; Q5_0: Gemma 3), or has one only through a repacked copy of the weights
//! (Q4_K), bisum's own run instead (`tiles.rs` drives them, one file per block family).
//! Q4_K and Q6_K matrices are rearranged once, at load, into bisum's lane form, kept in
//! place of the file's blocks (`q4_k.rs` says why).
//! `MatMul::Candle` (`--matmul candle`) selects candle's `QMatMul` for everything, for
//! comparison (benchmarks and the token-equality tests).

pub mod act;
pub mod attention;
pub mod q4_1;
pub mod q4_k;
pub mod q6_k;
pub mod q8;
pub mod tiles;

use candle_core::quantized::k_quants;
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Result, Tensor};
use std::sync::Arc;

/// The kernels a model runs with. `Kernels::reference()` turns every bisum optimization off;
/// greedy tokens must not change (tests/engines.rs, tests/golden.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Kernels {
    pub matmul: MatMul,
    pub attention: Attention,
}

impl Kernels {
    /// candle's kernels only.
    pub fn reference() -> Self {
        Self {
            matmul: MatMul::Candle,
            attention: Attention::Candle,
        }
    }
}

impl Default for Kernels {
    /// The fastest.
    fn default() -> Self {
        Self {
            matmul: MatMul::Hybrid,
            attention: Attention::Own,
        }
    }
}

/// How single-token steps attend to the KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Attention {
    /// bisum's loop over the cache rows (`attention.rs`), heads spread over the threads.
    Own,
    /// candle tensor ops (matmul, softmax, matmul) per KV head.
    Candle,
}

/// Which kernel runs the quantized products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatMul {
    /// bisum's kernels where it has them (Q4_K and Q6_K in their lane form, kept in place
    /// of the file's blocks); otherwise compact blocks for small batches and candle's
    /// repacked tiles for prompt batches (default): the fastest on x86 AVX2, at the price
    /// of candle's repacked copy for the other types candle repacks.
    Hybrid,
    /// bisum's kernels where it has them, compact blocks otherwise: no second copy of the
    /// weights (peak memory about the model file plus the KV cache).
    Compact,
    /// candle's `QMatMul` always (repacks Q4_K on x86), never bisum's kernels.
    Candle,
}

/// Batches of up to this many rows give each row the result it gets alone, bit for bit:
/// they take the single-row kernels' arithmetic (compact blocks, bisum's row tiles), never
/// candle's repacked tiles nor the lane kernels, which sum in another order.
pub const EXACT_ROWS: usize = tiles::LANE_MIN_ROWS - 1;

/// A quantized linear layer without bias: `y = x · Wᵀ`.
pub struct QLinear {
    w: Weights,
    /// Output and input widths.
    n: usize,
    k: usize,
    /// candle's product, for what the compact kernels do not serve: a dtype without block
    /// kernels, a GPU device, prompt batches in hybrid mode, everything in candle mode.
    fallback: Option<QMatMul>,
    /// Batches of up to this many rows (small ones, or everything in compact mode) on
    /// the compact blocks.
    compact_rows: usize,
    /// bisum's own kernel for this block type, for every batch size.
    own: bool,
    /// bisum's own kernel for small batches only (Q6_K: candle's repacked tiles stay
    /// faster for prompt batches).
    own_small: bool,
}

/// A layer's weights as its kernels read them.
enum Weights {
    /// The GGUF file's blocks.
    Blocks(Arc<QTensor>),
    /// Q4_K and Q6_K with bisum's kernels on AVX2: the lane-major form, built from the
    /// blocks when the model loads and kept instead of them (`tiles::Packed`).
    Q4KLanes(tiles::Packed),
    Q6KLanes(tiles::Packed),
}

/// Block types whose matrices bisum keeps in lane form (`tiles::Packed`) in this build.
fn packable(d: GgmlDType) -> bool {
    match d {
        GgmlDType::Q4K => <q4_k::Q4K as tiles::TileKernel>::PACKED,
        GgmlDType::Q6K => <q6_k::Q6K as tiles::TileKernel>::PACKED,
        _ => false,
    }
}

impl QLinear {
    pub fn new(w: Arc<QTensor>, mode: MatMul) -> Result<Self> {
        let (n, k) = w.shape().dims2()?;
        let usable = matches!(w.device(), Device::Cpu) && supported(w.dtype());
        let own = usable && mode != MatMul::Candle && has_own(w.dtype());
        let own_small = usable
            && mode != MatMul::Candle
            && w.dtype() == GgmlDType::Q6K
            && tiles::VECTOR
            && k % q4_k::QK_K == 0;
        let own = own || (own_small && mode == MatMul::Compact);
        // A tensor another part of the model also reads (tied embeddings) keeps its blocks:
        // packing it would hold two copies.
        let packs = (own || own_small)
            && packable(w.dtype())
            && n % tiles::LANES == 0
            && k % q4_k::QK_K == 0
            && Arc::strong_count(&w) == 1;
        let compact_rows = match mode {
            _ if !usable => 0,
            _ if own || packs => usize::MAX,
            MatMul::Candle => 0,
            MatMul::Hybrid => EXACT_ROWS,
            MatMul::Compact => usize::MAX,
        };
        // QMatMul::from_arc shares the tensor; candle repacks only when it first runs.
        let fallback = if compact_rows == usize::MAX {
            None
        } else {
            Some(QMatMul::from_arc(w.clone())?)
        };
        let w = if packs {
            let data = w.data()?;
            let kb = k / q4_k::QK_K;
            match w.dtype() {
                GgmlDType::Q4K => {
                    Weights::Q4KLanes(tiles::Packed::new::<q4_k::Q4K>(blocks(&data)?, n, kb))
                }
                _ => Weights::Q6KLanes(tiles::Packed::new::<q6_k::Q6K>(blocks(&data)?, n, kb)),
            }
        } else {
            Weights::Blocks(w)
        };
        Ok(Self {
            w,
            n,
            k,
            fallback,
            compact_rows,
            own,
            own_small,
        })
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (n, k) = (self.n, self.k);
        let rows = x.elem_count() / k.max(1);
        if let Some(f) = &self.fallback {
            if rows > self.compact_rows {
                return f.forward(x);
            }
        }
        let dims = x.dims();
        let last = *dims.last().unwrap_or(&0);
        if last != k {
            candle_core::bail!("QLinear: input {:?} does not end in {k}", dims);
        }
        let m = rows;
        let lhs = x
            .flatten_all()?
            .to_dtype(candle_core::DType::F32)?
            .to_vec1::<f32>()?;
        let mut dst = vec![0f32; m * n];
        match &self.w {
            Weights::Q4KLanes(p) => tiles::matmul_packed::<q4_k::Q4K>(m, k, &lhs, p, &mut dst),
            Weights::Q6KLanes(p) => tiles::matmul_packed::<q6_k::Q6K>(m, k, &lhs, p, &mut dst),
            Weights::Blocks(w) => {
                let data = w.data()?;
                if self.own || (rows <= EXACT_ROWS && self.own_small) {
                    own_matmul(w.dtype(), (m, k, n), &lhs, &data, &mut dst)?;
                } else {
                    matmul(w.dtype(), (m, k, n), &lhs, &data, &mut dst)?;
                }
            }
        }
        let mut out_dims = dims.to_vec();
        *out_dims.last_mut().expect("non-empty dims") = n;
        Tensor::from_vec(dst, out_dims, x.device())
    }
}

/// Several linear layers reading the same input (Q, K and V; gate and up), run as one
/// product per run of matching block types: their weight rows concatenated, so one
/// quantization of the input and one pass of the thread pool instead of one per layer.
/// Each output element is the same dot product as unfused, so results do not change.
pub struct FusedLinear {
    groups: Vec<(QLinear, Vec<usize>)>,
}

impl FusedLinear {
    pub fn new(weights: Vec<QTensor>, mode: MatMul) -> Result<Self> {
        let mut groups: Vec<(Vec<QTensor>, Vec<usize>)> = Vec::new();
        for w in weights {
            let rows = w.shape().dims2()?.0;
            match groups.last_mut() {
                Some((ws, sizes))
                    if ws[0].dtype() == w.dtype()
                        && ws[0].shape().dims2()?.1 == w.shape().dims2()?.1 =>
                {
                    ws.push(w);
                    sizes.push(rows);
                }
                _ => groups.push((vec![w], vec![rows])),
            }
        }
        let groups = groups
            .into_iter()
            .map(|(ws, sizes)| Ok((QLinear::new(Arc::new(concat_rows(ws)?), mode)?, sizes)))
            .collect::<Result<_>>()?;
        Ok(Self { groups })
    }

    /// One output per weight given to `new`, in order.
    pub fn forward(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        let mut out = Vec::new();
        for (lin, sizes) in &self.groups {
            let y = lin.forward(x)?;
            if sizes.len() == 1 {
                out.push(y);
                continue;
            }
            let last = y.rank() - 1;
            let mut at = 0;
            for &n in sizes {
                out.push(y.narrow(last, at, n)?.contiguous()?);
                at += n;
            }
        }
        Ok(out)
    }
}

/// One tensor holding the rows of several (same type, same width); the parts' memory is
/// released as they are consumed.
fn concat_rows(ws: Vec<QTensor>) -> Result<QTensor> {
    if ws.len() == 1 {
        return Ok(ws.into_iter().next().expect("one tensor"));
    }
    let (dtype, k, device) = (ws[0].dtype(), ws[0].shape().dims2()?.1, ws[0].device());
    let mut bytes = Vec::new();
    let mut rows = 0;
    for w in ws {
        rows += w.shape().dims2()?.0;
        bytes.extend_from_slice(&w.data()?);
    }
    let storage = candle_core::quantized::QStorage::from_data(
        std::borrow::Cow::Owned(bytes),
        &device,
        dtype,
    )?;
    QTensor::new(storage, (rows, k))
}

/// Block types bisum has its own (faster than candle's) kernel for, in this build.
fn has_own(d: GgmlDType) -> bool {
    match d {
        GgmlDType::Q4_1 => tiles::VECTOR,
        GgmlDType::Q4K => tiles::VECTOR,
        GgmlDType::Q5_0 | GgmlDType::Q8_0 => tiles::VECTOR,
        _ => false,
    }
}

fn own_matmul(
    dtype: GgmlDType,
    mkn: (usize, usize, usize),
    lhs: &[f32],
    rhs: &[u8],
    dst: &mut [f32],
) -> Result<()> {
    match dtype {
        GgmlDType::Q4_1 => tiles::matmul::<q4_1::Q4_1>(mkn, lhs, blocks(rhs)?, dst),
        GgmlDType::Q4K => tiles::matmul::<q4_k::Q4K>(mkn, lhs, blocks(rhs)?, dst),
        GgmlDType::Q6K => tiles::matmul::<q6_k::Q6K>(mkn, lhs, blocks(rhs)?, dst),
        GgmlDType::Q5_0 => tiles::matmul::<q8::Q5_0>(mkn, lhs, blocks(rhs)?, dst),
        GgmlDType::Q8_0 => tiles::matmul::<q8::Q8_0>(mkn, lhs, blocks(rhs)?, dst),
        other => candle_core::bail!("no bisum kernel for {other:?}"),
    }
    Ok(())
}

fn supported(d: GgmlDType) -> bool {
    use GgmlDType as D;
    matches!(
        d,
        D::Q4_0
            | D::Q4_1
            | D::Q5_0
            | D::Q5_1
            | D::Q8_0
            | D::Q2K
            | D::Q3K
            | D::Q4K
            | D::Q5K
            | D::Q6K
    )
}

/// Views the tensor's bytes as its blocks. The bytes are the storage of a `Vec` of those
/// blocks, so size and alignment hold; both are checked all the same.
fn blocks<T>(bytes: &[u8]) -> Result<&[T]> {
    let size = std::mem::size_of::<T>();
    if bytes.len() % size != 0 || (bytes.as_ptr() as usize) % std::mem::align_of::<T>() != 0 {
        candle_core::bail!("quantized data is not a whole number of aligned blocks");
    }
    // SAFETY: length and alignment checked above; every bit pattern is a valid block
    // (plain integers and f16 scales).
    Ok(unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const T, bytes.len() / size) })
}

fn matmul(
    dtype: GgmlDType,
    mkn: (usize, usize, usize),
    lhs: &[f32],
    rhs: &[u8],
    dst: &mut [f32],
) -> Result<()> {
    use k_quants::*;
    use GgmlDType as D;
    match dtype {
        D::Q4_0 => k_quants::matmul::<BlockQ4_0>(mkn, lhs, blocks(rhs)?, dst),
        D::Q4_1 => k_quants::matmul::<BlockQ4_1>(mkn, lhs, blocks(rhs)?, dst),
        D::Q5_0 => k_quants::matmul::<BlockQ5_0>(mkn, lhs, blocks(rhs)?, dst),
        D::Q5_1 => k_quants::matmul::<BlockQ5_1>(mkn, lhs, blocks(rhs)?, dst),
        D::Q8_0 => k_quants::matmul::<BlockQ8_0>(mkn, lhs, blocks(rhs)?, dst),
        D::Q2K => k_quants::matmul::<BlockQ2K>(mkn, lhs, blocks(rhs)?, dst),
        D::Q3K => k_quants::matmul::<BlockQ3K>(mkn, lhs, blocks(rhs)?, dst),
        D::Q4K => k_quants::matmul::<BlockQ4K>(mkn, lhs, blocks(rhs)?, dst),
        D::Q5K => k_quants::matmul::<BlockQ5K>(mkn, lhs, blocks(rhs)?, dst),
        D::Q6K => k_quants::matmul::<BlockQ6K>(mkn, lhs, blocks(rhs)?, dst),
        other => candle_core::bail!("no compact kernel for {other:?}"),
    }
}

#[cfg(test)]
mod speed {
    //! `cargo test --release --lib kernels::speed -- --ignored --nocapture`: bisum's kernels
    //! against candle's on one Qwen2.5-1.5B-sized matrix (a development aid, not a check).
    use super::*;
    use candle_core::quantized::GgmlDType;
    use std::time::Instant;

    fn time(label: &str, reps: usize, mut f: impl FnMut()) {
        f();
        // The fastest repetition: this shared machine's noise only ever adds time.
        let best = (0..reps)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!("{label}: {:.2} ms", best * 1e3);
    }

    #[test]
    #[ignore]
    fn head_speed() {
        // Gemma 3's output head: 262144 × 640 Q8_0, 178 MB, streamed from memory per token.
        let (k, n) = (640, 262144);
        let f: Vec<f32> = (0..n * k)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.1)
            .collect();
        let t = Tensor::from_vec(f, (n, k), &Device::Cpu).unwrap();
        let w = Arc::new(QTensor::quantize(&t, GgmlDType::Q8_0).unwrap());
        let x = Tensor::ones((1, k), candle_core::DType::F32, &Device::Cpu).unwrap();
        for mode in [MatMul::Hybrid, MatMul::Candle] {
            let l = QLinear::new(w.clone(), mode).unwrap();
            time(&format!("head {mode:?}"), 20, || {
                l.forward(&x).unwrap();
            });
        }
    }

    #[test]
    #[ignore]
    fn matmul_speed() {
        let (k, n) = (1536, 8960);
        for dtype in [
            GgmlDType::Q4K,
            GgmlDType::Q6K,
            GgmlDType::Q4_1,
            GgmlDType::Q8_0,
            GgmlDType::Q5_0,
        ] {
            let f: Vec<f32> = (0..n * k)
                .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.1)
                .collect();
            let t = Tensor::from_vec(f, (n, k), &Device::Cpu).unwrap();
            let w = Arc::new(QTensor::quantize(&t, dtype).unwrap());
            for m in [1usize, 4, 64, 512] {
                let x = Tensor::ones((m, k), candle_core::DType::F32, &Device::Cpu).unwrap();
                let reps = match m {
                    1 | 4 => 100,
                    64 => 10,
                    _ => 3,
                };
                for mode in [MatMul::Hybrid, MatMul::Compact, MatMul::Candle] {
                    // A tensor of its own, as a model's layer holds it: a shared one
                    // (like a tied embedding) is never packed.
                    let own = Arc::new(QTensor::quantize(&t, dtype).unwrap());
                    let l = QLinear::new(own, mode).unwrap();
                    time(&format!("{dtype:?} m={m} {mode:?}"), reps, || {
                        l.forward(&x).unwrap();
                    });
                }
                let lhs = vec![1f32; m * k];
                let mut dst = vec![0f32; m * n];
                let data = w.data().unwrap();
                time(&format!("{dtype:?} m={m} candle compact"), reps, || {
                    matmul(dtype, (m, k, n), &lhs, &data, &mut dst).unwrap();
                });
            }
        }
    }
}
