#!/usr/bin/env python3
"""Where an int8 graph's time goes: ONNX Runtime's profiler on fp32 and int8 graphs of one model, aggregated by
operator type (docs/int8.md). Same kernels as Sift's Java ONNX Runtime (1.29.0): 2 intra-op threads, ORT_ENABLE_ALL.

    bench/.venv/bin/python bench/int8_profile.py MODEL_DIR GRAPH.onnx [GRAPH.onnx ...] [--shapes 8x150,32x60]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort


def session(graph: str, profile: bool, optimized: str | None = None) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.enable_profiling = profile
    if optimized:
        so.optimized_model_filepath = optimized
    so.profile_file_prefix = os.path.join(tempfile.gettempdir(), "int8prof")
    return ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"])


def feeds(sess: ort.InferenceSession, batch: int, seq: int, vocab: int) -> dict:
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, vocab, size=(batch, seq), dtype=np.int64)
    ids[:, 0] = 0
    mask = np.ones((batch, seq), dtype=np.int64)
    names = {i.name for i in sess.get_inputs()}
    f = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in names:
        f["token_type_ids"] = np.zeros((batch, seq), dtype=np.int64)
    return {k: v for k, v in f.items() if k in names}


def profile(graph: str, batch: int, seq: int, vocab: int, runs: int) -> tuple[dict, float]:
    sess = session(graph, True)
    f = feeds(sess, batch, seq, vocab)
    for _ in range(2):
        sess.run(None, f)
    t = time.perf_counter()
    for _ in range(runs):
        sess.run(None, f)
    wall = (time.perf_counter() - t) / runs
    events = json.loads(Path(sess.end_profiling()).read_text())
    by_op = collections.Counter()
    nodes = [e for e in events if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]
    for e in nodes[-len(nodes) * runs // (runs + 2):]:  # the timed runs only
        by_op[e["args"]["op_name"]] += e["dur"]
    return {k: v / runs / 1000 for k, v in by_op.items()}, wall * 1000


def optimized_ops(graph: str) -> collections.Counter:
    import onnx
    out = os.path.join(tempfile.gettempdir(), "int8opt_" + Path(graph).name)
    session(graph, False, out)
    return collections.Counter(n.op_type for n in onnx.load(out, load_external_data=False).graph.node)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("graphs", nargs="+")
    ap.add_argument("--shapes", default="8x150,32x60")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    vocab = json.loads((Path(args.model_dir) / "config.json").read_text())["vocab_size"]
    for g in args.graphs:
        print(f"\n## {g}\noptimized graph: {dict(optimized_ops(g).most_common())}")
    for shape in args.shapes.split(","):
        batch, seq = map(int, shape.split("x"))
        results = {g: profile(g, batch, seq, vocab, args.runs) for g in args.graphs}
        print(f"\n### batch {batch} x {seq} tokens: ms per run by operator type (kernel time; wall ms per run)")
        for g, (ops, wall) in results.items():
            total = sum(ops.values())
            print(f"{Path(g).name}: wall {wall:.1f} ms, kernels {total:.1f} ms")
            for op, ms in sorted(ops.items(), key=lambda kv: -kv[1]):
                if ms >= 0.005 * total:
                    print(f"  {op:32s} {ms:8.2f} ms {ms / total:6.1%}")


if __name__ == "__main__":
    main()
