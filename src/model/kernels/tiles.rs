//! The driver shared by bisum's own quantized kernels: quantize the activations once, then
//! walk the output in tiles of activation rows × weight columns over candle's thread pool.
//!
//! A kernel only says how to quantize a row and how to compute one small tile of dot
//! products (`TileKernel`); the driver picks the tile shapes. Single-token steps use one row
//! by four columns (four weight streams in flight). Prompt batches work on panels of
//! `PANEL` weight columns, small enough to stay in L1 while every row of the batch goes
//! past them four at a time, so each weight block is unpacked once per four rows instead
//! of once per row, and read from memory once per batch instead of once per row tile.
//!
//! Kernels whose lane form is no larger than the file's blocks (Q4_K, Q6_K) keep their matrices
//! packed from load on (`Packed`, `matmul_packed`): every product, one row or many, runs
//! the lane kernel on them.
//!
//! Every output element is computed by the same sequence of operations whatever the tile
//! shape, so a prompt processed in one batch, in small batches or token by token gives
//! bit-identical logits.

use candle_core::utils::barrier_pool;
use std::cell::RefCell;

/// Whether this build has the kernels' vector code (AVX2 and FMA at compile time); without
/// it, candle's kernels are used instead, no slower than a scalar version of bisum's.
pub const VECTOR: bool = cfg!(bisum_avx2);

/// Whether this build has the AVX-512 VNNI lane kernels (Q4_K's lane kernel needs only AVX2).
pub const VNNI: bool = cfg!(bisum_vnni);

/// Weight columns per work item in prompt batches.
const PANEL: usize = 16;

/// Lane kernels: output columns per panel (one per 32-bit lane of a 512-bit register), and
/// panels per work item (repacked together, then every row goes past all of them while its
/// activations are in L1).
pub const LANES: usize = 16;
const LANE_PANELS: usize = 4;

/// Prompt batches of at least this many rows take the lane kernels: below it, repacking a
/// panel costs more than the rows it serves save.
pub const LANE_MIN_ROWS: usize = 8;

pub trait TileKernel {
    /// A block of quantized weights, as stored in the GGUF file.
    type W: Copy + Sync;
    /// A block of quantized activations.
    type A: Copy + Sync + Send;
    /// Values per block (weights and activations alike).
    const BLOCK: usize;
    /// Prompt tile shape, activation rows × weight columns: (8, 1), (4, 2) or (4, 1), as
    /// many as the sixteen vector registers hold without spilling.
    const ROWS: usize;
    const COLS: usize;

    /// Quantizes one activation row (`x.len()` = `out.len()` × `BLOCK`).
    fn quantize(x: &[f32], out: &mut [Self::A]);

    /// `out[r][c]` = the dot product of activation row `a[r]` with weight column `w[c]`.
    fn tile<const R: usize, const C: usize>(
        a: [&[Self::A]; R],
        w: [&[Self::W]; C],
    ) -> [[f32; C]; R];

    /// Bytes of one block of `LANES` weight columns in the kernel's lane-major form; 0 for a
    /// kernel without lane form (prompt batches then go through `tile`).
    const LANE_BYTES: usize = 0;

    /// Writes block `b` of the `LANES` columns `w` in lane-major form (`LANE_BYTES` bytes).
    fn pack(_w: &[&[Self::W]; LANES], _b: usize, _out: &mut [u8]) {
        unreachable!("no lane form")
    }

    /// Whether matrices of this kernel are kept lane-packed (`Packed`) for every product:
    /// where the lane form is no larger than the file's blocks.
    const PACKED: bool = false;

    /// `out[r][c]` = the dot product of row `a[r]` with lane-major column `c` of `packed`
    /// (`a[r].len()` blocks of `LANE_BYTES`).
    fn lanes<const R: usize>(_packed: &[u8], _a: [&[Self::A]; R]) -> [[f32; LANES]; R] {
        unreachable!("no lane form")
    }
}

