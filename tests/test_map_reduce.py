"""Documents past one context: strategies, the reduce call of `ask`, the field merge of `extract`, and the
record of every request (planned vs reported tokens). Over a recorded-response vLLM server."""

from __future__ import annotations

import json

from docvl.load.document import PageInfo
from docvl.planner import PlanSettings, plan_pages
from docvl.profiles import get_profile
from docvl.tokens import EstimateCounter
from tests.vllm_stub import Scripted, completion

PROFILE = get_profile()
COUNTER = EstimateCounter(PROFILE.chat.template_overhead_tokens)
LONG = ("--page-mode", "image", "--strategy", "map-reduce")  # 40 Letter pages as images: two windows


def _texts(request) -> list[str]:
    return [p["text"] for p in request["messages"][1]["content"] if p["type"] == "text"]


def test_ask_reduces_the_windows_answers_and_cites_original_pages(stub, run_cli, pdf_factory):
    stub.script += [
        Scripted(body=completion("Freight volumes fell.\nPages: 3", prompt_tokens=30_000)),
        Scripted(body=completion("Costs rose in the second half.\nPages: 33", prompt_tokens=30_000)),
        Scripted(body=completion("Freight fell and costs rose.\nPages: 3, 33, 99", prompt_tokens=400)),
    ]
    pdf = pdf_factory("long.pdf", pages=40)
    result = run_cli("ask", pdf, "What drove the margin drop?", "--server", stub.url, "--json", *LONG)
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert len(out["plan"]["windows"]) == 2 and len(stub.requests) == 3
    reduce = stub.requests[2]
    assert not [p for p in reduce["messages"][1]["content"] if p["type"] == "image_url"]  # words only
    words = "\n".join(_texts(reduce))
    last = out["plan"]["windows"][0]["last_page"]
    assert f"Part 1 (pages 1-{last}):\nFreight volumes fell.\nPages: 3" in words
    assert f"Part 2 (pages {last + 1}-40):\nCosts rose in the second half.\nPages: 33" in words
    assert "What drove the margin drop?" in words
    assert out["answer"] == "Freight fell and costs rose." and out["pages"] == [3, 33]
    assert any("page(s) 99 that were not sent" in w for w in out["warnings"])
    assert [r["purpose"] for r in out["requests"]] == ["window", "window", "reduce"]
    assert [r["window"] for r in out["requests"]] == [1, 2, None]
    for record, window in zip(out["requests"], out["plan"]["windows"], strict=False):
        assert record["planned_prompt_tokens"] == window["tokens"] and record["prompt_tokens"] == 30_000
    assert 0 < out["requests"][2]["planned_prompt_tokens"] < 1_000
    assert out["usage"]["requests"] == 3


def test_only_one_window_finding_the_answer_needs_no_reduce(stub, run_cli, pdf_factory):
    stub.script += [
        Scripted(body=completion("The pages do not say.\nPages: none")),
        Scripted(body=completion("It is 9.00.\nPages: 35")),
    ]
    result = run_cli("ask", pdf_factory("long.pdf", pages=40), "Total?", "--server", stub.url, "--json", *LONG)
    out = json.loads(result.out)
    assert len(stub.requests) == 2
    assert out["answer"] == "It is 9.00." and out["pages"] == [35]


def test_server_counting_more_than_the_plan_is_reported(stub, run_cli, pdf_factory):
    stub.script.append(Scripted(body=completion("Yes.\nPages: 1", prompt_tokens=90_000)))
    out = json.loads(run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url, "--json").out)
    assert out["requests"][0]["prompt_tokens"] == 90_000
    assert any("the engine counted 90,000 prompt tokens where the plan counted" in w for w in out["warnings"])


SCHEMA = {
    "type": "object",
    "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}, "iban": {"type": "string"}},
}


