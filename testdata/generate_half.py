#!/usr/bin/env python3
"""Half-precision variants of the BERT and XLM-R cross-encoder fixtures, served from safetensors only.

    bert-cross-encoder-fp16   bert-cross-encoder-bf16   xlmr-cross-encoder-fp16   xlmr-cross-encoder-bf16

Each is its source fixture (made by generate.py, which must have run first) loaded with transformers in float16
or bfloat16 and saved with save_pretrained, as a half-precision checkpoint on the Hub is: config.json with
`dtype` float16 / bfloat16 and a model.safetensors whose every tensor is F16 / BF16. The tokenizer and
sentence-transformers files are the source's, byte for byte. There is no onnx/ folder: these fixtures are
served only from their safetensors weights.

The golden values are sentence-transformers' CrossEncoder on the half-precision checkpoint, loaded with
model_kwargs={"dtype": torch.float32}: the half weights upcast exactly to float32, and float32 compute. That is
what Sift does on CPU (and what TEI does on CPU). golden.json also records, as `native_dtype_max_abs_diff`, how
far the same checkpoint run natively in its half dtype by torch on CPU lands from those goldens: the reason the
goldens are not computed in half precision.

    /root/venvs/fixtures/bin/python testdata/generate_half.py

Re-running reproduces byte-identical files with the pinned versions (and unchanged source fixtures).
"""

from __future__ import annotations

import json
import shutil
import struct
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as g  # noqa: E402  (sets the offline / single-thread environment before torch loads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from sentence_transformers import CrossEncoder  # noqa: E402
from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: E402

# fixture name suffix -> (torch dtype, config.json "dtype", safetensors header dtype)
DTYPES = {
    "fp16": (torch.float16, "float16", "F16"),
    "bf16": (torch.bfloat16, "bfloat16", "BF16"),
}

# source fixture -> (whether positions start past the padding index, as XLM-R's do; whether it takes token_type_ids)
SOURCES = {
    "bert-cross-encoder": (False, True),
    "xlmr-cross-encoder": (True, False),
}

# What the source fixture has besides these is copied unchanged.
NOT_COPIED = {"config.json", "model.safetensors", "golden.json"}

FIXTURES = [f"{source}-{suffix}" for source in SOURCES for suffix in DTYPES]


def safetensors_header(path: Path) -> dict:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + length])


def copied_files(source_dir: Path) -> list[Path]:
    """The source's tokenizer and sentence-transformers files: every top-level file but the weights, config.json and
    golden.json (onnx/ is a folder, and is left behind)."""
    files = sorted(p for p in source_dir.iterdir() if p.is_file() and p.name not in NOT_COPIED)
    expected = ["config_sentence_transformers.json", "modules.json", "sentence_bert_config.json", "tokenizer.json",
                "tokenizer_config.json"]
    assert [p.name for p in files] == expected, [p.name for p in files]
    return files


def save_half_checkpoint(source_dir: Path, fixture_dir: Path, dtype: torch.dtype, config_dtype: str,
                         header_dtype: str) -> None:
    """The source model loaded in `dtype` by transformers and saved by save_pretrained, plus the source's other
    files; checked: only config.json's dtype changed, every tensor is `header_dtype`, each value the source's
    float32 rounded to nearest."""
    model = AutoModelForSequenceClassification.from_pretrained(str(source_dir), dtype=dtype).eval()
    assert {p.dtype for p in model.state_dict().values()} == {dtype}, {p.dtype for p in model.state_dict().values()}
    model.save_pretrained(str(fixture_dir))
    for path in copied_files(source_dir):
        shutil.copyfile(path, fixture_dir / path.name)

    source_config = g.read_json(source_dir / "config.json")
    config = g.read_json(fixture_dir / "config.json")
    changed = sorted(k for k in source_config.keys() | config.keys() if source_config.get(k) != config.get(k))
    assert changed == ["dtype"] and config["dtype"] == config_dtype, (changed, config.get("dtype"))

    source_header = safetensors_header(source_dir / "model.safetensors")
    header = safetensors_header(fixture_dir / "model.safetensors")
    assert header.pop("__metadata__") == source_header.pop("__metadata__") == {"format": "pt"}
    assert sorted(header) == sorted(source_header), sorted(set(header) ^ set(source_header))
    for name, entry in header.items():
        assert entry["dtype"] == header_dtype, (name, entry["dtype"])
        assert entry["shape"] == source_header[name]["shape"], name
    source_weights = load_file(str(source_dir / "model.safetensors"))
    for name, tensor in load_file(str(fixture_dir / "model.safetensors")).items():
        assert tensor.dtype == dtype and torch.equal(tensor, source_weights[name].to(dtype)), name
    print(f"  model.safetensors: {len(header)} tensors, all {header_dtype}; config.json dtype {config_dtype}")


def load_float32_cross_encoder(fixture_dir: Path) -> CrossEncoder:
    """CrossEncoder on the half checkpoint with float32 weights; checked: each weight is the file's half value
    upcast exactly (transformers 5 would otherwise load the checkpoint in its own dtype)."""
    ce = CrossEncoder(str(fixture_dir), device="cpu", model_kwargs={"dtype": torch.float32})
    state = ce.model.state_dict()
    stored = load_file(str(fixture_dir / "model.safetensors"))
    assert sorted(state) == sorted(stored), sorted(set(state) ^ set(stored))
    for name, tensor in stored.items():
        assert state[name].dtype == torch.float32 and torch.equal(state[name], tensor.float()), name
    print(f"  CrossEncoder(model_kwargs dtype float32): {len(stored)} weights equal the half values upcast")
    return ce


