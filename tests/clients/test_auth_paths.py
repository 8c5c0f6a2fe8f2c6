"""The API key on every model route, through every prefix (none, KServe's /openai, --root-path) and every spelling of
its path a client or an attacker might send: a trailing slash, a doubled slash, ``%2F``, dot segments
(``/openai/../rerank``), a query string (one carrying the key included), case, path parameters, NUL. Without the key
none of them is ever served; with it the canonical spellings are. The key never appears in the server's log, in
/metrics, or in any body.

Which routes are open is read from the server's own /openapi.json (``"security": []``): /health, /ping, /version,
/metrics, /openapi.json and the page (/ and /ui), the policy of tests/clients/test_auth.py and docs/configuration.md.
"""

from __future__ import annotations

import json

import pytest
import requests

from conftest import CROSS_ENCODER, Server, ServerPool
from wire import Raw, leaks, request_bytes

# Distinctive, so that a search of logs and bodies for it cannot match anything else.
SECRET = "sift-Leakcheck-7Qx9fZ2pW4"
ROOT_PATH = "/proxy"

BODIES = {
    "/score": {"text_1": "a", "text_2": ["b"]},
    "/v1/score": {"text_1": "a", "text_2": ["b"]},
    "/rerank": {"query": "a", "documents": ["b", "c"]},
    "/v1/rerank": {"query": "a", "documents": ["b", "c"]},
    "/v2/rerank": {"query": "a", "documents": ["b", "c"]},
    "/classify": {"input": ["a"]},
    "/pooling": {"input": "a"},
    "/tokenize": {"prompt": "a"},
    "/detokenize": {"tokens": [101]},
    "/invocations": {"query": "a", "documents": ["b"]},
}


@pytest.fixture(scope="module")
def keyed(pool: ServerPool) -> Server:
    return pool.start("auth-paths", CROSS_ENCODER, api_keys=[SECRET], served_names=["bert-cross-encoder"],
                      extra_args=["--root-path", ROOT_PATH])


@pytest.fixture(scope="module")
def protected(keyed: Server) -> list[tuple[str, str]]:
    """(method, path) of every operation the server's OpenAPI document says needs the key."""
    doc = requests.get(keyed.url + "/openapi.json", timeout=30).json()
    ops = []
    for path, item in doc["paths"].items():
        if "$ref" in item:
            item = doc["components"]["pathItems"][item["$ref"].rsplit("/", 1)[1]]
        for method, op in item.items():
            if op.get("security") != []:
                ops.append((method.upper(), path))
    assert ("POST", "/rerank") in ops and ("GET", "/v1/models") in ops, ops
    assert {p for _, p in ops} >= set(BODIES), ops
    return ops


def spellings(full: str) -> dict[str, str]:
    """The ways of writing one route's path; the first three are canonical and must be served with the key."""
    rest = full[1:]
    head, _, tail = rest.partition("/")
    return {
        "as-is": full,
        "trailing-slash": full + "/",
        "query-string": full + "?x=1&y=%2F",
        "query-string-key": full + f"?api_key={SECRET}&key={SECRET}",
        "double-leading-slash": "//" + rest,
        "double-inner-slash": ("/" + head + "//" + tail) if tail else full + "//",
        "encoded-slash": "/" + rest.replace("/", "%2F"),
        "encoded-leading-slash": "%2F" + rest,
        "leading-encoded-slash": "/%2F" + rest,
        "dot-dot": "/openai/../" + rest,
        "dot-dot-encoded": "/openai/%2e%2e/" + rest,
        "dot-dot-above-root": "/../" + rest,
        "dot": "/./" + rest,
        "upper-case": full.upper(),
        "path-parameter": full + ";jsessionid=1",
        "encoded-nul": full + "%00",
        "encoded-space": full + "%20",
        "backslash": "/" + rest.replace("/", "\\"),
        "absolute-form": "http://127.0.0.1" + full,
    }


CANONICAL = ("as-is", "trailing-slash", "query-string", "absolute-form")


def raw_call(server: Server, method: str, target: str, body: dict | None, key: str | None):
    h = {"Connection": "close"}
    if key:
        h["Authorization"] = f"Bearer {key}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    with Raw("127.0.0.1", server.port, timeout=30) as conn:
        conn.send(request_bytes(method, target, data, h))
        try:
            return conn.read_response(30)
        except ConnectionError:
            return None  # closed without an answer: not served


