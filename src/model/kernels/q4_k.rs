//! Q4_K weights against Q8_K activations on AVX2: the GGUF file's blocks, or the same
//! numbers in a lane-major form that every product reads.
//!
//! candle 0.11.1 reaches llama.cpp's prompt speed on Q4_K only through a repacked copy of the
//! weights kept beside the originals (1.3 bytes per weight more than the file's 0.56: +1 GB
//! for Qwen2.5-1.5B). bisum instead packs each Q4_K matrix once, when the model loads, into
//! panels of 16 columns (`LaneQ4K`, 2.8% larger than the file's blocks) and keeps them in
//! place of the blocks (`tiles::Packed`). One kernel (`lanes`) then serves a decoding step,
//! a batch of sequences and a prompt alike: a column's values sit in one 32-bit lane, a
//! `vpdpbusd` multiplies four of its weights by four broadcast activations, and rows share
//! each weight register, so a batch of four decoding rows costs little more than one row
//! (it read the weights once but did twice the arithmetic on the file's blocks). The
//! per-block kernels (`column`, `tile`: ggml's `ggml_vec_dot_q4_K_q8_K`, per 32-value
//! sub-block the integer dot product times the 6-bit scale, summed in i32 over the
//! super-block, then scaled by both blocks' scales; the minimums against the activations'
//! sums) remain for matrices that cannot be packed (widths not a whole number of panels,
//! an embedding the output head shares).

use super::tiles::{TileKernel, LANES};
use half::f16;

pub const QK_K: usize = 256;

/// ggml's `block_q4_K`, as stored in the GGUF file.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ4K {
    d: f16,
    dmin: f16,
    /// 8 scales and 8 minimums, 6 bits each.
    scales: [u8; 12],
    /// 4 chunks of 32 bytes: values 64c..64c+32 in the low nibbles, 64c+32..64c+64 in the
    /// high nibbles.
    qs: [u8; QK_K / 2],
}
const _: () = assert!(std::mem::size_of::<BlockQ4K>() == 144);

/// ggml's `block_q8_K`, with the sums of its 32-value sub-blocks (what the minimums
/// multiply) instead of ggml's 16-value sums, added once here rather than per weight column.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct BlockQ8K {
    pub(super) d: f32,
    pub(super) qs: [i8; QK_K],
    pub(super) sums: [i16; QK_K / 32],
    /// 32 × the sum of each 16-value sub-block: what Q6_K's offset of 32 takes out of its
    /// lane kernel's unsigned products.
    pub(super) offsets: [i32; QK_K / 16],
}

impl BlockQ8K {
    pub const ZERO: Self = Self {
        d: 0.0,
        qs: [0; QK_K],
        sums: [0; QK_K / 32],
        offsets: [0; QK_K / 16],
    };
}

pub struct Q4K;

impl TileKernel for Q4K {
    type W = BlockQ4K;
    type A = BlockQ8K;
    const BLOCK: usize = QK_K;
    const ROWS: usize = 8;
    const COLS: usize = 1;

    fn quantize(x: &[f32], out: &mut [BlockQ8K]) {
        for (x, y) in x.chunks_exact(QK_K).zip(out.iter_mut()) {
            quantize_block(x, y);
        }
    }

    #[inline(always)]
    fn tile<const R: usize, const C: usize>(
        a: [&[BlockQ8K]; R],
        w: [&[BlockQ4K]; C],
    ) -> [[f32; C]; R] {
        #[cfg(bisum_vnni)]
        if R > 1 {
            // SAFETY: compile-time target features; equal block counts (checked by the driver).
            let cols: [[f32; R]; C] = std::array::from_fn(|c| unsafe { avx512::batch(&a, w[c]) });
            return std::array::from_fn(|r| std::array::from_fn(|c| cols[c][r]));
        }
        #[cfg(bisum_avx2)]
        // SAFETY: compile-time target features; equal block counts (checked by the driver).
        unsafe {
            avx2::tile(a, w)
        }
        #[cfg(not(bisum_avx2))]
        scalar_tile(a, w)
    }

    const LANE_BYTES: usize = if super::tiles::VECTOR {
        std::mem::size_of::<LaneQ4K>()
    } else {
        0
    };

    const PACKED: bool = super::tiles::VECTOR;

