//! Q6_K weights against Q8_K activations on AVX2, on the GGUF file's own blocks: decoding
//! steps, where each weight row is one sequential stream (Qwen2.5's 151936-row output head
//! and half its down projections are Q6_K). Prompt batches keep candle's repacked Q6_K
//! tiles in the default mode; `BISUM_MATMUL=compact` runs them here too.
//!
//! The arithmetic is ggml's `ggml_vec_dot_q6_K_q8_K`: 6-bit values (4 low bits in `ql`, 2
//! high bits in `qh`) offset by 32, one signed 8-bit scale per 16 values, the offset taken
//! out through 32 × the activations, summed in i32 over the super-block, then scaled by
//! both blocks' scales.

use super::q4_k::{BlockQ8K, Q4K, QK_K};
use super::tiles::TileKernel;
use half::f16;

/// ggml's `block_q6_K`, as stored in the GGUF file.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ6K {
    ql: [u8; QK_K / 2],
    qh: [u8; QK_K / 4],
    scales: [i8; QK_K / 16],
    d: f16,
}
const _: () = assert!(std::mem::size_of::<BlockQ6K>() == 210);

pub struct Q6K;

impl TileKernel for Q6K {
    type W = BlockQ6K;
    type A = BlockQ8K;
    const BLOCK: usize = QK_K;
    const ROWS: usize = 4;
    const COLS: usize = 1;

    fn quantize(x: &[f32], out: &mut [BlockQ8K]) {
        Q4K::quantize(x, out)
    }

    #[inline(always)]
    fn tile<const R: usize, const C: usize>(
        a: [&[BlockQ8K]; R],
        w: [&[BlockQ6K]; C],
    ) -> [[f32; C]; R] {
        let mut out = [[0f32; C]; R];
        for c in 0..C {
            #[cfg(bisum_vnni)]
            // SAFETY: compile-time target features; equal block counts (checked by the driver).
            let col = unsafe { avx512::column(&a, w[c]) };
            #[cfg(all(bisum_avx2, not(bisum_vnni)))]
            // SAFETY: compile-time target features; equal block counts (checked by the driver).
            let col = unsafe { avx2::column(&a, w[c]) };
            #[cfg(not(bisum_avx2))]
            let col = scalar_column(&a, w[c]);
            for r in 0..R {
                out[r][c] = col[r];
            }
        }
        out
    }
}

pub const FAST: bool = super::q4_k::FAST;

