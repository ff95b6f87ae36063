"""How well `docvl ask` with the text engine answers the long-document questions of tests/corpus.

    python bench/ask_accuracy.py [--scanned]

For every question of longdoc/*.qa.json (born-digital documents; --scanned adds the image-only copy,
read with OCR when the `ocr` extra is installed, slow): answer accuracy = the golden answer appears in
the output (numbers also matched without thousands separators, dates also as printed, e.g.
"14 September 2023"), and page recall = share of golden answer pages among the pages cited. The
baseline, measured in the same run, cites the first three pages of every document.
Chart-only answers exist only as pixels: no text engine can get them, and they are counted all the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import corpus

from docvl.engines.text_engine import TextEngine
from docvl.options import PlanningOptions
from docvl.tasks.ask import AskOptions, ask_document


def forms(answer) -> list[str]:
    text = str(answer)
    out = [text]
    if isinstance(answer, int | float):
        num = float(answer)
        out += (
            [f"{num:,.1f}", f"{num:,.0f}", f"{num:,.2f}", f"{num:g}"]
            if not num.is_integer()
            else [f"{int(num):,}", str(int(num))]
        )
    try:
        d = date.fromisoformat(text)
        out.append(f"{d.day} {d.strftime('%B')} {d.year}")
    except ValueError:
        pass
    return list(dict.fromkeys(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scanned", action="store_true")
    ap.add_argument("--strategy", default="auto", choices=["auto", "single", "map-reduce"])
    args = ap.parse_args()
    cfg = PlanningOptions(max_output=1024, strategy=args.strategy).build()
    print(f"--strategy {args.strategy}")
    engine = TextEngine()
    totals = {"n": 0, "right": 0, "recall": 0.0, "base_recall": 0.0}
    by_source: dict[str, list[int]] = {}
    for qa_path in sorted((corpus() / "longdoc").glob("*.qa.json")):
        pdf = qa_path.with_name(qa_path.name.replace(".qa.json", ".pdf"))
        if "scanned" in pdf.name and not args.scanned:
            continue
        right = 0
        items = json.loads(qa_path.read_text())
        for item in items:
            result = ask_document(pdf, AskOptions(question=item["question"]), engine=engine, planning=cfg)
            text = (result.answer or "").replace("\u202f", " ")
            ok = any(f.lower() in text.lower() for f in forms(item["answer"]))
            gold = set(item["pages"])
            recall = len(gold & set(result.pages)) / len(gold)
            base = len(gold & {1, 2, 3}) / len(gold)
            right += ok
            totals["n"] += 1
            totals["right"] += ok
            totals["recall"] += recall
            totals["base_recall"] += base
            by_source.setdefault(item["source"], [0, 0])
            by_source[item["source"]][0] += ok
            by_source[item["source"]][1] += 1
        print(f"{pdf.name:<42} {right:>2}/{len(items)} answers contained")
    n = totals["n"]
    print()
    for source, (r, t) in sorted(by_source.items()):
        print(f"  source {source:<12} {r:>2}/{t}")
    print(
        f"\ntext engine: {totals['right']}/{n} answers contained = {totals['right'] / n:.1%}; "
        f"answer-page recall {totals['recall'] / n:.2f} (baseline 'first three pages': {totals['base_recall'] / n:.2f})"
    )


if __name__ == "__main__":
    main()