    fn pack(w: &[&[BlockQ4K]; LANES], b: usize, out: &mut [u8]) {
        assert_eq!(out.len(), std::mem::size_of::<LaneQ4K>());
        let mut l = LaneQ4K {
            d: [f16::ZERO; LANES],
            dmin: [f16::ZERO; LANES],
            scales: [[0; LANES]; 8],
            mins: [[[0; 2]; LANES]; 4],
            qs: [[[0; 4]; LANES]; QK_K / 8],
        };
        for (c, col) in w.iter().enumerate() {
            let x = &col[b];
            let (sc, mn) = scales_mins(&x.scales);
            l.d[c] = x.d;
            l.dmin[c] = x.dmin;
            for j in 0..8 {
                l.scales[j][c] = sc[j];
            }
            for p in 0..4 {
                l.mins[p][c] = [mn[2 * p], mn[2 * p + 1]];
            }
            let v = values(x);
            for g in 0..QK_K / 8 {
                for i in 0..4 {
                    l.qs[g][c][i] = v[8 * g + i] | (v[8 * g + i + 4] << 4);
                }
            }
        }
        // SAFETY: `out` holds exactly one `LaneQ4K` (asserted); plain numbers.
        unsafe { std::ptr::write_unaligned(out.as_mut_ptr() as *mut LaneQ4K, l) }
    }

    #[inline(always)]
    fn lanes<const R: usize>(packed: &[u8], a: [&[BlockQ8K]; R]) -> [[f32; LANES]; R] {
        #[cfg(bisum_vnni)]
        // SAFETY: compile-time target features; `packed` holds the rows' block count of
        // 64-byte-aligned `LaneQ4K` (the driver's buffer).
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

/// One super-block of 16 weight columns, lane-major: lane c of each 512-bit row is column
/// c (AVX-512 VNNI reads a row at once, AVX2 its two halves in turn). It holds what the
/// file's 16 blocks hold, in 2,368 bytes instead of 2,304 (the 6-bit scales and minimums
/// widened to bytes), so decoding streams as many bytes from memory as on the file's blocks.
#[repr(C)]
struct LaneQ4K {
    /// Per column: the block's scale and minimums' scale.
    d: [f16; LANES],
    dmin: [f16; LANES],
    /// The 6-bit scale of each sub-block, per column.
    scales: [[u8; LANES]; 8],
    /// The 6-bit minimums of sub-blocks 2p and 2p + 1, the byte pair that widens to the i16
    /// pair `vpdpwssd` takes.
    mins: [[[u8; 2]; LANES]; 4],
    /// Per 8 values g: value 8g + i in the low nibble of byte i, 8g + i + 4 in its high
    /// nibble (i < 4), so one mask and one shift give four values per lane each.
    qs: [[[u8; 4]; LANES]; QK_K / 8],
}
const _: () = assert!(std::mem::size_of::<LaneQ4K>() % 64 == 0);
const _: () = assert!(std::mem::offset_of!(LaneQ4K, qs) % 64 == 0);

/// The 256 values 0..16 of a block, in order.
fn values(x: &BlockQ4K) -> [u8; QK_K] {
    let mut v = [0u8; QK_K];
    for t in 0..4 {
        for l in 0..32 {
            let byte = x.qs[32 * t + l];
            v[64 * t + l] = byte & 0x0F;
            v[64 * t + 32 + l] = byte >> 4;
        }
    }
    v
}

pub const FAST: bool = super::tiles::VECTOR;

/// ggml's `quantize_row_q8_K_ref`: the value of largest magnitude maps to -128.
fn quantize_block(x: &[f32], y: &mut BlockQ8K) {
    // ggml's scale comes from the first value of the largest magnitude. Its magnitude is
    // found eight lanes at a time (the compiler vectorizes this form, not the branch that
    // tracks the value as it goes), then the value itself: the same number either way.
    let mut lanes = [0f32; 8];
    for c in x.chunks_exact(8) {
        for (m, v) in lanes.iter_mut().zip(c) {
            *m = m.max(v.abs());
        }
    }
    let amax = lanes.iter().fold(0f32, |m, &v| m.max(v));
    let max = x.iter().copied().find(|v| v.abs() == amax).unwrap_or(0.0);
    if amax == 0.0 {
        *y = BlockQ8K::ZERO;
        return;
    }
    let iscale = -128.0 / max;
    for (q, v) in y.qs.iter_mut().zip(x) {
        *q = ((iscale * v).round_ties_even() as i32).min(127) as i8;
    }
    for (s, q) in y.sums.iter_mut().zip(y.qs.chunks_exact(32)) {
        *s = q.iter().map(|&v| v as i16).sum();
    }
    for (s, q) in y.offsets.iter_mut().zip(y.qs.chunks_exact(16)) {
        *s = 32 * q.iter().map(|&v| v as i32).sum::<i32>();
    }
    y.d = 1.0 / iscale;
}

/// The 8 scales and 8 minimums of a block (ggml's `get_scale_min_k4`).
fn scales_mins(s: &[u8; 12]) -> ([u8; 8], [u8; 8]) {
    let (mut sc, mut mn) = ([0u8; 8], [0u8; 8]);
    for j in 0..8 {
        if j < 4 {
            sc[j] = s[j] & 63;
            mn[j] = s[j + 4] & 63;
        } else {
            sc[j] = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4);
            mn[j] = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
        }
    }
    (sc, mn)
}

#[cfg_attr(bisum_avx2, allow(dead_code))]
fn scalar_tile<const R: usize, const C: usize>(
    a: [&[BlockQ8K]; R],
    w: [&[BlockQ4K]; C],
) -> [[f32; C]; R] {
    let mut out = [[0f32; C]; R];
    for r in 0..R {
        for c in 0..C {
            let (mut acc, mut accm) = (0f32, 0f32);
            for (x, y) in w[c].iter().zip(a[r]) {
                let (sc, mn) = scales_mins(&x.scales);
                let (mut sumi, mut summ) = (0i32, 0i32);
                for j in 0..8 {
                    let chunk = &x.qs[(j / 2) * 32..(j / 2) * 32 + 32];
                    let mut s = 0i32;
                    for (i, &b) in chunk.iter().enumerate() {
                        let q = if j % 2 == 0 { b & 0x0F } else { b >> 4 };
                        s += q as i32 * y.qs[j * 32 + i] as i32;
                    }
                    sumi += s * sc[j] as i32;
                    summ += mn[j] as i32 * y.sums[j] as i32;
                }
                acc += y.d * x.d.to_f32() * sumi as f32;
                accm += -y.d * x.dmin.to_f32() * summ as f32;
            }
            out[r][c] = acc + accm;
        }
    }
    out
}

#[cfg(bisum_avx2)]
mod avx2 {
    use super::{BlockQ4K, BlockQ8K, LaneQ4K, LANES};
    use crate::model::kernels::tiles::{ahead, by_halves, hsum, hsum4, prefetch};
    use std::arch::x86_64::*;
    use std::mem::size_of;

