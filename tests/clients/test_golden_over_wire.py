"""Golden scores of the cross-encoder fixture (computed by sentence-transformers) over the wire."""

from __future__ import annotations

import pytest

from conftest import CROSS_ENCODER, Server, load_golden

GOLDEN = load_golden(CROSS_ENCODER)
CASES = GOLDEN["cases"]


def by_index(items: list[dict], score_key: str) -> dict[int, float]:
    out: dict[int, float] = {}
    for x in items:
        assert x["index"] not in out, f"index {x['index']} twice"
        out[x["index"]] = x[score_key]
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
@pytest.mark.parametrize("path", ["/rerank", "/v1/rerank", "/v2/rerank"])
def test_rerank_scores_equal_golden(cross: Server, case: dict, path: str):
    r = cross.post(path, {"model": "bert-cross-encoder", "query": case["text_1"], "documents": case["text_2"],
                          "truncate_prompt_tokens": -1})
    assert r.status_code == 200, r.text
    body = r.json()
    got = by_index(body["results"], "relevance_score")
    assert sorted(got) == list(range(len(case["text_2"])))
    for i, want in enumerate(case["scores"]):
        assert got[i] == pytest.approx(want, abs=1e-5), f"document {i}"
    scores = [x["relevance_score"] for x in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert body["usage"]["prompt_tokens"] == sum(case["tokens"]), body["usage"]
    assert body["usage"]["total_tokens"] == sum(case["tokens"]), body["usage"]
    assert body["meta"]["api_version"]["version"] == ("2" if path == "/v2/rerank" else "1"), body.get("meta")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_tei_raw_scores_equal_golden(cross: Server, case: dict):
    r = cross.post("/rerank", {"query": case["text_1"], "texts": case["text_2"], "raw_scores": True,
                               "truncate": True, "return_text": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, list), body
    got = by_index(body, "score")
    assert sorted(got) == list(range(len(case["text_2"])))
    for i, want in enumerate(case["raw_scores"]):
        assert got[i] == pytest.approx(want, abs=1e-5), f"document {i}"
    for x in body:
        assert x["text"] == case["text_2"][x["index"]]
    scores = [x["score"] for x in body]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_tei_scores_equal_golden(cross: Server, case: dict):
    r = cross.post("/rerank", {"query": case["text_1"], "texts": case["text_2"], "truncate": True})
    assert r.status_code == 200, r.text
    got = by_index(r.json(), "score")
    for i, want in enumerate(case["scores"]):
        assert got[i] == pytest.approx(want, abs=1e-5), f"document {i}"


def test_over_long_without_truncation_is_a_vllm_400(cross: Server):
    case = next(c for c in CASES if c["name"].startswith("c_"))
    r = cross.post("/rerank", {"query": case["text_1"], "documents": case["text_2"]})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert set(err) >= {"message", "type", "param", "code"}, err
    assert err["code"] == 400
