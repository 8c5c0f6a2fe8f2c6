"""Reference ids for truncation of (query, document) pairs, from the `tokenizers` library itself.

Sift tokenizes untruncated and applies `longest_first` on the token arrays; these cases pin that to what
`Tokenizer.enable_truncation(max_length, strategy="longest_first", direction=...)` produces, from the right and
from the left, for the BERT and XLM-R fixture tokenizers. Run with the fixtures' virtualenv:

    python testdata/truncation_cases.py    # writes testdata/truncation.json
"""
import json
from pathlib import Path

from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent
PAIRS = [
    ("how do solar panels make electricity?",
     "Photovoltaic cells convert sunlight into electricity. " * 6),
    ("why " * 60, "short document"),
    ("why " * 60, "a document that is also far too long to fit " * 5),
    ("café naïve 東京 🌍", "Berlin ist die größte Stadt Deutschlands und hat viele Museen."),
    ("q", ""),
]
LENGTHS = [8, 9, 16, 17, 48]


def main() -> None:
    cases = []
    for fixture in ("bert-cross-encoder", "xlmr-cross-encoder"):
        for direction in ("right", "left"):
            for max_length in LENGTHS:
                tokenizer = Tokenizer.from_file(str(ROOT / "models" / fixture / "tokenizer.json"))
                tokenizer.enable_truncation(max_length, strategy="longest_first", direction=direction)
                for query, document in PAIRS:
                    encoding = tokenizer.encode(query, document)
                    cases.append({"fixture": fixture, "direction": direction, "max_length": max_length,
                                  "text_1": query, "text_2": document, "ids": encoding.ids,
                                  "type_ids": encoding.type_ids})
    (ROOT / "truncation.json").write_text(json.dumps({"cases": cases}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
