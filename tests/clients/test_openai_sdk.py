"""The OpenAI Python SDK's embeddings client, unchanged, against Sift's /v1/embeddings.

With no ``encoding_format`` the SDK asks the server for ``"base64"`` and decodes the strings itself as
little-endian float32; with ``encoding_format="float"`` it passes the JSON numbers through.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import openai
import pytest
from openai import OpenAI

from conftest import EMBEDDING, FRANCE_DOCS, FRANCE_QUERY, KEY, WRONG_KEY, Server, load_golden

GOLDEN = load_golden(EMBEDDING)
# Cases whose texts all fit the fixture's 40 tokens (b and c are over-long, e has an empty text).
CASES = [c for c in GOLDEN["cases"] if c["name"][0] in "adf"]
DIM = 32


def client(server: Server, key: str = KEY) -> OpenAI:
    return OpenAI(api_key=key, base_url=server.url + "/v1", timeout=60, max_retries=0)


def texts_and_golden(case: dict) -> tuple[list[str], list[list[float]]]:
    return [case["text_1"], *case["text_2"]], [case["embeddings"]["query"], *case["embeddings"]["documents"]]


def cosine(a: list[float], b: list[float]) -> float:
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a64 @ b64 / (np.linalg.norm(a64) * np.linalg.norm(b64)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_default_base64_embeddings_decode_to_golden(embed: Server, case: dict):
    texts, golden = texts_and_golden(case)
    raw = client(embed).embeddings.with_raw_response.create(model="bert-embedding", input=texts)

    sent = json.loads(raw.http_request.content)
    assert sent["encoding_format"] == "base64", "the SDK asks for base64 when no format is given"
    wire = raw.http_response.json()
    assert all(isinstance(d["embedding"], str) for d in wire["data"]), "base64 was asked for: strings expected"
    for d in wire["data"]:
        assert len(base64.b64decode(d["embedding"])) == 4 * DIM

    r = raw.parse()
    assert r.object == "list" and r.model == "bert-embedding"
    assert [d.index for d in r.data] == list(range(len(texts)))
    assert all(d.object == "embedding" for d in r.data)
    for d, want in zip(r.data, golden):
        assert len(d.embedding) == DIM
        assert math.sqrt(sum(x * x for x in d.embedding)) == pytest.approx(1.0, abs=1e-5)
        np.testing.assert_allclose(d.embedding, want, atol=1e-5)
    assert r.usage.prompt_tokens > 0 and r.usage.total_tokens == r.usage.prompt_tokens


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_float_and_base64_agree(embed: Server, case: dict):
    texts, _ = texts_and_golden(case)
    c = client(embed)
    as_b64 = c.embeddings.create(model="bert-embedding", input=texts)
    as_float = c.embeddings.create(model="bert-embedding", input=texts, encoding_format="float")
    assert [d.index for d in as_float.data] == list(range(len(texts)))
    for a, b in zip(as_b64.data, as_float.data):
        assert isinstance(b.embedding, list) and len(b.embedding) == DIM
        np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-6)
    assert as_b64.usage.prompt_tokens == as_float.usage.prompt_tokens


def test_explicit_base64_is_returned_as_sent(embed: Server):
    """With encoding_format="base64" given, the SDK leaves the strings alone: they must be little-endian
    float32 of the same vector as the float response."""
    c = client(embed)
    b64 = c.embeddings.create(model="bert-embedding", input="Solar panels.", encoding_format="base64")
    flt = c.embeddings.create(model="bert-embedding", input="Solar panels.", encoding_format="float")
    assert isinstance(b64.data[0].embedding, str)
    decoded = np.frombuffer(base64.b64decode(b64.data[0].embedding), dtype="<f4")
    np.testing.assert_allclose(decoded, flt.data[0].embedding, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_cosine_of_embeddings_equals_score_api(embed: Server, case: dict):
    texts, _ = texts_and_golden(case)
    r = client(embed).embeddings.create(model="bert-embedding", input=texts)
    q, docs = r.data[0].embedding, [d.embedding for d in r.data[1:]]
    scores = embed.score(case["text_1"], case["text_2"])
    for d, s in zip(docs, scores):
        assert cosine(q, d) == pytest.approx(s, abs=1e-6)
    for s, want in zip(scores, case["scores"]):
        assert s == pytest.approx(want, abs=1e-5)


def test_single_string_input(embed: Server):
    case = CASES[0]
    r = client(embed).embeddings.create(model="bert-embedding", input=case["text_1"], encoding_format="float")
    assert len(r.data) == 1 and r.data[0].index == 0
    np.testing.assert_allclose(r.data[0].embedding, case["embeddings"]["query"], atol=1e-5)


def test_models_list(embed: Server):
    ids = [m.id for m in client(embed).models.list()]
    assert ids[0] == "bert-embedding", ids


def test_wrong_key_is_authentication_error(embed: Server):
    with pytest.raises(openai.AuthenticationError) as e:
        client(embed, key=WRONG_KEY).embeddings.create(model="bert-embedding", input="hello")
    assert e.value.status_code == 401
    assert e.value.response.json() == {"error": "Unauthorized"}


def test_unknown_model_is_not_found(embed: Server):
    with pytest.raises(openai.NotFoundError) as e:
        client(embed).embeddings.create(model="text-embedding-3-small", input="hello")
    assert e.value.status_code == 404
    # The SDK hands the "error" member to the exception: vLLM's {"message", "type", "param", "code"}.
    assert set(e.value.body) >= {"message", "type", "param", "code"}, e.value.body
    assert e.value.response.json()["error"]["code"] == 404
    assert "text-embedding-3-small" in e.value.body["message"]


def test_bundled_model_embeddings(bundled: Server):
    c = client(bundled)
    r = c.embeddings.create(model="reranker", input=[FRANCE_QUERY, *FRANCE_DOCS])
    assert r.model == "reranker"
    assert all(len(d.embedding) == 384 for d in r.data)
    for d in r.data:
        assert math.sqrt(sum(x * x for x in d.embedding)) == pytest.approx(1.0, abs=1e-5)
    scores = bundled.score(FRANCE_QUERY, FRANCE_DOCS)
    for d, s in zip(r.data[1:], scores):
        assert cosine(r.data[0].embedding, d.embedding) == pytest.approx(s, abs=1e-6)
    assert max(range(4), key=lambda i: scores[i]) == 0
