"""SIFT_HOST and SIFT_PORT: where `sift serve` listens when --host and --port are not given (the container image
sets SIFT_PORT=8080). Started here without either flag, so the environment alone decides.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import requests

from conftest import CROSS_ENCODER, ROOT, START_TIMEOUT_S, free_port


def test_sift_host_and_sift_port_choose_where_it_listens(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SIFT_API_KEY", "VLLM_API_KEY")}
    env.update({"SIFT_HOST": "127.0.0.1", "SIFT_PORT": str(port)})
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["./sift", "serve", str(CROSS_ENCODER.relative_to(ROOT))], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"exited with {proc.returncode}:\n{log.read_text(errors='replace')}"
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"no /health on SIFT_PORT {port}:\n{log.read_text(errors='replace')}"
            time.sleep(0.25)
        r = requests.post(f"http://127.0.0.1:{port}/score", json={"text_1": "a", "text_2": ["b"]}, timeout=60)
        assert r.status_code == 200, r.text
        assert f"on http://127.0.0.1:{port}" in log.read_text(errors="replace")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
