"""Peak memory of `docvl plan` on a 100-page and a 1,500-page PDF.

    python bench/memory.py

Each run is a fresh `python -m docvl plan FILE` process; its peak RSS comes from wait4(). Pages are
loaded lazily (only their sizes are read), so the 1,500-page plan should cost only the plan itself.
Target: under 50 MB growth from 100 to 1,500 pages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import tiny_pages


def peak_rss_mb(args: list[str]) -> float:
    proc = subprocess.Popen([sys.executable, "-m", "docvl", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"docvl {' '.join(args)} failed: {proc.stderr.read().decode()}")
    return usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    docs = {n: tiny_pages(n) for n in (100, 1500)}
    baseline = peak_rss_mb(["--version"])
    print(f"python -m docvl --version (imports only): {baseline:.1f} MB peak RSS")
    print(f"{'command':<28}{'100 pages':>12}{'1,500 pages':>14}{'growth':>10}")
    for label, extra in (("docvl plan (table)", []), ("docvl plan --json", ["--json"])):
        small, large = (peak_rss_mb(["plan", str(docs[n]), *extra]) for n in (100, 1500))
        print(f"{label:<28}{small:>9.1f} MB{large:>11.1f} MB{large - small:>7.1f} MB")


if __name__ == "__main__":
    main()