thread_local! {
    /// The quantized activations, reused across calls (a fresh 400 KB buffer per product
    /// would be a fresh mmap and its page faults, ~200 times per token).
    static SCRATCH: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    /// Each worker's repacked panels (lane kernels), reused likewise.
    static PACKED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// `dst[m × n] = lhs[m × k] · rhsᵀ`, `rhs` holding `n` rows of `k / BLOCK` blocks.
pub fn matmul<K: TileKernel>(
    (m, k, n): (usize, usize, usize),
    lhs: &[f32],
    rhs: &[K::W],
    dst: &mut [f32],
) {
    assert!(k % K::BLOCK == 0, "k = {k} is not a whole number of blocks");
    let kb = k / K::BLOCK;
    assert_eq!(lhs.len(), m * k, "lhs length");
    assert_eq!(rhs.len(), n * kb, "rhs length");
    assert!(dst.len() >= m * n, "dst length");
    with_activations::<K, _>(m, k, lhs, |acts| {
        let row = |r: usize| &acts[r * kb..(r + 1) * kb];
        let col = |c: usize| &rhs[c * kb..(c + 1) * kb];
        let out = Out(dst.as_mut_ptr());
        let pool = barrier_pool();
        if m == 1 {
            let quads = n / 4;
            pool.execute_chunked(quads, |range| {
                for q in range {
                    let c = q * 4;
                    let [t] =
                        K::tile::<1, 4>([row(0)], [col(c), col(c + 1), col(c + 2), col(c + 3)]);
                    out.put(0, c, n, &t);
                }
            });
            for c in quads * 4..n {
                let [[v]] = K::tile::<1, 1>([row(0)], [col(c)]);
                out.put(0, c, n, &[v]);
            }
            return;
        }
        if K::LANE_BYTES > 0 && m >= LANE_MIN_ROWS {
            return lane_panels::<K>(m, kb, n, rhs, &row, &out);
        }
        let panels = n.div_ceil(PANEL);
        match (K::ROWS, K::COLS) {
            (8, 1) => panels_of::<K, 8, 1>(m, n, panels, &row, &col, &out),
            (16, 1) => panels_of::<K, 16, 1>(m, n, panels, &row, &col, &out),
            (4, 2) => panels_of::<K, 4, 2>(m, n, panels, &row, &col, &out),
            _ => panels_of::<K, 4, 1>(m, n, panels, &row, &col, &out),
        }
    })
}

/// Runs `f` on the `m` rows of `lhs` (`k` values each) quantized to `K`'s activation blocks,
/// in this thread's reused buffer.
fn with_activations<K: TileKernel, R>(
    m: usize,
    k: usize,
    lhs: &[f32],
    f: impl FnOnce(&[K::A]) -> R,
) -> R {
    let kb = k / K::BLOCK;
    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let words = (m * kb * std::mem::size_of::<K::A>()).div_ceil(8);
        if scratch.len() < words {
            scratch.resize(words, 0);
        }
        assert!(std::mem::align_of::<K::A>() <= 8);
        // SAFETY: the buffer is 8-byte aligned, large enough, and every block is written by
        // `quantize` before it is read; activation blocks are plain numbers.
        let acts: &mut [K::A] =
            unsafe { std::slice::from_raw_parts_mut(scratch.as_mut_ptr() as *mut K::A, m * kb) };
        quantize_rows::<K>(lhs, acts, m, k, kb);
        f(acts)
    })
}

/// Prompt batches: work items of `PANEL` weight columns; in each, the rows go past in tiles
/// of R rows × C columns. Rows left over take the widest smaller tile (4, 3, 2 or 1 rows),
/// so a small batch (speculative decoding's few rows) still unpacks each weight block once
/// for all its rows.
fn panels_of<'a, K: TileKernel, const R: usize, const C: usize>(
    m: usize,
    n: usize,
    panels: usize,
    row: &(dyn Fn(usize) -> &'a [K::A] + Sync),
    col: &(dyn Fn(usize) -> &'a [K::W] + Sync),
    out: &Out<f32>,
) {
    barrier_pool().execute_chunked(panels, |range| {
        for p in range {
            let cols = p * PANEL..((p + 1) * PANEL).min(n);
            let mut r = 0;
            while r < m {
                let band = Band::<K> {
                    r,
                    cols: cols.clone(),
                    n,
                    row,
                    col,
                    out,
                };
                r += match m - r {
                    left if left >= R => band.run::<R, C>(),
                    left if left >= 4 => band.run::<4, C>(),
                    3 => band.run::<3, C>(),
                    2 => band.run::<2, C>(),
                    _ => band.run::<1, C>(),
                };
            }
        }
    });
}

/// Rows `r..` of a batch across one panel's columns.
struct Band<'a, 'b, K: TileKernel> {
    r: usize,
    cols: std::ops::Range<usize>,
    n: usize,
    row: &'b (dyn Fn(usize) -> &'a [K::A] + Sync),
    col: &'b (dyn Fn(usize) -> &'a [K::W] + Sync),
    out: &'b Out<f32>,
}