    const KMASK1: u32 = 0x3f3f3f3f;
    const KMASK2: u32 = 0x0f0f0f0f;
    const KMASK3: u32 = 0x03030303;

    /// Shuffle masks that broadcast the i-th i16 of a 128-bit lane to all its lanes.
    const BCAST: [[u8; 32]; 8] = {
        let mut m = [[0u8; 32]; 8];
        let mut i = 0;
        while i < 8 {
            let mut b = 0;
            while b < 32 {
                m[i][b] = (2 * i + b % 2) as u8;
                b += 1;
            }
            i += 1;
        }
        m
    };

    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// `i` is below 8.
    unsafe fn bcast_i16(v: __m256i, i: usize) -> __m256i {
        _mm256_shuffle_epi8(v, _mm256_loadu_si256(BCAST[i].as_ptr() as *const __m256i))
    }

    /// (scales as 8 i16 in both lanes, minimums as 8 i16).
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    pub(super) unsafe fn unpack_scales(s: &[u8; 12]) -> (__m256i, __m128i) {
        let mut u = [0u32; 4];
        std::ptr::copy_nonoverlapping(s.as_ptr(), u.as_mut_ptr() as *mut u8, 12);
        u[3] = ((u[2] >> 4) & KMASK2) | (((u[1] >> 6) & KMASK3) << 4);
        let uaux = u[1] & KMASK1;
        u[1] = (u[2] & KMASK2) | (((u[0] >> 6) & KMASK3) << 4);
        u[2] = uaux;
        u[0] &= KMASK1;
        let ms = _mm256_cvtepu8_epi16(_mm_set_epi32(
            u[3] as i32,
            u[2] as i32,
            u[1] as i32,
            u[0] as i32,
        ));
        let sc = _mm256_castsi256_si128(ms);
        (_mm256_set_m128i(sc, sc), _mm256_extracti128_si256(ms, 1))
    }

