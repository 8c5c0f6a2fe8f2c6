"""Starts real Sift servers (``./sift serve ...``) for the client suite.

Each server is a session-scoped fixture, started on first use and stopped (SIGTERM, then SIGKILL) when the
session ends. The server's output goes to a log file; when a server does not come up, the log is printed and
the tests that need it error with it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "testdata" / "models"
CROSS_ENCODER = MODELS / "bert-cross-encoder"
EMBEDDING = MODELS / "bert-embedding"

START_TIMEOUT_S = 180.0
HTTP_TIMEOUT_S = 60.0

KEY = "sift-clients-key-1"
KEY2 = "sift-clients-key-2"
WRONG_KEY = "not-the-key"

FRANCE_QUERY = "What is the capital of France?"
FRANCE_DOCS = [
    "Paris is the capital and most populous city of France.",
    "Berlin is the capital and largest city of Germany.",
    "The Eiffel Tower is located in Paris, France.",
    "France is a country in Western Europe.",
]

# Environment variables that would turn authentication on in a server meant to be open.
_AUTH_ENV = ("SIFT_API_KEY", "VLLM_API_KEY")


def load_golden(model_dir: Path) -> dict[str, Any]:
    with open(model_dir / "golden.json", encoding="utf-8") as f:
        return json.load(f)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``./sift serve``; ``key`` is the key tests should send (None: the server is open)."""

    name: str
    model: str | None
    args: list[str]
    env: dict[str, str]
    key: str | None
    log_path: Path
    port: int = 0
    proc: subprocess.Popen | None = None
    served_names: list[str] = field(default_factory=list)
    # The certificate of a server started with --ssl-keyfile/--ssl-certfile: it is then called over https, verified.
    tls_cert: Path | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls_cert else 'http'}://127.0.0.1:{self.port}"

    @property
    def verify(self) -> str | bool:
        return str(self.tls_cert) if self.tls_cert else True

    @property
    def model_name(self) -> str:
        """The name responses report: the first --served-model-name."""
        return self.served_names[0]

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None, auth: bool = True) -> requests.Response:
        h = self.auth_headers() if auth else {}
        h.update(headers or {})
        return requests.post(self.url + path, json=body, headers=h, timeout=HTTP_TIMEOUT_S, verify=self.verify)

    def get(self, path: str, headers: dict[str, str] | None = None, auth: bool = True) -> requests.Response:
        h = self.auth_headers() if auth else {}
        h.update(headers or {})
        return requests.get(self.url + path, headers=h, timeout=HTTP_TIMEOUT_S, verify=self.verify)

    def score(self, query: str, documents: list[str], **extra: Any) -> list[float]:
        """Scores from vLLM's /score, in document order (the reference the other routes are compared with)."""
        r = self.post("/score", {"text_1": query, "text_2": documents, **extra})
        assert r.status_code == 200, f"/score: {r.status_code} {r.text}"
        data = r.json()["data"]
        assert [d["index"] for d in data] == list(range(len(documents))), data
        return [d["score"] for d in data]

    def log_tail(self, lines: int = 200) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- life cycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        self.port = free_port()
        cmd = ["./sift", "serve"]
        if self.model is not None:
            cmd.append(self.model)
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), *self.args]
        env = {k: v for k, v in os.environ.items() if k not in _AUTH_ENV}
        env.update(self.env)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")
        log.write(("$ " + " ".join(cmd) + "\n").encode())
        log.flush()
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                self._fail(f"exited with status {self.proc.returncode} before /health answered")
            try:
                if requests.get(self.url + "/health", timeout=2, verify=self.verify).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                self._fail(f"/health did not answer 200 within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.25)

    def _fail(self, why: str) -> None:
        msg = f"server {self.name!r} ({' '.join(self.proc.args) if self.proc else ''}) {why}; log {self.log_path}:\n{self.log_tail()}"
        print(msg, file=sys.stderr)
        raise RuntimeError(msg)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own process group (start_new_session)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=15)