impl<K: TileKernel> Band<'_, '_, K> {
    /// Computes rows `r..r + R` in tiles of R × C (R × 1 for the columns left over);
    /// returns R.
    fn run<const R: usize, const C: usize>(&self) -> usize {
        let rows: [&[K::A]; R] = std::array::from_fn(|i| (self.row)(self.r + i));
        let mut c = self.cols.start;
        while c < self.cols.end {
            if c + C <= self.cols.end {
                let t = K::tile::<R, C>(rows, std::array::from_fn(|j| (self.col)(c + j)));
                for (i, t) in t.iter().enumerate() {
                    self.out.put(self.r + i, c, self.n, t);
                }
                c += C;
            } else {
                let t = K::tile::<R, 1>(rows, [(self.col)(c)]);
                for (i, t) in t.iter().enumerate() {
                    self.out.put(self.r + i, c, self.n, t);
                }
                c += 1;
            }
        }
        R
    }
}

/// Prompt batches on the lane kernels: each work item repacks `LANE_PANELS` panels of
/// `LANES` weight columns into lane-major form (in a per-worker buffer: no second copy of
/// the weights is ever kept), then takes every activation row past them (`rows_past_panels`).
/// A column past `n` repeats the last one and its results are dropped.
fn lane_panels<'a, K: TileKernel>(
    m: usize,
    kb: usize,
    n: usize,
    rhs: &'a [K::W],
    row: &(dyn Fn(usize) -> &'a [K::A] + Sync),
    out: &Out<f32>,
) {
    let panel_bytes = kb * K::LANE_BYTES;
    let items = n.div_ceil(LANES * LANE_PANELS);
    barrier_pool().execute_chunked(items, |range| {
        PACKED.with(|cell| {
            let mut buf = cell.borrow_mut();
            // Room to start the panels on a cache line: the kernels' 64-byte loads then
            // never straddle two.
            let words = (LANE_PANELS * panel_bytes).div_ceil(8) + 8;
            if buf.len() < words {
                buf.resize(words, 0);
            }
            let skip = (buf.as_ptr() as *const u8).align_offset(64);
            // SAFETY: u64 storage viewed as bytes, within its length.
            let bytes: &mut [u8] = unsafe {
                std::slice::from_raw_parts_mut(
                    (buf.as_mut_ptr() as *mut u8).add(skip),
                    words * 8 - skip,
                )
            };
            for item in range {
                let c0 = item * LANES * LANE_PANELS;
                let panels = (n - c0).div_ceil(LANES).min(LANE_PANELS);
                for p in 0..panels {
                    let dst = &mut bytes[p * panel_bytes..(p + 1) * panel_bytes];
                    pack_panel::<K>(rhs, kb, n, c0 + p * LANES, dst);
                }
                let packed: &[u8] = bytes;
                rows_past_panels::<K>(
                    m,
                    n,
                    c0,
                    panels,
                    &|p| &packed[p * panel_bytes..(p + 1) * panel_bytes],
                    row,
                    out,
                );
            }
        })
    });
}

/// Writes columns `c0..c0 + LANES` of `rhs` (`kb` blocks each) in lane-major form into
/// `dst`; a column past `n` repeats the last one.
fn pack_panel<K: TileKernel>(rhs: &[K::W], kb: usize, n: usize, c0: usize, dst: &mut [u8]) {
    let cols: [&[K::W]; LANES] = std::array::from_fn(|j| {
        let c = (c0 + j).min(n - 1);
        &rhs[c * kb..(c + 1) * kb]
    });
    for (b, blk) in dst.chunks_exact_mut(K::LANE_BYTES).enumerate() {
        K::pack(&cols, b, blk);
    }
}