    /// A super-block's minimums term for one activation row, added to `accm`: the
    /// minimums `mn` (8 i16) against the row's sub-block sums, times -d × dmin (ggml's
    /// order; every Q4_K kernel but the lane ones takes it from here).
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    pub(super) unsafe fn add_mins(accm: __m128, mn: __m128i, y: &BlockQ8K, dmin: f32) -> __m128 {
        let p = _mm_madd_epi16(mn, _mm_loadu_si128(y.sums.as_ptr() as *const __m128i));
        _mm_fmadd_ps(_mm_set1_ps(-y.d * dmin), _mm_cvtepi32_ps(p), accm)
    }

    /// Single rows (decoding): one column after another, ggml's kernel. Prompt tiles:
    /// every activation block load serves C columns, with the R × C integer sums of a
    /// super-block in registers and the float accumulators, touched once per super-block,
    /// wherever the compiler puts them.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// Every activation row and weight column holds the same number of super-blocks (the driver
    /// in `tiles.rs` checks this).
    pub unsafe fn tile<const R: usize, const C: usize>(
        a: [&[BlockQ8K]; R],
        w: [&[BlockQ4K]; C],
    ) -> [[f32; C]; R] {
        let mut out = [[0f32; C]; R];
        if R == 1 || C == 1 {
            for c in 0..C {
                #[cfg(bisum_vnni)]
                let col = super::avx512::column(&a, w[c]);
                #[cfg(not(bisum_vnni))]
                let col = column(&a, w[c]);
                for r in 0..R {
                    out[r][c] = col[r];
                }
            }
            return out;
        }
        let m4 = _mm256_set1_epi8(0x0F);
        let mut acc = [[_mm256_setzero_ps(); C]; R];
        let mut accm = [[_mm_setzero_ps(); C]; R];
        for b in 0..w[0].len() {
            let mut scales = [_mm256_setzero_si256(); C];
            for c in 0..C {
                let x = w[c].get_unchecked(b);
                let (sc, mn) = unpack_scales(&x.scales);
                scales[c] = sc;
                let dmin = x.dmin.to_f32();
                for r in 0..R {
                    accm[r][c] = add_mins(accm[r][c], mn, a[r].get_unchecked(b), dmin);
                }
            }
            let mut sumi = [[_mm256_setzero_si256(); C]; R];
            for j in 0..4 {
                for c in 0..C {
                    let bits = _mm256_loadu_si256(
                        w[c].get_unchecked(b).qs.as_ptr().add(32 * j) as *const __m256i
                    );
                    let q4l = _mm256_and_si256(bits, m4);
                    let q4h = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
                    let sl = bcast_i16(scales[c], 2 * j);
                    let sh = bcast_i16(scales[c], 2 * j + 1);
                    for r in 0..R {
                        let q = a[r].get_unchecked(b).qs.as_ptr().add(64 * j);
                        let q8l = _mm256_loadu_si256(q as *const __m256i);
                        let q8h = _mm256_loadu_si256(q.add(32) as *const __m256i);
                        let pl = _mm256_madd_epi16(sl, _mm256_maddubs_epi16(q4l, q8l));
                        let ph = _mm256_madd_epi16(sh, _mm256_maddubs_epi16(q4h, q8h));
                        sumi[r][c] = _mm256_add_epi32(sumi[r][c], _mm256_add_epi32(pl, ph));
                    }
                }
            }
            for c in 0..C {
                let xd = w[c].get_unchecked(b).d.to_f32();
                for r in 0..R {
                    let d = _mm256_set1_ps(a[r].get_unchecked(b).d * xd);
                    acc[r][c] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi[r][c]), acc[r][c]);
                }
            }
        }
        for r in 0..R {
            for c in 0..C {
                out[r][c] = hsum(acc[r][c]) + hsum4(accm[r][c]);
            }
        }
        out
    }

    /// `avx512::lanes` on 256-bit registers, bit for bit: the panel's two halves of eight
    /// columns in turn, four rows at a time. Without VNNI, a sub-block's products are summed
    /// in i16 (eight `vpmaddubsw` per 32 values and row; 16 products of a 4-bit weight and
    /// an i8 stay below 2^15 in magnitude), then widened once by `vpmaddwd`: the same i32
    /// sums as `vpdpbusd`'s, followed by the AVX-512 kernel's float steps. Half the
    /// multiply instructions of the tile kernel per product, and a prompt gets the same
    /// logits on either build.
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// `packed` is a panel as `tiles::lane_panels` packed it, for as many super-blocks as each
    /// activation row holds.
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

    /// Columns 8h..8h + 8 of a lane-major panel against Q activation rows (Q ≤ 4: the
    /// rows' i16 and float sums stay in the sixteen registers).
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
        let ones = _mm256_set1_epi16(1);
        let mut acc = [_mm256_setzero_ps(); Q];
        let blocks = packed.as_ptr() as *const LaneQ4K;
        for b in 0..a[0].len() {
            let l = &*blocks.add(b);
            if fetch {
                ahead(l.d.as_ptr(), size_of::<LaneQ4K>(), 0..5);
            }
            let d = _mm256_cvtph_ps(_mm_loadu_si128(l.d.as_ptr().add(8 * h) as *const __m128i));
            let mut blk = [_mm256_setzero_ps(); Q];
            for j in 0..8 {
                let mut isum = [_mm256_setzero_si256(); Q];
                for g in 4 * j..4 * j + 4 {
                    if fetch {
                        ahead(l.qs[g].as_ptr(), size_of::<LaneQ4K>(), 0..1);
                    }
                    let w = _mm256_loadu_si256(l.qs[g].as_ptr().add(8 * h) as *const __m256i);
                    let lo = _mm256_and_si256(w, m4);
                    let hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
                    for r in 0..Q {
                        let q = a[r].get_unchecked(b).qs.as_ptr().add(8 * g) as *const i32;
                        let qlo = _mm256_set1_epi32(q.read_unaligned());
                        let qhi = _mm256_set1_epi32(q.add(1).read_unaligned());
                        let p = _mm256_add_epi16(
                            _mm256_maddubs_epi16(lo, qlo),
                            _mm256_maddubs_epi16(hi, qhi),
                        );
                        isum[r] = _mm256_add_epi16(isum[r], p);
                    }
                }
                let sc = _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                    l.scales[j].as_ptr().add(8 * h) as *const __m128i
                ));
                let s = _mm256_mul_ps(d, _mm256_cvtepi32_ps(sc));
                for r in 0..Q {
                    let i = _mm256_madd_epi16(isum[r], ones);
                    blk[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), s, blk[r]);
                }
            }
            let mins: [__m256i; 4] = std::array::from_fn(|p| {
                _mm256_cvtepu8_epi16(_mm_loadu_si128(
                    l.mins[p].as_ptr().add(8 * h) as *const __m128i
                ))
            });
            let dmin =
                _mm256_cvtph_ps(_mm_loadu_si128(l.dmin.as_ptr().add(8 * h) as *const __m128i));
            for r in 0..Q {
                let y = a[r].get_unchecked(b);
                let sums = y.sums.as_ptr() as *const i32;
                let mut summ = _mm256_setzero_si256();
                for (p, mn) in mins.iter().enumerate() {
                    let s = _mm256_set1_epi32(sums.add(p).read_unaligned());
                    summ = _mm256_add_epi32(summ, _mm256_madd_epi16(*mn, s));
                }
                let v = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(summ), dmin, blk[r]);
                acc[r] = _mm256_fmadd_ps(v, _mm256_set1_ps(y.d), acc[r]);
            }
        }
        acc
    }

    /// One weight column against R activation rows; ggml's single-row kernel when R = 1.
    #[inline(always)]
    #[cfg_attr(bisum_vnni, allow(dead_code))]
    /// # Safety
    /// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
    /// build.rs sets from the build's target features.
    /// Every activation row holds as many super-blocks as `w`.
    pub(super) unsafe fn column<const R: usize>(a: &[&[BlockQ8K]; R], w: &[BlockQ4K]) -> [f32; R] {
        let m4 = _mm256_set1_epi8(0x0F);
        let mut acc = [_mm256_setzero_ps(); R];
        let mut accm = [_mm_setzero_ps(); R];
        for (b, x) in w.iter().enumerate() {
            prefetch(x, std::mem::size_of::<BlockQ4K>());
            let (scales, mn) = unpack_scales(&x.scales);
            let xd = x.d.to_f32();
            let dmin = x.dmin.to_f32();
            let mut sumi = [_mm256_setzero_si256(); R];
            for r in 0..R {
                accm[r] = add_mins(accm[r], mn, a[r].get_unchecked(b), dmin);
            }
            for j in 0..4 {
                let bits = _mm256_loadu_si256(x.qs.as_ptr().add(32 * j) as *const __m256i);
                let q4l = _mm256_and_si256(bits, m4);
                let q4h = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
                let sl = bcast_i16(scales, 2 * j);
                let sh = bcast_i16(scales, 2 * j + 1);
                for r in 0..R {
                    let q = a[r].get_unchecked(b).qs.as_ptr().add(64 * j);
                    let q8l = _mm256_loadu_si256(q as *const __m256i);
                    let q8h = _mm256_loadu_si256(q.add(32) as *const __m256i);
                    let pl = _mm256_madd_epi16(sl, _mm256_maddubs_epi16(q4l, q8l));
                    let ph = _mm256_madd_epi16(sh, _mm256_maddubs_epi16(q4h, q8h));
                    sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(pl, ph));
                }
            }
            for r in 0..R {
                let d = _mm256_set1_ps(a[r].get_unchecked(b).d * xd);
                acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi[r]), acc[r]);
            }
        }
        let mut out = [0f32; R];
        for r in 0..R {
            out[r] = hsum(acc[r]) + hsum4(accm[r]);
        }
        out
    }
}

