"""Overload soak of a real ``./sift serve`` (issue 12, item 2).

1. Starts the bundled model with default flags and measures its capacity: requests per second answered by
   ``--clients`` clients in a closed loop (each sends its next request when the last is answered).
2. Restarts it with ``--max-queued-tokens`` set to ``--queue-seconds`` of that capacity (the default bound, a million
   tokens, is minutes of work on a small machine: the soak would spend its time filling the queue rather than in
   overload), and drives the clients open-loop at ``--factor`` times the capacity for ``--minutes``: each client sends
   on its own schedule whether or not its earlier requests were answered.
3. Checks every answer: a 200 must carry exactly its own request's documents (each names its client and sequence
   number) with every index once, in score order, and its own id; anything else must be a 429 or 503 with
   ``Retry-After``. A connection error, a timeout or any other status is a lost response.
4. Meanwhile polls ``/health`` (latency) and samples the server's RSS, threads and open files every second.
5. Afterwards checks that the queue drained and the server answers normally, and compares the server's own counts
   (``/metrics``) with the clients'.

Writes ``report.json`` and, when matplotlib is importable, ``soak.png`` (RSS, throughput and latency over time) to
``--out``. Exits 1 when an invariant fails (a mismatched or lost response, a 5xx that is not a refusal, a slow
/health, RSS growth), 0 otherwise. ``tests/soak/run`` is the command; ``tests/clients/test_soak.py`` runs a short
version in the test suite.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
DOCS_PER_REQUEST = 8
# Sentences the documents are made of, so that lengths vary as real passages do (about 10 to 60 tokens).
SENTENCES = [
    "Paris is the capital and most populous city of France.",
    "The Seine flows through the city, crossed by thirty-seven bridges.",
    "Berlin is the capital and largest city of Germany, on the banks of the Spree.",
    "The Eiffel Tower was built for the 1889 World's Fair and is 330 metres tall.",
    "France is a country in Western Europe with overseas regions and territories.",
    "The Louvre is the world's most visited museum and a historic monument.",
    "Rome was founded, according to legend, by Romulus and Remus in 753 BC.",
    "The Danube is Europe's second-longest river after the Volga.",
]
HEALTH_EVERY_S = 0.5
SAMPLE_EVERY_S = 1.0


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def summary_ms(values: list[float]) -> dict:
    """p50/p90/p99/max of durations given in seconds, in milliseconds."""
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p90_ms": round(percentile(values, 90) * 1000, 1), "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``./sift serve`` on the bundled model; the launcher execs java, so the child's pid is the JVM's."""

    def __init__(self, out: Path, name: str, args: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = out / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if k not in ("SIFT_API_KEY", "VLLM_API_KEY")}
        cmd = ["./sift", "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        with open(self.log_path, "wb") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not come up; see {self.log_path}")
            time.sleep(0.25)

    def proc_status(self) -> dict:
        """VmRSS (KiB), threads and open file descriptors of the JVM."""
        status = {}
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    status["rss_kib"] = int(line.split()[1])
                elif line.startswith("Threads:"):
                    status["threads"] = int(line.split()[1])
            status["fds"] = len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        except OSError:
            pass
        return status

    def metrics(self) -> dict[str, float]:
        """Each metric's samples summed over labels, plus sift_http_requests_seconds_count by status."""
        text = requests.get(self.url + "/metrics", timeout=30).text
        out: dict[str, float] = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name_labels, value = line.rsplit(" ", 1)
            name = name_labels.split("{", 1)[0]
            out[name] = out.get(name, 0.0) + float(value)
            if name == "sift_http_requests_seconds_count" and 'status="' in name_labels:
                status = name_labels.split('status="', 1)[1].split('"', 1)[0]
                key = f"http_{status}"
                out[key] = out.get(key, 0.0) + float(value)
        return out

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        return self.proc.returncode


