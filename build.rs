//! Records the git commit of the build for report.json's provenance, and names the CPU
//! features each family of kernels needs as one cfg.
fn main() {
    // One name per kernel family instead of the same multi-part cfg at each use:
    // `bisum_avx2`: x86-64 with AVX2, FMA and F16C (the vector kernels in src/model/kernels);
    // `bisum_vnni`: x86-64 with AVX-512 F/BW/VNNI and FMA (the lane kernels).
    println!("cargo::rustc-check-cfg=cfg(bisum_avx2)");
    println!("cargo::rustc-check-cfg=cfg(bisum_vnni)");
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);
    let x86 = std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64");
    if x86 && ["avx2", "fma", "f16c"].iter().all(|f| has(f)) {
        println!("cargo:rustc-cfg=bisum_avx2");
    }
    if x86
        && ["avx512f", "avx512bw", "avx512vnni", "fma"]
            .iter()
            .all(|f| has(f))
    {
        println!("cargo:rustc-cfg=bisum_vnni");
    }
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let dirty = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty())
        .map(|_| "-dirty")
        .unwrap_or("");
    println!("cargo:rustc-env=BISUM_GIT_COMMIT={commit}{dirty}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/index");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}
