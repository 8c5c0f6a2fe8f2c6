"""Milvus's model rankers (vLLM, TEI and Cohere providers), replayed request for request.

What Milvus (internal/util/function/models/{vllm,tei,cohere}) sends, in sequential batches:
- vLLM: POST {endpoint}/rerank {"query", "documents": [...], + params such as "truncate_prompt_tokens"}
  with "Content-Type: application/json" and "Authorization: Bearer KEY"; reads results[].index and
  relevance_score and sorts them back by index.
- TEI: POST {endpoint}/rerank {"query", "texts": [...], "truncate", "truncation_direction"}; reads a bare
  array of {"index", "score"}.
- Cohere: POST {url} {"model", "query", "documents"} with "accept: application/json" and
  "Authorization: bearer KEY" (lowercase); reads results[].index/relevance_score and meta.
Each document must get exactly one score, equal to what /score gives the same pair.
"""

from __future__ import annotations

import pytest
import requests

from conftest import KEY, Server

BATCH = 32
QUERY = "how do solar panels make electricity?"

_SUBJECTS = ["Solar panels", "Wind turbines", "The recipe", "Silicon cells", "A river dam", "The museum",
             "Photovoltaic modules", "The train station", "Coal plants", "A heat pump"]
_PREDICATES = ["convert sunlight into power.", "need two cups of flour.", "release electrons in light.",
               "open at nine every day.", "store energy for the night.", "are cleaned twice a year.",
               "turn motion into electricity.", "burn fuel to boil water.", "face south on most roofs.",
               "were built in the last century."]
# 100 short documents (all fit the fixture's 48 tokens with the query), in a fixed order.
SHORT_DOCS = [f"{_SUBJECTS[i % 10]} {_PREDICATES[(i * 7 + i // 10) % 10]} ({i})" for i in range(100)]
# The same, with every fifth document far over the limit, so that truncation matters.
LONG_DOCS = [d if i % 5 else " ".join([d] * 8) for i, d in enumerate(SHORT_DOCS)]


def milvus_headers(scheme: str = "Bearer") -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"{scheme} {KEY}"}


def batched_rerank(server: Server, path: str, docs: list[str], make_body, read_results, headers) -> list[float]:
    """Milvus's loop: sequential batches of 32, scores mapped back through each result's index."""
    scores: list[float | None] = [None] * len(docs)
    for start in range(0, len(docs), BATCH):
        chunk = docs[start:start + BATCH]
        r = requests.post(server.url + path, json=make_body(chunk), headers=headers, timeout=60)
        assert r.status_code == 200, f"batch at {start}: {r.status_code} {r.text}"
        results = read_results(r.json())
        assert len(results) == len(chunk), f"batch at {start}: {len(results)} results for {len(chunk)} documents"
        for index, score in results:
            assert 0 <= index < len(chunk), index
            assert scores[start + index] is None, f"document {start + index} scored twice"
            scores[start + index] = score
    assert all(s is not None for s in scores)
    return scores  # type: ignore[return-value]


def vllm_results(body: dict) -> list[tuple[int, float]]:
    return [(x["index"], x["relevance_score"]) for x in body["results"]]


def tei_results(body: list) -> list[tuple[int, float]]:
    assert isinstance(body, list), f"TEI answers a bare array, got {type(body).__name__}"
    return [(x["index"], x["score"]) for x in body]


def assert_scores_equal(got: list[float], want: list[float]) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == pytest.approx(w, abs=1e-6), f"document {i}: {g} != {w}"


def test_vllm_provider_batches(cross: Server):
    scores = batched_rerank(cross, "/rerank", SHORT_DOCS,
                            lambda chunk: {"query": QUERY, "documents": chunk},
                            vllm_results, milvus_headers())
    assert_scores_equal(scores, cross.score(QUERY, SHORT_DOCS))


