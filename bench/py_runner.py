#!/usr/bin/env python3
"""Closed-loop runner for the in-process Python systems; same job and result format as bench/java's BenchMain.

    python bench/py_runner.py JOB.json      prints one line: RESULT {...}

systems:
  st          sentence-transformers CrossEncoder.predict on PyTorch CPU (torch threads = cores), as a user calls it
  ort-python  ONNX Runtime from Python with the `tokenizers` package: pairs tokenized, sorted by length,
              batches of 32 padded to their longest, intra-op threads = cores
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["CUDA_VISIBLE_DEVICES"] = ""


def cores() -> int:
    return len(os.sched_getaffinity(0))


def make_st(job):
    import torch
    from sentence_transformers import CrossEncoder

    torch.set_num_threads(job.get("threads") or cores())
    model = CrossEncoder(job["model_dir"], device="cpu")
    batch = job.get("batch_size", 32)

    def score(query, docs):
        return [float(x) for x in model.predict([(query, d) for d in docs], batch_size=batch, show_progress_bar=False)]

    import sentence_transformers
    import transformers
    cfg = {"torch_threads": torch.get_num_threads(), "batch_size": batch}
    ver = {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
           "transformers": transformers.__version__}
    return score, cfg, ver


def make_ort(job):
    import numpy as np
    import onnxruntime as ort
    import tokenizers

    model_dir = Path(job["model_dir"])
    tok = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=job.get("max_length", 512), strategy="longest_first")
    so = ort.SessionOptions()
    so.intra_op_num_threads = job.get("threads") or cores()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(model_dir / job.get("onnx_file", "onnx/model.onnx")), so,
                                providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    pad = tok.token_to_id("[PAD]")
    if pad is None:
        pad = tok.token_to_id("<pad>")
    batch = job.get("batch_size", 32)

    def score(query, docs):
        encs = tok.encode_batch([(query, d) for d in docs])
        order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))
        out = [0.0] * len(encs)
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            width = len(encs[idx[0]].ids)
            ids = np.full((len(idx), width), pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1
                types[r, :n] = encs[i].type_ids
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feed["token_type_ids"] = types
            logits = sess.run(["logits"], feed)[0][:, 0]
            for r, i in enumerate(idx):
                out[i] = float(1.0 / (1.0 + np.exp(-logits[r])))
        return out

    cfg = {"intra_op_threads": so.intra_op_num_threads, "batch_size": batch, "optimization_level": "ORT_ENABLE_ALL"}
    ver = {"onnxruntime": ort.__version__, "tokenizers": tokenizers.__version__, "numpy": np.__version__}
    return score, cfg, ver


def main() -> int:
    job = json.loads(Path(sys.argv[1]).read_text())
    wl = json.loads(Path(job["workload"]).read_text())
    requests = [(r["query"], r["documents"]) for r in wl["requests"]]
    t0 = time.perf_counter()
    score, cfg, ver = {"st": make_st, "ort-python": make_ort}[job["system"]](job)
    load_s = time.perf_counter() - t0
    # untimed: at least `warmup` requests of the workload's warm-up set, and for at least warmup_s seconds
    warms = wl["warmup_requests"]
    t_warm, k = time.perf_counter(), 0
    while k < job.get("warmup", 1) or time.perf_counter() - t_warm < job.get("warmup_s", 0):
        score(warms[k % len(warms)]["query"], warms[k % len(warms)]["documents"])
        k += 1

    lock = threading.Lock()
    nxt = [0]
    reps = []
    saved = {}
    for _ in range(job.get("reps", 3)):
        left = [job.get("requests_per_rep", 1)]
        lats, done, errors = [], [], []

        def client():
            try:
                while True:
                    with lock:
                        if left[0] <= 0:
                            return
                        left[0] -= 1
                        r = nxt[0] % len(requests)
                        nxt[0] += 1
                    s = time.perf_counter()
                    sc = score(*requests[r])
                    e = time.perf_counter() - s
                    with lock:
                        lats.append(e)
                        done.append(r)
                        if job.get("save_scores"):
                            saved[str(r)] = sc
            except BaseException as ex:  # noqa: BLE001
                errors.append(repr(ex))

        cpu0 = time.process_time()
        w0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(job.get("concurrency", 1))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(errors[0])
        reps.append({"wall_s": time.perf_counter() - w0, "cpu_s": time.process_time() - cpu0,
                     "latencies_s": lats, "requests": done})
    out = {"system": job["system"], "load_s": load_s, "config": cfg, "reps": reps,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "versions": ver}
    if job.get("save_scores"):
        out["scores"] = saved
    print("RESULT " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