def test_extract_merges_windows_first_value_wins_and_conflicts_are_recorded(stub, run_cli, pdf_factory, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    first = {"invoice_number": "A-1", "total": None, "iban": None, "_pages": {"invoice_number": [2]}}
    second = {"invoice_number": "B-7", "total": 12.5, "iban": None, "_pages": {"invoice_number": [30], "total": [31]}}
    stub.script += [Scripted(body=completion(json.dumps(first))), Scripted(body=completion(json.dumps(second)))]
    out_file = tmp_path / "out.json"
    pdf = pdf_factory("long.pdf", pages=40)
    result = run_cli("extract", pdf, "--schema", schema, "--server", stub.url, "-o", out_file, *LONG)
    assert result.code == 0, result.err
    assert len(stub.requests) == 2
    (record,) = json.loads(out_file.read_text())
    assert record["invoice_number"] == "A-1" and record["total"] == 12.5 and record["iban"] is None
    assert record["_pages"] == {"invoice_number": [2], "total": [31]}
    assert "field invoice_number: kept 'A-1' (page(s) 2), page(s) 30 say 'B-7'" in result.err


def _plan(n: int, scores, strategy: str, context: int = 49_152):
    pages = [PageInfo(number=i + 1, width=1700, height=2200) for i in range(n)]
    return plan_pages(pages, profile=PROFILE, counter=COUNTER, system="", user="q",
                      settings=PlanSettings(strategy=strategy, context=context), relevance=scores)  # fmt: skip


def test_strategies_when_a_document_does_not_fit():
    scores = {i: 0.0 for i in range(1, 41)} | {37: 4.0}
    auto = _plan(40, scores, "auto")
    assert len(auto.windows) == 1 and 37 in {p.number for p in auto.pages} and auto.dropped
    everything = _plan(40, scores, "map-reduce")
    assert len(everything.windows) == 2 and not everything.dropped and len(everything.pages) == 40
    single = _plan(40, {i: 0.0 for i in range(1, 41)}, "single")  # nothing to rank by: the first pages
    assert len(single.windows) == 1 and single.windows[0].page_tokens <= single.page_budget
    kept = [p.number for p in single.pages]
    assert kept == list(range(1, len(kept) + 1)) and len(kept) + len(single.dropped) == 40
    assert {(p.cols, p.rows) for p in single.pages} == {(2, 3)}  # the grid of min_tiles 6
    assert any("--strategy single" in n for n in single.notes)
    unranked = _plan(40, {i: 0.0 for i in range(1, 41)}, "auto")  # auto with nothing to rank by: map-reduce
    assert len(unranked.windows) == 2 and not unranked.dropped


def test_bad_strategy_or_page_mode_is_a_usage_error(run_cli, pdf_factory):
    pdf = pdf_factory(pages=1)
    bad = run_cli("plan", pdf, "--strategy", "mapreduce")
    assert bad.code == 2 and "--strategy 'mapreduce' is not one of auto, single, map-reduce" in bad.err
    assert run_cli("plan", pdf, "--page-mode", "pixels").code == 2


def test_max_images_splits_requests_without_counting_text_pages():
    """A server started with --limit-mm-per-prompt '{"image": 2}': at most 2 page images a request."""
    from docvl.load.textlayer import PageContent

    pages = [PageInfo(number=i + 1, width=1700, height=2200) for i in range(7)]
    contents = {n: PageContent(number=n, text=f"page {n} words", text_only=n in (2, 3), why="") for n in range(1, 8)}
    plan = plan_pages(pages, profile=PROFILE, counter=COUNTER, system="", user="q", contents=contents,
                      settings=PlanSettings(max_images=2))  # fmt: skip
    windows = [[p.number for p in plan.pages if p.window == w.index] for w in plan.windows]
    assert windows == [[1, 2, 3, 4], [5, 6], [7]]  # pages 2 and 3 go as text: they do not count
    assert plan.fits_whole  # it fits in tokens: nothing was dropped or lowered, only split
    assert all(p.max_tiles == 12 for p in plan.pages if p.mode == "image")
    assert any("at most 2 page image(s) per request" in n for n in plan.notes)


def test_ask_with_max_images_sends_no_more_than_that(stub, run_cli, pdf_factory):
    stub.default = lambda request: Scripted(body=completion("Nothing here.\nPages: none"))
    result = run_cli("ask", pdf_factory("five.pdf", pages=5), "What is the total?", "--server", stub.url,
                     "--page-mode", "image", "--max-images", "2", "--json")  # fmt: skip
    assert result.code == 0, result.err
    images = [sum(c.get("type") == "image_url" for c in r["messages"][1]["content"]) for r in stub.requests]
    assert images == [2, 2, 1]  # three windows; no reduce call when no window found anything
    assert json.loads(result.out)["plan"]["settings"]["max_images"] == 2


def test_a_server_image_limit_is_explained_with_the_flag(stub, run_cli, pdf_factory):
    stub.default = lambda request: Scripted(status=400, body={
        "object": "error", "message": "At most 2 image(s) may be provided in one request.", "type": "BadRequestError",
        "param": None, "code": 400})  # fmt: skip
    result = run_cli("ask", pdf_factory("five.pdf", pages=5), "Q?", "--server", stub.url, "--page-mode", "image")
    assert result.code == 1
    assert "the server takes at most 2 page image(s) per request; this one had 5" in result.err
    assert "pass --max-images 2" in result.err and "--limit-mm-per-prompt" in result.err


def test_max_images_keeps_every_page_at_the_most_tiles_rather_than_dropping_to_fit_one_request():
    """Ranked pages that do not fit one request: with an image cap the requests are several anyway, so no
    page is dropped and each window takes the most tiles it can."""
    pages = [PageInfo(number=i + 1, width=1700, height=2200) for i in range(60)]
    scores = {i: 0.0 for i in range(1, 61)} | {7: 3.0, 40: 2.0}
    plan = plan_pages(pages, profile=PROFILE, counter=COUNTER, system="", user="q", relevance=scores,
                      settings=PlanSettings(max_images=2))  # fmt: skip
    assert not plan.dropped and len(plan.pages) == 60 and len(plan.windows) == 30
    assert all(p.max_tiles == 12 for p in plan.pages)