def test_vllm_provider_batches_with_truncate_prompt_tokens(cross: Server):
    params = {"truncate_prompt_tokens": 32}
    scores = batched_rerank(cross, "/rerank", LONG_DOCS,
                            lambda chunk: {"query": QUERY, "documents": chunk, **params},
                            vllm_results, milvus_headers())
    assert_scores_equal(scores, cross.score(QUERY, LONG_DOCS, **params))
    # Truncation changed the long documents' scores (they are not the short ones' scores).
    assert any(abs(a - b) > 1e-4 for a, b in zip(scores[::5], cross.score(QUERY, SHORT_DOCS)[::5]))


def test_vllm_provider_results_sorted_by_score(cross: Server):
    """Milvus re-sorts by index, but a vLLM /rerank answer itself is sorted by score, best first."""
    r = cross.post("/rerank", {"query": QUERY, "documents": SHORT_DOCS[:BATCH]}, headers=milvus_headers())
    assert r.status_code == 200, r.text
    scores = [x["relevance_score"] for x in r.json()["results"]]
    assert scores == sorted(scores, reverse=True)


def test_tei_provider_batches(cross: Server):
    scores = batched_rerank(cross, "/rerank", LONG_DOCS,
                            lambda chunk: {"query": QUERY, "texts": chunk, "truncate": True,
                                           "truncation_direction": "Right"},
                            tei_results, milvus_headers())
    assert_scores_equal(scores, cross.score(QUERY, LONG_DOCS, truncate_prompt_tokens=-1))


def test_tei_provider_without_truncation_fields(cross: Server):
    """Milvus's defaults send no truncate fields at all."""
    scores = batched_rerank(cross, "/rerank", SHORT_DOCS,
                            lambda chunk: {"query": QUERY, "texts": chunk},
                            tei_results, milvus_headers())
    assert_scores_equal(scores, cross.score(QUERY, SHORT_DOCS))


def test_tei_answer_is_sorted_by_score(cross: Server):
    r = cross.post("/rerank", {"query": QUERY, "texts": SHORT_DOCS[:10]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, list) and sorted(x["index"] for x in body) == list(range(10))
    scores = [x["score"] for x in body]
    assert scores == sorted(scores, reverse=True)
    assert all("text" not in x for x in body), "return_text defaults to false"
    with_text = cross.post("/rerank", {"query": QUERY, "texts": SHORT_DOCS[:10], "return_text": True}).json()
    assert all(x["text"] == SHORT_DOCS[x["index"]] for x in with_text), with_text


@pytest.mark.parametrize("direction", ["right", "Right", "left", "Left"])
def test_tei_truncation_direction_spellings(cross: Server, direction: str):
    r = cross.post("/rerank", {"query": QUERY, "texts": LONG_DOCS[:10], "truncate": True,
                               "truncation_direction": direction})
    assert r.status_code == 200, r.text
    assert sorted(x["index"] for x in r.json()) == list(range(10))
    if direction.lower() == "right":
        got = {x["index"]: x["score"] for x in r.json()}
        assert_scores_equal([got[i] for i in range(10)], cross.score(QUERY, LONG_DOCS[:10], truncate_prompt_tokens=-1))


def test_tei_empty_texts_is_an_empty_error(cross: Server):
    r = cross.post("/rerank", {"query": QUERY, "texts": []})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error_type"] == "Empty", body
    assert isinstance(body["error"], str) and body["error"]


def test_cohere_provider_lowercase_bearer_v2(cross: Server):
    headers = {"accept": "application/json", "Content-Type": "application/json", "Authorization": f"bearer {KEY}"}

    def read(body: dict) -> list[tuple[int, float]]:
        assert body["meta"]["api_version"]["version"] == "2", body.get("meta")
        assert body["meta"]["billed_units"]["search_units"] == 1, body.get("meta")
        assert isinstance(body["id"], str)
        return vllm_results(body)

    scores = batched_rerank(cross, "/v2/rerank", SHORT_DOCS,
                            lambda chunk: {"model": "bert-cross-encoder", "query": QUERY, "documents": chunk},
                            read, headers)
    assert_scores_equal(scores, cross.score(QUERY, SHORT_DOCS))
