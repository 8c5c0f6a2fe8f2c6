"""Hostile request bodies against every scoring route, over a raw socket: each is refused with a 4xx in the route's
own error shape (413 past the size limit), promptly, with no stack trace or class name in the body, and the server
stays healthy.

The cases: invalid JSON, bodies that are not objects, arrays and objects nested 100,000 levels deep, huge, negative
and fractional numbers for ``top_n`` and the token fields, NaN and Infinity, a wrong type for every field, 100,000
empty documents, invalid UTF-8, lone surrogates, NUL bytes, duplicate keys, wrong Content-Types, chunked bodies
(within and over the limit, and malformed), ``Expect: 100-continue``, and bodies cut short.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from conftest import KEY, Server
from wire import Raw, chunked, leaks, request_bytes

ANSWER_WITHIN_S = 20.0  # no hostile body may keep a request waiting longer than this

QUERY = "What is the capital of France?"
DOCS = ["Paris is the capital of France.", "Berlin is the capital of Germany."]

RERANK = {"query": QUERY, "documents": DOCS, "top_n": 1}
TEI = {"query": QUERY, "texts": DOCS, "raw_scores": False, "return_text": True}
SCORE = {"text_1": QUERY, "text_2": DOCS}
QUERIES = {"queries": QUERY, "documents": DOCS, "truncate_prompt_tokens": -1}
EMBED = {"input": DOCS, "encoding_format": "float"}
CLASSIFY = {"input": DOCS}
POOLING = {"input": DOCS[0]}
TOKENIZE = {"prompt": QUERY, "add_special_tokens": True, "return_token_strs": True}
DETOKENIZE = {"tokens": [101, 102]}


# (path, a valid body, the error shape: "vllm" or "tei"); the fields each body has are what the wrong-type cases vary.
CROSS_ROUTES = [
    ("/score", SCORE, "vllm"),
    ("/v1/score", QUERIES, "vllm"),
    ("/openai/v1/score", SCORE, "vllm"),
    ("/rerank", RERANK, "vllm"),
    ("/v1/rerank", RERANK, "vllm"),
    ("/v2/rerank", RERANK, "vllm"),
    ("/openai/v1/rerank", RERANK, "vllm"),
    ("/rerank", TEI, "tei"),
    ("/classify", CLASSIFY, "vllm"),
    ("/pooling", POOLING, "vllm"),
    ("/tokenize", TOKENIZE, "vllm"),
    ("/detokenize", DETOKENIZE, "vllm"),
    ("/invocations", RERANK, "vllm"),
    ("/invocations", TEI, "tei"),
]
EMBED_ROUTES = [
    ("/v1/embeddings", EMBED, "vllm"),
    ("/openai/v1/embeddings", EMBED, "vllm"),
    ("/pooling", POOLING, "vllm"),
    ("/score", SCORE, "vllm"),
    ("/rerank", RERANK, "vllm"),
    ("/invocations", EMBED, "vllm"),
]


def body_of(route_body: dict, **changes) -> bytes:
    b = dict(route_body)
    b.update(changes)
    return json.dumps(b).encode()


def main_text_field(body: dict) -> str:
    for f in ("query", "text_1", "queries", "input", "prompt"):
        if f in body:
            return f
    return next(iter(body))


def list_field(body: dict) -> str:
    for f in ("documents", "texts", "text_2", "input", "tokens"):
        if f in body:
            return f
    return main_text_field(body)


# -- the cases: (name, body bytes, extra headers, whether the body still parses as a JSON object) -------------------

def parse_level_cases(body: dict) -> list[tuple[str, bytes]]:
    """Bodies the JSON parser itself refuses: the vLLM shape on every route (the TEI shape needs a parsed body)."""
    valid = json.dumps(body)
    text_field = main_text_field(body)
    deep = 100_000
    return [
        ("truncated", valid[:-5].encode()),
        ("garbage", b"this is not json"),
        ("trailing-comma", valid[:-1].encode() + b",}"),
        ("single-quotes", valid.replace('"', "'").encode()),
        ("empty", b""),
        ("array-body", b"[1, 2, 3]"),
        ("string-body", b'"rerank this"'),
        ("null-body", b"null"),
        ("number-body", b"42"),
        ("deep-array", b'{"' + text_field.encode() + b'": ' + b"[" * deep + b"]" * deep + b"}"),
        ("deep-object", b'{"x": ' + b'{"a": ' * deep + b"1" + b"}" * deep + b"}"),
        ("deep-array-unclosed", b"[" * deep),
        ("nan", valid[:-1].encode() + b', "top_n": NaN}'),
        ("infinity", valid[:-1].encode() + b', "top_n": Infinity}'),
        ("minus-infinity", valid[:-1].encode() + b', "truncate_prompt_tokens": -Infinity}'),
        ("number-2000-digits", valid[:-1].encode() + b', "top_n": ' + b"9" * 2000 + b"}"),
        ("duplicate-key", valid[:-1].encode() + b', "' + text_field.encode() + b'": "again"}'),
        ("invalid-utf8", valid[:-1].encode() + b', "zz": "caf\xff\xfe"}'),
        ("invalid-utf8-start", valid[:-1].encode() + b', "zz": "\xc3\x28"}'),
        ("overlong-utf8", valid[:-1].encode() + b', "zz": "\xc0\xaf"}'),
        ("utf8-encoded-surrogate", valid[:-1].encode() + b', "zz": "\xed\xa0\x80"}'),
        ("lone-high-surrogate", valid[:-1].encode() + b', "' + text_field.encode() + b'x": "\\ud800"}'),
        ("lone-surrogate-in-text", json.dumps({**body, text_field: "a\ud800b"}).encode()),
        ("lone-low-surrogate-key", valid[:-1].encode() + b', "\\udc00": 1}'),
        ("raw-nul-byte", valid[:-1].encode() + b', "zz": "a\x00b"}'),
        ("raw-control-char", valid[:-1].encode() + b', "zz": "a\x01\nb"}'),
    ]


# Values of every JSON type but the right one are tried in each field; some may be accepted (null means "default").
WRONG_VALUES = [None, True, False, 0, -1, 1.5, -(10 ** 30), 10 ** 30, 1e308, "", "x", [], [None], [1], [[]], {}, {"a": 1},
                [{"text": 1}], ["a", 2]]


def field_cases(body: dict) -> list[tuple[str, bytes]]:
    """Bodies that parse but whose fields are wrong: the route's own shape."""
    cases = []
    for field in body:
        for i, value in enumerate(WRONG_VALUES):
            if value == body[field]:
                continue
            cases.append((f"{field}={json.dumps(value)[:20]}#{i}", body_of(body, **{field: value})))
    numbers = {
        "top_n": [10 ** 400, -(10 ** 400), 2 ** 31, -(2 ** 31) - 1, 2 ** 63, 1e300, -1e300, 0.5, -0.0, 1e-300],
        "truncate_prompt_tokens": [10 ** 30, -2, -(10 ** 30), 2 ** 31, 0, 1e9, 100000, 0.5],
        "max_tokens_per_doc": [-1, 10 ** 30, 2 ** 31, 100000, 1.5],
        "max_tokens_per_query": [-1, 10 ** 30, 100000],
        "tokens": [[-1], [10 ** 30], [2 ** 63], [1.5], [10 ** 9]],
    }
    for field, values in numbers.items():
        for value in values:
            raw = body_of(body, **{field: 0}).replace(f'"{field}": 0'.encode(), f'"{field}": {json.dumps(value)}'.encode()) \
                if not isinstance(value, list) else body_of(body, **{field: value})
            cases.append((f"{field}={value!r:.20}", raw))
    lf = list_field(body)
    cases.append(("100k-empty-documents", body_of(body, **{lf: [""] * 100_000})))
    cases.append(("100k-empty-strings-texts", body_of(body, texts=[""] * 100_000)))
    cases.append(("all-nul-text", body_of(body, **{main_text_field(body): "\u0000" * 1000})))
    cases.append(("missing-everything", b"{}"))
    cases.append(("unknown-fields-only", b'{"zzz": 1, "model": null}'))
    cases.append(("model-wrong-type", body_of(body, model=["a"])))
    cases.append(("model-unknown", body_of(body, model="no-such-model")))
    return cases


