#!/usr/bin/env python3
"""Generate Sift's fidelity fixture for GTE-multilingual rerankers (model_type "new").

Companion to generate.py (whose helpers, corpus, XLM-R tokenizer and golden cases it reuses):

    gte-multilingual-cross-encoder   NewForSequenceClassification, 1 label, like
                                     Alibaba-NLP/gte-multilingual-reranker-base

That model is not part of transformers: its config.json points `auto_map` at trust_remote_code
code in the Hub repository Alibaba-NLP/new-impl (configuration.py + modeling.py, Apache-2.0).
That code is the reference implementation here, and it is NOT part of this repository. Tell the
generator where a copy is:

    /root/venvs/fixtures/bin/python testdata/generate_gte.py --new-impl /tmp/new-impl
    SIFT_GTE_NEW_IMPL=/tmp/new-impl /root/venvs/fixtures/bin/python testdata/generate_gte.py

(a folder holding configuration.py and modeling.py). With neither, it downloads them with
huggingface_hub.snapshot_download("Alibaba-NLP/new-impl", revision=NEW_IMPL_REVISION), which
needs access to the Hugging Face Hub. The copy is used from a scratch folder only: nothing of it
is written under testdata/.

The custom code was written for transformers 4.x; install_transformers5_patches() below adds, at
runtime, the one base-class method it needs that transformers 5 removed.

Re-running reproduces byte-identical files with the pinned versions. generate.py's main() can
call make_all(corpus, workdir) to build it together with its own fixtures.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as g  # noqa: E402  (sets the offline / single-thread environment before torch loads)

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import CrossEncoder  # noqa: E402
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer  # noqa: E402
from transformers.modeling_utils import PreTrainedModel  # noqa: E402

NAME = "gte-multilingual-cross-encoder"
SEED_OFFSET = 5  # generate.py's fixtures use SEED + 0..4

NEW_IMPL_REPO = "Alibaba-NLP/new-impl"
# The Hub revision whose modeling.py ("Upload code", 57.3 kB) the fixture was generated against.
NEW_IMPL_REVISION = "b7ea01ba91f26ef946f8c25261151b13aa502268"
NEW_IMPL_FILES = ("configuration.py", "modeling.py")
NEW_IMPL_ENV = "SIFT_GTE_NEW_IMPL"

# Sift's effective limit is tokenizer_config.json's model_max_length (40, as for xlmr-cross-encoder,
# so that cases b and c truncate) capped by max_position_embeddings. RoPE positions start at 0
# (position_ids = arange(seq_len)), so unlike XLM-R there is no padding_idx + 1 offset: all 64
# positions are usable and the limit stays 40.
GTE_MODEL_MAX_LENGTH = g.XLMR_MODEL_MAX_LENGTH
# The real model has 8192. The RoPE cos/sin tables (max_position_embeddings * rope factor rows) are
# baked into the ONNX graph, so the tiny model keeps them small. NTK scaling does not depend on
# this number: the cache is always longer than max_position_embeddings, so the rescaled
# frequencies are used at every length, as in the real model.
GTE_MAX_POSITION_EMBEDDINGS = 64

AUTO_MAP_CLASSES = {
    "AutoConfig": "configuration.NewConfig",
    "AutoModel": "modeling.NewModel",
    "AutoModelForMaskedLM": "modeling.NewForMaskedLM",
    "AutoModelForMultipleChoice": "modeling.NewForMultipleChoice",
    "AutoModelForQuestionAnswering": "modeling.NewForQuestionAnswering",
    "AutoModelForSequenceClassification": "modeling.NewForSequenceClassification",
    "AutoModelForTokenClassification": "modeling.NewForTokenClassification",
}


# --------------------------------------------------------------------------- #
# The reference code (trust_remote_code) and its transformers 5 patch
# --------------------------------------------------------------------------- #


def download_new_impl(revision: str = NEW_IMPL_REVISION) -> Path:
    """Fetch configuration.py + modeling.py from the Hub (needs network access to huggingface.co)."""
    import huggingface_hub
    from huggingface_hub import constants

    # generate.py switches the Hub client to offline mode for everything else; this one call is
    # allowed to go online.
    was_offline = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        path = huggingface_hub.snapshot_download(
            NEW_IMPL_REPO, revision=revision, allow_patterns=list(NEW_IMPL_FILES)
        )
    except Exception as e:  # noqa: BLE001
        raise SystemExit(
            f"could not download {NEW_IMPL_REPO}@{revision} from the Hugging Face Hub ({type(e).__name__}: {e}); "
            f"pass --new-impl DIR or set {NEW_IMPL_ENV} to a folder holding {' and '.join(NEW_IMPL_FILES)}"
        ) from e
    finally:
        constants.HF_HUB_OFFLINE = was_offline
    return Path(path)


def resolve_new_impl(new_impl: str | os.PathLike | None = None) -> Path:
    """--new-impl, else $SIFT_GTE_NEW_IMPL, else a Hub download."""
    if new_impl is None:
        new_impl = os.environ.get(NEW_IMPL_ENV) or None
    path = Path(new_impl).expanduser().resolve() if new_impl is not None else download_new_impl()
    missing = [f for f in NEW_IMPL_FILES if not (path / f).is_file()]
    if missing:
        raise SystemExit(f"{path} lacks {', '.join(missing)} (the code of the Hub repository {NEW_IMPL_REPO})")
    return path


def _get_extended_attention_mask(self, attention_mask, input_shape, device=None, dtype=None):
    """transformers 4.x ModuleUtilsMixin.get_extended_attention_mask for an encoder (not a decoder):
    [batch, seq] 1/0 mask -> additive [batch, 1, 1, seq] bias, 0 where attended, dtype-min where masked."""
    if dtype is None:
        dtype = self.dtype
    if attention_mask.dim() == 3:
        extended = attention_mask[:, None, :, :]
    elif attention_mask.dim() == 2:
        extended = attention_mask[:, None, None, :]
    else:
        raise ValueError(f"Wrong shape for input_ids (shape {input_shape}) or attention_mask (shape {attention_mask.shape})")
    extended = extended.to(dtype=dtype)
    return (1.0 - extended) * torch.finfo(dtype).min


@torch.no_grad()
def _rebuild_non_persistent_buffers(model) -> None:
    """Recompute the custom code's non-persistent buffers with its own constructors: the position ids
    of NewEmbeddings and the RoPE tables (inv_freq, cos_cached, sin_cached) of (NTKScaling)RotaryEmbedding."""
    for module in model.modules():
        cls = type(module)
        if cls.__name__ == "NewEmbeddings":
            size = module.position_ids.numel()
            module.register_buffer("position_ids", torch.arange(size), persistent=False)
        elif hasattr(module, "_set_cos_sin_cache") and "RotaryEmbedding" in cls.__name__:
            kwargs = dict(dim=module.dim, max_position_embeddings=module.max_position_embeddings, base=module.base)
            if hasattr(module, "scaling_factor"):
                kwargs.update(scaling_factor=module.scaling_factor, mixed_b=module.mixed_b)
            fresh = cls(**kwargs)
            for name, buffer in fresh.named_buffers(recurse=False):
                module.register_buffer(name, buffer.to(module.inv_freq.device), persistent=False)
            module.max_seq_len_cached = fresh.max_seq_len_cached


def install_transformers5_patches() -> None:
    """Runtime patches for running the 4.x-era custom code under transformers 5.23 (the copied files
    stay untouched). Two are needed:

    1. NewModel.forward calls self.get_extended_attention_mask(attention_mask, input_shape), a
       PreTrainedModel (ModuleUtilsMixin) method that transformers 5 removed. Re-add it with the
       4.x semantics for encoders.
    2. transformers 5's from_pretrained builds the model on the meta device and then gives every
       non-persistent buffer an uninitialized torch.empty_like placeholder, expecting _init_weights
       to fill it. The custom _init_weights (4.x style) only knows Linear/Embedding/LayerNorm, so
       NewEmbeddings.position_ids and the RoPE inv_freq/cos_cached/sin_cached tables would stay
       garbage (the first symptom: "index 9223372036854775807 is out of bounds"). After
       initialize_weights(), recompute them with the code's own constructors. (Models built with
       from_config are unaffected; the generator checks that both routes give identical buffers.)

    Everything else the code uses still works in 5.23: warn_if_padding_and_no_attention_mask,
    config.use_return_dict (deprecated, warns), config._attn_implementation (= "eager", as the
    custom classes declare no SDPA support), post_init() running its _init_weights. The config
    loader of 5.x additionally mirrors rope_scaling into rope_parameters (adding rope_type and
    rope_theta keys); the code reads only rope_scaling["factor"] / ["type"] / .get("mixed_b"),
    which are unchanged.
    """
    if not hasattr(PreTrainedModel, "get_extended_attention_mask"):
        PreTrainedModel.get_extended_attention_mask = _get_extended_attention_mask
    if not getattr(PreTrainedModel.initialize_weights, "_sift_gte_patch", False):
        original = PreTrainedModel.initialize_weights

        def initialize_weights(self):
            original(self)
            if getattr(self.config, "model_type", None) == "new" and type(self).__module__.startswith("transformers_modules."):
                _rebuild_non_persistent_buffers(self)

        initialize_weights._sift_gte_patch = True
        PreTrainedModel.initialize_weights = initialize_weights


def check_buffers(model) -> None:
    """The loaded model's buffers must equal those of a model constructed directly from its config."""
    fresh = dict(type(model)(model.config).named_buffers())
    loaded = dict(model.named_buffers())
    assert fresh.keys() == loaded.keys(), (fresh.keys(), loaded.keys())
    for name, buffer in loaded.items():
        assert buffer.dtype == fresh[name].dtype and torch.equal(buffer, fresh[name]), name


