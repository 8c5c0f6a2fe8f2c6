"""`sift eval` over the committed tiny dataset (testdata/eval/tiny), its figures recomputed independently.

The eval command prints NDCG@10, MRR@10, Recall@10 and Recall@100 and writes the reranked runs (--output); here the
same figures are computed again from those runs and the qrels, once by a small implementation of trec_eval's
definitions written for this test and once by pytrec_eval (trec_eval itself, from PyPI), and must agree within 1e-4.
The fixture models have random weights, so the figures are arbitrary, but deterministic.
"""

from __future__ import annotations

import json
import math
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import CROSS_ENCODER, MODELS, ROOT, Server

TINY = ROOT / "testdata" / "eval" / "tiny"
SECOND = MODELS / "distilbert-cross-encoder"
METRICS = ["NDCG@10", "MRR@10", "Recall@10", "Recall@100"]
TOLERANCE = 1e-4


def sift_eval(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["./sift", "eval", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as f:
        next(f)  # query-id corpus-id score
        for line in f:
            q, d, r = line.split("\t")
            qrels.setdefault(q, {})[d] = int(r)
    return qrels


def read_run(path: Path) -> dict[str, dict[str, float]]:
    run: dict[str, dict[str, float]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            q, _, d, _, score, _ = line.split()
            run.setdefault(q, {})[d] = float(score)
    return run


def ranked(docs: dict[str, float]) -> list[str]:
    """trec_eval's order: score descending, then document id descending."""
    return [d for d, _ in sorted(docs.items(), key=lambda x: (x[1], x[0]), reverse=True)]


def by_hand(qrels: dict[str, int], docs: dict[str, float]) -> dict[str, float]:
    ranking = ranked(docs)
    relevant = {d for d, r in qrels.items() if r > 0}
    dcg = sum(max(0, qrels.get(d, 0)) / math.log2(i + 2) for i, d in enumerate(ranking[:10]))
    ideal = sorted((r for r in qrels.values() if r > 0), reverse=True)[:10]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    first = next((i + 1 for i, d in enumerate(ranking[:10]) if d in relevant), None)
    return {
        "NDCG@10": dcg / idcg,
        "MRR@10": 1 / first if first else 0.0,
        "Recall@10": len(relevant & set(ranking[:10])) / len(relevant),
        "Recall@100": len(relevant & set(ranking[:100])) / len(relevant),
    }


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("eval")
    runs = [out / "first.trec", out / "second.trec"]
    plot = out / "eval.svg"
    p = sift_eval(str(CROSS_ENCODER), str(SECOND), "--queries", str(TINY / "queries.jsonl"),
                  "--corpus", str(TINY / "corpus.jsonl"), "--qrels", str(TINY / "qrels" / "test.tsv"),
                  "--candidates", str(TINY / "candidates.trec"), "--output", str(runs[0]), "--output", str(runs[1]),
                  "--plot", str(plot), "--json")
    assert p.returncode == 0, p.stderr
    table = sift_eval(str(CROSS_ENCODER), str(SECOND), "--queries", str(TINY / "queries.jsonl"),
                      "--corpus", str(TINY / "corpus.jsonl"), "--qrels", str(TINY / "qrels" / "test.tsv"),
                      "--candidates", str(TINY / "candidates.trec"))
    assert table.returncode == 0, table.stderr
    return {"json": json.loads(p.stdout), "stderr": p.stderr, "runs": runs, "plot": plot, "table": table.stdout}


def test_counts_and_progress(evaluated: dict):
    report = evaluated["json"]
    assert report["queries"] == 12 and report["skipped_without_qrels"] == 1 and report["pairs"] == 240
    assert "12 queries with judgments (1 without, skipped)" in evaluated["stderr"]
    assert "12/12 queries" in evaluated["stderr"]
    assert [m["model"] for m in report["models"]] == [str(CROSS_ENCODER), str(SECOND)]


def test_figures_agree_with_an_implementation_written_here(evaluated: dict):
    qrels = read_qrels(TINY / "qrels" / "test.tsv")
    for model, run_file in zip(evaluated["json"]["models"], evaluated["runs"]):
        run = read_run(run_file)
        assert sorted(run) == sorted(model["per_query"])
        per_query = {q: by_hand(qrels[q], docs) for q, docs in run.items()}
        for m in METRICS:
            for q, figures in per_query.items():
                assert figures[m] == pytest.approx(model["per_query"][q][m], abs=TOLERANCE), (model["model"], q, m)
            assert mean([f[m] for f in per_query.values()]) == pytest.approx(model["metrics"][m], abs=TOLERANCE)


def test_figures_agree_with_pytrec_eval(evaluated: dict):
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels = read_qrels(TINY / "qrels" / "test.tsv")
    measures = {"ndcg_cut_10": "NDCG@10", "recall_10": "Recall@10", "recall_100": "Recall@100"}
    for model, run_file in zip(evaluated["json"]["models"], evaluated["runs"]):
        results = pytrec_eval.RelevanceEvaluator(qrels, set(measures)).evaluate(read_run(run_file))
        assert len(results) == 12
        for measure, ours in measures.items():
            assert mean([r[measure] for r in results.values()]) == pytest.approx(model["metrics"][ours], abs=TOLERANCE)


def test_table_shows_both_models_and_their_difference(evaluated: dict):
    lines = evaluated["table"].splitlines()
    assert lines[0].split() == ["metric", str(CROSS_ENCODER), str(SECOND), "difference"]
    models = evaluated["json"]["models"]
    for line, m in zip(lines[1:], METRICS):
        name, first, second, diff = line.split()
        assert name == m
        assert float(first) == pytest.approx(models[0]["metrics"][m], abs=1e-4)
        assert float(second) == pytest.approx(models[1]["metrics"][m], abs=1e-4)
        assert float(diff) == pytest.approx(models[1]["metrics"][m] - models[0]["metrics"][m], abs=2e-4)


def test_run_reranks_the_candidates(evaluated: dict):
    candidates = read_run(TINY / "candidates.trec")
    for run_file in evaluated["runs"]:
        run = read_run(run_file)
        assert {q: set(d) for q, d in run.items()} == {q: set(d) for q, d in candidates.items()}


def test_run_scores_equal_the_server(evaluated: dict, cross: Server):
    corpus = {}
    with open(TINY / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            corpus[d["_id"]] = (d["title"] + " " + d["text"]) if d.get("title") else d["text"]
    queries = {}
    with open(TINY / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            queries[q["_id"]] = q["text"]
    run = read_run(evaluated["runs"][0])
    for q in ["q01", "q07"]:
        ids = list(run[q])
        # eval truncates a pair over the model's limit (48 tokens for this fixture), as truncate_prompt_tokens=-1 does.
        got = cross.score(queries[q], [corpus[d] for d in ids], truncate_prompt_tokens=-1)
        for d, s in zip(ids, got):
            assert s == pytest.approx(run[q][d], abs=1e-5), (q, d)


def test_plot_is_an_svg(evaluated: dict):
    root = ET.parse(evaluated["plot"]).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.find("{http://www.w3.org/2000/svg}title") is not None]
    assert len(bars) == 2 * len(METRICS)


def test_a_bad_qrels_line_is_named(tmp_path: Path):
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq01\td001\t2\nq01\td002\tvery\n", encoding="utf-8")
    p = sift_eval(str(CROSS_ENCODER), "--queries", str(TINY / "queries.jsonl"), "--corpus", str(TINY / "corpus.jsonl"),
                  "--qrels", str(qrels))
    assert p.returncode == 2
    assert f"{qrels} line 3: relevance 'very' is not a whole number" in p.stderr
    assert "Exception" not in p.stderr and "\tat " not in p.stderr
