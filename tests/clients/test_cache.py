"""The result cache over the wire (issue 13, part 3), on the real ``./sift serve``: a repeated rerank runs nothing and
answers the same scores and usage, Milvus's batches of 32 for one query embed the query once, ``--cache-size`` sizes
the cache and 0 turns it off, and ``/metrics`` shows each.
"""

from __future__ import annotations

import requests

from conftest import CROSS_ENCODER, EMBEDDING, FRANCE_DOCS, FRANCE_QUERY, Server, ServerPool

BATCH = 32


def metric(server: Server, name: str) -> float:
    """The sum of a metric's samples on /metrics; a metric the server does not report is an error."""
    text = requests.get(server.url + "/metrics", timeout=30).text
    samples = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{")]
    assert samples, f"{name} is not in /metrics"
    return sum(samples)


def rerank(server: Server, documents: list[str], query: str = FRANCE_QUERY) -> dict:
    r = server.post("/rerank", {"query": query, "documents": documents})
    assert r.status_code == 200, r.text
    body = r.json()
    body.pop("id")  # one per request
    return body


def test_a_repeated_rerank_runs_nothing_and_answers_the_same_scores_and_usage(pool: ServerPool):
    server = pool.start("cache-1mib", CROSS_ENCODER, extra_args=["--cache-size", "1"])
    assert metric(server, "sift_cache_max_bytes") == 1 << 20
    documents = FRANCE_DOCS + FRANCE_DOCS[:2]  # two repeated inside the request: four distinct
    computed = metric(server, "sift_inputs_computed_total")
    first = rerank(server, documents)
    assert metric(server, "sift_inputs_computed_total") - computed == 4
    assert metric(server, "sift_cache_misses_total") == 4
    second = rerank(server, documents)
    assert metric(server, "sift_inputs_computed_total") - computed == 4, "the repeat ran the model"
    assert metric(server, "sift_cache_hits_total") == 4
    # JSON floats written from the same doubles: equal text, so equal to the bit.
    assert second == first
    assert first["usage"]["total_tokens"] > 0
    assert metric(server, "sift_cache_entries") == 4
    assert 0 < metric(server, "sift_cache_size_bytes") <= 1 << 20


def test_milvus_batches_of_32_for_one_query_embed_the_query_once(pool: ServerPool):
    server = pool.start("cache-embedding", EMBEDDING)
    documents = [f"document {i} about solar panels" for i in range(3 * BATCH)]
    computed = metric(server, "sift_inputs_computed_total")
    for start in range(0, len(documents), BATCH):
        rerank(server, documents[start:start + BATCH], query="how do solar panels work?")
    assert metric(server, "sift_inputs_computed_total") - computed == 3 * BATCH + 1
    assert metric(server, "sift_cache_hits_total") == 2, "the query of the second and third batches"
    # The same documents again, as a retry: nothing runs, and /v1/embeddings finds them too.
    for start in range(0, len(documents), BATCH):
        rerank(server, documents[start:start + BATCH], query="how do solar panels work?")
    r = server.post("/v1/embeddings", {"input": documents[:3]})
    assert r.status_code == 200, r.text
    assert metric(server, "sift_inputs_computed_total") - computed == 3 * BATCH + 1


def test_cache_size_0_turns_the_cache_off(pool: ServerPool):
    server = pool.start("cache-off", CROSS_ENCODER, extra_args=["--cache-size", "0"])
    computed = metric(server, "sift_inputs_computed_total")
    first = rerank(server, FRANCE_DOCS)
    second = rerank(server, FRANCE_DOCS)
    assert second == first
    assert metric(server, "sift_inputs_computed_total") - computed == 2 * len(FRANCE_DOCS)
    assert metric(server, "sift_cache_hits_total") == 0
    assert metric(server, "sift_cache_misses_total") == 0
    assert metric(server, "sift_cache_max_bytes") == 0
