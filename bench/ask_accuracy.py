"""How well `docvl ask` with the text engine answers the long-document questions of tests/corpus: a call of
`docvl eval qa`, with the bench's baseline beside it.

    python bench/ask_accuracy.py [--scanned] [--strategy auto|single|map-reduce]

Runs `docvl eval qa` (text engine) on the born-digital documents of longdoc/ (--scanned adds the image-only
copy, read with OCR when the `ocr` extra is installed: slow) and prints its figures: accuracy as the
public benchmarks score it (docvl.evaluate.scoring), cited-page precision and recall, and whether the
answer page was sent at all. The baseline, measured in the same run from the same items, cites the first
three pages of every document. Chart-only answers exist only as pixels: no text engine can get them, and
they are counted all the same.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scanned", action="store_true")
    ap.add_argument("--strategy", default="auto", choices=["auto", "single", "map-reduce"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "longdoc"
        data.mkdir()
        for qa in sorted((corpus() / "longdoc").glob("*.qa.json")):
            if "scanned" in qa.name and not args.scanned:
                continue
            shutil.copy(qa, data / qa.name)
            shutil.copy(qa.with_name(qa.name.replace(".qa.json", ".pdf")), data)
        report = Path(tmp) / "eval.json"
        cmd = [sys.executable, "-m", "docvl", "eval", "qa", str(data), "--engine", "text", "--strategy", args.strategy,
               "--max-output", "1024", "--json", str(report)]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        print(done.stdout)
        if done.returncode != 0 or not report.exists():
            print(f"docvl eval failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
            sys.exit(1)
        result = json.loads(report.read_text())
    items = result["items"]
    base = [len(set(i["gold_pages"]) & {1, 2, 3}) / len(i["gold_pages"]) for i in items if i["gold_pages"]]
    h = result["headline"]
    print(
        f"text engine (--strategy {args.strategy}): accuracy {h['accuracy']:.3f} over {h['items']} questions; "
        f"cited-page recall {h['page_recall']:.2f} (baseline 'first three pages': {sum(base) / len(base):.2f}); "
        f"answer page sent {h['sent_recall']:.2f}"
    )


if __name__ == "__main__":
    main()
