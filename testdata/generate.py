#!/usr/bin/env python3
"""Generate Sift's fidelity fixtures: tiny random-weight models + golden outputs.

Every tokenizer and model is built locally from scratch (no Hugging Face Hub
access): the tokenizers are trained on the small corpus below, the models get
random weights from fixed seeds. Golden values are computed with the reference
Python stack (sentence-transformers / transformers / torch) so the Java server
can be checked against them.

    python3 -m venv /root/venvs/fixtures
    /root/venvs/fixtures/bin/pip install -r testdata/requirements.txt
    /root/venvs/fixtures/bin/python testdata/generate.py

Output: testdata/models/<fixture>/ (Hugging Face layout + onnx/model.onnx +
golden.json). Re-running reproduces byte-identical files with the pinned
versions.
"""

from __future__ import annotations

import os
import time

_T0 = time.time()

# Must be set before tokenizers/torch are imported: single-threaded and offline,
# so that training and inference are deterministic and nothing is downloaded.
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["OMP_NUM_THREADS"] = "1"

import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import sentence_transformers  # noqa: E402
import sentencepiece as spm  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from sentence_transformers import CrossEncoder, SentenceTransformer  # noqa: E402
from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer  # noqa: E402
from tokenizers import Tokenizer, normalizers, pre_tokenizers  # noqa: E402
from transformers import (  # noqa: E402
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    BertModel,
    BertTokenizer,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
    XLMRobertaTokenizer,
)

HERE = Path(__file__).resolve().parent
MODELS_DIR = HERE / "models"

SEED = 1234

# Tokenizer / length settings. model_max_length is deliberately tiny so that
# truncation is exercised with short texts.
BERT_VOCAB_SIZE = 2000
BERT_MODEL_MAX_LENGTH = 48
BERT_MAX_POSITION_EMBEDDINGS = 64
EMBEDDING_MAX_SEQ_LENGTH = 40  # sentence-transformers max_seq_length (< model_max_length)
XLMR_SPM_VOCAB_SIZE = 2000  # upper bound; the small corpus yields fewer pieces
XLMR_MODEL_MAX_LENGTH = 40
XLMR_MAX_POSITION_EMBEDDINGS = 66  # padding_idx (1) + 1 + 40 tokens fits with room to spare

# Tiny transformer shape shared by all fixtures.
TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
# A larger init range than the default 0.02 so that random models produce
# clearly different scores for different inputs.
INIT_RANGE = 0.3

ONNX_OPSET = 17
ONNX_TOLERANCE = 1e-5

BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

log = logging.getLogger("generate")


# --------------------------------------------------------------------------- #
# Corpus
# --------------------------------------------------------------------------- #

