#!/usr/bin/env python3
"""Generate Sift's fidelity fixtures for more encoder architectures.

Companion to generate.py (whose helpers, corpus and golden cases it reuses): tiny
random-weight models with locally trained tokenizers and golden outputs from the
reference Python stack, for

    distilbert-cross-encoder   DistilBertForSequenceClassification (no token_type_ids)
    electra-cross-encoder      ElectraForSequenceClassification (like cross-encoder/ms-marco-electra-base)
    deberta-v2-cross-encoder   DebertaV2ForSequenceClassification (like mixedbread-ai/mxbai-rerank-base-v1)
    modernbert-cross-encoder   ModernBertForSequenceClassification (like Alibaba-NLP/gte-reranker-modernbert-base)
    mpnet-embedding            SentenceTransformer MPNet + mean pooling + Normalize (like all-mpnet-base-v2)

    /root/venvs/fixtures/bin/python testdata/generate_encoders.py

Re-running reproduces byte-identical files with the pinned versions. generate.py's
main() can call make_all(corpus, workdir) to build them together with its own fixtures.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate as g  # noqa: E402  (sets the offline / single-thread environment before torch loads)

import sentencepiece as spm  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer,
    BertTokenizer,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    DebertaV2Tokenizer,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    DistilBertTokenizer,
    ElectraConfig,
    ElectraForSequenceClassification,
    ModernBertConfig,
    ModernBertForSequenceClassification,
    MPNetConfig,
    MPNetModel,
    MPNetTokenizer,
    PreTrainedTokenizerFast,
)
from transformers.models.modernbert import modeling_modernbert  # noqa: E402

# WordPiece vocabulary shared by the DistilBERT, ELECTRA and MPNet fixtures. generate.py's
# trainer adds tokens in a fixed order, so this is a prefix of bert-cross-encoder's vocabulary.
WORDPIECE_VOCAB_SIZE = 1200

DISTILBERT_MODEL_MAX_LENGTH = 48
DISTILBERT_MAX_POSITION_EMBEDDINGS = 64

ELECTRA_MODEL_MAX_LENGTH = 40
ELECTRA_MAX_POSITION_EMBEDDINGS = 64

DEBERTA_SPM_VOCAB_SIZE = 1500  # upper bound; the small corpus yields fewer pieces
DEBERTA_MODEL_MAX_LENGTH = 44
# DeBERTa-v3 has no absolute position embeddings (position_biased_input false); with
# max_relative_positions -1 this only sets the relative-position span (as 512 does in the real model).
DEBERTA_MAX_POSITION_EMBEDDINGS = 64
# The real model uses 256 buckets (log-bucketing starts at |i - j| > 128). 16 buckets make the
# log-bucket path (|i - j| > 8) part of every longer test case.
DEBERTA_POSITION_BUCKETS = 16

MODERNBERT_BPE_VOCAB_SIZE = 900  # 256 byte symbols + merges; 5 special tokens come on top
MODERNBERT_MODEL_MAX_LENGTH = 48
MODERNBERT_MAX_POSITION_EMBEDDINGS = 64  # RoPE: no position table, only the config's limit
MODERNBERT_LOCAL_ATTENTION = 16  # sliding window of +-8 tokens (the real model: 128, +-64)
MODERNBERT_LAYERS = 3  # layer 0 global, layers 1-2 local (global_attn_every_n_layers = 3, as in the real model)

MPNET_MAX_POSITION_EMBEDDINGS = 50  # positions start at padding_idx + 1 = 2: 48 usable (real: 514 / 512)
MPNET_MODEL_MAX_LENGTH = 48  # as all-mpnet-base-v2's 512 = 514 - 2
MPNET_MAX_SEQ_LENGTH = 40  # sentence_bert_config.json max_seq_length (real: 384)

MPNET_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


# --------------------------------------------------------------------------- #
# Tokenizers
# --------------------------------------------------------------------------- #


def build_wordpiece_vocab(corpus: list[str]) -> dict[str, int]:
    vocab = g.train_wordpiece_vocab(corpus, WORDPIECE_VOCAB_SIZE)
    assert [vocab[s] for s in g.BERT_SPECIALS] == [0, 1, 2, 3, 4]
    return vocab


def build_distilbert_tokenizer(vocab: dict[str, int]) -> DistilBertTokenizer:
    # DistilBertTokenizer is BertTokenizer with model_input_names = [input_ids, attention_mask].
    return DistilBertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=DISTILBERT_MODEL_MAX_LENGTH)


def build_electra_tokenizer(vocab: dict[str, int]) -> BertTokenizer:
    # transformers 5 has no separate ElectraTokenizer: AutoTokenizer maps electra to BertTokenizer.
    return BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=ELECTRA_MODEL_MAX_LENGTH)


def build_mpnet_tokenizer(vocab: dict[str, int]) -> MPNetTokenizer:
    """MPNet's vocabulary is BERT's with <s> <pad> </s> <unk> in front and <mask> at the end;
    the unknown token stays BERT's [UNK] (as in microsoft/mpnet-base and all-mpnet-base-v2)."""
    tokens = MPNET_SPECIALS + sorted(vocab, key=vocab.get) + ["<mask>"]
    mpnet_vocab = {token: i for i, token in enumerate(tokens)}
    return MPNetTokenizer(vocab=mpnet_vocab, do_lower_case=True, unk_token="[UNK]",
                          model_max_length=MPNET_MODEL_MAX_LENGTH)