def make_request(client: int, seq: int, rng: random.Random) -> tuple[dict, str]:
    """A rerank body whose every document names its client and sequence number, and its X-Request-Id."""
    docs = []
    for j in range(DOCS_PER_REQUEST):
        text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 4)))
        docs.append(f"[client {client} request {seq} document {j}] {text}")
    query = f"client {client} asks: which city is the capital of France?"
    return {"query": query, "documents": docs}, f"soak-c{client}-r{seq}"


def check_ok(body: dict, request: dict, request_id: str) -> str | None:
    """Why a 200 does not answer its own request, or None when it does."""
    docs = request["documents"]
    results = body.get("results")
    if not isinstance(results, list) or len(results) != len(docs):
        return f"{len(results) if isinstance(results, list) else results!r} results for {len(docs)} documents"
    if sorted(r.get("index") for r in results) != list(range(len(docs))):
        return f"indices {[r.get('index') for r in results]}"
    for r in results:
        text = (r.get("document") or {}).get("text")
        if text != docs[r["index"]]:
            return f"result {r['index']} returned document {text!r}, expected {docs[r['index']]!r}"
    scores = [r.get("relevance_score") for r in results]
    if any(not isinstance(s, float) for s in scores) or scores != sorted(scores, reverse=True):
        return f"scores not in descending order: {scores}"
    if body.get("id") != "score-" + request_id:
        return f"id {body.get('id')!r}, expected score-{request_id}"
    return None


@dataclass
class Outcome:
    client: int
    seq: int
    sent_at: float        # seconds since the run's start
    lateness: float       # how far behind its schedule it was sent
    latency: float
    status: int | None    # None: lost (connection error or timeout)
    retry_after: str | None = None
    problem: str | None = None


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, o: Outcome) -> None:
        with self.lock:
            self.outcomes.append(o)