SENTENCES = """\
The quick brown fox jumps over the lazy dog.
A journey of a thousand miles begins with a single step.
Solar panels turn sunlight into electricity.
Photovoltaic cells convert light directly into electric current.
Most solar panels are made of silicon cells.
When photons hit a silicon cell, electrons are knocked loose and start to flow.
An inverter changes direct current into alternating current for the home.
Wind turbines use the energy of moving air to spin a generator.
Hydroelectric dams store water and release it through turbines.
Nuclear power plants split uranium atoms to heat water into steam.
Coal and natural gas are fossil fuels that release carbon dioxide when burned.
Batteries store electrical energy as chemical energy.
The electric grid connects power stations with homes and factories.
Renewable energy sources include sun, wind, water and geothermal heat.
Energy efficiency means using less power to do the same work.
The printing press was invented by Johannes Gutenberg around 1440.
Gutenberg used movable metal type and an oil-based ink.
The first major book printed in Europe with movable type was the Gutenberg Bible.
Printing spread quickly from Mainz to Venice, Paris and London.
Before the printing press, books were copied by hand in monasteries.
Cheap printed pamphlets helped ideas travel across the continent.
Newspapers became common in the seventeenth century.
The invention of paper in China made printing possible much earlier.
Woodblock printing was used in East Asia for centuries.
Literacy rates rose as books became cheaper and easier to find.
Paris is the capital of France.
Berlin is the capital of Germany.
Madrid is the capital of Spain.
Rome is the capital of Italy.
Tokyo is the capital of Japan.
Beijing is the capital of China.
The Eiffel Tower was completed in 1889.
The Louvre is the most visited museum in the world.
The river Seine flows through the centre of Paris.
The Brandenburg Gate is a famous landmark in Berlin.
Water boils at 100 degrees Celsius at sea level.
Water freezes at 0 °C and boils at 100 °C.
At high altitude water boils at a lower temperature.
The boiling point of a liquid depends on the pressure around it.
Salt water boils at a slightly higher temperature than fresh water.
Ice is less dense than liquid water, so it floats.
How do I reset my password?
Click on "Forgot password" and follow the instructions in the email.
Your account will be locked after five failed login attempts.
Please contact support if you do not receive the email within 10 minutes.
The server returned an error: 404 Not Found.
The request timed out after 30 seconds.
Restart the application and try again.
What is the weather like today?
It will be sunny with a high of 25 degrees.
Expect rain in the afternoon and strong winds at night.
The forecast says snow is likely on Tuesday.
Bring an umbrella, it might rain later.
The recipe calls for two cups of flour, one egg and a pinch of salt.
Preheat the oven to 180 degrees and bake for 25 minutes.
Mix the butter and sugar until the mixture is light and fluffy.
Add the chopped onions and cook until golden brown.
Serve the soup hot with fresh bread.
The cat sat on the mat and looked out of the window.
Dogs are loyal and friendly animals.
The parrot repeated every word it heard.
Elephants can remember places they visited years ago.
A whale is a mammal, not a fish.
Bees collect nectar and turn it into honey.
The train to Munich leaves at 8:15 from platform 3.
The station is next to the museum.
Where is the train station?
Turn left at the second traffic light and walk for two blocks.
The flight was delayed by three hours because of fog.
Tickets cost 12.50 euros for adults and 6 euros for children.
The meeting is scheduled for Monday, 3 March 2025 at 10:00.
Please send the report before Friday.
The budget increased by 15% compared with last year.
Revenue grew from $1.2 million to $1.5 million.
Call me at +1 (555) 123-4567 or email info@example.com.
Version 2.0.1 fixes a memory leak in the parser.
Run the tests with the command make test.
The function returns null if the key is missing.
Use a hash map to look up values in constant time.
Sorting a list of n items takes O(n log n) time.
Machine learning models learn patterns from data.
A neural network is made of layers of connected units.
Transformers use attention to relate every word to every other word.
A cross-encoder reads the query and the document together.
A reranker sorts documents by how relevant they are to a query.
Embeddings map sentences to vectors of numbers.
Cosine similarity measures the angle between two vectors.
Search engines return the most relevant documents first.
The model was trained on millions of question and answer pairs.
Tokenization splits text into smaller units called tokens.
Long documents are truncated to the maximum sequence length.
The history of science is full of surprising discoveries.
Isaac Newton described the laws of motion and gravity.
Marie Curie won two Nobel prizes for her work on radioactivity.
Albert Einstein published the theory of relativity in 1905 and 1915.
Charles Darwin explained evolution by natural selection.
The moon orbits the earth about once every 27 days.
Mars is called the red planet because of iron oxide on its surface.
Jupiter is the largest planet in our solar system.
Light travels at about 300,000 kilometres per second.
The human heart beats roughly 100,000 times a day.
Drink enough water and get enough sleep.
Regular exercise improves health and mood.
Fresh fruit and vegetables are good for you.
The doctor said the results were normal.
The library opens at nine and closes at six.
Children learn languages quickly by listening and playing.
Reading every day improves vocabulary.
The novel tells the story of a family over three generations.
Shakespeare wrote Hamlet, Macbeth and Romeo and Juliet.
Music can change how we feel in seconds.
The orchestra played a symphony by Beethoven.
Football is the most popular sport in the world.
The match ended with a score of 2-1.
She ran the marathon in under four hours.
The mountains were covered in snow all year.
The lake is deep, cold and very clear.
Forests cover about thirty percent of the land.
Climate change causes rising sea levels and extreme weather.
Recycling paper, glass and plastic reduces waste.
Électricité, énergie et lumière sont des mots français.
Les panneaux solaires transforment la lumière du soleil en électricité.
Où se trouve la gare, s'il vous plaît ?
La gare est à côté du musée.
Le musée est fermé le lundi.
Paris est la capitale de la France.
L'eau bout à 100 degrés au niveau de la mer.
Je voudrais un café et un croissant, merci.
Il fait très beau aujourd'hui, le ciel est bleu.
Nous avons réservé une chambre à l'hôtel près de la plage.
La réunion commence à dix heures précises.
Ça coûte combien ? Ça coûte douze euros.
Les élèves étudient l'histoire de l'imprimerie.
Gutenberg a inventé l'imprimerie à caractères mobiles.
Noël est une fête importante en décembre.
Der Bahnhof liegt neben dem Museum.
Wo ist der Bahnhof, bitte?
Berlin ist die Hauptstadt von Deutschland.
Das Wetter ist heute schön und sonnig.
Wasser kocht bei 100 Grad auf Meereshöhe.
Solarzellen wandeln Sonnenlicht in elektrischen Strom um.
Ich möchte ein Stück Kuchen und eine Tasse Kaffee.
Die Straße ist sehr lang und führt über die Brücke.
Grüße aus München! Die Größe der Stadt überrascht mich.
Der Buchdruck mit beweglichen Lettern veränderte Europa.
Übung macht den Meister.
Fußball ist in Österreich und der Schweiz sehr beliebt.
¿Dónde está la estación de tren?
La estación está aquí, al lado del museo.
Madrid es la capital de España.
El agua hierve a cien grados al nivel del mar.
Los paneles solares convierten la luz del sol en electricidad.
Mañana vamos a la playa con los niños.
¡Qué día tan bonito! El cielo está despejado.
La señora compró pan, leche y azúcar.
El niño aprendió a leer en español y en inglés.
La imprenta llegó a España a finales del siglo quince.
東京は日本の首都です。
駅はどこですか。
東京駅は丸の内にあります。
今日はとても良い天気です。
水は海面で百度で沸騰します。
太陽光パネルは光を電気に変えます。
私は毎朝コーヒーを飲みます。
北京是中国的首都。
火车站在博物馆旁边。
今天天气很好。
水在海平面一百度沸腾。
印刷术是中国古代的四大发明之一。
我喜欢读书和听音乐。
서울은 한국의 수도입니다.
기차역은 박물관 옆에 있습니다.
I love this song 🎵 so much!
Great job team 🎉🎉
The weather is lovely ☀️ today.
Let's grab a pizza 🍕 tonight.
Happy birthday! 🎂🎈
I'm so tired 😴 after the trip.
The rocket 🚀 launched at dawn.
That was hilarious 😂
Thumbs up 👍 for the new design.
Call me when you arrive 📞.
Prices: 3 × 4 = 12, 10 ÷ 2 = 5, 2² = 4.
Temperatures ranged from −5 °C to 30 °C.
The file is 1,024 KB (≈ 1 MB).
Use the « quotes » and the — dash correctly.
Item #42 costs €19.99 or £17.50 or ¥2,500.
Email: support@sift.example — phone: 0800-123-456.
Question? Answer! Wait... really?!
(a) first, [b] second, {c} third; d: fourth.
50% off — today only!!!
Line one / line two \\ line three | line four.
1, 2, 3, 4, 5, 6, 7, 8, 9, 10.
The years 1999, 2000, 2024 and 2025 were busy.
"""

