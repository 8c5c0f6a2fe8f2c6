#!/usr/bin/env python3
"""Fixtures for LLM rerankers: a decoder whose next-token logits at the end of a prompt template give the score.

Three families, each as vLLM serves it (docs/models/pooling_models/scoring.md; the score templates under
examples/pooling/score/template/), and one sequence-classification conversion:

* ``qwen3-reranker`` (Qwen/Qwen3-Reranker-*): Qwen3ForCausalLM with Qwen's chat-style prompt and an
  instruction. Score = P("yes") = softmax([logit_no, logit_yes])[1] at the last token, which is
  sigmoid(logit_yes - logit_no); vLLM's raw score (use_activation=false) is logit_yes - logit_no.
* ``bge-reranker-v2-gemma`` (BAAI/bge-reranker-v2-gemma): GemmaForCausalLM with FlagEmbedding's "A: ... B: ..."
  prompt. Score = sigmoid(logit_Yes) at the last token; raw score = logit_Yes.
* ``mxbai-rerank-v2`` (mixedbread-ai/mxbai-rerank-base-v2, -large-v2): Qwen2ForCausalLM with mxbai's prompt
  (mxbai-rerank's own prefix, "query: ...", "document: ...", task prompt and suffix, with an optional
  "instruction: ..." line). Score = sigmoid(logit_"1" - logit_"0"); raw score = logit_"1" - logit_"0".
* ``qwen3-reranker-seq-cls`` (tomaarsen/Qwen3-Reranker-0.6B-seq-cls): the Qwen3 fixture converted as that
  repository was, to Qwen3ForSequenceClassification with one label whose weight is lm_head["yes"] -
  lm_head["no"]. Same prompt; score = sigmoid(logit), which must equal the Qwen3 fixture's score.

The golden values come from transformers' causal-LM forward pass on the rendered prompt, as the Qwen3-Reranker
model card and vLLM's tests compute them. The tokenizers are trained locally in the shape of the real ones
(Qwen: byte-level BPE with the GPT-4-style split and <|im_start|>/<|im_end|>; Gemma: SentencePiece-style BPE with
byte fallback and <bos>). The ONNX graphs take input_ids, attention_mask and position_ids and return logits
[batch, sequence, vocab], as `optimum-cli export onnx --task text-generation` writes them.

    /root/venvs/fixtures/bin/python testdata/generate_llm.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import generate as g  # sets the deterministic, offline environment before torch is imported

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers  # noqa: E402
from tokenizers import processors, trainers  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    GemmaConfig,
    GemmaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen3Config,
    Qwen3ForCausalLM,
    Qwen3ForSequenceClassification,
)

VOCAB_SIZE = 1500
MAX_POSITIONS = 512
# Long enough for the templates and every case but the deliberately long ones (b and c), which get cut.
MODEL_MAX_LENGTH = 160

QWEN_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
              r"|\s+(?!\S)|\s+")

QWEN_DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"
# vLLM's examples/pooling/score/template/qwen3_reranker.jinja, rendered.
QWEN_TEMPLATE = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct "
    "provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n"
    "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}<|im_end|>\n"
    "<|im_start|>assistant\n<think>\n\n</think>\n\n"
)
# mxbai-rerank's prompt (mxbai_rerank/mxbai_rerank_v2.py, as vLLM's tests/models/language/pooling_mteb_test/
# test_mxbai_rerank.py restates it): prefix, "query: ...", "\n", "document: ...", "\n", task prompt, suffix. vLLM's
# mxbai_rerank_v2.jinja is the same text; the whole prompt is tokenized at once, as vLLM does.
MXBAI_TEMPLATE = (
    "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\nquery: {query}\ndocument: {document}\nYou are a search relevance expert who evaluates how "
    "well documents match search queries. For each query-document pair, carefully analyze the semantic "
    "relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for "
    "relevant).\nRelevance:<|im_end|>\n<|im_start|>assistant\n"
)
# With an instruction, mxbai puts "instruction: ...\n" before the query.
MXBAI_INSTRUCTED_TEMPLATE = MXBAI_TEMPLATE.replace("query: {query}", "instruction: {instruction}\nquery: {query}")
# The mxbai prompt is long, and the tokenizer was not trained on it: a larger window than the other families'.
MXBAI_MAX_LENGTH = 256
# vLLM's examples/pooling/score/template/bge-reranker-v2-gemma.jinja, rendered.
GEMMA_TEMPLATE = (
    "A: {query}\nB: {document}\nGiven a query A and a passage B, determine whether the passage contains an "
    "answer to the query by providing a prediction of either 'Yes' or 'No'."
)


def template_lines() -> list[str]:
    """Text the tokenizers are trained on besides the corpus, so that the templates and answers are compact."""
    lines = [QWEN_TEMPLATE.format(instruction=QWEN_DEFAULT_INSTRUCTION, query="q", document="d"),
             GEMMA_TEMPLATE.format(query="q", document="d")]
    return lines * 20 + ["yes", "no", "Yes", "No"] * 50


def build_qwen_tokenizer(corpus: list[str], max_length: int) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus + template_lines(), trainer)
    # Qwen3's <think> and </think> are added tokens that are not special (they survive decoding).
    tok.add_tokens([AddedToken("<think>", normalized=False, special=False),
                    AddedToken("</think>", normalized=False, special=False)])
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   model_max_length=max_length, padding_side="left")


def build_gemma_tokenizer(corpus: list[str], max_length: int) -> PreTrainedTokenizerFast:
    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "\u2581")
    # Byte-fallback pieces <0x00>..<0xFF> come first after the specials, as in Gemma's vocabulary.
    byte_pieces = [f"<0x{b:02X}>" for b in range(256)]
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE + 256, special_tokens=specials + byte_pieces,
                                  show_progress=False)
    tok.train_from_iterator([line.replace(" ", "\u2581") for line in corpus + template_lines()], trainer)
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse()])
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A", pair="<bos> $A $B", special_tokens=[("<bos>", tok.token_to_id("<bos>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                   unk_token="<unk>", model_max_length=max_length, padding_side="left")


def single_token(tok, text: str) -> int:
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) == 1, (text, ids, tok.convert_ids_to_tokens(ids))
    return ids[0]


class _CausalLmOnnx(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, position_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          use_cache=False, return_dict=True).logits


def right_padded(rows: list[list[int]], pad_id: int) -> dict[str, np.ndarray]:
    """A right-padded batch of token id rows, as Sift builds it; position ids count the real tokens."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = 1
    positions = np.tile(np.arange(width, dtype=np.int64), (len(rows), 1))
    return {"input_ids": ids, "attention_mask": mask, "position_ids": positions}