def build_deberta_tokenizer(corpus: list[str], workdir: Path) -> DebertaV2Tokenizer:
    """SentencePiece Unigram model with DeBERTa-v3's ids ([PAD]=0 [CLS]=1 [SEP]=2 [UNK]=3, [MASK] added
    after the pieces), Metaspace, `[CLS] A [SEP] B [SEP]`, as in mxbai-rerank-v1's tokenizer.json.

    The normalizer is the one transformers 5's DebertaV2Tokenizer builds in code (Replace whitespace runs,
    NFC, Strip right), not the real file's (Strip, Precompiled nmt_nfkc, Replace ' {2,}', from transformers
    4's DebertaV2Converter): transformers 5 ignores the normalizer in tokenizer.json when it loads a
    DebertaV2Tokenizer, so a file with the converter's normalizer would disagree with the goldens on
    case d (full-width letters, ligatures, №). See README.md."""
    model_buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=model_buffer,
        model_type="unigram",
        vocab_size=DEBERTA_SPM_VOCAB_SIZE,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="nmt_nfkc",
        pad_id=0,
        bos_id=1,
        eos_id=2,
        unk_id=3,
        pad_piece="[PAD]",
        bos_piece="[CLS]",
        eos_piece="[SEP]",
        unk_piece="[UNK]",
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    spm_dir = g.fresh_dir(workdir / "deberta-spm")
    (spm_dir / "spm.model").write_bytes(model_buffer.getvalue())
    return DebertaV2Tokenizer.from_pretrained(str(spm_dir), do_lower_case=False, split_by_punct=False,
                                              model_max_length=DEBERTA_MODEL_MAX_LENGTH)


