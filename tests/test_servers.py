"""Several servers behind the openai engine: spreading documents, keeping a document on one server, and
leaving a server that fails. Real HTTP servers on 127.0.0.1 (tests/vllm_stub.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docvl.engines.servers import OUT_FIRST_S, Server, Servers, server_urls
from tests.vllm_stub import Scripted, StubServer, completion

SCHEMA = {
    "type": "object",
    "required": ["invoice_number", "total"],
    "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}},
}
GOOD = json.dumps({"invoice_number": "A1", "total": 12.5})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def servers(n: int, clock: Clock) -> Servers:
    return Servers([Server(f"http://s{i}/v1", client=None) for i in range(n)], clock=clock)  # type: ignore[arg-type]


# -- choosing a server ------------------------------------------------------------------------------------


def test_new_documents_go_to_the_server_with_fewest_outstanding():
    pool = servers(3, Clock())
    first, second, third = (pool.pick(f"d{i}") for i in range(3))
    assert {first, second, third} == set(pool.all)  # one each
    pool.answered(second)
    assert pool.pick("d3") is second  # the only one with nothing outstanding


def test_a_documents_requests_stay_on_its_server_while_it_is_healthy():
    clock = Clock()
    pool = servers(2, clock)
    home = pool.pick("doc")
    pool.answered(home)
    for _ in range(3):  # even when the other has fewer outstanding
        assert pool.pick("doc") is home
    other = next(s for s in pool.all if s is not home)
    assert pool.failed(home, take_out=True) == OUT_FIRST_S
    assert pool.pick("doc") is other  # moved with its server out
    pool.answered(other)
    clock.now += OUT_FIRST_S + 1
    assert pool.pick("doc") is other  # and stays where it went


def test_a_server_that_fails_again_stays_out_longer_and_an_answer_puts_it_back():
    clock = Clock()
    pool = servers(2, clock)
    bad = pool.all[0]
    bad.outstanding = 3
    assert pool.failed(bad, take_out=True) == OUT_FIRST_S
    assert pool.failed(bad, take_out=True) == OUT_FIRST_S  # the same fault, seen by another request
    assert all(pool.pick(f"new{i}") is pool.all[1] for i in range(5))
    clock.now += OUT_FIRST_S
    assert pool.failed(bad, take_out=True) == 2 * OUT_FIRST_S  # back, failed again: out twice as long
    clock.now += 2 * OUT_FIRST_S
    pool.answered(bad)
    assert bad.out_until == 0 and bad.strikes == 0


def test_when_every_server_is_out_the_one_back_soonest_is_tried_and_tried_ones_are_skipped():
    clock = Clock()
    pool = servers(2, clock)
    a, b = pool.all
    a.outstanding = b.outstanding = 1
    pool.failed(a, take_out=True)
    clock.now += 10
    pool.failed(b, take_out=True)
    assert pool.pick(None) is a
    assert pool.pick(None, exclude=[a]) is b
    assert pool.pick(None, exclude=[a, b]) is None


def test_one_server_is_never_taken_out():
    pool = servers(1, Clock())
    (only,) = pool.all
    only.outstanding = 1
    assert pool.failed(only, take_out=True) == 0
    assert pool.pick("d") is only


def test_server_urls_split_lists_and_drop_repeats():
    assert server_urls(["http://a:8000/v1, http://b:8000/v1", "http://a:8000/v1", " http://c/v1  http://d/v1 "]) == [
        "http://a:8000/v1",
        "http://b:8000/v1",
        "http://c/v1",
        "http://d/v1",
    ]


# -- end to end, two real servers -------------------------------------------------------------------------


@pytest.fixture
def two():
    a, b = StubServer(), StubServer()
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def folder(tmp_path, pdf_factory):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(8):
        pdf_factory(f"docs/d{i}.pdf", pages=1)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    return docs, schema


def answer(reply: str, delay: float = 0.0):
    return lambda body: Scripted(body=completion(reply), delay=delay)


def run_extract(run_cli, folder, tmp_path, *servers_args: str):
    docs, schema = folder
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = run_cli(
        "extract", docs, "--schema", schema, "-o", out, "--report", report, "--workers", "1", "--concurrency", "4",
        *servers_args,
    )  # fmt: skip
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return result, records, json.loads(report.read_text()) if report.exists() else None


def test_documents_are_spread_over_both_servers_and_the_report_counts_them(run_cli, two, folder, tmp_path):
    a, b = two
    # every reply has a total that is not a number: each document is asked again (--retries 1), so it makes two requests
    a.default = b.default = answer(json.dumps({"invoice_number": "A1", "total": "lots"}), delay=0.05)
    result, records, report = run_extract(run_cli, folder, tmp_path, "--server", a.url, "--server", b.url, "--retries", "1")  # fmt: skip
    assert result.code == 0, result.err
    assert len(records) == 8 and len(a.requests) > 0 and len(b.requests) > 0
    assert report["servers"] == {
        a.url: {"requests": len(a.requests), "documents": report["servers"][a.url]["documents"]},
        b.url: {"requests": len(b.requests), "documents": report["servers"][b.url]["documents"]},
    }
    assert sum(s["documents"] for s in report["servers"].values()) == 8  # each document on one server only
    for entry in report["documents"]:
        assert len(entry["requests"]) == 2 and len({r["server"] for r in entry["requests"]}) == 1
    assert "requests per server:" in result.err and "2 servers" in result.err


def test_a_slow_server_gets_fewer_documents(run_cli, two, folder, tmp_path):
    slow, fast = two
    slow.default, fast.default = answer(GOOD, delay=1.0), answer(GOOD)
    result, records, _ = run_extract(run_cli, folder, tmp_path, "--server", slow.url, "--server", fast.url)
    assert result.code == 0, result.err
    assert [r["_status"] for r in records] == ["ok"] * 8
    assert len(fast.requests) > len(slow.requests) >= 1


def test_a_server_that_dies_mid_run_is_left_and_its_documents_finish_on_the_other(run_cli, two, folder, tmp_path):
    dying, healthy = two
    # the one that dies is the faster, so it would have had most documents
    dying.default, healthy.default = answer(GOOD, delay=0.02), answer(GOOD, delay=0.3)
    dying.close_after = 2  # answers what it has, then stops listening
    result, records, report = run_extract(run_cli, folder, tmp_path, "--server", dying.url, "--server", healthy.url)
    assert result.code == 0, result.err
    assert [r["_status"] for r in records] == ["ok"] * 8
    assert [Path(r["_file"]).name for r in records] == [f"d{i}.pdf" for i in range(8)]  # each once, in input order
    moved = [e for e in report["documents"] if any(dying.url in w for w in e["warnings"])]
    assert moved, "a document that met the dead server says so"
    assert all(r["server"] == healthy.url for e in moved for r in e["requests"])
    # the dying server answers what reached it before it stopped listening (two, or a third already in
    # flight when a busy machine is slow to close it); every other document is the healthy one's
    answered_by_dying = len(dying.requests)
    assert answered_by_dying <= 4
    assert report["servers"][healthy.url]["requests"] >= 8 - answered_by_dying


def test_a_server_down_at_start_is_left_out_and_said(run_cli, two, folder, tmp_path):
    down, up = two
    down.close()
    up.default = answer(GOOD)
    result, records, report = run_extract(run_cli, folder, tmp_path, "--server", f"{down.url},{up.url}")
    assert result.code == 0, result.err
    assert "left out until they answer" in result.err and down.url in result.err
    assert [r["_status"] for r in records] == ["ok"] * 8
    assert list(report["servers"]) == [up.url]


def test_every_server_down_at_start_is_exit_3(run_cli, two, folder, tmp_path):
    for server in two:
        server.close()
    result, _, _ = run_extract(run_cli, folder, tmp_path, "--server", two[0].url, "--server", two[1].url)
    assert result.code == 3
    assert "none of the servers answered" in result.err


def test_every_server_failing_a_request_fails_the_document_naming_each(run_cli, two, folder, tmp_path):
    from tests.vllm_stub import error

    for server in two:
        server.default = lambda body: Scripted(status=503, body=error(503, "overloaded"))
    result, _, _ = run_extract(
        run_cli, folder, tmp_path, "--server", two[0].url, "--server", two[1].url, "--http-retries", "1"
    )
    assert result.code == 1
    assert "every server failed this request" in result.err
    assert two[0].url in result.err and two[1].url in result.err


def test_docvl_base_url_may_list_several(run_cli, two, folder, tmp_path, monkeypatch):
    a, b = two
    a.default = b.default = answer(GOOD, delay=0.05)
    monkeypatch.setenv("DOCVL_BASE_URL", f"{a.url} {b.url}")
    result, records, _ = run_extract(run_cli, folder, tmp_path)
    assert result.code == 0, result.err
    assert len(records) == 8 and a.requests and b.requests


def test_the_api_takes_a_list_of_servers(two, folder):
    import docvl

    a, b = two
    a.default = b.default = answer(GOOD, delay=0.05)
    docs, _ = folder
    results = list(docvl.extract_many(docs, SCHEMA, server=[a.url, b.url], concurrency=4, workers=1))
    assert [r.status for r in results] == ["ok"] * 8
    assert {q.server for r in results for q in r.requests} == {a.url, b.url}
