"""Per-field accuracy of `docvl extract` on the invoices of tests/corpus against their golden JSON: a call of
`docvl extract` and `docvl eval extract --pred`, with the bench's baseline beside it.

    python bench/extract_accuracy.py [--engine text] [--server URL]

Scoring is `docvl eval`'s (docvl.evaluate): money and numbers compared as numbers whatever their
formatting, dates as dates, strings after normalising; a null where the golden record has no value is a
right abstention; line items matched one to one. The golden key `desc` is template metadata and ignored.
The baseline, measured in the same run, is a predictor that always answers null (what a tool that finds
nothing scores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="text")
    ap.add_argument("--server")
    args = ap.parse_args()
    invoices = corpus() / "invoices"
    schema = invoices / "schemas" / "invoice.json"
    with tempfile.TemporaryDirectory() as tmp:
        out, report, empty = Path(tmp) / "out.jsonl", Path(tmp) / "eval.json", Path(tmp) / "null.jsonl"
        cmd = [sys.executable, "-m", "docvl", "extract", str(invoices), "--schema", str(schema), "-o", str(out),
               "--engine", args.engine]  # fmt: skip
        if args.server:
            cmd += ["--server", args.server]
        subprocess.run(cmd, check=False, stderr=subprocess.DEVNULL)
        evaluate = [sys.executable, "-m", "docvl", "eval", "extract", str(invoices), "--schema", str(schema)]
        done = subprocess.run([*evaluate, "--pred", str(out), "--json", str(report)], capture_output=True, text=True)
        print(done.stdout)
        empty.write_text("")
        null = Path(tmp) / "null.json"
        subprocess.run([*evaluate, "--pred", str(empty), "--json", str(null)], capture_output=True, text=True)
        h, b = json.loads(report.read_text())["headline"], json.loads(null.read_text())["headline"]
    f1 = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    print(
        f"engine {args.engine}: field precision {f1(h['field_precision'])}, recall {f1(h['field_recall'])}, "
        f"F1 {f1(h['field_f1'])}, records exact {f1(h['record_exact'])}; always-null baseline: F1 {f1(b['field_f1'])}, "
        f"records exact {f1(b['record_exact'])}"
    )


if __name__ == "__main__":
    main()
