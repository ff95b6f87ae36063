"""The openai engine through a real HTTP connection to a recorded-response vLLM server on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from tests.vllm_stub import MODEL, Scripted, StubServer, completion, error

SCHEMA = {
    "type": "object",
    "required": ["invoice_number", "total"],
    "properties": {
        "invoice_number": {"type": "string"},
        "total": {"type": "number"},
        "due": {"type": "string", "format": "date"},
    },
}


@pytest.fixture
def schema_file(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def _images(request):
    user = request["messages"][1]["content"]
    out = []
    for part in user:
        if part["type"] == "image_url":
            head, _, data = part["image_url"]["url"].partition(",")
            out.append((head, Image.open(io.BytesIO(base64.b64decode(data)))))
    return out


def test_ask_payload_and_answer(stub, run_cli, pdf_factory):
    stub.script.append(Scripted(body=completion("Freight costs rose.\nPages: 2", prompt_tokens=7000)))
    pdf = pdf_factory("report.pdf", pages=3, size=(612, 792))
    result = run_cli(
        "ask",
        pdf,
        "What drove the margin drop?",
        "--server",
        stub.url,
        "--json",
        "--max-tiles",
        "6",
        "--page-mode",
        "image",
    )
    assert result.code == 0, result.err
    (request,) = stub.requests
    # what docvl sent
    assert request["model"] == MODEL  # taken from /v1/models
    assert request["messages"][0] == {"role": "system", "content": "/no_think"}
    assert request["temperature"] == 0.0 and request["max_tokens"] == 1024
    assert request["mm_processor_kwargs"] == {"max_num_tiles": 6}
    user = request["messages"][1]["content"]
    assert [p["text"] for p in user if p["type"] == "text"][:3] == ["Page 1:\n", "Page 2:\n", "Page 3:\n"]
    assert [p["type"] for p in user[:6]] == ["text", "image_url"] * 3  # each label right before its page
    assert "What drove the margin drop?" in user[-1]["text"]
    images = _images(request)
    assert len(images) == 3
    for head, im in images:
        assert head == "data:image/jpeg;base64"
        assert im.size == (1024, 1536)  # a Letter page at max-tiles 6: a 2x3 grid, drawn at grid size
    assert "structured_outputs" not in request and "response_format" not in request
    # what docvl made of the reply
    out = json.loads(result.out)
    assert out["answer"] == "Freight costs rose." and out["pages"] == [2]
    assert out["status"] == "ok" and out["engine"] == "openai" and out["model"] == MODEL
    assert out["usage"] == {"prompt_tokens": 7000, "completion_tokens": 12, "requests": 1}
    assert out["plan"]["pages"][0]["tiles"] == 7
    assert "engine: openai" in result.err and "--server is set" in result.err


def test_think_mode_strips_and_keeps_reasoning(stub, run_cli, pdf_factory):
    stub.script += [
        Scripted(body=completion("<think>Page 1 shows it.</think>It is 9.00.\nPages: 1")),
        Scripted(body=completion("It is 9.00.\nPages: 1", reasoning="Looked at the totals row.")),
    ]
    pdf = pdf_factory(pages=1)
    first = run_cli("ask", pdf, "Total?", "--server", stub.url, "--think")
    assert first.code == 0 and "It is 9.00." in first.out and "Page 1 shows it" not in first.out
    assert stub.requests[0]["messages"][0]["content"] == "/think"
    assert stub.requests[0]["temperature"] == 0.6 and stub.requests[0]["top_p"] == 0.95
    second = run_cli("ask", pdf, "Total?", "--server", stub.url, "--think", "--show-reasoning", "--json")
    assert json.loads(second.out)["reasoning"] == "Looked at the totals row."


def test_citations_of_pages_not_sent_are_dropped(stub, run_cli, pdf_factory):
    stub.script.append(Scripted(body=completion("See the appendix.\nPages: 2, 9")))
    result = run_cli("ask", pdf_factory(pages=2), "Where?", "--server", stub.url, "--json")
    out = json.loads(result.out)
    assert out["pages"] == [2]
    assert any("not sent" in w for w in out["warnings"])


@pytest.mark.parametrize(
    ("version", "field"),
    [("0.11.1", "structured_outputs"), ("0.9.2", "guided_json"), (None, "response_format")],
)
def test_structured_output_field_follows_the_server(run_cli, pdf_factory, schema_file, version, field):
    server = StubServer(version=version)
    try:
        server.script.append(
            Scripted(body=completion('{"invoice_number": "A-1", "total": 9.5, "due": null, "_pages": {"total": [1]}}'))
        )
        result = run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", server.url)
        assert result.code == 0, result.err
        (request,) = server.requests
        sent = {"structured_outputs": request.get("structured_outputs", {}).get("json"), "guided_json": request.get("guided_json"),
                "response_format": (request.get("response_format") or {}).get("json_schema", {}).get("schema")}  # fmt: skip
        assert sent[field] is not None and all(v is None for k, v in sent.items() if k != field)
        assert sent[field]["properties"]["due"] == {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
        (row,) = json.loads(result.out)
        assert row["invoice_number"] == "A-1" and row["total"] == 9.5 and row["due"] is None
        assert row["_pages"] == {"total": [1]} and row["_status"] == "ok"
        assert f"structured output: {field}" in result.err
    finally:
        server.close()


def test_invalid_json_is_re_asked_with_the_errors(stub, run_cli, pdf_factory, schema_file):
    stub.script += [
        Scripted(body=completion('{"invoice_number": "A-1", "total": "nine"')),  # truncated JSON
        Scripted(body=completion('{"invoice_number": "A-1", "total": "nine"}')),  # wrong type
        Scripted(body=completion('{"invoice_number": "A-1", "total": 9}')),
    ]
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", stub.url, "--format", "json")
    assert result.code == 0
    assert len(stub.requests) == 3
    second_prompt = stub.requests[1]["messages"][1]["content"][-1]["text"]
    assert "not valid JSON" in second_prompt
    third_prompt = stub.requests[2]["messages"][1]["content"][-1]["text"]
    assert "total: 'nine' is not valid" in third_prompt
    (row,) = json.loads(result.out)
    assert row["_status"] == "ok" and row["total"] == 9


def test_still_invalid_is_kept_as_partial(stub, run_cli, pdf_factory, schema_file):
    stub.default = lambda body: Scripted(body=completion('{"invoice_number": "A-1", "total": "nine"}'))
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", stub.url, "--retries", "1")
    assert result.code == 0  # partial is not failed: the record is written with its errors
    assert len(stub.requests) == 2
    (row,) = json.loads(result.out)
    assert row["_status"] == "partial" and row["total"] == "nine"
    assert any("nine" in e for e in row["_errors"])
    assert "partial:" in result.err


def test_required_field_not_in_document_is_null_not_reasked(stub, run_cli, pdf_factory, schema_file):
    stub.script.append(Scripted(body=completion('{"invoice_number": null, "total": 9}')))
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", stub.url)
    assert len(stub.requests) == 1
    (row,) = json.loads(result.out)
    assert row["_status"] == "partial" and row["invoice_number"] is None
    assert any("does not state it" in e for e in row["_errors"])


def test_length_cut_answer_is_partial(stub, run_cli, pdf_factory):
    stub.script.append(Scripted(body=completion("The margin fell because", finish="length")))
    result = run_cli("ask", pdf_factory(pages=1), "Why?", "--server", stub.url, "--json")
    out = json.loads(result.out)
    assert out["status"] == "partial" and out["errors"][0]["code"] == "truncated"


def test_retries_on_429_and_500_then_succeeds(stub, run_cli, pdf_factory):
    stub.script += [
        Scripted(status=429, body=error(429, "rate limited"), headers={"Retry-After": "0"}),
        Scripted(status=500, body=error(500, "boom")),
        Scripted(status=200, body="this is not json"),
        Scripted(body=completion("Done.\nPages: 1")),
    ]
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url, "--json")
    assert result.code == 0, result.err
    assert len(stub.requests) == 4
    assert json.loads(result.out)["answer"] == "Done."


def test_persistent_errors_fail_the_document_not_the_batch(stub, run_cli, pdf_factory):
    stub.default = lambda body: Scripted(status=500, body=error(500, "model crashed"))
    result = run_cli("ask", pdf_factory("a.pdf", pages=1), pdf_factory("b.pdf", pages=1), "Q?", "--server", stub.url,
                     "--http-retries", "1", "--json")  # fmt: skip
    assert result.code == 1
    out = json.loads(result.out)
    assert [r["status"] for r in out] == ["failed", "failed"]
    assert (
        "model crashed" in out[0]["errors"][0]["message"]
        and "gave up after 2 attempts" in out[0]["errors"][0]["message"]
    )
    assert result.err.count("error:") == 2


def test_bad_request_is_not_retried(stub, run_cli, pdf_factory):
    stub.script.append(Scripted(status=400, body=error(400, "This model's maximum context length is 49152 tokens")))
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url)
    assert result.code == 1 and len(stub.requests) == 1
    assert "maximum context length" in result.err


def test_timeout_is_retried_then_reported(stub, run_cli, pdf_factory):
    stub.default = lambda body: Scripted(body=completion("late"), delay=3)
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url, "--timeout", "1", "--http-retries", "1")
    assert result.code == 1
    assert len(stub.requests) == 2 and "timed out" in result.err


def test_server_down_exits_3_with_how_to_start_it(run_cli, pdf_factory):
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", "http://127.0.0.1:9/v1")
    assert result.code == 3
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "did not answer" in lines[0] and "vllm serve" in lines[0]


def test_documents_are_sent_concurrently(stub, run_cli, pdf_factory):
    stub.default = lambda body: Scripted(body=completion("ok\nPages: 1"), delay=0.3)
    pdfs = [pdf_factory(f"d{i}.pdf", pages=1) for i in range(6)]
    result = run_cli("ask", *pdfs, "Q?", "--server", stub.url, "--concurrency", "3")
    assert result.code == 0
    assert len(stub.requests) == 6 and stub.max_in_flight == 3
    assert result.out.index("d0.pdf") < result.out.index("d5.pdf")  # results keep input order


def test_api_key_is_sent(monkeypatch, stub, pdf_factory):
    from docvl.engines import EngineOptions
    from docvl.engines.base import Generation
    from docvl.engines.openai_engine import OpenAIEngine
    from docvl.prompt import Prompt, TextPart

    monkeypatch.setenv("DOCVL_API_KEY", "sk-test")
    engine = OpenAIEngine(EngineOptions(servers=(stub.url.removesuffix("/v1"),)))
    stub.script.append(Scripted(body=completion("ok")))
    try:
        assert engine.base_url == stub.url
        engine.generate(Prompt(system="s", parts=[TextPart("q")], task="ask"), Generation(max_tokens=8))
    finally:
        engine.close()
    assert stub.headers[-1]["authorization"] == "Bearer sk-test"


def test_retry_after_is_honoured(stub, run_cli, pdf_factory):
    import time

    stub.script += [
        Scripted(status=429, body=error(429, "slow down"), headers={"Retry-After": "1"}),
        Scripted(body=completion("ok\nPages: 1")),
    ]
    start = time.perf_counter()
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url)
    assert result.code == 0 and time.perf_counter() - start >= 1.0


def test_newer_vllm_reasoning_field_and_empty_content(stub, run_cli, pdf_factory):
    body = completion(None, reasoning="The total row says 9.00.")
    body["choices"][0]["message"]["reasoning"] = body["choices"][0]["message"].pop("reasoning_content")
    stub.script.append(Scripted(body=body))
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url, "--show-reasoning", "--json")
    out = json.loads(result.out)
    assert out["reasoning"] == "The total row says 9.00."
    assert out["status"] == "partial" and out["errors"][0]["code"] == "empty"
    assert "reasoning-parser" in out["errors"][0]["message"]


def test_api_key_goes_on_the_wire(monkeypatch, stub, run_cli, pdf_factory):
    monkeypatch.setenv("DOCVL_API_KEY", "sk-test")
    stub.script.append(Scripted(body=completion("ok\nPages: 1")))
    assert run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url).code == 0
    assert stub.headers[-1]["authorization"] == "Bearer sk-test"


def test_extraction_schema_sent_to_the_server_allows_the_page_sidecar(stub, run_cli, pdf_factory, schema_file):
    stub.script.append(Scripted(body=completion('{"invoice_number": "A-1", "total": 9, "_pages": {"total": [1]}}')))
    run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", stub.url)
    sent = stub.requests[0]["structured_outputs"]["json"]
    assert sent["properties"]["_pages"]["additionalProperties"] == {"type": "array", "items": {"type": "integer"}}


def test_server_gone_mid_batch_keeps_finished_documents(stub, run_cli, pdf_factory, schema_file, tmp_path):
    stub.close_after = 1
    stub.script.append(Scripted(body=completion('{"invoice_number": "A-1", "total": 9}')))
    out = tmp_path / "out.jsonl"
    result = run_cli("extract", pdf_factory("a.pdf", pages=1), pdf_factory("b.pdf", pages=1), "--schema", schema_file,
                     "--server", stub.url, "--concurrency", "1", "--http-retries", "2", "-o", out)  # fmt: skip
    assert result.code == 1  # one document failed; not 3: the run had started and finished work is kept
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["_file"].rsplit("/", 1)[-1], r["_status"]) for r in rows] == [("a.pdf", "ok")]
    assert "b.pdf" in result.err and "error:" in result.err


def test_unknown_model_and_bad_key_are_engine_unavailable(stub, run_cli, pdf_factory):
    wrong = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url, "--model", "nvidia/other")
    assert wrong.code == 3 and MODEL in wrong.err
    stub.script.append(Scripted(status=401, body=error(401, "invalid api key")))
    denied = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url)
    assert denied.code == 3 and "DOCVL_API_KEY" in denied.err


@pytest.mark.parametrize("url", ["localhost:8000", "http://[::1"])
def test_malformed_server_url_is_a_usage_error(run_cli, pdf_factory, url):
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", url)
    assert result.code == 2 and "--server" in result.err


def test_non_json_constants_are_re_asked_and_missing_fields_are_null(stub, run_cli, pdf_factory, schema_file):
    stub.script += [
        Scripted(body=completion('{"invoice_number": "A-1", "total": NaN}')),
        Scripted(body=completion('{"total": 5}')),  # invoice_number and due left out
    ]
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", stub.url)
    assert "NaN" in stub.requests[1]["messages"][1]["content"][-1]["text"]
    (row,) = json.loads(result.out)
    assert row["total"] == 5 and row["invoice_number"] is None and row["due"] is None
    assert row["_status"] == "partial"  # invoice_number is required


def test_truncated_extraction_is_not_re_asked(stub, run_cli, pdf_factory, schema_file):
    stub.default = lambda body: Scripted(body=completion('{"invoice_number": "A-', finish="length"))
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema_file, "--server", stub.url)
    assert len(stub.requests) == 1
    (row,) = json.loads(result.out)
    assert row["_status"] == "partial" and any("max-output" in e or "cut off" in e for e in row["_errors"])


def test_a_server_with_a_shorter_context_is_planned_for(run_cli, pdf_factory):
    """vllm serve --max-model-len 16384: /v1/models says so, and the plan fits it instead of --context."""
    server = StubServer(max_model_len=16384)
    try:
        server.default = lambda request: Scripted(body=completion("Nothing.\nPages: none"))
        result = run_cli("ask", pdf_factory("long.pdf", pages=12), "Q?", "--server", server.url, "--page-mode", "image",
                         "--json")  # fmt: skip
        assert result.code == 0, result.err
        out = json.loads(result.out)
        assert out["plan"]["settings"]["context"] == 16384
        assert all(w["tokens"] + 1024 <= 16384 for w in out["plan"]["windows"])
        assert "note: the server takes requests of at most 16,384 tokens" in result.err
    finally:
        server.close()


def test_a_request_longer_than_the_server_takes_is_explained(stub, run_cli, pdf_factory):
    message = ("This model's maximum context length is 32768 tokens. However, you requested 40960 tokens (39936 in the "
               "messages, 1024 in the completion). Please reduce the length of the messages or completion.")  # fmt: skip
    stub.default = lambda request: Scripted(status=400, body={"object": "error", "message": message,
                                                              "type": "BadRequestError", "param": None, "code": 400})  # fmt: skip
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url)
    assert result.code == 1 and "longer than the server's 32,768-token context" in result.err
    assert "--context 24576 to leave room" in result.err  # 32,768 less the 8,192 it was over
    # vLLM V1's wording
    v1 = "The decoder prompt (length 33000) is longer than the maximum model length of 32768. Make sure ..."
    stub.default = lambda request: Scripted(status=400, body={"object": "error", "message": v1,
                                                              "type": "BadRequestError", "param": None, "code": 400})  # fmt: skip
    again = run_cli("ask", pdf_factory(pages=1), "Q?", "--server", stub.url)
    assert "longer than the server's 32,768-token context" in again.err and "--context 31744" in again.err
