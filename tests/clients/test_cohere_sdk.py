"""The Cohere Python SDK, unchanged, against Sift.

The SDK joins ``base_url`` and the route by plain concatenation (``f"{base_url}/{path}"``), so with
``base_url=SERVER_URL`` ``cohere.Client.rerank`` posts to ``/v1/rerank`` and ``cohere.ClientV2.rerank`` to
``/v2/rerank``. It sends ``Authorization: Bearer <api_key>`` on every call.
"""

from __future__ import annotations

import cohere
import pytest
from cohere.errors import NotFoundError, UnauthorizedError

from conftest import FRANCE_DOCS, FRANCE_QUERY, KEY, WRONG_KEY, Server


def v2_client(server: Server, key: str = KEY) -> cohere.ClientV2:
    return cohere.ClientV2(api_key=key, base_url=server.url, timeout=60, max_retries=0)


def v1_client(server: Server, key: str = KEY) -> cohere.Client:
    return cohere.Client(api_key=key, base_url=server.url, timeout=60, max_retries=0)


def assert_descending(scores: list[float]) -> None:
    assert scores == sorted(scores, reverse=True), scores


# -- v2 ------------------------------------------------------------------------------------------------

def test_v2_rerank_kserve_france_example(bundled: Server):
    co = v2_client(bundled)
    r = co.rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS, top_n=2)

    assert len(r.results) == 2
    assert r.results[0].index == 0, r.results
    assert_descending([x.relevance_score for x in r.results])
    assert len({x.index for x in r.results}) == 2
    assert r.meta is not None, "no meta in the /v2/rerank response"
    assert r.meta.billed_units is not None and r.meta.billed_units.search_units == 1, r.meta
    assert r.meta.api_version is not None and r.meta.api_version.version == "2", r.meta
    assert isinstance(r.id, str) and r.id


def test_v2_rerank_all_documents_scores_equal_score_api(bundled: Server):
    co = v2_client(bundled)
    r = co.rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS)

    assert sorted(x.index for x in r.results) == [0, 1, 2, 3], "top_n absent returns every document"
    assert_descending([x.relevance_score for x in r.results])
    expected = bundled.score(FRANCE_QUERY, FRANCE_DOCS)
    for x in r.results:
        assert x.relevance_score == pytest.approx(expected[x.index], abs=1e-6)
    # The v2 result type of this SDK declares no `document`; Sift's documents arrive as extra fields.
    for x in r.results:
        assert isinstance(x.document, dict) and x.document["text"] == FRANCE_DOCS[x.index], x


def test_v2_rerank_max_tokens_per_doc_is_accepted(bundled: Server):
    """ClientV2.rerank sends max_tokens_per_doc when given. Within the model's limit it is accepted, and
    the France documents being short, it changes nothing."""
    co = v2_client(bundled)
    plain = co.rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS)
    capped = co.rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS, max_tokens_per_doc=256)
    assert [x.index for x in capped.results] == [x.index for x in plain.results]
    for a, b in zip(plain.results, capped.results):
        assert b.relevance_score == pytest.approx(a.relevance_score, abs=1e-6)


def test_v2_rerank_max_tokens_per_doc_truncates_documents(bundled: Server):
    """A document cut to its first few tokens scores differently from the whole document."""
    co = v2_client(bundled)
    long_doc = "The weather in Berlin was cold. " * 3 + "Paris is the capital and most populous city of France."
    plain = co.rerank(model="reranker", query=FRANCE_QUERY, documents=[long_doc])
    capped = co.rerank(model="reranker", query=FRANCE_QUERY, documents=[long_doc], max_tokens_per_doc=8)
    assert abs(plain.results[0].relevance_score - capped.results[0].relevance_score) > 1e-3


def test_v2_sdk_sends_the_key(bundled: Server):
    with pytest.raises(UnauthorizedError) as e:
        v2_client(bundled, key=WRONG_KEY).rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS)
    assert e.value.status_code == 401
    assert e.value.body == {"error": "Unauthorized"}
    # ... and the right key is what makes the call above succeed (not an open server).
    assert v2_client(bundled).rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS[:1]).results


