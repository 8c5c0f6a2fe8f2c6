"""Schemathesis against the server's own /openapi.json: every operation it lists, on the cross-encoder fixture and on
the embedding fixture (between them every route Sift has), with bodies generated from the schemas, both valid and
invalid ones. No answer may be a 5xx or take longer than ``MAX_RESPONSE_S``, and no body may carry a stack trace or a
class name; the valid answers must match the document's response schemas.

``SIFT_FUZZ_EXAMPLES`` sets the examples per operation and mode (default 120, which makes more than 5,000 requests in all);
``SIFT_FUZZ_SEED`` a seed (default fixed, so that CI runs the same cases); ``SIFT_FUZZ_REPORT`` a file to write the
figures to (tests/soak/fuzz sets these for the long run).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from conftest import CROSS_ENCODER, EMBEDDING, KEY, Server, ServerPool
from wire import leaks

EXAMPLES = int(os.environ.get("SIFT_FUZZ_EXAMPLES", "120"))
SEED = os.environ.get("SIFT_FUZZ_SEED")
REPORT = os.environ.get("SIFT_FUZZ_REPORT")
MIN_REQUESTS = int(os.environ.get("SIFT_FUZZ_MIN_REQUESTS", "5000"))
MAX_RESPONSE_S = 30.0


class Tally:
    """Every request the fuzzer made, by server, operation and status; the failures found."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.by_operation: dict[str, Counter[int]] = {}
        self.slowest = 0.0
        self.server_errors: list[str] = []
        self.leaks: list[str] = []
        self.started = time.monotonic()

    def record(self, server: str, operation: str, response, elapsed: float) -> None:
        self.statuses[response.status_code] += 1
        self.by_operation.setdefault(f"{server} {operation}", Counter())[response.status_code] += 1
        self.slowest = max(self.slowest, elapsed)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def fives(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def report(self) -> dict:
        return {
            "requests": self.total,
            "5xx": self.fives(),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "operations": {op: {str(k): v for k, v in sorted(c.items())} for op, c in sorted(self.by_operation.items())},
            "slowest_response_s": round(self.slowest, 3),
            "duration_s": round(time.monotonic() - self.started, 1),
            "examples_per_operation": EXAMPLES,
            "seed": SEED,
            "leaks": self.leaks[:20],
            "server_errors": self.server_errors[:20],
        }


TALLY = Tally()


FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
                         suppress_health_check=list(HealthCheck), print_blob=True)


def exercise(name: str, case) -> None:
    start = time.monotonic()
    response = case.call(headers={"Authorization": f"Bearer {KEY}"}, timeout=MAX_RESPONSE_S)
    elapsed = time.monotonic() - start
    TALLY.record(name, f"{case.method} {case.path}", response, elapsed)
    what = f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
    found = leaks(response.text)
    if found:
        TALLY.leaks.append(f"{what} {found}")
    if response.status_code >= 500:
        TALLY.server_errors.append(what)
    assert response.status_code < 500, f"{what}\nbody sent: {json.dumps(case.body)[:500] if case.body is not None else None}"
    assert not found, f"{what}: {found}"
    assert elapsed < MAX_RESPONSE_S
    # Schemathesis's own check as well (it also reads the document's declared statuses and content types).
    case.validate_response(response, checks=[not_a_server_error])


def fuzz(name: str, server: Server) -> None:
    """Every operation of the server's document, with valid (positive) then invalid (negative) data. Hypothesis is
    driven directly rather than through schemathesis's pytest plugin, which 4.32 cannot run under pytest 9."""
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [f"{o.method} {o.path}" for o in operations]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @FUZZ_SETTINGS
            @given(case=strategy)
            def run(case) -> None:
                exercise(name, case)

            if SEED is not None:
                run = seed(int(SEED))(run)
            try:
                run()
            except Unsatisfiable:
                # An operation with nothing to vary (GET /health) has no invalid form.
                assert mode == GenerationMode.NEGATIVE, f"{operation.method} {operation.path}"


@pytest.mark.parametrize("model", ["cross", "embed"])
def test_every_operation(pool: ServerPool, model: str):
    if model == "cross":
        server = pool.start("fuzz-cross", CROSS_ENCODER, api_keys=[KEY], served_names=["bert-cross-encoder"])
    else:
        server = pool.start("fuzz-embed", EMBEDDING, api_keys=[KEY], served_names=["bert-embedding"])
    fuzz(model, server)


def test_fuzzing_totals(pool: ServerPool):
    """Runs last in this module: the figures over every operation of both servers, and the servers still up."""
    report = TALLY.report()
    print("\nfuzz:", json.dumps({k: report[k] for k in ("requests", "5xx", "statuses", "duration_s", "slowest_response_s")}))
    if REPORT:
        Path(REPORT).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for name in ("fuzz-cross", "fuzz-embed"):
        assert pool.servers[name].get("/health").status_code == 200, name
    assert report["5xx"] == 0, report["server_errors"]
    assert not report["leaks"], report["leaks"]
    assert report["requests"] >= MIN_REQUESTS, f"only {report['requests']} requests: raise SIFT_FUZZ_EXAMPLES"