# --------------------------------------------------------------------------- #
# Config
# --------------------------------------------------------------------------- #


def gte_config(vocab_size: int, pad_token_id: int) -> dict:
    """config.json shaped like Alibaba-NLP/gte-multilingual-reranker-base's, shrunk to the tiny
    shape of the other fixtures. Mirrored values: gelu, RoPE (rope_theta 20000, NTK scaling factor 8),
    type_vocab_size 1, LayerNorm (eps 1e-12), pad_token_id 1, packed QKV, no unpadding, no xformers
    memory-efficient attention, no logn attention scaling, dropout 0 (attention, classifier) / 0.1
    (hidden). Changed: the sizes (hidden 32, 2 layers, 2 heads, intermediate 64, the vocabulary of the
    local tokenizer), max_position_embeddings (8192 -> 64) and initializer_range (0.02 -> 0.3, as in
    generate.py, so random models give distinct scores)."""
    return {
        "architectures": ["NewForSequenceClassification"],
        "attention_probs_dropout_prob": 0.0,
        "auto_map": {k: f"{NEW_IMPL_REPO}--{v}" for k, v in AUTO_MAP_CLASSES.items()},
        "classifier_dropout": 0.0,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": g.TINY["hidden_size"],
        "id2label": {"0": "LABEL_0"},
        "initializer_range": g.INIT_RANGE,
        "intermediate_size": g.TINY["intermediate_size"],
        "label2id": {"LABEL_0": 0},
        "layer_norm_eps": 1e-12,
        "layer_norm_type": "layer_norm",
        "logn_attention_clip1": False,
        "logn_attention_scale": False,
        "max_position_embeddings": GTE_MAX_POSITION_EMBEDDINGS,
        "model_type": "new",
        "num_attention_heads": g.TINY["num_attention_heads"],
        "num_hidden_layers": g.TINY["num_hidden_layers"],
        "pack_qkv": True,
        "pad_token_id": pad_token_id,
        "position_embedding_type": "rope",
        "rope_scaling": {"factor": 8.0, "type": "ntk"},
        "rope_theta": 20000,
        "torch_dtype": "float32",
        "transformers_version": transformers.__version__,
        "type_vocab_size": 1,
        "unpad_inputs": False,
        "use_memory_efficient_attention": False,
        "vocab_size": vocab_size,
    }