def train_byte_level_bpe(corpus: list[str], vocab_size: int) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Deterministic byte-level BPE (GPT-2 / ModernBERT style). tokenizers' BpeTrainer breaks ties in
    hash-map order; this breaks them lexicographically. Words come from the same NFC normalizer and
    ByteLevel pre-tokenizer that end up in tokenizer.json."""
    normalizer = normalizers.NFC()
    pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    word_counts: dict[str, int] = {}
    for line in corpus:
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line)):
            word_counts[word] = word_counts.get(word, 0) + 1
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    assert len(alphabet) == 256
    vocab: list[str] = list(alphabet)
    known = set(vocab)
    merges: list[tuple[str, str]] = []
    words = {w: list(w) for w in sorted(word_counts)}
    while len(vocab) < vocab_size:
        pair_counts: dict[tuple[str, str], int] = {}
        for word, symbols in words.items():
            count = word_counts[word]
            for pair in zip(symbols, symbols[1:]):
                pair_counts[pair] = pair_counts.get(pair, 0) + count
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))
        merged = best[0] + best[1]
        merges.append(best)
        g.merge_pair(words, best, merged)
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
    return {token: i for i, token in enumerate(vocab)}, merges


def build_modernbert_tokenizer(corpus: list[str]) -> PreTrainedTokenizerFast:
    """Shaped like answerdotai/ModernBERT-base's tokenizer.json: NFC, ByteLevel (no prefix space),
    byte-level BPE without unk, specials [UNK] [CLS] [SEP] [PAD] [MASK] after the BPE vocabulary
    ([MASK] with lstrip), TemplateProcessing `[CLS] A [SEP] B [SEP]`, no token_type_ids."""
    vocab, merges = train_byte_level_bpe(corpus, MODERNBERT_BPE_VOCAB_SIZE)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, dropout=None, continuing_subword_prefix="",
                               end_of_word_suffix="", fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    specials = [
        AddedToken("[UNK]", special=True, normalized=False),
        AddedToken("[CLS]", special=True, normalized=False),
        AddedToken("[SEP]", special=True, normalized=False),
        AddedToken("[PAD]", special=True, normalized=False),
        AddedToken("[MASK]", special=True, normalized=False, lstrip=True),
    ]
    tok.add_special_tokens(specials)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    assert (cls_id, sep_id) == (len(vocab) + 1, len(vocab) + 2), (cls_id, sep_id, len(vocab))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        mask_token="[MASK]",
        clean_up_tokenization_spaces=True,
        model_input_names=["input_ids", "attention_mask"],
        model_max_length=MODERNBERT_MODEL_MAX_LENGTH,
    )


def verify_pair_tokenizer(fixture_dir: Path, cls_tokens: list[str], mid_tokens: list[str], end_tokens: list[str],
                          token_type_ids: bool, byte_level: bool = False) -> None:
    """Like generate.verify_tokenizer, for any `cls A mid B end` layout: AutoTokenizer(dir) gives the
    expected special-token layout (and token_type_ids when `token_type_ids`), the Rust
    tokenizers library reading only tokenizer.json gives identical ids, untruncated and truncated."""
    hf = AutoTokenizer.from_pretrained(str(fixture_dir))
    rust = Tokenizer.from_file(str(fixture_dir / "tokenizer.json"))
    pairs = g.all_pairs()
    qs = [q for q, _ in pairs]
    ds = [d for _, d in pairs]
    prefix = hf.convert_tokens_to_ids(cls_tokens)
    mid = hf.convert_tokens_to_ids(mid_tokens)
    end = hf.convert_tokens_to_ids(end_tokens)
    assert hf.unk_token_id not in prefix + mid + end

    batch = hf(qs, ds, add_special_tokens=True)
    assert ("token_type_ids" in batch) == token_type_ids, list(batch)
    rust_batch = rust.encode_batch(list(zip(qs, ds)))
    for i, (q, d) in enumerate(pairs):
        a = hf(q, add_special_tokens=False)["input_ids"]
        b = hf(d, add_special_tokens=False)["input_ids"] if d else []
        ids = batch["input_ids"][i]
        expected = prefix + a + mid + b + end
        assert ids == expected, (q, d, ids, expected)
        if byte_level:
            assert hf.unk_token_id not in a + b, (q, d)  # every byte has a symbol
        if token_type_ids:
            tti = batch["token_type_ids"][i]
            assert tti == [0] * (len(prefix) + len(a) + len(mid)) + [1] * (len(b) + len(end)), (q, d, tti)
            assert rust_batch[i].type_ids == tti
        assert rust_batch[i].ids == ids, (q, d, rust_batch[i].ids, ids)
        if d:
            assert hf(q, d)["input_ids"] == ids
            assert rust.encode(q, d).ids == ids

    for text in g.all_texts():
        assert hf(text)["input_ids"] == rust.encode(text).ids, text
        assert hf(text)["input_ids"] == prefix + hf(text, add_special_tokens=False)["input_ids"] + end
    max_len = hf.model_max_length
    rust.enable_truncation(max_length=max_len, strategy="longest_first")
    hf_trunc = hf(qs, ds, truncation="longest_first", max_length=max_len)["input_ids"]
    for i, enc in enumerate(rust.encode_batch(list(zip(qs, ds)))):
        assert enc.ids == hf_trunc[i], (pairs[i], enc.ids, hf_trunc[i])
        assert len(enc.ids) <= max_len


# --------------------------------------------------------------------------- #
# Fixtures
# --------------------------------------------------------------------------- #


def make_cross_encoder(name: str, model, tok, workdir: Path, position_limit: int, with_token_type_ids: bool,
                       layout: tuple[list[str], list[str], list[str]], tokenizer_type_ids: bool | None = None,
                       byte_level: bool = False) -> dict:
    """Save a random-weight *ForSequenceClassification (1 label) through CrossEncoder, export and
    verify ONNX, and write golden.json in bert-cross-encoder's format."""
    fixture_dir = g.fresh_dir(g.MODELS_DIR / name)
    hf_dir = g.fresh_dir(workdir / f"{name}-hf")
    model.eval().save_pretrained(str(hf_dir))
    tok.save_pretrained(str(hf_dir))
    g.save_via_cross_encoder(hf_dir, fixture_dir)
    if tokenizer_type_ids is None:
        tokenizer_type_ids = with_token_type_ids
    verify_pair_tokenizer(fixture_dir, *layout, token_type_ids=tokenizer_type_ids, byte_level=byte_level)
    onnx_export = g.export_onnx(fixture_dir, "classification", with_token_type_ids=with_token_type_ids)
    golden = g.cross_encoder_golden(fixture_dir, position_limit, 1, onnx_export)
    golden["onnx"] = onnx_export["info"]
    g.write_json(fixture_dir / "golden.json", golden)
    return golden


