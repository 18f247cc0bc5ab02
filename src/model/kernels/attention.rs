//! Single-token attention over the KV cache, a run of query heads per work item.
//!
//! Decoding asks, per layer and KV head, for a [group × head_dim] by [head_dim × len] product,
//! a softmax and a [group × len] by [len × head_dim] product. Through candle tensor ops that
//! is a transposed-operand GEMM with its packing, a softmax kernel and a second GEMM per KV
//! head, each with its allocations; at a 600-token context they cost Qwen2.5-1.5B about a
//! fifth of its decoding time. Here each work item is a run of query heads that share one
//! KV head, in candle's thread pool: the run's heads take each key and value row together,
//! so the cache is read once per run rather than once per head (at 3,000 positions a KV
//! head's keys and values outgrow the core's L2 cache, and six heads each re-reading them
//! took a third of Qwen2.5-1.5B's decoding time). Each score and each output is still the
//! sum of the same products in the same order as one head alone would take them.

use candle_core::utils::{barrier_pool, get_num_threads};

const LANES: usize = 8;

/// Most query heads a vector pass takes together: their accumulators fill the 16 AVX2
/// registers with the rows they share.
#[cfg(bisum_avx2)]
const RUN: usize = 6;

/// `out[h]` = softmax(q[h] · keys[kv]ᵀ / √head_dim) · values[kv], for every query head `h`,
/// `kv = h / (n_head / keys.len())`. `q` and `out` hold `n_head × head_dim` values; each
/// `keys[kv]` and `values[kv]` holds at least `len × head_dim`.
pub fn decode(
    q: &[f32],
    keys: &[&[f32]],
    values: &[&[f32]],
    len: usize,
    head_dim: usize,
    out: &mut [f32],
) {
    let n_head = q.len() / head_dim;
    let group = n_head / keys.len();
    assert_eq!(out.len(), q.len());
    assert!(keys.iter().chain(values).all(|c| c.len() >= len * head_dim));
    let scale = 1.0 / (head_dim as f32).sqrt();
    // Each KV head's group of query heads in as many runs as it takes to give every
    // thread work, and no more: each run reads the KV head's rows once.
    let parts = get_num_threads().div_ceil(keys.len()).clamp(1, group);
    let runs: Vec<(usize, usize)> = (0..keys.len())
        .flat_map(|kv| {
            (0..parts).map(move |p| {
                (
                    kv * group + p * group / parts,
                    kv * group + (p + 1) * group / parts,
                )
            })
        })
        .filter(|(a, b)| a < b)
        .collect();
    let dst = Dst(out.as_mut_ptr());
    barrier_pool().execute_chunked(runs.len(), |range| {
        let mut scores = Vec::new();
        for &(h0, h1) in &runs[range] {
            let kv = h0 / group;
            let d = h0 * head_dim..h1 * head_dim;
            // SAFETY: heads h0..h1's output rows are written by this work item only.
            let o = unsafe { std::slice::from_raw_parts_mut(dst.at(d.start), d.len()) };
            scores.resize((h1 - h0) * len, 0.0);
            run(&q[d], keys[kv], values[kv], scale, head_dim, &mut scores, o);
        }
    });
}

/// Attention for a run of query heads over one KV head's rows: `q` and `out` hold the
/// run's heads one after the other (`hd` floats each), and `scores` has room for one score
/// per head and cache row.
fn run(
    q: &[f32],
    keys: &[f32],
    values: &[f32],
    scale: f32,
    hd: usize,
    scores: &mut [f32],
    out: &mut [f32],
) {
    let len = scores.len() / (q.len() / hd);
    #[cfg(bisum_avx2)]
    if hd % 32 == 0 && len > 0 {
        // SAFETY: compile-time target features; slice lengths checked by `decode`.
        unsafe { avx2::run(q, keys, values, scale, hd, scores, out) };
        return;
    }
    for ((qh, s), o) in q
        .chunks_exact(hd)
        .zip(scores.chunks_exact_mut(len.max(1)))
        .zip(out.chunks_exact_mut(hd))
    {
        plain_scores(qh, keys, scale, s);
        let inv = softmax(s);
        o.fill(0.0);
        for (j, &p) in s.iter().enumerate() {
            for (o, v) in o.iter_mut().zip(&values[j * hd..(j + 1) * hd]) {
                *o += p * v;
            }
        }
        o.iter_mut().for_each(|o| *o *= inv);
    }
}

/// exp(s − max s) in place; returns 1 / Σ, the factor that normalises the weighted sum.
fn softmax(scores: &mut [f32]) -> f32 {
    let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
    let mut sum = 0f32;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    1.0 / sum
}

fn plain_scores(q: &[f32], keys: &[f32], scale: f32, scores: &mut [f32]) {
    let hd = q.len();
    for (j, s) in scores.iter_mut().enumerate() {
        *s = dot(q, &keys[j * hd..(j + 1) * hd]) * scale;
    }
}