def send(session: requests.Session, url: str, client: int, seq: int, rng: random.Random, t0: float,
         scheduled: float, run: Run, timeout: float) -> Outcome:
    body, request_id = make_request(client, seq, rng)
    start = time.monotonic()
    lateness = max(0.0, start - scheduled)
    try:
        r = session.post(url + "/rerank", json=body, headers={"X-Request-Id": request_id}, timeout=timeout)
    except requests.RequestException as e:
        o = Outcome(client, seq, start - t0, lateness, time.monotonic() - start, None, problem=f"lost: {e!r}")
        run.add(o)
        return o
    latency = time.monotonic() - start
    o = Outcome(client, seq, start - t0, lateness, latency, r.status_code, r.headers.get("Retry-After"))
    if r.status_code == 200:
        try:
            o.problem = check_ok(r.json(), body, request_id)
        except ValueError as e:
            o.problem = f"200 with a body that is not JSON: {e}"
    elif r.status_code in (429, 503):
        if not (o.retry_after or "").isdigit():
            o.problem = f"{r.status_code} without a Retry-After of whole seconds: {o.retry_after!r}"
        else:
            try:
                r.json()
            except ValueError:
                o.problem = f"{r.status_code} whose body is not JSON: {r.text[:200]!r}"
    else:
        o.problem = f"status {r.status_code}: {r.text[:300]}"
    run.add(o)
    return o


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per sending thread (requests.Session is not thread-safe)."""
    s = getattr(_local, "session", None)
    if s is None:
        s = _local.session = requests.Session()
    return s


def closed_loop(server: Server, clients: int, seconds: float, seq_base: int) -> tuple[float, Run]:
    """Each client sends its next request as soon as the last one is answered; returns 200s per second."""
    run = Run()
    t0 = time.monotonic()
    stop_at = t0 + seconds

    def client(c: int) -> None:
        rng = random.Random(c)
        seq = seq_base
        session = requests.Session()
        while time.monotonic() < stop_at:
            send(session, server.url, c, seq, rng, t0, time.monotonic(), run, timeout=120)
            seq += 1

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    ok = sum(1 for o in run.outcomes if o.status == 200)
    return ok / elapsed, run


def open_loop(server: Server, clients: int, rate: float, seconds: float, timeout: float) -> Run:
    """``clients`` clients at ``rate`` requests per second in all, each on its own exponential (Poisson) schedule,
    sent from a pool large enough that a slow answer never delays the next send (lateness is reported)."""
    run = Run()
    t0 = time.monotonic()
    per_client = rate / clients
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(64, int(rate * (timeout + 5)) + 16))

    def schedule(c: int) -> None:
        rng = random.Random(1000 + c)
        at = t0 + rng.expovariate(per_client)
        seq = 0
        while at < t0 + seconds:
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(lambda s=seq, a=at: send(_session(), server.url, c, s, random.Random(c * 1_000_003 + s), t0, a,
                                                 run, timeout))
            seq += 1
            at += rng.expovariate(per_client)

    schedulers = [threading.Thread(target=schedule, args=(c,)) for c in range(clients)]
    for t in schedulers:
        t.start()
    for t in schedulers:
        t.join()
    pool.shutdown(wait=True)
    return run


class Sampler:
    """Polls /health and samples the server's RSS, threads and files until stopped."""

    def __init__(self, server: Server, t0: float):
        self.server, self.t0 = server, t0
        self.health: list[tuple[float, float, int | None]] = []  # (t, latency, status or None)
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self.threads = [threading.Thread(target=self._health), threading.Thread(target=self._sample)]
        for t in self.threads:
            t.start()

    def _health(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            start = time.monotonic()
            try:
                status = session.get(self.server.url + "/health", timeout=30).status_code
            except requests.RequestException:
                status = None
            self.health.append((start - self.t0, time.monotonic() - start, status))
            self._stop.wait(HEALTH_EVERY_S)

    def _sample(self) -> None:
        n = 0
        while not self._stop.is_set():
            s = self.server.proc_status()
            s["t"] = round(time.monotonic() - self.t0, 2)
            if n % 5 == 0:  # the queue's depth and the work done, every 5 s
                try:
                    m = self.server.metrics()
                    s["queue_tokens"] = m.get("sift_queue_tokens")
                    s["tokens_computed"] = m.get("sift_tokens_computed_total")
                except requests.RequestException:
                    pass
            self.samples.append(s)
            n += 1
            self._stop.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._stop.set()
        for t in self.threads:
            t.join()


def serves_normally(server: Server, requests_count: int = 10) -> dict:
    """After the load: the queue empties, then sequential requests are all answered correctly."""
    deadline = time.monotonic() + 120
    while server.metrics().get("vllm:num_requests_waiting", 0) > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    waiting = server.metrics().get("vllm:num_requests_waiting", 0)
    run = Run()
    session = requests.Session()
    rng = random.Random(42)
    t0 = time.monotonic()
    for i in range(requests_count):
        send(session, server.url, 99, 10_000_000 + i, rng, t0, time.monotonic(), run, timeout=60)
    ok = [o for o in run.outcomes if o.status == 200 and o.problem is None]
    return {"queue_drained": waiting == 0, "sent": requests_count, "ok": len(ok),
            "problems": [o.problem for o in run.outcomes if o.problem][:5],
            "latency": summary_ms([o.latency for o in ok])}


def rss_trend(samples: list[dict], start: float) -> dict:
    """RSS from ``start`` (seconds) on: first, last, max, and the growth between the first and last fifths."""
    rss = [(s["t"], s["rss_kib"] / 1024) for s in samples if "rss_kib" in s and s["t"] >= start]
    if len(rss) < 5:
        return {"samples": len(rss)}
    fifth = max(1, len(rss) // 5)
    tenth = max(1, len(rss) // 10)
    early = statistics.median(v for _, v in rss[:fifth])
    middle = statistics.median(v for _, v in rss[len(rss) // 2 - tenth // 2: len(rss) // 2 + tenth // 2 + 1])
    late = statistics.median(v for _, v in rss[-fifth:])
    end = statistics.median(v for _, v in rss[-tenth:])
    return {"samples": len(rss), "first_mib": round(rss[0][1], 1), "last_mib": round(rss[-1][1], 1),
            "max_mib": round(max(v for _, v in rss), 1), "early_median_mib": round(early, 1),
            "middle_median_mib": round(middle, 1), "late_median_mib": round(late, 1),
            "growth_early_to_late": round(late / early - 1, 4),
            # The leak test: the JVM's heap grows to its working size over the first minutes of load, then a server
            # that leaks keeps growing while one that does not stays put.
            "growth": round(end / middle - 1, 4)}


def plot(report: dict, run: Run, sampler: Sampler, path: Path) -> str | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (tests/soak/run installs it in .venv-soak)"
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    t = [s["t"] / 60 for s in sampler.samples if "rss_kib" in s]
    ax1.plot(t, [s["rss_kib"] / 1024 for s in sampler.samples if "rss_kib" in s], color="tab:blue")
    ax1.set_ylabel("server RSS (MiB)")
    ax1.set_ylim(bottom=0)
    ax1.grid(alpha=0.3)
    load = report["load"]
    ax1.set_title(f"Sift overload soak: {load['clients']} clients at {load['rate_per_s']:.1f} req/s "
                  f"({report['config']['factor']}x the measured {report['capacity']['requests_per_s']:.1f} req/s), "
                  f"{report['config']['minutes']} min")
    window = 10.0
    end = max((o.sent_at for o in run.outcomes), default=0) + window
    bins = [i * window for i in range(int(end // window) + 1)]
    for status, color, label in ((200, "tab:green", "200"), (429, "tab:orange", "429"), (503, "tab:red", "503")):
        counts = [sum(1 for o in run.outcomes if o.status == status and b <= o.sent_at < b + window) / window
                  for b in bins]
        if any(counts):
            ax2.plot([b / 60 for b in bins], counts, color=color, label=label)
    ax2.set_ylabel(f"responses/s ({window:.0f} s windows)")
    ax2.legend(loc="upper right")
    ax2.grid(alpha=0.3)
    for status, color, label in ((200, "tab:green", "200 p50"), (429, "tab:orange", "429 p50")):
        xs, ys = [], []
        for b in bins:
            lat = [o.latency for o in run.outcomes if o.status == status and b <= o.sent_at < b + window]
            if lat:
                xs.append(b / 60)
                ys.append(statistics.median(lat) * 1000)
        if xs:
            ax3.plot(xs, ys, color=color, label=label)
    ht = [h[0] / 60 for h in sampler.health]
    ax3.plot(ht, [h[1] * 1000 for h in sampler.health], color="tab:gray", alpha=0.5, lw=0.7, label="/health")
    ax3.set_yscale("log")
    ax3.set_ylabel("latency (ms)")
    ax3.set_xlabel("minutes into the overload")
    ax3.legend(loc="upper right")
    ax3.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return None


def soak(out: Path, minutes: float, clients: int, factor: float = 2.0, capacity_seconds: float = 20.0,
         queue_seconds: float = 10.0, health_p99_limit_s: float = 1.0, rss_growth_limit: float = 0.10,
         make_plot: bool = True, log=print) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []

    # 1. Capacity, closed loop, after a few seconds of warm-up.
    log(f"soak: measuring capacity ({clients} clients, closed loop, {capacity_seconds:.0f} s)")
    first = Server(out, "server-capacity", [])
    try:
        closed_loop(first, clients, min(5.0, capacity_seconds / 4), seq_base=0)
        before = first.metrics()
        capacity, warm = closed_loop(first, clients, capacity_seconds, seq_base=100_000)
        after = first.metrics()
        tokens_per_s = (after.get("sift_tokens_computed_total", 0) - before.get("sift_tokens_computed_total", 0)) \
            / capacity_seconds
        cap_latency = summary_ms([o.latency for o in warm.outcomes if o.status == 200])
        cap_problems = [o.problem for o in warm.outcomes if o.problem]
    finally:
        first.stop()
    if cap_problems:
        failures.append(f"{len(cap_problems)} bad responses while measuring capacity: {cap_problems[:3]}")
    rate = capacity * factor
    queue_tokens = max(1000, int(tokens_per_s * queue_seconds)) if queue_seconds > 0 else None
    log(f"soak: capacity {capacity:.2f} req/s ({tokens_per_s:.0f} tokens/s), closed-loop p50 "
        f"{cap_latency.get('p50_ms')} ms; overload at {rate:.2f} req/s for {minutes} min"
        + (f", --max-queued-tokens {queue_tokens}" if queue_tokens else ""))

    # 2. Overload, open loop.
    args = ["--max-queued-tokens", str(queue_tokens)] if queue_tokens else []
    server = Server(out, "server-soak", args)
    try:
        start_status = server.proc_status()
        before = server.metrics()
        t0 = time.monotonic()
        sampler = Sampler(server, t0)
        # A client waits at most this long: well past the queue's depth, so that only a hung server times out.
        timeout = max(120.0, 12 * queue_seconds)
        run = open_loop(server, clients, rate, minutes * 60, timeout)
        load_seconds = time.monotonic() - t0
        after_load = server.metrics()
        normal = serves_normally(server)
        sampler.stop()
        after = server.metrics()
        end_status = server.proc_status()
    finally:
        code = server.stop()

    # 3. Figures and invariants.
    outcomes = run.outcomes
    by_status: dict[str, int] = {}
    for o in outcomes:
        key = "lost" if o.status is None else str(o.status)
        by_status[key] = by_status.get(key, 0) + 1
    ok = [o for o in outcomes if o.status == 200 and o.problem is None]
    mismatched = [o for o in outcomes if o.status == 200 and o.problem]
    refused = [o for o in outcomes if o.status in (429, 503) and o.problem is None]
    bad_refusals = [o for o in outcomes if o.status in (429, 503) and o.problem]
    lost = [o for o in outcomes if o.status is None]
    other = [o for o in outcomes if o.status not in (None, 200, 429, 503)]
    health_lat = [h[1] for h in sampler.health]
    health_bad = [h for h in sampler.health if h[2] != 200]
    # RSS is judged after the first minute (or fifth of a short run): the JVM's heap and ONNX Runtime's arenas grow
    # to their working size first.
    settle = min(60.0, minutes * 60 / 5)
    rss = rss_trend(sampler.samples, settle)
    retry_after = sorted({o.retry_after for o in refused})
    server_refused = after_load.get("sift_requests_refused_total", 0) - before.get("sift_requests_refused_total", 0)
    server_dropped = after.get("sift_inputs_dropped_total", 0) - before.get("sift_inputs_dropped_total", 0)
    report = {
        "config": {"minutes": minutes, "clients": clients, "factor": factor, "documents_per_request": DOCS_PER_REQUEST,
                   "capacity_seconds": capacity_seconds, "queue_seconds": queue_seconds, "server_args": args,
                   "client_timeout_s": timeout},
        "capacity": {"requests_per_s": round(capacity, 2), "tokens_per_s": round(tokens_per_s), "closed_loop_latency":
                     cap_latency},
        "load": {"clients": clients, "rate_per_s": round(rate, 2), "seconds": round(load_seconds, 1),
                 "send_lateness": summary_ms([o.lateness for o in outcomes])},
        "responses": {"sent": len(outcomes), "by_status": by_status, "ok_200": len(ok), "refused_429_503": len(refused),
                      "mismatched": len(mismatched), "lost": len(lost), "other_status": len(other),
                      "refusals_without_retry_after": len(bad_refusals), "retry_after_values": retry_after,
                      "ok_per_s": round(len(ok) / load_seconds, 2)},
        "latency": {"ok_200": summary_ms([o.latency for o in ok]), "refused": summary_ms([o.latency for o in refused])},
        "health": {**summary_ms(health_lat), "not_200": len(health_bad)},
        "rss": {**rss, "start_mib": round(start_status.get("rss_kib", 0) / 1024, 1),
                "end_mib": round(end_status.get("rss_kib", 0) / 1024, 1)},
        "process": {"threads_start": start_status.get("threads"), "threads_end": end_status.get("threads"),
                    "fds_start": start_status.get("fds"), "fds_end": end_status.get("fds"), "exit_status": code},
        "server_counts": {"requests_refused": server_refused, "inputs_dropped": server_dropped,
                          "http_429": after_load.get("http_429", 0) - before.get("http_429", 0),
                          "http_200": after_load.get("http_200", 0) - before.get("http_200", 0)},
        "afterwards": normal,
        "examples": [o.problem for o in (mismatched + lost + other + bad_refusals)[:10]],
    }
    if mismatched:
        failures.append(f"{len(mismatched)} responses did not match their request")
    if lost:
        failures.append(f"{len(lost)} responses lost")
    if other:
        failures.append(f"{len(other)} responses with another status: {sorted({o.status for o in other})}")
    if bad_refusals:
        failures.append(f"{len(bad_refusals)} refusals without Retry-After or a JSON body")
    if not ok:
        failures.append("no request was served")
    if factor > 1 and not refused:
        failures.append("the overload never produced a refusal")
    if server_refused != sum(1 for o in refused if o.status == 429):
        failures.append(f"the server counted {server_refused:.0f} refusals, the clients got "
                        f"{sum(1 for o in refused if o.status == 429)} 429s")
    if health_bad:
        failures.append(f"{len(health_bad)} /health polls were not 200")
    if health_lat and percentile(health_lat, 99) > health_p99_limit_s:
        failures.append(f"/health p99 {percentile(health_lat, 99):.3f} s is over {health_p99_limit_s} s")
    if rss.get("growth") is not None and rss["growth"] > rss_growth_limit:
        failures.append(f"RSS grew {rss['growth']:.1%} over the second half of the run")
    if not (normal["queue_drained"] and normal["ok"] == normal["sent"]):
        failures.append(f"not serving normally afterwards: {normal}")
    if code != 0:
        failures.append(f"the server exited with {code} on SIGTERM")
    report["failures"] = failures
    report["ok"] = not failures
    if make_plot:
        why = plot(report, run, sampler, out / "soak.png")
        report["plot"] = "soak.png" if why is None else f"none: {why}"
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    with open(out / "rss.csv", "w") as f:
        f.write("t_s,rss_kib,threads,fds,queue_tokens,tokens_computed\n")
        for s in sampler.samples:
            f.write(f"{s['t']},{s.get('rss_kib', '')},{s.get('threads', '')},{s.get('fds', '')},"
                    f"{s.get('queue_tokens', '')},{s.get('tokens_computed', '')}\n")
    return report


def main() -> int:
    p = argparse.ArgumentParser(description="Overload soak of ./sift serve on the bundled model.")
    p.add_argument("--minutes", type=float, default=10.0, help="length of the overload (default 10)")
    p.add_argument("--clients", type=int, default=16, help="clients, each with its own id (default 16)")
    p.add_argument("--factor", type=float, default=2.0, help="load as a multiple of the measured capacity (default 2)")
    p.add_argument("--capacity-seconds", type=float, default=20.0, help="length of the capacity measurement (default 20)")
    p.add_argument("--queue-seconds", type=float, default=10.0,
                   help="--max-queued-tokens as seconds of the measured capacity; 0 keeps the server's default (default 10)")
    p.add_argument("--out", type=Path, default=ROOT / "tests" / "soak" / "report", help="where the report goes")
    a = p.parse_args()
    report = soak(a.out, a.minutes, a.clients, a.factor, a.capacity_seconds, a.queue_seconds)
    r = report["responses"]
    print(f"soak: {r['sent']} requests: {r['ok_200']} 200, {r['refused_429_503']} 429/503, {r['mismatched']} mismatched,"
          f" {r['lost']} lost, {r['other_status']} other; 200 p50 {report['latency']['ok_200'].get('p50_ms')} ms p99 "
          f"{report['latency']['ok_200'].get('p99_ms')} ms; refusals p50 {report['latency']['refused'].get('p50_ms')} ms;"
          f" /health p99 {report['health'].get('p99_ms')} ms; RSS {report['rss'].get('start_mib')} -> "
          f"{report['rss'].get('end_mib')} MiB; report in {a.out}")
    for f in report["failures"]:
        print("soak: FAILED: " + f, file=sys.stderr)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
