"""The overload soak of tests/soak, short: 8 clients at twice the measured capacity for 40 seconds, with the same
invariants as the 10-minute run (docs/reliability.md): every 200 carries exactly its own request's documents, every
other answer is a 429 or 503 with Retry-After, none is lost, the server's count of refusals equals the clients',
/health stays fast, and the server answers normally afterwards. RSS is recorded, and held only to a loose bound here
(40 seconds say little about a leak; the long run judges it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "soak"))

import soak  # noqa: E402


def test_short_overload_soak_answers_every_request_correctly_or_refuses_it_with_retry_after(tmp_path: Path):
    report = soak.soak(tmp_path, minutes=40 / 60, clients=8, factor=2.0, capacity_seconds=8.0, queue_seconds=5.0,
                       health_p99_limit_s=2.0, rss_growth_limit=0.5, make_plot=False, log=lambda m: None)
    summary = {k: report[k] for k in ("capacity", "responses", "latency", "health", "rss", "failures")}
    print(json.dumps(summary, indent=1))
    r = report["responses"]
    assert r["mismatched"] == 0 and r["lost"] == 0 and r["other_status"] == 0, report["examples"]
    assert r["ok_200"] > 0 and r["refused_429_503"] > 0, r
    assert report["failures"] == [], report["failures"]