def make_distilbert_cross_encoder(vocab: dict[str, int], workdir: Path) -> dict:
    name = "distilbert-cross-encoder"
    print(f"[{name}]")
    tok = build_distilbert_tokenizer(vocab)
    g.seed_everything(g.SEED + 10)
    config = DistilBertConfig(
        vocab_size=len(tok),
        max_position_embeddings=DISTILBERT_MAX_POSITION_EMBEDDINGS,
        sinusoidal_pos_embds=False,
        dim=g.TINY["hidden_size"],
        n_layers=g.TINY["num_hidden_layers"],
        n_heads=g.TINY["num_attention_heads"],
        hidden_dim=g.TINY["intermediate_size"],
        pad_token_id=0,
        initializer_range=g.INIT_RANGE,
        num_labels=1,
    )
    model = DistilBertForSequenceClassification(config)
    return make_cross_encoder(name, model, tok, workdir, DISTILBERT_MAX_POSITION_EMBEDDINGS,
                              with_token_type_ids=False, layout=(["[CLS]"], ["[SEP]"], ["[SEP]"]))


def make_electra_cross_encoder(vocab: dict[str, int], workdir: Path) -> dict:
    name = "electra-cross-encoder"
    print(f"[{name}]")
    tok = build_electra_tokenizer(vocab)
    g.seed_everything(g.SEED + 11)
    config = ElectraConfig(
        vocab_size=len(tok),
        embedding_size=g.TINY["hidden_size"],  # = hidden_size, as in electra-base (no embeddings_project)
        max_position_embeddings=ELECTRA_MAX_POSITION_EMBEDDINGS,
        type_vocab_size=2,
        pad_token_id=0,
        initializer_range=g.INIT_RANGE,
        num_labels=1,
        **g.TINY,
    )
    model = ElectraForSequenceClassification(config)
    return make_cross_encoder(name, model, tok, workdir, ELECTRA_MAX_POSITION_EMBEDDINGS,
                              with_token_type_ids=True, layout=(["[CLS]"], ["[SEP]"], ["[SEP]"]))