#[cfg(bisum_vnni)]
mod avx512 {
    use super::{BlockQ4K, BlockQ8K, LaneQ4K, LANES};
    use crate::model::kernels::tiles::{
        ahead, dpwssd, fold_block, fold_pair, hsum, hsum4, pair_half, prefetch, quarter, RowBlock,
    };
    use std::arch::x86_64::*;
    use std::mem::size_of;

    /// Super-block `b` of each row against weight block `x` (its 6-bit scales unpacked as
    /// `unpack_scales` gives them): per row, the scaled i32 products in AVX2's lane order,
    /// one 512-bit register holding the sub-block pair's 64 values (low nibbles below, high
    /// nibbles above).
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// Every row holds super-block `b`.
    unsafe fn products<const R: usize>(
        a: &[&[BlockQ8K]; R],
        b: usize,
        x: &BlockQ4K,
        scales: __m256i,
    ) -> [__m512i; R] {
        let m4 = _mm512_set1_epi8(0x0F);
        // Shift the upper copy of the 32 weight bytes by 4: its high nibbles.
        let shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
        let scales = _mm512_castsi256_si512(scales);
        let mut sumi = [_mm512_setzero_si512(); R];
        for j in 0..4 {
            // Sub-block 2j's scale in the low 16 i16 lanes, 2j + 1's in the high 16.
            let pick = _mm512_inserti64x4(
                _mm512_set1_epi16(2 * j as i16),
                _mm256_set1_epi16(2 * j as i16 + 1),
                1,
            );
            let bits = _mm512_broadcast_i64x4(_mm256_loadu_si256(
                x.qs.as_ptr().add(32 * j) as *const __m256i
            ));
            let q4 = _mm512_and_si512(_mm512_srlv_epi16(bits, shift), m4);
            let sc = _mm512_permutexvar_epi16(pick, scales);
            for r in 0..R {
                let q = a[r].get_unchecked(b).qs.as_ptr().add(64 * j);
                let q8 = _mm512_loadu_si512(q as *const __m512i);
                sumi[r] = dpwssd(sumi[r], _mm512_maddubs_epi16(q4, q8), sc);
            }
        }
        sumi
    }

