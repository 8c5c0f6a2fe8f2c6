#!/usr/bin/env python3
"""Sift benchmark harness: Sift and its peers side by side, same weights, same inputs, one run.

Start it with bench/run (which prepares bench/.venv first):

    bench/run --quick          minilm only (+ int8), msmarco at concurrency 1 and 4, single at 16
    bench/run                  three models with 100-document requests, the cache, batch settings (about 50 minutes
                               on 2 cores: see bench/README.md)

Writes bench/results/latest.json, docs/benchmarks.md and docs/img/*.png. See bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import statistics
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from importlib import metadata
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODELS = HERE / "models"
RESULTS = HERE / "results"
TMP = RESULTS / "tmp"
DOCS = ROOT / "docs"
IMG = DOCS / "img"
SEED = 7
MAX_LEN = 512
# Quick mode's msmarco requests carry the first 10 of the 100 documents: on a 2-core machine a 100-document
# request of minilm takes 10-20 s, and quick mode must finish in 10 minutes.
QUICK_MSMARCO_DOCS = 10
LC4J_SCORING = "dev.langchain4j:langchain4j-onnx-scoring:1.17.2-beta27"
INFINITY_PIN = "infinity-emb[server,torch]==0.0.78"

T_START = time.time()


def log(msg: str) -> None:
    print(f"[{time.time() - T_START:7.1f}s] {msg}", flush=True)


# --------------------------------------------------------------------------------------------------------------
# Machine, versions, tools
# --------------------------------------------------------------------------------------------------------------

def cores() -> int:
    return len(os.sched_getaffinity(0))


def machine_info() -> dict:
    cpu = "unknown"
    flags = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    lscpu = {}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            k, _, v = line.partition(":")
            lscpu[k.strip()] = v.strip()
    except OSError:
        pass
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "avx_vnni") if f in flags]
    return {
        "cpu_model": cpu, "cores_usable": cores(), "logical_cpus": os.cpu_count(),
        "threads_per_core": lscpu.get("Thread(s) per core"), "sockets": lscpu.get("Socket(s)"),
        "l3_cache": lscpu.get("L3 cache"), "hypervisor": lscpu.get("Hypervisor vendor"),
        "simd": simd, "memory_gib": round(mem / 2**30, 1), "kernel": platform.release(),
        "os": platform.platform(), "python": platform.python_version(),
    }


def java_major(java: Path) -> int:
    try:
        out = subprocess.run([str(java), "-XshowSettings:properties", "-version"], capture_output=True, text=True).stderr
        m = re.search(r"java\.specification\.version = (\d+)", out)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def find_jdk() -> Path:
    cands = []
    if os.environ.get("JAVA_HOME"):
        cands.append(Path(os.environ["JAVA_HOME"]))
    j = shutil.which("java")
    if j:
        cands.append(Path(os.path.realpath(j)).parent.parent)
    for pat in ("/usr/lib/jvm/*", "/opt/java/*", "/opt/jdk*"):
        cands += sorted(Path("/").glob(pat.lstrip("/")))
    best, best_major = None, 0
    for home in cands:
        if not (home / "bin" / "javac").exists():
            continue
        m = java_major(home / "bin" / "java")
        if m >= 21 and (best is None or m > best_major):
            best, best_major = home, m
            if home == cands[0]:
                break
    if best is None:
        sys.exit("bench: no JDK 21 or newer found (apt-get install openjdk-21-jdk-headless)")
    return best


def find_maven(sift_src: Path) -> str:
    m = shutil.which("mvn")
    if m:
        return m
    for p in sorted((sift_src / ".sift-tools").glob("apache-maven-*/bin/mvn")):
        return str(p)
    sys.exit("bench: Maven not found; run ./sift build once (it fetches Maven from Maven Central)")


def newer_sources(root: Path, stamp: Path, globs=("*.java", "pom.xml")) -> bool:
    if not stamp.exists():
        return True
    t = stamp.stat().st_mtime
    for g in globs:
        for p in root.rglob(g):
            if "target" in p.parts:
                continue
            if p.stat().st_mtime > t:
                return True
    return False


def env_java(jdk: Path) -> dict:
    env = dict(os.environ, JAVA_HOME=str(jdk), TOKENIZERS_PARALLELISM="false")
    if java_major(jdk / "bin" / "java") >= 24:
        env["MAVEN_OPTS"] = (env.get("MAVEN_OPTS", "") + " --sun-misc-unsafe-memory-access=allow").strip()
    return env


def build_sift(sift_src: Path, jdk: Path) -> None:
    jar = sift_src / "sift-server" / "target" / "sift-server.jar"
    core = sift_src / "sift-core" / "target" / "sift-core-0.1.0-SNAPSHOT.jar"
    stale = any(newer_sources(sift_src / m, jar) for m in ("sift-core", "sift-server")) or \
        (sift_src / "pom.xml").stat().st_mtime > (jar.stat().st_mtime if jar.exists() else 0)
    if stale or not core.exists():
        log(f"building Sift in {sift_src} (./sift build)")
        subprocess.run([str(sift_src / "sift"), "build"], check=True, env=env_java(jdk), cwd=sift_src)


def build_bench_java(sift_src: Path, jdk: Path) -> None:
    proj = HERE / "java"
    jar = proj / "target" / "sift-bench.jar"
    core = sift_src / "sift-core" / "target" / "sift-core-0.1.0-SNAPSHOT.jar"
    if newer_sources(proj, jar) or core.stat().st_mtime > jar.stat().st_mtime:
        log("building bench/java (Maven)")
        subprocess.run([find_maven(sift_src), "-q", "-B", "-ntp", "-f", str(proj / "pom.xml"), "package",
                        f"-Dsift.core.jar={core}"], check=True, env=env_java(jdk))


def pkg_versions(names) -> dict:
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = None
    return out


def git_info() -> dict:
    def g(*a):
        try:
            return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"commit": g("rev-parse", "HEAD"), "dirty_files": len([x for x in g("status", "--porcelain").splitlines() if x])}


# --------------------------------------------------------------------------------------------------------------
# Peak matrix throughput and FLOPs per pair
# --------------------------------------------------------------------------------------------------------------

def peak_flops(n: int, repeats: int) -> dict:
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm-up: thread pool, page faults
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    flop = 2.0 * n ** 3
    blas = "unknown"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "unknown")
    except Exception:  # noqa: BLE001
        pass
    return {"matrix": n, "dtype": "float32", "repeats": repeats, "best_s": min(times),
            "gflops_best": flop / min(times) / 1e9, "gflops_median": flop / sorted(times)[len(times) // 2] / 1e9,
            "blas": blas, "threads": "numpy default (all usable cores)"}


def model_shape(model_dir: Path) -> dict:
    c = json.loads((model_dir / "config.json").read_text())
    d, f, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    # non-embedding parameters: per layer Q,K,V,O (4 d^2 + 4 d) + FFN (2 d f + d + f) + 2 layer norms (4 d);
    # plus the classification head (dense d x d + out d x 1).
    per_layer = 4 * d * d + 4 * d + 2 * d * f + d + f + 4 * d
    return {"layers": L, "hidden": d, "intermediate": f, "heads": c["num_attention_heads"],
            "non_embedding_params": L * per_layer + d * d + d + d + 1, "vocab_size": c["vocab_size"]}


def pair_flops(shape: dict, n: int) -> float:
    """FLOPs of one forward pass over n real tokens: 2 x (encoder weights) per token, plus attention scores and
    the weighted sum of values (2 x n^2 x d each per layer), plus the classification head once."""
    d, f, L = shape["hidden"], shape["intermediate"], shape["layers"]
    return L * (2.0 * n * (4 * d * d + 2 * d * f) + 4.0 * n * n * d) + 2.0 * (d * d + d)


# --------------------------------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------------------------------

def corpus_sentences() -> list[str]:
    src = (ROOT / "testdata" / "generate.py").read_text()
    m = re.search(r'SENTENCES = """\\\n(.*?)"""', src, re.S)
    sents = [s.strip() for s in m.group(1).splitlines() if s.strip()]
    assert len(sents) > 50
    return sents


def make_workloads(model: str, names: list[str], msmarco_docs: int = 100) -> dict[str, Path]:
    import tokenizers

    model_dir = MODELS / model
    tok = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    trunc = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    trunc.no_padding()
    trunc.enable_truncation(max_length=MAX_LEN, strategy="longest_first")
    is_bert = "[CLS]" in tok.get_vocab()
    sents = corpus_sentences()
    words = sorted({w.strip('.,?!:;"()').lower() for s in sents for w in s.split()} - {""})

    def ntok(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    def doc_of(rng: random.Random, target: int) -> str:
        text = ""
        while ntok(text) < target + 4:
            text += (" " if text else "") + rng.choice(sents)
        enc = tok.encode(text, add_special_tokens=False)
        text = text[: enc.offsets[target - 1][1]]
        while ntok(text) > target:
            text = text[: text.rstrip().rfind(" ")]
        return text.strip()

    def query_of(rng: random.Random) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(6, 12))) + "?"

    specials = len(tok.encode("a", "b").ids) - 2

    def requests_of(rng: random.Random, name: str, n_req: int, n_docs: int) -> list[dict]:
        reqs = []
        for _ in range(n_req):
            q = query_of(rng)
            qlen = ntok(q)
            if name == "msmarco":
                targets = [rng.randint(20, 250) for _ in range(100)][:n_docs]
            elif name == "long":
                targets = [MAX_LEN - 4 - specials - qlen] * n_docs  # pairs of 508 tokens: just under 512
            else:
                targets = [60] * n_docs
            docs = [doc_of(rng, t) for t in targets]
            encs = trunc.encode_batch([(q, d) for d in docs])
            r = {"query": q, "documents": docs, "doc_tokens": [ntok(d) for d in docs],
                 "tokens": [len(e.ids) for e in encs], "ids": [e.ids for e in encs]}
            if is_bert:
                r["type_ids"] = [e.type_ids for e in encs]
            reqs.append(r)
        return reqs

    out = {}
    for name in names:
        suffix = f"-{msmarco_docs}docs" if name in ("msmarco", "repeats") and msmarco_docs != 100 else ""
        path = TMP / "workloads" / model / f"{name}{suffix}.json"
        if path.exists() and "warmup_requests" in json.loads(path.read_text()):
            out[name] = path
            continue
        base = "msmarco" if name == "repeats" else name
        rng = random.Random(f"{SEED}-{base}")
        n_req, n_docs = {"msmarco": (16, 100), "long": (16, 16), "single": (64, 1)}[base]
        # quick mode's msmarco: a prefix of the full mode's documents (the same random draws, fewer kept)
        reqs = requests_of(rng, base, n_req, msmarco_docs if base == "msmarco" else n_docs)
        if name == "repeats":
            # Each request sent twice in a row, as a retry or a second page of the same candidates would be; measured
            # with one client, so that the second copy starts after the first has been answered.
            reqs = [r for r in reqs[:8] for _ in range(2)]
        # Warm-up (untimed): requests of the same shape from a seed of their own (at most 10 documents each), sent
        # before the timed ones for a few seconds, so that no timed request hits a result cache and every system
        # is measured warm (a JVM keeps compiling for thousands of requests).
        warm_rng = random.Random(f"{SEED}-warmup-{base}")
        warmups = requests_of(warm_rng, base, 8, min(10, n_docs if base != "msmarco" else msmarco_docs))
        wl = {"name": name, "warmup": warmups[0], "warmup_requests": warmups, "model": model, "seed": SEED,
              "max_length": MAX_LEN, "requests": reqs,
              "description": {"msmarco": f"1 query (6-12 words) + {msmarco_docs} documents of 20-250 tokens "
                                         "(uniform)",
                              "repeats": f"msmarco requests ({msmarco_docs} documents), each sent twice in a row "
                                         "(a retry, a second page of the same candidates)",
                              "long": "1 query + 16 documents, pairs of ~508 tokens (under 512)",
                              "single": "1 query + 1 document of 60 tokens"}[name]}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(wl))
        out[name] = path
    return out


def overload_probe(sift_src: Path, jdk: Path, model_dir: Path, workload: Path, probes: int = 50) -> dict:
    """Sift with a queue of one token: while a long request runs, every other request must be refused (429 with
    Retry-After) at once. Times the refusals as a client sees them, on a persistent connection."""
    wl = json.loads(workload.read_text())
    # A request long enough (several seconds) to keep the queue non-empty while the probes run.
    busy_docs = [d for r in wl["requests"][:6] for d in r["documents"]]
    busy_body = json.dumps(sift_body(wl["requests"][0]["query"], busy_docs)).encode()
    probe_body = json.dumps(sift_body("a probe", ["a short document"])).encode()
    port = free_port()
    cmd = [str(sift_src / "sift"), "serve", str(model_dir), "--port", str(port), "--host", "127.0.0.1",
           "--served-model-name", "m", "--max-queued-tokens", "1"]
    logf = TMP / "logs" / "overload.log"
    logf.parent.mkdir(parents=True, exist_ok=True)
    with open(logf, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env_java(jdk), start_new_session=True)
        try:
            wait_port(port, proc, 600)

            def busy() -> None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
                c.request("POST", "/rerank", body=busy_body, headers={"Content-Type": "application/json"})
                r = c.getresponse()
                if r.status != 200:
                    raise RuntimeError(f"the long request failed: HTTP {r.status} {r.read()[:300]!r}")
                r.read()

            worker = threading.Thread(target=busy)
            worker.start()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            # Wait until the long request's inputs are queued, as /metrics reports the queue.
            deadline = time.time() + 30
            while time.time() < deadline:
                c.request("GET", "/metrics")
                text = c.getresponse().read().decode()
                queued = [line for line in text.splitlines() if line.startswith("sift_queue_tokens")]
                if queued and float(queued[0].split()[-1]) > 0:
                    break
                time.sleep(0.01)
            lat, refused, retry_after = [], 0, set()
            for _ in range(probes):
                if not worker.is_alive():
                    break
                t = time.perf_counter()
                c.request("POST", "/rerank", body=probe_body, headers={"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                ms = (time.perf_counter() - t) * 1000
                if r.status == 429:
                    refused += 1
                    lat.append(ms)
                    retry_after.add(r.getheader("Retry-After"))
            worker.join()
        finally:
            stop(proc)
    if not lat:
        raise RuntimeError("no request was refused while the queue was full")
    return {"sent": probes, "refused": refused, "refusal_p50_ms": pct(lat, 0.5), "refusal_p99_ms": pct(lat, 0.99),
            "refusal_max_ms": max(lat), "retry_after_values": sorted(v for v in retry_after if v)}


def workload_summary(path: Path) -> dict:
    wl = json.loads(path.read_text())
    toks = [t for r in wl["requests"] for t in r["tokens"]]
    dtoks = [t for r in wl["requests"] for t in r["doc_tokens"]]
    return {"description": wl["description"], "requests": len(wl["requests"]),
            "docs_per_request": len(wl["requests"][0]["documents"]), "pair_tokens_mean": sum(toks) / len(toks),
            "pair_tokens_min": min(toks), "pair_tokens_max": max(toks), "doc_tokens_min": min(dtoks),
            "doc_tokens_max": max(dtoks)}


# --------------------------------------------------------------------------------------------------------------
# Process helpers
# --------------------------------------------------------------------------------------------------------------

def machine_load() -> dict:
    """Whole-machine busy CPU seconds, and the CPU of this process and its children."""
    j = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = (sum(j[:8]) - j[3] - j[4]) / os.sysconf("SC_CLK_TCK")
    import resource
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    return {"t": time.perf_counter(), "busy": busy, "ours": ch.ru_utime + ch.ru_stime + me.ru_utime + me.ru_stime,
            "loadavg": Path("/proc/loadavg").read_text().split()[0]}


def background(a: dict, b: dict, server) -> dict:
    """CPU used on the machine by anything other than this benchmark during one measurement."""
    ours = b["ours"] - a["ours"] + (server.cpu_during if server is not None else 0.0)
    wall = b["t"] - a["t"]
    other = max(0.0, (b["busy"] - a["busy"]) - ours)
    return {"wall_s": wall, "other_cpu_s": other, "other_cpu_cores": other / wall if wall else None,
            "loadavg_1m_after": b["loadavg"]}


def wait_quiet(max_s: float, threshold: float = 0.3) -> float:
    """Waits (at most max_s) until the machine's busy CPU over one second is under `threshold` cores:
    the machine may be shared, and a measurement taken beside another job is low."""
    t0 = time.perf_counter()
    while True:
        a = machine_load()
        time.sleep(1.0)
        b = machine_load()
        if (b["busy"] - a["busy"]) / (b["t"] - a["t"]) < threshold or time.perf_counter() - t0 >= max_s:
            return time.perf_counter() - t0 - 1.0


def int8_graph() -> str:
    """The int8 variant `sift serve --int8` picks, so that the ceiling runs the same graph: of the two that
    gen_models.py writes, the signed one on every x86 CPU (QuantizedGraphs; docs/int8.md)."""
    return "onnx/model_qint8_avx512_vnni.onnx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server not listening on {port} after {timeout:.0f}s")


def proc_tree_cpu(pid: int) -> float:
    import psutil
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for q in procs:
        try:
            t = q.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def proc_tree_hwm_mb(pid: int) -> float:
    import psutil
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return -1
    total = 0
    for q in procs:
        try:
            for line in Path(f"/proc/{q.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024.0


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_runner(cmd: list[str], job: dict, env: dict, timeout: float) -> dict:
    jp = TMP / "jobs" / f"job-{time.time_ns()}.json"
    jp.parent.mkdir(parents=True, exist_ok=True)
    jp.write_text(json.dumps(job))
    errf = TMP / "jobs" / (jp.stem + ".stderr")
    with open(errf, "w") as err:
        p = subprocess.Popen(cmd + [str(jp)], stdout=subprocess.PIPE, stderr=err, text=True, env=env,
                             start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(p)
            raise RuntimeError(f"runner timed out after {timeout:.0f}s")
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = errf.read_text()[-1500:]
    raise RuntimeError(f"runner exited {p.returncode} without a result: {tail}")


# --------------------------------------------------------------------------------------------------------------
# HTTP load generator (closed loop, one persistent connection per client)
# --------------------------------------------------------------------------------------------------------------

class HttpClient:
    """One persistent HTTP/1.1 connection that sends prepared requests and reads responses with Content-Length or
    chunked bodies: the least a load generator can do per request."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=3600)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        while (i := self.buf.find(b"\r\n")) < 0:
            self._fill()
        out, self.buf = self.buf[:i], self.buf[i + 2:]
        return out

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:] if ":" in x)}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while (size := int(self._line().split(b";")[0], 16)) > 0:
                body += self._take(size)
                self._line()
            while self._line():  # trailers, then the blank line
                pass
        else:
            body = self._take(int(headers.get("content-length", "0")))
        return status, body