/// The 256 values of a block, 0..64 (the offset of 32 not yet taken out).
fn values(x: &BlockQ6K) -> [u8; QK_K] {
    let mut v = [0u8; QK_K];
    for half in 0..2 {
        let (ql, qh) = (&x.ql[64 * half..], &x.qh[32 * half..]);
        for l in 0..32 {
            let base = 128 * half;
            v[base + l] = (ql[l] & 0x0F) | ((qh[l] & 3) << 4);
            v[base + l + 32] = (ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4);
            v[base + l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
            v[base + l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
        }
    }
    v
}

#[cfg_attr(bisum_avx2, allow(dead_code))]
fn scalar_column<const R: usize>(a: &[&[BlockQ8K]; R], w: &[BlockQ6K]) -> [f32; R] {
    let mut out = [0f32; R];
    for r in 0..R {
        let mut acc = 0f32;
        for (x, y) in w.iter().zip(a[r]) {
            let v = values(x);
            let mut sumi = 0i32;
            for s in 0..16 {
                let part: i32 = (0..16)
                    .map(|i| (v[16 * s + i] as i32 - 32) * y.qs[16 * s + i] as i32)
                    .sum();
                sumi += part * x.scales[s] as i32;
            }
            acc += y.d * x.d.to_f32() * sumi as f32;
        }
        out[r] = acc;
    }
    out
}

#[cfg(bisum_avx2)]
mod avx2 {
    use super::{BlockQ6K, BlockQ8K};
    use crate::model::kernels::tiles::{hsum, prefetch};
    use std::arch::x86_64::*;

    /// Shuffles that spread scale bytes 2i and 2i+1 over the two halves of 16 lanes.
    const SCALE_SHUFFLE: [[u8; 16]; 8] = {
        let mut m = [[0u8; 16]; 8];
        let mut i = 0;
        while i < 8 {
            let mut b = 0;
            while b < 16 {
                m[i][b] = (2 * i + b / 8) as u8;
                b += 1;
            }
            i += 1;
        }
        m
    };

    /// One weight column against R activation rows.
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// Every activation row holds as many super-blocks as `w`.
    pub unsafe fn column<const R: usize>(a: &[&[BlockQ8K]; R], w: &[BlockQ6K]) -> [f32; R] {
        let m4 = _mm256_set1_epi8(0x0F);
        let m2 = _mm256_set1_epi8(3);
        let m32 = _mm256_set1_epi8(32);
        let mut acc = [_mm256_setzero_ps(); R];
        for (b, x) in w.iter().enumerate() {
            prefetch(x, std::mem::size_of::<BlockQ6K>());
            let scales = _mm_loadu_si128(x.scales.as_ptr() as *const __m128i);
            let mut sumi = [_mm256_setzero_si256(); R];
            for j in 0..2 {
                let sc: [__m256i; 4] = std::array::from_fn(|k| {
                    let mask = _mm_loadu_si128(SCALE_SHUFFLE[4 * j + k].as_ptr() as *const __m128i);
                    _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, mask))
                });
                let l1 = _mm256_loadu_si256(x.ql.as_ptr().add(64 * j) as *const __m256i);
                let l2 = _mm256_loadu_si256(x.ql.as_ptr().add(64 * j + 32) as *const __m256i);
                let h = _mm256_loadu_si256(x.qh.as_ptr().add(32 * j) as *const __m256i);
                let hi = |s: i32| match s {
                    0 => _mm256_slli_epi16(_mm256_and_si256(h, m2), 4),
                    2 => _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4),
                    4 => _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4),
                    _ => _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4),
                };
                let q = [
                    _mm256_or_si256(_mm256_and_si256(l1, m4), hi(0)),
                    _mm256_or_si256(_mm256_and_si256(l2, m4), hi(2)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), hi(4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l2, 4), m4), hi(6)),
                ];
                for r in 0..R {
                    let y = a[r].get_unchecked(b).qs.as_ptr().add(128 * j);
                    for k in 0..4 {
                        let q8 = _mm256_loadu_si256(y.add(32 * k) as *const __m256i);
                        // (v - 32) · y as v · y - 32 · y: maddubs needs the unsigned side.
                        let p = _mm256_sub_epi16(
                            _mm256_maddubs_epi16(q[k], q8),
                            _mm256_maddubs_epi16(m32, q8),
                        );
                        sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(sc[k], p));
                    }
                }
            }
            let xd = x.d.to_f32();
            for r in 0..R {
                let d = _mm256_set1_ps(a[r].get_unchecked(b).d * xd);
                acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi[r]), acc[r]);
            }
        }
        let mut out = [0f32; R];
        for r in 0..R {
            out[r] = hsum(acc[r]);
        }
        out
    }
}

#[cfg(bisum_vnni)]
mod avx512 {
    use super::{BlockQ6K, BlockQ8K};
    use crate::model::kernels::tiles::{dpwssd, fold_block, hsum, prefetch};
    use std::arch::x86_64::*;

