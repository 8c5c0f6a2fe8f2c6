#!/usr/bin/env python3
"""Ranking agreement of int8 graphs with float32 ones on the MS MARCO-like requests of bench/run.py (docs/int8.md).

Scores every pair of the first --requests requests (100 documents each) with ONNX Runtime 1.29 (the kernels Sift's
Java runtime has; 2 intra-op threads, batches of 8 sorted by length, as Sift's scheduler forms them), through the
graphs Sift builds (dumped with dev.sift.graph.GraphDump, float32 and int8) and the exported ones, applies the
cross-encoder's sigmoid, and reports per int8 graph against its float32 reference: requests whose top-10 sets agree,
mean Kendall tau and Spearman, max |score difference| (bench/run.py's fidelity()), and the mean overlap of the
top-10 sets (documents in both, of 10).

    bench/.venv/bin/python bench/int8_agreement.py [--models minilm-l6-ce] [--requests 4]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402


def dump_built(model_dir: Path, out_dir: Path) -> dict[str, Path]:
    """The graphs Sift builds, written beside a copy of the checkpoint (ONNX Runtime reads external data only there)."""
    for f in [model_dir / "model.safetensors", *model_dir.glob("*.json")]:
        shutil.copy(f, out_dir / f.name)
    jdk = run.find_jdk()
    cp = f"{run.ROOT / 'sift-core' / 'target' / 'sift-core-0.1.0-SNAPSHOT.jar'}:{HERE / 'java' / 'target' / 'lib' / '*'}"
    graphs = {}
    for name, flags in (("built", []), ("built-int8", ["int8"])):
        graphs[name] = out_dir / f"{name}.onnx"
        subprocess.run([str(jdk / "bin" / "java"), "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                        "dev.sift.graph.GraphDump", str(out_dir), str(graphs[name]), *flags], check=True,
                       env=run.env_java(jdk), stdout=subprocess.DEVNULL)
    return graphs


def scores(graph: Path, requests: list[dict]) -> dict[str, list[float]]:
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(graph), so, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in sess.get_inputs()}
    out = {}
    for r, req in enumerate(requests):
        ids = req["ids"]
        types = req.get("type_ids") or [[0] * len(i) for i in ids]  # RoBERTa's have none
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        got = [0.0] * len(ids)
        for b in range(0, len(order), 8):
            batch = order[b:b + 8]
            width = max(len(ids[i]) for i in batch)
            x = np.zeros((len(batch), width), np.int64)
            t = np.zeros_like(x)
            m = np.zeros_like(x)
            for row, i in enumerate(batch):
                x[row, :len(ids[i])] = ids[i]
                t[row, :len(types[i])] = types[i]
                m[row, :len(ids[i])] = 1
            feed = {"input_ids": x, "attention_mask": m, "token_type_ids": t}
            logits = sess.run(None, {k: v for k, v in feed.items() if k in inputs})[0][:, 0]
            for row, i in enumerate(batch):
                got[i] = float(1 / (1 + np.exp(-logits[row])))
        out[str(r)] = got
    return out


def top10_overlap(fp32: dict, int8: dict) -> float:
    def top(v):
        return set(sorted(range(len(v)), key=lambda i: -v[i])[:10])
    return float(np.mean([len(top(fp32[k]) & top(int8[k])) / 10 for k in fp32]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="minilm-l6-ce")
    ap.add_argument("--requests", type=int, default=4)
    args = ap.parse_args()
    for model in args.models.split(","):
        model_dir = run.MODELS / model
        workload = json.loads(run.make_workloads(model, ["msmarco"], 100)["msmarco"].read_text())
        requests = workload["requests"][:args.requests]
        with tempfile.TemporaryDirectory() as tmp:
            built = dump_built(model_dir, Path(tmp))
            # int8 graph -> its float32 reference
            pairs = {"built-int8": ("built", built["built-int8"]),
                     "export-qint8_avx512_vnni": ("export", model_dir / "onnx" / "model_qint8_avx512_vnni.onnx"),
                     "export-quint8_avx2": ("export", model_dir / "onnx" / "model_quint8_avx2.onnx")}
            fp32 = {"built": scores(built["built"], requests), "export": scores(model_dir / "onnx" / "model.onnx", requests)}
            print(f"\n{model}: {len(requests)} requests x {len(requests[0]['ids'])} documents; fp32 built vs export:",
                  json.dumps(run.fidelity(fp32["export"], fp32["built"])))
            for name, (ref, graph) in pairs.items():
                got = scores(graph, requests)
                f = run.fidelity(fp32[ref], got)
                print(f"  {name:26s} vs fp32 {ref:6s}: top-10 overlap {top10_overlap(fp32[ref], got):.2f},"
                      f" same top-{f['top_k']} set {f['same_top10_set_fraction']:.2f},"
                      f" Kendall tau {f['kendall_tau_mean']:.3f}, Spearman {f['spearman_mean']:.3f},"
                      f" max |diff| {f['max_abs_score_diff']:.4f} (fp32 score range {f['fp32_score_range_mean']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
