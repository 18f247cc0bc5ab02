//! Weights whose blocks decode to signed 8-bit values (Q8_0, Q5_0) against Q8_0
//! activations, with AVX2 when the build has it. candle 0.11.1 has only a scalar Q5_0 dot
//! product for prompt batches, and Gemma 3 keeps in Q5_0 every matrix whose rows (640
//! values) are not a whole number of K-quant super-blocks: half of its prompt time.
//!
//! The arithmetic is ggml's (`ggml_vec_dot_q5_0_q8_0`, `ggml_vec_dot_q8_0_q8_0`): per
//! 32-value block, the integer dot product of the two blocks' values, scaled by both
//! blocks' scales.

use super::tiles::{TileKernel, LANES};
use half::f16;
use std::marker::PhantomData;

pub const QK: usize = 32;

/// ggml's `block_q8_0` as activations, its f16 scale widened to f32 once.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ActQ8_0 {
    d: f32,
    qs: [i8; QK],
    /// Σ qs: the lane kernels' weights are stored offset to unsigned bytes, and this takes
    /// the offset back out.
    s: i32,
}

/// ggml's `block_q8_0`, as stored in the GGUF file.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ8_0 {
    d: f16,
    qs: [i8; QK],
}
const _: () = assert!(std::mem::size_of::<BlockQ8_0>() == 34);

/// ggml's `block_q5_0`: value = d × (q - 16), q the 4 bits of `qs` (value j in the low
/// nibble of byte j, value j + 16 in its high nibble) plus bit j of `qh` as the fifth.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ5_0 {
    d: f16,
    qh: [u8; 4],
    qs: [u8; QK / 2],
}
const _: () = assert!(std::mem::size_of::<BlockQ5_0>() == 22);

/// A weight block that decodes to 32 signed bytes and a scale.
pub trait SignedBlock: Copy + Sync {
    /// Added to every value in the lane form, so that it is an unsigned byte (`vpdpbusd`
    /// multiplies unsigned by signed bytes).
    const OFFSET: i32;
    fn values(&self) -> [i8; QK];
    fn scale(&self) -> f32;
    #[cfg(bisum_avx2)]
    /// # Safety
    /// Needs AVX2.
    unsafe fn load(&self) -> std::arch::x86_64::__m256i;
}

impl SignedBlock for BlockQ8_0 {
    const OFFSET: i32 = 128;
    fn values(&self) -> [i8; QK] {
        self.qs
    }
    fn scale(&self) -> f32 {
        self.d.to_f32()
    }
    #[cfg(bisum_avx2)]
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    unsafe fn load(&self) -> std::arch::x86_64::__m256i {
        std::arch::x86_64::_mm256_loadu_si256(self.qs.as_ptr() as *const _)
    }
}

impl SignedBlock for BlockQ5_0 {
    const OFFSET: i32 = 16;
    fn values(&self) -> [i8; QK] {
        let h = u32::from_le_bytes(self.qh);
        std::array::from_fn(|j| {
            let nib = if j < 16 {
                self.qs[j] & 0x0F
            } else {
                self.qs[j - 16] >> 4
            };
            (nib | ((((h >> j) & 1) as u8) << 4)) as i8 - 16
        })
    }
    fn scale(&self) -> f32 {
        self.d.to_f32()
    }
    #[cfg(bisum_avx2)]
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    unsafe fn load(&self) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::*;
        let t = _mm_loadu_si128(self.qs.as_ptr() as *const __m128i);
        let nib = _mm256_and_si256(
            _mm256_set_m128i(_mm_srli_epi16(t, 4), t),
            _mm256_set1_epi8(0x0F),
        );
        // Byte j all ones where bit j of qh is set.
        let bits = _mm256_shuffle_epi8(
            _mm256_set1_epi32(u32::from_le_bytes(self.qh) as i32),
            _mm256_set_epi64x(
                0x0303030303030303,
                0x0202020202020202,
                0x0101010101010101,
                0,
            ),
        );
        let set = _mm256_cmpeq_epi8(
            _mm256_or_si256(bits, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe)),
            _mm256_set1_epi64x(-1),
        );
        // Without the fifth bit, q - 16 = nibble - 16: the nibble with 0xF0 set.
        _mm256_or_si256(
            nib,
            _mm256_andnot_si256(set, _mm256_set1_epi8(0xF0u8 as i8)),
        )
    }
}

