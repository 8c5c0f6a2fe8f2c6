"""API keys: --api-key (repeatable), SIFT_API_KEY and VLLM_API_KEY all guard every model route.

Without the right ``Authorization: Bearer KEY`` a model route answers 401 ``{"error": "Unauthorized"}``
(vLLM's answer); /health, /ping and /metrics stay open.
"""

from __future__ import annotations

import pytest
import requests

from conftest import FRANCE_DOCS, FRANCE_QUERY, KEY, KEY2, WRONG_KEY, Server

RERANK = {"query": FRANCE_QUERY, "documents": FRANCE_DOCS[:2]}
SCORE = {"text_1": FRANCE_QUERY, "text_2": FRANCE_DOCS[:2]}
TEI = {"query": FRANCE_QUERY, "texts": FRANCE_DOCS[:2]}
EMBED = {"input": FRANCE_DOCS[:2]}

# (method, path, body) for every model route; embeddings only where an embedding model is served.
ROUTES = [
    ("POST", "/rerank", RERANK),
    ("POST", "/v1/rerank", RERANK),
    ("POST", "/v2/rerank", RERANK),
    ("POST", "/openai/v1/rerank", RERANK),
    ("POST", "/rerank", TEI),
    ("POST", "/score", SCORE),
    ("POST", "/v1/score", SCORE),
    ("GET", "/v1/models", None),
    ("POST", "/invocations", RERANK),
]
EMBED_ROUTES = [("POST", "/v1/embeddings", EMBED), ("POST", "/invocations", EMBED)]

# Which server, keyed how: --api-key (bundled, cross), VLLM_API_KEY (embed), SIFT_API_KEY (cross_env_key).
SERVERS = {
    "bundled": ROUTES + EMBED_ROUTES,
    "cross": ROUTES,
    "embed": ROUTES + EMBED_ROUTES,
    "cross_env_key": ROUTES,
}
CASES = [(s, m, p, b) for s, routes in SERVERS.items() for (m, p, b) in routes]


def case_id(c) -> str:
    server, method, path, body = c
    kind = "tei" if body is TEI else ("embed" if body is EMBED else "")
    return f"{server}-{method}{path}" + (f"-{kind}" if kind else "")


def call(server: Server, method: str, path: str, body, headers: dict[str, str]) -> requests.Response:
    return requests.request(method, server.url + path, json=body, headers=headers, timeout=60)


@pytest.fixture
def server(request) -> Server:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("server,method,path,body", CASES, ids=[case_id(c) for c in CASES], indirect=["server"])
def test_model_routes_need_the_key(server: Server, method: str, path: str, body):
    missing = call(server, method, path, body, {})
    assert missing.status_code == 401, f"no header: {missing.status_code} {missing.text}"
    assert missing.json() == {"error": "Unauthorized"}

    wrong = call(server, method, path, body, {"Authorization": f"Bearer {WRONG_KEY}"})
    assert wrong.status_code == 401, f"wrong key: {wrong.status_code} {wrong.text}"
    assert wrong.json() == {"error": "Unauthorized"}

    not_bearer = call(server, method, path, body, {"Authorization": KEY})
    assert not_bearer.status_code == 401, f"key without scheme: {not_bearer.status_code} {not_bearer.text}"

    ok = call(server, method, path, body, {"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200, f"right key: {ok.status_code} {ok.text}"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_scheme_is_case_insensitive(cross: Server, scheme: str):
    r = call(cross, "POST", "/rerank", RERANK, {"Authorization": f"{scheme} {KEY}"})
    assert r.status_code == 200, r.text


def test_every_repeated_api_key_is_accepted(cross: Server):
    for key in (KEY, KEY2):
        r = call(cross, "POST", "/score", SCORE, {"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, f"{key}: {r.status_code} {r.text}"


@pytest.mark.parametrize("server", list(SERVERS), indirect=True)
@pytest.mark.parametrize("path", ["/health", "/ping"])
def test_probes_stay_open(server: Server, path: str):
    r = requests.get(server.url + path, timeout=60)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"


@pytest.mark.parametrize("server", list(SERVERS), indirect=True)
def test_metrics_is_not_guarded(server: Server):
    r = requests.get(server.url + "/metrics", timeout=60)
    assert r.status_code != 401, r.text


def test_open_server_needs_no_key(bundled_open: Server):
    r = requests.post(bundled_open.url + "/rerank", json=RERANK, timeout=60)
    assert r.status_code == 200, r.text
