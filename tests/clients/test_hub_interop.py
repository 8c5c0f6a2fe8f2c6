"""Sift and Python's huggingface_hub share one Hub cache, both ways, against a local fake Hub (``fakehub.py``).

(a) ``./sift serve org/name`` downloads from the fake Hub; with the Hub stopped, huggingface_hub finds every file
    Sift fetched (``hf_hub_download(local_files_only=True)``, ``try_to_load_from_cache``, ``scan_cache_dir``), and
    the layout is the one huggingface_hub itself writes (same blob names, link targets and refs).
(b) huggingface_hub's ``snapshot_download`` fills a cache; with the Hub stopped, Sift serves from it with
    ``HF_HUB_OFFLINE=1``, and with the Hub unreachable (not offline) at a branch other than main.

The fake Hub's repository has two commits: ``main`` (the cross-encoder fixture as is) and ``v1`` (the same files
with the sentence-transformers activation set to Identity), so serving ``@v1`` gives the golden *raw* scores and
proves which snapshot was read. huggingface_hub reads its environment at import, so every call here passes
``cache_dir`` and ``endpoint`` explicitly; Sift gets the environment variables.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import constants as hf_constants
from huggingface_hub import hf_hub_download, scan_cache_dir, snapshot_download, try_to_load_from_cache

from conftest import CROSS_ENCODER, Server, ServerPool, free_port, load_golden
from fakehub import FakeHub

REPO = "sift-tests/bert-cross-encoder"
CACHE_FOLDER = "models--sift-tests--bert-cross-encoder"
TOKEN = "hf_fake_interop_token"
# What Sift fetches of this repository: its configuration files, the tokenizer and one ONNX graph.
NEEDED = sorted(["config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
                 "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"])
GOLDEN = load_golden(CROSS_ENCODER)


def repo_files(identity: bool = False) -> dict[str, bytes]:
    """The fixture's files as a Hub repository holds them (plus a README and .gitattributes, never fetched)."""
    files = {p.relative_to(CROSS_ENCODER).as_posix(): p.read_bytes()
             for p in sorted(CROSS_ENCODER.rglob("*")) if p.is_file()}
    files["README.md"] = b"---\nlibrary_name: sentence-transformers\n---\n# Tiny cross-encoder for Sift's tests\n"
    files[".gitattributes"] = (b"*.onnx filter=lfs diff=lfs merge=lfs -text\n"
                               b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n")
    if identity:
        st = json.loads(files["config_sentence_transformers.json"])
        st["activation_fn"] = "torch.nn.modules.linear.Identity"
        files["config_sentence_transformers.json"] = json.dumps(st, indent=2).encode()
    return files


def start_hub() -> tuple[FakeHub, dict[str, str], dict[str, dict[str, bytes]]]:
    """A fake Hub with REPO at v1 and main; returns it, {branch: commit} and {commit: files}."""
    hub = FakeHub()
    v1_files, main_files = repo_files(identity=True), repo_files()
    v1 = hub.commit(REPO, v1_files, branch="v1")
    main = hub.commit(REPO, main_files, branch="main", parent=v1)
    return hub, {"v1": v1, "main": main}, {v1: v1_files, main: main_files}


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temporary HF_HOME (and anything else a test writes), removed afterwards."""
    d = Path(tempfile.mkdtemp(prefix="sift-hub-interop-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(autouse=True)
def online_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub took HF_HUB_OFFLINE from this process's environment at import: force it off here."""
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)


def sift_env(home: Path, endpoint: str, *, offline: bool) -> dict[str, str]:
    """Everything Sift's Hub code reads, set explicitly so nothing leaks in from the caller's environment."""
    return {"HF_ENDPOINT": endpoint, "HF_HOME": str(home), "HF_HUB_CACHE": str(home / "hub"),
            "HF_HUB_OFFLINE": "1" if offline else "0", "TRANSFORMERS_OFFLINE": "0", "HF_TOKEN": TOKEN,
            "HF_TOKEN_PATH": str(home / "no-token"), "SIFT_HOME": str(home / "sift")}


def serve(pool: ServerPool, name: str, model: str, env: dict[str, str]) -> Server:
    return pool.start(name, model, env=env, served_names=["interop"])


def assert_golden(server: Server, key: str = "scores") -> None:
    """Every golden case through /score: ``scores`` (sigmoid) or ``raw_scores`` (Identity)."""
    for case in GOLDEN["cases"]:
        got = server.score(case["text_1"], case["text_2"], truncate_prompt_tokens=-1)
        assert got == pytest.approx(case[key], abs=1e-5), case["name"]


def cache_listing(root: Path) -> dict[str, str]:
    """Every entry under ``root``: link targets as written, file sizes and ref contents, folders."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        elif "/refs/" in f"/{rel}":
            out[rel] = "ref " + repr(p.read_bytes())
        else:
            out[rel] = f"{p.stat().st_size} bytes"
    return out


def layout(cache: Path) -> dict[str, str]:
    """The part of a repository's cache folder both tools write: blobs, snapshots (link targets), refs.
    huggingface_hub's own extras (``.locks``, ``CACHEDIR.TAG``, ``trees/``, ``.no_exist``) are left out."""
    repo = cache / CACHE_FOLDER
    return {k: v for k, v in cache_listing(repo).items() if k.split("/")[0] in ("blobs", "snapshots", "refs")}


