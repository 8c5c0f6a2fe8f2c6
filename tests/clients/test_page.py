"""The page to try rankings (``GET /`` and ``/ui``), in headless Chromium.

The browser is the system's Chromium (Debian's ``chromium`` package; ``SIFT_CHROMIUM`` names another binary), driven
over the DevTools protocol on a pipe (browser.py): it clicks into the API-key field, types the key, clicks Rank, and
reads what the page rendered, which must be the ranking the server's own /rerank gives for the same request. The
screenshot is written to tests/clients/artifacts/page.png (or ``SIFT_PAGE_SCREENSHOT``) and checked: a PNG of the
window's size with the score bars' colour in it. Without Chromium these tests skip, saying so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import requests

from browser import Browser, find_chromium, read_png
from conftest import CROSS_ENCODER, FRANCE_DOCS, FRANCE_QUERY, KEY, ROOT, WRONG_KEY, Server, ServerPool
from wire import leaks

WIDTH, HEIGHT = 1000, 760
BAR = (0x25, 0x63, 0xEB)  # --bar in index.html
SCREENSHOT = Path(os.environ.get("SIFT_PAGE_SCREENSHOT") or ROOT / "tests" / "clients" / "artifacts" / "page.png")

# What the page rendered: each result row, and the line above them.
RENDERED = """(() => ({
  state: document.body.dataset.state || null,
  error: document.getElementById('error').textContent,
  errorShown: getComputedStyle(document.getElementById('error')).display !== 'none',
  rows: [...document.querySelectorAll('#rows tr.result')].map((tr) => ({
    index: Number(tr.dataset.index),
    score: Number(tr.dataset.score),
    rank: tr.querySelector('.rank').textContent,
    shown: tr.querySelector('.score').textContent,
    doc: tr.querySelector('.doc').textContent,
    fill: tr.querySelector('.fill').getBoundingClientRect().width,
    track: tr.querySelector('.track').getBoundingClientRect().width,
  })),
  model: document.getElementById('model') && document.getElementById('model').textContent,
  tokens: document.getElementById('tokens') && document.getElementById('tokens').textContent,
  latency: document.getElementById('latency') && document.getElementById('latency').textContent,
  latencyMs: document.getElementById('latency') && Number(document.getElementById('latency').dataset.ms),
}))()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        reason = "no Chromium found (apt-get install chromium, or set SIFT_CHROMIUM); the page's browser tests skip"
        print(reason)
        pytest.skip(reason)
    return binary


@pytest.fixture()
def browser(chromium: str):
    with Browser(chromium, WIDTH, HEIGHT) as b:
        yield b


@pytest.fixture(scope="module")
def open_cross(pool: ServerPool) -> Server:
    """The cross-encoder fixture with no key, for the page's ?run=1 preset (which has no key to send)."""
    return pool.start("page-open", CROSS_ENCODER, served_names=["bert-cross-encoder"])


def expected_ranking(server: Server) -> dict:
    r = server.post("/rerank", {"query": FRANCE_QUERY, "documents": FRANCE_DOCS, "return_documents": True})
    assert r.status_code == 200, r.text
    return r.json()


def assert_shows_ranking(page: dict, expected: dict, model: str) -> None:
    rows = page["rows"]
    assert page["state"] == "done" and not page["errorShown"], page
    assert [row["index"] for row in rows] == [r["index"] for r in expected["results"]], (rows, expected)
    assert [row["doc"] for row in rows] == [FRANCE_DOCS[r["index"]] for r in expected["results"]]
    assert [row["rank"] for row in rows] == ["1", "2", "3", "4"]
    for row, want in zip(rows, expected["results"]):
        assert row["score"] == pytest.approx(want["relevance_score"], abs=1e-6), (row, want)
        assert row["shown"] == f"{want['relevance_score']:.4f}", (row, want)
        # The cross-encoder's scores are in [0, 1]: the bar is the score's share of the track.
        assert 0 <= want["relevance_score"] <= 1
        assert row["fill"] / row["track"] == pytest.approx(want["relevance_score"], abs=0.01), row
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)
    assert page["model"] == model
    assert page["tokens"] == str(expected["usage"]["total_tokens"])
    assert page["latencyMs"] > 0
    assert re.fullmatch(r"\d+\.\d ms", page["latency"]), page["latency"]


