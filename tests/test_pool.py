"""Worker processes (docvl.pool): a batch for a server reads and draws its documents in them, and what the
user gets is what one process gives: the same pages sent, the same errors, the same warnings."""

from __future__ import annotations

import json
import os
import warnings

import pymupdf
import pytest

from docvl.errors import CorruptFile
from docvl.pages import PageSelection
from docvl.pool import DocumentPool
from docvl.tasks.pipeline import collecting_warnings
from tests.vllm_stub import Scripted, StubServer, completion

pytestmark = pytest.mark.slow  # starts worker processes (about a second each time)


def _warns(value: int) -> int:
    """Runs in a worker: a library that warns while a document is read."""
    warnings.warn("careful", RuntimeWarning, stacklevel=1)
    warnings.warn("careful", RuntimeWarning, stacklevel=1)
    return value * 2


def _dies(value: int) -> int:
    """Runs in a worker: a PDF library crashing on a hostile file (negative value) takes the process."""
    if value < 0:
        os._exit(3)
    return value


@pytest.fixture(scope="module")
def pool():
    pool = DocumentPool(2)
    yield pool
    pool.close()


def test_a_worker_s_warnings_belong_to_the_document_it_was_reading(pool, tmp_path):
    with collecting_warnings() as caught:
        assert pool._call(tmp_path / "a.pdf", _warns, 21) == 42
    assert [w.message for w in caught.warnings()] == ["a library warned: RuntimeWarning: careful (2 times)"]


def test_a_file_that_kills_its_worker_fails_alone_and_the_pool_goes_on(tmp_path):
    pool = DocumentPool(2)
    try:
        with pytest.raises(CorruptFile, match="crash") as caught:
            pool._call(tmp_path / "hostile.pdf", _dies, -1)
        assert caught.value.path == str(tmp_path / "hostile.pdf") and caught.value.fix
        assert [pool._call(tmp_path / "next.pdf", _dies, n) for n in (1, 2, 3)] == [1, 2, 3]
    finally:
        pool.close()


def test_a_problem_with_the_file_arrives_as_the_same_error_with_its_fix(pool, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    with pytest.raises(CorruptFile) as caught:
        pool.analyse(broken, password=None, selection=PageSelection.parse(None), dpi=200)
    assert caught.value.fix and caught.value.path == str(broken)


def _photo_pdf(path, seed: int):
    doc = pymupdf.open()
    page = doc.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 80), False)
    pix.set_rect(pix.irect, (seed * 40 % 255, 90, 160))
    page.insert_image(pymupdf.Rect(50, 50, 550, 750), pixmap=pix)
    page.insert_text((50, 40), f"Invoice INV-{seed}")
    doc.save(path)
    return path


def test_a_batch_through_workers_sends_what_one_process_sends(run_cli, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(4):
        _photo_pdf(folder / f"d{n}.pdf", n)
    (folder / "d9.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"invoice_number": {"type": "string"}}}))
    runs = {}
    for workers in ("1", "2"):
        stub = StubServer(default=lambda body: Scripted(body=completion('{"invoice_number": "INV"}')))
        try:
            out = tmp_path / f"out{workers}.jsonl"
            result = run_cli("extract", folder, "--schema", schema, "--server", stub.url, "--concurrency", "4",
                             "--workers", workers, "-o", out)  # fmt: skip
            assert result.code == 1  # the broken file
            rows = [json.loads(line) for line in out.read_text().splitlines()]
            images = sorted(
                c["image_url"]["url"]
                for body in stub.requests
                for c in body["messages"][1]["content"]
                if c["type"] == "image_url"
            )
            runs[workers] = ([(r["_file"].rsplit("/", 1)[-1], r["_status"]) for r in rows], images, result.err)
        finally:
            stub.close()
    assert runs["1"][0] == runs["2"][0] == [(f"d{n}.pdf", "ok") for n in range(4)]  # failures: on stderr
    assert len(runs["2"][1]) == 4 and runs["1"][1] == runs["2"][1]  # the very same JPEG bytes
    assert "d9.pdf" in runs["2"][2] and "repair it" in runs["2"][2]


def test_pages_read_quickly_are_read_in_full_before_a_long_document_is_ranked(tmp_path):
    """Image pages read without the reading-order pass plan exactly as fully read ones, short or long."""
    from docvl.load import load_document
    from docvl.load.textlayer import read_contents, reading_order
    from docvl.options import PlanningOptions
    from docvl.planning import plan_document
    from tests.test_api import SAMPLE

    doc = load_document(SAMPLE)
    for context, page_mode in ((49_152, "auto"), (8_192, "auto"), (49_152, "image"), (8_192, "image")):
        cfg = PlanningOptions(context=context, page_mode=page_mode).build()
        system = cfg.profile.chat.no_think_system
        full = read_contents(doc)
        quick = read_contents(doc, order=reading_order(page_mode))
        assert any(not c.ordered for c in quick.values())  # the sample has pages that go as images
        question = "What is the monthly platform availability target?"
        want = plan_document(doc, full, cfg, system=system, user=question, query=question)
        got = plan_document(doc, quick, cfg, system=system, user=question, query=question)
        assert [(p.number, p.mode, p.max_tiles) for p in got.pages] == [
            (p.number, p.mode, p.max_tiles) for p in want.pages
        ]
        assert all(c.ordered for c in quick.values()) == (not want.fits_whole)
