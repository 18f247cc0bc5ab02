//! Q6_K weights against Q8_K activations on AVX2 (Qwen2.5's 151936-row output head and half
//! its down projections are Q6_K).
//!
//! Matrices whose width is a whole number of 16-column panels are packed once, at load, into
//! a lane form as large as the file's blocks (`LaneQ6K`, kept in their place: no repacked
//! copy beside them) that one kernel (`lanes`) reads for a decoding step, a batch and a
//! prompt alike: per 16-value sub-block, four `vpdpbusd` of the unsigned 6-bit values by
//! broadcast activations, the offset of 32 taken out through the activations' sums, then
//! d × the signed scale in float. The per-block kernel (`column`) serves the rest, with
//! ggml's `ggml_vec_dot_q6_K_q8_K` arithmetic: 6-bit values (4 low bits in `ql`, 2 high bits
//! in `qh`) offset by 32, one signed 8-bit scale per 16 values, summed in i32 over the
//! super-block, then scaled by both blocks' scales.

use super::q4_k::{BlockQ8K, Q4K, QK_K};
use super::tiles::{TileKernel, LANES};
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

    const LANE_BYTES: usize = if super::tiles::VECTOR {
        std::mem::size_of::<LaneQ6K>()
    } else {
        0
    };

    const PACKED: bool = super::tiles::VECTOR;

    fn pack(w: &[&[BlockQ6K]; LANES], b: usize, out: &mut [u8]) {
        assert_eq!(out.len(), std::mem::size_of::<LaneQ6K>());
        let mut l = LaneQ6K {
            ql: [[[0; 4]; LANES]; QK_K / 8],
            qh: [[[0; 4]; LANES]; QK_K / 16],
            scales: [[0; LANES]; QK_K / 16],
            d: [f16::ZERO; LANES],
            _pad: [0; 32],
        };
        for (c, col) in w.iter().enumerate() {
            let x = &col[b];
            let v = values(x);
            l.d[c] = x.d;
            for s in 0..QK_K / 16 {
                l.scales[s][c] = x.scales[s];
                for i in 0..4 {
                    let high = |at: usize| v[16 * s + at + i] >> 4;
                    l.qh[s][c][i] = high(0) | (high(4) << 2) | (high(8) << 4) | (high(12) << 6);
                }
            }
            for g in 0..QK_K / 8 {
                for i in 0..4 {
                    l.ql[g][c][i] = (v[8 * g + i] & 0x0F) | ((v[8 * g + i + 4] & 0x0F) << 4);
                }
            }
        }
        // SAFETY: `out` holds exactly one `LaneQ6K` (asserted); plain numbers.
        unsafe { std::ptr::write_unaligned(out.as_mut_ptr() as *mut LaneQ6K, l) }
    }

    #[inline(always)]
    fn lanes<const R: usize>(packed: &[u8], a: [&[BlockQ8K]; R]) -> [[f32; LANES]; R] {
        #[cfg(bisum_vnni)]
        // SAFETY: compile-time target features; `packed` holds the rows' block count of
        // 64-byte-aligned `LaneQ6K` (a `tiles::Packed` panel).
        unsafe {
            avx512::lanes(packed, a)
        }
        #[cfg(all(bisum_avx2, not(bisum_vnni)))]
        // SAFETY: as above, with AVX2 and FMA.
        unsafe {
            avx2::lanes(packed, a)
        }
        #[cfg(not(bisum_avx2))]
        {
            let _ = (packed, a);
            unreachable!("lane kernels need AVX2")
        }
    }
}