def local_config(config: dict) -> dict:
    """The same config with auto_map pointing at the code copied next to it (no Hub look-up)."""
    local = dict(config)
    local["auto_map"] = dict(AUTO_MAP_CLASSES)
    return local


# --------------------------------------------------------------------------- #
# ONNX export + golden values
# --------------------------------------------------------------------------- #


def load_reference_model(hf_dir: Path):
    model = AutoModelForSequenceClassification.from_pretrained(str(hf_dir), trust_remote_code=True).eval()
    assert type(model).__name__ == "NewForSequenceClassification", type(model)
    # A plain traced graph: padded batches, eager attention, no xformers, no unpadding.
    assert model.config._attn_implementation == "eager", model.config._attn_implementation
    assert not model.config.unpad_inputs and not model.config.use_memory_efficient_attention
    assert all(type(layer.attention).__name__ == "NewAttention" for layer in model.new.encoder.layer)
    assert not any(layer.attention.use_memory_efficient_attention for layer in model.new.encoder.layer)
    check_buffers(model)
    return model


def export_onnx(hf_dir: Path, fixture_dir: Path) -> dict:
    """generate.export_onnx for the custom model: TorchScript exporter, then onnxruntime == torch."""
    model = load_reference_model(hf_dir)
    tok = AutoTokenizer.from_pretrained(str(hf_dir), trust_remote_code=True)
    wrapper = g._OnnxWrapper(model, "logits", with_token_type_ids=False).eval()
    input_names = ["input_ids", "attention_mask"]
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
    dynamic_axes["logits"] = {0: "batch"}

    dummy = tok(
        ["a short query", "a somewhat longer query about solar panels and electricity"],
        ["doc", "Photovoltaic cells convert sunlight directly into electricity."],
        padding=True,
        truncation=True,
        return_tensors="pt",
    )
    assert int(dummy["attention_mask"].min()) == 0, "the trace batch must be padded"
    args = tuple(dummy[name] for name in input_names)
    onnx_dir = fixture_dir / "onnx"
    onnx_dir.mkdir(exist_ok=True)
    onnx_path = onnx_dir / "model.onnx"
    with torch.no_grad(), g.warnings.catch_warnings():
        g.warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            args,
            str(onnx_path),
            input_names=input_names,
            output_names=["logits"],
            dynamic_axes=dynamic_axes,
            opset_version=g.ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    proto = g.load_single_file_onnx(onnx_dir)

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    pairs = g.all_pairs()
    diffs = []
    # All test pairs in one padded batch (truncated to the limit), then again without truncation at a
    # longer padded length than the trace and the limit (up to the rope table), and single pairs.
    batches = [
        tok([q for q, _ in pairs], [d for _, d in pairs], padding=True, truncation=True, return_tensors="pt"),
        tok([q for q, _ in pairs[:6]], [d for _, d in pairs[:6]], padding="max_length", truncation=True,
            max_length=GTE_MAX_POSITION_EMBEDDINGS, return_tensors="pt"),
        tok([pairs[0][0]], [pairs[0][1]], return_tensors="pt"),
    ]
    for enc in batches:
        with torch.no_grad():
            expected = model(**{n: enc[n] for n in input_names}).logits.numpy()
        got = session.run(["logits"], {n: enc[n].numpy().astype(np.int64) for n in input_names})[0]
        diff = float(np.max(np.abs(got - expected)))
        assert got.shape == expected.shape and diff <= g.ONNX_TOLERANCE, (got.shape, expected.shape, diff)
        diffs.append(diff)

    info = g.onnx_io(proto)
    print(f"  onnx: {g.json.dumps(info)}; max |onnxruntime - torch| = {max(diffs):.3g} (padded batches)")
    return {"session": session, "input_names": input_names, "output": "logits", "info": info}


