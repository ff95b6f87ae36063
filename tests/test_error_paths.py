"""What a user sees when something goes wrong (issue 13): a bug is an internal error naming what was being
done, library warnings land on the document they concern, usage errors exit 2 with the fix said once."""

from __future__ import annotations

import json
import threading
import warnings

import pymupdf
import pytest

FIX = "run again with --debug for the traceback, and include it in the report"
ROOM_FIX = "raise --context or lower --max-output"


def _raise_for(target: str, real):
    """``real`` that raises an unanticipated ValueError for documents whose path contains ``target``."""

    def patched(*args, **kwargs):
        doc = args[0]
        if target in str(getattr(doc, "path", doc)):
            raise ValueError("max() arg is an empty sequence\nsecond line, not shown")
        return real(*args, **kwargs)

    return patched


def test_unanticipated_error_while_planning_is_an_internal_error_and_the_batch_goes_on(
    run_cli, pdf_factory, monkeypatch
):
    from docvl.tasks import pipeline

    bad, good = pdf_factory("bad.pdf"), pdf_factory("good.pdf")
    monkeypatch.setattr(pipeline, "plan_document", _raise_for("bad.pdf", pipeline.plan_document))
    result = run_cli("ask", "--engine", "text", bad, good, "What is the total?")
    assert result.code == 1
    expected = (
        f"error: {bad}: internal error while planning (please report): ValueError: max() arg is an empty "
        f"sequence — {FIX}"
    )
    assert expected in result.err.splitlines()
    assert f"ok: {good}" in result.err  # the next document still ran
    assert "Traceback" not in result.err and "second line" not in result.err
    assert result.err.count(FIX) == 1


def test_debug_prints_the_traceback(run_cli, pdf_factory, monkeypatch):
    from docvl.tasks import pipeline

    bad = pdf_factory("bad.pdf")
    monkeypatch.setattr(pipeline, "plan_document", _raise_for("bad.pdf", pipeline.plan_document))
    result = run_cli("ask", "--engine", "text", bad, "What is the total?", "--debug")
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert "ValueError: max() arg is an empty sequence" in result.err
    assert "internal error while planning (please report)" in result.err


def test_internal_error_result_has_its_own_code(run_cli, pdf_factory, monkeypatch):
    from docvl.tasks import pipeline

    bad = pdf_factory("bad.pdf")
    monkeypatch.setattr(pipeline, "read_contents", _raise_for("bad.pdf", pipeline.read_contents))
    result = run_cli("ask", "--engine", "text", bad, "What is the total?", "--json")
    (error,) = json.loads(result.out)["errors"]
    assert error["code"] == "internal"
    assert error["message"].startswith("internal error while loading (please report): ValueError:")
    assert error["fix"] == FIX


def test_plan_and_render_say_internal_errors_too(run_cli, pdf_factory, monkeypatch, tmp_path):
    from docvl.cli import plan_cmd, render_cmd

    bad = pdf_factory("bad.pdf")
    monkeypatch.setattr(plan_cmd, "plan_document", _raise_for("bad.pdf", plan_cmd.plan_document))
    planned = run_cli("plan", bad, "--json")
    assert planned.code == 1 and "Traceback" not in planned.err
    assert "internal error while planning (please report): ValueError" in planned.err
    assert json.loads(planned.out)["documents"][0]["error"]["code"] == "internal"

    def broken_drawing(*args, **kwargs):
        raise KeyError("xref")
        yield

    monkeypatch.setattr(render_cmd, "render_pages", broken_drawing)
    drawn = run_cli("render", bad, "-o", tmp_path / "out", "--page-mode", "image")
    assert drawn.code == 1 and "Traceback" not in drawn.err
    assert "internal error while drawing pages (please report): KeyError: 'xref'" in drawn.err
    assert list((tmp_path / "out").iterdir()) == []  # nothing half-written


def _warn_then(real):
    def patched(*args, **kwargs):
        # as a library would: the message names a file where Python is installed
        warnings.warn(
            "/opt/py/lib/python3.11/site-packages/PIL/TiffImagePlugin.py: tile overflow\nmore",
            UserWarning,
            stacklevel=2,
        )
        return real(*args, **kwargs)

    return patched


def test_library_warnings_go_to_the_document_not_stderr(run_cli, pdf_factory, monkeypatch):
    from docvl.tasks import pipeline

    first, second = pdf_factory("first.pdf"), pdf_factory("second.pdf")
    monkeypatch.setattr(pipeline, "read_contents", _warn_then(pipeline.read_contents))
    result = run_cli("ask", "--engine", "text", first, second, "What is the total?", "--json")
    assert result.code == 0
    wanted = "a library warned: UserWarning: PIL/TiffImagePlugin.py: tile overflow"
    # each document hears the same warning: not once per source line, as Python shows warnings by default
    for doc in json.loads(result.out):
        assert wanted in doc["warnings"], doc["warnings"]
    assert "site-packages" not in result.err and "warnings.warn" not in result.err
    assert [line for line in result.err.splitlines() if "tile overflow" in line] == [
        f"warning: {first}: {wanted}",
        f"warning: {second}: {wanted}",
    ]