def shape_of(path: str, parsed) -> str:
    """TEI's shape for a parsed body with "texts" on a rerank route (or SageMaker's), as the server tells them."""
    tei = isinstance(parsed, dict) and "texts" in parsed and (path.endswith("/rerank") or path == "/invocations")
    return "tei" if tei else "vllm"


def routes_for(server_name: str):
    return CROSS_ROUTES if server_name == "cross" else EMBED_ROUTES


# -- the checks ---------------------------------------------------------------------------------------------------

def check_clean(resp, what: str) -> None:
    assert resp.status < 500, f"{what}: {resp.status} {resp.text[:500]}"
    assert not leaks(resp.text), f"{what}: body leaks internals: {leaks(resp.text)} in {resp.text[:500]}"


def check_shape(resp, shape: str, what: str) -> None:
    """A refusal in the route's own shape: vLLM's {"error": {message, type, param, code}}, or TEI's."""
    try:
        body = resp.json()
    except ValueError:
        pytest.fail(f"{what}: {resp.status} with a body that is not JSON: {resp.text[:300]!r}")
    if resp.status == 401:
        assert body == {"error": "Unauthorized"}, f"{what}: {body}"
        return
    if resp.status == 404 and body == {"detail": "Not Found"}:
        return
    if shape == "tei":
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("error_type"), str), \
            f"{what}: not TEI's error shape: {body}"
    else:
        err = body.get("error") if isinstance(body, dict) else None
        assert isinstance(err, dict), f"{what}: not vLLM's error shape: {body}"
        assert set(err) == {"message", "type", "param", "code"}, f"{what}: {err}"
        assert isinstance(err["message"], str) and err["message"], f"{what}: {err}"
        assert err["code"] == resp.status, f"{what}: code {err['code']} for status {resp.status}"