/// Every row of a batch past `count` lane panels whose first column is `c0` (`panel(i)`:
/// the i-th), eight, four, two or one rows at a time: each row's arithmetic is the same
/// whichever, so a row gets the same bits in any batch.
fn rows_past_panels<'a, 'p, K: TileKernel>(
    m: usize,
    n: usize,
    c0: usize,
    count: usize,
    panel: &dyn Fn(usize) -> &'p [u8],
    row: &(dyn Fn(usize) -> &'a [K::A] + Sync),
    out: &Out<f32>,
) {
    let mut r = 0;
    while r < m {
        let rows = match m - r {
            left if left >= 8 => 8,
            left if left >= 4 => 4,
            left if left >= 2 => 2,
            _ => 1,
        };
        for p in 0..count {
            let c = c0 + p * LANES;
            let width = LANES.min(n - c);
            match rows {
                8 => lanes_put::<K, 8>(panel(p), r, row, c, width, n, out),
                4 => lanes_put::<K, 4>(panel(p), r, row, c, width, n, out),
                2 => lanes_put::<K, 2>(panel(p), r, row, c, width, n, out),
                _ => lanes_put::<K, 1>(panel(p), r, row, c, width, n, out),
            }
        }
        r += rows;
    }
}

/// A weight matrix kept in its kernel's lane-major form (`TileKernel::PACKED`), built once
/// when the model loads in place of the file's blocks: panels of `LANES` columns, each
/// panel's super-blocks in order. Every product, a decoding step of one sequence as much as
/// a batch or a prompt, runs the lane kernel on it, so a row's result does not depend on
/// the batch it comes in, and a batch of decoding rows reads each weight byte once for all
/// of them with the lane kernels' cheaper arithmetic (one `vpdpbusd` per 64 products).
pub struct Packed {
    /// u64 storage so the panels can start on a cache line (`skip` bytes in).
    buf: Vec<u64>,
    skip: usize,
    pub n: usize,
    kb: usize,
    panel_bytes: usize,
}

impl Packed {
    /// Packs `n` columns of `kb` blocks each; `n` must be a whole number of panels.
    pub fn new<K: TileKernel>(rhs: &[K::W], n: usize, kb: usize) -> Self {
        assert!(
            K::LANE_BYTES > 0 && n % LANES == 0,
            "not a lane-packable matrix"
        );
        assert_eq!(rhs.len(), n * kb, "rhs length");
        let panel_bytes = kb * K::LANE_BYTES;
        let len = n / LANES * panel_bytes;
        let mut buf = vec![0u64; len.div_ceil(8) + 8];
        let skip = (buf.as_ptr() as *const u8).align_offset(64);
        let base = Out((buf.as_mut_ptr() as *mut u8).wrapping_add(skip));
        barrier_pool().execute_chunked(n / LANES, |range| {
            for p in range {
                // SAFETY: each panel's bytes are written by exactly one worker, within `len`.
                let dst = unsafe {
                    std::slice::from_raw_parts_mut(base.at(p * panel_bytes), panel_bytes)
                };
                pack_panel::<K>(rhs, kb, n, p * LANES, dst);
            }
        });
        Self {
            buf,
            skip,
            n,
            kb,
            panel_bytes,
        }
    }

    pub(crate) fn panel(&self, p: usize) -> &[u8] {
        // SAFETY: u64 storage viewed as bytes, within its length (`new` sized it).
        unsafe {
            std::slice::from_raw_parts(
                (self.buf.as_ptr() as *const u8).add(self.skip + p * self.panel_bytes),
                self.panel_bytes,
            )
        }
    }
}

/// `dst[m × k…] = lhs[m × k] · Wᵀ` on a packed matrix: work items of `LANE_PANELS` panels,
/// every row going past each item's panels (eight, four, two or one rows at a time, each
/// row's arithmetic the same whichever).
pub fn matmul_packed<K: TileKernel>(m: usize, k: usize, lhs: &[f32], w: &Packed, dst: &mut [f32]) {
    let (n, kb) = (w.n, w.kb);
    assert_eq!(k, kb * K::BLOCK, "k = {k} does not match the packed matrix");
    assert_eq!(lhs.len(), m * k, "lhs length");
    assert!(dst.len() >= m * n, "dst length");
    with_activations::<K, _>(m, k, lhs, |acts| {
        let row = |r: usize| &acts[r * kb..(r + 1) * kb];
        let out = Out(dst.as_mut_ptr());
        let panels = n / LANES;
        barrier_pool().execute_chunked(panels.div_ceil(LANE_PANELS), |range| {
            for item in range {
                let first = item * LANE_PANELS;
                let count = LANE_PANELS.min(panels - first);
                rows_past_panels::<K>(
                    m,
                    n,
                    first * LANES,
                    count,
                    &|p| w.panel(first + p),
                    &row,
                    &out,
                );
            }
        });
    })
}

#[inline(always)]
fn lanes_put<'a, K: TileKernel, const R: usize>(
    panel: &[u8],
    r: usize,
    row: &(dyn Fn(usize) -> &'a [K::A] + Sync),
    c: usize,
    width: usize,
    n: usize,
    out: &Out<f32>,
) {
    let t = K::lanes::<R>(panel, std::array::from_fn(|i| row(r + i)));
    for (i, t) in t.iter().enumerate() {
        out.put(r + i, c, n, &t[..width]);
    }
}

fn quantize_rows<K: TileKernel>(lhs: &[f32], acts: &mut [K::A], m: usize, k: usize, kb: usize) {
    if m < 16 {
        for r in 0..m {
            K::quantize(&lhs[r * k..(r + 1) * k], &mut acts[r * kb..(r + 1) * kb]);
        }
        return;
    }
    // A prompt batch: rows quantized on every thread.
    let out = Out(acts.as_mut_ptr());
    barrier_pool().execute_chunked(m, |range| {
        for r in range {
            // SAFETY: each row range is handed to exactly one worker.
            let dst = unsafe { std::slice::from_raw_parts_mut(out.at(r * kb), kb) };
            K::quantize(&lhs[r * k..(r + 1) * k], dst);
        }
    });
}

/// How far ahead of the block being read a kernel asks for weight bytes: 2 KB, a few
/// blocks of any type. Measured on a 2-core Xeon (AVX-512): decoding ran 1.6 times as fast
/// on all three registry models with it; 1 KB and 3 KB were within a few per cent, 8 KB
/// slower.
const PREFETCH_AHEAD: usize = 2048;

/// Asks for the `bytes` weight bytes that start `PREFETCH_AHEAD` past `at`. Decoding reads
/// each weight once, in file order, and with the hardware prefetcher alone the kernels
/// waited on memory between blocks (the weight loads took a third of their time), so the
/// lines a few blocks ahead are requested now. Past the end of a column come the next
/// column's blocks (the same stream); past the matrix, a prefetch is only a hint and never
/// faults. The arithmetic is untouched: results are the same bits.
#[cfg(bisum_avx2)]
#[inline(always)]
pub fn prefetch<T>(at: *const T, bytes: usize) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    let p = (at as *const i8).wrapping_add(PREFETCH_AHEAD);
    let mut off = 0;
    while off < bytes {
        // SAFETY: a prefetch never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(off)) };
        off += 64;
    }
}

