"""Benchmark documents, built once from the corpus (tests/corpus) into bench/.cache/."""

from __future__ import annotations

import os
from pathlib import Path

import pymupdf

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


def corpus() -> Path:
    """tests/corpus, or the folder DOCVL_CORPUS names (same layout)."""
    found = Path(os.environ.get("DOCVL_CORPUS") or HERE.parent / "tests" / "corpus")
    if not (found / "longdoc").is_dir():
        raise SystemExit(f"corpus not found at {found} (tests/corpus, or DOCVL_CORPUS)")
    return found


def _concat(target: Path, sources: list[Path], pages: int) -> Path:
    if target.exists():
        return target
    CACHE.mkdir(exist_ok=True)
    out = pymupdf.open()
    while out.page_count < pages:
        for src in sources:
            with pymupdf.open(src) as doc:
                out.insert_pdf(doc)
    out.select(list(range(pages)))
    out.save(target, garbage=3, deflate=True)
    out.close()
    return target


def born_digital(pages: int = 234) -> Path:
    """Real generated reports, manuals and contracts (text, tables, raster charts), repeated."""
    longdoc = corpus() / "longdoc"
    names = ["nordavik_annual_report_2023.pdf", "vireo_x4_service_manual.pdf", "msa_halvorsen_brightwater.pdf"]
    return _concat(CACHE / f"born_digital_{pages}.pdf", [longdoc / n for n in names], pages)


def scanned(pages: int = 200) -> Path:
    """Image-only pages (150 dpi greyscale JPEG scans), repeated."""
    return _concat(
        CACHE / f"scanned_{pages}.pdf", [corpus() / "longdoc" / "msa_halvorsen_brightwater_scanned.pdf"], pages
    )


def tiny_pages(pages: int) -> Path:
    """Nearly empty A5 pages like the corpus's 1,500-page ledger: memory, not rendering, is what is measured."""
    return _concat(CACHE / f"ledger_{pages}.pdf", [corpus() / "broken" / "pages_1500.pdf"], pages)
