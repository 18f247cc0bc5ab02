//! Single-token attention over the KV cache, one query head per work item.
//!
//! Decoding asks, per layer and KV head, for a [group × head_dim] by [head_dim × len] product,
//! a softmax and a [group × len] by [len × head_dim] product. Through candle tensor ops that
//! is a transposed-operand GEMM with its packing, a softmax kernel and a second GEMM per KV
//! head, each with its allocations; at a 600-token context they cost Qwen2.5-1.5B about a
//! fifth of its decoding time. Here each query head is one pass over the cache rows, in
//! candle's thread pool, with loops the compiler vectorizes (eight lanes of partial sums).

use candle_core::utils::barrier_pool;

const LANES: usize = 8;

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
    let dst = Dst(out.as_mut_ptr());
    barrier_pool().execute_chunked(n_head, |range| {
        let mut scores = vec![0f32; len];
        for h in range {
            let kv = h / group;
            let qh = &q[h * head_dim..(h + 1) * head_dim];
            // SAFETY: head h's output rows are written by this work item only.
            let o = unsafe { std::slice::from_raw_parts_mut(dst.at(h * head_dim), head_dim) };
            head(qh, keys[kv], values[kv], scale, &mut scores, o);
        }
    });
}

fn head(q: &[f32], keys: &[f32], values: &[f32], scale: f32, scores: &mut [f32], out: &mut [f32]) {
    let hd = q.len();
    #[cfg(bisum_avx2)]
    if hd % 32 == 0 {
        // SAFETY: compile-time target features; slice lengths checked by `decode`.
        unsafe { avx2::scores(q, keys, scale, scores) };
    } else {
        plain_scores(q, keys, scale, scores);
    }
    #[cfg(not(bisum_avx2))]
    plain_scores(q, keys, scale, scores);
    let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
    let mut sum = 0f32;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    let inv = 1.0 / sum;
    #[cfg(bisum_avx2)]
    if hd % 32 == 0 {
        // SAFETY: as above.
        unsafe { avx2::weighted_sum(scores, values, inv, out) };
        return;
    }
    out.fill(0.0);
    for (j, &p) in scores.iter().enumerate() {
        for (o, v) in out.iter_mut().zip(&values[j * hd..(j + 1) * hd]) {
            *o += p * v;
        }
    }
    out.iter_mut().for_each(|o| *o *= inv);
}

fn plain_scores(q: &[f32], keys: &[f32], scale: f32, scores: &mut [f32]) {
    let hd = q.len();
    for (j, s) in scores.iter_mut().enumerate() {
        *s = dot(q, &keys[j * hd..(j + 1) * hd]) * scale;
    }
}

#[cfg(bisum_avx2)]
mod avx2 {
    use crate::model::kernels::tiles::hsum;
    use std::arch::x86_64::*;

    /// q · k for every cache row, four rows at a time: four independent FMA chains hide
    /// the FMA latency that a single running sum per row would wait on.
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// `keys` holds `scores.len()` rows of `q.len()` floats, and `q.len()` is a multiple of 8.
    pub unsafe fn scores(q: &[f32], keys: &[f32], scale: f32, scores: &mut [f32]) {
        let hd = q.len();
        let len = scores.len();
        let (qp, kp) = (q.as_ptr(), keys.as_ptr());
        let mut j = 0;
        while j + 4 <= len {
            let mut acc = [_mm256_setzero_ps(); 4];
            for c in (0..hd).step_by(8) {
                let qv = _mm256_loadu_ps(qp.add(c));
                for (r, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_fmadd_ps(qv, _mm256_loadu_ps(kp.add((j + r) * hd + c)), *a);
                }
            }
            for (r, a) in acc.iter().enumerate() {
                scores[j + r] = hsum(*a) * scale;
            }
            j += 4;
        }
        while j < len {
            let mut a = _mm256_setzero_ps();
            for c in (0..hd).step_by(8) {
                a = _mm256_fmadd_ps(
                    _mm256_loadu_ps(qp.add(c)),
                    _mm256_loadu_ps(kp.add(j * hd + c)),
                    a,
                );
            }
            scores[j] = hsum(a) * scale;
            j += 1;
        }
    }

    /// Σ p_j v_j × inv, 32 output dimensions at a time held in four registers over all rows.
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// `values` holds `p.len()` rows of `out.len()` floats, and `out.len()` is a multiple of
    /// 32.
    pub unsafe fn weighted_sum(p: &[f32], values: &[f32], inv: f32, out: &mut [f32]) {
        let hd = out.len();
        let vp = values.as_ptr();
        for c in (0..hd).step_by(32) {
            let mut acc = [_mm256_setzero_ps(); 4];
            for (j, &pj) in p.iter().enumerate() {
                let w = _mm256_set1_ps(pj);
                let row = vp.add(j * hd + c);
                for (i, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_fmadd_ps(w, _mm256_loadu_ps(row.add(8 * i)), *a);
                }
            }
            let s = _mm256_set1_ps(inv);
            for (i, a) in acc.iter().enumerate() {
                _mm256_storeu_ps(out.as_mut_ptr().add(c + 8 * i), _mm256_mul_ps(*a, s));
            }
        }
    }
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