def send(server: Server, path: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = ANSWER_WITHIN_S):
    h = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}", "Connection": "close"}
    h.update(headers or {})
    start = time.monotonic()
    with Raw("127.0.0.1", server.port, timeout=timeout) as conn:
        conn.send(request_bytes("POST", path, body, h))
        resp = conn.read_response(timeout)
    resp.elapsed = time.monotonic() - start
    return resp


@pytest.fixture
def server(request) -> Server:
    return request.getfixturevalue(request.param)


def assert_healthy(server: Server) -> None:
    r = requests.get(server.url + "/health", timeout=10)
    assert r.status_code == 200, f"/health after the hostile bodies: {r.status_code}"


# -- the tests ----------------------------------------------------------------------------------------------------

ROUTE_CASES = [(s, p, b, sh) for s in ("cross", "embed") for (p, b, sh) in routes_for(s)]


def route_id(c) -> str:
    s, p, b, sh = c
    return f"{s}{p}" + ("-tei" if sh == "tei" else "")


@pytest.mark.parametrize("server,path,body,shape", ROUTE_CASES, ids=[route_id(c) for c in ROUTE_CASES], indirect=["server"])
def test_parse_level_refusals(server: Server, path: str, body: dict, shape: str):
    for name, raw in parse_level_cases(body):
        resp = send(server, path, raw)
        what = f"{path} {name}"
        check_clean(resp, what)
        assert 400 <= resp.status < 500, f"{what}: {resp.status} {resp.text[:300]}"
        # The parser refuses these before any route can tell a TEI body: the vLLM shape everywhere.
        check_shape(resp, "vllm", what)
    assert_healthy(server)


@pytest.mark.parametrize("server,path,body,shape", ROUTE_CASES, ids=[route_id(c) for c in ROUTE_CASES], indirect=["server"])
def test_wrong_fields_are_refused_in_the_route_shape(server: Server, path: str, body: dict, shape: str):
    ok = send(server, path, json.dumps(body).encode())
    assert ok.status == 200, f"{path} valid body: {ok.status} {ok.text[:300]}"
    statuses: dict[int, int] = {}
    for name, raw in field_cases(body):
        resp = send(server, path, raw)
        what = f"{path} {name}"
        check_clean(resp, what)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status >= 400:
            check_shape(resp, shape_of(path, json.loads(raw)), what)
    assert set(statuses) <= {200, 400, 404, 413, 422}, f"{path}: statuses {statuses}"
    assert_healthy(server)


