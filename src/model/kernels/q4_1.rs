//! Q4_1 weights against Q8_1 activations, with AVX2 when the build has it: candle 0.11.1 has
//! only a scalar Q4_1 dot product, half of SmolLM2's decoding time.
//!
//! The arithmetic is ggml's (`ggml_vec_dot_q4_1_q8_1`): per 32-value block, the integer
//! dot product of the 4-bit weights with the 8-bit activations, scaled by both blocks'
//! scales, plus the weight block's minimum times the activation block's sum; activation
//! scales and sums rounded to f16 as ggml stores them.

use super::tiles::TileKernel;
use half::f16;

pub const QK: usize = 32;

/// ggml's `block_q4_1`, as stored in the GGUF file: value = d × q + m, q in 0..16; byte j
/// holds value j in its low nibble and value j + 16 in its high nibble.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ4_1 {
    d: f16,
    m: f16,
    qs: [u8; QK / 2],
}
const _: () = assert!(std::mem::size_of::<BlockQ4_1>() == 20);

/// ggml's `block_q8_1`, with its f16 scale and sum widened to f32 once at quantization.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ8_1 {
    d: f32,
    /// d × Σ qs, rounded to f16 as ggml stores it.
    s: f32,
    qs: [i8; QK],
}

pub struct Q4_1;

impl TileKernel for Q4_1 {
    type W = BlockQ4_1;
    type A = BlockQ8_1;
    const BLOCK: usize = QK;
    const ROWS: usize = 4;
    const COLS: usize = 2;

    fn quantize(x: &[f32], out: &mut [BlockQ8_1]) {
        for (x, y) in x.chunks_exact(QK).zip(out.iter_mut()) {
            *y = quantize_block(x.try_into().expect("32 values"));
        }
    }

    #[inline(always)]
    fn tile<const R: usize, const C: usize>(
        a: [&[BlockQ8_1]; R],
        w: [&[BlockQ4_1]; C],
    ) -> [[f32; C]; R] {
        #[cfg(bisum_avx2)]
        // SAFETY: the instructions exist (compile-time target features); every slice has
        // the same number of blocks (checked by the driver).
        unsafe {
            avx2::tile(a, w)
        }
        #[cfg(not(bisum_avx2))]
        scalar_tile(a, w)
    }
}

pub const FAST: bool = super::tiles::VECTOR;

fn quantize_block(x: &[f32; QK]) -> BlockQ8_1 {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if amax != 0.0 { 127.0 / amax } else { 0.0 };
    let mut qs = [0i8; QK];
    let mut sum = 0i32;
    for (q, v) in qs.iter_mut().zip(x) {
        // Round half to even, as the vector quantizer of ggml (`_mm256_round_ps`) does.
        let i = (v * id).round_ties_even() as i32;
        *q = i as i8;
        sum += i;
    }
    BlockQ8_1 {
        d: f16::from_f32(d).to_f32(),
        s: f16::from_f32(d * sum as f32).to_f32(),
        qs,
    }
}

#[cfg_attr(bisum_avx2, allow(dead_code))]
fn scalar_tile<const R: usize, const C: usize>(
    a: [&[BlockQ8_1]; R],
    w: [&[BlockQ4_1]; C],
) -> [[f32; C]; R] {
    let mut out = [[0f32; C]; R];
    for r in 0..R {
        for c in 0..C {
            let (mut acc, mut mins) = (0f32, 0f32);
            for (x, y) in w[c].iter().zip(a[r]) {
                let mut isum = 0i32;
                for j in 0..QK / 2 {
                    isum += (x.qs[j] & 0x0F) as i32 * y.qs[j] as i32;
                    isum += (x.qs[j] >> 4) as i32 * y.qs[j + QK / 2] as i32;
                }
                acc += x.d.to_f32() * y.d * isum as f32;
                mins += x.m.to_f32() * y.s;
            }
            out[r][c] = acc + mins;
        }
    }
    out
}

