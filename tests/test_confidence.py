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
    assert got == {
        "total": round(math.exp(-1.2), 4),
        "date": round(math.exp(-0.4), 4),
        "items": round(math.exp(-2.5), 4),
    }


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


def test_reasoning_that_drafts_the_same_json_is_not_scored():
    """vLLM puts the reasoning in its own field, but its tokens are in the logprobs too: the answer is
    the end of what was generated."""
    content = '{"total": 9}'
    tokens = [("<think>", -0.01), ('Draft: {"total": ', -0.01), ("9", -4.0), ("}. Sure.</think>", -0.01),
              ('{"total": ', -0.01), ("9", -0.001), ("}", -0.01)]  # fmt: skip
    assert field_confidence(content, tokens, ["total"]) == {"total": round(math.exp(-0.001), 4)}
    # without a reasoning parser the trace stays in the reply; the JSON read is the answer after it
    reply = "".join(t for t, _ in tokens)
    assert field_confidence(reply, tokens, ["total"], answer=content) == {"total": round(math.exp(-0.001), 4)}


@pytest.mark.parametrize("piece", ["\ufffd", "bytes:\\xc3", "bytes:\\xa9"])
def test_a_character_split_over_tokens_keeps_the_record_scored(piece):
    """A server shows each byte of a split character as U+FFFD or `bytes:\\xNN`; the run stands for the
    character between its neighbours, and its probability counts for the value."""
    text = '{"name": "Café", "total": 9.5}'
    tokens = [('{"name": "', -0.01), ("Caf", -0.02), (piece, -0.7), (piece, -0.01), ('", "total": ', -0.01),
              ("9.5", -0.05), ("}", -0.01)]  # fmt: skip
    assert field_confidence(text, tokens, ["name", "total"]) == {
        "name": round(math.exp(-0.7), 4), "total": round(math.exp(-0.05), 4)}  # fmt: skip


def test_unknown_or_broken_log_probabilities_give_no_confidence_for_that_value():
    text = '{"a": 1, "b": 2}'
    tokens = [('{"a": ', -0.01), ("1", float("nan")), (', "b": ', -0.01), ("2", -9999.0), ("}", -0.01)]
    assert field_confidence(text, tokens, ["a", "b"]) == {}


def test_a_stop_token_the_reply_does_not_show_is_skipped():
    text = '{"a": 1}'
    tokens = [('{"a": ', -0.01), ("1", -0.3), ("}", -0.01), ("<|im_end|>", -0.01)]
    assert field_confidence(text, tokens, ["a"]) == {"a": round(math.exp(-0.3), 4)}


SCHEMA = {"type": "object", "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}}}


@pytest.fixture
def schema(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def test_extract_records_confidence_from_the_servers_logprobs(stub, run_cli, pdf_factory, tmp_path, schema):
    text, tokens = _tokens(('{"invoice_number": "', -0.01), ("A-", -0.02), ("17", -0.9), ('", "total": ', -0.01),
                           ("9.5", -0.05), (', "_pages": {"total": [1]}}', -0.01))  # fmt: skip
    stub.script.append(Scripted(body=completion(text, logprobs=tokens)))
    out = tmp_path / "out.csv"
    result = run_cli(
        "extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "-o", out, "--confidence"
    )
    assert result.code == 0, result.err
    (request,) = stub.requests
    assert request["logprobs"] is True
    import pandas as pd

    (row,) = pd.read_csv(out, dtype=str).to_dict("records")
    assert row["invoice_number"] == "A-17" and float(row["_confidence.invoice_number"]) == round(math.exp(-0.9), 4)
    assert float(row["_confidence.total"]) == round(math.exp(-0.05), 4)


def test_logprobs_are_asked_for_only_when_confidence_is(stub, run_cli, pdf_factory, schema):
    stub.default = lambda request: Scripted(body=completion('{"invoice_number": "A-1", "total": 9.5}'))
    assert run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url).code == 0
    assert run_cli("ask", pdf_factory(pages=1), "Total?", "--server", stub.url).code == 0
    assert all("logprobs" not in r for r in stub.requests)  # they cost server throughput


def test_a_server_without_logprobs_gives_records_without_confidence(stub, run_cli, pdf_factory, schema):
    stub.script += [
        Scripted(status=400, body={"object": "error", "message": "logprobs is not supported", "type": "BadRequestError",
                                   "param": None, "code": 400}),
        Scripted(body=completion('{"invoice_number": "A-1", "total": 9.5}')),
    ]  # fmt: skip
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--format", "json",
                     "--confidence")  # fmt: skip
    assert result.code == 0, result.err
    assert "logprobs" not in stub.requests[1] and "fields have no confidence" in result.err
    (row,) = json.loads(result.out)
    assert row["_confidence"] == {} and row["total"] == 9.5