    /// `avx2::column` on 512-bit registers, bit for bit (`products`): a sub-block pair's 64
    /// values in one register, one `vpmaddubsw` and one `vpdpwssd`
    /// per pair and row where AVX2 takes two of each and two adds. Lane k of the low half
    /// sums the same four products times the same scale as AVX2's lane k, and the halves are
    /// added in i32 (exact) before the float steps, which are AVX2's: so a decoding step
    /// gives the same logits on either build, and a row the same in any batch.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// Every activation row holds as many super-blocks as `w`.
    pub unsafe fn column<const R: usize>(a: &[&[BlockQ8K]; R], w: &[BlockQ4K]) -> [f32; R] {
        let mut acc = [_mm256_setzero_ps(); R];
        let mut accm = [_mm_setzero_ps(); R];
        for (b, x) in w.iter().enumerate() {
            prefetch(x, std::mem::size_of::<BlockQ4K>());
            let (scales, mn) = super::avx2::unpack_scales(&x.scales);
            let xd = x.d.to_f32();
            let dmin = x.dmin.to_f32();
            for r in 0..R {
                accm[r] = super::avx2::add_mins(accm[r], mn, a[r].get_unchecked(b), dmin);
            }
            let sumi = products(a, b, x, scales);
            for r in 0..R {
                acc[r] = fold_block(acc[r], sumi[r], a[r].get_unchecked(b).d * xd);
            }
        }
        let mut out = [0f32; R];
        for r in 0..R {
            out[r] = hsum(acc[r]) + hsum4(accm[r]);
        }
        out
    }

