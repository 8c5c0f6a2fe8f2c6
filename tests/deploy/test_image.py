"""The container image as a user runs it: built from this checkout by deploy/build-image into an OCI archive, loaded
with `podman load` (as root, vfs storage in a private store under pytest's temporary folder, no registry), and run
with a read-only root file system, a noexec tmpfs at /tmp and the host's network, listening on 127.0.0.1.

Two containers of the bundled model, as the seeds deploy a reranker:
- "kserve": served as `reranker` (KServe's vLLM runtime passes --model_name=reranker; Sift's flag is
  --served-model-name) with no key; the KServe guide's curl to /openai/v1/rerank.
- "vast": the key from VLLM_API_KEY (the Vast.ai guide's `-e VLLM_API_KEY=...`), served as BAAI/bge-reranker-base;
  the guide's curl to /rerank and its /score request, with the key, without it and with a wrong one.
And a third, "hub", serving a model from a (fake, local) Hugging Face Hub with HF_TOKEN, downloaded into the default
HF_HOME under /tmp. All are stopped at the end with `podman stop` (SIGTERM).

Without root, podman or the image tools (mmdebstrap, umoci, skopeo) every test is skipped, saying which; .ci/run
installs them. The build log is target/image/build.log.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "clients"))
from fakehub import FakeHub  # noqa: E402  (the client suite's fake Hugging Face Hub)

BUILD = ROOT / "deploy" / "build-image"
ARCHIVE = ROOT / "target" / "image" / "sift-oci.tar"
BUILD_LOG = ROOT / "target" / "image" / "build.log"

KEY = "sift-image-test-key"  # test values, passed to podman through its environment rather than its arguments
HF_TOKEN = "hf_fake_image_token"
HUB_REPO = "sift-tests/bert-cross-encoder"
CROSS_ENCODER = ROOT / "testdata" / "models" / "bert-cross-encoder"
START_TIMEOUT_S = 180.0
STOP_GRACE_S = 30  # podman stop's wait before SIGKILL
PROMPT_EXIT_S = 10.0

FRANCE_DOCS = [
    "Paris is the capital and most populous city of France.",
    "Berlin is the capital and largest city of Germany.",
    "The Eiffel Tower is located in Paris, France.",
    "France is a country in Western Europe.",
]


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "the image test needs root (podman with vfs storage as root; mmdebstrap's root mode)"
    missing = [tool for tool in ("podman", "mmdebstrap", "umoci", "skopeo") if shutil.which(tool) is None]
    if missing:
        return (f"{', '.join(missing)} not installed: apt-get install --no-install-recommends podman runc mmdebstrap "
                "umoci skopeo (.ci/run does this)")
    return None


WHY_NOT = _why_not()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Podman:
    """podman with a private vfs store, so that nothing here touches the machine's own images and containers."""

    def __init__(self, store: Path):
        self.cmd = ["podman", "--root", str(store / "storage"), "--runroot", str(store / "run"),
                    "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        # crun (podman's default) refuses hosts whose cgroups are mounted in hybrid mode with a v2 controller, as
        # in some sandboxes; runc runs there and everywhere else.
        if shutil.which("runc"):
            self.cmd += ["--runtime", "runc"]

    def __call__(self, *args: str, timeout: float = 120, env: dict[str, str] | None = None,
                 check: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run([*self.cmd, *args], capture_output=True, text=True, timeout=timeout,
                           env=None if env is None else {**os.environ, **env})
        if check and r.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r


def run_limits() -> list[str]:
    """podman's default limits (1048576 open files, 32768 processes) as far as this machine's hard limits allow:
    without CAP_SYS_RESOURCE the runtime cannot raise them, and fails to start the container."""
    def limit(kind: int, cap: int) -> int:
        hard = resource.getrlimit(kind)[1]
        return cap if hard == resource.RLIM_INFINITY else min(hard, cap)
    nofile, nproc = limit(resource.RLIMIT_NOFILE, 1048576), limit(resource.RLIMIT_NPROC, 32768)
    return ["--ulimit", f"nofile={nofile}:{nofile}", "--ulimit", f"nproc={nproc}:{nproc}"]


def image_name(archive: Path) -> str:
    """The name `podman load` gives the archive's image: its index's reference."""
    with tarfile.open(archive) as tar:
        index = json.load(tar.extractfile("index.json"))
    (manifest,) = index["manifests"]
    return manifest["annotations"]["org.opencontainers.image.ref.name"]


@dataclass
class Container:
    name: str
    port: int
    key: str | None
    served_name: str
    model: list[str] = field(default_factory=list)  # MODEL, when not the bundled one
    env: dict[str, str] = field(default_factory=dict)  # passed by name (--env NAME), the value from podman's environment
    loaded: str = "Loaded BAAI/bge-small-en-v1.5"
    # What start-up looked like from outside: each /health answer before the first 200 (None: no connection), whether
    # the log already said the model was loaded at that 200, and the status of a request sent right after it.
    answers_before_ready: list[int | None] = field(default_factory=list)
    loaded_when_ready: bool = False
    first_request_status: int | None = None
    ready_after_s: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}


@dataclass
class Deployment:
    podman: Podman
    image: str
    hub: FakeHub
    kserve: Container
    vast: Container
    hub_model: Container

    @property
    def containers(self) -> list[Container]:
        return [self.kserve, self.vast, self.hub_model]

    def logs(self, c: Container) -> str:
        r = self.podman("logs", c.name, check=False)
        return r.stdout + r.stderr

    def state(self, c: Container) -> dict:
        return json.loads(self.podman("inspect", "--format", "{{json .State}}", c.name).stdout)


def _wait_ready(d: Deployment, containers: list[Container]) -> None:
    started = time.monotonic()
    pending = list(containers)
    while pending:
        for c in list(pending):
            try:
                status: int | None = requests.get(c.url + "/health", timeout=2).status_code
            except requests.RequestException:
                status = None
            if status == 200:
                c.ready_after_s = time.monotonic() - started
                c.loaded_when_ready = c.loaded in d.logs(c)
                c.first_request_status = requests.post(c.url + "/score", headers=c.headers(), timeout=60,
                                                       json={"text_1": "ready?", "text_2": ["ready."]}).status_code
                pending.remove(c)
                continue
            if not c.answers_before_ready or c.answers_before_ready[-1] != status:
                c.answers_before_ready.append(status)
            if not d.state(c)["Running"]:
                pytest.fail(f"container {c.name} exited before /health answered 200:\n{d.logs(c)}")
        if pending and time.monotonic() - started > START_TIMEOUT_S:
            pytest.fail(f"/health did not answer 200 within {START_TIMEOUT_S:.0f} s:\n"
                        + "\n".join(f"--- {c.name}\n{d.logs(c)}" for c in pending))
        time.sleep(0.1)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    archive = Path(os.environ["SIFT_IMAGE_ARCHIVE"]) if os.environ.get("SIFT_IMAGE_ARCHIVE") else None
    if archive is None:  # SIFT_IMAGE_ARCHIVE names an archive already built, to iterate on these tests
        archive = ARCHIVE
        BUILD_LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(BUILD_LOG, "wb") as log:
            build = subprocess.run([str(BUILD)], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, timeout=1800)
        if build.returncode != 0:
            tail = "\n".join(BUILD_LOG.read_text(errors="replace").splitlines()[-40:])
            pytest.fail(f"deploy/build-image failed with exit status {build.returncode}; {BUILD_LOG}:\n{tail}")

    store = tmp_path_factory.mktemp("podman")
    podman = Podman(store)
    image = image_name(archive)
    hub = FakeHub()
    hub.publish_folder(HUB_REPO, CROSS_ENCODER)
    pid = os.getpid()
    kserve = Container(name=f"sift-test-kserve-{pid}", port=free_port(), key=None, served_name="reranker")
    vast = Container(name=f"sift-test-vast-{pid}", port=free_port(), key=KEY, served_name="BAAI/bge-reranker-base",
                     env={"VLLM_API_KEY": KEY})
    hub_model = Container(name=f"sift-test-hub-{pid}", port=free_port(), key=None, served_name="interop",
                          model=[HUB_REPO], env={"HF_ENDPOINT": hub.endpoint, "HF_TOKEN": HF_TOKEN},
                          loaded=f"Loaded {HUB_REPO}")
    d = Deployment(podman, image, hub, kserve, vast, hub_model)
    try:
        loaded = podman("load", "--input", str(archive), timeout=900).stdout
        assert image in loaded, loaded
        for c in d.containers:
            by_name = [arg for variable in c.env for arg in ("--env", variable)]
            podman("run", "--detach", "--name", c.name, *run_limits(),
                   "--read-only", "--tmpfs", "/tmp:rw,noexec,nosuid,nodev", "--network", "host",
                   "--env", "SIFT_HOST=127.0.0.1", "--env", f"SIFT_PORT={c.port}", *by_name,
                   image, *c.model, "--served-model-name", c.served_name, env=c.env, timeout=300)
        _wait_ready(d, d.containers)
        yield d
    finally:
        podman("rm", "--force", "--time", "0", *(c.name for c in d.containers), check=False)
        podman("rmi", "--all", "--force", check=False, timeout=300)
        shutil.rmtree(store, ignore_errors=True)
        hub.close()


# -- the image ---------------------------------------------------------------------------------------------------------

def test_runs_as_a_non_root_user_and_listens_on_8080_unless_told(deployment: Deployment):
    d = deployment
    config = json.loads(d.podman("image", "inspect", "--format", "{{json .Config}}", d.image).stdout)
    assert config["User"] == "10001:10001"
    assert "SIFT_PORT=8080" in config["Env"]
    assert "8080/tcp" in config["ExposedPorts"]
    assert d.podman("exec", d.kserve.name, "id", "-u").stdout.strip() == "10001"
    # SIFT_PORT from `podman run --env` moved it, with no flag added to the arguments.
    assert f"on http://127.0.0.1:{d.kserve.port}" in d.logs(d.kserve)


def test_serves_the_bundled_model_from_the_image_with_nothing_written(deployment: Deployment):
    d = deployment
    log = d.logs(d.kserve)
    assert "Loading BAAI/bge-small-en-v1.5 from /opt/sift/home/models/BAAI--bge-small-en-v1.5" in log, log
    # The root file system is read-only (--read-only). The only writable place, /tmp (noexec), got no Hub cache and no
    # native library: those load from the image. (It holds the JVM's perf data and the empty folder ONNX Runtime
    # makes at start.)
    tmp = d.podman("exec", d.kserve.name, "find", "/tmp", "-mindepth", "1").stdout.split()
    assert "/tmp/huggingface" not in tmp, tmp
    assert [path for path in tmp if ".so" in Path(path).name] == [], tmp


def test_health_is_200_only_once_the_model_serves(deployment: Deployment):
    for c in deployment.containers:
        # Before the model is loaded the port is closed (None) or, were it open, not ready (503); never a 200.
        assert set(c.answers_before_ready) <= {None, 503}, (c.name, c.answers_before_ready)
        assert c.loaded_when_ready, (c.name, deployment.logs(c))
        # A request sent the moment /health says 200 is served.
        assert c.first_request_status == 200, (c.name, c.first_request_status)


# -- the seeds' requests -----------------------------------------------------------------------------------------------

def test_kserve_guide_rerank(deployment: Deployment):
    """curl -H "Content-Type: application/json" -H "Host: ${SERVICE_HOSTNAME}"
    http://${INGRESS_HOST}:${INGRESS_PORT}/openai/v1/rerank -d '{...}'"""
    r = requests.post(
        f"{deployment.kserve.url}/openai/v1/rerank",
        headers={"Content-Type": "application/json", "Host": "reranker-model.default.example.com"},
        data='''{
  "model": "reranker",
  "query": "What is the capital of France?",
  "documents": [
    "Paris is the capital and most populous city of France.",
    "Berlin is the capital and largest city of Germany.",
    "The Eiffel Tower is located in Paris, France.",
    "France is a country in Western Europe."
  ],
  "top_n": 2
}''',
        timeout=60,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "reranker"
    assert body["usage"]["total_tokens"] > 0
    results = body["results"]
    assert [x["index"] for x in results][0] == 0 and len(results) == 2, results
    assert results[0]["relevance_score"] >= results[1]["relevance_score"]
    for x in results:
        assert x["document"]["text"] == FRANCE_DOCS[x["index"]]


def test_vast_guide_requests_need_the_key(deployment: Deployment):
    c = deployment.vast
    rerank = '''{
    "model": "BAAI/bge-reranker-base",
    "query": "What is deep learning?",
    "documents": ["Deep learning is a type of machine learning"]
    }'''
    documents = ["Deep learning is a subset of machine learning that uses neural networks with many layers",
                 "The weather is nice today",
                 "Deep learning enables computers to learn from large amounts of data",
                 "I like pizza"]
    score = {"model": "BAAI/bge-reranker-base", "text_1": "What is Deep Learning?", "text_2": documents}
    json_type = {"Content-Type": "application/json"}

    r = requests.post(f"{c.url}/rerank", headers={**json_type, "Authorization": f"Bearer {KEY}"}, data=rerank,
                      timeout=60)
    assert r.status_code == 200, r.text
    assert [x["index"] for x in r.json()["results"]] == [0]
    r = requests.post(f"{c.url}/score", headers={"Authorization": f"Bearer {KEY}"}, json=score, timeout=60)
    assert r.status_code == 200, r.text
    scores = [item["score"] for item in r.json()["data"]]
    assert len(scores) == 4
    assert set(sorted(range(4), key=scores.__getitem__, reverse=True)[:2]) == {0, 2}, scores

    for headers in ({}, {"Authorization": "Bearer not-the-key"}):
        assert requests.post(f"{c.url}/rerank", headers={**json_type, **headers}, data=rerank,
                             timeout=60).status_code == 401
        assert requests.post(f"{c.url}/score", headers=headers, json=score, timeout=60).status_code == 401
    assert requests.get(f"{c.url}/health", timeout=10).status_code == 200


def test_a_hub_model_downloads_into_tmp_with_hf_token(deployment: Deployment):
    """`podman run -e HF_TOKEN IMAGE org/name` on a read-only root: the download lands in HF_HOME=/tmp/huggingface."""
    c = deployment.hub_model
    golden = json.loads((CROSS_ENCODER / "golden.json").read_text())
    for case in golden["cases"]:
        r = requests.post(f"{c.url}/score", json={"text_1": case["text_1"], "text_2": case["text_2"],
                                                  "truncate_prompt_tokens": -1}, timeout=60)
        assert r.status_code == 200, r.text
        assert [d["score"] for d in r.json()["data"]] == pytest.approx(case["scores"], abs=1e-5), case["name"]
    hub_requests = deployment.hub.requests_to("hub")
    assert hub_requests and all(r.authorized for r in hub_requests), hub_requests
    assert not any(r.authorized for r in deployment.hub.requests_to("storage")), "the token went to the storage host"
    snapshots = deployment.podman("exec", c.name, "find", "/tmp/huggingface/hub/models--sift-tests--bert-cross-encoder/"
                                  "snapshots", "-name", "model.onnx").stdout.split()
    assert len(snapshots) == 1, snapshots


def test_metrics_are_served_by_the_linked_java_runtime(deployment: Deployment):
    # The JVM metrics need jdk.management, one of the modules jlink linked; the route is open, as in every Sift.
    r = requests.get(f"{deployment.vast.url}/metrics", timeout=30)
    assert r.status_code == 200, r.text
    assert "jvm_memory_used_bytes" in r.text and "sift_http_requests_seconds" in r.text


# -- SIGTERM -----------------------------------------------------------------------------------------------------------

@dataclass
class Stop:
    seconds: float
    exit_code: int
    log: str


@pytest.fixture(scope="module")
def stopped(deployment: Deployment) -> dict[str, Stop]:
    """`podman stop` (the image's stop signal, SIGTERM; SIGKILL only after STOP_GRACE_S) on every container."""
    out = {}
    for c in deployment.containers:
        start = time.monotonic()
        deployment.podman("stop", "--time", str(STOP_GRACE_S), c.name, timeout=STOP_GRACE_S + 60)
        seconds = time.monotonic() - start
        state = deployment.state(c)
        assert state["Status"] == "exited", state
        out[c.name] = Stop(seconds, state["ExitCode"], deployment.logs(c))
    return out


def test_sigterm_stops_the_server_promptly(stopped: dict[str, Stop]):
    for name, stop in stopped.items():
        assert stop.seconds < PROMPT_EXIT_S, (name, stop.seconds)
        assert stop.exit_code != 137, f"{name} was killed (SIGKILL) rather than stopped by SIGTERM"
        assert "draining" in stop.log and "Drained" in stop.log, (name, stop.log)


def test_sigterm_drains_and_exits_zero(stopped: dict[str, Stop]):
    assert {name: stop.exit_code for name, stop in stopped.items()} == {name: 0 for name in stopped}
