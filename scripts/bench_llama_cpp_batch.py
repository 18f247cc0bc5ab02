#!/usr/bin/env python3
"""llama.cpp's side of scripts/bench.sh's batched table: N sequences, each with its own prompt
(taken further along the text, as `bisum bench --batch N` does), decoded together with one
llama_decode per step (llama.cpp's batched decoding, as its server's parallel slots run it).
Greedy, end-of-turn ignored. Prints one JSON line: the aggregate decoding speed.

usage: bench_llama_cpp_batch.py GGUF THREADS N_PROMPT N_GEN TEXT_FILE BATCH RUNS"""
import json
import sys
import time

import llama_cpp as L
import numpy as np

path, threads, n_prompt, n_gen, text_file, batch, runs = sys.argv[1:8]
threads, n_prompt, n_gen, batch, runs = map(int, (threads, n_prompt, n_gen, batch, runs))

L.llama_backend_init()
model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
vocab = L.llama_model_get_vocab(model)
n_vocab = L.llama_vocab_n_tokens(vocab)
cp = L.llama_context_default_params()
cp.n_ctx = batch * (n_prompt + n_gen + 16)
cp.n_batch = 512
cp.n_ubatch = 512
cp.n_seq_max = batch
cp.n_threads = threads
cp.n_threads_batch = threads
ctx = L.llama_init_from_model(model, cp)

text = open(text_file, encoding="utf-8").read().encode()
buf = (L.llama_token * (len(text) + 16))()
n = L.llama_tokenize(vocab, text, len(text), buf, len(buf), False, False)
ids = list(buf[:n])


def prompt_of(i):
    # Sequence i starts i x 101 tokens further along the text, repeated as needed.
    return [ids[(i * 101 + j) % len(ids)] for j in range(n_prompt)]


b = L.llama_batch_init(512, 0, 1)


def decode(items):
    """items: (token, position, sequence, wants logits)."""
    b.n_tokens = len(items)
    for k, (t, p, s, want) in enumerate(items):
        b.token[k], b.pos[k], b.n_seq_id[k], b.logits[k] = t, p, 1, want
        b.seq_id[k][0] = s
    if L.llama_decode(ctx, b) != 0:
        raise SystemExit("llama_decode failed")


def argmax(k):
    logits = L.llama_get_logits_ith(ctx, k)
    return int(np.ctypeslib.as_array(logits, shape=(n_vocab,)).argmax())


speeds = []
for _ in range(runs):
    L.llama_memory_clear(L.llama_get_memory(ctx), True)
    last = []
    for s in range(batch):
        p = prompt_of(s)
        for c in range(0, n_prompt, 512):
            part = p[c:c + 512]
            decode([(t, c + j, s, c + j == n_prompt - 1) for j, t in enumerate(part)])
        last.append(argmax(len(part) - 1))
    t0 = time.perf_counter()
    for step in range(n_gen - 1):
        decode([(last[s], n_prompt + step, s, True) for s in range(batch)])
        last = [argmax(s) for s in range(batch)]
    speeds.append(batch * (n_gen - 1) / (time.perf_counter() - t0))
print(json.dumps({
    "engine": "llama.cpp", "llama_cpp_python": L.__version__, "threads": threads,
    "batch": batch, "prompt_tokens": n_prompt, "generated_tokens": n_gen,
    "decode_tokens_per_second": sorted(speeds)[len(speeds) // 2],
}))
