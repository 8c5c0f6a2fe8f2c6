"""A local stand-in for the Hugging Face Hub, speaking its HTTP protocol as huggingface_hub 2.4.0 and Sift use it.

Two servers on 127.0.0.1, each on its own port and thread (stdlib ``http.server`` only):

- the **Hub**: ``GET /api/models/{repo}[/revision/{rev}]`` (model info: ``sha``, ``siblings``),
  ``GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=&expand=`` (the tree listing ``snapshot_download`` caches
  as ``trees/<commit>.json``), and ``HEAD``/``GET /{repo}/resolve/{rev}/{path}``. Every resolve answer carries
  ``X-Repo-Commit``. A regular (git) file is answered 200 with ``ETag: "<git blob sha1>"``; a large (LFS) file is
  a 302 to the storage host with ``X-Linked-Etag: "<sha256>"`` and ``X-Linked-Size``, as the Hub answers for LFS
  files not stored on Xet (no ``X-Xet-*`` header or ``xet-auth`` link is ever sent, so huggingface_hub takes its
  plain HTTP path). Errors carry the Hub's ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``,
  ``EntryNotFound``). A renamed repository answers every route with a *relative* 307 to its new name, as the Hub
  does.
- the **storage** host (the CDN a LFS download is redirected to): ``GET /lfs/{sha256}?...`` serves the bytes.

Each request is recorded in ``requests`` (host, method, path, whether an Authorization header came), so a test can
check what a client asked for, and that a token never went to the storage host. ``close()`` stops both servers;
after it the ports refuse connections.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

LFS_SUFFIXES = (".onnx", ".safetensors", ".bin", ".onnx_data")
DATE = "2025-01-01T00:00:00.000Z"


def git_blob_sha1(content: bytes) -> str:
    """The git object id of a file, as the Hub reports a regular file's ETag and tree ``oid``."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(content: bytes) -> bytes:
    return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{hashlib.sha256(content).hexdigest()}\n"
            f"size {len(content)}\n").encode()


@dataclass(frozen=True)
class HubFile:
    path: str
    content: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_oid(self) -> str:
        """The git blob id: of the content for a regular file, of the pointer for a LFS file."""
        return git_blob_sha1(lfs_pointer(self.content) if self.lfs else self.content)

    @property
    def etag(self) -> str:
        """What huggingface_hub and Sift name the blob after: sha256 for LFS, git blob sha1 otherwise."""
        return self.sha256 if self.lfs else self.git_oid


@dataclass
class Repo:
    commits: dict[str, dict[str, HubFile]] = field(default_factory=dict)  # commit -> path -> file
    refs: dict[str, str] = field(default_factory=dict)  # branch or tag -> commit

    def resolve(self, revision: str) -> str | None:
        if revision in self.commits:
            return revision
        return self.refs.get(revision)


@dataclass(frozen=True)
class Request:
    host: str  # "hub" or "storage"
    method: str
    path: str
    authorized: bool


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.renamed: dict[str, str] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}  # sha256 -> content, the storage host's store
        self._hub = _start(self, "hub")
        self._storage = _start(self, "storage")
        self._closed = False

    # -- set-up -----------------------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._hub.server_address[1]}"

    @property
    def storage_url(self) -> str:
        return f"http://127.0.0.1:{self._storage.server_address[1]}"

    def commit(self, repo_id: str, files: dict[str, bytes], *, branch: str | None = "main",
               parent: str | None = None) -> str:
        """Adds a commit holding ``files`` (LFS by suffix), points ``branch`` at it, and returns its sha."""
        repo = self.repos.setdefault(repo_id, Repo())
        tree = {p: HubFile(p, c, p.endswith(LFS_SUFFIXES)) for p, c in sorted(files.items())}
        digest = hashlib.sha1(json.dumps([repo_id, parent, [(p, f.git_oid) for p, f in tree.items()]]).encode())
        sha = digest.hexdigest()
        with self._lock:
            repo.commits[sha] = tree
            if branch is not None:
                repo.refs[branch] = sha
            for f in tree.values():
                if f.lfs:
                    self._blobs[f.sha256] = f.content
        return sha

    def publish_folder(self, repo_id: str, folder: Path, *, branch: str = "main", extra: dict[str, bytes] | None = None,
                       parent: str | None = None) -> str:
        """Publishes every file under ``folder`` (plus ``extra``) as one commit on ``branch``."""
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        files.update(extra or {})
        return self.commit(repo_id, files, branch=branch, parent=parent)

    def rename(self, old: str, new: str) -> None:
        self.renamed[old] = new

    def requests_to(self, host: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.host == host]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for server in (self._hub, self._storage):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> "FakeHub":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