def make_deberta_v2_cross_encoder(corpus: list[str], workdir: Path) -> dict:
    name = "deberta-v2-cross-encoder"
    print(f"[{name}]")
    tok = build_deberta_tokenizer(corpus, workdir)
    assert tok.convert_tokens_to_ids(["[PAD]", "[CLS]", "[SEP]", "[UNK]"]) == [0, 1, 2, 3]
    assert tok.mask_token_id == len(tok) - 1
    g.seed_everything(g.SEED + 12)
    # Conventions of microsoft/deberta-v3-base and mxbai-rerank-base-v1 / -large-v1. DebertaV2Config's
    # defaults differ in relative_attention (False), position_biased_input (True), pos_att_type (None).
    config = DebertaV2Config(
        vocab_size=len(tok),
        max_position_embeddings=DEBERTA_MAX_POSITION_EMBEDDINGS,
        type_vocab_size=0,
        relative_attention=True,
        position_biased_input=False,
        pos_att_type=["p2c", "c2p"],
        max_relative_positions=-1,
        position_buckets=DEBERTA_POSITION_BUCKETS,
        norm_rel_ebd="layer_norm",
        share_att_key=True,
        layer_norm_eps=1e-7,
        pooler_hidden_size=g.TINY["hidden_size"],
        pooler_dropout=0,
        pooler_hidden_act="gelu",
        pad_token_id=0,
        initializer_range=g.INIT_RANGE,
        num_labels=1,
        **g.TINY,
    )
    model = DebertaV2ForSequenceClassification(config)
    # type_vocab_size 0: the model has no token-type embedding and ignores token_type_ids, so the graph
    # takes input_ids and attention_mask only (as optimum exports such models).
    # The tokenizer still returns token_type_ids (DebertaV2Tokenizer's model_input_names).
    return make_cross_encoder(name, model, tok, workdir, DEBERTA_MAX_POSITION_EMBEDDINGS,
                              with_token_type_ids=False, layout=(["[CLS]"], ["[SEP]"], ["[SEP]"]),
                              tokenizer_type_ids=True)


@contextlib.contextmanager
def sorted_modernbert_layer_types():
    """ModernBertModel.forward computes the rotary embeddings in `for layer_type in set(config.layer_types)`.
    A set of strings iterates in an order that follows Python's per-process hash seed, and the ONNX exporter
    names the two rotary-embedding calls in call order, so the graph's bytes would change from run to run
    (PYTHONHASHSEED). Iterate in sorted order instead: the same numbers, stable bytes."""
    modeling_modernbert.set = lambda items=(): sorted(builtins.set(items))
    try:
        yield
    finally:
        del modeling_modernbert.set


def make_modernbert_cross_encoder(corpus: list[str], workdir: Path) -> dict:
    name = "modernbert-cross-encoder"
    print(f"[{name}]")
    tok = build_modernbert_tokenizer(corpus)
    g.seed_everything(g.SEED + 13)
    config = ModernBertConfig(
        vocab_size=len(tok),
        hidden_size=g.TINY["hidden_size"],
        intermediate_size=g.TINY["intermediate_size"],
        num_hidden_layers=MODERNBERT_LAYERS,
        num_attention_heads=g.TINY["num_attention_heads"],
        max_position_embeddings=MODERNBERT_MAX_POSITION_EMBEDDINGS,
        global_attn_every_n_layers=3,
        local_attention=MODERNBERT_LOCAL_ATTENTION,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.cls_token_id,
        eos_token_id=tok.sep_token_id,
        cls_token_id=tok.cls_token_id,
        sep_token_id=tok.sep_token_id,
        classifier_pooling="mean",
        initializer_range=g.INIT_RANGE,
        num_labels=1,
    )
    assert config.layer_types == ["full_attention", "sliding_attention", "sliding_attention"], config.layer_types
    model = ModernBertForSequenceClassification(config)
    with sorted_modernbert_layer_types():
        return make_cross_encoder(name, model, tok, workdir, MODERNBERT_MAX_POSITION_EMBEDDINGS,
                                  with_token_type_ids=False, layout=(["[CLS]"], ["[SEP]"], ["[SEP]"]),
                                  byte_level=True)


