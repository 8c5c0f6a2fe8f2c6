"""The manifests of deploy/kubernetes against a real ``./sift serve``: the container args a KServe pod gets from Sift's
ClusterServingRuntime and the reranking InferenceService serve the KServe guide's request, the probes answer, and
every metric the autoscalers query (HPA, prometheus-adapter, KEDA) is one Sift serves, with the label values the
queries filter on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import yaml

from conftest import CROSS_ENCODER, FRANCE_DOCS, FRANCE_QUERY, ROOT, Server, ServerPool

MANIFESTS = ROOT / "deploy" / "kubernetes"


def load(relative: str) -> dict:
    return yaml.safe_load((MANIFESTS / relative).read_text(encoding="utf-8"))


def kserve_args(runtime: dict, isvc: dict, model_dir: Path) -> list[str]:
    """The args of the kserve-container as KServe builds them: the runtime's, {{.Name}} filled in, then the
    InferenceService's. The storage initializer's /mnt/models is a local folder here, and the port is the test's."""
    container = next(c for c in runtime["spec"]["containers"] if c["name"] == "kserve-container")
    args = [a.replace("{{.Name}}", isvc["metadata"]["name"]) for a in container["args"]]
    args += isvc["spec"]["predictor"]["model"]["args"]
    args = [a.replace("/mnt/models", str(model_dir)) for a in args]
    return [a for a in args if not a.startswith("--http_port=")]


@pytest.fixture(scope="module")
def runtime() -> dict:
    return load("kserve/sift-runtime.yaml")


@pytest.fixture(scope="module")
def isvc() -> dict:
    return load("kserve/reranker-inferenceservice.yaml")


@pytest.fixture(scope="module")
def kserve_pod(pool: ServerPool, runtime: dict, isvc: dict) -> Server:
    assert "--http_port=8080" in next(c for c in runtime["spec"]["containers"])["args"]
    return pool.start("kserve-manifests", None, extra_args=kserve_args(runtime, isvc, CROSS_ENCODER))


def test_the_runtime_and_inference_service_args_serve_the_guides_request(kserve_pod: Server, isvc: dict):
    assert isvc["spec"]["predictor"]["model"]["runtime"] == "sift"
    # The guide's curl: POST /openai/v1/rerank with "model": "reranker", the InferenceService's --model_name.
    r = kserve_pod.post("/openai/v1/rerank", {"model": "reranker", "query": FRANCE_QUERY, "documents": FRANCE_DOCS,
                                              "top_n": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "reranker"
    assert len(body["results"]) == 2
    assert body["results"][0]["relevance_score"] >= body["results"][1]["relevance_score"]
    # The runtime's --model_name={{.Name}} came first and was replaced, as argparse replaces it in KServe's servers.
    gone = kserve_pod.post("/openai/v1/rerank", {"model": isvc["metadata"]["name"], "query": FRANCE_QUERY,
                                                 "documents": FRANCE_DOCS})
    assert gone.status_code == 404, gone.text


def test_every_probe_answers_200_on_a_ready_server(kserve_pod: Server, runtime: dict):
    deployment = load("plain/deployment.yaml")
    containers = runtime["spec"]["containers"] + deployment["spec"]["template"]["spec"]["containers"]
    probes = [c[p] for c in containers for p in ("startupProbe", "readinessProbe", "livenessProbe")]
    assert len(probes) == 6
    for probe in probes:
        assert requests.get(kserve_pod.url + probe["httpGet"]["path"], timeout=30).status_code == 200


def autoscaler_metrics() -> dict[str, set[str]]:
    """Each vLLM metric an autoscaling manifest names, with where."""
    named: dict[str, set[str]] = {}

    def add(name: str, where: str) -> None:
        named.setdefault(name, set()).add(where)

    for metric in load("plain/hpa.yaml")["spec"]["metrics"]:
        add(metric["pods"]["metric"]["name"], "hpa.yaml")
    for rule in yaml.safe_load(load("plain/prometheus-adapter-rules.yaml")["data"]["config.yaml"])["rules"]:
        add(rule["name"]["as"], "prometheus-adapter-rules.yaml")
        add(rule["seriesQuery"].split("{")[0].strip("'"), "prometheus-adapter-rules.yaml")
    keda = load("kserve/reranker-inferenceservice-keda.yaml")
    for metric in keda["spec"]["predictor"]["autoScaling"]["metrics"]:
        for name in re.findall(r"vllm:[a-z_]+", metric["external"]["metric"]["query"]):
            add(name, "reranker-inferenceservice-keda.yaml")
    return named


def test_the_autoscalers_query_metrics_sift_serves(kserve_pod: Server):
    named = autoscaler_metrics()
    assert set(named) == {"vllm:num_requests_running", "vllm:num_requests_waiting"}
    exposition = requests.get(kserve_pod.url + "/metrics", timeout=30).text
    for name, where in named.items():
        samples = [line for line in exposition.splitlines() if line.startswith(name + "{")]
        assert samples, f"{name} (named in {sorted(where)}) is not on /metrics"
        # The KEDA query filters on the InferenceService's served name.
        assert any('model_name="reranker"' in s for s in samples), samples
    keda = load("kserve/reranker-inferenceservice-keda.yaml")
    assert "--model_name=reranker" in keda["spec"]["predictor"]["model"]["args"]