/// Asks for cache lines `lines` (64 bytes each) of the lane block after the one at `at`
/// (`block` bytes long). The lane kernels read a block's lines over its whole computation,
/// so they ask for the next block's a line or a few at a time as they go: a burst of a
/// whole block's requests (37 for Q4_K) at its start stalled them (the line-fill buffers
/// were full), which cost more than the prefetch saved. Past the end, a prefetch is only a
/// hint and never faults.
#[cfg(bisum_avx2)]
#[inline(always)]
pub fn ahead<T>(at: *const T, block: usize, lines: std::ops::Range<usize>) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    let p = (at as *const i8).wrapping_add(block);
    for i in lines {
        // SAFETY: a prefetch never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64 * i)) };
    }
}

/// An AVX2 lane kernel's 16 columns for R rows: each half of the panel (`half`'s first
/// argument, 0 or 1: columns 8h..8h + 8) against the rows four at a time (`four`), the rows
/// left over one at a time (`one`). Four rows keep their i16 and float sums in the sixteen
/// 256-bit registers. The last argument says whether the pass is to ask for the next
/// blocks' lines (`ahead`): only the first half's pass of a decoding step streams them;
/// the second half's finds them in cache, as do a prompt batch's rows past its first four
/// (asking again for lines already there cost about 8 % of the AVX2 prompt time).
#[cfg(bisum_avx2)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
/// build.rs sets from the build's target features.
pub unsafe fn by_halves<A, const R: usize>(
    a: [&[A]; R],
    four: impl Fn(usize, [&[A]; 4], bool) -> [std::arch::x86_64::__m256; 4],
    one: impl Fn(usize, [&[A]; 1], bool) -> [std::arch::x86_64::__m256; 1],
) -> [[f32; LANES]; R] {
    use std::arch::x86_64::*;
    let mut out = [[0f32; LANES]; R];
    for h in 0..2 {
        let fetch = h == 0 && R < LANE_MIN_ROWS;
        let mut put = |r: usize, v: __m256| {
            _mm256_storeu_ps(out[r].as_mut_ptr().add(8 * h), v);
        };
        let mut r = 0;
        while r + 4 <= R {
            let v = four(h, std::array::from_fn(|i| a[r + i]), fetch);
            v.into_iter().enumerate().for_each(|(i, v)| put(r + i, v));
            r += 4;
        }
        while r < R {
            let [v] = one(h, [a[r]], fetch);
            put(r, v);
            r += 1;
        }
    }
    out
}

/// Sum of the eight lanes, in ggml's order (`hsum_float_8`).
#[cfg(bisum_avx2)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX2 and FMA: this code is compiled only under `bisum_avx2`, which
/// build.rs sets from the build's target features.
pub unsafe fn hsum(x: std::arch::x86_64::__m256) -> f32 {
    use std::arch::x86_64::*;
    hsum4(_mm_add_ps(
        _mm256_extractf128_ps(x, 1),
        _mm256_castps256_ps128(x),
    ))
}

