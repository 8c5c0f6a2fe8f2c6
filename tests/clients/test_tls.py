"""HTTPS with ``--ssl-keyfile`` and ``--ssl-certfile`` (PEM, as vLLM and uvicorn take them), called by real clients
that verify the certificate: ``requests`` with ``verify=cert.pem``, the Cohere SDK over an httpx client that trusts
it. The certificates are made here with the ``openssl`` command. Files that cannot serve (missing, a folder, not
PEM, an encrypted key, a key that is not the certificate's, only one of the two flags) stop start-up at once with a
message and exit status 2, before the model loads.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
import requests

import cohere
from conftest import CROSS_ENCODER, KEY, ROOT, Server, ServerPool
from wire import Raw, request_bytes

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make certificates")

DOCS = ["Paris is the capital of France.", "Berlin is the capital of Germany."]


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def self_signed(dir: Path, name: str, key_args: list[str]) -> tuple[Path, Path]:
    """A key (made by ``openssl genpkey`` with ``key_args``) and a self-signed certificate for 127.0.0.1 and localhost."""
    key, cert = dir / f"{name}.key", dir / f"{name}.pem"
    openssl("genpkey", *key_args, "-out", key.name, cwd=dir)
    openssl("req", "-new", "-x509", "-key", key.name, "-out", cert.name, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", cwd=dir)
    return key, cert


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture(scope="module")
def rsa(certs: Path) -> tuple[Path, Path]:
    return self_signed(certs, "rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])


@pytest.fixture(scope="module")
def tls_server(pool: ServerPool, rsa) -> Server:
    key, cert = rsa
    return pool.start("tls", CROSS_ENCODER, api_keys=[KEY], served_names=["bert-cross-encoder"],
                      extra_args=["--ssl-keyfile", str(key), "--ssl-certfile", str(cert)], tls_cert=cert)


def test_requests_verifies_the_certificate_and_reranks(tls_server: Server, rsa):
    _, cert = rsa
    assert tls_server.url.startswith("https://")
    r = requests.post(tls_server.url + "/rerank", json={"query": "capital of France", "documents": DOCS},
                      headers={"Authorization": f"Bearer {KEY}"}, verify=str(cert), timeout=30)
    assert r.status_code == 200, r.text
    assert [x["index"] for x in r.json()["results"]] and len(r.json()["results"]) == 2
    unauthorized = requests.post(tls_server.url + "/rerank", json={"query": "q", "documents": DOCS}, verify=str(cert),
                                 timeout=30)
    assert unauthorized.status_code == 401
    assert requests.get(tls_server.url + "/health", verify=str(cert), timeout=30).status_code == 200


def test_the_certificate_is_what_is_served(tls_server: Server, rsa):
    """Without trusting our certificate the handshake fails: it is real TLS with this certificate, not plain HTTP."""
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_server.url + "/health", timeout=30)  # the system's CAs only
    _, cert = rsa
    served = ssl.get_server_certificate(("127.0.0.1", tls_server.port))
    assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(cert.read_text())


def test_plain_http_to_the_tls_port_is_not_served(tls_server: Server):
    with Raw("127.0.0.1", tls_server.port, timeout=10) as conn:
        conn.send(request_bytes("POST", "/rerank", b'{"query": "q", "documents": ["d"]}',
                                {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}))
        try:
            resp = conn.read_response(10)
        except (ConnectionError, OSError, ValueError, IndexError):
            resp = None
    assert resp is None or resp.status >= 400


def test_cohere_sdk_over_https(tls_server: Server, rsa):
    _, cert = rsa
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert)), timeout=30) as http:
        client = cohere.ClientV2(api_key=KEY, base_url=tls_server.url, httpx_client=http)
        reply = client.rerank(model="bert-cross-encoder", query="capital of France", documents=DOCS, top_n=1)
    assert len(reply.results) == 1
    assert 0.0 <= reply.results[0].relevance_score <= 1.0


def test_pkcs1_and_ec_keys_serve(pool: ServerPool, certs: Path):
    """``openssl genrsa -traditional`` writes PKCS#1 (BEGIN RSA PRIVATE KEY); an EC key in PKCS#8 also serves."""
    pkcs1 = certs / "pkcs1.key"
    openssl("genrsa", "-traditional", "-out", pkcs1.name, "2048", cwd=certs)
    assert "BEGIN RSA PRIVATE KEY" in pkcs1.read_text()
    openssl("req", "-new", "-x509", "-key", pkcs1.name, "-out", "pkcs1.pem", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1", cwd=certs)
    ec_key, ec_cert = self_signed(certs, "ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    for name, key, cert in (("tls-pkcs1", pkcs1, certs / "pkcs1.pem"), ("tls-ec", ec_key, ec_cert)):
        server = pool.start(name, CROSS_ENCODER, extra_args=["--ssl-keyfile", str(key), "--ssl-certfile", str(cert)],
                            tls_cert=cert)
        r = requests.post(server.url + "/score", json={"text_1": "a", "text_2": ["b"]}, verify=str(cert), timeout=30)
        assert r.status_code == 200, f"{name}: {r.status_code} {r.text}"
        server.stop()


def serve_exit(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["./sift", "serve", str(CROSS_ENCODER.relative_to(ROOT)), "--host", "127.0.0.1", "--port", "0",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_bad_tls_files_stop_start_up_with_a_message(certs: Path, rsa):
    key, cert = rsa
    other_key, _ = self_signed(certs, "other", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    encrypted = certs / "encrypted.key"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "pass:secret",
            "-out", encrypted.name, cwd=certs)
    garbage = certs / "garbage.pem"
    garbage.write_bytes(b"\x30\x82\x01\x00 not pem at all")
    cases = {
        "missing key": (["--ssl-keyfile", str(certs / "nope.key"), "--ssl-certfile", str(cert)], "no such file"),
        "missing cert": (["--ssl-keyfile", str(key), "--ssl-certfile", str(certs / "nope.pem")], "no such file"),
        "key is a folder": (["--ssl-keyfile", str(certs), "--ssl-certfile", str(cert)], "cannot be read"),
        "key not PEM": (["--ssl-keyfile", str(garbage), "--ssl-certfile", str(cert)], "not a PEM file"),
        "cert not PEM": (["--ssl-keyfile", str(key), "--ssl-certfile", str(garbage)], "not a PEM file"),
        "cert given as key": (["--ssl-keyfile", str(cert), "--ssl-certfile", str(cert)], "holds no PEM private key"),
        "key given as cert": (["--ssl-keyfile", str(key), "--ssl-certfile", str(key)], "holds no PEM certificate"),
        "encrypted key": (["--ssl-keyfile", str(encrypted), "--ssl-certfile", str(cert)], "is encrypted"),
        "mismatched": (["--ssl-keyfile", str(other_key), "--ssl-certfile", str(cert)], "does not match"),
        "key only": (["--ssl-keyfile", str(key)], "go together"),
        "cert only": (["--ssl-certfile", str(cert)], "go together"),
    }
    for name, (args, message) in cases.items():
        done = serve_exit(*args)
        assert done.returncode == 2, f"{name}: exit {done.returncode}\n{done.stderr[-2000:]}"
        assert message in done.stderr, f"{name}: {done.stderr[-2000:]}"
        assert "Exception" not in done.stderr and "\tat " not in done.stderr, f"{name}: {done.stderr[-2000:]}"
        assert "Loading" not in done.stderr, f"{name}: the model was loaded before the files were checked"
