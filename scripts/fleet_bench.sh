#!/usr/bin/env bash
# End to end over a folder of sources: the in-process engine against `--backend` to local
# llama.cpp servers (llama-cpp-python[server], the build scripts/test.sh makes), at
# --parallel 1, 2 and 4, with the same GGUF. Prints one line per setting: wall seconds,
# calls, prompt and generated tokens, and whether the outputs equal the in-process run's.
#
#   scripts/fleet_bench.sh SOURCES [MODEL] [THREADS]
#
# llama-cpp-python's server answers one request at a time, so `--parallel N` runs against
# N servers (THREADS/N threads each, at least 1) given to bisum as N --backend URLs; a
# llama-server with `-np N` serves N at once from one process.
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCES="${1:?usage: scripts/fleet_bench.sh SOURCES [MODEL] [THREADS]}"
MODEL="${2:-qwen2.5-coder-1.5b}"
THREADS="${3:-$(nproc)}"
LLAMA_VENV="${BISUM_LLAMA_VENV:-${BISUM_HOME:-$HOME/.cache/bisum}/llama-server-venv}"
PY="$LLAMA_VENV/bin/python"
"$PY" -c 'import llama_cpp.server' 2>/dev/null \
  || { echo "fleet_bench: run scripts/test.sh once (it builds $LLAMA_VENV)" >&2; exit 1; }
cargo build --release --locked --features fleet -q
BISUM=./target/release/bisum
GGUF="$($BISUM models path "$MODEL")"
# FLEET_BENCH_OUT=DIR keeps every run's outputs there.
WORK="${FLEET_BENCH_OUT:-$(mktemp -d)}"
mkdir -p "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  [ -n "${FLEET_BENCH_OUT:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

summary() { # DIR LABEL
  python3 - "$1" "$2" "$WORK/local" <<'EOF'
import json, pathlib, sys
out, label, ref = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
r = json.loads((out / "report.json").read_text())
t = r["totals"]
same = all((out / f.name).read_text() == f.read_text() for f in ref.glob("*.md")) if ref.exists() and out != ref else None
print(f"{label:<28} wall {r['provenance']['wall_seconds']:7.1f} s  calls {t['calls']:3}  "
      f"prompt {t['prompt_tokens']:6}  generated {t['generated_tokens']:5}  "
      f"same outputs as in-process: {'-' if same is None else same}")
EOF
}

start_servers() { # N -> sets URLS
  local n="$1" per=$(( THREADS / $1 )); [ "$per" -ge 1 ] || per=1
  URLS=()
  for i in $(seq 1 "$n"); do
    local port=$(( 18080 + i ))
    "$PY" -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port "$port" --n_ctx 8192 \
      --n_threads "$per" --n_threads_batch "$per" >"$WORK/server-$i.log" 2>&1 &
    PIDS+=("$!")
    URLS+=(--backend "http://127.0.0.1:$port/v1")
  done
  for i in $(seq 1 "$n"); do
    until curl -sf "http://127.0.0.1:$(( 18080 + i ))/v1/models" >/dev/null; do sleep 0.5; done
  done
}

stop_servers() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }

# Greedy, and no repeat penalty: llama.cpp applies it by its own rule (prompt tokens count
# too), so only then can the outputs be compared.
COMMON=(--model "$MODEL" --repeat-penalty 1 --no-cache --quiet)
$BISUM summarize "$SOURCES" "${COMMON[@]}" --threads "$THREADS" --out "$WORK/local" || true
summary "$WORK/local" "in-process ($THREADS threads)"
for n in 1 2 4; do
  start_servers "$n"
  $BISUM summarize "$SOURCES" "${COMMON[@]}" "${URLS[@]}" --parallel "$n" --out "$WORK/fleet-$n" || true
  summary "$WORK/fleet-$n" "$n server(s), --parallel $n"
  stop_servers
done
