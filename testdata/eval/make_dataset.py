#!/usr/bin/env python3
"""Writes testdata/eval/tiny: a small, deterministic BEIR-layout relevance dataset for `sift eval`'s tests.

    python3 testdata/eval/make_dataset.py        # standard library only; rewrites the files below

tiny/corpus.jsonl       60 documents ({"_id", "title", "text"}), five per topic
tiny/queries.jsonl      13 queries ({"_id", "text"}); q13 has no judgments (eval skips it)
tiny/qrels/test.tsv     BEIR qrels with header, graded 0-2 (2: answers the query, 1: on topic, 0: judged not relevant)
tiny/candidates.trec    a TREC run of 20 first-stage candidates per judged query (its topic's documents, all but
                        one for q03 so that recall stays below 1, and random others), scored like a lexical retriever
tiny/qrels.trec         the same judgments in TREC layout (qid 0 docid rel)
tiny/queries.tsv, tiny/corpus.tsv   the same texts as TSV (id<TAB>text; the corpus title and text joined by a space)
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "tiny"

# topic: (query, [(title, text, relevance)] * 5)
TOPICS = [
    ("What is the capital of France?", [
        ("Paris", "Paris is the capital and most populous city of France.", 2),
        ("France", "France is a country in Western Europe whose capital is Paris.", 2),
        ("Eiffel Tower", "The Eiffel Tower is a wrought-iron tower in Paris, France.", 1),
        ("Lyon", "Lyon is the third-largest city of France.", 1),
        ("French cuisine", "French cuisine is known for bread, cheese and wine.", 0)]),
    ("How do bees make honey?", [
        ("Honey", "Bees make honey by collecting nectar and evaporating it in the hive.", 2),
        ("Nectar", "Worker bees store nectar in wax cells and fan it until it thickens into honey.", 2),
        ("Beekeeping", "Beekeepers keep colonies of bees in hives.", 1),
        ("Pollination", "Bees pollinate flowers while collecting pollen.", 1),
        ("Wasps", "Wasps are insects related to bees that do not make honey.", 0)]),
    ("Who wrote Pride and Prejudice?", [
        ("Jane Austen", "Jane Austen wrote Pride and Prejudice, published in 1813.", 2),
        ("Pride and Prejudice", "Pride and Prejudice is a novel by Jane Austen.", 2),
        ("Regency era", "Austen's novels are set in the English Regency era.", 1),
        ("Emma", "Emma is another novel by Jane Austen.", 1),
        ("Charles Dickens", "Charles Dickens wrote Oliver Twist.", 0)]),
    ("What causes rain?", [
        ("Rain", "Rain forms when water vapour condenses into droplets heavy enough to fall.", 2),
        ("Clouds", "Clouds are made of condensed water droplets; when they grow heavy it rains.", 2),
        ("Water cycle", "The water cycle moves water between the sea, the air and the land.", 1),
        ("Humidity", "Humidity is the amount of water vapour in the air.", 1),
        ("Umbrella", "An umbrella keeps you dry in the rain.", 0)]),
    ("How does a bicycle stay upright?", [
        ("Bicycle stability", "A moving bicycle stays upright because the rider steers into the fall.", 2),
        ("Trail", "The front wheel's trail makes a bicycle steer itself into a lean.", 2),
        ("Gyroscopic effect", "Spinning wheels add a small gyroscopic effect to a bicycle.", 1),
        ("Cycling", "Cycling is a popular way to commute in the Netherlands.", 0),
        ("Tandem", "A tandem is a bicycle for two riders.", 1)]),
    ("What is photosynthesis?", [
        ("Photosynthesis", "Photosynthesis is how plants turn light, water and carbon dioxide into sugar.", 2),
        ("Chlorophyll", "Chlorophyll absorbs the light that drives photosynthesis in leaves.", 2),
        ("Oxygen", "Plants release oxygen as a by-product of photosynthesis.", 1),
        ("Leaves", "Leaves change colour in autumn.", 0),
        ("Algae", "Algae also photosynthesise, in water.", 1)]),
    ("When did the Berlin Wall fall?", [
        ("Berlin Wall", "The Berlin Wall fell on 9 November 1989.", 2),
        ("German reunification", "The fall of the Berlin Wall in 1989 led to German reunification in 1990.", 2),
        ("Cold War", "The Berlin Wall was a symbol of the Cold War.", 1),
        ("Berlin", "Berlin is the capital and largest city of Germany.", 0),
        ("Checkpoint Charlie", "Checkpoint Charlie was a crossing point in the Berlin Wall.", 1)]),
    ("How many legs does a spider have?", [
        ("Spiders", "Spiders have eight legs and two body segments.", 2),
        ("Arachnids", "Arachnids, such as spiders and scorpions, have eight legs.", 2),
        ("Insects", "Insects have six legs, unlike spiders.", 1),
        ("Spider webs", "Spiders spin webs of silk to catch prey.", 1),
        ("Crabs", "Crabs have ten legs.", 0)]),
    ("What is the boiling point of water?", [
        ("Boiling point", "Water boils at 100 degrees Celsius at sea level.", 2),
        ("Altitude", "At high altitude water boils below 100 degrees Celsius.", 2),
        ("Steam", "Boiling water turns into steam.", 1),
        ("Ice", "Water freezes at 0 degrees Celsius.", 0),
        ("Kettles", "An electric kettle boils water quickly.", 1)]),
    ("Who painted the Mona Lisa?", [
        ("Mona Lisa", "The Mona Lisa was painted by Leonardo da Vinci.", 2),
        ("Leonardo da Vinci", "Leonardo da Vinci painted the Mona Lisa in the early 1500s.", 2),
        ("Louvre", "The Mona Lisa hangs in the Louvre in Paris.", 1),
        ("Renaissance", "Leonardo was a painter of the Italian Renaissance.", 1),
        ("Van Gogh", "Vincent van Gogh painted The Starry Night.", 0)]),
    ("What is the largest planet?", [
        ("Jupiter", "Jupiter is the largest planet in the Solar System.", 2),
        ("Gas giants", "The gas giant Jupiter is more massive than all other planets combined.", 2),
        ("Saturn", "Saturn is the second-largest planet.", 1),
        ("Great Red Spot", "Jupiter's Great Red Spot is a giant storm.", 1),
        ("Mercury", "Mercury is the smallest planet.", 0)]),
    ("How do vaccines work?", [
        ("Vaccines", "Vaccines train the immune system to recognise a pathogen.", 2),
        ("Immunity", "A vaccine makes the body produce antibodies without causing the disease.", 2),
        ("Antibodies", "Antibodies are proteins that bind to pathogens.", 1),
        ("Edward Jenner", "Edward Jenner developed the smallpox vaccine.", 1),
        ("Antibiotics", "Antibiotics treat bacterial infections.", 0)]),
]
UNJUDGED_QUERY = "Which is the longest river in Africa?"
CANDIDATES = 20
SEED = 14


def main() -> None:
    rng = random.Random(SEED)
    (OUT / "qrels").mkdir(parents=True, exist_ok=True)
    docs: list[dict] = []
    queries: list[dict] = []
    qrels: list[tuple[str, str, int]] = []
    for t, (query, entries) in enumerate(TOPICS):
        qid = f"q{t + 1:02d}"
        queries.append({"_id": qid, "text": query})
        for j, (title, text, rel) in enumerate(entries):
            did = f"d{t * 5 + j + 1:03d}"
            docs.append({"_id": did, "title": title, "text": text})
            qrels.append((qid, did, rel))
    queries.append({"_id": f"q{len(TOPICS) + 1:02d}", "text": UNJUDGED_QUERY})

    run: list[tuple[str, str, int, float]] = []
    all_ids = [d["_id"] for d in docs]
    for t in range(len(TOPICS)):
        qid = f"q{t + 1:02d}"
        topic = [f"d{t * 5 + j + 1:03d}" for j in range(5)]
        own = topic[1:] if qid == "q03" else topic  # q03: a relevant document the first stage missed
        others = rng.sample([d for d in all_ids if d not in topic], CANDIDATES - len(own))
        picked = own + others
        rng.shuffle(picked)
        scores = sorted((round(rng.uniform(1, 20), 3) for _ in picked), reverse=True)
        run += [(qid, d, r + 1, s) for r, (d, s) in enumerate(zip(picked, scores))]

    with open(OUT / "corpus.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    with open(OUT / "queries.jsonl", "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    with open(OUT / "qrels" / "test.tsv", "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q, d, r in qrels:
            f.write(f"{q}\t{d}\t{r}\n")
    with open(OUT / "qrels.trec", "w", encoding="utf-8") as f:
        for q, d, r in qrels:
            f.write(f"{q} 0 {d} {r}\n")
    with open(OUT / "corpus.tsv", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(f"{d['_id']}\t{d['title']} {d['text']}\n")
    with open(OUT / "queries.tsv", "w", encoding="utf-8") as f:
        for q in queries:
            f.write(f"{q['_id']}\t{q['text']}\n")
    with open(OUT / "candidates.trec", "w", encoding="utf-8") as f:
        for q, d, r, s in run:
            f.write(f"{q} Q0 {d} {r} {s} firststage\n")


if __name__ == "__main__":
    main()
