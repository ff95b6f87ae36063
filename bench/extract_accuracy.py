"""Per-field accuracy of `docvl extract` on the invoices of tests/corpus against their golden JSON.

    python bench/extract_accuracy.py [--engine text] [--server URL]

Scoring (corpus README): money compared as numbers (golden files mix numbers and numeric strings),
dates as ISO dates, strings after trimming and case-folding; the golden key `desc` is template
metadata and ignored; `lines` are not scored here. A field counts when the golden file has it. The
baseline, measured in the same run, is a predictor that always answers null (what a tool that finds
nothing scores: 0).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import corpus

IGNORED = {"desc", "lines"}


def same(field: str, want, got) -> bool:
    if got is None:
        return False
    if isinstance(want, int | float) or field.startswith("amount") or field in {"qty", "price"}:
        try:
            return abs(float(want) - float(got)) < 0.005
        except (TypeError, ValueError):
            return False
    if field.startswith("date"):
        try:
            return date.fromisoformat(str(want)) == date.fromisoformat(str(got))
        except ValueError:
            return False
    return " ".join(str(want).split()).casefold() == " ".join(str(got).split()).casefold()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="text")
    ap.add_argument("--server")
    args = ap.parse_args()
    invoices = corpus() / "invoices"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "docvl", "extract", str(invoices), "--schema", str(invoices / "schemas" / "invoice.json"),
               "-o", str(out), "--engine", args.engine]  # fmt: skip
        if args.server:
            cmd += ["--server", args.server]
        subprocess.run(cmd, check=False, stderr=subprocess.DEVNULL)
        records = {Path(r["_file"]).stem: r for r in map(json.loads, out.read_text().splitlines())}
    per_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # field -> [right, total]
    print(f"{'invoice':<20}{'fields':>7}{'right':>7}  wrong or missing")
    for gold_path in sorted(invoices.glob("*.json")):
        if gold_path.name == "manifest.json":
            continue
        gold = json.loads(gold_path.read_text())[0]
        got = records.get(gold_path.stem, {})
        right, misses = 0, []
        for field, want in gold.items():
            if field in IGNORED:
                continue
            ok = same(field, want, got.get(field))
            per_field[field][0] += ok
            per_field[field][1] += 1
            right += ok
            if not ok:
                misses.append(f"{field}={got.get(field)!r} (want {want!r})")
        total = sum(1 for f in gold if f not in IGNORED)
        print(f"{gold_path.stem:<20}{total:>7}{right:>7}  {'; '.join(misses)[:300]}")
    right = sum(r for r, _ in per_field.values())
    total = sum(t for _, t in per_field.values())
    print()
    print(f"{'field':<18}{'right':>6}{'of':>5}")
    for field, (r, t) in sorted(per_field.items(), key=lambda kv: -kv[1][1]):
        print(f"{field:<18}{r:>6}{t:>5}")
    print()
    print(
        f"engine {args.engine}: {right}/{total} fields right = {right / total:.1%}; always-null baseline: 0/{total} = 0.0%"
    )


if __name__ == "__main__":
    main()
