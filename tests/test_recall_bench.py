"""The plan-recall bench's own inputs (bench/recall_docs): the hand-written paraphrases match the questions of
tests/corpus/longdoc, and the generator builds its two documents with every question on real pages (measured anchors,
scanned pages without a text layer, an outline). It does not run docvl's ranking: bench/plan_recall.py does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pymupdf
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
PARAPHRASES = BENCH / "recall_docs" / "paraphrases.json"
KINDS = {"text", "table", "dept-table", "chart", "two-page", "scanned", "generic"}


def _make():
    sys.path.insert(0, str(BENCH / "recall_docs"))
    import make

    return make


def test_paraphrases_reword_every_corpus_question():
    items = json.loads(PARAPHRASES.read_text())
    assert len(items) == 60
    for item in items:
        assert item["paraphrase"].strip() and item["paraphrase"] != item["question"]
        assert item["kind"] in KINDS
        assert (item["kind"] == "two-page") == (len(item["pages"]) > 1)
    qas = sorted((BENCH.parent / "tests" / "corpus" / "longdoc").glob("*.qa.json"))  # these files, not DOCVL_CORPUS
    assert {qa.name for qa in qas} == {i["file"] for i in items}
    for qa in qas:
        questions = {q["question"]: q["pages"] for q in json.loads(qa.read_text())}
        mine = {i["question"]: i["pages"] for i in items if i["file"] == qa.name}
        assert mine == questions, qa.name


@pytest.mark.slow
def test_generator_builds_documents_with_located_questions(tmp_path):
    make = _make()
    built = {}
    for factory in make.builders():
        pdf, qa = factory().build(tmp_path)
        built[pdf.stem] = (pdf, qa)
    assert set(built) == {"larkhaven_budget_2025", "lindenhoehe_uvp"}
    for name, (pdf, qa) in built.items():
        with pymupdf.open(pdf) as doc:
            count = doc.page_count
            assert count >= (320 if name.startswith("larkhaven") else 120)
            assert len(doc.get_toc()) > 10
            blank = {p.number + 1 for p in doc if not p.get_text().strip()}
        assert len([q for q in qa if q["kind"] != "generic"]) >= (20 if name.startswith("larkhaven") else 15)
        for q in qa:
            assert q["kind"] in KINDS
            assert q["pages"] and all(1 <= p <= count for p in q["pages"])
            assert bool(set(q["pages"]) & blank) == (q["kind"] == "scanned")
            if q["kind"] == "generic":
                assert q["pages"][0] == 1 and set(q["roles"]) == {"title", "summary", "conclusion"}
            else:
                assert q["paraphrase"]
        if name.startswith("larkhaven"):
            assert len(blank) >= 8  # scanned pages mixed in
            assert {q["kind"] for q in qa} == KINDS
