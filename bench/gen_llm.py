#!/usr/bin/env python3
"""A Qwen3-Reranker-0.6B-sized model for the benchmark, and its optimum export, both from one set of random weights.

The shapes are Qwen/Qwen3-Reranker-0.6B's config.json (28 layers, hidden 1024, 16 query and 8 key-value heads of
128, MLP 3072, vocabulary 151669, tied embeddings) and the weights are bfloat16 safetensors, as that checkpoint ships
them; the values are random (seeded), since the Hub is out of reach and speed does not depend on them. The
tokenizer is the qwen3-reranker fixture's (ids well inside the vocabulary), so token counts differ from the real
tokenizer's but the work per token is the real model's. The folder name tells Sift the family (qwen3-reranker).

    optimum/model.onnx   `optimum-cli export onnx --task text-generation`: logits [batch, sequence, 151669], the
                         full-vocabulary graph Sift runs for an exported LLM reranker

Runs in bench/.venv-optimum (transformers 4.x, which optimum-onnx needs), so config.json is written the way the
real checkpoint's is (rope_theta, torch_dtype).

    bench/.venv-optimum/bin/python bench/gen_llm.py [--force]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAME = "qwen3-reranker-0.6b-sized"
TARGET = HERE / "models" / NAME
FIXTURE = ROOT / "testdata" / "models" / "qwen3-reranker"
SEED = 20240601

# Qwen/Qwen3-Reranker-0.6B's config.json, less its token ids (the fixture tokenizer's are used).
QWEN3_RERANKER_06B = dict(hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
                          num_key_value_heads=8, head_dim=128, vocab_size=151669, max_position_embeddings=40960,
                          rope_theta=1000000.0, rms_norm_eps=1e-6, tie_word_embeddings=True, attention_bias=False,
                          hidden_act="silu", use_sliding_window=False, initializer_range=0.02)


def make() -> None:
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    tmp = TARGET.parent / f".{NAME}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    torch.manual_seed(SEED)
    config = Qwen3Config(pad_token_id=0, eos_token_id=2, bos_token_id=None, **QWEN3_RERANKER_06B)
    config.architectures = ["Qwen3ForCausalLM"]
    model = Qwen3ForCausalLM(config).eval().to(torch.bfloat16)
    model.save_pretrained(str(tmp), safe_serialization=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(FIXTURE / f, tmp / f)
    print(f"  {NAME}: {sum(p.numel() for p in model.parameters()):,} parameters, bfloat16 safetensors")
    del model
    cli = Path(sys.executable).parent / "optimum-cli"
    env = dict(os.environ, HF_HUB_OFFLINE="1", CUDA_VISIBLE_DEVICES="")
    # Exported in float32 (the weights upcast), as Sift's ONNX path runs it.
    subprocess.run([str(cli), "export", "onnx", "--model", str(tmp), "--task", "text-generation", "--dtype", "fp32",
                    str(tmp / "optimum")], env=env, check=True)
    shutil.rmtree(TARGET, ignore_errors=True)
    tmp.rename(TARGET)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    if (TARGET / "optimum" / "model.onnx").exists() and not args.force:
        print(f"[{NAME}] present")
        return 0
    print(f"[{NAME}] generating (a few minutes: the export traces 0.6B parameters)")
    make()
    return 0


if __name__ == "__main__":
    sys.exit(main())