/// A super-block's i32 sums, two halves of eight lanes, added (exactly) into the eight lanes
/// the AVX2 kernels hold, then scaled by `d` into a row's float accumulator as they do: the
/// step that makes the AVX-512 decoding kernels give the AVX2 ones' bits.
#[cfg(bisum_vnni)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX-512 F: this code is compiled only under `bisum_vnni`.
pub unsafe fn fold_block(
    acc: std::arch::x86_64::__m256,
    sumi: std::arch::x86_64::__m512i,
    d: f32,
) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    let s = _mm256_add_epi32(
        _mm512_castsi512_si256(sumi),
        _mm512_extracti64x4_epi64(sumi, 1),
    );
    _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(s), acc)
}

/// `acc + Σ a·b` over i16 pairs into i32 lanes (`vpdpwssd`), kept as one instruction: the
/// compiler otherwise splits it into `vpmaddwd` and `vpaddd`, one more 512-bit operation per
/// product on the two ports that run them, which is what a batch of decoding rows waits on.
#[cfg(bisum_vnni)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX-512 VNNI: this code is compiled only under `bisum_vnni`.
pub unsafe fn dpwssd(
    acc: std::arch::x86_64::__m512i,
    a: std::arch::x86_64::__m512i,
    b: std::arch::x86_64::__m512i,
) -> std::arch::x86_64::__m512i {
    let mut acc = acc;
    std::arch::asm!(
        "vpdpwssd {acc}, {a}, {b}",
        acc = inout(zmm_reg) acc,
        a = in(zmm_reg) a,
        b = in(zmm_reg) b,
        options(pure, nomem, nostack),
    );
    acc
}

/// Up to 8 decoding rows' activation scales for one super-block, laid out for `fold_pair`
/// and the Q4_K minimums: one vector per two (or four) rows, where the single-row column
/// broadcasts each row's scale on its own.
#[cfg(bisum_vnni)]
pub struct RowBlock {
    /// `d` of rows 2p and 2p + 1, eight lanes each (an odd last row twice).
    pub pairs: [std::arch::x86_64::__m512; 4],
    /// `d` of rows 4q..4q + 4, four lanes each (the last row repeated).
    pub quads: [std::arch::x86_64::__m512; 2],
}

#[cfg(bisum_vnni)]
impl RowBlock {
    /// Block `b` of rows `d(r)` (r < R ≤ 8).
    #[inline(always)]
    /// # Safety
    /// The CPU must have AVX-512 F: this code is compiled only under `bisum_vnni`.
    pub unsafe fn of<const R: usize>(d: impl Fn(usize) -> f32) -> Self {
        use std::arch::x86_64::*;
        let at = |r: usize| d(r.min(R - 1));
        let v = _mm512_setr_ps(
            at(0),
            at(1),
            at(2),
            at(3),
            at(4),
            at(5),
            at(6),
            at(7),
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        );
        let spread = |first: usize, run: usize| {
            let idx: [i32; 16] = std::array::from_fn(|e| (first + e / run) as i32);
            _mm512_permutexvar_ps(_mm512_loadu_si512(idx.as_ptr() as *const __m512i), v)
        };
        let mut pairs = [_mm512_setzero_ps(); 4];
        for (p, pair) in pairs.iter_mut().enumerate().take(R.div_ceil(2)) {
            *pair = spread(2 * p, 8);
        }
        let mut quads = [_mm512_setzero_ps(); 2];
        for (q, quad) in quads.iter_mut().enumerate().take(R.div_ceil(4)) {
            *quad = spread(4 * q, 4);
        }
        RowBlock { pairs, quads }
    }
}

/// `fold_block` for rows 2p and 2p + 1 at once, their accumulators side by side in `acc`
/// (row 2p's eight lanes below): the same i32 additions, conversions and FMAs lane for
/// lane, so the same bits as two `fold_block`s, in half the 512-bit steps.
#[cfg(bisum_vnni)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX-512 F: this code is compiled only under `bisum_vnni`.
pub unsafe fn fold_pair(
    acc: std::arch::x86_64::__m512,
    (lo, hi): (std::arch::x86_64::__m512i, std::arch::x86_64::__m512i),
    d: std::arch::x86_64::__m512,
) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    // Both rows' lower halves, then both rows' upper halves.
    let s = _mm512_add_epi32(
        _mm512_shuffle_i64x2::<0x44>(lo, hi),
        _mm512_shuffle_i64x2::<0xEE>(lo, hi),
    );
    _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s), acc)
}

