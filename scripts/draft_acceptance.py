"""How often a draft model's greedy token is the target model's, on summary prompts.

The target writes each answer greedily (llama.cpp, through llama-cpp-python); the draft
reads prompt + answer once, and at each answer position its argmax is compared with the
target's next token. Prints the acceptance rate and the tokens one verify pass would keep
with k = 1, 2, 3 drafted tokens (the target's token plus the run of right guesses).

  $BENCH_VENV/bin/python scripts/draft_acceptance.py TARGET.gguf DRAFT.gguf FILE...

(BENCH_VENV: the llama-cpp-python venv scripts/bench.sh builds.)
"""
import sys

import numpy as np
from llama_cpp import Llama

IM_END = 151645  # ChatML's end of turn (Qwen2.5)


def chat(system, user):
    return (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            "<|im_start|>assistant\n")


def main(target_path, draft_path, files):
    target = Llama(target_path, n_ctx=4096, n_threads=2, verbose=False)
    draft = Llama(draft_path, n_ctx=4096, n_threads=2, logits_all=True, verbose=False)
    task = open("prompts/summary_direct.en.txt").read()
    system = open("prompts/system.en.txt").read().strip()
    right = []
    for f in files:
        user = task.replace("{{ text }}", open(f).read()[:6000]).replace("{{ words }}", "120")
        prompt = target.tokenize(chat(system, user).encode(), special=True)
        answer = []
        for t in target.generate(prompt, temp=0.0, top_k=1, repeat_penalty=1.0, reset=True):
            if t in (target.token_eos(), IM_END) or len(answer) >= 160:
                break
            answer.append(t)
        draft.reset()
        draft.eval(prompt + answer)
        logits = np.array(draft.scores[len(prompt) - 1: len(prompt) + len(answer) - 1])
        ok = logits.argmax(axis=1) == np.array(answer)
        right.append(ok)
        print(f"{f}: {len(answer)} tokens, acceptance {ok.mean():.3f}", flush=True)
    everything = np.concatenate(right)
    print(f"acceptance {everything.mean():.3f} over {len(everything)} tokens")
    for k in (1, 2, 3):
        kept = [1 + next((j for j in range(k) if i + j >= len(ok) or not ok[i + j]), k)
                for ok in right for i in range(len(ok))]
        print(f"k={k}: {np.mean(kept):.2f} tokens per verify pass")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