# -- (a) Sift downloads, huggingface_hub finds it -------------------------------------------------------------------

def test_sift_download_is_found_by_huggingface_hub(pool: ServerPool, workdir: Path):
    hub, commits, contents = start_hub()
    main = commits["main"]
    cache = workdir / "hub"
    try:
        server = serve(pool, "hub-sift-downloads", REPO, sift_env(workdir, hub.endpoint, offline=False))
        try:
            assert_golden(server)
        finally:
            server.stop()
        sift_requests = list(hub.requests)
    finally:
        hub.close()

    # What Sift asked for: the revision once, then each needed file at the resolved commit; LFS bytes from the
    # storage host, without the token (which only the Hub's host saw).
    fetched = sorted({r.path.split(f"/resolve/{main}/", 1)[1] for r in sift_requests
                      if r.host == "hub" and r.method == "HEAD" and "/resolve/" in r.path})
    assert fetched == NEEDED, sift_requests
    assert [r.path for r in sift_requests if r.host == "hub" and r.path.startswith("/api/")] == \
        [f"/api/models/{REPO}/revision/main"]
    storage = [r for r in sift_requests if r.host == "storage"]
    onnx_sha256 = hub.repos[REPO].commits[main]["onnx/model.onnx"].sha256
    assert [r.path.split("?")[0] for r in storage] == [f"/lfs/{onnx_sha256}"]
    assert not any(r.authorized for r in storage), "the token went to the storage host"
    assert all(r.authorized for r in sift_requests if r.host == "hub")

    # The Hub is gone: huggingface_hub finds every file offline, by branch name and by commit, with the bytes served.
    snapshot = cache / CACHE_FOLDER / "snapshots" / main
    for f in NEEDED:
        path = hf_hub_download(REPO, f, cache_dir=cache, local_files_only=True)
        assert Path(path) == snapshot / f
        assert Path(path).read_bytes() == contents[main][f], f
        assert hf_hub_download(REPO, f, revision=main, cache_dir=cache, local_files_only=True) == path
        assert try_to_load_from_cache(REPO, f, cache_dir=cache, revision="main") == path
        assert try_to_load_from_cache(REPO, f, cache_dir=cache, revision=main) == path
    assert try_to_load_from_cache(REPO, "model.safetensors", cache_dir=cache, revision="main") is None
    assert snapshot_download(REPO, cache_dir=cache, local_files_only=True) == str(snapshot)

    info = scan_cache_dir(cache)
    assert info.warnings == []
    assert info.incomplete_files == frozenset()
    assert [(r.repo_id, r.repo_type) for r in info.repos] == [(REPO, "model")]
    (repo,) = info.repos
    assert [(r.commit_hash, set(r.refs)) for r in repo.revisions] == [(main, {"main"})]
    (revision,) = repo.revisions
    assert sorted(f.file_path.relative_to(snapshot).as_posix() for f in revision.files) == NEEDED
    assert repo.size_on_disk == sum(len(contents[main][f]) for f in NEEDED)
    for f in revision.files:
        assert f.blob_path.parent == cache / CACHE_FOLDER / "blobs"

    # The same download by huggingface_hub itself, from a fresh Hub with the same repository, lays out the same
    # blobs, link targets and refs; and, pointed at Sift's cache, it fetches no file again.
    hub2, commits2, _ = start_hub()
    try:
        assert commits2 == commits
        py_cache = workdir / "python-hub"
        snapshot_download(REPO, cache_dir=py_cache, endpoint=hub2.endpoint, allow_patterns=NEEDED, token=TOKEN)
        assert layout(cache) == layout(py_cache)
        hub2.requests.clear()
        assert snapshot_download(REPO, cache_dir=cache, endpoint=hub2.endpoint, allow_patterns=NEEDED,
                                 token=TOKEN) == str(snapshot)
        downloads = [r for r in hub2.requests if r.method == "GET" and (r.host == "storage" or "/resolve/" in r.path)]
        assert downloads == [], "huggingface_hub downloaded again what Sift had fetched"
    finally:
        hub2.close()


# -- (b) huggingface_hub downloads, Sift serves it without the Hub -------------------------------------------------