class ServerPool:
    """Starts servers on demand, each once per session, and stops them all at the end."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.servers: dict[str, Server] = {}
        self.failed: dict[str, str] = {}

    def start(self, name: str, model: str | Path | None = None, *, api_keys: list[str] = (), served_names: list[str] = (),
              env: dict[str, str] | None = None, key: str | None = None, extra_args: list[str] = (),
              tls_cert: Path | None = None) -> Server:
        """Start ``./sift serve [model] --api-key K... --served-model-name N...``; ``key`` defaults to the first api key."""
        if name in self.servers:
            return self.servers[name]
        if name in self.failed:
            raise RuntimeError(self.failed[name])
        args: list[str] = []
        for k in api_keys:
            args += ["--api-key", k]
        for n in served_names:
            args += ["--served-model-name", n]
        args += list(extra_args)
        model_arg = None if model is None else str(Path(model).relative_to(ROOT) if Path(model).is_relative_to(ROOT) else model)
        server = Server(name=name, model=model_arg, args=args, env=dict(env or {}),
                        key=key if key is not None else (api_keys[0] if api_keys else None),
                        log_path=self.log_dir / f"{name}.log", served_names=list(served_names), tls_cert=tls_cert)
        for attempt in range(3):
            try:
                server.start()
                break
            except Exception as e:
                # Another process may take the free port between our probe and the server's bind: retry.
                if attempt < 2 and "Address already in use" in server.log_tail(20):
                    continue
                self.failed[name] = str(e)
                raise
        self.servers[name] = server
        if not server.served_names:
            server.served_names = [_reported_name(server)]
        return server

    def stop_all(self) -> None:
        for s in self.servers.values():
            s.stop()


def _reported_name(server: Server) -> str:
    r = server.get("/v1/models")
    assert r.status_code == 200, r.text
    return r.json()["data"][0]["id"]


@pytest.fixture(scope="session")
def pool(tmp_path_factory: pytest.TempPathFactory):
    log_dir = Path(os.environ.get("SIFT_CLIENTS_LOG_DIR") or tmp_path_factory.mktemp("sift-logs"))
    p = ServerPool(log_dir)
    yield p
    p.stop_all()


# -- the servers the suite uses ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def bundled(pool: ServerPool) -> Server:
    """The bundled bge-small-en-v1.5 (real weights), keyed with --api-key. Its names cover the seeds that
    send a model name with a key (the Vast.ai guide's BAAI/bge-reranker-base)."""
    return pool.start("bundled", None, api_keys=[KEY], served_names=["reranker", "BAAI/bge-reranker-base"])


@pytest.fixture(scope="session")
def bundled_open(pool: ServerPool) -> Server:
    """The bundled model with no key, for the seeds whose requests carry no Authorization header (KServe,
    the vLLM blog, Milvus's docs), under the names those seeds send."""
    return pool.start("bundled-open", None, served_names=[
        "reranker", "BAAI/bge-reranker-v2-m3", "BAAI/bge-reranker-base", "BAAI/bge-large-en-v1.5"])


@pytest.fixture(scope="session")
def cross(pool: ServerPool) -> Server:
    """The tiny cross-encoder fixture, with two keys given as repeated --api-key."""
    return pool.start("cross", CROSS_ENCODER, api_keys=[KEY, KEY2], served_names=["bert-cross-encoder"])


@pytest.fixture(scope="session")
def cross_env_key(pool: ServerPool) -> Server:
    """The cross-encoder fixture keyed through SIFT_API_KEY."""
    return pool.start("cross-env", CROSS_ENCODER, env={"SIFT_API_KEY": KEY}, key=KEY)


@pytest.fixture(scope="session")
def embed(pool: ServerPool) -> Server:
    """The tiny embedding fixture (32 dimensions), keyed through VLLM_API_KEY as vLLM's docker images are."""
    return pool.start("embed", EMBEDDING, env={"VLLM_API_KEY": KEY}, key=KEY, served_names=["bert-embedding"])