def test_min_confidence_marks_the_record_partial_and_names_the_field(stub, run_cli, pdf_factory, schema):
    text, tokens = _tokens(('{"invoice_number": "', -0.01), ("A-17", -0.9), ('", "total": ', -0.01), ("9.5", -0.05),
                           (', "_pages": {"invoice_number": [1]}}', -0.01))  # fmt: skip
    stub.script.append(Scripted(body=completion(text, logprobs=tokens)))
    result = run_cli(
        "extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--min-confidence", "0.5"
    )
    assert result.code == 0, result.err
    assert stub.requests[0]["logprobs"] is True  # implied
    (row,) = json.loads(result.out)
    assert row["_status"] == "partial" and row["invoice_number"] == "A-17"  # kept, flagged, not dropped
    (error,) = row["_errors"]
    assert error == "invoice_number: 'A-17' read with confidence 0.4066, below --min-confidence 0.5 (page 1)"


def test_min_confidence_skips_nulls_and_flags_values_it_could_not_score(stub, run_cli, pdf_factory, schema):
    text = '{"invoice_number": null, "total": 9.5}'
    tokens = [
        ('{"invoice_number": ', -0.01),
        ("null", -3.0),
        (', "total": ', -0.01),
        ("9.", -0.01),
        ("5}", float("nan")),
    ]
    stub.script.append(Scripted(body=completion(text, logprobs=tokens)))
    result = run_cli(
        "extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--min-confidence", "0.5"
    )
    (row,) = json.loads(result.out)
    assert row["_confidence"] == {}  # a null is not scored; total's tokens carry no usable log-probability
    assert row["_status"] == "partial"
    assert row["_errors"] == [
        "total: 9.5 has no confidence (the log-probabilities did not cover it), so it is not checked"
    ]


def test_confidence_of_a_re_asked_record_comes_from_the_reply_kept(stub, run_cli, pdf_factory, schema):
    text, tokens = _tokens(('{"invoice_number": "A-1", "total": "', -0.01), ("nine", -2.0), ('"}', -0.01))
    good, good_tokens = _tokens(('{"invoice_number": "', -0.01), ("A-1", -0.2), ('", "total": ', -0.01), ("9", -0.1),
                                ("}", -0.01))  # fmt: skip
    stub.script += [
        Scripted(body=completion(text, logprobs=tokens)),
        Scripted(body=completion("Sorry.", logprobs=[("Sorry.", -0.1)])),
    ]
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--format", "json",
                     "--confidence", "--retries", "1")  # fmt: skip
    (row,) = json.loads(result.out)
    # the invalid first reply is what is kept (with its errors): so is its confidence
    assert row["_confidence"]["invoice_number"] == round(math.exp(-0.01), 4)
    stub.script += [
        Scripted(body=completion(text, logprobs=tokens)),
        Scripted(body=completion(good, logprobs=good_tokens)),
    ]
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", stub.url, "--format", "json",
                     "--confidence", "--retries", "1")  # fmt: skip
    (row,) = json.loads(result.out)
    assert row["_status"] == "ok" and row["_confidence"] == {"invoice_number": round(math.exp(-0.2), 4),
                                                             "total": round(math.exp(-0.1), 4)}  # fmt: skip


def test_merged_windows_keep_the_confidence_of_the_window_each_value_came_from(
    stub, run_cli, pdf_factory, tmp_path, schema
):
    first, first_tokens = _tokens(('{"invoice_number": "', -0.01), ("A-1", -0.3), ('", "total": null}', -0.01))
    second, second_tokens = _tokens(('{"invoice_number": "', -0.01), ("B-7", -2.0), ('", "total": ', -0.01),
                                    ("12.5", -0.6), ("}", -0.01))  # fmt: skip
    stub.script += [Scripted(body=completion(first, logprobs=first_tokens)),
                    Scripted(body=completion(second, logprobs=second_tokens))]  # fmt: skip
    result = run_cli("extract", pdf_factory("long.pdf", pages=40), "--schema", schema, "--server", stub.url, "--format",
                     "json", "--confidence", "--page-mode", "image", "--strategy", "map-reduce")  # fmt: skip
    assert result.code == 0, result.err
    assert len(stub.requests) == 2
    (row,) = json.loads(result.out)
    assert row["invoice_number"] == "A-1" and row["total"] == 12.5
    assert row["_confidence"] == {"invoice_number": round(math.exp(-0.3), 4), "total": round(math.exp(-0.6), 4)}