_SUBJECTS = [
    "the engineer", "my neighbour", "the teacher", "a small company", "the city council",
    "the old library", "our team", "the scientist", "the museum", "the new student",
    "le professeur", "die Ärztin", "el científico",
]
_PREDICATES = [
    "explained how solar energy works",
    "published a report about the printing press",
    "asked where the train station is",
    "measured the boiling point of water",
    "wrote a long document about search engines",
    "compared the capitals of France and Germany",
    "answered every question about the weather",
    "ranked the documents by relevance",
    "cooked dinner for the whole family",
    "visited the museum next to the station",
    "recommended a good book about history",
    "fixed the error in the password reset email",
]
_TAILS = ["yesterday.", "last week.", "in 2023.", "before lunch.", "again today!", "for the second time."]


def build_corpus() -> list[str]:
    """Return the training corpus (deterministic order, a few hundred lines)."""
    lines = [line for line in SENTENCES.splitlines() if line.strip()]
    for i, subject in enumerate(_SUBJECTS):
        for j, predicate in enumerate(_PREDICATES):
            tail = _TAILS[(i + j) % len(_TAILS)]
            sentence = f"{subject} {predicate} {tail}"
            lines.append(sentence[0].upper() + sentence[1:])
    return lines


# --------------------------------------------------------------------------- #
# Golden test cases (shared by all fixtures)
# --------------------------------------------------------------------------- #

LONG_DOC_1 = (
    "The printing press was invented by Johannes Gutenberg in Mainz around 1440. He combined movable metal "
    "type, an oil-based ink and a wooden press adapted from the presses used to make wine. Within a few "
    "decades printing shops had opened in Venice, Paris, London and many other cities, and the price of "
    "books fell sharply. Cheap pamphlets and newspapers carried new ideas across Europe, literacy rates "
    "rose, and scholars could finally compare identical copies of the same text."
)
LONG_DOC_2 = (
    "Before the printing press, every book was copied by hand, usually in monasteries, which made books rare "
    "and expensive. Woodblock printing had been used in China and the rest of East Asia for centuries, and "
    "paper itself was a Chinese invention. The Gutenberg Bible, printed in the 1450s, is the first major "
    "book printed in Europe with movable type; fewer than fifty copies survive today, and each one is "
    "worth millions of dollars."
)
LONG_QUERY = (
    "I am writing a long school report about the history of renewable energy and I would like to know in "
    "detail how solar panels made of silicon cells turn the light of the sun into electricity, why an "
    "inverter is needed to change direct current into alternating current for the home, how batteries "
    "store the energy for the night, and whether wind turbines or hydroelectric dams are more efficient "
    "than solar energy in a country with cold winters and very little sunshine"
)

CASES = [
    {
        "name": "a_normal_english",
        "text_1": "how do solar panels make electricity?",
        "text_2": [
            "Solar panels.",
            "Photovoltaic cells convert sunlight into electricity.",
            "The recipe calls for two cups of flour.",
            "Silicon cells in solar panels release electrons when light hits them.",
        ],
    },
    {
        "name": "b_truncated_documents",
        "text_1": "history of the printing press",
        "text_2": [LONG_DOC_1, LONG_DOC_2, "Gutenberg invented the printing press."],
    },
    {
        "name": "c_query_longer_than_max",
        "text_1": LONG_QUERY,
        "text_2": ["Solar panels turn sunlight into electricity.", "The cat sat on the mat."],
    },
    {
        "name": "d_non_ascii",
        "text_1": "Où est la gare ? 駅はどこ 🚉",
        "text_2": [
            "La gare est à côté du musée. 🙂",
            "Der Bahnhof liegt neben dem Museum – schön!",
            "東京駅は丸の内にあります。",
            "¿Dónde? ¡Aquí! 👉🚆 ＴＯＫＹＯ ﬁnal №5",
        ],
    },
    {
        "name": "e_empty_document",
        "text_1": "what is the capital of France?",
        "text_2": ["Paris is the capital of France.", "", "Berlin is the capital of Germany."],
    },
    {
        "name": "f_single_pair",
        "text_1": "what is the boiling point of water?",
        "text_2": ["Water boils at 100 °C at sea level."],
    },
]


def all_pairs() -> list[tuple[str, str]]:
    return [(case["text_1"], doc) for case in CASES for doc in case["text_2"]]


def all_texts() -> list[str]:
    texts = []
    for case in CASES:
        texts.append(case["text_1"])
        texts.extend(case["text_2"])
    return texts


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def versions() -> dict[str, str]:
    return {
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
    }


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def to_floats(array) -> list:
    """numpy / torch -> nested lists of Python floats (float32 values widened exactly)."""
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu().numpy()
    return np.asarray(array, dtype=np.float64).tolist()


