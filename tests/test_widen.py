"""A wider look: when the model says the pages it was sent do not hold the answer ("Pages: none"), `ask`
sends the next best pages not yet sent, up to --max-requests looks. Over a recorded-response vLLM server
scripted to answer only when the page that holds the answer is in the request."""

from __future__ import annotations

import json

import pymupdf
import pytest

from tests.vllm_stub import Scripted, completion

ANSWER_PAGE = 47
SMALL = ("--page-mode", "image", "--context", "16384")  # about 8 pages at 6 tiles: the document does not fit


def _tariff_pdf(path, pages: int, answer: int, strong: int):
    """Pages 1-``strong`` talk about the harbour tariff at length (they rank first); page ``answer``, which
    holds the answer, mentions it once; the rest are about other things."""
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page(width=595, height=842)
        if n == answer:
            text = "In the port board minutes the harbour tariff code for bulk carriers is HT-7731."
        elif n <= strong:
            text = f"Section {n}. The harbour tariff applies to every vessel. Harbour tariff reviews, tariff tables."
        else:
            text = f"Page {n} describes staff training, canteen menus and the car park rota for the year."
        page.insert_textbox(pymupdf.Rect(50, 50, 545, 800), text, fontsize=11)
    doc.save(path)
    return path


@pytest.fixture
def harbour_pdf(tmp_path):
    return _tariff_pdf(tmp_path / "harbour.pdf", 60, ANSWER_PAGE, strong=12)


def _sent_pages(request) -> list[int]:
    labels = [p["text"] for p in request["messages"][1]["content"] if p["type"] == "text"]
    return [int(t.split()[1].rstrip(":")) for t in labels if t.startswith("Page ")]


def _ask(run_cli, stub, pdf, *extra: str, question: str = "Which harbour tariff applies to the vessel?") -> dict:
    """`docvl ask PDF QUESTION --server STUB --json` on the small context; the parsed result."""
    result = run_cli("ask", pdf, question, "--server", stub.url, "--json", *extra, *SMALL)
    assert result.out, result.err
    return json.loads(result.out)


def _answers_only_with_the_answer_page(body):
    if ANSWER_PAGE in _sent_pages(body):
        return Scripted(body=completion(f"The code is HT-7731.\nPages: {ANSWER_PAGE}"))
    return Scripted(body=completion("These pages do not give the tariff code.\nPages: none"))


def test_not_in_these_pages_looks_at_the_next_best_pages(stub, run_cli, harbour_pdf):
    stub.default = _answers_only_with_the_answer_page
    out = _ask(run_cli, stub, harbour_pdf)
    assert out["status"] == "ok" and out["answer"] == "The code is HT-7731." and out["pages"] == [ANSWER_PAGE]
    first, *later = out["rounds"]
    assert ANSWER_PAGE not in first["pages"] and not first["found"]
    assert later and later[-1]["found"] and ANSWER_PAGE in later[-1]["pages"]
    seen: set[int] = set()
    for r in out["rounds"]:  # every look sends pages not sent before
        assert not seen & set(r["pages"])
        seen |= set(r["pages"])
    assert [r["purpose"] for r in out["requests"]] == ["window"] + ["widen"] * len(later)
    assert len(stub.requests) == len(out["rounds"]) <= 3
    assert _sent_pages(stub.requests[0]) == first["pages"]


def test_max_requests_1_never_looks_further_and_says_so(stub, run_cli, harbour_pdf):
    stub.default = _answers_only_with_the_answer_page
    out = _ask(run_cli, stub, harbour_pdf, "--max-requests", "1")
    assert len(stub.requests) == 1 and len(out["rounds"]) == 1 and out["pages"] == []
    assert any("raise --max-requests" in w for w in out["warnings"])


def test_an_answer_found_at_once_is_one_look(stub, run_cli, harbour_pdf):
    stub.default = lambda body: Scripted(body=completion("Tariffs apply to every vessel.\nPages: 1"))
    out = _ask(run_cli, stub, harbour_pdf, question="Who pays the harbour tariff?")
    assert len(stub.requests) == 1 and out["rounds"] == [
        {"round": 1, "pages": out["rounds"][0]["pages"], "found": True}
    ]


def test_map_reduce_reads_every_page_and_never_widens(stub, run_cli, harbour_pdf):
    stub.default = _answers_only_with_the_answer_page
    out = _ask(run_cli, stub, harbour_pdf, "--strategy", "map-reduce")
    assert out["pages"] == [ANSWER_PAGE]
    assert "widen" not in [r["purpose"] for r in out["requests"]] and len(out["rounds"]) == 1
    assert len(stub.requests) == len(out["plan"]["windows"])


def test_a_guess_without_the_marker_is_not_second_guessed(stub, run_cli, harbour_pdf):
    """Only the structured marker widens: an answer that cites nothing but does not say 'none' stands."""
    stub.default = lambda body: Scripted(body=completion("Probably HT-1."))
    out = _ask(run_cli, stub, harbour_pdf)
    assert len(stub.requests) == 1 and out["answer"] == "Probably HT-1."


@pytest.fixture
def short_pdf(tmp_path):
    """11 pages: what is left after the first look fits one request whole."""
    return _tariff_pdf(tmp_path / "short.pdf", 11, 10, strong=8)


def test_the_pages_left_are_looked_at_when_they_fit_whole(stub, run_cli, short_pdf):
    stub.default = lambda body: Scripted(
        body=completion("The code is HT-7731.\nPages: 10" if 10 in _sent_pages(body) else "Not here.\nPages: none")
    )
    out = _ask(run_cli, stub, short_pdf)
    assert out["pages"] == [10] and len(out["rounds"]) == 2 and out["rounds"][1]["found"]


def test_a_wider_look_that_fails_keeps_the_first_look(stub, run_cli, harbour_pdf):
    replies = iter(
        [Scripted(body=completion("These pages do not give it.\nPages: none"))]
        + [Scripted(body=completion("x\nPages: none"), delay=5)] * 3
    )
    stub.default = lambda body: next(replies)
    out = _ask(run_cli, stub, harbour_pdf, "--document-timeout", "3", "--http-retries", "0")
    assert out["status"] == "partial" and out["answer"] == "These pages do not give it."
    assert any("the wider look at page(s)" in w for w in out["warnings"]) and out["errors"][0]["code"] == "widen"


@pytest.mark.parametrize(("marker", "none"), [("none", True), ("-", True), ("—", True), ("N/A", True), ("3", False)])
def test_the_none_marker(marker, none):
    from docvl.parse import cite_pages

    assert cite_pages(f"No answer here.\nPages: {marker}", [1, 2, 3]).none is none