    /// `avx2::column` on 512-bit registers, bit for bit: two 32-value chunks per register,
    /// their products times their scales summed into i32 by one `vpdpwssd` (AVX2: one
    /// `vpmaddwd` and one add per chunk), and the register's halves added in i32 (exact)
    /// into AVX2's eight lanes before the same float steps.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// Every activation row holds as many super-blocks as `w`.
    pub unsafe fn column<const R: usize>(a: &[&[BlockQ8K]; R], w: &[BlockQ6K]) -> [f32; R] {
        let m4 = _mm512_set1_epi8(0x0F);
        let m2 = _mm512_set1_epi8(3);
        let m32 = _mm512_set1_epi8(32);
        let halves =
            |lo: i16, hi: i16| _mm512_inserti64x4(_mm512_set1_epi16(lo), _mm256_set1_epi16(hi), 1);
        // The high bits of chunks 0 and 1 (2 and 3) of a half: qh shifted by 0 and 2 (4, 6).
        let (shift01, shift23) = (halves(0, 2), halves(4, 6));
        // Chunk pair n's scales: i16 lane e takes scale 4n + e / 8 (one per 16 values).
        let pick: [__m512i; 4] = std::array::from_fn(|n| {
            let idx: [i16; 32] = std::array::from_fn(|e| (4 * n + e / 8) as i16);
            _mm512_loadu_si512(idx.as_ptr() as *const __m512i)
        });
        let mut acc = [_mm256_setzero_ps(); R];
        for (b, x) in w.iter().enumerate() {
            prefetch(x, std::mem::size_of::<BlockQ6K>());
            let scales = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128(
                x.scales.as_ptr() as *const __m128i,
            )));
            let mut sumi = [_mm512_setzero_si512(); R];
            for j in 0..2 {
                let l = _mm512_loadu_si512(x.ql.as_ptr().add(64 * j) as *const __m512i);
                let h = _mm512_broadcast_i64x4(_mm256_loadu_si256(
                    x.qh.as_ptr().add(32 * j) as *const __m256i
                ));
                let hi =
                    |shift| _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(h, shift), m2), 4);
                let q = [
                    _mm512_or_si512(_mm512_and_si512(l, m4), hi(shift01)),
                    _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4), hi(shift23)),
                ];
                for (p, q) in q.iter().enumerate() {
                    let sc = _mm512_permutexvar_epi16(pick[2 * j + p], scales);
                    for r in 0..R {
                        let y = a[r].get_unchecked(b).qs.as_ptr().add(128 * j + 64 * p);
                        let q8 = _mm512_loadu_si512(y as *const __m512i);
                        // (v - 32) · y as v · y - 32 · y: maddubs needs the unsigned side.
                        let prod = _mm512_sub_epi16(
                            _mm512_maddubs_epi16(*q, q8),
                            _mm512_maddubs_epi16(m32, q8),
                        );
                        sumi[r] = dpwssd(sumi[r], prod, sc);
                    }
                }
            }
            let xd = x.d.to_f32();
            for r in 0..R {
                acc[r] = fold_block(acc[r], sumi[r], a[r].get_unchecked(b).d * xd);
            }
        }
        let mut out = [0f32; R];
        for r in 0..R {
            out[r] = hsum(acc[r]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kernels::tiles::testing::check;
    use candle_core::quantized::GgmlDType;

    #[test]
    fn products_match_the_dequantized_weights_and_do_not_depend_on_the_batch() {
        let (w, _, deq) = check::<Q6K>(GgmlDType::Q6K, 512, 0.05);
        // The decoded values are the dequantized weights.
        let v = values(&w[0]);
        for i in 0..QK_K {
            let want = w[0].d.to_f32() * w[0].scales[i / 16] as f32 * (v[i] as i32 - 32) as f32;
            assert_eq!(want, deq[i], "value {i}");
        }
    }

    /// The AVX-512 decoding kernel is AVX2's bit for bit, so both builds decode alike.
    #[cfg(bisum_vnni)]
    #[test]
    fn the_avx512_column_is_the_avx2_column_bit_for_bit() {
        crate::model::kernels::tiles::testing::columns_agree::<Q6K>(
            GgmlDType::Q6K,
            [avx512::column::<4>, avx2::column::<4>],
        );
    }
}