def cross_encoder_golden(hf_dir: Path, onnx_export: dict) -> dict:
    """generate.cross_encoder_golden for the custom model: sentence-transformers' CrossEncoder loads
    the folder with trust_remote_code=True (the code copied next to config.json), exactly as a user
    would load the real reranker; AutoModelForSequenceClassification + the tokenizer with the same
    truncation, and onnxruntime, must reproduce its scores."""
    ce = CrossEncoder(str(hf_dir), device="cpu", trust_remote_code=True)
    assert type(ce.model).__name__ == "NewForSequenceClassification", type(ce.model)
    check_buffers(ce.model)
    print(f"  CrossEncoder model: {type(ce.model).__module__}.{type(ce.model).__name__}; "
          f"activation_fn: {ce.activation_fn!r}")
    # No RoPE padding offset: every one of max_position_embeddings positions is usable.
    max_length = g.effective_cross_encoder_max_length(ce, hf_dir, GTE_MAX_POSITION_EMBEDDINGS)
    assert max_length == GTE_MODEL_MAX_LENGTH, max_length
    tok = AutoTokenizer.from_pretrained(str(hf_dir), trust_remote_code=True)
    model = load_reference_model(hf_dir)

    golden = g.cross_encoder_golden_of(ce, tok, model, max_length, 1, onnx_export)
    cases = golden["cases"]
    truncated = {c["name"]: max(c["tokens"]) for c in cases}
    assert truncated["b_truncated_documents"] == max_length and truncated["c_query_longer_than_max"] == max_length

    return golden