def test_100k_empty_documents_are_refused_by_count(cross: Server):
    resp = send(cross, "/rerank", json.dumps({"query": "q", "documents": [""] * 100_000}).encode())
    assert resp.status == 400, resp.text[:300]
    assert "too many documents: 100000" in resp.json()["error"]["message"]
    tei = send(cross, "/rerank", json.dumps({"query": "q", "texts": [""] * 100_000}).encode())
    assert tei.status == 422 and tei.json()["error_type"] == "Validation", tei.text[:300]


def test_10k_empty_documents_at_the_limit_are_served(cross: Server):
    resp = send(cross, "/rerank", json.dumps({"query": "q", "documents": [""] * 10_000, "top_n": 3}).encode(), timeout=120)
    assert resp.status == 200, resp.text[:300]
    assert len(resp.json()["results"]) == 3


def test_paired_surrogates_and_escaped_nul_are_text(cross: Server):
    """A valid surrogate pair (an emoji) and an escaped U+0000 are Unicode text like any other: served."""
    for text in ("\U0001F600 Paris", "a\u0000b"):
        resp = send(cross, "/rerank", json.dumps({"query": text, "documents": [text, "x"]}).encode())
        assert resp.status == 200, f"{text!r}: {resp.status} {resp.text[:300]}"
        assert resp.json()["results"][0]["document"]["text"] in (text, "x")


def test_utf16_and_utf32_bodies_are_read(cross: Server):
    """JSON's older RFC 4627 allowed UTF-16 and UTF-32, told apart by their first bytes; Python's json.loads reads them
    too. Harmless, so served rather than refused."""
    for encoding in ("utf-16", "utf-32"):
        resp = send(cross, "/rerank", json.dumps(RERANK).encode(encoding))
        assert resp.status == 200, f"{encoding}: {resp.status} {resp.text[:300]}"


def test_lone_surrogate_is_named(cross: Server):
    resp = send(cross, "/rerank", b'{"query": "a\\ud800", "documents": ["b"]}')
    assert resp.status == 400
    assert "unpaired surrogate \\uD800" in resp.json()["error"]["message"]


def test_duplicate_key_is_named(cross: Server):
    resp = send(cross, "/rerank", b'{"query": "a", "documents": ["b"], "query": "c"}')
    assert resp.status == 400
    assert "Duplicate field 'query'" in resp.json()["error"]["message"]


def test_deep_nesting_is_refused_early(cross: Server):
    resp = send(cross, "/score", b'{"text_1": "a", "text_2": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert resp.status == 400
    assert "nested more than 64 levels deep" in resp.json()["error"]["message"]
    assert resp.elapsed < 5, f"{resp.elapsed:.1f} s"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None,
                                          "application/json; charset=utf-8", "application/xml"])
def test_content_type_does_not_matter_for_json(cross: Server, content_type: str | None):
    """The body is read as JSON whatever the Content-Type says (curl -d sends form-urlencoded): a JSON body is served,
    anything else is the parser's 400."""
    headers = {"Content-Type": content_type} if content_type else {}
    h = {"Authorization": f"Bearer {KEY}", "Connection": "close", **headers}
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", json.dumps(RERANK).encode(), h))
        ok = conn.read_response()
    assert ok.status == 200, ok.text[:300]
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", b"query=a&documents=b", h))
        form = conn.read_response()
    check_clean(form, "form body")
    assert form.status == 400
    check_shape(form, "vllm", "form body")


def test_multipart_body_is_a_clear_400(cross: Server):
    r = requests.post(cross.url + "/rerank", files={"query": ("q", b"a")}, headers=cross.auth_headers(), timeout=30)
    assert r.status_code == 400, r.text
    assert not leaks(r.text)
    assert "Invalid JSON body" in r.json()["error"]["message"]


def test_chunked_body_is_served(cross: Server):
    body = json.dumps(RERANK).encode()
    h = {"Authorization": f"Bearer {KEY}", "Transfer-Encoding": "chunked", "Content-Type": "application/json",
         "Connection": "close"}
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", None, h) + chunked(body, 7))
        resp = conn.read_response()
    assert resp.status == 200, resp.text[:300]
    assert len(resp.json()["results"]) == 1