def test_no_spelling_of_a_model_route_is_served_without_the_key(keyed: Server, protected):
    seen: dict[str, dict[str, int]] = {}
    for method, path in protected:
        body = BODIES.get(path) if method == "POST" else None
        for prefix in ("", "/openai", ROOT_PATH):
            for name, target in spellings(prefix + path).items():
                for key in (None, "wrong-" + SECRET, SECRET[:-1]):
                    resp = raw_call(keyed, method, target, body, key)
                    what = f"{method} {target} key={key!r}"
                    if resp is None:
                        continue
                    assert not 200 <= resp.status < 300, f"{what}: served without the key: {resp.status} {resp.text[:200]}"
                    assert resp.status < 500, f"{what}: {resp.status} {resp.text[:200]}"
                    assert SECRET not in resp.text, f"{what}: the key is in the body"
                    assert not leaks(resp.text), f"{what}: {leaks(resp.text)}"
                with_key = raw_call(keyed, method, target, body, SECRET)
                status = with_key.status if with_key else 0
                seen.setdefault(name, {})[f"{method} {prefix}{path}"] = status
                if with_key is not None:
                    assert status < 500, f"{method} {target} with the key: {status} {with_key.text[:200]}"
                    assert SECRET not in with_key.text
                if name in CANONICAL:
                    assert status == 200, f"{method} {target} with the key: {status} {with_key.text[:200] if with_key else ''}"
    # What each spelling does with the key, one status for all routes where they agree (docs/reliability.md).
    summary = {name: sorted(set(by_route.values())) for name, by_route in seen.items()}
    print("\nspelling -> statuses with the key:", json.dumps(summary, indent=1))


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_other_methods_on_model_routes_are_not_served_without_the_key(keyed: Server, protected, method: str):
    for _, path in protected:
        for prefix in ("", "/openai"):
            resp = raw_call(keyed, method, prefix + path, None, None)
            if resp is None:
                continue
            assert not 200 <= resp.status < 300 or method == "GET" and resp.status == 401, \
                f"{method} {prefix}{path}: {resp.status} {resp.text[:200]}"
            assert resp.status < 500, f"{method} {prefix}{path}: {resp.status}"
            assert not leaks(resp.text)


def test_open_routes_stay_open_and_model_routes_are_all_guarded(keyed: Server, protected):
    open_paths = ("/health", "/ping", "/version", "/metrics", "/openapi.json", "/", "/ui")
    for path in open_paths:
        for prefix in ("", "/openai", ROOT_PATH):
            r = requests.get(keyed.url + prefix + path, timeout=30)
            assert r.status_code == 200, f"{prefix}{path}: {r.status_code}"
    opened = [p for m, p in protected if p in open_paths]
    assert not opened, opened


def test_the_key_is_never_in_logs_metrics_or_bodies(keyed: Server, protected):
    # Make the server log and count: refusals, wrong keys that contain the key, errors with the key, successes.
    for method, path in protected:
        body = BODIES.get(path) if method == "POST" else None
        for key in (SECRET, "x" + SECRET, SECRET + "x", f"{SECRET} {SECRET}"):
            r = requests.request(method, keyed.url + path, json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {key}", "X-Api-Key": SECRET})
            assert SECRET not in r.text, f"{method} {path} key {key!r}: {r.text[:200]}"
        bad = requests.post(keyed.url + path, data=b'{"broken', timeout=30,
                            headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"})
        assert SECRET not in bad.text
    r = requests.post(keyed.url + "/rerank", json={"query": SECRET[:3], "documents": 5},
                      headers={"Authorization": f"Bearer {SECRET}"}, timeout=30)
    assert SECRET not in r.text
    metrics = requests.get(keyed.url + "/metrics", timeout=30).text
    assert "sift_http_requests_seconds" in metrics
    assert SECRET not in metrics
    # The first line of the log is the test's own record of the command line; everything after it is the server's.
    log = keyed.log_path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[1]
    assert "API key required" in log
    assert SECRET not in log, [line for line in log.splitlines() if SECRET in line][:5]
