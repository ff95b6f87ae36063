"""The Python API (docvl.api): the CLI's pipeline, options and result models, from Python."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

import docvl
from docvl.engines.text_engine import TextEngine
from docvl.errors import UsageError
from docvl.planner import Plan
from docvl.results import DocumentResult
from tests.conftest import make_pdf

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "msa_halvorsen_brightwater.pdf"


def _readme_examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("number", range(len(_readme_examples())))
def test_readme_python_examples_run(number, monkeypatch, capsys):
    """Every ```python block of the README runs as it is, from the repository root, and prints what
    its comments say it prints."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("DOCVL_BASE_URL", raising=False)
    code = _readme_examples()[number]
    exec(compile(code, f"README example {number + 1}", "exec"), {"__name__": "__readme__"})
    printed = capsys.readouterr().out.splitlines()
    said = [line.split("# ", 1)[1].strip() for line in code.splitlines() if "print(" in line and "# " in line]
    assert said, "each example says what it prints"
    for expected in said:
        expected = expected.rstrip(". ").removesuffix("...").strip()
        assert any(line.startswith(expected) for line in printed), (expected, printed)


def test_ask_returns_the_result_the_cli_writes():
    result = docvl.ask(SAMPLE, "What is the monthly platform availability target?")
    assert isinstance(result, DocumentResult) and result.task == "ask"
    assert result.status == "ok" and result.pages == [10] and "99.7" in (result.answer or "")
    assert result.plan is not None and result.engine == "text"


def test_a_document_problem_is_its_result_not_an_exception(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    result = docvl.ask(broken, "Q?")
    assert result.status == "failed" and result.errors[0].code == "corrupt" and result.errors[0].fix


def test_options_that_cannot_work_raise_before_any_document(tmp_path):
    with pytest.raises(UsageError, match="max_tile") as caught:
        docvl.ask(SAMPLE, "Q?", max_tile=4)  # a typo: not silently ignored
    assert "max_tiles" in (caught.value.fix or "")
    with pytest.raises(UsageError, match="page_mode"):
        docvl.plan(SAMPLE, page_mode="pixels")
    with pytest.raises(UsageError, match="no PDF or image files"):
        list(docvl.ask_many(tmp_path, "Q?"))


def test_plan_takes_the_planning_options():
    small = docvl.plan(SAMPLE, "What is the notice period?", context=8_192, max_tiles=2)
    assert isinstance(small, Plan) and small.total_tokens <= 8_192
    assert all(p.max_tiles <= 2 for p in small.pages)
    assert len(docvl.plan(SAMPLE, pages="1-3").pages) == 3


class Agreement(BaseModel):
    provider: str | None = None
    availability_target_percent: float | None = None


class Strict(BaseModel):
    governing_law: int  # never an integer in an agreement: cannot validate


def test_extract_with_a_pydantic_class_gives_an_instance():
    record = docvl.extract(SAMPLE, Agreement)
    assert isinstance(record.data, Agreement) and record.status in ("ok", "partial")
    assert isinstance(record.values, dict) and set(record.values) >= {"provider", "availability_target_percent"}


def test_a_record_the_class_rejects_is_partial_with_the_field_named(monkeypatch):
    import docvl.api

    def extracted(path, options, *, engine, planning):  # what the pipeline made of the document
        return DocumentResult(path=str(path), task="extract", status="ok", data={"governing_law": "Norway"})

    monkeypatch.setattr(docvl.api, "extract_document", extracted)
    record = docvl.extract(SAMPLE, Strict)
    assert record.data is None and record.values == {"governing_law": "Norway"} and record.status == "partial"
    (error,) = record.errors
    assert error.code == "validation" and "governing_law" in error.message and "Strict" in error.message


def test_extract_many_keeps_input_order_and_reuses_a_given_engine(tmp_path):
    for name in ("b.pdf", "a.pdf", "c.pdf"):
        make_pdf(tmp_path / name, pages=1, text=f"Invoice number INV-{name[0]} total 10.00 EUR")
    engine = TextEngine()
    schema = {"type": "object", "properties": {"invoice_number": {"type": "string"}}}
    results = list(docvl.extract_many([tmp_path / "b.pdf", tmp_path], schema, engine=engine, concurrency=2))
    assert [os.path.basename(r.path) for r in results] == ["b.pdf", "a.pdf", "c.pdf"]  # b once, then the folder
    assert all(isinstance(r.data, dict) for r in results)
    again = docvl.extract(tmp_path / "a.pdf", schema, engine=engine)  # the caller's engine is still open
    assert again.status != "failed"


def test_ask_many_journal_resumes_only_what_is_left(tmp_path):
    """The API's journal is the CLI's: a second call with the same options runs no document again; other
    options (here the question) are another run."""
    from docvl.engines.scripted import ScriptedEngine

    for name in ("a.pdf", "b.pdf"):
        make_pdf(tmp_path / name, pages=1, text=f"Report {name}: the total is 40 EUR")
    journal = tmp_path / "run.journal"
    engine = ScriptedEngine(["40 EUR\nPages: 1"])
    first = list(docvl.ask_many(tmp_path, "What is the total?", engine=engine, journal=journal))
    assert [r.status for r in first] == ["ok", "ok"] and len(engine.prompts) == 2
    again = list(docvl.ask_many(tmp_path, "What is the total?", engine=engine, journal=journal))
    assert [r.answer for r in again] == ["40 EUR", "40 EUR"] and len(engine.prompts) == 2  # none re-run
    list(docvl.ask_many(tmp_path, "Who signed it?", engine=engine, journal=journal))
    assert len(engine.prompts) == 4
    list(docvl.ask_many(tmp_path, "Who signed it?", engine=engine, journal=journal, force=True))
    assert len(engine.prompts) == 6


def test_many_stops_at_the_failure_limit_after_yielding_the_failures(tmp_path):
    from docvl.batch import FailureLimit

    for name in ("a.pdf", "b.pdf", "d.pdf"):
        make_pdf(tmp_path / name, pages=1, text="Total 40 EUR")
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    seen = []
    with pytest.raises(FailureLimit):
        for result in docvl.ask_many(tmp_path, "Total?", max_failures=2):
            seen.append((os.path.basename(result.path), result.status))
    assert seen == [("a.pdf", "failed"), ("b.pdf", "ok"), ("c.pdf", "failed")]  # d.pdf never ran


def test_every_option_group_is_a_keyword_and_the_cli_only_ones_are_refused(tmp_path):
    low = docvl.ask(SAMPLE, "What is the monthly platform availability target?", dpi=72, renderer="pdfium")
    assert low.status == "ok"
    for bad, value in (("report", tmp_path / "r.json"), ("quiet", True), ("renderr", "x")):
        with pytest.raises(UsageError, match=bad):
            docvl.ask(SAMPLE, "Q?", **{bad: value})
    with pytest.raises(UsageError, match="renderer"):
        docvl.ask(SAMPLE, "Q?", renderer="nope")  # before any document
    with pytest.raises(UsageError, match="concurrency"):
        docvl.ask(SAMPLE, "Q?", concurrency=0)


def test_a_single_document_call_on_a_folder_says_to_use_many(tmp_path):
    for name in ("a.pdf", "b.pdf"):
        make_pdf(tmp_path / name, pages=1, text="Total 40 EUR")
    with pytest.raises(UsageError, match="ask_many"):
        docvl.ask(tmp_path, "Total?")