def test_plan_json_keeps_library_warnings_with_a_code(run_cli, pdf_factory, monkeypatch):
    from docvl.cli import plan_cmd

    monkeypatch.setattr(plan_cmd, "read_contents", _warn_then(plan_cmd.read_contents))
    result = run_cli("plan", pdf_factory(), "--json")
    assert result.code == 0 and "site-packages" not in result.err
    (doc,) = json.loads(result.out)["documents"]
    assert {"code": "library_warning", "pages": []}.items() <= doc["warnings"][-1].items()


def test_warnings_from_documents_on_threads_stay_apart(capsys):
    from docvl.cli.console import library_output
    from docvl.tasks.pipeline import collecting_warnings

    seen: dict[str, list[str]] = {}
    ready = threading.Barrier(2)

    def document(name: str) -> None:
        with collecting_warnings() as caught:
            ready.wait()  # both documents are current at once, on their own threads
            warnings.warn(f"from {name}", RuntimeWarning, stacklevel=2)
            ready.wait()
        seen[name] = [w.message for w in caught.warnings()]

    with library_output():
        threads = [threading.Thread(target=document, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        warnings.warn("outside any document", UserWarning, stacklevel=2)
        warnings.warn("outside any document", UserWarning, stacklevel=2)  # said once
    assert seen == {
        "a": ["a library warned: RuntimeWarning: from a"],
        "b": ["a library warned: RuntimeWarning: from b"],
    }
    assert capsys.readouterr().err == "warning: a library warned: UserWarning: outside any document\n"


def test_context_too_small_for_any_page_exits_2_before_any_document(run_cli, pdf_factory):
    doc = pdf_factory()
    result = run_cli(
        "ask", "--engine", "text", doc, "What is the total?", "--context", "400", "--max-output", "100",
        "--page-mode", "image",
    )  # fmt: skip
    assert result.code == 2
    assert result.err.startswith("error: the context leaves ")  # before the engine starts, before any document
    assert result.err.count(ROOM_FIX) == 1 and "UsageError" not in result.err
    assert "engine:" not in result.err and str(doc) not in result.err


def _dense_pdf(path):
    """One page of small print: well over 1,000 tokens of text, sent as text (--page-mode auto)."""
    from tests.conftest import LOREM

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(30, 30, 582, 762), " ".join([LOREM] * 40), fontsize=5)
    doc.save(path)
    doc.close()
    return path


@pytest.mark.parametrize("command", ["ask", "plan"])
def test_context_too_small_for_a_page_ends_the_run_with_exit_2(run_cli, tmp_path, command):
    # 981 tokens left for pages at --context 1200 --max-output 100: room for a one-tile image, so the
    # flags are not wrong for every document; this document's text page needs more, found while planning
    first, second = _dense_pdf(tmp_path / "first.pdf"), _dense_pdf(tmp_path / "second.pdf")
    args = ["--context", "1200", "--max-output", "100"]
    if command == "ask":
        result = run_cli("ask", "--engine", "text", first, second, "What is the total?", *args)
    else:
        result = run_cli("plan", first, second, *args)
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(f"error: {first}: the context leaves ")
    assert result.err.count(ROOM_FIX) == 1 and "UsageError" not in result.err
    assert str(second) not in result.err  # the run ended there


@pytest.mark.parametrize("command", ["ask", "extract"])
def test_unknown_renderer_exits_2_with_the_fix_once(run_cli, pdf_factory, tmp_path, command):
    doc = pdf_factory()
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "string"}}}))
    extra = ["What is the total?"] if command == "ask" else ["--schema", str(schema)]
    result = run_cli(command, "--engine", "text", "--renderer", "nope", doc, *extra)
    assert result.code == 2
    assert result.err.splitlines() == ["error: unknown renderer 'nope' — choose one of: pymupdf, pdfium, poppler"]


def test_a_bug_outside_any_document_is_an_internal_error_too(run_cli, pdf_factory, monkeypatch):
    from docvl.cli import plan_cmd

    def broken(*args, **kwargs):
        raise TypeError("unsupported format string passed to NoneType.__format__")

    monkeypatch.setattr(plan_cmd, "_print_plan", broken)
    result = run_cli("plan", pdf_factory())
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.splitlines() == [
        "error: internal error while running docvl plan (please report): TypeError: unsupported format string "
        f"passed to NoneType.__format__ — {FIX}"
    ]


NOISY = """
import logging, sys, warnings
from docvl.tasks import pipeline
real = pipeline.read_contents
def noisy(doc):
    logging.getLogger("httpx").warning("a library logs at WARNING")
    return real(doc)
pipeline.read_contents = noisy
from docvl.cli import main
sys.argv = ["docvl", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("debug", [False, True])
def test_library_logging_stays_off_stderr_unless_debug(pdf_factory, debug):
    # a real process: under pytest the root logger has pytest's handlers, so Python's last-resort
    # handler (what prints a library's log records to stderr) would never be reached in-process
    import subprocess
    import sys

    args = ["ask", "--engine", "text", str(pdf_factory()), "What is the total?", *(["--debug"] if debug else [])]
    done = subprocess.run([sys.executable, "-c", NOISY, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("a library logs at WARNING" in done.stderr) is debug
