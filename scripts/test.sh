#!/usr/bin/env bash
# The test suite: one optimized build shared by the binary and the tests (candle is
# compiled once), the three registry models the real-model tests use, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "test: needs a Rust toolchain (cargo)" >&2; exit 1; }
# compare.html is checked in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
      || { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends chromium; }
  else
    echo "test: the compare.html test needs Chromium; install it and rerun" >&2; exit 1
  fi
fi
# The serving-fleet tests talk to llama.cpp's own OpenAI-compatible server (PyPI), built
# once, for x86-64-v3 (AVX2/FMA): a native build takes AMX and AVX-512 paths that crash in
# decoding on some Xeons.
LLAMA_VENV="${BISUM_LLAMA_VENV:-${BISUM_HOME:-$HOME/.cache/bisum}/llama-server-venv}"
if ! "$LLAMA_VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  echo "test: building llama.cpp's server (llama-cpp-python[server]) into $LLAMA_VENV, once" >&2
  python3 -m venv "$LLAMA_VENV"
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
  CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    "$LLAMA_VENV/bin/pip" install -q 'llama-cpp-python[server]==0.3.36'
fi
export BISUM_TEST_LLAMA_PYTHON="$LLAMA_VENV/bin/python"
# One build, with the serving-fleet client, for the binary the tests run and the tests.
cargo build --release --locked --features fleet
for m in smollm2-135m qwen2.5-coder-1.5b gemma3-270m; do
  ./target/release/bisum models pull "$m"
done
cargo test --release --locked --features fleet "$@"