# --------------------------------------------------------------------------- #
# Tokenizers
# --------------------------------------------------------------------------- #


def merge_pair(words: dict[str, list[str]], best: tuple[str, str], merged: str) -> None:
    """Replaces every adjacent (best[0], best[1]) in each word's symbols by merged, left to right."""
    for word, symbols in words.items():
        if len(symbols) < 2:
            continue
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == best[0] and symbols[i + 1] == best[1]:
                out.append(merged)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        words[word] = out


def train_wordpiece_vocab(corpus: list[str], vocab_size: int) -> dict[str, int]:
    """Deterministic WordPiece vocabulary (BPE-style merges with a "##" continuation prefix).

    `tokenizers`' WordPieceTrainer breaks ties between equally frequent pairs in hash-map
    order, so its vocabulary changes from run to run; this small trainer breaks ties
    lexicographically instead. Words are normalized and pre-tokenized with the exact BERT
    components that end up in tokenizer.json.
    """
    normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
    )
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    word_counts: dict[str, int] = {}
    for line in corpus:
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line)):
            word_counts[word] = word_counts.get(word, 0) + 1

    # Alphabet: every character both as a word start and as a "##" continuation.
    chars = sorted({ch for word in word_counts for ch in word})
    vocab: list[str] = list(BERT_SPECIALS)
    vocab += chars + ["##" + ch for ch in chars]
    known = set(vocab)
    words = {w: [w[0]] + ["##" + ch for ch in w[1:]] for w in sorted(word_counts)}

    while len(vocab) < vocab_size:
        pair_counts: dict[tuple[str, str], int] = {}
        for word, symbols in words.items():
            count = word_counts[word]
            for pair in zip(symbols, symbols[1:]):
                pair_counts[pair] = pair_counts.get(pair, 0) + count
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))
        merged = best[0] + best[1][2:]
        merge_pair(words, best, merged)
        if merged not in known:
            known.add(merged)
            vocab.append(merged)
    return {token: i for i, token in enumerate(vocab)}


def build_bert_tokenizer(corpus: list[str]) -> BertTokenizer:
    """WordPiece vocabulary trained locally, wrapped in transformers' BertTokenizer(Fast)."""
    vocab = train_wordpiece_vocab(corpus, BERT_VOCAB_SIZE)
    assert [vocab[s] for s in BERT_SPECIALS] == [0, 1, 2, 3, 4], vocab
    # transformers v5's BertTokenizer builds the whole pipeline (BertNormalizer(lowercase),
    # BertPreTokenizer, WordPiece(##), TemplateProcessing [CLS] $A [SEP] $B:1 [SEP]:1) from the
    # vocabulary, exactly as it does when it loads the saved tokenizer.json again.
    return BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=BERT_MODEL_MAX_LENGTH)


def build_xlmr_tokenizer(corpus: list[str], workdir: Path) -> XLMRobertaTokenizer:
    """SentencePiece Unigram (nmt_nfkc normalization, like XLM-R's sentencepiece.bpe.model),
    converted by transformers exactly like the original XLM-R / bge-reranker tokenizer:
    <s>=0 <pad>=1 </s>=2 <unk>=3 ... <mask>=last; Precompiled (NFKC) normalizer,
    Metaspace pre-tokenizer, TemplateProcessing `<s> A </s></s> B </s>`."""
    model_buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=model_buffer,
        model_type="unigram",
        vocab_size=XLMR_SPM_VOCAB_SIZE,
        hard_vocab_limit=False,
        character_coverage=1.0,
        normalization_rule_name="nmt_nfkc",
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    spm_dir = fresh_dir(workdir / "spm")
    (spm_dir / "sentencepiece.bpe.model").write_bytes(model_buffer.getvalue())
    return XLMRobertaTokenizer.from_pretrained(str(spm_dir), model_max_length=XLMR_MODEL_MAX_LENGTH)


