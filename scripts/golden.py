#!/usr/bin/env python3
"""Records llama.cpp's tokens for bisum's correctness tests (tests/golden/MODEL.json).

For each prompt: the exact prompt text, llama.cpp's token ids for it, the greedy
continuation (temperature 0, no repetition penalty), and at each step the gap between
llama.cpp's two best logits: where that gap is tiny the choice is numerical noise (llama.cpp
itself flips such steps between batch sizes), so the tests compare tokens up to the first
such near-tie. For each bundled example (examples/*.txt, French and English): the number
of tokens and a hash of the ids, to check the rebuilt tokenizer on real French.

Usage (llama.cpp from PyPI's llama-cpp-python, built locally):
    python3 -m venv /tmp/llvenv && /tmp/llvenv/bin/pip install llama-cpp-python==0.3.36
    /tmp/llvenv/bin/python scripts/golden.py MODEL_NAME PATH.gguf > tests/golden/MODEL_NAME.json
"""
import hashlib
import json
import pathlib
import sys

import llama_cpp

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def chatml(system, user):
    return (f"<|im_start|>system\n{system}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")


def gemma(system, user):
    # What prompts/templates/gemma.jinja renders (the GGUF has no template of its own).
    return (f"<bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n"
            f"<start_of_turn>model\n")


PROMPTS = [
    ("You are a helpful assistant.",
     "What is the capital of France? Answer in one short sentence."),
    ("Tu es un assistant concis qui répond en français.",
     "Résume en une phrase : le ministère des Armées a notifié le 16 décembre 2025 un "
     "accord-cadre avec Mistral AI, une start-up valorisée à 12 milliards d'euros."),
    ("You are a concise assistant.",
     "Summarize in two sentences:\n\n"
     + (ROOT / "examples" / "tramway-conseil.txt").read_text()
     + "\n\n" + (ROOT / "examples" / "tramway-audit.txt").read_text()),
]
GENERATE = 24


def main():
    name, path = sys.argv[1], sys.argv[2]
    llm = llama_cpp.Llama(model_path=path, n_ctx=4096, n_threads=2, n_batch=512,
                          verbose=False, logits_all=False)
    out = {
        "model": name,
        "llama_cpp_python": llama_cpp.__version__,
        "command": f"python3 scripts/golden.py {name} PATH.gguf",
        "prompts": [],
        "examples": [],
    }
    render = gemma if llm.metadata.get("general.architecture", "").startswith("gemma") else chatml
    for system, user in PROMPTS:
        text = render(system, user)
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        llm.reset()
        gen, margins = [], []
        for tok in llm.generate(ids, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0):
            if tok == llm.token_eos() or len(gen) == GENERATE:
                break
            logits = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
            row = sorted((logits[i] for i in range(llm.n_vocab())), reverse=True)
            gen.append(tok)
            margins.append(round(row[0] - row[1], 4))
        out["prompts"].append({"system": system, "user": user, "text": text,
                               "prompt_ids": ids, "generated_ids": gen, "margins": margins})
    out["examples"] = examples(llm)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


def examples(llm):
    """llama.cpp's token count and a hash of the ids of each bundled example."""
    out = []
    for f in sorted(EXAMPLES.glob("*.txt")):
        ids = llm.tokenize(f.read_text().encode(), add_bos=False, special=False)
        out.append({"file": f.name, "tokens": len(ids),
                    "ids_sha256": hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()})
    return out


if __name__ == "__main__":
    main()