def test_chunked_body_over_the_limit_is_413(cross: Server):
    """32 MiB (the default --max-request-bytes) and a bit, chunked, so no Content-Length announces it."""
    doc = "x" * 1000
    body = json.dumps({"query": "q", "documents": [doc] * 34_000}).encode()
    assert len(body) > 32 * 1024 * 1024
    h = {"Authorization": f"Bearer {KEY}", "Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    with Raw("127.0.0.1", cross.port, timeout=60) as conn:
        try:
            conn.send(request_bytes("POST", "/rerank", None, h) + chunked(body, 1 << 16))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the rest is sent
        resp = conn.read_response(60)
    assert resp.status == 413, resp.text[:300]
    check_shape(resp, "vllm", "chunked 413")
    assert "at most 33554432 bytes" in resp.json()["error"]["message"]
    assert_healthy(cross)


def test_content_length_over_the_limit_is_413_before_the_body(cross: Server):
    h = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Content-Length": str(40 * 1024 * 1024)}
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", None, h) + b'{"query": ')
        resp = conn.read_response(ANSWER_WITHIN_S)
    assert resp.status == 413, resp.text[:300]
    check_shape(resp, "vllm", "content-length 413")


@pytest.mark.parametrize("framing", ["bad-chunk-size", "chunk-longer-than-said", "no-final-chunk-then-close"])
def test_malformed_chunked_bodies(cross: Server, framing: str):
    h = {"Authorization": f"Bearer {KEY}", "Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    head = request_bytes("POST", "/rerank", None, h)
    bodies = {
        "bad-chunk-size": b"zz\r\n{}\r\n0\r\n\r\n",
        "chunk-longer-than-said": b"2\r\n{\"query\": \"a\"}\r\n0\r\n\r\n",
        "no-final-chunk-then-close": b"5\r\n{\"que\r\n",
    }
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(head + bodies[framing])
        if framing == "no-final-chunk-then-close":
            conn.sock.shutdown(1)  # half-close: the body ends early
        try:
            resp = conn.read_response(ANSWER_WITHIN_S)
        except ConnectionError:
            resp = None  # closing the connection on broken framing is a fine answer too
    if resp is not None:
        check_clean(resp, framing)
        assert 400 <= resp.status < 500, f"{framing}: {resp.status} {resp.text[:300]}"
        assert resp.headers.get("content-type", "").startswith("application/json"), f"{framing}: {resp.headers}"
    assert_healthy(cross)


def test_body_cut_short_does_not_hang_the_server(cross: Server):
    """A Content-Length the client never fills, then a hang-up: the server keeps serving others meanwhile."""
    h = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Content-Length": "1000"}
    conn = Raw("127.0.0.1", cross.port)
    conn.send(request_bytes("POST", "/rerank", None, h) + b'{"query": "a"')
    try:
        r = requests.post(cross.url + "/rerank", json=RERANK, headers=cross.auth_headers(), timeout=ANSWER_WITHIN_S)
        assert r.status_code == 200, r.text
    finally:
        conn.close()
    assert_healthy(cross)


def test_expect_100_continue_with_the_key(cross: Server):
    body = json.dumps(RERANK).encode()
    h = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Expect": "100-continue",
         "Content-Length": str(len(body)), "Connection": "close"}
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", None, h))
        first = conn.read_interim(ANSWER_WITHIN_S)
        assert first == 100, f"expected 100 Continue first, got {first}"
        conn.send(body)
        resp = conn.read_response()
    assert resp.status == 200, resp.text[:300]


def test_expect_100_continue_without_the_key_is_refused_before_the_body(cross: Server):
    h = {"Content-Type": "application/json", "Expect": "100-continue", "Content-Length": "100000"}
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", None, h))
        resp = conn.read_response(ANSWER_WITHIN_S)  # no body was sent: the 401 must come without it
    assert resp.status == 401 and resp.json() == {"error": "Unauthorized"}, resp.text
    assert 100 not in resp.interim


def test_expect_100_continue_over_the_limit_is_413_before_the_body(cross: Server):
    h = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "Expect": "100-continue",
         "Content-Length": str(64 * 1024 * 1024)}
    with Raw("127.0.0.1", cross.port) as conn:
        conn.send(request_bytes("POST", "/rerank", None, h))
        resp = conn.read_response(ANSWER_WITHIN_S)
    assert resp.status == 413, resp.text[:300]
    check_shape(resp, "vllm", "expect 413")
