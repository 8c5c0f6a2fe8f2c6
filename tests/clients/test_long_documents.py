"""Long-document chunking over the wire: Cohere v1's ``max_chunks_per_doc`` and ``--max-chunks-per-doc``.

A document over the model's length is scored as overlapping token windows (the best window's score), not
refused; a request's field wins over the server flag, and a bad value is a 400 naming the field.
"""

from __future__ import annotations

import pytest

from conftest import CROSS_ENCODER, Server, ServerPool

QUERY = "what is the capital of france"
LONG = "rivers and mountains are in the north. " * 20 + "paris is the capital of france. " + "the city has light. " * 20
SHORT = "paris is the capital of france"


@pytest.fixture(scope="module")
def plain(pool: ServerPool) -> Server:
    return pool.start("chunking-off", CROSS_ENCODER, served_names=["reranker"])


@pytest.fixture(scope="module")
def chunking(pool: ServerPool) -> Server:
    return pool.start("chunking-flag", CROSS_ENCODER, served_names=["reranker"], extra_args=["--max-chunks-per-doc", "4"])


def relevance(body: dict) -> dict[int, float]:
    return {r["index"]: r["relevance_score"] for r in body["results"]}


def test_a_long_document_is_refused_unless_chunked(plain: Server):
    refused = plain.post("/v1/rerank", {"query": QUERY, "documents": [LONG, SHORT]})
    assert refused.status_code == 400, refused.text
    chunked = plain.post("/v1/rerank", {"query": QUERY, "documents": [LONG, SHORT], "max_chunks_per_doc": 4})
    assert chunked.status_code == 200, chunked.text
    scores = relevance(chunked.json())
    # The short document is scored as without chunking.
    assert scores[1] == pytest.approx(plain.score(QUERY, [SHORT])[0], abs=1e-6)
    # Usage counts every window: more than one full-length input for the long document.
    one = plain.post("/v1/rerank", {"query": QUERY, "documents": [LONG], "max_chunks_per_doc": 1}).json()
    four = plain.post("/v1/rerank", {"query": QUERY, "documents": [LONG], "max_chunks_per_doc": 4}).json()
    assert four["usage"]["total_tokens"] > 3 * one["usage"]["total_tokens"]
    assert relevance(four)[0] >= relevance(one)[0] - 1e-9


def test_the_flag_is_the_default_and_the_field_wins(chunking: Server, plain: Server):
    by_flag = chunking.post("/v1/rerank", {"query": QUERY, "documents": [LONG]})
    assert by_flag.status_code == 200, by_flag.text
    asked = plain.post("/v1/rerank", {"query": QUERY, "documents": [LONG], "max_chunks_per_doc": 4}).json()
    assert relevance(by_flag.json())[0] == pytest.approx(relevance(asked)[0], abs=1e-6)
    assert by_flag.json()["usage"] == asked["usage"]
    one = chunking.post("/v2/rerank", {"query": QUERY, "documents": [LONG], "max_chunks_per_doc": 1}).json()
    assert one["usage"]["total_tokens"] < asked["usage"]["total_tokens"]


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True, [3]])
def test_a_bad_value_is_a_400_naming_the_field(plain: Server, bad):
    r = plain.post("/rerank", {"query": QUERY, "documents": [SHORT], "max_chunks_per_doc": bad})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == "max_chunks_per_doc"
    assert "max_chunks_per_doc" in error["message"]
