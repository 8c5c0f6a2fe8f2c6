"""Several models in one ``./sift serve``: a MODEL on the command line and another from a YAML ``--config``.

Each answers by the name a client sends in ``model`` (the Cohere SDK's ``model=``, the OpenAI SDK's ``model=``),
with that model's own golden scores; a request naming no model goes to the first; a wrong name is a 404; /v1/models
lists both; /metrics labels each model's work and reports the memory each took.
"""

from __future__ import annotations

import re

import cohere
import openai
import pytest
from cohere.errors import NotFoundError

from conftest import CROSS_ENCODER, EMBEDDING, ROOT, Server, ServerPool, load_golden


@pytest.fixture(scope="module")
def two_models(pool: ServerPool, tmp_path_factory: pytest.TempPathFactory) -> Server:
    config = tmp_path_factory.mktemp("multi") / "models.yaml"
    config.write_text(
        "models:\n"
        f"  - model: {EMBEDDING.relative_to(ROOT)}\n"
        "    served_model_name: [embedder, bge-like]\n"
        "    max-batch-size: 8\n"
        "    cache-size: 0\n",
        encoding="utf-8",
    )
    return pool.start("two-models", CROSS_ENCODER, served_names=["reranker"], extra_args=["--config", str(config)])


def golden_case(model_dir):
    return load_golden(model_dir)["cases"][0]


@pytest.mark.parametrize("name, model_dir", [("reranker", CROSS_ENCODER), ("embedder", EMBEDDING), ("bge-like", EMBEDDING)])
def test_each_model_answers_the_cohere_sdk_by_name_with_its_own_goldens(two_models: Server, name, model_dir):
    case = golden_case(model_dir)
    co = cohere.ClientV2(api_key="unused", base_url=two_models.url, timeout=60, max_retries=0)
    r = co.rerank(model=name, query=case["text_1"], documents=case["text_2"])
    assert len(r.results) == len(case["text_2"])
    for result in r.results:
        assert result.relevance_score == pytest.approx(case["scores"][result.index], abs=1e-5)


def test_a_request_without_model_goes_to_the_first(two_models: Server):
    case = golden_case(CROSS_ENCODER)
    r = two_models.post("/score", {"text_1": case["text_1"], "text_2": case["text_2"]})
    assert r.status_code == 200, r.text
    assert r.json()["model"] == "reranker"
    assert [d["score"] for d in r.json()["data"]] == pytest.approx(case["scores"], abs=1e-5)


def test_a_wrong_model_is_a_404_in_each_api_shape(two_models: Server):
    co = cohere.ClientV2(api_key="unused", base_url=two_models.url, timeout=60, max_retries=0)
    with pytest.raises(NotFoundError):
        co.rerank(model="no-such-model", query="q", documents=["d"])
    r = two_models.post("/score", {"model": "no-such-model", "text_1": "q", "text_2": ["d"]})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "The model `no-such-model` does not exist."


def test_the_openai_sdk_embeds_with_the_embedding_model_and_is_refused_by_the_reranker(two_models: Server):
    client = openai.OpenAI(api_key="unused", base_url=two_models.url + "/v1", max_retries=0, timeout=60)
    out = client.embeddings.create(model="embedder", input=["hello world"])
    assert out.model == "embedder" and len(out.data[0].embedding) > 0
    with pytest.raises(openai.BadRequestError, match="does not support embeddings"):
        client.embeddings.create(model="reranker", input=["hello world"])


def test_models_lists_both_and_metrics_are_labelled_by_model(two_models: Server):
    ids = [card["id"] for card in two_models.get("/v1/models").json()["data"]]
    assert ids == ["reranker", "embedder", "bge-like"]
    two_models.post("/rerank", {"model": "embedder", "query": "q", "documents": ["a document for the metrics"]})
    metrics = two_models.get("/metrics").text
    for name in ("reranker", "embedder"):
        assert re.search(r'^sift_inputs_computed_total\{model="%s"\} ' % name, metrics, re.M), name
        resident = re.search(r'^sift_model_resident_bytes\{model="%s"\} (\S+)$' % name, metrics, re.M)
        assert resident and float(resident.group(1)) > 0, f"no memory figure for {name}"
    # The embedding model's entry turned its cache off; the reranker kept the default.
    assert 'sift_cache_max_bytes{cache="score",model="reranker"}' in metrics
    assert 'sift_cache_max_bytes{cache="embedding",model="embedder"} 0.0' in metrics


def test_the_page_offers_each_model_and_ranks_with_the_one_chosen(two_models: Server):
    from browser import Browser, find_chromium

    binary = find_chromium()
    if binary is None:
        reason = "no Chromium found (apt-get install chromium, or set SIFT_CHROMIUM); the page's model choice is untested"
        print(reason)
        pytest.skip(reason)
    case = golden_case(EMBEDDING)
    from urllib.parse import urlencode
    query = urlencode([("model", "embedder"), ("run", "1"), ("q", case["text_1"])] + [("doc", d) for d in case["text_2"]])
    with Browser(binary, 1000, 760) as browser:
        browser.navigate(two_models.url + "/ui?" + query)
        browser.wait_for("['done', 'error'].includes(document.body.dataset.state)")
        page = browser.evaluate("""(() => ({
          choices: [...document.querySelectorAll('#modelChoice option')].map((o) => o.value),
          model: document.getElementById('model').textContent,
          rows: [...document.querySelectorAll('#rows tr.result')].map((tr) => [Number(tr.dataset.index), Number(tr.dataset.score)]),
        }))()""")
    assert page["choices"] == ["reranker", "embedder"], "one choice per model, by its first name"
    assert page["model"] == "embedder"
    assert sorted(index for index, _ in page["rows"]) == list(range(len(case["text_2"])))
    for index, score in page["rows"]:
        assert score == pytest.approx(case["scores"][index], abs=1e-5)
