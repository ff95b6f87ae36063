"""Does the plan keep the pages that answer the question? Answer-page recall at a 49,152-token budget.

    python bench/plan_recall.py

For every question of shared/corpus/longdoc/*.qa.json, plan the document with the question (docvl's
relevance-aware planner) and count the answer pages kept at >= 6 max tiles or as text. The baseline, measured in
the same run, is the naive plan: the first pages in order at 12 tiles until the budget is full.
Also printed: mean tokens used per request. Scanned documents have no text layer, so without OCR
their pages are "unknown" to the ranking (kept at one tile), which the figures show.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import corpus

from docvl.load import load_document
from docvl.pages import PageSelection
from docvl.plan import PlanSettings
from docvl.planning import Planning, plan_document
from docvl.profiles import get_profile
from docvl.render.textlayer import read_contents
from docvl.tokens import EstimateCounter

PROFILE = get_profile()
COUNTER = EstimateCounter(PROFILE.chat.template_overhead_tokens)
LEGIBLE = 6  # max tiles from which small print is read (the threshold)


def naive(doc, budget: int) -> tuple[set[int], int]:
    kept, used = set(), 0
    for p in doc.pages:
        c = PROFILE.image_tokens(PROFILE.grid(p.width, p.height, 12)) + COUNTER.count(f"Page {p.number}:\n")
        if used + c > budget:
            break
        kept.add(p.number)
        used += c
    return kept, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-mode", default="auto", choices=["auto", "image", "text", "both"])
    args = parser.parse_args()
    planning = Planning(PROFILE, PageSelection.all(), PlanSettings(page_mode=args.page_mode), COUNTER)
    print(f"--page-mode {args.page_mode}, context {planning.settings.context:,}, token estimate")
    rows = []
    for qa_path in sorted((corpus() / "longdoc").glob("*.qa.json")):
        pdf = qa_path.with_name(qa_path.name.replace(".qa.json", ".pdf"))
        doc = load_document(pdf)
        contents = read_contents(doc)
        hits = base_hits = gold_total = 0
        tokens = base_tokens = 0
        items = json.loads(qa_path.read_text())
        for item in items:
            q = item["question"]
            plan = plan_document(doc, contents, planning, system="/no_think", user=q, query=q)
            legible = {p.number for p in plan.pages if p.max_tiles >= LEGIBLE or p.mode != "image"}
            gold = set(item["pages"])
            hits += len(gold & legible)
            gold_total += len(gold)
            tokens += plan.total_tokens / len(plan.windows)
            kept, used = naive(doc, plan.page_budget)
            base_hits += len(gold & kept)
            base_tokens += used + plan.prompt_tokens
        rows.append(
            (
                pdf.name,
                len(doc.pages),
                len(items),
                hits,
                base_hits,
                gold_total,
                tokens / len(items),
                base_tokens / len(items),
            )
        )
    print(f"{'document':<40}{'pages':>6}{'qs':>4}{'recall':>8}{'naive':>7}{'tokens':>9}{'naive':>8}")
    for name, pages, qs, hits, base_hits, gold, tok, btok in rows:
        print(f"{name:<40}{pages:>6}{qs:>4}{hits / gold:>8.2f}{base_hits / gold:>7.2f}{tok:>9,.0f}{btok:>8,.0f}")
    hits = sum(r[3] for r in rows)
    base = sum(r[4] for r in rows)
    gold = sum(r[5] for r in rows)
    print(
        f"\nall: answer-page recall {hits / gold:.2f} (naive first-pages baseline {base / gold:.2f}); ratio {hits / max(base, 1):.1f}x"
    )


if __name__ == "__main__":
    main()
