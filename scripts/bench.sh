#!/usr/bin/env bash
# Speed and memory of bisum against llama.cpp on the same GGUF file and thread count.
#   scripts/bench.sh [MODEL] [THREADS]     (default: the default model, 2 threads)
# MODEL is a manifest name (qwen2.5-coder-1.5b, smollm2-135m, gemma3-270m) or a .gguf path.
# Measures prompt processing (512-token prompt) and decoding (128 tokens) for bisum and for
# llama.cpp (PyPI llama-cpp-python, built locally on first use into $BENCH_VENV), in
# BENCH_ROUNDS (3) alternating rounds of 2 runs each, so that a slow spell of a shared
# machine hits both; reports medians, and each process's peak RSS against the target
# (1.5 × the model file + 300 MB). For the default model it then times `summarize` on the
# reference corpus (BENCH_E2E=0 skips it, 1 forces it for another model) against its floor:
# the time llama.cpp needs at the speeds just measured for the prompt and generated tokens
# that run processed, and again with one call at a time and no speculation (`--batch 1
# --speculate off`, as bisum decoded before both): decoding speed, acceptance rate of the
# guessed tokens, and whether the outputs are the same. BENCH_CANDLE=1 adds
# candle-transformers' engine (not for gemma3).
# Batched decoding: aggregate decoding speed of 1, 2, 4 and 7 sequences decoded together
# (128-token prompts, 64 tokens each), bisum (`bisum bench --sequences N`) against
# llama.cpp's batched decoding (scripts/bench_llama_cpp_batch.py); BENCH_BATCH=0 skips it.
# BENCH_ISA=x86-64-v3 measures the path most users' CPUs take (AVX2/FMA, no AVX-512) on any
# x86-64 machine, AVX-512 ones included: bisum built with -C target-cpu=x86-64-v3 (in
# target/x86-64-v3) against llama.cpp built with AVX2 on and AVX-512 off (the venv
# scripts/test.sh builds for its server tests, built here if missing).
# Ends with one line: bisum/llama.cpp prompt=R decode=R
# Never run it beside another CPU-heavy job: candle's timings collapse under contention.
set -euo pipefail
cd "$(dirname "$0")/.."
DEFAULT_MODEL=qwen2.5-coder-1.5b
MODEL="${1:-$DEFAULT_MODEL}"
THREADS="${2:-2}"
ROUNDS="${BENCH_ROUNDS:-3}"
ISA="${BENCH_ISA:-native}"
if [ "$ISA" = native ]; then
  BENCH_VENV="${BENCH_VENV:-${BISUM_HOME:-$HOME/.cache/bisum}/bench-venv}"
  LLAMA_CMAKE=""
else
  BENCH_VENV="${BENCH_VENV:-${BISUM_HOME:-$HOME/.cache/bisum}/llama-server-venv}"
  LLAMA_CMAKE="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  export RUSTFLAGS="-C target-cpu=$ISA"
  export CARGO_TARGET_DIR="target/$ISA"