def float32_onnx_check(ce: CrossEncoder, source_dir: Path, workdir: Path, name: str, with_token_type_ids: bool) -> dict:
    """An ONNX export of the upcast float32 model, in scratch space only, so that cross_encoder_golden_of checks the
    goldens against onnxruntime too (a float32 graph on the half values, as Sift builds it)."""
    scratch = g.fresh_dir(workdir / f"{name}-float32")
    ce.model.save_pretrained(str(scratch))
    for path in copied_files(source_dir):
        shutil.copyfile(path, scratch / path.name)
    return g.export_onnx(scratch, "classification", with_token_type_ids=with_token_type_ids)


def native_dtype_diff(fixture_dir: Path, dtype: torch.dtype, golden: dict) -> dict:
    """Max |golden - the same checkpoint computed natively in `dtype` by torch on CPU| over every case."""
    native = CrossEncoder(str(fixture_dir), device="cpu", model_kwargs={"dtype": dtype})
    assert native.model.dtype == dtype, native.model.dtype
    diffs = {"scores": 0.0, "raw_scores": 0.0}
    for case in golden["cases"]:
        pairs = [(case["text_1"], doc) for doc in case["text_2"]]
        got = {"scores": native.predict(pairs),
               "raw_scores": native.predict(pairs, activation_fn=torch.nn.Identity())}
        for key, values in got.items():
            diff = np.max(np.abs(np.asarray(values, dtype=np.float64) - np.asarray(case[key], dtype=np.float64)))
            diffs[key] = max(diffs[key], float(diff))
    return diffs


def source_fixture_diff(golden: dict, source_golden: dict) -> dict:
    """Max |golden - the float32 source fixture's golden|: how far rounding the weights to half moved the scores."""
    out = {}
    for key in ("scores", "raw_scores"):
        out[key] = max(float(np.max(np.abs(np.asarray(c[key]) - np.asarray(s[key]))))
                       for c, s in zip(golden["cases"], source_golden["cases"]))
    return out


def make_half(source: str, suffix: str, workdir: Path) -> dict:
    name = f"{source}-{suffix}"
    dtype, config_dtype, header_dtype = DTYPES[suffix]
    padding_offset, with_token_type_ids = SOURCES[source]
    print(f"[{name}]")
    source_dir = g.MODELS_DIR / source
    config = g.read_json(source_dir / "config.json")
    # XLM-R position ids start at padding_idx + 1, so only max_position_embeddings - padding_idx - 1 tokens fit.
    position_limit = config["max_position_embeddings"] - ((config["pad_token_id"] + 1) if padding_offset else 0)
    fixture_dir = g.fresh_dir(g.MODELS_DIR / name)
    save_half_checkpoint(source_dir, fixture_dir, dtype, config_dtype, header_dtype)

    ce = load_float32_cross_encoder(fixture_dir)
    print(f"  CrossEncoder activation_fn: {ce.activation_fn!r}")
    max_length = g.effective_cross_encoder_max_length(ce, fixture_dir, position_limit)
    tok = AutoTokenizer.from_pretrained(str(fixture_dir))
    model = AutoModelForSequenceClassification.from_pretrained(str(fixture_dir), dtype=torch.float32).eval()
    onnx_export = float32_onnx_check(ce, source_dir, workdir, name, with_token_type_ids)
    golden = g.cross_encoder_golden_of(ce, tok, model, max_length, 1, onnx_export)

    source_golden = g.read_json(source_dir / "golden.json")
    assert golden["max_length"] == source_golden["max_length"]
    assert golden["activation_fn"] == source_golden["activation_fn"]
    for case, source_case in zip(golden["cases"], source_golden["cases"], strict=True):
        for key in ("name", "text_1", "text_2", "tokens", "input_ids"):
            assert case[key] == source_case[key], (name, case["name"], key)

    golden["weights"] = {"file": "model.safetensors", "dtype": config_dtype, "compute_dtype": "float32"}
    golden["native_dtype_max_abs_diff"] = native_dtype_diff(fixture_dir, dtype, golden)
    golden["source_fixture_max_abs_diff"] = source_fixture_diff(golden, source_golden)
    print(f"  |golden - native {config_dtype} on CPU| max: {golden['native_dtype_max_abs_diff']}")
    print(f"  |golden - {source} golden| max: {golden['source_fixture_max_abs_diff']}")
    g.write_json(fixture_dir / "golden.json", golden)
    assert not (fixture_dir / "onnx").exists()
    return golden


def make_all(workdir: Path) -> dict[str, dict]:
    return {f"{source}-{suffix}": make_half(source, suffix, workdir) for source in SOURCES for suffix in DTYPES}


def main() -> int:
    g.set_up_reference_stack()
    with tempfile.TemporaryDirectory(prefix="sift-half-fixtures-") as tmp:
        make_all(Path(tmp))

    g.print_listing(set(FIXTURES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
