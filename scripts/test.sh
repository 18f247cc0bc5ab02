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
cargo build --release --locked
for m in smollm2-135m qwen2.5-coder-1.5b gemma3-270m; do
  ./target/release/bisum models pull "$m"
done
cargo test --release --locked "$@"