def verify_tokenizer(fixture_dir: Path, kind: str) -> None:
    """AutoTokenizer(dir) must produce the expected special-token layout, and the Rust
    tokenizers library reading only tokenizer.json must produce identical ids."""
    hf = AutoTokenizer.from_pretrained(str(fixture_dir))
    rust = Tokenizer.from_file(str(fixture_dir / "tokenizer.json"))
    pairs = all_pairs()
    qs = [q for q, _ in pairs]
    ds = [d for _, d in pairs]

    if kind == "bert":
        cls_id, sep_id = hf.convert_tokens_to_ids(["[CLS]", "[SEP]"])
        assert (hf.pad_token_id, hf.unk_token_id, cls_id, sep_id, hf.mask_token_id) == (0, 1, 2, 3, 4)
    else:
        assert (hf.convert_tokens_to_ids(["<s>", "<pad>", "</s>", "<unk>"])) == [0, 1, 2, 3]
        assert hf.mask_token_id == len(hf) - 1, (hf.mask_token_id, len(hf))
        tj = read_json(fixture_dir / "tokenizer.json")
        assert tj["model"]["type"] == "Unigram" and tj["model"]["unk_id"] == 3, tj["model"].get("unk_id")
        cls_id, sep_id = 0, 2

    # Untruncated, batched (the way sentence-transformers calls the tokenizer).
    batch = hf(qs, ds, add_special_tokens=True)
    rust_batch = rust.encode_batch(list(zip(qs, ds)))
    for i, (q, d) in enumerate(pairs):
        a = hf(q, add_special_tokens=False)["input_ids"]
        b = hf(d, add_special_tokens=False)["input_ids"] if d else []
        ids = batch["input_ids"][i]
        if kind == "bert":
            expected = [cls_id] + a + [sep_id] + b + [sep_id]
            assert ids == expected, (q, d, ids, expected)
            tti = batch["token_type_ids"][i]
            assert tti == [0] * (len(a) + 2) + [1] * (len(b) + 1), (q, d, tti)
            assert rust_batch[i].type_ids == tti
        else:
            expected = [cls_id] + a + [sep_id, sep_id] + b + [sep_id]
            assert ids == expected, (q, d, ids, expected)
            assert "token_type_ids" not in batch
        assert rust_batch[i].ids == ids, (q, d, rust_batch[i].ids, ids)
        # single (non-batched) call: identical except for the empty text_pair, which the
        # Python tokenizer's single-call API treats as "no pair" (see README).
        if d:
            assert hf(q, d)["input_ids"] == ids
            assert rust.encode(q, d).ids == ids

    # Singles (embedding model path) and truncation (longest_first) must also agree.
    for text in all_texts():
        assert hf(text)["input_ids"] == rust.encode(text).ids, text
    max_len = hf.model_max_length
    rust.enable_truncation(max_length=max_len, strategy="longest_first")
    hf_trunc = hf(qs, ds, truncation="longest_first", max_length=max_len)["input_ids"]
    for i, enc in enumerate(rust.encode_batch(list(zip(qs, ds)))):
        assert enc.ids == hf_trunc[i], (pairs[i], enc.ids, hf_trunc[i])
        assert len(enc.ids) <= max_len


# --------------------------------------------------------------------------- #
# ONNX export + verification
# --------------------------------------------------------------------------- #


class _OnnxWrapper(torch.nn.Module):
    def __init__(self, model, output: str, with_token_type_ids: bool):
        super().__init__()
        self.model = model
        self.output = output
        self.with_token_type_ids = with_token_type_ids

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if self.with_token_type_ids:
            kwargs["token_type_ids"] = token_type_ids
        out = self.model(**kwargs, return_dict=True)
        return getattr(out, self.output)


def load_single_file_onnx(onnx_dir: Path):
    """The exported onnx/model.onnx, checked: valid, and one file with no external data."""
    assert sorted(p.name for p in onnx_dir.iterdir()) == ["model.onnx"], list(onnx_dir.iterdir())
    proto = onnx.load(str(onnx_dir / "model.onnx"))
    onnx.checker.check_model(proto)
    for init in proto.graph.initializer:
        assert init.data_location != onnx.TensorProto.EXTERNAL, "external data is not allowed"
    return proto


def onnx_io(proto) -> dict:
    """The graph's opset, inputs and outputs (name, element type, shape), as golden.json records them."""

    def describe(values):
        out = []
        for v in values:
            dims = [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            out.append({"name": v.name, "type": onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type),
                        "shape": dims})
        return out

    return {"opset": ONNX_OPSET, "inputs": describe(proto.graph.input), "outputs": describe(proto.graph.output)}