# --------------------------------------------------------------------------- #
# Fixture
# --------------------------------------------------------------------------- #


def make_gte_cross_encoder(tok, workdir: Path, new_impl: Path) -> dict:
    print(f"[{NAME}]")
    for f in NEW_IMPL_FILES:
        digest = hashlib.sha256((new_impl / f).read_bytes()).hexdigest()
        print(f"  reference code: {new_impl / f} sha256={digest}")
    install_transformers5_patches()
    fixture_dir = g.fresh_dir(g.MODELS_DIR / NAME)
    hf_dir = g.fresh_dir(workdir / f"{NAME}-hf")
    for f in NEW_IMPL_FILES:
        shutil.copyfile(new_impl / f, hf_dir / f)

    config = gte_config(len(tok), tok.pad_token_id)
    assert tok.pad_token_id == 1 and tok.model_max_length == GTE_MODEL_MAX_LENGTH
    g.write_json(hf_dir / "config.json", local_config(config))

    g.seed_everything(g.SEED + SEED_OFFSET)
    new_config = AutoConfig.from_pretrained(str(hf_dir), trust_remote_code=True)
    model = AutoModelForSequenceClassification.from_config(new_config, trust_remote_code=True).eval()
    assert type(model).__name__ == "NewForSequenceClassification", type(model)
    assert type(model.new.embeddings.rotary_emb).__name__ == "NTKScalingRotaryEmbedding"
    model.save_pretrained(str(hf_dir))
    tok.save_pretrained(str(hf_dir))
    # save_pretrained rewrote config.json in the transformers 5 layout; put back the real model's shape
    # (what the fixture ships, with the local auto_map) so that everything below loads from it.
    g.write_json(hf_dir / "config.json", local_config(config))

    # The fixture: the real repository's layout (config.json, tokenizer files, weights) plus the ONNX
    # graph. No sentence-transformers files (the real reranker has none: CrossEncoder's default for one
    # label, Sigmoid, applies) and no code (auto_map names the Hub repository, as the real one does).
    g.write_json(fixture_dir / "config.json", config)
    for f in ("model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(hf_dir / f, fixture_dir / f)
    # generate.verify_tokenizer on the fixture's tokenizer files. Without config.json next to them:
    # AutoTokenizer also reads config.json, whose auto_map names the Hub repository, and would ask
    # whether to run (and download) its code.
    tok_dir = g.fresh_dir(workdir / f"{NAME}-tokenizer")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(fixture_dir / f, tok_dir / f)
    g.verify_tokenizer(tok_dir, "xlmr")
    onnx_export = export_onnx(hf_dir, fixture_dir)
    golden = cross_encoder_golden(hf_dir, onnx_export)
    golden["onnx"] = onnx_export["info"]
    g.write_json(fixture_dir / "golden.json", golden)
    assert not any(p.suffix == ".py" for p in fixture_dir.rglob("*")), "the custom code must not be in the fixture"
    return golden


def make_all(corpus: list[str], workdir: Path, new_impl: str | os.PathLike | None = None) -> dict[str, dict]:
    """Build the fixture under generate.MODELS_DIR; workdir is scratch space. The custom code comes from
    new_impl, else $SIFT_GTE_NEW_IMPL, else the Hub (see resolve_new_impl)."""
    code = resolve_new_impl(new_impl)
    tok = g.build_xlmr_tokenizer(corpus, workdir)
    print(f"xlm-r vocab: {len(tok)}")
    return {NAME: make_gte_cross_encoder(tok, workdir, code)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--new-impl", metavar="DIR",
                        help=f"folder with {NEW_IMPL_REPO}'s configuration.py and modeling.py "
                             f"(default: ${NEW_IMPL_ENV}, else download from the Hub)")
    args = parser.parse_args()
    g.set_up_reference_stack()
    code = resolve_new_impl(args.new_impl)

    g.MODELS_DIR.mkdir(exist_ok=True)
    corpus = g.build_corpus()
    with tempfile.TemporaryDirectory(prefix="sift-fixtures-gte-") as tmp:
        make_all(corpus, Path(tmp), code)

    total = 0
    for path in sorted((g.MODELS_DIR / NAME).rglob("*")):
        if path.is_file():
            total += path.stat().st_size
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            print(f"  {path.stat().st_size:>9}  {digest}  {path.relative_to(g.HERE)}")
    print(f"total: {total} bytes; elapsed {time.time() - g._T0:.1f}s (imports included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
