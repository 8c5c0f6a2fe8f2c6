"""Writes docs/benchmarks.md and docs/img/*.png from bench/results/latest.json (called by bench/run.py).

    bench/.venv/bin/python bench/report.py [bench/results/latest.json]     re-renders the report only
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ORDER = ["sift-http", "sift-http-int8", "sift-http-built", "sift-http-cache", "sift-api", "sift-api-w2", "ort-ceiling", "ort-ceiling-int8", "ort-python", "st", "lc4j",
         "infinity", "tei"]
COLORS = {"sift-http": "#1f77b4", "sift-http-int8": "#aec7e8", "sift-http-built": "#17becf", "sift-http-cache": "#bcbd22", "sift-api": "#2ca02c", "sift-api-w2": "#98df8a", "ort-ceiling": "#7f7f7f",
          "ort-ceiling-int8": "#c7c7c7", "ort-python": "#9467bd", "st": "#d62728", "lc4j": "#ff7f0e",
          "infinity": "#8c564b"}


def fmt(x, nd=1):
    if x is None:
        return "–"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{nd}f}"
    return str(x)


def cells(result):
    return sorted({(r["model"], r["workload"], r["concurrency"]) for r in result["results"]},
                  key=lambda k: (k[0], ["msmarco", "repeats", "long", "single"].index(k[1]), k[2]))


def charts(result, img: Path) -> list[str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img.mkdir(parents=True, exist_ok=True)
    written = []
    for model in sorted({r["model"] for r in result["results"]}):
        keys = [k for k in cells(result) if k[0] == model and any(
            (r["model"], r["workload"], r["concurrency"]) == k and not r["system"].startswith("ort-ceiling")
            for r in result["results"])]
        systems = [s for s in ORDER if any(r["system"] == s and r["model"] == model for r in result["results"])]
        # pairs/s, one panel per (workload, concurrency)
        fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 4.8), squeeze=False)
        for ax, (_, wl, c) in zip(axes[0], keys):
            rows = [r for s in systems for r in result["results"]
                    if r["system"] == s and r["model"] == model and r["workload"] == wl
                    and (r["concurrency"] == c or (s.startswith("ort-ceiling") and r["concurrency"] == 1))]
            names = [r["label"] for r in rows]
            vals = [r["pairs_per_s"] for r in rows]
            err = [[r["pairs_per_s"] - r["pairs_per_s_min"] for r in rows],
                   [r["pairs_per_s_max"] - r["pairs_per_s"] for r in rows]]
            y = range(len(rows))
            ax.barh(list(y), vals, xerr=err, color=[COLORS.get(r["system"], "#333") for r in rows], capsize=3)
            ax.set_yticks(list(y))
            ax.set_yticklabels(names, fontsize=8)
            ax.invert_yaxis()
            for i, (v, r) in enumerate(zip(vals, rows)):
                ax.text(r["pairs_per_s_max"], i, f"  {v:.0f}" if v >= 10 else f"  {v:.1f}", va="center", fontsize=8)
            ax.set_title(f"{wl}, concurrency {c}", fontsize=10)
            ax.set_xlabel("pairs/s (median of reps; bars: min-max)")
            ax.set_xlim(0, max(r["pairs_per_s_max"] for r in rows) * 1.3 if rows else 1)
        fig.suptitle(f"{model}: throughput (higher is better); ceilings are measured at concurrency 1", fontsize=11)
        fig.tight_layout()
        name = f"bench-{model}-throughput.png"
        fig.savefig(img / name, dpi=110)
        plt.close(fig)
        written.append(name)

        # latency p50 / p99
        fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 4.8), squeeze=False)
        for ax, (_, wl, c) in zip(axes[0], keys):
            rows = [r for s in systems for r in result["results"]
                    if r["system"] == s and r["model"] == model and r["workload"] == wl and r["concurrency"] == c
                    and not s.startswith("ort-ceiling")]
            names = [r["label"] for r in rows]
            y = list(range(len(rows)))
            p50 = [r["latency_p50_ms"] for r in rows]
            p99 = [r["latency_p99_ms"] for r in rows]
            ax.barh([i - 0.2 for i in y], p50, height=0.4, label="p50", color="#4c72b0")
            ax.barh([i + 0.2 for i in y], p99, height=0.4, label="p99", color="#dd8452")
            ax.set_yticks(y)
            ax.set_yticklabels(names, fontsize=8)
            ax.invert_yaxis()
            ax.set_title(f"{wl}, concurrency {c}", fontsize=10)
            ax.set_xlabel("request latency, ms (lower is better)")
            ax.legend(fontsize=8)
        fig.suptitle(f"{model}: request latency p50 / p99", fontsize=11)
        fig.tight_layout()
        name = f"bench-{model}-latency.png"
        fig.savefig(img / name, dpi=110)
        plt.close(fig)
        written.append(name)
    return written


GRAPH_VARIANTS = {
    "export-torch": "ONNX graph from `torch.onnx.export` (opset 17), as `bench/gen_models.py` writes it",
    "export-optimum": "ONNX graph from `optimum-cli export onnx --task text-classification` (optimum-onnx 0.1.0)",
    "export-optimum-llm": "ONNX graph from `optimum-cli export onnx --task text-generation` (optimum-onnx 0.1.0): "
                          "logits over the whole vocabulary at every position, what Sift runs for an exported LLM reranker",
    "built": "the graph Sift builds from `model.safetensors`, default fusions (what `--weights safetensors` runs)",
}


def graphs_section(w, path: Path) -> None:
    """The built graph against the exported ones (bench/graphs.py), when that run has been made."""
    if not path.exists():
        return
    g = json.loads(path.read_text())
    w("## The graph built from safetensors against exported graphs")
    w("")
    w("Written by `bench/run --graphs` (`bench/graphs.py`; each table gives its run's date): Sift's Java API in-process, default "
      "engine options, one client, the same weights and requests for every variant; variants interleaved, "
      "median of the repetitions shown. Start-up is `SiftModel.open` (graph built or read, "
      "session created, warm-up); peak RSS is the runner process's `VmHWM`, and after load its resident memory "
      "is split into anonymous (Java heap, ONNX Runtime's buffers, its packed weights) and file-backed pages "
      "(the JVM's and native libraries' code, and for the built graph the memory-mapped safetensors, which the "
      "kernel shares with its page cache and may drop and re-read).")
    w("")
    for model, m in g["models"].items():
        w(f"**{model}**, {m['workload']}, {m['reps']} repetitions, run {m['date']}:"
          + (f" {m['note']}" if m.get("note") else ""))
        w("")
        base = "torch export" if m["base"] == "export-torch" else "optimum export"
        cpu = all("cpu_vs_base" in v for v in m["variants"].values())
        w(f"| graph | pairs/s | / {base} | spread |" + (f" CPU s per pair | / {base}, by CPU time |" if cpu else "")
          + " start-up s | peak RSS MB | after load: anon / file MB |")
        w("|---|---|---|---|" + ("---|---|" if cpu else "") + "---|---|---|")
        for name, v in m["variants"].items():
            label = GRAPH_VARIANTS.get(name) or ("built with fused operators: " + name[len("built-"):].replace("+", " + ")
                                                 .replace("none", "none (plain operators)"))
            w(f"| {label} | {v['pairs_per_s']:.2f} | {v['vs_base']:.3f} | {v['spread']:.0%} | "
              + (f"{v['cpu_s_per_pair']:.2f} | {v['cpu_vs_base']:.3f} | " if cpu else "")
              + f"{v['load_s']:.2f} | {v['peak_rss_mb']:.0f} | {v.get('rss_anon_mb', -1):.0f} / "
              f"{v.get('rss_file_mb', -1):.0f} |")
        w("")


def find(result, system, model, wl, c):
    for r in result["results"]:
        if (r["system"], r["model"], r["workload"], r["concurrency"]) == (system, model, wl, c):
            return r
    return None


def ratios_section(w, result) -> None:
    """The figures the performance work is judged by, each a ratio of two systems measured in this run."""
    pairs = [("sift-http", "sift-api", "Sift over HTTP / Sift in-process (same defaults, cache off)"),
             ("sift-http-built", "sift-http", "graph built from safetensors / exported ONNX graph (HTTP)"),
             ("sift-http-int8", "sift-http", "int8 / fp32 (HTTP)"),
             ("sift-http-cache", "sift-http", "result cache on (default) / off, on requests sent twice")]
    rows = []
    for a, b, what in pairs:
        for model, wl, c in cells(result):
            ra, rb = find(result, a, model, wl, c), find(result, b, model, wl, c)
            if ra and rb:
                rows.append((what, model, wl, c, ra["pairs_per_s"] / rb["pairs_per_s"],
                             rb["cpu_s_per_1k_pairs"] / ra["cpu_s_per_1k_pairs"], ra["spread_pct"], rb["spread_pct"]))
    if rows:
        w("## Ratios measured in this run")
        w("")
        w("Each ratio compares two systems on the same requests in this run (pairs/s, median of the repetitions), and "
          "the same by CPU time per pair, which other load on a shared machine disturbs less. Every system is "
          f"warmed for {result.get('warmup_s', 0):g} s of untimed requests of the same shape before it is timed.")
        w("")
        w("| ratio | model | workload | conc. | pairs/s ratio | by CPU per pair | spreads |")
        w("|---|---|---|---|---|---|---|")
        for what, model, wl, c, r, rc, sa, sb in rows:
            w(f"| {what} | `{model}` | {wl} | {c} | {r:.3f} | {rc:.3f} | {fmt(sa, 0)}% / {fmt(sb, 0)}% |")
        w("")
    for b in result.get("batch_settings", []):
        w(f"### Batch settings: `{b['model']}`, {b['workload']} (100 documents per request), {b['concurrency']} clients")
        w("")
        w(f"One server per setting, all warmed, then measured in turn for {b['rounds']} rounds of "
          f"{b['requests_per_round']} requests (alternating the order). The default measures its token budget "
          f"when the model loads; here it chose: `{b.get('default_budget')}`.")
        w("")
        w("| setting | flags | pairs/s (median) | / best | CPU ms per pair | best / this, by CPU | rows per batch | padding | pairs/s per round |")
        w("|---|---|---|---|---|---|---|---|---|")
        for name, c in b["configs"].items():
            w(f"| {name} | `{' '.join(c['flags']) or '(none)'}` | {fmt(c['median_pairs_per_s'])} | {c['over_best']:.3f} | "
              f"{fmt(c['median_cpu_ms_per_pair'])} | {c['over_best_by_cpu']:.3f} | {fmt(c.get('rows_per_batch'))} | "
              f"{fmt(c.get('padding_pct'))}% | " + ", ".join(fmt(x) for x in c["pairs_per_s"]) + " |")
        w("")


def write(result: dict, out: Path, img: Path) -> None:
    pngs = charts(result, img)
    m = result["machine"]
    v = result["versions"]
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w(f"Written by `bench/run{' --quick' if result['mode'] == 'quick' else ''}` on {result['generated_at']} "
      f"({result['mode']} mode, {result['duration_s'] / 60:.1f} min). Do not edit by hand: re-run the harness "
      "(see `bench/README.md` for the method and formulas).")
    w("")
    if result["mode"] == "quick":
        w("Quick mode: `minilm-l6-ce` only, and its msmarco requests carry the first 10 of the 100 documents "
          "(a 100-document request takes 10-20 s on this machine). `bench/run` without `--quick` runs the full "
          "workloads.")
        w("")
    w("## Machine and versions")
    w("")
    w(f"- CPU: {m['cpu_model']}, {m['cores_usable']} usable cores ({m['threads_per_core']} thread(s) per core), "
      f"SIMD: {', '.join(m['simd']) or 'none found'}; memory {m['memory_gib']} GiB; {m['os']}")
    pk = result["peak"]
    w(f"- Measured peak: {pk['gflops_best']:.1f} GFLOP/s fp32 (numpy {pk['blas']} SGEMM {pk['matrix']}x"
      f"{pk['matrix']}, best of {pk['repeats']} at the start and {pk['repeats']} at the end of the run, all cores; "
      f"other processes used {fmt(pk.get('other_cpu_cores_start'), 2)} / {fmt(pk.get('other_cpu_cores_end'), 2)} "
      "cores meanwhile)")
    busy = [r for r in result["results"] if (r.get("machine", {}).get("other_cpu_cores") or 0) > 0.25]
    if busy:
        w(f"- **Shared machine:** during {len(busy)} of {len(result['results'])} measurements other processes "
          "(not this benchmark) used more than a quarter of a core on average; the *other load* column "
          "says how much. Those figures are low by up to that share of the machine.")
    sv = v["sift"]
    w(f"- Sift: `{sv.get('commit', '')[:12] or sv.get('note')}`"
      f"{' (+' + str(sv['dirty_files']) + ' uncommitted files)' if sv.get('dirty_files') else ''}, ONNX Runtime "
      f"(Java) {sv['onnxruntime_java']}, DJL tokenizers {sv['djl_tokenizers']}; {v['java']}")
    pp = v["python_packages"]
    w("- Python: " + ", ".join(f"{k} {x}" for k, x in pp.items() if x) +
      f"; LangChain4j langchain4j-onnx-scoring {v['langchain4j_onnx_scoring']}")
    if "infinity" in v:
        w("- Infinity: " + ", ".join(f"{k} {x}" for k, x in v["infinity"].items()))
    w("")
    w("## Models and workloads")
    w("")
    w("| model | shape | non-embedding params | vocabulary |")
    w("|---|---|---|---|")
    for name, mm in result["models"].items():
        w(f"| `{name}` | {mm['layers']} layers, hidden {mm['hidden']}, {mm['heads']} heads, intermediate "
          f"{mm['intermediate']} | {mm['non_embedding_params'] / 1e6:.1f} M | {mm['vocab_size']:,} |")
    w("")
    w("Random weights at a fixed seed with the compute of `cross-encoder/ms-marco-MiniLM-L-6-v2` and "
      "`BAAI/bge-reranker-base`. `xlmr-base-ce` uses the small Unigram vocabulary of the test fixtures "
      "instead of bge-reranker-base's 250k: token counts per text differ a little, compute per token does not "
      "(workloads are defined in tokens). `bge-small-en-v1.5` is the model Sift serves by default, with its real "
      "weights: an embedding model, whose `/rerank` scores are the cosine of the query's and each document's "
      "embedding, so its pairs/s count documents embedded (each alone), and the cross-encoder peers do not run it.")
    w("")
    w("| model | workload | requests | docs/request | pair tokens mean (min-max) |")
    w("|---|---|---|---|---|")
    for model, wls in result["workloads"].items():
        for name, s in wls.items():
            w(f"| `{model}` | {name}: {s['description']} | {s['requests']} | {s['docs_per_request']} | "
              f"{s['pair_tokens_mean']:.0f} ({s['pair_tokens_min']}-{s['pair_tokens_max']}) |")
    w("")
    w("## Headline: Sift over HTTP against the ceiling and each peer")
    w("")
    w("Ratios of pairs/s (median of the repetitions). `Sift / ceiling` is the fraction of what ONNX Runtime "
      "alone reaches on the same graph with ideal length-sorted batches and only `session.run` timed; "
      "`Sift / X` above 1 means Sift is faster than X.")
    w("")
    peers = [s for s in ORDER if s != "sift-http" and any(s in h["sift_over"] for h in result["headline"])]
    w("| model | workload | conc. | Sift pairs/s | ceiling pairs/s | Sift / ceiling | "
      + " | ".join(f"Sift / {p}" for p in peers) + " |")
    w("|---|---|---|---|---|---|" + "---|" * len(peers))
    for h in result["headline"]:
        w(f"| `{h['model']}` | {h['workload']} | {h['concurrency']} | {fmt(h['sift_http_pairs_per_s'])} | "
          f"{fmt(h['ceiling_pairs_per_s'])} | {fmt(h['sift_over_ceiling'], 2)} | "
          + " | ".join(fmt(h["sift_over"].get(p), 2) for p in peers) + " |")
    w("")
    ratios_section(w, result)
    w("## All figures")
    w("")
    w("Each figure is the median of the repetitions; *spread* is (max - min) / median of pairs/s over them "
      "(this machine is shared, so read differences smaller than the spread as noise). Latencies are over every "
      "timed request of every repetition. CPU is the CPU time of the serving process (for in-process runners, "
      "the runner's process) per 1,000 pairs; for HTTP servers the load generator's own CPU is not included. "
      "*% peak* is useful FLOP/s (padding excluded) over the measured SGEMM peak.")
    w("")
    w("| model | workload | conc. | system | pairs/s | spread | p50 ms | p99 ms | CPU s / 1k pairs | peak RSS MB "
      "| useful tokens/s | % peak | timed requests | other load (cores) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model, wl, c in cells(result):
        for s in ORDER:
            for r in result["results"]:
                if (r["system"], r["model"], r["workload"], r["concurrency"]) == (s, model, wl, c):
                    w(f"| `{model}` | {wl} | {c} | {r['label']} | {fmt(r['pairs_per_s'])} | "
                      f"{fmt(r['spread_pct'], 0)}% | {fmt(r['latency_p50_ms'], 0)} | {fmt(r['latency_p99_ms'], 0)} | "
                      f"{fmt(r['cpu_s_per_1k_pairs'])} | {fmt(r['peak_rss_mb'], 0)} | "
                      f"{fmt(r['useful_tokens_per_s'], 0)} | {fmt(100 * r['fraction_of_peak'])}% | "
                      f"{r['requests_timed']} | {fmt(r.get('machine', {}).get('other_cpu_cores'), 2)} |")
    w("")
    w("Per-repetition pairs/s (the noise):")
    w("")
    w("| model | workload | conc. | system | pairs/s per repetition |")
    w("|---|---|---|---|---|")
    for model, wl, c in cells(result):
        for s in ORDER:
            for r in result["results"]:
                if (r["system"], r["model"], r["workload"], r["concurrency"]) == (s, model, wl, c):
                    w(f"| `{model}` | {wl} | {c} | {r['label']} | "
                      + ", ".join(fmt(x["pairs_per_s"]) for x in r["reps"]) + " |")
    w("")
    for p in pngs:
        w(f"![{p}](img/{p})")
        w("")
    if result["fidelity_int8"]:
        w("## int8 against fp32 (Sift over HTTP, msmarco)")
        w("")
        w("| model | requests compared | docs per request | same top-k set | mean Kendall tau | mean Spearman | max abs score diff "
          "| mean fp32 score range | pairs/s int8 / fp32 |")
        w("|---|---|---|---|---|---|---|---|---|")
        for model, f in result["fidelity_int8"].items():
            w(f"| `{model}` | {f['requests_compared']} | {f.get('docs_per_request')} | "
              f"{fmt(100 * f['same_top10_set_fraction'], 0)}% (k={f.get('top_k', 10)}) | "
              f"{fmt(f['kendall_tau_mean'], 3)} | {fmt(f['spearman_mean'], 3)} | {f['max_abs_score_diff']:.2g} | "
              f"{f['fp32_score_range_mean']:.2g} | {fmt(f.get('pairs_per_s_ratio_int8_over_fp32'), 2)} |")
        w("")
        w("The models have random weights, so their scores are close together and ranking agreement is a "
          "pessimistic stand-in for a trained reranker's; the speed ratio carries over.")
        w("")
    if result.get("overload"):
        o = result["overload"]
        w("## Overload")
        w("")
        w("Sift started with `--max-queued-tokens 1`: while one msmarco request runs, every other request must be "
          "refused at once with 429 and `Retry-After`, before it is tokenized. Latency as a client sees it on a "
          "persistent connection:")
        w("")
        w("| probes | refused | refusal p50 ms | refusal p99 ms | max ms | Retry-After |")
        w("|---|---|---|---|---|---|")
        w(f"| {o['sent']} | {o['refused']} | {o['refusal_p50_ms']:.2f} | {o['refusal_p99_ms']:.2f} | "
          f"{o['refusal_max_ms']:.2f} | {', '.join(o['retry_after_values'])} s |")
        w("")
    graphs_section(w, out.parent.parent / "bench" / "results" / "graphs.json")
    if result["not_run"] or result["failures"]:
        w("## What did not run")
        w("")
        for k, why in {**result["not_run"], **result["failures"]}.items():
            w(f"- **{k}**: {why.strip().splitlines()[-1][:600] if why.strip() else why}")
        w("")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(L) + "\n")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "results" / "latest.json"
    write(json.loads(path.read_text()), here.parent / "docs" / "benchmarks.md", here.parent / "docs" / "img")
