#!/usr/bin/env bash
# Speed and memory of bisum against llama.cpp on the same GGUF file and thread count.
#   scripts/bench.sh [MODEL] [THREADS]          (default: the default model, 2 threads)
#   BENCH_E2E=1 scripts/bench.sh ...            also time `summarize` on the reference corpus
# Measures prompt processing (512-token prompt) and decoding (128 tokens) for bisum's engine,
# candle-transformers' engine and llama.cpp (PyPI llama-cpp-python, built locally on first
# use into $BENCH_VENV), alternating them, medians of 3 runs each; peak RSS per process.
# Ends with one line: bisum/llama.cpp prompt=R decode=R
# Never run it beside another CPU-heavy job: candle's timings collapse under contention.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${1:-qwen2.5-coder-1.5b}"
THREADS="${2:-2}"
BENCH_VENV="${BENCH_VENV:-${BISUM_HOME:-$HOME/.cache/bisum}/bench-venv}"
CORPUS="${CORPUS:-../shared/corpus/mistral-armees}"
TEXT="$(mktemp)"; trap 'rm -f "$TEXT"' EXIT
if [ -d "$CORPUS" ]; then cat "$CORPUS"/*.txt > "$TEXT"; else cat examples/*.txt > "$TEXT"; fi

cargo build --release --locked -q
BISUM=./target/release/bisum
case "$MODEL" in
  *.gguf) GGUF="$MODEL" ;;
  *) $BISUM models pull "$MODEL" >/dev/null; GGUF="$($BISUM models path "$MODEL")" ;;
esac
if [ ! -x "$BENCH_VENV/bin/python" ] || ! "$BENCH_VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
  echo "bench: building llama.cpp (llama-cpp-python) into $BENCH_VENV, once" >&2
  python3 -m venv "$BENCH_VENV"
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$BENCH_VENV/bin/pip" install -q llama-cpp-python==0.3.36
fi

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }
run_bisum() { RAYON_NUM_THREADS="$THREADS" $BISUM bench --model "$GGUF" --threads "$THREADS" --text "$TEXT" --engine "$1" --runs 3; }
run_llama() { "$BENCH_VENV/bin/python" scripts/bench_llama_cpp.py "$GGUF" "$THREADS" 512 128 "$TEXT" 3; }

echo "model: $GGUF ($(stat -c %s "$GGUF") bytes), threads: $THREADS, commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)"
B="$(run_bisum bisum)"; L="$(run_llama)"; C="$(run_bisum candle)"
printf '%-26s %12s %12s %14s\n' engine "prompt tok/s" "decode tok/s" "peak RSS MB"
for J in "$B" "$C" "$L"; do
  printf '%-26s %12.1f %12.1f %14.0f\n' "$(field "$J" engine)" "$(field "$J" prompt_tokens_per_second)" \
    "$(field "$J" decode_tokens_per_second)" "$(python3 -c "print($(field "$J" peak_rss_bytes)/1e6)")"
done
if [ "${BENCH_E2E:-0}" = 1 ] && [ -d "$CORPUS" ]; then
  OUT="$(mktemp -d)"
  /usr/bin/time -f "%e %M" -o "$OUT/time" $BISUM summarize "$CORPUS" --out "$OUT/run" --model "$GGUF" --threads "$THREADS" --no-cache --quiet || true
  read -r WALL KB < "$OUT/time"
  python3 - "$OUT/run/report.json" "$WALL" "$KB" "$L" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); wall = float(sys.argv[2]); rss = int(sys.argv[3]) / 1000
l = json.loads(sys.argv[4])
p = r["totals"]["prompt_tokens"]; g = r["totals"]["generated_tokens"]
floor = p / l["prompt_tokens_per_second"] + g / l["decode_tokens_per_second"]
print(f"summarize on the corpus: {wall:.0f} s wall, peak RSS {rss:.0f} MB, {p} prompt + {g} generated tokens; "
      f"llama.cpp floor {floor:.0f} s; wall/floor = {wall / floor:.2f}")
PY
  rm -rf "$OUT"
fi
python3 - "$B" "$L" <<'PY'
import json, sys
b, l = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"bisum/llama.cpp prompt={b['prompt_tokens_per_second'] / l['prompt_tokens_per_second']:.2f} "
      f"decode={b['decode_tokens_per_second'] / l['decode_tokens_per_second']:.2f}")
PY