/// The kernel for weight blocks `W`.
pub struct Signed<W>(PhantomData<W>);

pub type Q8_0 = Signed<BlockQ8_0>;
pub type Q5_0 = Signed<BlockQ5_0>;

impl<W: SignedBlock> TileKernel for Signed<W> {
    type W = W;
    type A = ActQ8_0;
    const BLOCK: usize = QK;
    const ROWS: usize = 4;
    const COLS: usize = 2;

    fn quantize(x: &[f32], out: &mut [ActQ8_0]) {
        for (x, y) in x.chunks_exact(QK).zip(out.iter_mut()) {
            let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            for (q, v) in y.qs.iter_mut().zip(x) {
                // Round half to even, as ggml's vector quantizer does.
                *q = (v * id).round_ties_even() as i8;
            }
            y.d = f16::from_f32(d).to_f32();
            y.s = y.qs.iter().map(|&q| q as i32).sum();
        }
    }

    #[inline(always)]
    fn tile<const R: usize, const C: usize>(a: [&[ActQ8_0]; R], w: [&[W]; C]) -> [[f32; C]; R] {
        #[cfg(bisum_avx2)]
        // SAFETY: compile-time target features; equal block counts (checked by the driver).
        unsafe {
            avx2::tile(a, w)
        }
        #[cfg(not(bisum_avx2))]
        scalar_tile(a, w)
    }

    /// AVX-512 VNNI builds: both block types. AVX2 builds: Q5_0 only, whose values plus
    /// `OFFSET` (0..31) keep `vpmaddubsw`'s i16 sums below 2^15; Q8_0's (0..255) would
    /// saturate them.
    const LANE_BYTES: usize = if super::tiles::VNNI || (super::tiles::VECTOR && W::OFFSET <= 16) {
        std::mem::size_of::<LaneSigned>()
    } else {
        0
    };

    fn pack(w: &[&[W]; LANES], b: usize, out: &mut [u8]) {
        assert_eq!(out.len(), std::mem::size_of::<LaneSigned>());
        let mut l = LaneSigned {
            d: [0.0; LANES],
            qs: [[[0; 4]; LANES]; QK / 4],
        };
        for (c, col) in w.iter().enumerate() {
            let x = &col[b];
            l.d[c] = x.scale();
            for (i, v) in x.values().iter().enumerate() {
                l.qs[i / 4][c][i % 4] = (*v as i32 + W::OFFSET) as u8;
            }
        }
        // SAFETY: `out` holds exactly one `LaneSigned` (asserted); plain numbers.
        unsafe { std::ptr::write_unaligned(out.as_mut_ptr() as *mut LaneSigned, l) }
    }

    #[inline(always)]
    fn lanes<const R: usize>(packed: &[u8], a: [&[ActQ8_0]; R]) -> [[f32; LANES]; R] {
        #[cfg(bisum_vnni)]
        // SAFETY: compile-time target features; `packed` holds the rows' block count of
        // 64-byte-aligned `LaneSigned` (the driver's buffer).
        unsafe {
            avx512::lanes(packed, a, W::OFFSET)
        }
        #[cfg(all(bisum_avx2, not(bisum_vnni)))]
        // SAFETY: as above, with AVX2 and FMA; LANE_BYTES is 0 (no lanes) unless OFFSET <= 16.
        unsafe {
            avx2::lanes(packed, a, W::OFFSET)
        }
        #[cfg(not(bisum_avx2))]
        {
            let _ = (packed, a);
            unreachable!("lane kernels need AVX2")
        }
    }
}