def _start(hub: FakeHub, role: str) -> ThreadingHTTPServer:
    handler = type(f"{role.title()}Handler", (_HubHandler if role == "hub" else _StorageHandler,), {"hub": hub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"fakehub-{role}", daemon=True).start()
    return server


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so nothing stays open once the hub is closed.
    protocol_version = "HTTP/1.0"
    hub: FakeHub
    role = ""

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        self.hub._record(Request(self.role, self.command, self.path, "Authorization" in self.headers))
        try:
            self.handle_route(head)
        except BrokenPipeError:
            pass

    def handle_route(self, head: bool) -> None:
        raise NotImplementedError

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, head: bool = False,
              content_type: str = "application/octet-stream") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def json(self, status: int, data, headers: dict[str, str] | None = None, head: bool = False) -> None:
        self.reply(status, json.dumps(data).encode(), headers, head, "application/json; charset=utf-8")

    def error(self, status: int, code: str | None, message: str, head: bool, headers: dict[str, str] | None = None):
        h = dict(headers or {})
        if code:
            h["X-Error-Code"] = code
        h["X-Error-Message"] = message
        self.json(status, {"error": message}, h, head)


class _HubHandler(_Handler):
    role = "hub"

    def handle_route(self, head: bool) -> None:
        url = urlsplit(self.path)
        parts = url.path.split("/")  # still percent-encoded: a revision like refs%2Fpr%2F1 stays one part
        query = parse_qs(url.query)
        if parts[1:3] == ["api", "models"] and len(parts) >= 5:
            repo_id, rest = f"{unquote(parts[3])}/{unquote(parts[4])}", parts[5:]
            if self._renamed(repo_id, url, head):
                return
            if rest[:1] == ["revision"] and len(rest) == 2:
                return self._model_info(repo_id, unquote(rest[1]), head)
            if not rest:
                return self._model_info(repo_id, "main", head)
            if rest[:1] == ["tree"] and len(rest) >= 2:
                return self._tree(repo_id, unquote(rest[1]), "/".join(unquote(p) for p in rest[2:]), query, head)
            return self.error(404, None, "Not Found", head)
        if len(parts) >= 6 and parts[3] == "resolve":
            repo_id = f"{unquote(parts[1])}/{unquote(parts[2])}"
            if self._renamed(repo_id, url, head):
                return
            return self._resolve(repo_id, unquote(parts[4]), "/".join(unquote(p) for p in parts[5:]), head)
        self.error(404, None, "Not Found", head)

    def _renamed(self, repo_id: str, url, head: bool) -> bool:
        new = self.hub.renamed.get(repo_id)
        if new is None:
            return False
        old_path, new_path = "/" + quote(repo_id), "/" + quote(new)
        location = url.path.replace(old_path, new_path, 1) + (f"?{url.query}" if url.query else "")
        self.reply(307, f"Temporary Redirect. Redirecting to {location}".encode(), {"Location": location}, head,
                   "text/plain; charset=utf-8")
        return True

    def _repo(self, repo_id: str, revision: str, head: bool) -> tuple[Repo, str] | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self.error(404, "RepoNotFound", "Repository not found", head)
            return None
        commit = repo.resolve(revision)
        if commit is None:
            self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}", head)
            return None
        return repo, commit

    def _model_info(self, repo_id: str, revision: str, head: bool) -> None:
        found = self._repo(repo_id, revision, head)
        if found is None:
            return
        repo, commit = found
        files = repo.commits[commit]
        self.json(200, {
            "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24], "id": repo_id, "modelId": repo_id,
            "author": repo_id.split("/")[0], "sha": commit, "lastModified": DATE, "createdAt": DATE,
            "private": False, "gated": False, "disabled": False, "downloads": 0, "likes": 0, "tags": [],
            "pipeline_tag": "text-ranking", "library_name": "sentence-transformers",
            "siblings": [{"rfilename": p} for p in files],
        }, head=head)

    def _tree(self, repo_id: str, revision: str, prefix: str, query: dict, head: bool) -> None:
        found = self._repo(repo_id, revision, head)
        if found is None:
            return
        repo, commit = found
        recursive = query.get("recursive", ["false"])[0].lower() in ("1", "true")
        expand = query.get("expand", ["false"])[0].lower() in ("1", "true")
        base = prefix.strip("/")
        entries: dict[str, dict] = {}
        for path, f in repo.commits[commit].items():
            if base and not path.startswith(base + "/"):
                continue
            rel = path[len(base) + 1:] if base else path
            segments = rel.split("/")
            for depth in range(1, len(segments)):  # the folders on the way, as the Hub lists them
                folder = "/".join(([base] if base else []) + segments[:depth])
                if recursive or depth == 1:
                    entries.setdefault(folder, {"type": "directory", "oid": git_blob_sha1(folder.encode()), "size": 0,
                                                "path": folder})
            if len(segments) > 1 and not recursive:
                continue
            entry = {"type": "file", "oid": f.git_oid, "size": len(f.content), "path": path}
            if f.lfs:
                entry["lfs"] = {"oid": f.sha256, "size": len(f.content), "pointerSize": len(lfs_pointer(f.content))}
            if expand:
                entry["lastCommit"] = {"id": commit, "title": "Upload", "date": DATE}
                entry["securityFileStatus"] = {"status": "safe", "avScan": {"virusFound": False},
                                               "pickleImportScan": None}
            entries[path] = entry
        if base and not entries:
            return self.error(404, "EntryNotFound", f"{prefix} does not exist on {revision}", head)
        self.json(200, [entries[k] for k in sorted(entries)], head=head)

    def _resolve(self, repo_id: str, revision: str, path: str, head: bool) -> None:
        found = self._repo(repo_id, revision, head)
        if found is None:
            return
        repo, commit = found
        f = repo.commits[commit].get(path)
        headers = {"X-Repo-Commit": commit, "Accept-Ranges": "bytes", "Vary": "Origin, Accept-Encoding"}
        if f is None:
            return self.error(404, "EntryNotFound", "Entry not found", head, headers)
        if f.lfs:
            location = f"{self.hub.storage_url}/lfs/{f.sha256}?response-content-disposition=attachment&sig=fake"
            headers.update({"Location": location, "X-Linked-Etag": f'"{f.sha256}"',
                            "X-Linked-Size": str(len(f.content)), "ETag": f'"{f.git_oid}"'})
            return self.reply(302, f"Found. Redirecting to {location}".encode(), headers, head,
                              "text/plain; charset=utf-8")
        headers["ETag"] = f'"{f.git_oid}"'
        self.reply(200, f.content, headers, head)


class _StorageHandler(_Handler):
    role = "storage"

    def handle_route(self, head: bool) -> None:
        url = urlsplit(self.path)
        if not url.path.startswith("/lfs/"):
            return self.error(404, None, "Not Found", head)
        content = self.hub._blobs.get(url.path[len("/lfs/"):])
        if content is None:
            return self.error(404, None, "NoSuchKey", head)
        self.reply(200, content, {"ETag": f'"{hashlib.md5(content).hexdigest()}"', "Accept-Ranges": "bytes"}, head)