#[cfg(bisum_avx2)]
mod avx2 {
    use super::{softmax, RUN};
    use crate::model::kernels::tiles::hsum;
    use std::arch::x86_64::*;

    /// `super::run` with AVX2: the heads go through in passes of up to `RUN`.
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features. `q` and `out` hold `hd` floats per
    /// head, a multiple of 32; `scores` holds `len` floats per head, and `keys` and `values`
    /// `len` rows.
    pub unsafe fn run(
        q: &[f32],
        keys: &[f32],
        values: &[f32],
        scale: f32,
        hd: usize,
        scores: &mut [f32],
        out: &mut [f32],
    ) {
        let heads = q.len() / hd;
        let len = scores.len() / heads;
        let mut h = 0;
        while h < heads {
            let n = (heads - h).min(RUN);
            let (qs, ss) = (
                &q[h * hd..(h + n) * hd],
                &mut scores[h * len..(h + n) * len],
            );
            let os = &mut out[h * hd..(h + n) * hd];
            match n {
                1 => pass::<1>(qs, keys, values, scale, ss, os),
                2 => pass::<2>(qs, keys, values, scale, ss, os),
                3 => pass::<3>(qs, keys, values, scale, ss, os),
                4 => pass::<4>(qs, keys, values, scale, ss, os),
                5 => pass::<5>(qs, keys, values, scale, ss, os),
                _ => pass::<6>(qs, keys, values, scale, ss, os),
            }
            h += n;
        }
    }

    #[inline(always)]
    unsafe fn pass<const H: usize>(
        q: &[f32],
        keys: &[f32],
        values: &[f32],
        scale: f32,
        scores: &mut [f32],
        out: &mut [f32],
    ) {
        let len = scores.len() / H;
        scores_of::<H>(q, keys, scale, scores);
        let mut inv = [0f32; H];
        for (i, s) in inv.iter_mut().zip(scores.chunks_exact_mut(len)) {
            *i = softmax(s);
        }
        weighted_sum::<H>(scores, values, &inv, out);
    }

    /// q_h · k for every head of the pass and cache row, two rows at a time: each head's
    /// score of a row is one chain of FMAs over the head dimension, as for a head alone,
    /// and the pass's 2H chains hide the FMA latency.
    #[inline(always)]
    unsafe fn scores_of<const H: usize>(q: &[f32], keys: &[f32], scale: f32, scores: &mut [f32]) {
        let hd = q.len() / H;
        let len = scores.len() / H;
        let (qp, kp) = (q.as_ptr(), keys.as_ptr());
        let mut j = 0;
        while j + 2 <= len {
            let mut acc = [[_mm256_setzero_ps(); 2]; H];
            for c in (0..hd).step_by(8) {
                let k0 = _mm256_loadu_ps(kp.add(j * hd + c));
                let k1 = _mm256_loadu_ps(kp.add((j + 1) * hd + c));
                for (h, a) in acc.iter_mut().enumerate() {
                    let qv = _mm256_loadu_ps(qp.add(h * hd + c));
                    a[0] = _mm256_fmadd_ps(qv, k0, a[0]);
                    a[1] = _mm256_fmadd_ps(qv, k1, a[1]);
                }
            }
            for (h, a) in acc.iter().enumerate() {
                scores[h * len + j] = hsum(a[0]) * scale;
                scores[h * len + j + 1] = hsum(a[1]) * scale;
            }
            j += 2;
        }
        if j < len {
            let mut acc = [_mm256_setzero_ps(); H];
            for c in (0..hd).step_by(8) {
                let k = _mm256_loadu_ps(kp.add(j * hd + c));
                for (h, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_fmadd_ps(_mm256_loadu_ps(qp.add(h * hd + c)), k, *a);
                }
            }
            for (h, a) in acc.iter().enumerate() {
                scores[h * len + j] = hsum(*a) * scale;
            }
        }
    }

