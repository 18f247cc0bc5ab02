#!/usr/bin/env bash
# The test suite: one optimized build shared by the binary and the tests (candle is
# compiled once), the two registry models the real-model tests use, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "test: needs a Rust toolchain (cargo)" >&2; exit 1; }
cargo build --release --locked
for m in smollm2-135m qwen2.5-coder-1.5b; do
  ./target/release/bisum models pull "$m"
done
cargo test --release --locked "$@"