class HttpServer:
    def __init__(self, name: str, cmd: list[str], env: dict, port: int, path: str, body_fn, parse_fn, startup_s: float,
                 log_path: Path):
        self.name, self.port, self.path, self.body_fn, self.parse_fn = name, port, path, body_fn, parse_fn
        self.logf = open(log_path, "w")
        t = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            wait_port(port, self.proc, startup_s)
        except Exception:
            stop(self.proc)
            self.logf.close()
            raise RuntimeError(f"{name} did not start: " + log_path.read_text()[-1500:])
        self.startup_s = time.perf_counter() - t

    def close(self) -> None:
        stop(self.proc)
        self.logf.close()

    def run(self, workload: Path, concurrency: int, reps: int, per_rep: int, warmup: int, save_scores: bool,
            warmup_s: float = 0.0) -> dict:
        wl = json.loads(workload.read_text())
        # Requests serialized once, whole (request line, headers, body), and each one's document count kept, and sent
        # on a plain socket per client: the client shares the machine with the server it measures, and http.client
        # cost 1.5 ms of CPU per request (a tenth of a 1-pair request's inference) building and parsing headers.
        def raw(body: bytes) -> bytes:
            return (f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body

        requests = [(raw(json.dumps(self.body_fn(r["query"], r["documents"])).encode()), len(r["documents"]))
                    for r in wl["requests"]]
        n = len(requests)
        conns = threading.local()
        cpu_start = proc_tree_cpu(self.proc.pid)

        def send(request: bytes, docs: int) -> list[float]:
            c = getattr(conns, "c", None)
            if c is None:
                c = conns.c = HttpClient(self.port)
            status, data = c.exchange(request)
            if status != 200:
                raise RuntimeError(f"{self.name}: HTTP {status}: {data[:300]!r}")
            return self.parse_fn(json.loads(data), docs)

        def post(i: int) -> list[float]:
            return send(*requests[i])

        warms = [(raw(json.dumps(self.body_fn(w["query"], w["documents"])).encode()), len(w["documents"]))
                 for w in wl["warmup_requests"]]
        # Warm-up with as many clients as the measurement, so that the server's per-request code is compiled as the
        # timed requests will run it.
        t_warm, sent, wlock = time.perf_counter(), [0], threading.Lock()

        def warm_client():
            while True:
                with wlock:
                    k = sent[0]
                    if k >= warmup and time.perf_counter() - t_warm >= warmup_s:
                        return
                    sent[0] += 1
                send(*warms[k % len(warms)])

        ws = [threading.Thread(target=warm_client) for _ in range(max(1, concurrency))]
        for t in ws:
            t.start()
        for t in ws:
            t.join()
        lock = threading.Lock()
        nxt = [0]
        out_reps, saved = [], {}
        for _ in range(reps):
            left = [per_rep]
            lats, done, errors = [], [], []

            def client():
                try:
                    while True:
                        with lock:
                            if left[0] <= 0:
                                return
                            left[0] -= 1
                            r = nxt[0] % n
                            nxt[0] += 1
                        s = time.perf_counter()
                        sc = post(r)
                        e = time.perf_counter() - s
                        with lock:
                            lats.append(e)
                            done.append(r)
                            if save_scores:
                                saved[str(r)] = sc
                except BaseException as ex:  # noqa: BLE001
                    errors.append(repr(ex))

            cpu0 = proc_tree_cpu(self.proc.pid)
            ccpu0 = time.process_time()
            w0 = time.perf_counter()
            ts = [threading.Thread(target=client) for _ in range(concurrency)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            if errors:
                raise RuntimeError(errors[0])
            out_reps.append({"wall_s": time.perf_counter() - w0, "cpu_s": proc_tree_cpu(self.proc.pid) - cpu0,
                             "client_cpu_s": time.process_time() - ccpu0, "latencies_s": lats, "requests": done})
        self.cpu_during = proc_tree_cpu(self.proc.pid) - cpu_start
        res = {"reps": out_reps, "peak_rss_mb": proc_tree_hwm_mb(self.proc.pid), "load_s": self.startup_s}
        if save_scores:
            res["scores"] = saved
        return res


def sift_body(q, docs):
    return {"model": "m", "query": q, "documents": docs, "truncate_prompt_tokens": -1}


def rerank_parse(resp, n):
    out = [0.0] * n
    for r in resp["results"]:
        out[r["index"]] = r["relevance_score"]
    return out


def infinity_body(q, docs):
    return {"model": "m", "query": q, "documents": docs, "return_documents": False}


# --------------------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------------------

def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize(raw: dict, wl: dict, shape: dict, peak: float) -> dict:
    per_rep = []
    lats = []
    cpu_pairs = []
    for rep in raw["reps"]:
        pairs = sum(len(wl["requests"][r]["tokens"]) for r in rep["requests"])
        toks = sum(sum(wl["requests"][r]["tokens"]) for r in rep["requests"])
        flops = sum(pair_flops(shape, t) for r in rep["requests"] for t in wl["requests"][r]["tokens"])
        w = rep["wall_s"]
        per_rep.append({"pairs": pairs, "wall_s": w, "pairs_per_s": pairs / w, "tokens_per_s": toks / w,
                        "flops_per_s": flops / w, "cpu_s": rep["cpu_s"],
                        "cpu_s_per_1k_pairs": 1000 * rep["cpu_s"] / pairs,
                        "client_cpu_s": rep.get("client_cpu_s")})
        lats += rep["latencies_s"]
    def med(key):
        v = sorted(x[key] for x in per_rep)
        return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
    pps = [x["pairs_per_s"] for x in per_rep]
    m = med("pairs_per_s")
    return {
        "pairs_per_s": m, "pairs_per_s_min": min(pps), "pairs_per_s_max": max(pps),
        "spread_pct": 100 * (max(pps) - min(pps)) / m if m else None,
        "latency_p50_ms": 1000 * pct(lats, 0.5), "latency_p99_ms": 1000 * pct(lats, 0.99),
        "latency_max_ms": 1000 * max(lats), "requests_timed": len(lats),
        "cpu_s_per_1k_pairs": med("cpu_s_per_1k_pairs"), "peak_rss_mb": raw.get("peak_rss_mb"),
        "useful_tokens_per_s": med("tokens_per_s"), "useful_gflops_per_s": med("flops_per_s") / 1e9,
        "fraction_of_peak": med("flops_per_s") / peak if peak else None,
        "reps": per_rep, "load_s": raw.get("load_s"), "config": raw.get("config"),
    }


# --------------------------------------------------------------------------------------------------------------
# Fidelity: Sift int8 vs fp32 on the same msmarco requests
# --------------------------------------------------------------------------------------------------------------

def kendall_tau(a: list[float], b: list[float]) -> float:
    n = len(a)
    conc = disc = ta = tb = 0
    for i in range(n):
        for j in range(i + 1, n):
            x = a[i] - a[j]
            y = b[i] - b[j]
            if x == 0 and y == 0:
                continue
            if x == 0:
                ta += 1
            elif y == 0:
                tb += 1
            elif (x > 0) == (y > 0):
                conc += 1
            else:
                disc += 1
    den = math.sqrt((conc + disc + ta) * (conc + disc + tb))
    return (conc - disc) / den if den else float("nan")


def spearman(a: list[float], b: list[float]) -> float:
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = math.sqrt(sum((x - ma) ** 2 for x in ra))
    vb = math.sqrt(sum((y - mb) ** 2 for y in rb))
    return cov / (va * vb) if va and vb else float("nan")


def fidelity(fp32: dict, int8: dict) -> dict:
    common = sorted(set(fp32) & set(int8), key=int)
    same10, taus, rhos, maxdiff = 0, [], [], 0.0
    n_docs = min((len(fp32[k]) for k in common), default=0)
    top = min(10, n_docs // 2)  # top-10 of 100 documents; top-5 of quick mode's 10
    for k in common:
        a, b = fp32[k], int8[k]
        top_a = sorted(range(len(a)), key=lambda i: -a[i])[:top]
        top_b = sorted(range(len(b)), key=lambda i: -b[i])[:top]
        same10 += set(top_a) == set(top_b)
        taus.append(kendall_tau(a, b))
        rhos.append(spearman(a, b))
        maxdiff = max(maxdiff, max(abs(x - y) for x, y in zip(a, b)))
    spread = [max(fp32[k]) - min(fp32[k]) for k in common]
    return {"requests_compared": len(common), "docs_per_request": n_docs, "top_k": top,
            "same_top10_set_fraction": same10 / len(common) if common else None,
            "kendall_tau_mean": sum(taus) / len(taus) if taus else None,
            "spearman_mean": sum(rhos) / len(rhos) if rhos else None, "max_abs_score_diff": maxdiff,
            "fp32_score_range_mean": sum(spread) / len(spread) if spread else None}


# --------------------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------------------

SYSTEM_LABELS = {
    "sift-http": "Sift (HTTP)",
    "sift-http-int8": "Sift int8 (HTTP)",
    "sift-http-built": "Sift, graph built from safetensors (HTTP)",
    "sift-http-cache": "Sift with its result cache (HTTP, default flags)",
    "sift-api": "Sift Java API (in-process)",
    "sift-api-w2": "Sift Java API, 2 workers x cores/2",
    "ort-ceiling": "ORT ceiling (Java, ideal batches)",
    "ort-ceiling-int8": "ORT ceiling int8",
    "ort-python": "ORT Python + tokenizers",
    "st": "sentence-transformers (PyTorch)",
    "lc4j": "LangChain4j OnnxScoringModel",
    "infinity": "Infinity (HTTP)",
    "tei": "TEI (HTTP)",
}


# `sift serve` flags of each Sift system. The result cache is off (--cache-size 0) except for sift-http-cache: the
# workloads repeat requests across repetitions and concurrencies, and the harness measures inference; the cache is
# measured on the `repeats` workload, against sift-http on the same requests.
SIFT_FLAGS = {
    "sift-http": ["--cache-size", "0"],
    "sift-http-int8": ["--cache-size", "0", "--int8"],
    "sift-http-built": ["--cache-size", "0", "--weights", "safetensors"],
    "sift-http-cache": [],
}
BUNDLED = "bge-small-en-v1.5"
# Seconds of untimed warm-up requests before each measurement (quick mode: 3).
WARMUP_S = 6.0


def plan(quick: bool, models: list[str]) -> list[dict]:
    """Every measurement: model, workload, concurrency, system, requests per repetition."""
    cells = []

    def add(model, wl, c, per, systems):
        for system in systems:
            cells.append(dict(model=model, workload=wl, concurrency=c, system=system, per_rep=per))

    def ceilings(model, wl, int8=True):
        # ideal batches on every core, one request at a time: one figure per workload
        per = {"msmarco": 2, "long": 2, "single": 32}[wl]
        add(model, wl, 1, per if not model.startswith("xlmr") else 1, ["ort-ceiling"] + (["ort-ceiling-int8"] if int8 else []))

    peers = ["ort-python", "st", "lc4j", "infinity"]
    for model in models:
        if quick:
            if model != "minilm-l6-ce":
                continue
            add(model, "msmarco", 1, 1, ["sift-http", "sift-http-int8", "sift-api"] + peers)
            add(model, "msmarco", 4, 4, ["sift-http", "sift-api"] + peers)
            add(model, "single", 16, 48, ["sift-http", "sift-api"] + peers)
            ceilings(model, "msmarco")
            add(model, "single", 1, 32, ["ort-ceiling"])
        elif model == BUNDLED:
            # The default model: Sift alone (an embedding model's /rerank is the cosine of two embeddings, which the
            # cross-encoder peers do not compute); its batch settings are measured by batch_settings().
            add(model, "msmarco", 4, 4, ["sift-http", "sift-api"])
            add(model, "single", 16, 96, ["sift-http", "sift-api"])
            add(model, "repeats", 1, 4, ["sift-http", "sift-http-cache"])
        elif model.startswith("xlmr"):
            # bge-reranker-base's compute: a 100-document request takes 15-30 s on 2 cores, so one per repetition,
            # and of the peers the one users run most (sentence-transformers).
            sift = ["sift-http", "sift-http-int8", "sift-http-built", "sift-api"]
            add(model, "msmarco", 1, 1, sift + ["st"])
            ceilings(model, "msmarco")
            add(model, "single", 16, 48, sift + ["st", "infinity"])
        else:
            sift = ["sift-http", "sift-http-int8", "sift-http-built", "sift-api"]
            add(model, "msmarco", 1, 2, sift + peers)
            add(model, "msmarco", 4, 4, ["sift-http", "sift-api"] + peers)
            add(model, "single", 16, 144, ["sift-http", "sift-http-int8", "sift-api"] + peers)
            add(model, "repeats", 1, 4, ["sift-http", "sift-http-cache"])
            for wl in ("msmarco", "single"):
                ceilings(model, wl)
    return cells


# Batch settings compared with the default (which measures its token budget when the model loads).
BATCH_CONFIGS = {
    "default": [],
    "size 2": ["--max-batch-size", "2", "--max-batch-tokens", "16384"],
    "size 4": ["--max-batch-size", "4", "--max-batch-tokens", "16384"],
    "512 tokens": ["--max-batch-tokens", "512"],
    "1024 tokens": ["--max-batch-tokens", "1024"],
    "16384 tokens (before)": ["--max-batch-tokens", "16384"],
}


def batch_settings(sift_src: Path, jdk: Path, model: str, workload: Path, concurrency: int, requests: int,
                   rounds: int, warmup_s: float) -> dict:
    """One Sift server per batch setting, all started at once and warmed, then measured in turn, round after round
    (alternating the order), so that drift on a shared machine hits every setting alike."""
    wl = json.loads(workload.read_text())
    servers = {}
    out = {"model": model, "workload": wl["name"], "concurrency": concurrency, "requests_per_round": requests,
           "rounds": rounds, "configs": {}}
    try:
        for name, flags in BATCH_CONFIGS.items():
            port = free_port()
            cmd = [str(sift_src / "sift"), "serve", str(MODELS / model), "--port", str(port), "--host", "127.0.0.1",
                   "--served-model-name", "m", "--cache-size", "0", *flags]
            log_path = TMP / "logs" / f"batch-{model}-{name.replace(' ', '_')}.log"
            servers[name] = HttpServer(name, cmd, env_java(jdk), port, "/rerank", sift_body, rerank_parse, 600, log_path)
            out["configs"][name] = {"flags": flags, "pairs_per_s": [], "cpu_ms_per_pair": []}
        for srv in servers.values():
            srv.run(workload, concurrency, 0, 0, 1, False, warmup_s)
        for r in range(rounds):
            for name in (list(servers) if r % 2 == 0 else list(reversed(servers))):
                rep = servers[name].run(workload, concurrency, 1, requests, 0, False)["reps"][0]
                pairs = sum(len(wl["requests"][i]["documents"]) for i in rep["requests"])
                out["configs"][name]["pairs_per_s"].append(pairs / rep["wall_s"])
                out["configs"][name]["cpu_ms_per_pair"].append(1000 * rep["cpu_s"] / pairs)
        for name, srv in servers.items():
            text = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            text.request("GET", "/metrics")
            metrics = text.getresponse().read().decode()
            counts = {}
            for line in metrics.splitlines():
                m = re.match(r"^sift_(batches|inputs_computed|tokens_computed|tokens_padded)_total(\{[^}]*\})? (\S+)", line)
                if m:
                    counts[m.group(1)] = float(m.group(3))
            c = out["configs"][name]
            c["rows_per_batch"] = counts["inputs_computed"] / counts["batches"]
            c["padding_pct"] = 100 * (counts["tokens_padded"] / counts["tokens_computed"] - 1)
        chosen = re.search(r"batch budget: (\d+) tokens per batch[^\n]*", (TMP / "logs" / f"batch-{model}-default.log").read_text())
        out["default_budget"] = chosen.group(0) if chosen else None
    finally:
        for srv in servers.values():
            srv.close()
    for c in out["configs"].values():
        c["median_pairs_per_s"] = statistics.median(c["pairs_per_s"])
        c["median_cpu_ms_per_pair"] = statistics.median(c["cpu_ms_per_pair"])
    best = max(c["median_pairs_per_s"] for c in out["configs"].values())
    best_cpu = min(c["median_cpu_ms_per_pair"] for c in out["configs"].values())
    for c in out["configs"].values():
        c["over_best"] = c["median_pairs_per_s"] / best
        c["over_best_by_cpu"] = best_cpu / c["median_cpu_ms_per_pair"]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="minilm only, msmarco c=1,4 and single c=16")
    ap.add_argument("--sift-src", default=str(ROOT), help="Sift checkout to build and run (default: this one)")
    ap.add_argument("--models", help="comma-separated subset of minilm-l6-ce,xlmr-base-ce")
    ap.add_argument("--systems", help="comma-separated subset of systems to run")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of every measurement (default 3)")
    ap.add_argument("--no-infinity", action="store_true", help="do not try to install/run Infinity")
    ap.add_argument("--out", default=str(RESULTS / "latest.json"))
    ap.add_argument("--docs", default=str(DOCS / "benchmarks.md"), help="report to write ('' to skip)")
    args = ap.parse_args()
    sift_src = Path(args.sift_src).resolve()
    models = args.models.split(",") if args.models else (["minilm-l6-ce"] if args.quick else
                                                         ["minilm-l6-ce", "xlmr-base-ce", BUNDLED])
    warmup_s = 3.0 if args.quick else WARMUP_S
    systems_filter = set(args.systems.split(",")) if args.systems else None
    TMP.mkdir(parents=True, exist_ok=True)
    (TMP / "logs").mkdir(exist_ok=True)

    result = {"generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "mode": "quick" if args.quick else "full", "reps": args.reps, "machine": machine_info(),
              "setup": {}, "not_run": {}, "failures": {}, "results": [], "headline": [], "fidelity_int8": {},
              "warmup_s": 3.0 if args.quick else WARMUP_S}
    log(f"machine: {result['machine']['cpu_model']}, {cores()} cores, {result['machine']['memory_gib']} GiB")

    # ---- setup ------------------------------------------------------------------------------------------------
    t = time.perf_counter()
    jdk = find_jdk()
    build_sift(sift_src, jdk)
    build_bench_java(sift_src, jdk)
    result["setup"]["java_builds_s"] = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "gen_models.py"), "--models", ",".join(models),
                    "--maven", find_maven(sift_src)], check=True, env=env_java(jdk))
    result["setup"]["models_s"] = time.perf_counter() - t

    infinity_bin = HERE / ".venv-infinity" / "bin" / "infinity_emb"
    want_infinity = not args.no_infinity and (systems_filter is None or "infinity" in systems_filter)
    if want_infinity and not infinity_bin.exists():
        t = time.perf_counter()
        log(f"installing Infinity into bench/.venv-infinity ({INFINITY_PIN})")
        venv = HERE / ".venv-infinity"
        r = subprocess.run(f"'{sys.executable}' -m venv '{venv}' && '{venv}/bin/pip' install -q '{INFINITY_PIN}'",
                           shell=True, capture_output=True, text=True)
        result["setup"]["infinity_install_s"] = time.perf_counter() - t
        if r.returncode != 0:
            result["setup"]["infinity_install_error"] = (r.stderr or r.stdout)[-2000:]

    jv = subprocess.run([str(jdk / "bin" / "java"), "-version"], capture_output=True, text=True).stderr.splitlines()
    result["versions"] = {
        "sift": {"source": str(sift_src), **(git_info() if sift_src == ROOT else {"note": "copy of the repository"}),
                 "onnxruntime_java": "1.29.0", "djl_tokenizers": "0.38.0"},
        "java": jv[0] if jv else None, "jdk_home": str(jdk),
        "langchain4j_onnx_scoring": LC4J_SCORING.rsplit(":", 1)[1],
        "python_packages": pkg_versions(["torch", "transformers", "sentence-transformers", "tokenizers",
                                         "onnxruntime", "onnx", "numpy", "matplotlib", "psutil"]),
    }
    if infinity_bin.exists():
        v = subprocess.run([str(HERE / ".venv-infinity" / "bin" / "python"), "-c",
                            "import importlib.metadata as m;print(m.version('infinity-emb'), m.version('torch'),"
                            "m.version('transformers'), m.version('sentence-transformers'))"],
                           capture_output=True, text=True).stdout.split()
        if len(v) == 4:
            result["versions"]["infinity"] = dict(zip(["infinity-emb", "torch", "transformers",
                                                       "sentence-transformers"], v))

    # ---- peak ------------------------------------------------------------------------------------------------
    log("measuring peak fp32 SGEMM throughput (numpy matmul)")
    l0 = machine_load()
    result["peak"] = peak_flops(2048 if args.quick else 4096, 5)
    result["peak"]["other_cpu_cores_start"] = background(l0, machine_load(), None)["other_cpu_cores"]
    peak = result["peak"]["gflops_best"] * 1e9
    log(f"peak SGEMM: {result['peak']['gflops_best']:.1f} GFLOP/s ({result['peak']['blas']})")

    # ---- workloads -------------------------------------------------------------------------------------------
    cells = plan(args.quick, models)
    if systems_filter:
        cells = [c for c in cells if c["system"] in systems_filter]
    result["models"], result["workloads"] = {}, {}
    wl_paths = {}
    for model in models:
        shape = model_shape(MODELS / model)
        result["models"][model] = {**shape, **json.loads((MODELS / model / "bench_model.json").read_text())}
        names = sorted({c["workload"] for c in cells if c["model"] == model}
                       | ({"msmarco"} if model in (BUNDLED, "minilm-l6-ce") and not args.quick else set()))
        wl_paths[model] = make_workloads(model, names, QUICK_MSMARCO_DOCS if args.quick else 100)
        result["workloads"][model] = {n: workload_summary(p) for n, p in wl_paths[model].items()}

    # ---- run, grouped by (system, model) so that each server starts once ------------------------------------
    java_cp = f"{HERE / 'java' / 'target' / 'sift-bench.jar'}:{HERE / 'java' / 'target' / 'lib' / '*'}:" \
              f"{sift_src / 'sift-core' / 'target' / 'sift-core-0.1.0-SNAPSHOT.jar'}"
    java_cmd = [str(jdk / "bin" / "java"), "--enable-native-access=ALL-UNNAMED", "-Xmx4g", "-cp", java_cp,
                "dev.sift.bench.BenchMain"]
    py_cmd = [sys.executable, str(HERE / "py_runner.py")]
    scores = {}
    quiet_budget = [90.0 if args.quick else 900.0]  # seconds, in all, spent waiting for other load to stop
    order = []
    for c in cells:
        k = (c["system"], c["model"])
        if k not in order:
            order.append(k)
    for system, model in order:
        group = [c for c in cells if c["system"] == system and c["model"] == model]
        model_dir = MODELS / model
        onnx_file = int8_graph() if system.endswith("int8") else "onnx/model.onnx"
        server = None
        try:
            if system in SIFT_FLAGS:
                port = free_port()
                cmd = [str(sift_src / "sift"), "serve", str(model_dir), "--port", str(port), "--host", "127.0.0.1",
                       "--served-model-name", "m", *SIFT_FLAGS[system]]
                log(f"starting {system} ({model}): {' '.join(SIFT_FLAGS[system]) or 'default flags'}")
                server = HttpServer(system, cmd, env_java(jdk), port, "/rerank", sift_body, rerank_parse, 600,
                                    TMP / "logs" / f"{system}-{model}.log")
            elif system == "infinity":
                if not infinity_bin.exists():
                    raise RuntimeError("Infinity is not installed: " +
                                       result["setup"].get("infinity_install_error", "install skipped")[-600:])
                port = free_port()
                cmd = [str(infinity_bin), "v2", "--model-id", str(model_dir), "--served-model-name", "m",
                       "--port", str(port), "--host", "127.0.0.1", "--engine", "torch", "--device", "cpu",
                       "--batch-size", "32", "--no-bettertransformer", "--no-model-warmup"]
                log(f"starting infinity ({model})")
                env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", INFINITY_ANONYMOUS_USAGE_STATS="0",
                           DO_NOT_TRACK="1")
                server = HttpServer(system, cmd, env, port, "/rerank", infinity_body, rerank_parse, 600,
                                    TMP / "logs" / f"infinity-{model}.log")
            for cell in group:
                wl = json.loads(wl_paths[model][cell["workload"]].read_text())
                save = cell["workload"] == "msmarco" and system in ("sift-http", "sift-http-int8")
                log(f"{system:17s} {model} {cell['workload']:8s} c={cell['concurrency']:<2d} "
                    f"{args.reps}x{cell['per_rep']} requests")
                for attempt in (0, 1):
                    waited = wait_quiet(min(30.0, quiet_budget[0]))
                    quiet_budget[0] -= waited
                    t = time.perf_counter()
                    load0 = machine_load()
                    job = dict(system=system.replace("-int8", "").replace("-w2", ""), model_dir=str(model_dir), onnx_file=onnx_file,
                               workload=str(wl_paths[model][cell["workload"]]), concurrency=cell["concurrency"],
                               reps=args.reps, requests_per_rep=cell["per_rep"], warmup=1, warmup_s=warmup_s,
                               save_scores=save)
                    if system == "sift-api-w2":
                        job.update(workers=2, intra_op_threads=max(1, cores() // 2))
                    try:
                        if server is not None:
                            raw = server.run(wl_paths[model][cell["workload"]], cell["concurrency"], args.reps,
                                             cell["per_rep"], 1, save, warmup_s)
                        elif system in ("sift-api", "sift-api-w2", "ort-ceiling", "ort-ceiling-int8", "lc4j"):
                            raw = run_runner(java_cmd, job, env_java(jdk), 3000)
                        elif system in ("st", "ort-python"):
                            raw = run_runner(py_cmd, job, os.environ.copy(), 3000)
                        else:
                            raise RuntimeError(f"unknown system {system}")
                    except Exception as e:  # noqa: BLE001
                        key = f"{system}/{model}/{cell['workload']}/c{cell['concurrency']}"
                        result["failures"][key] = str(e)[-1500:]
                        log(f"  FAILED: {str(e)[-300:]}")
                        if server is not None and server.proc.poll() is not None:
                            raise
                        s = None
                        break
                    load1 = machine_load()
                    s = summarize(raw, wl, result["models"][model], peak)
                    s["machine"] = background(load0, load1, server)
                    s["machine"]["waited_for_quiet_s"] = waited
                    s.update(system=system, label=SYSTEM_LABELS[system], model=model, workload=cell["workload"],
                             concurrency=cell["concurrency"], elapsed_s=time.perf_counter() - t,
                             runtime_versions={k: raw[k] for k in ("java_version", "onnxruntime_version", "versions")
                                               if k in raw})
                    if attempt == 0 and s["machine"]["other_cpu_cores"] > 0.25 and quiet_budget[0] > 0:
                        log(f"  other processes used {s['machine']['other_cpu_cores']:.2f} cores meanwhile: "
                            "measuring again")
                        continue
                    break
                if s is None:
                    continue
                s["machine"]["attempts"] = attempt + 1
                result["results"].append(s)
                if "scores" in raw:
                    scores.setdefault((system, model), {}).update(raw["scores"])
                log(f"  {s['pairs_per_s']:8.1f} pairs/s (spread {s['spread_pct']:.0f}%), p50 "
                    f"{s['latency_p50_ms']:.0f} ms, p99 {s['latency_p99_ms']:.0f} ms, "
                    f"{s['cpu_s_per_1k_pairs']:.1f} CPU s/1k pairs, {s['fraction_of_peak'] * 100:.1f}% of peak")
        except Exception as e:  # noqa: BLE001
            result["not_run"][f"{system}/{model}"] = str(e)[-2000:]
            log(f"{system} ({model}) did not run: {str(e)[-400:]}")
        finally:
            if server is not None:
                server.close()

    # ---- batch settings: the default against the best of the others (full mode) ---------------------------------
    result["batch_settings"] = []
    if not args.quick and (systems_filter is None or "batch-settings" in systems_filter):
        for model in [m for m in (BUNDLED, "minilm-l6-ce") if m in models]:
            log(f"batch settings ({model}): {', '.join(BATCH_CONFIGS)}; {args.reps} rounds")
            try:
                b = batch_settings(sift_src, jdk, model, wl_paths[model]["msmarco"], 4, 4, args.reps, warmup_s)
                result["batch_settings"].append(b)
                log("  " + "; ".join(f"{n} {c['median_pairs_per_s']:.1f} pairs/s ({c['over_best']:.3f})"
                                     for n, c in b["configs"].items()))
            except Exception as e:  # noqa: BLE001
                result["not_run"][f"batch-settings/{model}"] = str(e)[-2000:]
                log(f"batch settings did not run: {str(e)[-400:]}")

    # ---- overload: how fast a full queue refuses ---------------------------------------------------------------
    try:
        result["overload"] = overload_probe(sift_src, jdk, MODELS / models[0], wl_paths[models[0]]["msmarco"])
        log(f"overload: {result['overload']['refused']} of {result['overload']['sent']} refused, p50 "
            f"{result['overload']['refusal_p50_ms']:.2f} ms, p99 {result['overload']['refusal_p99_ms']:.2f} ms")
    except Exception as e:  # noqa: BLE001
        result["not_run"]["overload"] = str(e)[-2000:]
        log(f"overload probe did not run: {str(e)[-400:]}")

    # ---- peak again: the machine is shared, so keep the best of the start and the end of the run ----------
    l0 = machine_load()
    again = peak_flops(2048 if args.quick else 4096, 5)
    result["peak"]["gflops_at_end"] = again["gflops_best"]
    result["peak"]["other_cpu_cores_end"] = background(l0, machine_load(), None)["other_cpu_cores"]
    if again["gflops_best"] > result["peak"]["gflops_best"]:
        scale = result["peak"]["gflops_best"] / again["gflops_best"]
        result["peak"]["gflops_best"] = again["gflops_best"]
        for r in result["results"]:
            r["fraction_of_peak"] *= scale
    log(f"peak SGEMM at the end: {again['gflops_best']:.1f} GFLOP/s; using {result['peak']['gflops_best']:.1f}")

    # ---- TEI: not buildable here (recorded, not attempted at run time) ----------------------------------------
    result["not_run"]["tei"] = (
        "text-embeddings-inference is not on PyPI/Maven Central/npm/Debian as a binary; its releases are Docker "
        "images and GitHub binaries, which this machine cannot fetch. Building it from source needs its Git "
        "repository (cargo install --git; the crates are not published on crates.io) plus protoc and an "
        "ONNX/Candle backend, so it was not attempted.")

    # ---- derived figures ------------------------------------------------------------------------------------
    for model in models:
        if ("sift-http", model) in scores and ("sift-http-int8", model) in scores:
            f = fidelity(scores[("sift-http", model)], scores[("sift-http-int8", model)])
            a = find(result, "sift-http", model, "msmarco", 1)
            b = find(result, "sift-http-int8", model, "msmarco", 1)
            if a and b:
                f["pairs_per_s_ratio_int8_over_fp32"] = b["pairs_per_s"] / a["pairs_per_s"]
            result["fidelity_int8"][model] = f
    result["headline"] = headline(result)
    result["duration_s"] = time.time() - T_START
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    log(f"wrote {args.out}")
    if args.docs:
        import report
        report.write(result, Path(args.docs), IMG)
        log(f"wrote {args.docs} and charts in {IMG}")
    log(f"done in {result['duration_s'] / 60:.1f} min")
    return 0


def find(result: dict, system: str, model: str, workload: str, c: int):
    for r in result["results"]:
        if (r["system"], r["model"], r["workload"], r["concurrency"]) == (system, model, workload, c):
            return r
    return None


def headline(result: dict) -> list[dict]:
    rows = []
    keys = sorted({(r["model"], r["workload"], r["concurrency"]) for r in result["results"]})
    for model, wl, c in keys:
        sift = find(result, "sift-http", model, wl, c)
        if not sift:
            continue
        ceil = find(result, "ort-ceiling", model, wl, 1)
        row = {"model": model, "workload": wl, "concurrency": c, "sift_http_pairs_per_s": sift["pairs_per_s"],
               "ceiling_pairs_per_s": ceil["pairs_per_s"] if ceil else None,
               "sift_over_ceiling": sift["pairs_per_s"] / ceil["pairs_per_s"] if ceil else None, "sift_over": {}}
        for r in result["results"]:
            if (r["model"], r["workload"], r["concurrency"]) == (model, wl, c) and r["system"] != "sift-http" \
                    and not r["system"].startswith("ort-ceiling"):
                row["sift_over"][r["system"]] = sift["pairs_per_s"] / r["pairs_per_s"]
        rows.append(row)
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