def test_python_download_is_served_by_sift_without_the_hub(pool: ServerPool, workdir: Path):
    hub, commits, _ = start_hub()
    cache = workdir / "hub"
    try:
        for branch in ("main", "v1"):
            path = snapshot_download(REPO, revision=branch, cache_dir=cache, endpoint=hub.endpoint,
                                     allow_patterns=NEEDED, token=TOKEN)
            assert path == str(cache / CACHE_FOLDER / "snapshots" / commits[branch])
        # The ONNX graph (LFS) came from the storage host once, without the token: v1 shares main's blob.
        storage = hub.requests_to("storage")
        assert len(storage) == 1 and not storage[0].authorized, storage
    finally:
        hub.close()
    assert (cache / CACHE_FOLDER / "refs" / "main").read_text() == commits["main"]
    assert (cache / CACHE_FOLDER / "refs" / "v1").read_text() == commits["v1"]
    before = cache_listing(cache)

    # HF_HUB_OFFLINE=1: main, through refs/main, with the sigmoid scores; the cache is left as it was.
    offline = serve(pool, "hub-offline", REPO, sift_env(workdir, hub.endpoint, offline=True))
    try:
        assert_golden(offline, "scores")
    finally:
        offline.stop()
    assert "HF_HUB_OFFLINE" in offline.log_tail(), offline.log_tail()
    assert cache_listing(cache) == before

    # Not offline, but nothing answers at HF_ENDPOINT: the branch v1, through refs/v1, whose Identity activation
    # gives the raw scores (so this is v1's snapshot, not main's).
    dead = f"http://127.0.0.1:{free_port()}"
    unreachable = serve(pool, "hub-unreachable", f"{REPO}@v1", sift_env(workdir, dead, offline=False))
    try:
        assert_golden(unreachable, "raw_scores")
    finally:
        unreachable.stop()
    assert "cannot be reached" in unreachable.log_tail(), unreachable.log_tail()
    assert cache_listing(cache) == before


# -- (c) a safetensors checkpoint, shared both ways ------------------------------------------------------------------

# What Sift fetches with --weights safetensors (and, for a repository without a graph, by default).
SAFETENSORS_NEEDED = sorted([f for f in NEEDED if f != "onnx/model.onnx"] + ["model.safetensors"])


def test_safetensors_checkpoint_is_shared_with_huggingface_hub_both_ways(pool: ServerPool, workdir: Path):
    hub, commits, contents = start_hub()
    main = commits["main"]
    sift_home, python_home = workdir / "sift-side", workdir / "python-side"
    try:
        # Sift fetches the checkpoint instead of the graph and builds the graph from it.
        server = pool.start("hub-safetensors", REPO, env=sift_env(sift_home, hub.endpoint, offline=False),
                            served_names=["interop"], extra_args=["--weights", "safetensors"])
        try:
            assert_golden(server)
        finally:
            server.stop()
        assert "graph built from safetensors" in server.log_tail(), server.log_tail()
        fetched = sorted({r.path.split(f"/resolve/{main}/", 1)[1] for r in hub.requests
                          if r.host == "hub" and r.method == "HEAD" and "/resolve/" in r.path})
        assert fetched == SAFETENSORS_NEEDED, fetched

        # Python downloads the same files into its own cache, for Sift to serve offline below.
        snapshot_download(REPO, cache_dir=python_home / "hub", endpoint=hub.endpoint, allow_patterns=SAFETENSORS_NEEDED,
                          token=TOKEN)
    finally:
        hub.close()

    # huggingface_hub finds Sift's download offline, byte for byte.
    found = try_to_load_from_cache(REPO, "model.safetensors", cache_dir=sift_home / "hub", revision=main)
    assert isinstance(found, str) and Path(found).read_bytes() == contents[main]["model.safetensors"]
    assert not (sift_home / "hub" / CACHE_FOLDER / "snapshots" / main / "onnx").exists()

    # Sift serves Python's download with the Hub gone, from safetensors (the snapshot has no graph).
    offline = pool.start("hub-safetensors-offline", REPO, env=sift_env(python_home, hub.endpoint, offline=True),
                         served_names=["interop"])
    try:
        assert_golden(offline)
    finally:
        offline.stop()
    assert "graph built from safetensors" in offline.log_tail(), offline.log_tail()


# -- a renamed repository (the Hub answers the old name with a relative 307) ----------------------------------------

def test_huggingface_hub_follows_a_renamed_repository(workdir: Path):
    hub, commits, contents = start_hub()
    hub.rename("old-org/bert-cross-encoder", REPO)
    try:
        path = snapshot_download("old-org/bert-cross-encoder", cache_dir=workdir, endpoint=hub.endpoint,
                                 allow_patterns=NEEDED)
    finally:
        hub.close()
    # huggingface_hub keeps the name it was asked for in the cache.
    assert path == str(workdir / "models--old-org--bert-cross-encoder" / "snapshots" / commits["main"])
    assert (Path(path) / "onnx" / "model.onnx").read_bytes() == contents[commits["main"]]["onnx/model.onnx"]
    assert any(r.path.startswith("/api/models/old-org/") for r in hub.requests)


def test_sift_follows_a_renamed_repository(pool: ServerPool, workdir: Path):
    hub, _, _ = start_hub()
    hub.rename("old-org/bert-cross-encoder", REPO)
    try:
        env = sift_env(workdir, hub.endpoint, offline=False)
        server = serve(pool, "hub-renamed", "old-org/bert-cross-encoder", env)
        try:
            assert_golden(server)
        finally:
            server.stop()
    finally:
        hub.close()