/// Row `r`'s eight lanes of a pair accumulator (`fold_pair`), as `fold_block` keeps them.
#[cfg(bisum_vnni)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX-512 F: this code is compiled only under `bisum_vnni`.
pub unsafe fn pair_half(acc: std::arch::x86_64::__m512, r: usize) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    match r % 2 {
        0 => _mm512_castps512_ps256(acc),
        _ => _mm256_castsi256_ps(_mm512_extracti64x4_epi64::<1>(_mm512_castps_si512(acc))),
    }
}

/// Row `r`'s four lanes of a four-row accumulator (one row per 128-bit lane).
#[cfg(bisum_vnni)]
#[inline(always)]
/// # Safety
/// The CPU must have AVX-512 F: this code is compiled only under `bisum_vnni`.
pub unsafe fn quarter(acc: std::arch::x86_64::__m512, r: usize) -> std::arch::x86_64::__m128 {
    use std::arch::x86_64::*;
    match r % 4 {
        0 => _mm512_extractf32x4_ps::<0>(acc),
        1 => _mm512_extractf32x4_ps::<1>(acc),
        2 => _mm512_extractf32x4_ps::<2>(acc),
        _ => _mm512_extractf32x4_ps::<3>(acc),
    }
}

/// Sum of the four lanes, in ggml's order (the second half of `hsum_float_8`).
#[cfg(bisum_avx2)]
#[inline(always)]
/// # Safety
/// As `hsum`.
pub unsafe fn hsum4(x: std::arch::x86_64::__m128) -> f32 {
    use std::arch::x86_64::*;
    let r = _mm_add_ps(x, _mm_movehl_ps(x, x));
    _mm_cvtss_f32(_mm_add_ss(r, _mm_movehdup_ps(r)))
}

/// The output buffer, written by several workers at disjoint elements.
struct Out<T>(*mut T);
// SAFETY: workers write disjoint elements (each tile is one work item's), and the pool
// joins before the buffer is read.
unsafe impl<T> Sync for Out<T> {}
unsafe impl<T> Send for Out<T> {}

impl<T> Out<T> {
    /// A method, so closures capture the whole `Out` (which is `Sync`), not its pointer.
    fn at(&self, i: usize) -> *mut T {
        self.0.wrapping_add(i)
    }
}

impl Out<f32> {
    #[inline(always)]
    fn put(&self, r: usize, c: usize, n: usize, vals: &[f32]) {
        // SAFETY: r < m, c + vals.len() <= n, and dst holds m × n elements (checked above).
        unsafe { std::ptr::copy_nonoverlapping(vals.as_ptr(), self.0.add(r * n + c), vals.len()) }
    }
}

/// The check every kernel's test runs.
#[cfg(test)]
pub(crate) mod testing {
    use super::{matmul, TileKernel};
    #[cfg(bisum_vnni)]
    use crate::model::kernels::q4_k::BlockQ8K;
    use candle_core::quantized::{GgmlDType, QTensor};
    use candle_core::{Device, Tensor};

    /// Quantizes a 21 × `k` matrix to `dtype` with candle and multiplies 13 rows by it with
    /// kernel `K`: each product within `tol` of the dequantized weights' exact product. Rows
    /// give bit-identical results whatever the batch they come in, as long as the batch goes
    /// through the same path: single rows through `tile`, batches of `LANE_MIN_ROWS` or more
    /// through the lane kernels where the build has them (the same integer sums, summed in
    /// another float order: within 1e-5 of the single rows). Returns the weight blocks, the
    /// activations and the dequantized weights, for the kernel's own further checks.
    pub fn check<K: TileKernel>(
        dtype: GgmlDType,
        k: usize,
        tol: f32,
    ) -> (Vec<K::W>, Vec<f32>, Vec<f32>) {
        let (m, n) = (13, 21);
        let f: Vec<f32> = (0..n * k)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.1)
            .collect();
        let q =
            QTensor::quantize(&Tensor::from_vec(f, (n, k), &Device::Cpu).unwrap(), dtype).unwrap();
        let deq: Vec<f32> = q
            .dequantize(&Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let bytes = q.data().unwrap();
        let w: Vec<K::W> = super::super::blocks::<K::W>(&bytes).unwrap().to_vec();
        let x: Vec<f32> = (0..m * k)
            .map(|i| (i * 104729 % 997) as f32 / 498.0 - 1.0)
            .collect();
        let lanes = K::LANE_BYTES > 0;
        let mut batched = vec![0f32; m * n];
        matmul::<K>((m, k, n), &x, &w, &mut batched);
        // Batches of other sizes (other row tiles) give the same rows.
        for rows in [super::LANE_MIN_ROWS, 12] {
            let mut part = vec![0f32; rows * n];
            matmul::<K>((rows, k, n), &x[..rows * k], &w, &mut part);
            assert_eq!(part, batched[..rows * n], "{dtype:?} batch of {rows}");
        }
        let singles: Vec<f32> = (0..m)
            .flat_map(|r| {
                let mut single = vec![0f32; n];
                matmul::<K>((1, k, n), &x[r * k..(r + 1) * k], &w, &mut single);
                single
            })
            .collect();
        // Small batches never take the lane kernels: bit-identical to single rows
        // (speculative decoding relies on it).
        for rows in 2..super::LANE_MIN_ROWS {
            let mut part = vec![0f32; rows * n];
            matmul::<K>((rows, k, n), &x[..rows * k], &w, &mut part);
            assert_eq!(part, singles[..rows * n], "{dtype:?} small batch of {rows}");
        }
        for r in 0..m {
            let single = &singles[r * n..(r + 1) * n];
            if lanes {
                for (c, (s, b)) in single.iter().zip(&batched[r * n..(r + 1) * n]).enumerate() {
                    assert!(
                        (s - b).abs() <= 1e-5 * s.abs().max(1.0),
                        "{dtype:?} ({r},{c}): single {s} vs batch {b}"
                    );
                }
            } else {
                assert_eq!(single, &batched[r * n..(r + 1) * n], "{dtype:?} row {r}");
            }
            for c in 0..n {
                let exact: f32 = (0..k).map(|i| x[r * k + i] * deq[c * k + i]).sum();
                let got = batched[r * n + c];
                assert!(
                    (got - exact).abs() < tol,
                    "{dtype:?} ({r},{c}): {got} vs {exact}"
                );
            }
        }
        (w, x, deq)
    }

