"""Which RealTimeQA questions the archive can answer at all: a reader's labels, and the sheet they are read from.

Why: "the gold answer is in the week's articles" (0.50 of the dev questions) and "the gold is in the passages
shown" count every place the gold's words occur, and most of those are chance: "Paris" in the Paris Agreement for
"Which travel destination reported a rise in bedbugs?", "Bear" (Delaware) for the bear at Disney World, "13" in an
iPhone 13 review. A score over all questions cannot tell a reader that misses an answer the articles hold from one
given no answer to find. So a person labels each question once, from a sheet of the sentences that hold its gold:

- ``yes``: a sentence (with its headline) answers the question: the same event or subject, the gold readable from it;
- ``partial``: the answer can only be worked out with more (one line of a ranked list, a date for "how many days");
- ``no``: every sentence holding the gold's words is about something else (another event, an earlier year's);
- a question absent from the labels has no sentence holding its gold in the articles published up to its day.

``benchmarks.realtimeqa`` scores each pipeline on each label (``answerable`` in its JSON) when the labels are there.

The bundled labels (``benchmarks/labels/realtimeqa-dev-answerable.jsonl``, the 250 dev questions of 2023-09-01 to
2023-10-27) were made on 2026-12-07 from this module's sheet: up to six sentences per question holding the gold, found
by keyword search for the gold and for the question among the articles published up to the question's day, most
question words first. Two readers labelled half each, strictly ("yes" only when the sentence's subject is the
question's); 14 drawn at random were read again by a third (all kept). Of the 250 questions (six asked twice), 51
are answerable (0.204), 58 with the partial ones (0.232); 67 hold the gold by chance only; 125 not at all. The labels
hold question ids and labels only: the readers' one-line reasons were dropped (2026-12-07, twelfth session), as
17 of them repeated five-word runs of the dataset's headlines.

Usage: ``python -m benchmarks.answerable --stores DIR --out sheet.json`` (the weekly stores of
``benchmarks.realtimeqa --stores DIR``) writes a sheet to label, for other weeks or a second reader.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import (
    DEFAULT_DATA,
    RESULTS,
    base_parser,
    contains,
    gold,
    question_day,
    read_jsonl,
    skip,
    weeks,
    write_json,
)

LABELS = Path(__file__).resolve().parent / "labels" / "realtimeqa-dev-answerable.jsonl"
KINDS = ("yes", "partial", "no", "none")
SHEET_SENTENCES = 6  # sentences shown per question
GOLD_FETCH = 600  # keyword passages read for the gold's words
QUESTION_FETCH = 300  # and for the question's


def load_labels(path: Path = LABELS) -> dict[str, str]:
    """Question id -> "yes" / "partial" / "no" (a question not listed is "none"); empty when there is no file."""
    if not path.is_file():
        return {}
    labels = {}
    for row in read_jsonl(path):
        if row.get("label") not in KINDS[:3]:
            raise ValueError(f"{path}: question {row.get('id')!r} has label {row.get('label')!r}, not one of "
                             f"{', '.join(KINDS[:3])}")
        labels[str(row["id"])] = row["label"]
    return labels


def by_label(rows: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    """One pipeline's rows scored on each label: questions, right (open), gold shown, abstained; and the share of
    questions the articles can answer. Empty when no row's question is labelled (another dataset)."""
    if not rows or not any(r["id"] in labels for r in rows):
        return {}
    counts: Counter[tuple[str, str]] = Counter()
    for r in rows:
        kind = labels.get(r["id"], "none")
        counts[kind, "questions"] += 1
        for key in ("open", "shown", "abstained"):
            counts[kind, key] += bool(r[key])
    out: dict[str, Any] = {kind: {key: counts[kind, key] for key in ("questions", "open", "shown", "abstained")}
                           for kind in KINDS}
    n = len(rows)
    yes = counts["yes", "questions"]
    out["answerable_share"] = round(yes / n, 3)
    out["answerable_or_partial_share"] = round((yes + counts["partial", "questions"]) / n, 3)
    out["open_on_answerable"] = round(counts["yes", "open"] / max(yes, 1), 3)
    out["shown_on_answerable"] = round(counts["yes", "shown"] / max(yes, 1), 3)
    out["open_by_chance"] = counts["no", "open"]  # right by a chance match: a question the articles do not answer
    return out


def _words(text: str) -> set[str]:
    """Lower-case words of four letters or more: enough to put the sentences sharing the question's words first."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def sheet(stores: Path, data: Path) -> list[dict[str, Any]]:
    """The labelling sheet: for each question (in week order), the sentences of articles published up to its day
    that hold its gold, most question words first."""
    from app import Chronicle, clear_caches, load_settings

    out = []
    for week in weeks(data):
        settings = load_settings(vectorstore_dir=stores / week.name)
        chron = Chronicle(settings)
        chron.ingest([week.gcs])  # a no-op on a kept store
        retriever = chron.retriever
        for q in read_jsonl(week.qa):
            answer, allowed = gold(q), retriever.allowed(question_day(q))
            ids = [h.chunk_id for h in retriever.keyword_hits(answer, GOLD_FETCH)]
            ids += [h.chunk_id for h in retriever.keyword_hits(q["question_sentence"], QUESTION_FETCH)]
            ids = [cid for cid in dict.fromkeys(ids) if cid.split(":")[0] in allowed]
            asked = _words(q["question_sentence"])
            found: dict[str, tuple[int, dict[str, str]]] = {}
            for p in retriever.store.passages(ids):
                for _start, _end, text in p.sentence_texts():
                    if contains(text, answer) and text.strip() not in found:
                        found[text.strip()] = (len(_words(f"{p.title} {text}") & asked),
                                               {"headline": p.title, "published": p.published or "",
                                                "sentence": text.strip()})
            best = sorted(found.values(), key=lambda x: -x[0])[:SHEET_SENTENCES]
            out.append({"id": q["question_id"], "asked": str(question_day(q)), "question": q["question_sentence"],
                        "gold": answer, "sentences_with_gold": len(found), "sentences": [s for _, s in best]})
        clear_caches(close=True)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = base_parser(__doc__, RESULTS / "answerable-sheet.json", DEFAULT_DATA)
    ap.add_argument("--stores", type=Path, required=True, help="the weekly stores (benchmarks.realtimeqa --stores)")
    args = ap.parse_args(argv)
    if not args.data.exists() or not weeks(args.data):
        return skip(f"no RealTimeQA data at {args.data}", args.out)
    rows = sheet(args.stores, args.data)
    write_json(args.out, rows)
    print(f"{len(rows)} questions, {sum(bool(r['sentences']) for r in rows)} with a sentence holding the gold: "
          f"{args.out}")
    return {"questions": len(rows)}


if __name__ == "__main__":
    main()
