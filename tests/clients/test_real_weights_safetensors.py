"""Real weights from safetensors: BAAI/bge-small-en-v1.5 and sentence-transformers/all-MiniLM-L6-v2, whose ONNX
graphs ship in Maven Central jars, are converted to Hugging Face checkpoints by testdata/onnx_to_safetensors.py.
A server on the safetensors-only folder (the graph Sift builds from model.safetensors) must give the same
embeddings as a server on the same model's original ONNX graph, within 1e-5.

The jars come from the Java build: bge-small-en-v1.5's is a dependency of sift-server, all-MiniLM-L6-v2's a
test-scoped one, so `mvn verify` resolves both into the local Maven repository (~/.m2/repository, or the one
MAVEN_REPO_LOCAL or -Dmaven.repo.local in MAVEN_OPTS names). Without a jar the model's test is skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, Server, ServerPool

CONVERTER = ROOT / "testdata" / "onnx_to_safetensors.py"


def _load_converter():
    spec = importlib.util.spec_from_file_location("onnx_to_safetensors", CONVERTER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


conv = _load_converter()

MODEL_IDS = ["BAAI/bge-small-en-v1.5", "sentence-transformers/all-MiniLM-L6-v2"]
DIM = 384
TOLERANCE = 1e-5

# Short and long, English and not, one empty; every one well under all-MiniLM-L6-v2's 256 tokens.
TEXTS = [
    "What is the capital of France?",
    "Paris is the capital and most populous city of France.",
    "Berlin is the capital and largest city of Germany.",
    "The Eiffel Tower is located in Paris, France.",
    "how do solar panels make electricity?",
    "Photovoltaic cells convert sunlight directly into electricity; an inverter turns the direct current into "
    "alternating current for the home.",
    "Où se trouve la gare ? 駅はどこですか 🚉 Der Bahnhof liegt neben dem Museum.",
    "",
    " ".join(["The printing press was invented by Johannes Gutenberg in Mainz around 1440, and within a few "
              "decades printed books were sold across Europe."] * 6),
]


def files_under(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


def missing_jar_reason(model) -> str:
    looked = ", ".join(str(p) for p in conv.jar_candidates(model.artifact))
    how = ("it is a dependency of sift-server, so the Java build (mvn verify / ./sift build) puts it in the local "
           "Maven repository" if "bge-small" in model.artifact else
           "it is a test-scoped dependency of sift-server, resolved into the local Maven repository by mvn verify")
    return (f"{model.artifact} not found ({how}; looked at {looked}; "
            f"or: mvn dependency:get -Dartifact={model.artifact} -Dtransitive=false)")


@pytest.fixture(scope="module", params=MODEL_IDS, ids=lambda m: m.split("/")[1])
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """The model converted twice from its jar: (id, safetensors-only folder, ONNX-only folder)."""
    model = conv.MODELS[request.param]
    jar = conv.find_jar(model)
    if jar is None:
        reason = missing_jar_reason(model)
        print(f"SKIP {model.id}: {reason}", file=sys.stderr)
        pytest.skip(reason)
    work = tmp_path_factory.mktemp(model.id.split("/")[1])
    st_dir, onnx_dir = work / "safetensors", work / "onnx"
    cmd = [sys.executable, str(CONVERTER), model.id, str(st_dir), "--onnx-out", str(onnx_dir), "--jar", str(jar),
           "--no-fetch"]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"

    common = {"config.json", "tokenizer.json", "tokenizer_config.json", "modules.json", "sentence_bert_config.json",
              "1_Pooling/config.json"}
    assert set(files_under(st_dir)) == common | {"model.safetensors"}, files_under(st_dir)
    assert set(files_under(onnx_dir)) == common | {"onnx/model.onnx"}, files_under(onnx_dir)
    return model.id, st_dir, onnx_dir


def loaded_line(server: Server) -> str:
    """The server's 'Loaded <name> (<architecture>, <task>, max N tokens, <weights>) in T ms' log line."""
    lines = [line for line in server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
             if re.search(r"\bLoaded .* in \d+ ms", line)]
    assert len(lines) == 1, f"expected one 'Loaded' line in {server.log_path}:\n{server.log_tail(40)}"
    return lines[0]


def embeddings(server: Server, model_id: str) -> tuple[np.ndarray, dict]:
    r = server.post("/v1/embeddings", {"model": model_id, "input": TEXTS, "encoding_format": "float"})
    assert r.status_code == 200, f"{server.name}: {r.status_code} {r.text}"
    body = r.json()
    assert [d["index"] for d in body["data"]] == list(range(len(TEXTS)))
    vectors = np.asarray([d["embedding"] for d in body["data"]], dtype=np.float64)
    assert vectors.shape == (len(TEXTS), DIM), vectors.shape
    return vectors, body["usage"]


def test_safetensors_and_onnx_give_the_same_embeddings(pool: ServerPool, converted: tuple[str, Path, Path],
                                                       tmp_path: Path):
    model_id, st_dir, onnx_dir = converted
    model = conv.MODELS[model_id]
    before = files_under(st_dir)
    assert not [f for f in before if f.endswith(".onnx")]
    short = model_id.split("/")[1]
    env = {"SIFT_HOME": str(tmp_path / "sift-home")}
    # Neither folder needs --weights: each has only one kind of weights.
    from_st = pool.start(f"{short}-safetensors", st_dir, served_names=[model_id], env=env)
    from_onnx = pool.start(f"{short}-onnx", onnx_dir, served_names=[model_id], env=env)
    try:
        st_line, onnx_line = loaded_line(from_st), loaded_line(from_onnx)
        assert "graph built from safetensors" in st_line, st_line
        assert "onnx/model.onnx" in onnx_line, onnx_line
        for line in (st_line, onnx_line):
            assert f"max {model.max_seq_length} tokens" in line, line  # sentence_bert_config.json's max_seq_length

        got, got_usage = embeddings(from_st, model_id)
        want, want_usage = embeddings(from_onnx, model_id)
        assert got_usage == want_usage
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)  # Normalize
        diff = float(np.max(np.abs(got - want)))
        print(f"{model_id}: max |safetensors - onnx| embedding difference {diff:.3g} over {len(TEXTS)} texts")
        assert diff <= TOLERANCE, f"{model_id}: embeddings from safetensors and ONNX differ by {diff:.3g}"
        # Not a trivially constant model: different texts, clearly different vectors.
        assert float(np.max(np.abs(want[0] - want[1]))) > 1e-2
    finally:
        from_st.stop()
        from_onnx.stop()
    after = files_under(st_dir)
    assert after == before, "serving the safetensors folder changed it (no ONNX graph may appear there)"
