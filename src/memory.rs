//! Peak resident memory of this process (Linux /proc), for reports and benchmarks.

/// Peak resident memory so far (VmHWM), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak to the current resident size (Linux 4.0+), so the next reading covers
/// only what runs from now on: `compare` measures each model this way in one process.
/// Returns false where the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// Hands freed heap memory back to the kernel. Loading a model reads each tensor into a
/// buffer and frees it after conversion; glibc keeps those holes resident (they sit below
/// the top of the heap, where it never trims by itself), which cost about as much as the
/// model again. No-op off glibc.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Keeps freed buffers of up to 256 MiB in the heap for reuse. A forward pass allocates
/// and frees tensors of several MB (a prompt batch's activations: 512 × 8960 floats are
/// 18 MB); above glibc's mmap threshold each is a fresh mapping that the kernel zeroes page
/// by page and unmaps again, which cost a fifth of Qwen2.5-1.5B's prompt time. Peak memory
/// does not change: the same buffers are live at once either way. Called once the model is
/// loaded (loading's own buffers are trimmed first, see `trim`). No-op off glibc.
pub fn keep_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's thresholds.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
