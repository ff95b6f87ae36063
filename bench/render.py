"""Render speed: docvl load + plan + render against raw PyMuPDF get_pixmap at the same pixel sizes.

    python bench/render.py [--repeat 3]

The baseline is the least any tool must do to produce the same pixels: open the PDF and call
get_pixmap for every page at its grid size and its 512-px thumbnail. docvl adds loading (content
sniffing, page sizes), planning and turning each pixmap into an RGB PIL image. Both are timed in the
same run, best of --repeat. Also timed: the pdfium and poppler renderers, and render + encode (what an
HTTP engine sends) in one process against 2 worker processes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import born_digital, scanned

from docvl.load import load_document
from docvl.planner import plan_pages
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages
from docvl.tokens import EstimateCounter

PROFILE = get_profile()
COUNTER = EstimateCounter(PROFILE.chat.template_overhead_tokens)


def docvl_run(path: Path, renderer: str = "pymupdf", workers: int = 1, encode: str | None = None) -> int:
    doc = load_document(path)
    plan = plan_pages(doc.pages, profile=PROFILE, counter=COUNTER, system="/no_think", user="")
    requests = [PageRequest(p.number, p.grid(PROFILE.tile_size)) for p in plan.pages]
    n = 0
    for page in render_pages(doc, requests, renderer=renderer, workers=workers, encode=encode):
        if encode:
            assert page.encoded.size == page.grid.pixel_size
        else:
            assert page.image.size == page.grid.pixel_size
        n += 1
    return n


def sizes_for(path: Path) -> list[list[tuple[int, int]]]:
    doc = load_document(path)
    plan = plan_pages(doc.pages, profile=PROFILE, counter=COUNTER, system="/no_think", user="")
    out = []
    for p in plan.pages:
        grid = p.grid(PROFILE.tile_size)
        out.append([grid.pixel_size, *([grid.thumbnail_size] if grid.thumbnail else [])])
    return out


def raw_run(path: Path, sizes: list[list[tuple[int, int]]]) -> int:
    with pymupdf.open(path) as pdf:
        for index, page_sizes in enumerate(sizes):
            page = pdf.load_page(index)
            rect = page.rect
            for w, h in page_sizes:
                pix = page.get_pixmap(matrix=pymupdf.Matrix(w / rect.width, h / rect.height), alpha=False)
                assert (pix.width, pix.height) == (w, h)
    return len(sizes)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, PyMuPDF {pymupdf.VersionBind}, best of {args.repeat}")
    print(f"{'document':<22}{'pages':>6}{'variant':>26}{'s':>8}{'pages/s':>9}{'vs raw':>8}")
    for label, path in (("born-digital", born_digital()), ("scanned (image-only)", scanned())):
        sizes = sizes_for(path)
        n = len(sizes)
        raw = best(lambda p=path, s=sizes: raw_run(p, s), args.repeat)
        rows = [("raw PyMuPDF get_pixmap", raw)]
        rows.append(("docvl (pymupdf)", best(lambda p=path: docvl_run(p), args.repeat)))
        rows.append(("docvl --renderer pdfium", best(lambda p=path: docvl_run(p, "pdfium"), args.repeat)))
        if shutil.which("pdftoppm"):
            rows.append(("docvl --renderer poppler", best(lambda p=path: docvl_run(p, "poppler"), 1)))
        for fmt in ("jpeg", "png"):
            for workers in (1, 2):
                rows.append(
                    (
                        f"+ {fmt} encode, {workers} proc",
                        best(lambda p=path, f=fmt, w=workers: docvl_run(p, workers=w, encode=f), args.repeat),
                    )
                )
        for name, secs in rows:
            print(f"{label:<22}{n:>6}{name:>26}{secs:>8.2f}{n / secs:>9.1f}{secs / raw:>7.2f}x")
        t = dict(rows)
        for fmt in ("jpeg", "png"):
            speedup = t[f"+ {fmt} encode, 1 proc"] / t[f"+ {fmt} encode, 2 proc"]
            print(f"{'':<22}{'':>6}{f'2-process speed-up ({fmt})':>26}{speedup:>16.2f}x")
        print()


if __name__ == "__main__":
    main()
