#!/usr/bin/env python3
"""The graph Sift builds from safetensors against exported ONNX graphs of the same weights, side by side in one run.

For each benchmark model (bench/gen_models.py) this measures Sift's Java API (in-process, default engine options)
on the same MS MARCO-like requests (one query, 100 documents of 20-250 tokens) with:

    export-torch     onnx/model.onnx, torch.onnx.export (opset 17), as bench/gen_models.py writes it
    export-optimum   optimum/model.onnx, `optimum-cli export onnx --task text-classification` (optimum-onnx, in
                     its own venv bench/.venv-optimum: it needs transformers 4.x), when it installs
    built            the graph Sift builds from model.safetensors, with its default fusions
    built-<set>      the same with another set of ONNX Runtime fused operators (-Dsift.graph.fusions=...)

With --int8 (docs/int8.md), also:

    built-int8       the graph Sift builds with --int8: int8 linear layers (DynamicQuantizeMatMul, QAttention) on
                     weights it quantizes at load, signed and per output channel
    built-int8-<set> the same with another set of fused operators
    export-<variant> the int8 graphs bench/gen_models.py quantized from onnx/model.onnx with quantize_dynamic:
                     onnx/model_quint8_avx2.onnx (uint8 weights) and onnx/model_qint8_avx512_vnni.onnx (int8)

For the LLM reranker qwen3-reranker-0.6b-sized (bench/gen_llm.py: Qwen3-Reranker-0.6B's shapes, bfloat16
safetensors) the variants are:

    export-optimum   optimum/model.onnx, `optimum-cli export onnx --task text-generation`: full-vocabulary logits
                     at every position, as Sift runs an exported LLM reranker today
    built            the graph Sift builds from model.safetensors: the answer tokens' logits at the last token only

Variants run interleaved, one repetition each in turn, so that drift on a shared machine hits all alike; the
report gives each variant's median pairs/s and its ratio to the first variant (export-torch, or export-optimum for
the LLM), start-up time and peak RSS, and merges them into bench/results/graphs.json (a model's entry is replaced,
the others' kept).

    bench/run --graphs [--models minilm-l6-ce] [--reps 3] [--documents 100] [--fusion-sets none,attention,...]
    bench/run --graphs --models qwen3-reranker-0.6b-sized --documents 10 --requests 1 --fusion-sets ''
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402  (the harness: JDK, builds, workloads, runner)

OPTIMUM_VENV = HERE / ".venv-optimum"
OPTIMUM_REQUIREMENTS = ["torch==2.15.0", "optimum-onnx==0.1.0", "onnx==1.23.2", "onnxruntime==1.29.0"]
DEFAULT_FUSION_SETS = "none,attention,skip_layer_norm,attention+skip_layer_norm"
LLMS = {"qwen3-reranker-0.6b-sized"}


def install_optimum() -> bool:
    if (OPTIMUM_VENV / "bin" / "optimum-cli").exists():
        return True
    run.log("installing optimum-onnx into bench/.venv-optimum (a few minutes: torch is large)")
    subprocess.run([sys.executable, "-m", "venv", str(OPTIMUM_VENV)], check=True)
    r = subprocess.run([str(OPTIMUM_VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                        *OPTIMUM_REQUIREMENTS])
    return r.returncode == 0


def optimum_export(model_dir: Path) -> Path | None:
    out = model_dir / "optimum"
    if (out / "model.onnx").exists():
        return out / "model.onnx"
    cli = OPTIMUM_VENV / "bin" / "optimum-cli"
    if not install_optimum():
        run.log("optimum-onnx did not install; export-optimum is skipped")
        return None
    run.log(f"exporting {model_dir.name} with optimum-cli")
    env = dict(os.environ, HF_HUB_OFFLINE="1", CUDA_VISIBLE_DEVICES="")
    r = subprocess.run([str(cli), "export", "onnx", "--model", str(model_dir), "--task", "text-classification",
                        str(out)], env=env, capture_output=True, text=True)
    if r.returncode != 0 or not (out / "model.onnx").exists():
        run.log("optimum export failed; export-optimum is skipped: " + r.stderr[-800:])
        return None
    return out / "model.onnx"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="minilm-l6-ce")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--requests", type=int, default=2, help="requests per repetition (default 2)")
    ap.add_argument("--documents", type=int, default=100, help="documents per msmarco request (default 100)")
    ap.add_argument("--fusion-sets", default=DEFAULT_FUSION_SETS,
                    help="comma-separated sets of fused operators for built-<set> variants, '+' within a set")
    ap.add_argument("--no-optimum", action="store_true")
    ap.add_argument("--int8", action="store_true", help="add the int8 variants: built-int8 and the quantized exports")
    ap.add_argument("--out", default=str(run.RESULTS / "graphs.json"))
    ap.add_argument("--docs", default=str(run.DOCS / "benchmarks.md"), help="report to rewrite ('' to skip)")
    args = ap.parse_args()

    jdk = run.find_jdk()
    run.build_sift(run.ROOT, jdk)
    run.build_bench_java(run.ROOT, jdk)
    java_cp = f"{HERE / 'java' / 'target' / 'sift-bench.jar'}:{HERE / 'java' / 'target' / 'lib' / '*'}:" \
              f"{run.ROOT / 'sift-core' / 'target' / 'sift-core-0.1.0-SNAPSHOT.jar'}"
    out = Path(args.out)
    result = json.loads(out.read_text()) if out.exists() else {"models": {}}
    result["machine"] = run.machine_info() if hasattr(run, "machine_info") else {}
    for model in args.models.split(","):
        model_dir = run.MODELS / model
        if model in LLMS:
            if not install_optimum():
                run.log(f"optimum-onnx did not install; {model} is skipped")
                continue
            subprocess.run([str(OPTIMUM_VENV / "bin" / "python"), str(HERE / "gen_llm.py")], check=True)
            variants = {"export-optimum-llm": dict(onnx_file="optimum/model.onnx")}
        else:
            if not (model_dir / "model.safetensors").exists():
                subprocess.run([sys.executable, str(HERE / "gen_models.py"), "--models", model,
                                "--maven", run.find_maven(run.ROOT)], check=True)
            variants = {"export-torch": dict(onnx_file="onnx/model.onnx")}
            if not args.no_optimum and (graph := optimum_export(model_dir)) is not None:
                variants["export-optimum"] = dict(onnx_file=str(graph.relative_to(model_dir)))
        workload = run.make_workloads(model, ["msmarco"], args.documents)["msmarco"]
        variants["built"] = dict(weights="safetensors")
        if args.int8 and model not in LLMS:
            variants["built-int8"] = dict(weights="safetensors", int8=True)
            for graph in ("model_quint8_avx2.onnx", "model_qint8_avx512_vnni.onnx"):
                variants["export-" + graph.removeprefix("model_").removesuffix(".onnx")] = dict(onnx_file="onnx/" + graph)
        for fusion_set in filter(None, args.fusion_sets.split(",")):
            variants["built-" + fusion_set] = dict(weights="safetensors", fusions=fusion_set.replace("+", ","))
            if args.int8 and model not in LLMS:
                variants["built-int8-" + fusion_set] = dict(weights="safetensors", int8=True,
                                                            fusions=fusion_set.replace("+", ","))
        runs = {name: [] for name in variants}
        for rep in range(args.reps):
            for name, v in variants.items():
                run.wait_quiet(20.0)
                job = dict(system="sift-api", model_dir=str(model_dir), workload=str(workload), concurrency=1,
                           reps=1, requests_per_rep=args.requests, warmup=1,
                           **{k: v[k] for k in ("onnx_file", "weights", "int8") if k in v})
                jvm = [] if "fusions" not in v else [f"-Dsift.graph.fusions={v['fusions']}"]
                cmd = [str(jdk / "bin" / "java"), "--enable-native-access=ALL-UNNAMED", "-Xmx4g", *jvm, "-cp", java_cp,
                       "dev.sift.bench.BenchMain"]
                raw = run.run_runner(cmd, job, run.env_java(jdk), 3000)
                pairs = sum(len(json.loads(Path(workload).read_text())["requests"][r]["documents"])
                            for r in raw["reps"][0]["requests"])
                runs[name].append(dict(pairs=pairs, pairs_per_s=pairs / raw["reps"][0]["wall_s"], load_s=raw["load_s"],
                                       peak_rss_mb=raw["peak_rss_mb"], cpu_s=raw["reps"][0]["cpu_s"],
                                       rss_anon_mb=raw["rss_anon_after_load_mb"],
                                       rss_file_mb=raw["rss_file_after_load_mb"]))
                run.log(f"{model} {name:32s} rep {rep + 1}: {runs[name][-1]['pairs_per_s']:.2f} pairs/s,"
                        f" load {raw['load_s']:.2f} s, peak RSS {raw['peak_rss_mb']:.0f} MB")
        base_name = next(iter(variants))
        base = statistics.median(r["pairs_per_s"] for r in runs[base_name])
        # CPU seconds per pair: on a shared machine, other work stretches wall time far more than CPU time.
        base_cpu = statistics.median(r["cpu_s"] / r["pairs"] for r in runs[base_name])
        summary = {}
        for name, rs in runs.items():
            med = statistics.median(r["pairs_per_s"] for r in rs)
            cpu = statistics.median(r["cpu_s"] / r["pairs"] for r in rs)
            summary[name] = dict(pairs_per_s=med, vs_base=med / base, cpu_s_per_pair=cpu, cpu_vs_base=base_cpu / cpu,
                                 spread=(max(r["pairs_per_s"] for r in rs) - min(r["pairs_per_s"] for r in rs)) / med,
                                 load_s=statistics.median(r["load_s"] for r in rs),
                                 peak_rss_mb=statistics.median(r["peak_rss_mb"] for r in rs),
                                 rss_anon_mb=statistics.median(r["rss_anon_mb"] for r in rs),
                                 rss_file_mb=statistics.median(r["rss_file_mb"] for r in rs), runs=rs)
        result["models"][model] = dict(workload=f"msmarco, {args.documents} documents per request, concurrency 1",
                                       base=base_name, date=time.strftime("%Y-%m-%d %H:%M:%S"), reps=args.reps,
                                       variants=summary)
        print(f"\n{model}: variant | pairs/s | / {base_name} | spread | start-up s | peak RSS MB | anon / file MB")
        for name, s in summary.items():
            print(f"  {name:32s} | {s['pairs_per_s']:6.2f} | {s['vs_base']:.3f} | {s['spread']:.1%} |"
                  f" {s['load_s']:.2f} | {s['peak_rss_mb']:.0f} | {s['rss_anon_mb']:.0f} / {s['rss_file_mb']:.0f}")
    out.write_text(json.dumps(result, indent=1))
    run.log(f"wrote {args.out}")
    latest = run.RESULTS / "latest.json"
    if args.docs and latest.exists():
        import report
        report.write(json.loads(latest.read_text()), Path(args.docs), run.DOCS / "img")
        run.log(f"wrote {args.docs} (its safetensors section from {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