    /// `column` over a batch of decoding rows (2 ≤ R ≤ 8), bit for bit: the rows' block
    /// scales are laid out once per super-block (`RowBlock`), two rows share each float
    /// step of the fold (`fold_pair`) and four rows each step of the minimums, lane for
    /// lane the arithmetic `column` does row by row.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// Every activation row holds as many super-blocks as `w`.
    pub unsafe fn batch<const R: usize>(a: &[&[BlockQ8K]; R], w: &[BlockQ4K]) -> [f32; R] {
        let row = |r: usize| a[r.min(R - 1)];
        let mut acc = [_mm512_setzero_ps(); 4];
        let mut accm = [_mm512_setzero_ps(); 2];
        for (b, x) in w.iter().enumerate() {
            prefetch(x, std::mem::size_of::<BlockQ4K>());
            let rows = RowBlock::of::<R>(|r| a[r].get_unchecked(b).d);
            let (scales, mn) = super::avx2::unpack_scales(&x.scales);
            // -d × dmin as `add_mins` rounds it: d × (-dmin) is the same number.
            let dmin = _mm512_set1_ps(-x.dmin.to_f32());
            let mn = _mm512_broadcast_i32x4(mn);
            for (q, accm) in accm.iter_mut().enumerate().take(R.div_ceil(4)) {
                // The sub-block sums of rows 4q..4q + 4, one row per 128-bit lane.
                let at = |i: usize| {
                    _mm_loadu_si128(row(4 * q + i).get_unchecked(b).sums.as_ptr() as *const __m128i)
                };
                let sums = _mm512_inserti32x4::<1>(_mm512_castsi128_si512(at(0)), at(1));
                let sums = _mm512_inserti32x4::<3>(_mm512_inserti32x4::<2>(sums, at(2)), at(3));
                let p = _mm512_madd_epi16(mn, sums);
                let m = _mm512_mul_ps(rows.quads[q], dmin);
                *accm = _mm512_fmadd_ps(m, _mm512_cvtepi32_ps(p), *accm);
            }
            let sumi = products(a, b, x, scales);
            let xd = _mm512_set1_ps(x.d.to_f32());
            for (p, acc) in acc.iter_mut().enumerate().take(R.div_ceil(2)) {
                let pair = (sumi[2 * p], sumi[(2 * p + 1).min(R - 1)]);
                *acc = fold_pair(*acc, pair, _mm512_mul_ps(rows.pairs[p], xd));
            }
        }
        std::array::from_fn(|r| hsum(pair_half(acc[r / 2], r)) + hsum4(quarter(accm[r / 4], r)))
    }