fi
CORPUS="${CORPUS:-../shared/corpus/mistral-armees}"
E2E="${BENCH_E2E:-$([ "$MODEL" = "$DEFAULT_MODEL" ] && echo 1 || echo 0)}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
TEXT="$WORK/text.txt"
if [ -d "$CORPUS" ]; then cat "$CORPUS"/*.txt > "$TEXT"; else cat examples/*.txt > "$TEXT"; fi

cargo build --release --locked -q
BISUM="${CARGO_TARGET_DIR:-target}/release/bisum"
case "$MODEL" in
  *.gguf) GGUF="$MODEL" ;;
  *) $BISUM models pull "$MODEL" >/dev/null; GGUF="$($BISUM models path "$MODEL")" ;;
esac
if [ ! -x "$BENCH_VENV/bin/python" ] || ! "$BENCH_VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
  echo "bench: building llama.cpp (llama-cpp-python) into $BENCH_VENV, once" >&2
  python3 -m venv "$BENCH_VENV"
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" CMAKE_ARGS="$LLAMA_CMAKE" \
    "$BENCH_VENV/bin/pip" install -q llama-cpp-python==0.3.36 numpy
fi

run_bisum() { RAYON_NUM_THREADS="$THREADS" $BISUM bench --model "$GGUF" --threads "$THREADS" --text "$TEXT" --engine "$1" --runs 2; }
run_llama() { "$BENCH_VENV/bin/python" scripts/bench_llama_cpp.py "$GGUF" "$THREADS" 512 128 "$TEXT" 2; }

echo "build: $ISA; model: $GGUF ($(stat -c %s "$GGUF") bytes), threads: $THREADS, commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet 2>/dev/null || echo '+changes')"
for r in $(seq "$ROUNDS"); do
  run_bisum bisum >> "$WORK/bisum.jsonl"
  run_llama >> "$WORK/llama.jsonl"
  if [ "${BENCH_CANDLE:-0}" = 1 ]; then run_bisum candle >> "$WORK/candle.jsonl"; fi
  echo "bench: round $r of $ROUNDS done" >&2
done
if [ "${BENCH_BATCH:-1}" = 1 ]; then
  for n in 1 2 4 7; do
    RAYON_NUM_THREADS="$THREADS" $BISUM bench --model "$GGUF" --threads "$THREADS" --text "$TEXT" \
      --prompt 128 --generate 64 --runs 2 --sequences "$n" >> "$WORK/batch-bisum.jsonl"
    "$BENCH_VENV/bin/python" scripts/bench_llama_cpp_batch.py "$GGUF" "$THREADS" 128 64 "$TEXT" "$n" 2 2>>"$WORK/llama.log" \
      >> "$WORK/batch-llama.jsonl"
  done
fi
if [ "$E2E" = 1 ] && [ -d "$CORPUS" ]; then
  RAYON_NUM_THREADS="$THREADS" /usr/bin/time -f "%e %M" -o "$WORK/time" $BISUM summarize "$CORPUS" \
    --out "$WORK/run" --model "$GGUF" --threads "$THREADS" --no-cache --quiet || true
  RAYON_NUM_THREADS="$THREADS" /usr/bin/time -f "%e %M" -o "$WORK/time-plain" $BISUM summarize "$CORPUS" \
    --out "$WORK/run-plain" --model "$GGUF" --threads "$THREADS" --no-cache --quiet \
    --batch 1 --speculate off || true
fi
python3 - "$WORK" "$(stat -c %s "$GGUF")" <<'PY'
import json, os, statistics, sys
work, file_bytes = sys.argv[1], int(sys.argv[2])
def load(name):
    p = os.path.join(work, name + ".jsonl")
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
med = lambda rows, k: statistics.median(r[k] for r in rows)
res = {n: load(n) for n in ("bisum", "candle", "llama")}
target = 1.5 * file_bytes / 1e6 + 300
print(f"{'engine':<12} {'prompt tok/s':>12} {'decode tok/s':>12} {'peak RSS MB':>12}   (medians of {len(res['bisum'])} rounds)")
for name, rows in res.items():
    if rows:
        rss = max(r["peak_rss_bytes"] for r in rows) / 1e6
        print(f"{rows[0]['engine']:<12} {med(rows, 'prompt_tokens_per_second'):>12.1f} "
              f"{med(rows, 'decode_tokens_per_second'):>12.1f} {rss:>12.0f}")
b, l = res["bisum"], res["llama"]
bp, bd = med(b, "prompt_tokens_per_second"), med(b, "decode_tokens_per_second")
lp, ld = med(l, "prompt_tokens_per_second"), med(l, "decode_tokens_per_second")
rss = max(r["peak_rss_bytes"] for r in b) / 1e6
print(f"bisum peak RSS {rss:.0f} MB; target 1.5 x {file_bytes / 1e6:.0f} MB + 300 MB = {target:.0f} MB: "
      f"{'met' if rss <= target else 'NOT met'}")
t = os.path.join(work, "time")
if os.path.exists(t):
    wall, kb = open(t).read().split()
    wall, e2e_rss = float(wall), int(kb) / 1000
    rep = json.load(open(os.path.join(work, "run", "report.json")))
    p, g = rep["totals"]["prompt_tokens"], rep["totals"]["generated_tokens"]
    floor = p / lp + g / ld
    print(f"summarize on the corpus: {wall:.0f} s wall, peak RSS {e2e_rss:.0f} MB, {p} prompt + {g} generated "
          f"tokens; llama.cpp floor {floor:.0f} s; wall/floor = {wall / floor:.2f} (target <= 1.25)")
    done, unique = rep["totals"]["prompt_tokens_processed"], rep["totals"].get("unique_prompt_tokens")
    if unique:
        print(f"prompt tokens on the corpus: {done} processed of {p}; {unique} unique (no earlier prompt began "
              f"with them); processed/unique = {done / unique:.2f} (target <= 1.1)")
plain = os.path.join(work, "time-plain")
if os.path.exists(plain) and os.path.exists(t):
    rep2 = json.load(open(os.path.join(work, "run-plain", "report.json")))
    wall2 = float(open(plain).read().split()[0])
    gen = lambda r: r["totals"]["generated_tokens"] / max(r["totals"]["generation_seconds"], 1e-9)
    tot = rep["totals"]
    acc = tot["accepted_draft_tokens"] / max(tot["drafted_tokens"], 1)
    import filecmp
    names = sorted(n for n in os.listdir(os.path.join(work, "run")) if n.endswith(".md"))
    differ = [n for n in names if not filecmp.cmp(os.path.join(work, "run", n),
                                                 os.path.join(work, "run-plain", n), shallow=False)]
    print(f"decoding on the corpus: {gen(rep):.1f} tok/s batched and speculative vs {gen(rep2):.1f} one call at a "
          f"time, one token per step: {gen(rep) / gen(rep2):.2f}x; {tot['accepted_draft_tokens']} of "
          f"{tot['drafted_tokens']} guessed tokens kept ({acc:.0%}), {tot['accepted_draft_tokens'] / max(tot['generated_tokens'], 1):.0%} "
          f"of the output; wall {wall:.0f} s vs {wall2:.0f} s ({wall / wall2:.2f}x); "
          f"outputs {'identical' if not differ else 'differ: ' + ', '.join(differ)}")
bb, bl = load("batch-bisum"), load("batch-llama")
if bb:
    one = next(r["decode_tokens_per_second"] for r in bb if r["batch"] == 1)
    print(f"{'sequences':>9} {'bisum tok/s':>12} {'x one':>6} {'llama.cpp tok/s':>16} {'bisum/llama.cpp':>16}   (aggregate decoding)")
    for r in bb:
        peer = next((x["decode_tokens_per_second"] for x in bl if x["batch"] == r["batch"]), float("nan"))
        v = r["decode_tokens_per_second"]
        print(f"{r['batch']:>9} {v:>12.1f} {v / one:>6.2f} {peer:>16.1f} {v / peer:>16.2f}")
print(f"bisum/llama.cpp prompt={bp / lp:.2f} decode={bd / ld:.2f}")
PY
