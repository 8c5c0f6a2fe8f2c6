"""Graceful drain of a real ``./sift serve``, over real sockets, as Kubernetes stops a pod (SIGTERM) and a person
stops a terminal's server (SIGINT, Ctrl-C): new connections are refused at once, a request on a connection already
open gets 503, the requests in flight finish, and the process exits 0. Requests still running when --drain-timeout
runs out (or at a second signal) are cut: their connections close, their queued inputs are dropped rather than
computed, and the process exits 3.

Each test starts its own server on the bundled model with one inference thread, so that requests of long documents
wait their turn and really are in flight when the signal comes.
"""

from __future__ import annotations

import http.client
import re
import signal
import socket
import threading
import time
from pathlib import Path

import requests

from conftest import Server

QUERY = "the history of Paris"
EXIT_DRAIN_CUT = 3


def documents(request: int, count: int) -> list[str]:
    """Distinct documents of about 250 tokens, so that each is one input of its own."""
    return [f"Document {request}.{j}: the long history of the city of Paris, its bridges, its museums and its streets. " * 12
            for j in range(count)]


def metric(server: Server, name: str) -> float:
    """The sum of a metric's samples on /metrics."""
    text = requests.get(server.url + "/metrics", timeout=30).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{"))


def start(tmp_path: Path, name: str, *args: str) -> Server:
    server = Server(name=name, model=None, args=["--workers", "1", *args], env={}, key=None,
                    log_path=tmp_path / f"{name}.log")
    server.start()
    return server


class Requests:
    """Rerank requests sent at once, each on its own connection; ``results[i]`` is its status, or the error."""

    def __init__(self, server: Server, count: int, documents_each: int):
        self.results: list[object] = [None] * count
        self.inputs = count * (documents_each + 1)  # an embedding model embeds each request's query too
        self.threads = [threading.Thread(target=self._send, args=(server, i, documents_each)) for i in range(count)]
        for t in self.threads:
            t.start()

    def _send(self, server: Server, i: int, documents_each: int) -> None:
        try:
            r = requests.post(server.url + "/rerank", json={"query": QUERY, "documents": documents(i, documents_each)},
                              timeout=600)
            self.results[i] = r.status_code if r.status_code != 200 else (200, len(r.json()["results"]))
        except requests.RequestException as e:
            self.results[i] = e

    def running(self) -> int:
        return sum(1 for r in self.results if r is None)

    def join(self) -> None:
        for t in self.threads:
            t.join(timeout=600)


def wait_until_all_queued(server: Server, sent: Requests, computed_before: float) -> None:
    """Until every input of every request is queued or computed, and some still wait."""
    deadline = time.monotonic() + 120
    while True:
        waiting = metric(server, "vllm:num_requests_waiting")
        started = metric(server, "sift_inputs_computed_total") - computed_before
        if waiting > 0 and waiting + started >= sent.inputs:
            return
        assert sent.running() == len(sent.results), f"a request finished before all were queued: {sent.results}"
        assert time.monotonic() < deadline, f"inputs never all queued: {waiting} waiting, {started} started"
        time.sleep(0.02)


def test_sigterm_refuses_new_connections_finishes_all_eight_requests_in_flight_and_exits_0(tmp_path: Path):
    server = start(tmp_path, "drain", "--drain-timeout", "300")
    try:
        # A client's kept-alive connection, opened before the signal.
        kept = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        kept.request("GET", "/health")
        first = kept.getresponse()
        first.read()
        assert first.status == 200

        computed_before = metric(server, "sift_inputs_computed_total")
        sent = Requests(server, count=8, documents_each=12)
        wait_until_all_queued(server, sent, computed_before)
        assert sent.running() == 8
        server.proc.send_signal(signal.SIGTERM)

        refused_while_running = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
            except ConnectionRefusedError:
                refused_while_running = sent.running()
                break
            time.sleep(0.02)
        assert refused_while_running, "new connections were still accepted, or refused only after every request ended"

        kept.request("GET", "/health")
        draining = kept.getresponse()
        draining.read()
        assert draining.status == 503
        assert draining.getheader("Connection") == "close"

        sent.join()
        assert sent.results == [(200, 12)] * 8
        assert server.proc.wait(timeout=120) == 0
        assert "Drained 8 request(s) in flight" in server.log_tail()
    finally:
        server.stop()


def _cut(tmp_path: Path, name: str, first: signal.Signals, second: signal.Signals | None, *args: str) -> None:
    server = start(tmp_path, name, *args)
    try:
        computed_before = metric(server, "sift_inputs_computed_total")
        sent = Requests(server, count=2, documents_each=150)
        wait_until_all_queued(server, sent, computed_before)
        # The pace of this machine, to tell how long the queued work would take if it were computed.
        t0, c0 = time.monotonic(), metric(server, "sift_inputs_computed_total")
        time.sleep(2)
        rate = (metric(server, "sift_inputs_computed_total") - c0) / (time.monotonic() - t0)
        waiting = metric(server, "vllm:num_requests_waiting")
        assert sent.running() == 2
        server.proc.send_signal(first)
        signalled = time.monotonic()
        if second is not None:
            time.sleep(0.5)
            server.proc.send_signal(second)
        code = server.proc.wait(timeout=300)
        took = time.monotonic() - signalled
        sent.join()
        assert code == EXIT_DRAIN_CUT
        assert all(isinstance(r, requests.ConnectionError) for r in sent.results), sent.results
        # Both reranks are cut; the count in flight at the signal may also hold the last /metrics scrape above, whose
        # response the client had read while the server was still completing it.
        assert re.search(r"Drain cut 2 of [23] request\(s\)", server.log_tail()), server.log_tail()
        rest = waiting / max(rate, 1e-9)
        assert took < rest / 2, f"exited {took:.1f} s after the signal; the {waiting:.0f} queued inputs take {rest:.1f} s"
    finally:
        server.stop()


def test_a_request_still_running_at_the_drain_timeout_is_cut_and_the_process_exits_3(tmp_path: Path):
    _cut(tmp_path, "drain-timeout", signal.SIGTERM, None, "--drain-timeout", "1")


def test_a_second_ctrl_c_cuts_the_drain_at_once(tmp_path: Path):
    _cut(tmp_path, "drain-second-signal", signal.SIGINT, signal.SIGINT, "--drain-timeout", "300")