#[cfg(bisum_avx2)]
mod avx2 {
    use super::{BlockQ4_1, BlockQ8_1};
    use crate::model::kernels::tiles::{hsum, prefetch};
    use std::arch::x86_64::*;

    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// Every activation row and weight column holds the same number of blocks (the driver in
    /// `tiles.rs` checks this).
    pub unsafe fn tile<const R: usize, const C: usize>(
        a: [&[BlockQ8_1]; R],
        w: [&[BlockQ4_1]; C],
    ) -> [[f32; C]; R] {
        let nb = w[0].len();
        let low = _mm256_set1_epi8(0x0F);
        let ones = _mm256_set1_epi16(1);
        if R == 1 {
            // Single rows: one weight row after another, a sequential stream each (four
            // interleaved streams ran 25% slower on a memory-bound head).
            let mut out = [[0f32; C]; R];
            for c in 0..C {
                let mut acc = _mm256_setzero_ps();
                let mut mins = 0f32;
                for (x, y) in w[c].iter().zip(a[0]) {
                    prefetch(x, std::mem::size_of::<BlockQ4_1>());
                    let t = _mm_loadu_si128(x.qs.as_ptr() as *const __m128i);
                    let q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), low);
                    let yq = _mm256_loadu_si256(y.qs.as_ptr() as *const __m256i);
                    let p = _mm256_madd_epi16(_mm256_maddubs_epi16(q, yq), ones);
                    acc = _mm256_fmadd_ps(
                        _mm256_set1_ps(x.d.to_f32() * y.d),
                        _mm256_cvtepi32_ps(p),
                        acc,
                    );
                    mins += x.m.to_f32() * y.s;
                }
                out[0][c] = hsum(acc) + mins;
            }
            return out;
        }
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        let mut mins = [[0f32; C]; R];
        for b in 0..nb {
            let mut wq = [_mm256_setzero_si256(); C];
            let mut wd = [0f32; C];
            let mut wm = [0f32; C];
            for c in 0..C {
                let x = w[c].get_unchecked(b);
                prefetch(x, std::mem::size_of::<BlockQ4_1>());
                let t = _mm_loadu_si128(x.qs.as_ptr() as *const __m128i);
                // Values 0..16 in the low lane, 16..32 in the high lane.
                wq[c] = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), low);
                wd[c] = x.d.to_f32();
                wm[c] = x.m.to_f32();
            }
            for r in 0..R {
                let y = a[r].get_unchecked(b);
                let yq = _mm256_loadu_si256(y.qs.as_ptr() as *const __m256i);
                for c in 0..C {
                    // u8 × i8 pairs fit i16 (2 × 15 × 127), then pairs of those summed in i32.
                    let p = _mm256_madd_epi16(_mm256_maddubs_epi16(wq[c], yq), ones);
                    acc[r][c] = _mm256_fmadd_ps(
                        _mm256_set1_ps(wd[c] * y.d),
                        _mm256_cvtepi32_ps(p),
                        acc[r][c],
                    );
                    mins[r][c] += wm[c] * y.s;
                }
            }
        }
        let mut out = [[0f32; C]; R];
        for r in 0..R {
            for c in 0..C {
                out[r][c] = hsum(acc[r][c]) + mins[r][c];
            }
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
        // Activations are rounded to 8 bits: about 1/254 of each value.
        let (w, x, _) = check::<Q4_1>(GgmlDType::Q4_1, 128, 0.02);
        // The vector kernel computes what the scalar reference computes.
        let a: Vec<BlockQ8_1> = x[..128]
            .chunks_exact(QK)
            .map(|c| quantize_block(c.try_into().unwrap()))
            .collect();
        let v = Q4_1::tile::<1, 1>([&a], [&w[..128 / QK]]);
        let s = scalar_tile::<1, 1>([&a], [&w[..128 / QK]]);
        assert!((v[0][0] - s[0][0]).abs() <= 1e-5 * s[0][0].abs().max(1.0));
    }
}
