"""Every manifest under deploy/kubernetes validates against the Kubernetes 1.32 and KServe 0.20 schemas vendored in
deploy/schemas, through deploy/validate (kubeconform, strict: an unknown field, a wrong type or a kind with no schema
is an error); and the same check refuses manifests broken in the ways people break them.

kubeconform is built from the Go module proxy on first use; without Go the tests are skipped, saying so.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
SKIP = 77  # deploy/validate: kubeconform missing and no Go to build it


def validate(*targets: Path) -> tuple[int, dict]:
    run = subprocess.run([str(ROOT / "deploy" / "validate"), "-output", "json", "-verbose", *map(str, targets)],
                         capture_output=True, text=True, timeout=900)
    if run.returncode == SKIP:
        pytest.skip(run.stderr.strip())
    assert run.stdout, run.stderr
    return run.returncode, json.loads(run.stdout)


def documents() -> list[tuple[str, str, str]]:
    """(file, kind, name) of every YAML document under deploy/kubernetes, as PyYAML reads them."""
    found = []
    for path in sorted(MANIFESTS.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found.append((str(path), doc["kind"], doc["metadata"]["name"]))
    return found


def test_every_manifest_validates_against_the_vendored_schemas():
    expected = documents()
    assert {kind for _, kind, _ in expected} >= {"ClusterServingRuntime", "InferenceService", "ClusterStorageContainer",
                                                 "Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap"}
    code, report = validate(MANIFESTS)
    results = {(r["filename"], r["kind"], r["name"]): r for r in report["resources"]}
    assert sorted(results) == sorted(expected)
    assert [r for r in report["resources"] if r["status"] != "statusValid"] == []
    assert report["summary"] == {"valid": len(expected), "invalid": 0, "errors": 0, "skipped": 0}
    assert code == 0


@pytest.mark.parametrize("source, old, new, where", [
    ("plain/deployment.yaml", "readinessProbe:", "readinesProbe:", "'readinesProbe' not allowed"),
    ("plain/hpa.yaml", "type: AverageValue", "type: [AverageValue]", "/spec/metrics/0/pods/target/type"),
    ("kserve/sift-runtime.yaml", "supportedModelFormats:", "supportedModelFormat:", "'supportedModelFormat' not allowed"),
    ("kserve/reranker-inferenceservice.yaml", "minReplicas: 1", "minReplicas: one", "/spec/predictor/minReplicas"),
    ("kserve/reranker-inferenceservice-keda.yaml", "backend: prometheus", "backend: promql", "/backend"),
])
def test_a_broken_manifest_is_refused(tmp_path: Path, source: str, old: str, new: str, where: str):
    text = (MANIFESTS / source).read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / Path(source).name
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, report = validate(broken)
    assert code == 1
    [result] = report["resources"]
    assert result["status"] == "statusInvalid"
    assert where in result["msg"]


def test_a_kind_without_a_vendored_schema_is_an_error(tmp_path: Path):
    pod = tmp_path / "pod.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n", encoding="utf-8")
    code, report = validate(pod)
    assert code == 1
    assert report["resources"][0]["status"] == "statusError"
    assert "could not find schema for Pod" in report["resources"][0]["msg"]