def export_graph(module: torch.nn.Module, trace: dict[str, np.ndarray], onnx_dir: Path, output_axes: dict) -> Path:
    """torch.onnx.export of a model taking input_ids, attention_mask and position_ids, with dynamic batch and length."""
    names = ["input_ids", "attention_mask", "position_ids"]
    onnx_dir.mkdir(exist_ok=True)
    onnx_path = onnx_dir / "model.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            tuple(torch.from_numpy(trace[n]) for n in names),
            str(onnx_path),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch_size", 1: "sequence_length"} for n in names}, "logits": output_axes},
            opset_version=g.ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    return onnx_path


def export_causal_lm(fixture_dir: Path, tok, prompts: list[str]) -> dict:
    model = AutoModelForCausalLM.from_pretrained(str(fixture_dir), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask", "position_ids"]
    rows = [tok(p)["input_ids"] for p in prompts]
    onnx_dir = fixture_dir / "onnx"
    onnx_path = export_graph(_CausalLmOnnx(model), right_padded(rows[:2], tok.pad_token_id), onnx_dir,
                             {0: "batch_size", 1: "sequence_length"})
    proto = g.load_single_file_onnx(onnx_dir)

    # Every prompt in one right-padded batch: the last real token's logits must equal torch's.
    batch = right_padded(rows, tok.pad_token_id)
    with torch.no_grad():
        expected = model(**{n: torch.from_numpy(batch[n]) for n in names}, use_cache=False).logits.numpy()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], batch)[0]
    last = batch["attention_mask"].sum(axis=1) - 1
    rows = np.arange(len(prompts))
    diff = float(np.max(np.abs(got[rows, last] - expected[rows, last])))
    assert got.shape == expected.shape and diff <= g.ONNX_TOLERANCE, (got.shape, expected.shape, diff)

    info = g.onnx_io(proto)
    print(f"  onnx: {info}; max |onnxruntime - torch| at the last tokens = {diff:.3g}")
    return {"session": session, "info": info}