/// One super-block of 16 weight columns, lane-major (lane c of a 512-bit row is column c),
/// as `tiles::Packed` keeps Q6_K matrices: the file's 16 blocks' bytes and 32 of padding,
/// so every row starts on a cache line. A value's low four bits sit in `ql` as Q4_K's
/// lane form holds its values; its two high bits in `qh`, four values to a byte.
#[repr(C)]
struct LaneQ6K {
    /// Per 8 values g: the low 4 bits of value 8g + i in the low nibble of byte i, those of
    /// 8g + i + 4 in its high nibble (i < 4).
    ql: [[[u8; 4]; LANES]; QK_K / 8],
    /// Per 16-value sub-block s: byte i holds the high 2 bits of values 16s + i, + 4 + i,
    /// + 8 + i and + 12 + i, from its low bits up.
    qh: [[[u8; 4]; LANES]; QK_K / 16],
    /// The signed scale of each sub-block, per column.
    scales: [[i8; LANES]; QK_K / 16],
    d: [f16; LANES],
    _pad: [u8; 32],
}
const _: () = assert!(std::mem::size_of::<LaneQ6K>() % 64 == 0);
const _: () = assert!(std::mem::offset_of!(LaneQ6K, qh) % 64 == 0);

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
    use super::{BlockQ6K, BlockQ8K, LaneQ6K, LANES};
    use crate::model::kernels::tiles::{ahead, by_halves, hsum, prefetch};
    use std::arch::x86_64::*;
    use std::mem::size_of;

    /// `avx512::lanes` on 256-bit registers, bit for bit: the panel's two halves of eight
    /// columns in turn. `vpmaddubsw` sums two products of a 6-bit weight and an i8 in i16
    /// (below 2^15 in magnitude, and so is the sum of two such pairs), `vpmaddwd` widens
    /// them: the i32 sums of `vpdpbusd`, followed by the same float steps.
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`.
    /// `packed` is a `tiles::Packed` panel for as many super-blocks as each row holds.
    pub(super) unsafe fn lanes<const R: usize>(
        packed: &[u8],
        a: [&[BlockQ8K]; R],
    ) -> [[f32; LANES]; R] {
        // SAFETY (both closures): as this function's.
        by_halves(
            a,
            |h, q, fetch| unsafe { half::<4>(packed, h, q, fetch) },
            |h, q, fetch| unsafe { half::<1>(packed, h, q, fetch) },
        )
    }

    /// Columns 8h..8h + 8 of a lane-major panel against Q activation rows (Q ≤ 4).
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// As `lanes`; h is 0 or 1.
    unsafe fn half<const Q: usize>(
        packed: &[u8],
        h: usize,
        a: [&[BlockQ8K]; Q],
        fetch: bool,
    ) -> [__m256; Q] {
        let m4 = _mm256_set1_epi8(0x0F);
        let m30 = _mm256_set1_epi8(0x30);
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_ps(); Q];
        let blocks = packed.as_ptr() as *const LaneQ6K;
        for b in 0..a[0].len() {
            let l = &*blocks.add(b);
            if fetch {
                ahead(l.scales.as_ptr(), size_of::<LaneQ6K>(), 0..5);
            }
            let d = _mm256_cvtph_ps(_mm_loadu_si128(l.d.as_ptr().add(8 * h) as *const __m128i));
            let mut blk = [_mm256_setzero_ps(); Q];
            for s in 0..16 {
                if fetch {
                    ahead(l.ql[2 * s].as_ptr(), size_of::<LaneQ6K>(), 0..2);
                    ahead(l.qh[s].as_ptr(), size_of::<LaneQ6K>(), 0..1);
                }
                let hb = _mm256_loadu_si256(l.qh[s].as_ptr().add(8 * h) as *const __m256i);
                let hs = [
                    _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30),
                    _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30),
                    _mm256_and_si256(hb, m30),
                    _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30),
                ];
                let w: [__m256i; 2] = std::array::from_fn(|k| {
                    _mm256_loadu_si256(l.ql[2 * s + k].as_ptr().add(8 * h) as *const __m256i)
                });
                let q = [
                    _mm256_or_si256(_mm256_and_si256(w[0], m4), hs[0]),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(w[0], 4), m4), hs[1]),
                    _mm256_or_si256(_mm256_and_si256(w[1], m4), hs[2]),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(w[1], 4), m4), hs[3]),
                ];
                let sc = _mm256_cvtepi8_epi32(_mm_loadl_epi64(
                    l.scales[s].as_ptr().add(8 * h) as *const __m128i
                ));
                let sc = _mm256_mul_ps(d, _mm256_cvtepi32_ps(sc));
                for r in 0..Q {
                    let y = a[r].get_unchecked(b);
                    let x = y.qs.as_ptr().add(16 * s) as *const i32;
                    let mut isum = _mm256_setzero_si256();
                    for k in 0..2 {
                        let p = _mm256_add_epi16(
                            _mm256_maddubs_epi16(
                                q[2 * k],
                                _mm256_set1_epi32(x.add(2 * k).read_unaligned()),
                            ),
                            _mm256_maddubs_epi16(
                                q[2 * k + 1],
                                _mm256_set1_epi32(x.add(2 * k + 1).read_unaligned()),
                            ),
                        );
                        isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, ones));
                    }
                    let v = _mm256_sub_epi32(isum, _mm256_set1_epi32(y.offsets[s]));
                    blk[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(v), sc, blk[r]);
                }
            }
            for r in 0..Q {
                let y = a[r].get_unchecked(b);
                acc[r] = _mm256_fmadd_ps(blk[r], _mm256_set1_ps(y.d), acc[r]);
            }
        }
        acc
    }

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
    use super::{BlockQ6K, BlockQ8K, LaneQ6K, LANES};
    use crate::model::kernels::tiles::{ahead, dpwssd, fold_block, hsum, prefetch};
    use std::arch::x86_64::*;
    use std::mem::size_of;

    /// R activation rows against 16 lane-major columns. Per 16-value sub-block and row:
    /// four broadcasts of 4 activation bytes and four `vpdpbusd` (64 products each) on the
    /// unsigned 6-bit values, the offset taken out through the row's `offsets`, then one
    /// conversion and one FMA by d × the sub-block's scale.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// `packed` is a `tiles::Packed` panel for as many super-blocks as each row holds.
    pub unsafe fn lanes<const R: usize>(packed: &[u8], a: [&[BlockQ8K]; R]) -> [[f32; LANES]; R] {
        let m4 = _mm512_set1_epi8(0x0F);
        let m30 = _mm512_set1_epi8(0x30);
        let mut acc = [_mm512_setzero_ps(); R];
        let blocks = packed.as_ptr() as *const LaneQ6K;
        for b in 0..a[0].len() {
            let l = &*blocks.add(b);
            ahead(l.scales.as_ptr(), size_of::<LaneQ6K>(), 0..5);
            let d = _mm512_cvtph_ps(_mm256_loadu_si256(l.d.as_ptr() as *const __m256i));
            let mut blk = [_mm512_setzero_ps(); R];
            for s in 0..16 {
                ahead(l.ql[2 * s].as_ptr(), size_of::<LaneQ6K>(), 0..2);
                ahead(l.qh[s].as_ptr(), size_of::<LaneQ6K>(), 0..1);
                let hb = _mm512_load_si512(l.qh[s].as_ptr() as *const __m512i);
                let hs = [
                    _mm512_and_si512(_mm512_slli_epi16(hb, 4), m30),
                    _mm512_and_si512(_mm512_slli_epi16(hb, 2), m30),
                    _mm512_and_si512(hb, m30),
                    _mm512_and_si512(_mm512_srli_epi16(hb, 2), m30),
                ];
                let w: [__m512i; 2] = std::array::from_fn(|k| {
                    _mm512_load_si512(l.ql[2 * s + k].as_ptr() as *const __m512i)
                });
                let q = [
                    _mm512_or_si512(_mm512_and_si512(w[0], m4), hs[0]),
                    _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(w[0], 4), m4), hs[1]),
                    _mm512_or_si512(_mm512_and_si512(w[1], m4), hs[2]),
                    _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(w[1], 4), m4), hs[3]),
                ];
                let sc =
                    _mm512_cvtepi8_epi32(_mm_loadu_si128(l.scales[s].as_ptr() as *const __m128i));
                let sc = _mm512_mul_ps(d, _mm512_cvtepi32_ps(sc));
                for r in 0..R {
                    let y = a[r].get_unchecked(b);
                    let x = y.qs.as_ptr().add(16 * s) as *const i32;
                    let mut isum = _mm512_setzero_si512();
                    for (k, q) in q.iter().enumerate() {
                        isum = _mm512_dpbusd_epi32(
                            isum,
                            *q,
                            _mm512_set1_epi32(x.add(k).read_unaligned()),
                        );
                    }
                    let v = _mm512_sub_epi32(isum, _mm512_set1_epi32(y.offsets[s]));
                    blk[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), sc, blk[r]);
                }
            }
            for r in 0..R {
                let y = a[r].get_unchecked(b);
                acc[r] = _mm512_fmadd_ps(blk[r], _mm512_set1_ps(y.d), acc[r]);
            }
        }
        let mut out = [[0f32; LANES]; R];
        for r in 0..R {
            _mm512_storeu_ps(out[r].as_mut_ptr(), acc[r]);
        }
        out
    }

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

    #[cfg(bisum_avx2)]
    #[test]
    fn packed_rows_do_not_depend_on_the_batch() {
        crate::model::kernels::tiles::testing::packed_agrees::<Q6K>(GgmlDType::Q6K, false);
    }

    /// The AVX2 lane kernel is the AVX-512 one bit for bit, so both builds read alike.
    #[cfg(bisum_vnni)]
    #[test]
    fn the_avx2_lanes_are_the_avx512_lanes_bit_for_bit() {
        let (w, x, _) = check::<Q6K>(GgmlDType::Q6K, 512, 0.05);
        let mut a = vec![BlockQ8K::ZERO; 16];
        Q6K::quantize(&x[..8 * 512], &mut a);
        let rows: [&[BlockQ8K]; 8] = std::array::from_fn(|r| &a[2 * r..2 * r + 2]);
        let packed = crate::model::kernels::tiles::Packed::new::<Q6K>(&w[..32], 16, 2);
        let panel = packed.panel(0);
        // SAFETY: built for both kernels' features; the panel holds the rows' block count.
        let (one, other) = unsafe {
            (
                avx2::lanes::<8>(panel, rows),
                avx512::lanes::<8>(panel, rows),
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