def check_screenshot(png: bytes, page: dict) -> None:
    """The PNG is the window's size, not blank, and has the bars the page laid out, in the bars' colour."""
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(png)
    print(f"screenshot: {SCREENSHOT}")
    image = read_png(png)
    assert (image.width, image.height) == (WIDTH, HEIGHT)
    assert image.colors() > 50, "the screenshot is (nearly) blank"
    # Each bar is 14 pixels high and as wide as the page made it; its edges may blend into the track.
    laid_out = sum(int(row["fill"]) * 14 for row in page["rows"])
    bar_pixels = image.count(BAR)
    assert laid_out > 0
    assert 0.7 * laid_out <= bar_pixels <= 1.1 * laid_out, f"{bar_pixels} pixels of the bar colour, {laid_out} laid out"


def test_page_is_self_contained(cross: Server):
    """Served open (no key) at / and /ui, as HTML, with nothing to fetch from elsewhere and nothing that reads as a leak."""
    for path in ("/", "/ui", "/openai/ui"):
        r = requests.get(cross.url + path, timeout=30)
        assert r.status_code == 200, (path, r.text[:200])
        assert r.headers["Content-Type"].replace(" ", "").lower() == "text/html;charset=utf-8"
        assert "http://" not in r.text and "https://" not in r.text
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:[a-z]+:)?//", r.text, re.I)
        assert leaks(r.text) == []


def test_typing_the_key_and_clicking_rank_shows_the_ranking(cross: Server, browser: Browser):
    """The France example as the page comes (prefilled), on the keyed server: the key typed, Rank clicked."""
    browser.navigate(cross.url + "/ui")
    assert browser.evaluate("document.getElementById('query').value") == FRANCE_QUERY
    assert browser.evaluate("document.getElementById('documents').value") == "\n".join(FRANCE_DOCS)
    browser.click("#key")
    browser.type_text(cross.key)
    assert browser.evaluate("document.getElementById('key').value") == cross.key
    browser.click("#rank")
    browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
    page = browser.evaluate(RENDERED)
    assert_shows_ranking(page, expected_ranking(cross), cross.model_name)
    check_screenshot(browser.screenshot(), page)


def test_the_servers_error_is_shown_verbatim(cross: Server, browser: Browser):
    browser.navigate(cross.url + "/")
    browser.click("#key")
    browser.type_text(WRONG_KEY)
    browser.click("#rank")
    browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
    page = browser.evaluate(RENDERED)
    wrong = requests.post(cross.url + "/rerank", json={"query": FRANCE_QUERY, "documents": FRANCE_DOCS,
                                                       "return_documents": True},
                          headers={"Authorization": f"Bearer {WRONG_KEY}"}, timeout=30)
    assert wrong.status_code == 401
    assert page["state"] == "error" and page["errorShown"], page
    first, body = page["error"].split("\n", 1)
    assert first.startswith("HTTP 401"), first
    assert body == wrong.text
    assert page["rows"] == []


def test_edited_documents_are_ranked(cross: Server, browser: Browser):
    """Documents typed into the textarea replace the example's; blank lines are dropped."""
    docs = ["Berlin is the capital and largest city of Germany.", "", "Paris is the capital and most populous city of France."]
    browser.navigate(cross.url + "/ui")
    browser.click("#documents")
    browser.select_all_and_delete()
    browser.type_text("\n".join(docs))
    browser.click("#key")
    browser.type_text(cross.key)
    browser.click("#rank")
    browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
    page = browser.evaluate(RENDERED)
    sent = [d for d in docs if d]
    want = cross.post("/rerank", {"query": FRANCE_QUERY, "documents": sent}).json()
    assert page["state"] == "done", page
    assert [row["doc"] for row in page["rows"]] == [sent[r["index"]] for r in want["results"]]


def test_run_preset_under_the_kserve_prefix(open_cross: Server, browser: Browser):
    """?run=1 ranks on load; under /openai the page calls /openai/rerank (the base comes from its own path)."""
    browser.navigate(open_cross.url + "/openai/ui?run=1")
    browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
    page = browser.evaluate(RENDERED)
    assert_shows_ranking(page, expected_ranking(open_cross), open_cross.model_name)
    assert browser.evaluate("document.getElementById('endpoint').textContent") == "/openai/rerank"