def make_mpnet_embedding(vocab: dict[str, int], workdir: Path) -> dict:
    name = "mpnet-embedding"
    print(f"[{name}]")
    tok = build_mpnet_tokenizer(vocab)
    fixture_dir = g.fresh_dir(g.MODELS_DIR / name)
    hf_dir = g.fresh_dir(workdir / f"{name}-hf")
    g.seed_everything(g.SEED + 14)
    config = MPNetConfig(
        vocab_size=len(tok),
        max_position_embeddings=MPNET_MAX_POSITION_EMBEDDINGS,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        initializer_range=g.INIT_RANGE,
        **g.TINY,
    )
    model = MPNetModel(config, add_pooling_layer=True).eval()
    model.save_pretrained(str(hf_dir))
    tok.save_pretrained(str(hf_dir))

    # The layout all-mpnet-base-v2 was saved in (older sentence-transformers): model_max_length 512
    # (= 514 positions - padding_idx - 1) in tokenizer_config.json and a smaller max_seq_length 384
    # in sentence_bert_config.json. Same here at 48 / 40.
    g.save_mean_pooling_model(hf_dir, fixture_dir, MPNET_MODEL_MAX_LENGTH, MPNET_MAX_SEQ_LENGTH)

    verify_pair_tokenizer(fixture_dir, ["<s>"], ["</s>", "</s>"], ["</s>"], token_type_ids=False)
    onnx_export = g.export_onnx(fixture_dir, "embedding", with_token_type_ids=False)

    st = SentenceTransformer(str(fixture_dir), device="cpu")
    usable_positions = MPNET_MAX_POSITION_EMBEDDINGS - (config.pad_token_id + 1)
    expected_max = min(MPNET_MAX_SEQ_LENGTH, MPNET_MODEL_MAX_LENGTH, usable_positions)
    print(
        f"  SentenceTransformer max_seq_length={st.max_seq_length} (sentence_bert_config max_seq_length="
        f"{MPNET_MAX_SEQ_LENGTH}, tokenizer_config model_max_length={MPNET_MODEL_MAX_LENGTH}, "
        f"max_position_embeddings={MPNET_MAX_POSITION_EMBEDDINGS}, usable={usable_positions}) -> expected {expected_max}"
    )
    assert st.max_seq_length == expected_max, (st.max_seq_length, expected_max)
    print(f"  modules: {[type(m).__name__ for m in st]}")
    golden = g.embedding_golden(st, AutoTokenizer.from_pretrained(str(fixture_dir)), expected_max, onnx_export)
    g.write_json(fixture_dir / "golden.json", golden)
    return golden


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #

FIXTURES = [
    "distilbert-cross-encoder",
    "electra-cross-encoder",
    "deberta-v2-cross-encoder",
    "modernbert-cross-encoder",
    "mpnet-embedding",
]


def make_all(corpus: list[str], workdir: Path) -> dict[str, dict]:
    """Build the five fixtures under generate.MODELS_DIR; workdir is scratch space."""
    vocab = build_wordpiece_vocab(corpus)
    print(f"wordpiece vocab: {len(vocab)}")
    return {
        "distilbert-cross-encoder": make_distilbert_cross_encoder(vocab, workdir),
        "electra-cross-encoder": make_electra_cross_encoder(vocab, workdir),
        "deberta-v2-cross-encoder": make_deberta_v2_cross_encoder(corpus, workdir),
        "modernbert-cross-encoder": make_modernbert_cross_encoder(corpus, workdir),
        "mpnet-embedding": make_mpnet_embedding(vocab, workdir),
    }


def main() -> int:
    g.set_up_reference_stack()

    g.MODELS_DIR.mkdir(exist_ok=True)
    corpus = g.build_corpus()
    print(f"corpus: {len(corpus)} lines")
    with tempfile.TemporaryDirectory(prefix="sift-encoder-fixtures-") as tmp:
        make_all(corpus, Path(tmp))

    g.print_listing(set(FIXTURES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