/// One 32-value block of 16 weight columns, lane-major (lane c of a 512-bit row is column
/// c; AVX2 reads each row as two halves): the values plus `OFFSET` as unsigned bytes, four
/// consecutive values per lane.
#[repr(C)]
struct LaneSigned {
    d: [f32; LANES],
    qs: [[[u8; 4]; LANES]; QK / 4],
}
const _: () = assert!(std::mem::size_of::<LaneSigned>() % 64 == 0);

#[cfg(bisum_vnni)]
mod avx512 {
    use super::{ActQ8_0, LaneSigned, LANES};
    use std::arch::x86_64::*;

    /// R activation rows against 16 lane-major columns: per block and row, eight
    /// `vpdpbusd` of 64 multiply-adds, the offset taken out through the activations' sum.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// `packed` is a panel as `tiles::lane_panels` packed it, for as many blocks as each
    /// activation row holds.
    pub unsafe fn lanes<const R: usize>(
        packed: &[u8],
        a: [&[ActQ8_0]; R],
        offset: i32,
    ) -> [[f32; LANES]; R] {
        let mut acc = [_mm512_setzero_ps(); R];
        let blocks = packed.as_ptr() as *const LaneSigned;
        for b in 0..a[0].len() {
            let l = &*blocks.add(b);
            let mut isum = [_mm512_setzero_si512(); R];
            for g in 0..8 {
                let w = _mm512_load_si512(l.qs[g].as_ptr() as *const __m512i);
                for r in 0..R {
                    let q = a[r].get_unchecked(b).qs.as_ptr().add(4 * g) as *const i32;
                    isum[r] =
                        _mm512_dpbusd_epi32(isum[r], w, _mm512_set1_epi32(q.read_unaligned()));
                }
            }
            let d = _mm512_load_ps(l.d.as_ptr());
            for r in 0..R {
                let y = a[r].get_unchecked(b);
                let v = _mm512_sub_epi32(isum[r], _mm512_set1_epi32(offset * y.s));
                let s = _mm512_mul_ps(d, _mm512_set1_ps(y.d));
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), s, acc[r]);
            }
        }
        let mut out = [[0f32; LANES]; R];
        for r in 0..R {
            _mm512_storeu_ps(out[r].as_mut_ptr(), acc[r]);
        }
        out
    }
}

pub const FAST: bool = super::tiles::VECTOR;

#[cfg_attr(bisum_avx2, allow(dead_code))]
fn scalar_tile<W: SignedBlock, const R: usize, const C: usize>(
    a: [&[ActQ8_0]; R],
    w: [&[W]; C],
) -> [[f32; C]; R] {
    let mut out = [[0f32; C]; R];
    for r in 0..R {
        for c in 0..C {
            let mut acc = 0f32;
            for (x, y) in w[c].iter().zip(a[r]) {
                let isum: i32 = x
                    .values()
                    .iter()
                    .zip(&y.qs)
                    .map(|(&p, &q)| p as i32 * q as i32)
                    .sum();
                acc += x.scale() * y.d * isum as f32;
            }
            out[r][c] = acc;
        }
    }
    out
}

#[cfg(bisum_avx2)]
mod avx2 {
    use super::{ActQ8_0, LaneSigned, SignedBlock, LANES};
    use crate::model::kernels::tiles::{by_halves, hsum, prefetch};
    use std::arch::x86_64::*;