class Family:
    """How one LLM reranker family turns a (query, document) pair into a prompt and logits into a score."""

    def __init__(self, name, template, yes, no, instruction=None, instructed_template=None):
        self.name = name
        self.template = template
        self.yes = yes
        self.no = no
        self.instruction = instruction
        # The template used when the request gives an instruction (mxbai's optional line); else the one template.
        self.instructed_template = instructed_template

    def takes_instruction(self) -> bool:
        return self.instruction is not None or self.instructed_template is not None

    def prompt(self, query: str, document: str, instruction: str | None = None) -> str:
        return self.render(query, document, instruction)[0]

    def render(self, query: str, document: str, instruction: str | None = None):
        """The prompt, and the character ranges the query and the document occupy in it."""
        values = {"query": query, "document": document, "instruction": instruction or self.instruction}
        text, spans = "", {}
        rest = self.instructed_template if instruction and self.instructed_template else self.template
        while "{" in rest:
            head, rest = rest.split("{", 1)
            key, rest = rest.split("}", 1)
            text += head
            spans[key] = (len(text), len(text) + len(values[key]))
            text += values[key]
        return text + rest, spans["query"], spans["document"]


def last_token_score(model, ids: list[int], yes_id: int, no_id: int | None) -> tuple[float, float]:
    """transformers on one unpadded prompt: (score, raw score) from the logits at its last token."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), use_cache=False).logits[0, -1].double()
    if no_id is None:
        return float(torch.sigmoid(logits[yes_id])), float(logits[yes_id])
    # The Qwen3-Reranker model card: log_softmax over [no, yes], then exp of the "yes" entry.
    pair = torch.stack([logits[no_id], logits[yes_id]])
    return float(torch.log_softmax(pair, dim=0)[1].exp()), float(logits[yes_id] - logits[no_id])


def cut_prompt(tok, family: Family, query: str, document: str, instruction: str | None, max_length: int):
    """Sift's rule for an over-long templated prompt: the template's own tokens stay, and the query's and the
    document's tokens are cut with longest_first from the right until the prompt fits, as for cross-encoders.
    Where only the document is cut this equals the Qwen3-Reranker model card's truncation, which cuts the
    instruction, query and document text as one from the right; cutting the rendered prompt's end, as vLLM's
    truncate_prompt_tokens does, would cut the answer cue and make the score meaningless."""
    prompt, query_span, document_span = family.render(query, document, instruction)
    enc = tok(prompt, return_offsets_mapping=True)
    spans = {"q": query_span, "d": document_span}
    owner = []
    for start, end in enc["offset_mapping"]:
        o = None
        for key, (s, e) in spans.items():
            if s <= start < e and end > start:
                o = key
        owner.append(o)
    counts = {k: owner.count(k) for k in spans}
    budget = max_length - (len(owner) - counts["q"] - counts["d"])
    keep_q, keep_d = counts["q"], counts["d"]
    while keep_q + keep_d > budget:
        if keep_q > keep_d:
            keep_q -= 1
        else:
            keep_d -= 1
    seen = {"q": 0, "d": 0}
    kept = []
    for token_id, o in zip(enc["input_ids"], owner):
        if o is not None:
            seen[o] += 1
            if seen[o] > (keep_q if o == "q" else keep_d):
                continue
        kept.append(token_id)
    return kept


def golden_for(fixture_dir: Path, tok, family: Family, yes_id: int, no_id: int | None, onnx_export: dict,
               max_length: int) -> dict:
    model = AutoModelForCausalLM.from_pretrained(str(fixture_dir)).eval()
    cases = []
    extra_cases = [{
        "name": "g_custom_instruction",
        "text_1": "what is the capital of France?",
        "text_2": ["Paris is the capital of France.", "The cat sat on the mat."],
        "instruction": "Given a question, find the sentence that answers it",
    }] if family.takes_instruction() else []
    for case in g.CASES + extra_cases:
        instruction = case.get("instruction")
        ids_out = [cut_prompt(tok, family, case["text_1"], doc, instruction, max_length) for doc in case["text_2"]]
        scores, raw = zip(*(last_token_score(model, ids, yes_id, no_id) for ids in ids_out))
        # The ONNX graph must agree, on the whole case as one right-padded batch.
        logits = onnx_export["session"].run(["logits"], right_padded(ids_out, tok.pad_token_id))[0]
        for i, ids in enumerate(ids_out):
            row = logits[i, len(ids) - 1].astype(np.float64)
            onnx_raw = row[yes_id] - (row[no_id] if no_id is not None else 0.0)
            assert abs(onnx_raw - raw[i]) <= g.ONNX_TOLERANCE, (case["name"], i, onnx_raw, raw[i])
        entry = {"name": case["name"], "text_1": case["text_1"], "text_2": case["text_2"]}
        if instruction is not None:
            entry["instruction"] = instruction
        entry.update({"scores": list(scores), "raw_scores": list(raw), "tokens": [len(i) for i in ids_out], "input_ids": ids_out})
        cases.append(entry)
        print(f"  {case['name']}: tokens={entry['tokens']} scores={np.round(scores, 4).tolist()}")
    return {
        "generator": g.versions(),
        "max_length": max_length,
        "truncation": "template kept; query and document longest_first from the right",
        "template": family.template,
        **({"instructed_template": family.instructed_template} if family.instructed_template else {}),
        "default_instruction": family.instruction,
        "score": "sigmoid(logit_yes - logit_no)" if no_id is not None else "sigmoid(logit_Yes)",
        "score_tokens": {"yes": yes_id, **({"no": no_id} if no_id is not None else {})},
        "cases": cases,
        "onnx": onnx_export["info"],
    }


def make_fixture(name: str, tok, config, model_class, family: Family, seed: int,
                 max_length: int = MODEL_MAX_LENGTH) -> dict:
    print(f"[{name}]")
    fixture_dir = g.fresh_dir(g.MODELS_DIR / name)
    g.seed_everything(seed)
    model = model_class(config).eval()
    model.save_pretrained(str(fixture_dir))
    tok.save_pretrained(str(fixture_dir))
    tok = AutoTokenizer.from_pretrained(str(fixture_dir))
    rust = Tokenizer.from_file(str(fixture_dir / "tokenizer.json"))
    for q, d in g.all_pairs():
        prompt = family.prompt(q, d)
        assert rust.encode(prompt).ids == tok(prompt)["input_ids"], prompt
    yes_id = single_token(tok, family.yes)
    no_id = single_token(tok, family.no) if family.no else None
    prompts = [family.prompt(q, d) for q, d in g.all_pairs()]
    prompts = [p for p in prompts if len(tok(p)["input_ids"]) <= max_length]
    onnx_export = export_causal_lm(fixture_dir, tok, prompts)
    golden = golden_for(fixture_dir, tok, family, yes_id, no_id, onnx_export, max_length)
    g.write_json(fixture_dir / "golden.json", golden)
    return golden


class _SequenceClassifierOnnx(_CausalLmOnnx):
    def forward(self, input_ids, attention_mask, position_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                          use_cache=False, return_dict=True).logits


def make_seq_cls(name: str, source: str, family: Family) -> dict:
    """The conversion of tomaarsen/Qwen3-Reranker-*-seq-cls: the causal LM's body with a one-label classifier whose
    weight is lm_head["yes"] - lm_head["no"], so that its logit is the causal reranker's raw score."""
    print(f"[{name}]")
    fixture_dir = g.fresh_dir(g.MODELS_DIR / name)
    source_dir = g.MODELS_DIR / source
    tok = AutoTokenizer.from_pretrained(str(source_dir))
    lm = AutoModelForCausalLM.from_pretrained(str(source_dir)).eval()
    yes_id, no_id = single_token(tok, family.yes), single_token(tok, family.no)
    config = Qwen3Config.from_pretrained(str(source_dir))
    config.architectures = ["Qwen3ForSequenceClassification"]
    config.num_labels = 1
    model = Qwen3ForSequenceClassification(config).eval()
    state = {k: v for k, v in lm.state_dict().items() if not k.startswith("lm_head.")}
    head = lm.get_output_embeddings().weight.detach()
    state["score.weight"] = (head[yes_id] - head[no_id]).unsqueeze(0).clone()
    model.load_state_dict(state, strict=True)
    model.save_pretrained(str(fixture_dir))
    tok.save_pretrained(str(fixture_dir))
    model = AutoModelForSequenceClassification.from_pretrained(str(fixture_dir)).eval()

    causal = g.read_json(source_dir / "golden.json")
    cases = []
    all_ids = []
    for case in causal["cases"]:
        instruction = case.get("instruction")
        ids_out = [cut_prompt(tok, family, case["text_1"], doc, instruction, causal["max_length"])
                   for doc in case["text_2"]]
        assert ids_out == case["input_ids"], case["name"]
        with torch.no_grad():
            raw = [float(model(input_ids=torch.tensor([ids])).logits[0, 0].double()) for ids in ids_out]
        # The conversion is exact up to float rounding: its logit is the causal LM's logit_yes - logit_no.
        gap = max(abs(a - b) for a, b in zip(raw, case["raw_scores"]))
        assert gap <= 1e-4, (case["name"], gap)
        scores = [float(torch.sigmoid(torch.tensor(r, dtype=torch.float64))) for r in raw]
        entry = {k: case[k] for k in ("name", "text_1", "text_2", "instruction") if k in case}
        entry.update({"scores": scores, "raw_scores": raw, "tokens": [len(i) for i in ids_out], "input_ids": ids_out})
        cases.append(entry)
        all_ids.extend(ids_out)
        print(f"  {case['name']}: tokens={entry['tokens']} scores={np.round(scores, 4).tolist()}"
              f" (max |logit - causal raw score| = {gap:.2g})")

    # An exported graph of the classifier (logits [batch, 1]) must agree on a right-padded batch of every prompt.
    onnx_dir = fixture_dir / "onnx"
    onnx_path = export_graph(_SequenceClassifierOnnx(model), right_padded(all_ids[:2], tok.pad_token_id), onnx_dir,
                             {0: "batch_size"})
    proto = g.load_single_file_onnx(onnx_dir)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], right_padded(all_ids, tok.pad_token_id))[0][:, 0]
    expected = [r for c in cases for r in c["raw_scores"]]
    diff = float(np.max(np.abs(got - np.array(expected))))
    assert diff <= g.ONNX_TOLERANCE, diff
    info = g.onnx_io(proto)
    print(f"  onnx: {info}; max |onnxruntime - torch| = {diff:.3g}")

    golden = {
        "generator": g.versions(),
        "max_length": causal["max_length"],
        "truncation": causal["truncation"],
        "template": family.template,
        "default_instruction": family.instruction,
        "score": "sigmoid(logit), the classifier being lm_head[yes] - lm_head[no] of " + source,
        "cases": cases,
        "onnx": info,
    }
    g.write_json(fixture_dir / "golden.json", golden)
    return golden


