"""Shared fixtures: the corpus (tests/corpus), generated documents and an in-process CLI runner."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pymupdf
import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"  # in the repository (tests/corpus/README.md: what, how made, licences)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """tests/corpus, or the folder DOCVL_CORPUS names (same layout: broken/, invoices/, longdoc/)."""
    found = Path(os.environ.get("DOCVL_CORPUS") or CORPUS)
    if not (found / "broken" / "index.json").is_file():
        # never a skip: the corpus ships with the repository, so a missing one is a broken checkout
        pytest.fail(f"corpus not found at {found} (tests/corpus, or DOCVL_CORPUS): the checkout is incomplete")
    return found


LOREM = (
    "The quarterly review covers revenue, margins and the outlook for the coming year. "
    "Operating costs rose while freight volumes fell in the second half."
)


def make_pdf(
    path: Path,
    pages: int = 3,
    size: tuple[float, float] = (612, 792),
    text: str | None = None,
    rotate: int = 0,
) -> Path:
    """A born-digital PDF: a heading and body text per page, and a 'Page N' footer."""
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page(width=size[0], height=size[1])
        page.insert_text((50, 60), f"Section {n} heading", fontsize=16)
        page.insert_textbox(pymupdf.Rect(50, 80, size[0] - 50, size[1] - 80), text or LOREM, fontsize=11)
        page.insert_text((size[0] / 2 - 20, size[1] - 30), f"Page {n}", fontsize=9)
        if rotate:
            page.set_rotation(rotate)
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def pdf_factory(tmp_path):
    def factory(name: str = "doc.pdf", **kwargs) -> Path:
        return make_pdf(tmp_path / name, **kwargs)

    return factory


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run `docvl ARGS` in-process through the real entry point; returns exit code, stdout, stderr."""
    from docvl.cli import main

    monkeypatch.setenv("COLUMNS", "160")

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["docvl", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def stub():
    """A recorded-response vLLM server on 127.0.0.1 (tests/vllm_stub.py)."""
    from tests.vllm_stub import StubServer

    server = StubServer()
    yield server
    server.close()