    /// `avx512::lanes` on 256-bit registers, bit for bit, for weights whose offset values
    /// are 5-bit (Q5_0): the panel's two halves of eight columns in turn, four rows at a
    /// time. Per block and row, two runs of four `vpmaddubsw` summed in i16 (eight products
    /// of at most 31 × 128 each stay below 2^15), each widened once by `vpmaddwd`: the i32
    /// sums of `vpdpbusd`, then the AVX-512 kernel's float steps.
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// `packed` is a panel as `tiles::lane_panels` packed it, for as many blocks as each
    /// activation row holds, of values plus `offset` below 32.
    pub(super) unsafe fn lanes<const R: usize>(
        packed: &[u8],
        a: [&[ActQ8_0]; R],
        offset: i32,
    ) -> [[f32; LANES]; R] {
        debug_assert!(offset <= 16, "i16 sums need 5-bit values");
        // SAFETY (both closures): as this function's.
        by_halves(
            a,
            |h, q, _| unsafe { half::<4>(packed, h, q, offset) },
            |h, q, _| unsafe { half::<1>(packed, h, q, offset) },
        )
    }

    /// Columns 8h..8h + 8 of a lane-major panel against Q ≤ 4 activation rows.
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// As `lanes`; h is 0 or 1.
    unsafe fn half<const Q: usize>(
        packed: &[u8],
        h: usize,
        a: [&[ActQ8_0]; Q],
        offset: i32,
    ) -> [__m256; Q] {
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_ps(); Q];
        let blocks = packed.as_ptr() as *const LaneSigned;
        for b in 0..a[0].len() {
            let l = &*blocks.add(b);
            let mut isum = [_mm256_setzero_si256(); Q];
            for k in 0..2 {
                let mut s16 = [_mm256_setzero_si256(); Q];
                for g in 4 * k..4 * k + 4 {
                    let w = _mm256_loadu_si256(l.qs[g].as_ptr().add(8 * h) as *const __m256i);
                    for r in 0..Q {
                        let q = a[r].get_unchecked(b).qs.as_ptr().add(4 * g) as *const i32;
                        let p = _mm256_maddubs_epi16(w, _mm256_set1_epi32(q.read_unaligned()));
                        s16[r] = _mm256_add_epi16(s16[r], p);
                    }
                }
                for r in 0..Q {
                    isum[r] = _mm256_add_epi32(isum[r], _mm256_madd_epi16(s16[r], ones));
                }
            }
            let d = _mm256_loadu_ps(l.d.as_ptr().add(8 * h));
            for r in 0..Q {
                let y = a[r].get_unchecked(b);
                let v = _mm256_sub_epi32(isum[r], _mm256_set1_epi32(offset * y.s));
                let s = _mm256_mul_ps(d, _mm256_set1_ps(y.d));
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), s, acc[r]);
            }
        }
        acc
    }

    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// Every activation row and weight column holds the same number of blocks (the driver in
    /// `tiles.rs` checks this).
    pub unsafe fn tile<W: SignedBlock, const R: usize, const C: usize>(
        a: [&[ActQ8_0]; R],
        w: [&[W]; C],
    ) -> [[f32; C]; R] {
        let ones = _mm256_set1_epi16(1);
        if R == 1 {
            // Single rows: one weight row after another, a sequential stream each (four
            // interleaved streams ran 25% slower on Gemma 3's memory-bound output head).
            let mut out = [[0f32; C]; R];
            let y = a[0];
            for c in 0..C {
                let mut acc = _mm256_setzero_ps();
                for (x, y) in w[c].iter().zip(y) {
                    prefetch(x, std::mem::size_of::<W>());
                    let q = x.load();
                    let yq = _mm256_loadu_si256(y.qs.as_ptr() as *const __m256i);
                    let p = _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(yq, q));
                    let p = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones));
                    acc = _mm256_fmadd_ps(_mm256_set1_ps(x.scale() * y.d), p, acc);
                }
                out[0][c] = hsum(acc);
            }
            return out;
        }
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        for b in 0..w[0].len() {
            let mut wq = [_mm256_setzero_si256(); C];
            let mut wa = [_mm256_setzero_si256(); C];
            let mut wd = [0f32; C];
            for c in 0..C {
                let x = w[c].get_unchecked(b);
                prefetch(x, std::mem::size_of::<W>());
                wq[c] = x.load();
                // maddubs multiplies unsigned by signed: |x| against y with x's sign.
                wa[c] = _mm256_sign_epi8(wq[c], wq[c]);
                wd[c] = x.scale();
            }
            for r in 0..R {
                let y = a[r].get_unchecked(b);
                let yq = _mm256_loadu_si256(y.qs.as_ptr() as *const __m256i);
                for c in 0..C {
                    let p = _mm256_maddubs_epi16(wa[c], _mm256_sign_epi8(yq, wq[c]));
                    let p = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones));
                    acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(wd[c] * y.d), p, acc[r][c]);
                }
            }
        }
        let mut out = [[0f32; C]; R];
        for r in 0..R {
            for c in 0..C {
                out[r][c] = hsum(acc[r][c]);
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

    fn check_signed<W: SignedBlock>(dtype: GgmlDType) {
        let (w, x, deq) = check::<Signed<W>>(dtype, 128, 0.02);
        // The decoded values are the dequantized weights over the scale.
        for (i, blk) in w.iter().take(4).enumerate() {
            for (j, v) in blk.values().iter().enumerate() {
                assert_eq!(
                    *v as f32 * blk.scale(),
                    deq[i * QK + j],
                    "block {i} value {j}"
                );
            }
        }
        let mut a = vec![
            ActQ8_0 {
                d: 0.0,
                qs: [0; QK],
                s: 0
            };
            128 / QK
        ];
        Signed::<W>::quantize(&x[..128], &mut a);
        let v = Signed::<W>::tile::<1, 1>([&a], [&w[..128 / QK]]);
        let s = scalar_tile::<W, 1, 1>([&a], [&w[..128 / QK]]);
        assert!(
            (v[0][0] - s[0][0]).abs() <= 1e-5 * s[0][0].abs().max(1.0),
            "{v:?} vs {s:?}"
        );
    }

    #[test]
    fn q8_0_products_match_the_dequantized_weights() {
        check_signed::<BlockQ8_0>(GgmlDType::Q8_0);
    }

    #[test]
    fn q5_0_products_match_the_dequantized_weights() {
        check_signed::<BlockQ5_0>(GgmlDType::Q5_0);
    }

    /// The AVX2 prompt kernel is the AVX-512 one bit for bit on Q5_0.
    #[cfg(bisum_vnni)]
    #[test]
    fn the_avx2_q5_0_lanes_are_the_avx512_lanes_bit_for_bit() {
        let (w, x, _) = check::<Q5_0>(GgmlDType::Q5_0, 128, 0.02);
        let zero = ActQ8_0 {
            d: 0.0,
            qs: [0; QK],
            s: 0,
        };
        let mut a = vec![zero; 8 * 4];
        Q5_0::quantize(&x[..8 * 128], &mut a);
        let rows: [&[ActQ8_0]; 8] = std::array::from_fn(|r| &a[4 * r..4 * r + 4]);
        let bytes_len = 4 * Q5_0::LANE_BYTES;
        let mut buf = vec![0u64; bytes_len / 8 + 8];
        let skip = (buf.as_ptr() as *const u8).align_offset(64);
        // SAFETY: u64 storage viewed as bytes, within its length.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut((buf.as_mut_ptr() as *mut u8).add(skip), bytes_len)
        };
        let cols: [&[BlockQ5_0]; LANES] = std::array::from_fn(|c| &w[4 * c..4 * c + 4]);
        for (b, blk) in bytes.chunks_exact_mut(Q5_0::LANE_BYTES).enumerate() {
            Q5_0::pack(&cols, b, blk);
        }
        let offset = BlockQ5_0::OFFSET;
        // SAFETY: built for both kernels' features; the panel holds the rows' block count.
        let (one, other) = unsafe {
            (
                avx2::lanes::<8>(bytes, rows, offset),
                avx512::lanes::<8>(bytes, rows, offset),
            )
        };
        for r in 0..8 {
            assert_eq!(
                one[r].map(f32::to_bits),
                other[r].map(f32::to_bits),
                "row {r}"
            );
        }
    }
}
