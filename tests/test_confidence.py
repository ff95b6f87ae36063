"""Field confidence from token log-probabilities: each value's least likely token, located by walking the
reply's JSON with positions; the extract path end to end against a server that sends vLLM's logprobs."""

from __future__ import annotations

import json
import math

import pytest

from docvl.confidence import field_confidence
from tests.vllm_stub import Scripted, completion


def _tokens(*pieces):
    """(text, logprob) pieces; the reply text is their concatenation."""
    return "".join(t for t, _ in pieces), list(pieces)


def test_each_field_gets_its_least_likely_value_token():
    text, tokens = _tokens(('{"total', -0.01), ('": ', -0.02), ("9", -0.05), (".", -0.01), ("5", -1.2),
                           (', "date": ', -0.3), ("null", -0.4), (', "items": [{"a": ', -0.01), ("1", -2.5),
                           ("}]}", -0.01))  # fmt: skip
    got = field_confidence(text, tokens, ["total", "date", "items", "absent"])
    assert got == {"total": round(math.exp(-1.2), 4), "date": round(math.exp(-0.4), 4), "items": round(math.exp(-2.5), 4)}


def test_key_and_punctuation_tokens_do_not_count():
    text, tokens = _tokens(('{"', -5.0), ("name", -6.0), ('": "', -0.01), ("ACME", -0.1), ('"}', -0.01))
    # the span of a string value includes its quotes: the token '": "' overlaps it, the key's do not
    assert field_confidence(text, tokens, ["name"]) == {"name": round(math.exp(-0.1), 4)}


@pytest.mark.parametrize(
    "text",
    ['```json\n{"name": "ACME", "n": 2}\n```', 'Here it is: {"name": "ACME", "n": 2}', '{ "name" : "ACME" , "n" : 2 }'],
)
def test_value_spans_are_found_around_fences_prose_and_spaces(text):
    tokens = [(ch, -0.01) for ch in text]
    i = text.index("2")
    tokens[i] = ("2", -3.0)
    got = field_confidence(text, tokens, ["name", "n"])
    assert got == {"name": round(math.exp(-0.01), 4), "n": round(math.exp(-3.0), 4)}


def test_tokens_that_do_not_spell_the_reply_give_no_confidence():
    assert field_confidence('{"a": 1}', [('{"a": ', -0.1), ("2}", -0.1)], ["a"]) == {}
    assert field_confidence('{"a": 1}', None, ["a"]) == {}
    assert field_confidence("no JSON here", [("no JSON here", -0.1)], ["a"]) == {}


def test_reasoning_before_the_json_is_skipped():
    reply = '<think>total is {maybe} 9</think>{"total": 9}'
    tokens = [("<think>total is {maybe} 9</think>", -0.01), ('{"total": ', -0.01), ("9", -0.7), ("}", -0.01)]
    assert field_confidence('{"total": 9}', tokens, ["total"]) == {"total": round(math.exp(-0.7), 4)}
    assert field_confidence(reply, tokens, ["total"]) == {"total": round(math.exp(-0.7), 4)}


SCHEMA = {"type": "object", "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}}}


def test_extract_records_confidence_from_the_servers_logprobs(stub, run_cli, pdf_factory, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    text, tokens = _tokens(('{"invoice_number": "', -0.01), ("A-", -0.02), ("17", -0.9), ('", "total": ', -0.01),
                           ("9.5", -0.05), (', "_pages": {"total": [1]}}', -0.01))  # fmt: skip
    stub.script.append(Scripted(body=completion(text, logprobs=tokens)))
    out = tmp_path / "out.csv"
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "-o", out)
    assert result.code == 0, result.err
    (request,) = stub.requests
    assert request["logprobs"] is True
    import pandas as pd

    (row,) = pd.read_csv(out, dtype=str).to_dict("records")
    assert row["invoice_number"] == "A-17" and float(row["_confidence.invoice_number"]) == round(math.exp(-0.9), 4)
    assert float(row["_confidence.total"]) == round(math.exp(-0.05), 4)


def test_ask_does_not_ask_for_logprobs(stub, run_cli, pdf_factory):
    stub.script.append(Scripted(body=completion("It is 9.50.\nPages: 1")))
    assert run_cli("ask", pdf_factory(pages=1), "Total?", "--server", stub.url).code == 0
    assert "logprobs" not in stub.requests[0]


def test_a_server_without_logprobs_gives_records_without_confidence(stub, run_cli, pdf_factory, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    stub.script += [
        Scripted(status=400, body={"object": "error", "message": "logprobs is not supported", "type": "BadRequestError",
                                   "param": None, "code": 400}),
        Scripted(body=completion('{"invoice_number": "A-1", "total": 9.5}')),
    ]  # fmt: skip
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--format", "json")
    assert result.code == 0, result.err
    assert "logprobs" not in stub.requests[1] and "fields have no confidence" in result.err
    (row,) = json.loads(result.out)
    assert row["_confidence"] == {} and row["total"] == 9.5


def test_min_confidence_marks_the_record_partial_and_names_the_field(stub, run_cli, pdf_factory, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    text, tokens = _tokens(('{"invoice_number": "', -0.01), ("A-17", -0.9), ('", "total": ', -0.01), ("9.5", -0.05),
                           (', "_pages": {"invoice_number": [1]}}', -0.01))  # fmt: skip
    stub.script.append(Scripted(body=completion(text, logprobs=tokens)))
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--min-confidence", "0.5")
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)
    assert row["_status"] == "partial" and row["invoice_number"] == "A-17"  # kept, flagged, not dropped
    (error,) = row["_errors"]
    assert error.startswith("invoice_number: 'A-17' read with confidence 0.41, below --min-confidence 0.5 (page 1)")


def test_min_confidence_with_an_engine_without_logprobs_says_it_was_not_checked(run_cli, pdf_factory, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--engine", "text", "--min-confidence", "0.9")
    assert result.code == 0 and "--min-confidence 0.9: this engine gave no token log-probabilities" in result.err