    /// R activation rows against 16 lane-major columns. Per 8 values and row: two
    /// broadcasts of 4 activation bytes and two `vpdpbusd`, each 64 multiply-adds.
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F/BW/VNNI: this code is compiled only under `bisum_vnni`.
    /// `packed` is a panel as `tiles::lane_panels` packed it, for as many super-blocks as each
    /// activation row holds.
    pub unsafe fn lanes<const R: usize>(packed: &[u8], a: [&[BlockQ8K]; R]) -> [[f32; LANES]; R] {
        let m4 = _mm512_set1_epi8(0x0F);
        let mut acc = [_mm512_setzero_ps(); R];
        let blocks = packed.as_ptr() as *const LaneQ4K;
        for b in 0..a[0].len() {
            let l = &*blocks.add(b);
            ahead(l.d.as_ptr(), size_of::<LaneQ4K>(), 0..5);
            let d = _mm512_cvtph_ps(_mm256_loadu_si256(l.d.as_ptr() as *const __m256i));
            let mut blk = [_mm512_setzero_ps(); R];
            for j in 0..8 {
                let mut isum = [_mm512_setzero_si512(); R];
                for g in 4 * j..4 * j + 4 {
                    ahead(l.qs[g].as_ptr(), size_of::<LaneQ4K>(), 0..1);
                    let w = _mm512_load_si512(l.qs[g].as_ptr() as *const __m512i);
                    let lo = _mm512_and_si512(w, m4);
                    let hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), m4);
                    for r in 0..R {
                        let q = a[r].get_unchecked(b).qs.as_ptr().add(8 * g) as *const i32;
                        let qlo = _mm512_set1_epi32(q.read_unaligned());
                        let qhi = _mm512_set1_epi32(q.add(1).read_unaligned());
                        isum[r] = _mm512_dpbusd_epi32(isum[r], lo, qlo);
                        isum[r] = _mm512_dpbusd_epi32(isum[r], hi, qhi);
                    }
                }
                // d × the sub-block's scale, the product the lanes' float steps start from.
                let sc =
                    _mm512_cvtepu8_epi32(_mm_loadu_si128(l.scales[j].as_ptr() as *const __m128i));
                let s = _mm512_mul_ps(d, _mm512_cvtepi32_ps(sc));
                for r in 0..R {
                    blk[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r]), s, blk[r]);
                }
            }
            let mins: [__m512i; 4] = std::array::from_fn(|p| {
                _mm512_cvtepu8_epi16(_mm256_loadu_si256(l.mins[p].as_ptr() as *const __m256i))
            });
            let dmin = _mm512_cvtph_ps(_mm256_loadu_si256(l.dmin.as_ptr() as *const __m256i));
            for r in 0..R {
                let y = a[r].get_unchecked(b);
                let sums = y.sums.as_ptr() as *const i32;
                let mut summ = _mm512_setzero_si512();
                for (p, mn) in mins.iter().enumerate() {
                    let s = _mm512_set1_epi32(sums.add(p).read_unaligned());
                    summ = _mm512_dpwssd_epi32(summ, *mn, s);
                }
                let v = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(summ), dmin, blk[r]);
                acc[r] = _mm512_fmadd_ps(v, _mm512_set1_ps(y.d), acc[r]);
            }
        }
        let mut out = [[0f32; LANES]; R];
        for r in 0..R {
            _mm512_storeu_ps(out[r].as_mut_ptr(), acc[r]);
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
        let (w, x, _) = check::<Q4K>(GgmlDType::Q4K, 512, 0.05);
        let mut a = vec![BlockQ8K::ZERO; 2];
        Q4K::quantize(&x[..512], &mut a);
        let v = Q4K::tile::<1, 1>([&a], [&w[..2]]);
        let s = scalar_tile::<1, 1>([&a], [&w[..2]]);
        assert!(
            (v[0][0] - s[0][0]).abs() <= 1e-5 * s[0][0].abs().max(1.0),
            "{v:?} vs {s:?}"
        );
    }

    #[cfg(bisum_avx2)]
    #[test]
    fn packed_rows_do_not_depend_on_the_batch() {
        crate::model::kernels::tiles::testing::packed_agrees::<Q4K>(GgmlDType::Q4K, true);
    }

    /// The AVX2 prompt kernel is the AVX-512 one bit for bit, so both builds read a prompt
    /// alike.
    #[cfg(bisum_vnni)]
    #[test]
    fn the_avx2_lanes_are_the_avx512_lanes_bit_for_bit() {
        let (w, x, _) = check::<Q4K>(GgmlDType::Q4K, 512, 0.05);
        let mut a = vec![BlockQ8K::ZERO; 16];
        Q4K::quantize(&x[..8 * 512], &mut a);
        let rows: [&[BlockQ8K]; 8] = std::array::from_fn(|r| &a[2 * r..2 * r + 2]);
        // A 64-byte-aligned panel of 16 columns, two super-blocks.
        let mut buf = vec![0u64; 2 * Q4K::LANE_BYTES / 8 + 8];
        let skip = (buf.as_ptr() as *const u8).align_offset(64);
        // SAFETY: u64 storage viewed as bytes, within its length.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(
                (buf.as_mut_ptr() as *mut u8).add(skip),
                2 * Q4K::LANE_BYTES,
            )
        };
        let cols: [&[BlockQ4K]; LANES] = std::array::from_fn(|c| &w[2 * c..2 * c + 2]);
        for (b, blk) in bytes.chunks_exact_mut(Q4K::LANE_BYTES).enumerate() {
            Q4K::pack(&cols, b, blk);
        }
        // SAFETY: built for both kernels' features; the panel holds the rows' block count.
        let (one, other) = unsafe {
            (
                avx2::lanes::<8>(bytes, rows),
                avx512::lanes::<8>(bytes, rows),
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
        crate::model::kernels::tiles::testing::columns_agree::<Q4K>(
            GgmlDType::Q4K,
            [avx512::column::<4>, avx2::column::<4>],
        );
    }
}