def export_onnx(fixture_dir: Path, task: str, with_token_type_ids: bool) -> dict:
    """Export with the classic TorchScript exporter, then check onnxruntime == torch."""
    loader = AutoModelForSequenceClassification if task == "classification" else AutoModel
    output = "logits" if task == "classification" else "last_hidden_state"
    # Eager attention: no data-dependent SDPA shortcuts get baked into the traced graph.
    model = loader.from_pretrained(str(fixture_dir), attn_implementation="eager").eval()
    tok = AutoTokenizer.from_pretrained(str(fixture_dir))
    wrapper = _OnnxWrapper(model, output, with_token_type_ids).eval()

    input_names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_type_ids else [])
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
    dynamic_axes[output] = {0: "batch"} if output == "logits" else {0: "batch", 1: "sequence"}

    # Trace on a padded batch of two so that the attention-mask path is in the graph.
    dummy = tok(
        ["a short query", "a somewhat longer query about solar panels and electricity"],
        ["doc", "Photovoltaic cells convert sunlight directly into electricity."],
        padding=True,
        truncation=True,
        return_tensors="pt",
    )
    args = tuple(dummy[name] for name in input_names)
    onnx_dir = fixture_dir / "onnx"
    onnx_dir.mkdir(exist_ok=True)
    onnx_path = onnx_dir / "model.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            args,
            str(onnx_path),
            input_names=input_names,
            output_names=[output],
            dynamic_axes=dynamic_axes,
            opset_version=ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    proto = load_single_file_onnx(onnx_dir)

    # Check on a padded batch (all test pairs, different length than the trace).
    pairs = all_pairs()
    enc = tok([q for q, _ in pairs], [d for _, d in pairs], padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        expected = getattr(model(**{n: enc[n] for n in input_names}), output).numpy()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run([output], {n: enc[n].numpy().astype(np.int64) for n in input_names})[0]
    diff = float(np.max(np.abs(got - expected)))
    assert got.shape == expected.shape and diff <= ONNX_TOLERANCE, (got.shape, expected.shape, diff)

    info = onnx_io(proto)
    print(f"  onnx: {json.dumps(info)}; max |onnxruntime - torch| = {diff:.3g}")
    return {"session": session, "input_names": input_names, "output": output, "info": info}


# --------------------------------------------------------------------------- #
# Fixtures
# --------------------------------------------------------------------------- #


def bert_config(vocab_size: int, num_labels: int | None = None, **extra) -> BertConfig:
    kwargs = dict(
        vocab_size=vocab_size,
        max_position_embeddings=BERT_MAX_POSITION_EMBEDDINGS,
        type_vocab_size=2,
        pad_token_id=0,
        initializer_range=INIT_RANGE,
        **TINY,
        **extra,
    )
    if num_labels is not None:
        kwargs["num_labels"] = num_labels
    return BertConfig(**kwargs)


def save_via_cross_encoder(hf_dir: Path, fixture_dir: Path) -> None:
    """Load the plain transformers checkpoint with CrossEncoder and save it through
    sentence-transformers, so the directory has exactly what sentence-transformers writes."""
    ce = CrossEncoder(str(hf_dir), device="cpu")
    ce.save_pretrained(str(fixture_dir), create_model_card=False)


def effective_cross_encoder_max_length(ce: CrossEncoder, fixture_dir: Path, position_limit: int) -> int:
    tok_cfg = read_json(fixture_dir / "tokenizer_config.json")
    expected = min(tok_cfg["model_max_length"], position_limit)
    st_max = ce.max_seq_length
    print(
        f"  CrossEncoder max length: ce.max_seq_length={st_max} "
        f"(tokenizer.model_max_length={ce.tokenizer.model_max_length}; tokenizer_config model_max_length="
        f"{tok_cfg['model_max_length']}, config max_position_embeddings={ce.config.max_position_embeddings}, "
        f"usable positions={position_limit}) -> expected min={expected}"
    )
    assert st_max == expected, (st_max, expected)
    return st_max


def cross_encoder_golden(fixture_dir: Path, position_limit: int, num_labels: int, onnx_export: dict) -> dict:
    ce = CrossEncoder(str(fixture_dir), device="cpu")
    print(f"  CrossEncoder activation_fn: {ce.activation_fn!r}")
    max_length = effective_cross_encoder_max_length(ce, fixture_dir, position_limit)
    tok = AutoTokenizer.from_pretrained(str(fixture_dir))
    model = AutoModelForSequenceClassification.from_pretrained(str(fixture_dir)).eval()
    return cross_encoder_golden_of(ce, tok, model, max_length, num_labels, onnx_export)


def cross_encoder_golden_of(ce: CrossEncoder, tok, model, max_length: int, num_labels: int, onnx_export: dict) -> dict:
    """The golden cases of a loaded CrossEncoder: its predict() scores and raw logits, checked against the
    tokenizer + model with the same truncation and against onnxruntime."""
    cases = []
    for case in CASES:
        pairs = [(case["text_1"], doc) for doc in case["text_2"]]
        scores = ce.predict(pairs)  # default activation, exactly as a user would call it
        raw = ce.predict(pairs, activation_fn=torch.nn.Identity())
        features = ce.preprocess(pairs)
        tokens = features["attention_mask"].sum(dim=1).tolist()

        # Independent check: tokenizer + model with the same truncation reproduce predict().
        enc = tok([q for q, _ in pairs], [d for _, d in pairs], padding=True, truncation="longest_first",
                  max_length=max_length, return_tensors="pt")
        assert enc["attention_mask"].sum(dim=1).tolist() == tokens
        assert torch.equal(enc["input_ids"], features["input_ids"])
        with torch.no_grad():
            logits = model(**enc).logits.numpy()
        raw_np = np.asarray(raw, dtype=np.float32).reshape(logits.shape)
        assert np.max(np.abs(logits - raw_np)) <= 1e-5, (logits, raw_np)
        onnx_inputs = {n: enc[n].numpy().astype(np.int64) for n in onnx_export["input_names"]}
        onnx_logits = onnx_export["session"].run(["logits"], onnx_inputs)[0]
        assert np.max(np.abs(onnx_logits - raw_np)) <= ONNX_TOLERANCE, (onnx_logits, raw_np)

        entry = {
            "name": case["name"],
            "text_1": case["text_1"],
            "text_2": case["text_2"],
            "scores": to_floats(scores),
            "raw_scores": to_floats(raw),
            "tokens": [int(t) for t in tokens],
            # the ids sentence-transformers fed to the model (truncated, special tokens, no padding)
            "input_ids": [ids[:n] for ids, n in zip(features["input_ids"].tolist(), tokens)],
        }
        if num_labels == 1:
            sig = 1.0 / (1.0 + np.exp(-raw_np.astype(np.float64).reshape(-1)))
            assert np.asarray(scores).shape == (len(pairs),)
            assert np.max(np.abs(sig - np.asarray(scores, dtype=np.float64))) <= 1e-6, (sig, scores)
        else:
            assert np.asarray(scores).shape == (len(pairs), num_labels)
            probs = ce.predict(pairs, apply_softmax=True)
            ref = torch.softmax(torch.tensor(raw_np, dtype=torch.float64), dim=1).numpy()
            assert np.max(np.abs(ref - np.asarray(probs, dtype=np.float64))) <= 1e-6
            entry["probs"] = to_floats(probs)
        cases.append(entry)
        print(f"  {case['name']}: tokens={entry['tokens']} scores={np.round(np.asarray(scores), 4).tolist()}")

    return {
        "generator": versions(),
        "max_length": max_length,
        "truncation": "longest_first",
        "activation_fn": type(ce.activation_fn).__module__ + "." + type(ce.activation_fn).__name__,
        "cases": cases,
    }


def make_bert_cross_encoder(name: str, tok: BertTokenizer, workdir: Path, num_labels: int, seed: int,
                            id2label: dict[int, str] | None = None) -> dict:
    print(f"[{name}]")
    fixture_dir = fresh_dir(MODELS_DIR / name)
    hf_dir = fresh_dir(workdir / f"{name}-hf")
    seed_everything(seed)
    extra = {}
    if id2label is not None:
        extra = {"id2label": id2label, "label2id": {v: k for k, v in id2label.items()}}
    config = bert_config(len(tok), num_labels=num_labels, **extra)
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(str(hf_dir))
    tok.save_pretrained(str(hf_dir))
    save_via_cross_encoder(hf_dir, fixture_dir)
    verify_tokenizer(fixture_dir, "bert")
    onnx_export = export_onnx(fixture_dir, "classification", with_token_type_ids=True)
    golden = cross_encoder_golden(fixture_dir, BERT_MAX_POSITION_EMBEDDINGS, num_labels, onnx_export)
    golden["onnx"] = onnx_export["info"]
    write_json(fixture_dir / "golden.json", golden)
    return golden


def make_xlmr_cross_encoder(tok: XLMRobertaTokenizer, workdir: Path) -> dict:
    name = "xlmr-cross-encoder"
    print(f"[{name}]")
    fixture_dir = fresh_dir(MODELS_DIR / name)
    hf_dir = fresh_dir(workdir / f"{name}-hf")
    seed_everything(SEED + 2)
    config = XLMRobertaConfig(
        vocab_size=len(tok),
        max_position_embeddings=XLMR_MAX_POSITION_EMBEDDINGS,
        type_vocab_size=1,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        initializer_range=INIT_RANGE,
        num_labels=1,
        **TINY,
    )
    model = XLMRobertaForSequenceClassification(config).eval()
    model.save_pretrained(str(hf_dir))
    tok.save_pretrained(str(hf_dir))
    save_via_cross_encoder(hf_dir, fixture_dir)
    verify_tokenizer(fixture_dir, "xlmr")
    onnx_export = export_onnx(fixture_dir, "classification", with_token_type_ids=False)
    # XLM-R position ids start at padding_idx + 1, so only max_position_embeddings - 2 tokens fit.
    position_limit = XLMR_MAX_POSITION_EMBEDDINGS - (config.pad_token_id + 1)
    golden = cross_encoder_golden(fixture_dir, position_limit, 1, onnx_export)
    golden["onnx"] = onnx_export["info"]
    write_json(fixture_dir / "golden.json", golden)
    return golden


def save_mean_pooling_model(hf_dir: Path, fixture_dir: Path, model_max_length: int, max_seq_length: int) -> None:
    """Saves Transformer + Pooling(mean) + Normalize in the layout most published embedding models have.

    sentence-transformers >= 6 stores the length limit only as the tokenizer's model_max_length. Most published
    embedding models were saved by older versions and carry a `max_seq_length` in sentence_bert_config.json that is
    *smaller* than the tokenizer's model_max_length (e.g. 256 vs 512). Reproduce that layout, which
    sentence-transformers still honours when loading."""
    transformer = Transformer(str(hf_dir))
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st = SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu")
    st.save(str(fixture_dir), create_model_card=False)
    tok_cfg_path = fixture_dir / "tokenizer_config.json"
    tok_cfg = read_json(tok_cfg_path)
    tok_cfg["model_max_length"] = model_max_length
    write_json(tok_cfg_path, tok_cfg)
    sb_path = fixture_dir / "sentence_bert_config.json"
    sb_cfg = read_json(sb_path)
    sb_cfg = {"max_seq_length": max_seq_length, "do_lower_case": False, **sb_cfg}
    write_json(sb_path, sb_cfg)


def make_bert_embedding(tok: BertTokenizer, workdir: Path) -> dict:
    name = "bert-embedding"
    print(f"[{name}]")
    fixture_dir = fresh_dir(MODELS_DIR / name)
    hf_dir = fresh_dir(workdir / f"{name}-hf")
    seed_everything(SEED + 3)
    model = BertModel(bert_config(len(tok)), add_pooling_layer=True).eval()
    model.save_pretrained(str(hf_dir))
    tok.save_pretrained(str(hf_dir))

    save_mean_pooling_model(hf_dir, fixture_dir, BERT_MODEL_MAX_LENGTH, EMBEDDING_MAX_SEQ_LENGTH)

    verify_tokenizer(fixture_dir, "bert")
    onnx_export = export_onnx(fixture_dir, "embedding", with_token_type_ids=True)

    st = SentenceTransformer(str(fixture_dir), device="cpu")
    expected_max = min(EMBEDDING_MAX_SEQ_LENGTH, BERT_MODEL_MAX_LENGTH, BERT_MAX_POSITION_EMBEDDINGS)
    print(
        f"  SentenceTransformer max_seq_length={st.max_seq_length} (sentence_bert_config max_seq_length="
        f"{EMBEDDING_MAX_SEQ_LENGTH}, tokenizer_config model_max_length={BERT_MODEL_MAX_LENGTH}, "
        f"max_position_embeddings={BERT_MAX_POSITION_EMBEDDINGS}) -> expected min={expected_max}"
    )
    assert st.max_seq_length == expected_max, (st.max_seq_length, expected_max)
    print(f"  modules: {[type(m).__name__ for m in st]}")
    golden = embedding_golden(st, AutoTokenizer.from_pretrained(str(fixture_dir)), expected_max, onnx_export)
    write_json(fixture_dir / "golden.json", golden)
    return golden


def embedding_golden(st: SentenceTransformer, tok, max_length: int, onnx_export: dict) -> dict:
    """golden.json of a mean-pooling, normalising SentenceTransformer: cosine scores, token counts, embeddings and
    the ids it fed the model, checked against the tokenizer and onnxruntime."""

    def st_input_ids(text: str) -> list[int]:
        features = st.preprocess([text])
        count = int(features["attention_mask"].sum())
        ids = features["input_ids"][0].tolist()[:count]
        ref = tok(text, truncation=True, max_length=max_length)["input_ids"]
        assert ids == ref, (text, ids, ref)
        return ids

    def onnx_embed(texts: list[str]) -> np.ndarray:
        enc = tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="np")
        hidden = onnx_export["session"].run(
            ["last_hidden_state"], {n: enc[n].astype(np.int64) for n in onnx_export["input_names"]}
        )[0].astype(np.float64)
        mask = enc["attention_mask"].astype(np.float64)[:, :, None]
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    cases = []
    for case in CASES:
        q = case["text_1"]
        docs = case["text_2"]
        q_emb = st.encode([q], convert_to_numpy=True)[0]
        d_emb = st.encode(docs, convert_to_numpy=True)
        q64 = q_emb.astype(np.float64)
        scores = []
        for d in d_emb:
            d64 = d.astype(np.float64)
            scores.append(float(np.dot(q64, d64) / (np.linalg.norm(q64) * np.linalg.norm(d64))))
        q_ids = st_input_ids(q)
        d_ids = [st_input_ids(d) for d in docs]
        tokens = [len(q_ids) + len(ids) for ids in d_ids]
        ref = onnx_embed([q] + docs)
        assert np.max(np.abs(ref - np.vstack([q_emb, d_emb]).astype(np.float64))) <= ONNX_TOLERANCE
        entry = {
            "name": case["name"],
            "text_1": q,
            "text_2": docs,
            "scores": scores,
            "tokens": tokens,
            "embeddings": {"query": to_floats(q_emb), "documents": to_floats(d_emb)},
            # the ids sentence-transformers fed to the model (truncated, special tokens, no padding)
            "input_ids": {"query": q_ids, "documents": d_ids},
        }
        cases.append(entry)
        print(f"  {case['name']}: tokens={tokens} scores={np.round(scores, 4).tolist()}")

    return {
        "generator": versions(),
        "max_length": max_length,
        "truncation": "longest_first",
        "pooling": "mean",
        "normalize": True,
        "similarity": "cosine",
        "cases": cases,
        "onnx": onnx_export["info"],
    }


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #


def check_pinned_versions() -> None:
    """Warn when the installed packages differ from testdata/requirements.txt: the golden
    values are only reproducible bit-for-bit with the pinned versions."""
    from importlib.metadata import PackageNotFoundError, version

    requirements = HERE / "requirements.txt"
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, pinned = (part.strip() for part in line.split("==", 1))
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = None
        if installed is None or installed.split("+")[0] != pinned:
            print(f"WARNING: {name}=={installed} installed, {pinned} pinned in {requirements.name}; "
                  "golden values may differ from the committed ones")


def file_listing() -> list[tuple[str, int, str]]:
    rows = []
    for path in sorted(MODELS_DIR.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            rows.append((str(path.relative_to(HERE)), path.stat().st_size, digest))
    return rows


def print_listing(fixtures: set[str] | None = None) -> None:
    """Size and digest of every file of the named fixture folders (all when None), to compare runs by eye."""
    total = count = 0
    for rel, size, digest in file_listing():
        if fixtures is None or rel.split("/")[1] in fixtures:
            total += size
            count += 1
            print(f"  {size:>9}  {digest}  {rel}")
    print(f"total: {total} bytes in {count} files; elapsed {time.time() - _T0:.1f}s (imports included)")


def set_up_reference_stack() -> None:
    """Quiet, single-threaded, deterministic torch; the versions printed and checked against the pins."""
    logging.basicConfig(level=logging.WARNING)
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    print("versions:", json.dumps(versions()))
    check_pinned_versions()


def main() -> int:
    set_up_reference_stack()

    MODELS_DIR.mkdir(exist_ok=True)
    corpus = build_corpus()
    print(f"corpus: {len(corpus)} lines")
    with tempfile.TemporaryDirectory(prefix="sift-fixtures-") as tmp:
        workdir = Path(tmp)
        bert_tok = build_bert_tokenizer(corpus)
        xlmr_tok = build_xlmr_tokenizer(corpus, workdir)
        print(f"bert vocab: {len(bert_tok)}, xlm-r vocab: {len(xlmr_tok)}")

        make_bert_cross_encoder("bert-cross-encoder", bert_tok, workdir, num_labels=1, seed=SEED)
        make_xlmr_cross_encoder(xlmr_tok, workdir)
        make_bert_embedding(bert_tok, workdir)
        make_bert_cross_encoder("bert-two-label", bert_tok, workdir, num_labels=2, seed=SEED + 4,
                                id2label={0: "negative", 1: "positive"})

    print_listing()
    return 0


if __name__ == "__main__":
    sys.exit(main())