def make_all(corpus: list[str]) -> None:
    tiny = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                num_key_value_heads=1, head_dim=16, max_position_embeddings=MAX_POSITIONS,
                initializer_range=g.INIT_RANGE)

    qwen_tok = build_qwen_tokenizer(corpus, MODEL_MAX_LENGTH)
    qwen = Qwen3Config(vocab_size=len(qwen_tok), tie_word_embeddings=True, rope_theta=1000000.0,
                       pad_token_id=qwen_tok.pad_token_id, eos_token_id=qwen_tok.eos_token_id,
                       bos_token_id=None, **tiny)
    qwen.architectures = ["Qwen3ForCausalLM"]
    qwen3_family = Family("qwen3", QWEN_TEMPLATE, "yes", "no", QWEN_DEFAULT_INSTRUCTION)
    make_fixture("qwen3-reranker", qwen_tok, qwen, Qwen3ForCausalLM, qwen3_family, g.SEED + 20)
    make_seq_cls("qwen3-reranker-seq-cls", "qwen3-reranker", qwen3_family)

    gemma_tok = build_gemma_tokenizer(corpus, MODEL_MAX_LENGTH)
    gemma = GemmaConfig(vocab_size=len(gemma_tok), pad_token_id=gemma_tok.pad_token_id,
                        eos_token_id=gemma_tok.eos_token_id, bos_token_id=gemma_tok.bos_token_id,
                        hidden_activation="gelu_pytorch_tanh", **tiny)
    gemma.architectures = ["GemmaForCausalLM"]
    make_fixture("bge-reranker-v2-gemma", gemma_tok, gemma, GemmaForCausalLM,
                 Family("gemma", GEMMA_TEMPLATE, "Yes", None), g.SEED + 21)

    # mxbai-rerank-v2 is Qwen2.5 with Qwen's tokenizer: biased q/k/v projections, and here an untied LM head, as
    # in the larger Qwen2 checkpoints, so that the lm_head.weight path is covered too.
    mxbai_tok = build_qwen_tokenizer(corpus, MXBAI_MAX_LENGTH)
    qwen2_sizes = {k: v for k, v in tiny.items() if k != "head_dim"}
    qwen2 = Qwen2Config(vocab_size=len(mxbai_tok), tie_word_embeddings=False, rope_theta=1000000.0,
                        pad_token_id=mxbai_tok.pad_token_id, eos_token_id=mxbai_tok.eos_token_id,
                        bos_token_id=None, **qwen2_sizes)
    qwen2.architectures = ["Qwen2ForCausalLM"]
    make_fixture("mxbai-rerank-v2", mxbai_tok, qwen2, Qwen2ForCausalLM,
                 Family("mxbai", MXBAI_TEMPLATE, "1", "0", instructed_template=MXBAI_INSTRUCTED_TEMPLATE),
                 g.SEED + 22, MXBAI_MAX_LENGTH)


def main() -> int:
    g.set_up_reference_stack()
    make_all(g.build_corpus())
    return 0


if __name__ == "__main__":
    sys.exit(main())
