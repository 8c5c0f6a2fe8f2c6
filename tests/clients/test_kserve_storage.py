"""KServe storage: the storage initializer copies a model (hf://, s3://, gs://) into a flat folder, mounts it read-only
at /mnt/models and starts the server on it. Sift must serve it as it is and write nothing into it.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import MODELS, ServerPool, load_golden

FIXTURE = MODELS / "qwen3-reranker"


def listing(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under root with its size, mode and modification time."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(root))] = (st.st_size, stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def mnt_models() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="sift-kserve-"))
    models = tmp / "mnt" / "models"
    shutil.copytree(FIXTURE, models)
    for path in [models, *models.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    yield models
    for path in [models, *models.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)
    shutil.rmtree(tmp)


def test_a_read_only_flat_folder_is_served_unchanged(pool: ServerPool, mnt_models: Path):
    before = listing(mnt_models)
    assert not os.access(mnt_models, os.W_OK) or os.geteuid() == 0  # root ignores the mode; the listing below decides
    # The folder's name says nothing about the model, so the LLM reranker's family is named on the command line,
    # as a KServe InferenceService's args would.
    server = pool.start("kserve-mnt-models", mnt_models, served_names=["qwen3-reranker"],
                        extra_args=["--llm-reranker", "qwen3-reranker"],
                        env={"SIFT_HOME": str(mnt_models.parent.parent / "sift-home")})
    golden = load_golden(FIXTURE)
    case = golden["cases"][0]
    for path in ("/v1/rerank", "/openai/v1/rerank"):
        r = server.post(path, {"model": "qwen3-reranker", "query": case["text_1"], "documents": case["text_2"]})
        assert r.status_code == 200, r.text
        scores = {res["index"]: res["relevance_score"] for res in r.json()["results"]}
        for i, expected in enumerate(case["scores"]):
            assert scores[i] == pytest.approx(expected, abs=1e-5)
    assert listing(mnt_models) == before
