#!/usr/bin/env python3
"""llama.cpp's side of scripts/bench.sh: prompt processing and decoding speed on the same GGUF,
the same prompt tokens and thread count as `bisum bench`. Prints one JSON line."""
import json
import resource
import sys
import time

import llama_cpp
import numpy as np

path, threads, n_prompt, n_gen, text_file, runs = sys.argv[1:7]
threads, n_prompt, n_gen, runs = int(threads), int(n_prompt), int(n_gen), int(runs)
llm = llama_cpp.Llama(model_path=path, n_ctx=n_prompt + n_gen + 16, n_threads=threads,
                      n_threads_batch=threads, n_batch=512, verbose=False)
ids = llm.tokenize(open(text_file, encoding="utf-8").read().encode(), add_bos=False, special=False)
prompt = (ids * (n_prompt // max(len(ids), 1) + 1))[:n_prompt]
def last_argmax():
    logits = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
    return int(np.ctypeslib.as_array(logits, shape=(llm.n_vocab(),)).argmax())


pp, tg = [], []
for _ in range(runs):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    pp.append(n_prompt / (time.perf_counter() - t0))
    tok = last_argmax()
    t1 = time.perf_counter()
    for _ in range(n_gen - 1):
        llm.eval([tok])
        tok = last_argmax()
    tg.append((n_gen - 1) / (time.perf_counter() - t1))
med = lambda v: sorted(v)[len(v) // 2]
print(json.dumps({
    "engine": "llama.cpp", "llama_cpp_python": llama_cpp.__version__, "threads": threads,
    "prompt_tokens": n_prompt, "generated_tokens": n_gen,
    "prompt_tokens_per_second": med(pp), "decode_tokens_per_second": med(tg),
    "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