def test_v2_unknown_model_is_not_found(bundled: Server):
    with pytest.raises(NotFoundError) as e:
        v2_client(bundled).rerank(model="rerank-v3.5", query=FRANCE_QUERY, documents=FRANCE_DOCS)
    assert e.value.status_code == 404
    err = e.value.body["error"]
    assert set(err) >= {"message", "type", "param", "code"}, err
    assert err["code"] == 404


# -- v1 ------------------------------------------------------------------------------------------------

def test_v1_rerank_returns_documents(bundled: Server):
    co = v1_client(bundled)
    r = co.rerank(query=FRANCE_QUERY, documents=FRANCE_DOCS, top_n=2, return_documents=True)

    assert len(r.results) == 2
    assert r.results[0].index == 0
    assert_descending([x.relevance_score for x in r.results])
    for x in r.results:
        assert x.document is not None and x.document.text == FRANCE_DOCS[x.index]
    assert r.meta is not None and r.meta.api_version is not None and r.meta.api_version.version == "1", r.meta
    assert r.meta.billed_units is not None and r.meta.billed_units.search_units == 1, r.meta


def test_v1_rerank_with_model_and_without_documents(bundled: Server):
    co = v1_client(bundled)
    r = co.rerank(model="BAAI/bge-reranker-base", query=FRANCE_QUERY, documents=FRANCE_DOCS, return_documents=False)
    assert sorted(x.index for x in r.results) == [0, 1, 2, 3]
    assert r.results[0].index == 0
    assert all(x.document is None for x in r.results), r.results
    expected = bundled.score(FRANCE_QUERY, FRANCE_DOCS)
    for x in r.results:
        assert x.relevance_score == pytest.approx(expected[x.index], abs=1e-6)


def test_v1_rerank_dict_documents_come_back_with_their_fields(bundled: Server):
    docs = [{"text": t, "id": f"doc-{i}"} for i, t in enumerate(FRANCE_DOCS)]
    co = v1_client(bundled)
    r = co.rerank(query=FRANCE_QUERY, documents=docs, top_n=3, return_documents=True)

    assert len(r.results) == 3
    assert r.results[0].index == 0
    for x in r.results:
        assert x.document.text == FRANCE_DOCS[x.index]
        # Cohere v1: "all other fields will be preserved in the response".
        assert x.document.model_dump().get("id") == f"doc-{x.index}", x.document
    expected = bundled.score(FRANCE_QUERY, FRANCE_DOCS)
    for x in r.results:
        assert x.relevance_score == pytest.approx(expected[x.index], abs=1e-6)


def test_v1_rerank_rank_fields_text_is_the_default(bundled: Server):
    docs = [{"text": t, "title": "unrelated title"} for t in FRANCE_DOCS]
    co = v1_client(bundled)
    plain = co.rerank(query=FRANCE_QUERY, documents=FRANCE_DOCS)
    ranked = co.rerank(query=FRANCE_QUERY, documents=docs, rank_fields=["text"])
    assert [x.index for x in ranked.results] == [x.index for x in plain.results]
    for a, b in zip(plain.results, ranked.results):
        assert b.relevance_score == pytest.approx(a.relevance_score, abs=1e-6)


def test_v1_sdk_sends_the_key(bundled: Server):
    with pytest.raises(UnauthorizedError) as e:
        v1_client(bundled, key=WRONG_KEY).rerank(query=FRANCE_QUERY, documents=FRANCE_DOCS)
    assert e.value.status_code == 401
    assert e.value.body == {"error": "Unauthorized"}


def test_sdk_routes_and_headers(bundled: Server):
    """With base_url=SERVER_URL the SDKs call /v1/rerank (Client) and /v2/rerank (ClientV2), with
    Authorization: Bearer KEY, and Sift answers JSON on both."""
    v2 = v2_client(bundled).with_raw_response.rerank(model="reranker", query=FRANCE_QUERY, documents=FRANCE_DOCS[:2])
    v1 = v1_client(bundled).with_raw_response.rerank(query=FRANCE_QUERY, documents=FRANCE_DOCS[:2])
    for raw, path in ((v2, "/v2/rerank"), (v1, "/v1/rerank")):
        request = raw._response.request
        assert request.url.path == path
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert raw._response.status_code == 200
        assert raw._response.headers["content-type"].startswith("application/json")
        assert raw.data.results[0].index == 0
