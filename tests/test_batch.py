"""Batches as CI runs them: resumable after kill -9, failure limits, per-document timeouts, the report,
one line per document. Over a recorded-response vLLM server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, make_pdf
from tests.vllm_stub import Scripted, completion

SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}}}


def _reply(body, delay=0.0):
    return Scripted(body=completion(json.dumps({"total": 9.5, "_pages": {"total": [1]}})), delay=delay)


@pytest.fixture
def folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(1, 21):
        make_pdf(docs / f"doc{n:02d}.pdf", pages=1, text=f"Invoice {n}. Total 9.50 EUR.")
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    return docs, schema


def _docvl(*args, **kw):
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "docvl", *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, **kw)  # fmt: skip


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # an exited child nobody reaped yet is gone


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_killed_batch_resumes_with_each_document_exactly_once(stub, folder, tmp_path):
    docs, schema = folder
    stub.default = lambda body: _reply(body, delay=0.15)
    out = tmp_path / "out.jsonl"
    journal = tmp_path / ".out.jsonl.docvl-journal"
    args = ("extract", docs, "--schema", schema, "--server", stub.url, "-o", out, "--concurrency", "2")
    first = _docvl(*args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or journal.read_text().count("\n") < 5):
        time.sleep(0.01)
    workers = _children(first.pid)
    assert workers  # the batch reads and draws in worker processes (docvl.pool)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]  # killed with it: none left waiting for work
    finished = {json.loads(line)["result"]["path"] for line in journal.read_text().splitlines() if line.endswith("}")}
    assert 5 <= len(finished) < 20  # killed mid-batch, with work done
    assert len(_lines(out)) >= len(finished) - 1  # JSONL lines were appended as documents finished
    before = len(stub.requests)

    second = _docvl(*args)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    rows = _lines(out)
    assert sorted(r["_file"] for r in rows) == sorted(str(p) for p in docs.iterdir())  # each exactly once
    assert [r["_file"] for r in rows] == sorted(r["_file"] for r in rows)  # input order at the end
    assert len(stub.requests) - before == 20 - len(finished)  # finished documents were not asked again
    assert f"{len(finished)} document(s) finished by an earlier run" in err

    third = _docvl(*args, "--force")
    assert third.wait(timeout=120) == 0 and len(stub.requests) - before == 40 - len(finished)


def test_changed_options_do_not_reuse_records(stub, folder, tmp_path, run_cli):
    docs, schema = folder
    stub.default = _reply
    out = tmp_path / "out.csv"
    assert run_cli("extract", docs, "--schema", schema, "--server", stub.url, "-o", out).code == 0
    assert len(stub.requests) == 20
    assert run_cli("extract", docs, "--schema", schema, "--server", stub.url, "-o", out).code == 0
    assert len(stub.requests) == 20  # same command: nothing asked again
    assert run_cli("extract", docs, "--schema", schema, "--server", stub.url, "-o", out, "--max-tiles", "6").code == 0
    assert len(stub.requests) == 40  # other tiles, other records
    assert len(out.read_text().splitlines()) == 21  # header + one row per document


def test_one_line_per_document_summary_and_report(stub, folder, tmp_path, run_cli):
    docs, schema = folder
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7\n")
    stub.default = _reply
    report = tmp_path / "report.json"
    result = run_cli("extract", docs, "--schema", schema, "--server", stub.url, "--report", report, "--format", "jsonl")
    assert result.code == 1  # one failed document, the others written
    assert len(result.out.splitlines()) == 20
    lines = result.err.splitlines()
    assert sum(line.startswith("ok: ") for line in lines) == 20
    assert [line for line in lines if line.startswith("error: ")] == [
        next(line for line in lines if "broken.pdf" in line and line.startswith("error: "))
    ]
    assert "\x1b[" not in result.err  # no colour, no bars without a terminal
    assert any(line.startswith("failed") and "│" in line for line in lines)  # the summary table
    data = json.loads(report.read_text())
    by_name = {os.path.basename(d["path"]): d for d in data["documents"]}
    assert by_name["broken.pdf"]["status"] == "failed" and by_name["broken.pdf"]["errors"][0]["code"] == "corrupt"
    ok = by_name["doc01.pdf"]
    assert (
        ok["status"] == "ok" and ok["usage"]["requests"] == 1 and ok["plan"]["pages"] and ok["timings"]["total_s"] > 0
    )
    assert ok["requests"][0]["planned_prompt_tokens"] > 0


@pytest.mark.parametrize(("flag", "runs"), [(("--fail-fast",), 1), (("--max-failures", "3"), 3)])
def test_failure_limits_stop_the_batch(tmp_path, run_cli, flag, runs):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(8):
        (docs / f"bad{n}.pdf").write_bytes(b"")
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    report = tmp_path / "r.json"
    result = run_cli("extract", docs, "--schema", schema, "--engine", "text", "--report", report, *flag)
    assert result.code == 1
    assert result.err.count("error: ") == runs
    assert f"stopped: {runs} document(s) failed" in result.err and f"{8 - runs} document(s) not run" in result.err
    assert len(json.loads(report.read_text())["not_run"]) == 8 - runs


def test_document_timeout_fails_that_document_and_the_batch_goes_on(stub, tmp_path, run_cli, pdf_factory):
    slow, quick = pdf_factory("slow.pdf", pages=1), pdf_factory("quick.pdf", pages=1)
    stub.script += [Scripted(body=completion("Late.\nPages: 1"), delay=3.0)]
    stub.default = lambda body: Scripted(body=completion("Fine.\nPages: 1"))
    result = run_cli("ask", slow, quick, "Q?", "--server", stub.url, "--document-timeout", "1", "--http-retries", "0",
                     "--concurrency", "1", "--json")  # fmt: skip
    assert result.code == 1
    slow_result, quick_result = json.loads(result.out)
    assert slow_result["status"] == "failed" and quick_result["status"] == "ok"
    error = slow_result["errors"][0]
    assert (
        error["code"] == "timeout"
        and "--document-timeout 1 s" in error["message"]
        and "ReadTimeout" in error["message"]
    )


def test_folder_of_good_and_broken_files(corpus, tmp_path, run_cli, monkeypatch):
    """Every good file is processed and written, every bad one gets one error line with its reason, exit 1."""
    import shutil

    from tests.test_broken_corpus import DOCVL

    monkeypatch.setattr("docvl.render.ocr.ocr_available", lambda: False)  # the text engine's OCR is slow
    folder = tmp_path / "mixed"
    shutil.copytree(corpus / "broken", folder)
    (folder / "index.json").unlink()
    shutil.copy(corpus / "invoices" / "FlipkartInvoice.pdf", folder)
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"invoice_number": {"type": "string"}}}))
    out = tmp_path / "out.jsonl"
    result = run_cli("extract", folder, "--schema", schema, "--engine", "text", "-o", out)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
    bad = sorted(name for name, (outcome, _) in DOCVL.items() if outcome == "error")
    assert sorted(line.split(": ")[1].rsplit("/", 1)[-1] for line in errors) == bad  # one line each
    for name, (_, reason) in DOCVL.items():
        if name in bad:
            assert any(name in line and reason in line for line in errors), name
    written = sorted(os.path.basename(row["_file"]) for row in _lines(out))
    assert written == sorted([*(n for n in DOCVL if n not in bad), "FlipkartInvoice.pdf"])
    assert f"{len(bad)} failed" in result.err


def test_resumed_records_name_the_file_as_it_is_called_now(tmp_path, run_cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    make_pdf(docs / "a.pdf", pages=1, text="Invoice number: INV-7")
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"invoice_number": {"type": "string"}}}))
    out = tmp_path / "out.jsonl"
    assert run_cli("extract", docs, "--schema", schema, "--engine", "text", "-o", out).code == 0
    (docs / "a.pdf").rename(docs / "renamed.pdf")
    (docs / "copy.pdf").write_bytes((docs / "renamed.pdf").read_bytes())
    again = run_cli("extract", docs, "--schema", schema, "--engine", "text", "-o", out)
    assert "2 document(s) finished by an earlier run" in again.err  # found by content, not by name
    rows = _lines(out)
    assert [os.path.basename(r["_file"]) for r in rows] == ["copy.pdf", "renamed.pdf"]
    assert {r["invoice_number"] for r in rows} == {"INV-7"}


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_a_run_where_every_document_fails_writes_no_output(tmp_path, run_cli, suffix):
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    out = tmp_path / f"out.{suffix}"
    result = run_cli("extract", bad, "--schema", schema, "--engine", "text", "-o", out)
    assert result.code == 1 and "(nothing written)" in result.err
    assert not out.exists()
    # a file an earlier run wrote stays as it was
    out.write_text("earlier results\n")
    again = run_cli("extract", bad, "--schema", schema, "--engine", "text", "-o", out)
    assert again.code == 1 and f"(nothing written; {out} left as it was)" in again.err
    assert out.read_text() == "earlier results\n"


def test_pages_drawn_are_counted_for_the_pages_bar(pdf_factory):
    from docvl.cli.run import PageTicker
    from docvl.engines.text_engine import TextEngine
    from docvl.options import PlanningOptions
    from docvl.tasks.ask import AskOptions, ask_document

    ticker, counted = PageTicker(), []
    ticker(5)  # before there is a bar: nowhere to count, no error
    ticker.target = counted.append
    cfg = PlanningOptions(max_output=1024).build()
    result = ask_document(
        pdf_factory(pages=3), AskOptions(question="Q?", on_pages=ticker), engine=TextEngine(), planning=cfg
    )
    assert result.status != "failed" and counted == [3]


def test_ask_batch_writes_rows_and_resumes(stub, folder, tmp_path, run_cli):
    """`ask -o`: one row per document in input order, a re-run asks nothing again, another question does."""
    docs, _ = folder
    stub.default = lambda request: Scripted(body=completion("The total is 9.50 EUR.\nPages: 1"))
    out = tmp_path / "answers.csv"
    first = run_cli("ask", docs, "What is the total?", "--server", stub.url, "-o", out)
    assert first.code == 0, first.err
    assert len(stub.requests) == 20 and first.out == ""  # the rows go to the file, not the terminal
    import pandas as pd

    rows = pd.read_csv(out)
    assert list(rows.columns[:7]) == ["_file", "_status", "question", "answer", "_pages", "_errors", "_extractive"]
    assert [os.path.basename(f) for f in rows["_file"]] == [f"doc{n:02d}.pdf" for n in range(1, 21)]
    assert set(rows["answer"]) == {"The total is 9.50 EUR."} and set(rows["_pages"]) == {"[1]"}
    again = run_cli("ask", docs, "What is the total?", "--server", stub.url, "-o", out)
    assert again.code == 0 and len(stub.requests) == 20 and "20 document(s) finished by an earlier run" in again.err
    assert pd.read_csv(out).equals(rows)
    other = run_cli("ask", docs, "Who issued it?", "--server", stub.url, "-o", out)
    assert other.code == 0 and len(stub.requests) == 40  # another question: nothing reused
    assert run_cli("ask", docs, "Q?", "--server", stub.url, "-o", out, "--json").code == 2


def test_engine_options_are_part_of_the_run_key(stub, folder, tmp_path, run_cli):
    """An engine option that changes answers (--structured here; --dtype / --loader / --device for the
    in-process engine, which a server engine refuses): a re-run with another redoes all."""
    docs, _ = folder
    stub.default = lambda request: Scripted(body=completion('{"total": 9.5, "_pages": {"total": [1]}}'))
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "number"}}}))
    out = tmp_path / "a.jsonl"
    assert run_cli("extract", docs, "--schema", schema, "--server", stub.url, "-o", out).code == 0
    again = run_cli("extract", docs, "--schema", schema, "--server", stub.url, "-o", out, "--structured", "off")
    assert again.code == 0
    assert len(stub.requests) == 40 and len(_lines(out)) == 20


def test_output_that_names_an_input_is_refused(tmp_path, run_cli, pdf_factory):
    pdf = pdf_factory("victim.pdf", pages=1)
    before = pdf.read_bytes()
    result = run_cli("ask", pdf, "Q?", "--engine", "text", "-o", pdf, "--format", "json")
    assert result.code == 2 and "is one of the input documents" in result.err
    assert pdf.read_bytes() == before


def test_ask_rows_in_a_format_on_stdout(tmp_path, run_cli):
    """`ask --format csv` without -o: the rows on stdout, without the text engine's banner in every cell."""
    import io

    import pandas as pd

    make_pdf(tmp_path / "a.pdf", pages=1, text="The total is 9.50 EUR.")
    result = run_cli("ask", tmp_path / "a.pdf", "What is the total?", "--engine", "text", "--format", "csv")
    assert result.code == 0, result.err
    (row,) = pd.read_csv(io.StringIO(result.out)).to_dict("records")
    assert row["_extractive"] and "9.50" in row["answer"] and not row["answer"].startswith("Extractive answer")


def test_the_resume_key_comes_from_the_option_groups(tmp_path, run_cli):
    """Options that change results are in the key and those that do not are not, as each option group
    declares (cli/options.py resume=False): nothing is listed by hand per command."""
    make_pdf(tmp_path / "a.pdf", pages=1, text="The total is 9.50 EUR.")
    out = tmp_path / "answers.jsonl"
    ask = ("ask", tmp_path / "a.pdf", "What is the total?", "--engine", "text", "-o", out)
    assert run_cli(*ask).code == 0
    for same in (("--workers", "2"), ("--concurrency", "2"), ("--quiet",), ("--timeout", "60")):
        assert "finished by an earlier run" in run_cli(*ask, *same).err, same
    for other in (("--dpi", "150"), ("--max-tiles", "6"), ("--renderer", "pdfium"), ("--think",)):
        assert "finished by an earlier run" not in run_cli(*ask, *other).err, other