    /// On `K`'s packed form of `check`'s matrix (its first 16 columns, a whole panel), every
    /// row gets the same bits in a batch of any size (a decoding step, a batch of
    /// sequences, a prompt), within tolerance of the dequantized weights' product; with
    /// `same_as_lanes`, the bits the per-call lane path gives a prompt batch.
    #[cfg(bisum_avx2)]
    pub fn packed_agrees<K: TileKernel>(dtype: GgmlDType, same_as_lanes: bool) {
        use super::{matmul_packed, Packed};
        let (w, x, deq) = check::<K>(dtype, 512, 0.05);
        let (k, n, m) = (512, 16, 13);
        let w = &w[..n * 2];
        let packed = Packed::new::<K>(w, n, 2);
        let mut all = vec![0f32; m * n];
        matmul_packed::<K>(m, k, &x[..m * k], &packed, &mut all);
        if same_as_lanes {
            let mut lanes = vec![0f32; m * n];
            matmul::<K>((m, k, n), &x[..m * k], w, &mut lanes);
            assert_eq!(all, lanes, "{dtype:?} packed vs per-call lanes");
        }
        for rows in 1..m {
            let mut part = vec![0f32; rows * n];
            matmul_packed::<K>(rows, k, &x[..rows * k], &packed, &mut part);
            assert_eq!(part, all[..rows * n], "{dtype:?} batch of {rows}");
        }
        for r in 0..m {
            for c in 0..n {
                let exact: f32 = (0..k).map(|i| x[r * k + i] * deq[c * k + i]).sum();
                let got = all[r * n + c];
                assert!(
                    (got - exact).abs() < 0.05,
                    "{dtype:?} ({r},{c}): {got} vs {exact}"
                );
            }
        }
    }

    /// A decoding column kernel, on four rows of Q8_K activations.
    #[cfg(bisum_vnni)]
    pub type Column<W> = unsafe fn(&[&[BlockQ8K]; 4], &[W]) -> [f32; 4];

    /// Two column kernels for `K`'s blocks give the same results bit for bit on every
    /// column of `check`'s matrix (512 values, two super-blocks, per row).
    #[cfg(bisum_vnni)]
    pub fn columns_agree<K: TileKernel<A = BlockQ8K>>(
        dtype: GgmlDType,
        kernels: [Column<K::W>; 2],
    ) {
        let (w, x, _) = check::<K>(dtype, 512, 0.05);
        let mut a = vec![BlockQ8K::ZERO; 8];
        K::quantize(&x[..4 * 512], &mut a);
        let rows = [&a[0..2], &a[2..4], &a[4..6], &a[6..8]];
        for (c, col) in w.chunks_exact(2).enumerate() {
            // SAFETY: built for the kernels' features; equal block counts.
            let [one, other] = kernels.map(|k| unsafe { k(&rows, col) });
            assert_eq!(
                one.map(f32::to_bits),
                other.map(f32::to_bits),
                "{dtype:?} column {c}"
            );
        }
    }
}