    /// Σ_j p_hj v_j × inv_h for every head of the pass. The value rows go by in tiles that
    /// stay in the L1 cache while the pass takes 16 output dimensions at a time over them:
    /// each value row is read from memory once for all heads and dimensions (a pass over
    /// all rows per 16 dimensions would read every row from L2 or memory eight times over,
    /// 64 bytes at a time). Each output lane is still one chain of FMAs over the rows in
    /// order, as for a head alone: between tiles its sum waits in `out`, exactly.
    #[inline(always)]
    unsafe fn weighted_sum<const H: usize>(
        p: &[f32],
        values: &[f32],
        inv: &[f32; H],
        out: &mut [f32],
    ) {
        let hd = out.len() / H;
        let len = p.len() / H;
        let tile = (L1_TILE_BYTES / (4 * hd)).max(8);
        let (vp, op) = (values.as_ptr(), out.as_mut_ptr());
        out.fill(0.0);
        for j0 in (0..len).step_by(tile) {
            let j1 = (j0 + tile).min(len);
            // The next tile is on its way while this one is summed: each pass over this
            // tile's rows fetches as many 64-byte lines of the next tile as it reads here.
            let next_rows = len.min(j1 + tile) - j1;
            for c in (0..hd).step_by(16) {
                let mut acc = [[_mm256_setzero_ps(); 2]; H];
                for (h, a) in acc.iter_mut().enumerate() {
                    a[0] = _mm256_loadu_ps(op.add(h * hd + c));
                    a[1] = _mm256_loadu_ps(op.add(h * hd + c + 8));
                }
                for j in j0..j1 {
                    let row = vp.add(j * hd + c);
                    if j - j0 < next_rows {
                        _mm_prefetch::<_MM_HINT_T0>(row.add(tile * hd) as *const i8);
                    }
                    let (v0, v1) = (_mm256_loadu_ps(row), _mm256_loadu_ps(row.add(8)));
                    for (h, a) in acc.iter_mut().enumerate() {
                        let w = _mm256_set1_ps(*p.get_unchecked(h * len + j));
                        a[0] = _mm256_fmadd_ps(w, v0, a[0]);
                        a[1] = _mm256_fmadd_ps(w, v1, a[1]);
                    }
                }
                for (h, a) in acc.iter().enumerate() {
                    _mm256_storeu_ps(op.add(h * hd + c), a[0]);
                    _mm256_storeu_ps(op.add(h * hd + c + 8), a[1]);
                }
            }
        }
        for (o, &i) in out.chunks_exact_mut(hd).zip(inv) {
            let s = _mm256_set1_ps(i);
            for c in (0..hd).step_by(8) {
                let x = _mm256_loadu_ps(o.as_ptr().add(c));
                _mm256_storeu_ps(o.as_mut_ptr().add(c), _mm256_mul_ps(x, s));
            }
        }
    }

    /// Bytes of value rows a tile holds: a third of a 48 KB L1 data cache.
    const L1_TILE_BYTES: usize = 16 * 1024;
}

/// Eight independent partial sums, so the loop vectorizes without reordering a sum.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ac.zip(bc) {
        for l in 0..LANES {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    acc.iter().sum::<f32>() + tail
}

struct Dst(*mut f32);
// SAFETY: work items write disjoint heads, and the pool joins before `out` is read.
unsafe impl Sync for Dst {}

impl Dst {
    /// A method, so closures capture the whole `Dst` (which is `Sync`), not its pointer.
    fn at(&self, i: usize) -> *mut f32 {
        self.0.wrapping_add(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_plain_softmax_attention() {
        // Head sizes with and without the vector path, lengths with and without a tail.
        for (hd, len) in [(20, 13), (64, 13), (128, 40)] {
            check(6, 2, hd, len);
        }
        // Groups of query heads that take one pass, several passes (7: 6 + 1), or one
        // head per KV head; odd and even cache lengths.
        for (n_head, n_kv, len) in [(12, 2, 41), (14, 2, 40), (9, 3, 1), (4, 4, 17)] {
            check(n_head, n_kv, 128, len);
        }
    }

    fn check(n_head: usize, n_kv: usize, hd: usize, len: usize) {
        let val = |i: usize| (i * 7919 % 1013) as f32 / 506.0 - 1.0;
        let q: Vec<f32> = (0..n_head * hd).map(val).collect();
        let k: Vec<Vec<f32>> = (0..n_kv)
            .map(|h| (0..len * hd).map(|i| val(i + 999 * h + 5)).collect())
            .collect();
        let v: Vec<Vec<f32>> = (0..n_kv)
            .map(|h| (0..len * hd).map(|i| val(i * 3 + h)).collect())
            .collect();
        let keys: Vec<&[f32]> = k.iter().map(|x| x.as_slice()).collect();
        let values: Vec<&[f32]> = v.iter().map(|x| x.as_slice()).collect();
        let mut out = vec![0f32; n_head * hd];
        decode(&q, &keys, &values, len, hd, &mut out);
        for h in 0..n_head {
            let kv = h / (n_head / n_kv);
            let s: Vec<f64> = (0..len)
                .map(|j| {
                    (0..hd)
                        .map(|d| (q[h * hd + d] * k[kv][j * hd + d]) as f64)
                        .sum::<f64>()
                        / (hd as f64).sqrt()
                })
                .collect();
            let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = s.iter().map(|x| (x - m).exp()).sum();
            for d in 0..hd {
                let want: f64 = (0..len)
                    .map(|j| (s[j] - m).exp() / z * v[kv][j * hd + d] as f64)
                    .sum();
                assert!(
                    (out[h * hd + d] as f64 - want).abs() < 1e-5,
                    "head {h} dim {d}"
                );
            }
        }
    }
}
