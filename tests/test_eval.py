"""`docvl eval`: the scorers on hand-made cases (the public benchmarks' tricky ones included), the dataset
formats, the figures, the CI gate, and end-to-end runs with the text engine and a vLLM stub."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from docvl.evaluate.datasets import DatasetError, ExtractItem, QAItem, load_extract, load_qa
from docvl.evaluate.metrics import calibration, regressions, score_extract, score_qa
from docvl.evaluate.scoring import anls, parse_date, parse_number, same_value, score_answer

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1,234.50", 1234.5), ("1.234,50", 1234.5), ("1234.5", 1234.5), ("$ 4.11", 4.11), ("EUR 2 400 000", 2400000),
        ("12 %", 12), ("(300)", -300), ("36 months", 36), ("12,5", 12.5), ("1.234.567", 1234567), ("−7", -7),
        ("12.4 + 8.75", None), ("no number", None), ("between 3 and 4", None),
    ],
)  # fmt: skip
def test_numbers_whatever_their_formatting(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["2025-03-28", "28 March 2025", "March 28, 2025", "03/28/2025", "28.03.2025", "Mar 28 2025", "28th March 2025"],
)
def test_dates_in_common_written_forms(text):
    assert parse_date(text) == date(2025, 3, 28)


@pytest.mark.parametrize(
    ("golds", "answer", "kind", "right"),
    [
        ([2400000], "The cap is EUR 2,400,000 per contract year.", "int", True),
        ([2400000], "EUR 2,400,001", "int", False),  # integers exactly
        ([3.14], "3.15", "float", True),  # floats within 1 %
        ([3.14], "3.2", "float", False),
        (["20.15"], "12.4 + 8.75", "float", False),  # an expression is not its value
        (["2024-04-01"], "The Effective Date is 1 April 2024.", "date", True),
        (["Ireland"], "Ireland\nPages: 18", "str", True),
        (["Ireland"], "It is governed by the laws of Ireland.", "str", True),  # the gold phrase inside the answer
        (["Ireland"], "Irish law", "str", False),
        (["Not answerable"], "The document does not say.", None, True),
        (["Not answerable"], "42", None, False),
        ([["apples", "pears"]], "pears, apples", "list", True),  # lists as sets
        ([["apples", "pears"]], "apples", "list", False),
        (["the blue one", "blue"], "blue", "str", True),  # any one gold answer
    ],
)
def test_answers_scored_as_the_benchmarks_score(golds, answer, kind, right):
    assert (score_answer(golds, answer, kind) >= 0.5) is right


def test_anls_threshold():
    assert anls("Amazon Web Services", "Amazon Web Service") > 0.9
    assert anls("Amazon", "Microsoft") == 0.0


def test_field_values_typed():
    assert same_value(4.11, "4.11", "number") == 1.0
    assert same_value("2014-08-03", "03.08.2014", "date") == 1.0
    assert same_value("Amazon Web Services", "amazon web services", "str") == 1.0


# -- datasets -----------------------------------------------------------------------------------------------


@pytest.fixture
def doc(corpus, tmp_path):
    target = tmp_path / "doc.pdf"
    shutil.copy(corpus / "longdoc" / "msa_halvorsen_brightwater.pdf", target)
    return target


def test_mmlongbench_items(doc, tmp_path):
    path = tmp_path / "mmlb.json"
    path.write_text(json.dumps([
        {"doc_id": "doc.pdf", "question": "Q1", "answer": "36", "evidence_pages": "[17]",
         "evidence_sources": "['Pure-text (Plain-text)', 'Table']", "answer_format": "Int"},
        {"doc_id": "doc.pdf", "question": "Q2", "answer": "['a', 'b']", "evidence_pages": "[1, 2]",
         "evidence_sources": "[]", "answer_format": "List"},
        {"doc_id": "doc.pdf", "question": "Q3", "answer": "Not answerable", "evidence_pages": "[]",
         "evidence_sources": "[]", "answer_format": "None"},
    ]))  # fmt: skip
    name, items = load_qa(path)
    assert name == "mmlongbench"
    assert [i.kind for i in items] == ["int", "list", "none"]
    assert items[0].pages == [17] and items[0].source == "Pure-text (Plain-text), Table"
    assert items[1].answers == [["a", "b"]] and items[1].pages == [1, 2]
    assert not items[2].answerable and items[0].answerable


def test_docvqa_and_mp_docvqa_items(doc, tmp_path):
    (tmp_path / "page.png").write_bytes((REPO / "tests" / "corpus" / "invoices" / "AmazonWebServices.pdf").read_bytes())
    single = tmp_path / "docvqa.json"
    single.write_text(
        json.dumps({"data": [{"questionId": 7, "question": "What?", "answers": ["x", "X."], "image": "page.png"}]})
    )
    _, (item,) = load_qa(single)
    assert item.answers == ["x", "X."] and item.pages == [1] and item.file.name == "page.png"
    multi = tmp_path / "mp.json"
    multi.write_text(json.dumps({"data": [{"questionId": 8, "question": "Who?", "answers": ["y"], "doc_id": "doc",
                                           "page_ids": ["doc_p0", "doc_p1"], "answer_page_idx": 1}]}))  # fmt: skip
    _, (item,) = load_qa(multi)
    assert item.file == doc and item.pages == [2]
    multi.write_text(json.dumps({"data": [{"questionId": 9, "question": "Who?", "answers": ["y"], "doc_id": "nodoc"}]}))
    with pytest.raises(DatasetError, match=r"nodoc\.pdf"):
        load_qa(multi)


def test_plain_csv_and_jsonl(doc, tmp_path):
    csv_path = tmp_path / "qa.csv"
    csv_path.write_text('file,question,answer,pages\ndoc.pdf,Which law?,Ireland,18\ndoc.pdf,Term?,36,"17,18"\n')
    name, items = load_qa(csv_path)
    assert name == "csv" and [i.pages for i in items] == [[18], [17, 18]]
    jsonl = tmp_path / "qa.jsonl"
    jsonl.write_text(json.dumps({"file": "doc.pdf", "question": "Q", "answer": ["a", "b"]}) + "\n")
    assert load_qa(jsonl)[1][0].answers == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("file,question\ndoc.pdf,Q\n", "item 1 has no 'answer'"),
        ("file,question,answer\nmissing.pdf,Q,A\n", "document missing.pdf not found"),
        ("file,question,answer,pages\ndoc.pdf,Q,A,three\n", "pages"),
    ],
)
def test_malformed_datasets_name_the_file_and_the_field(doc, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message) as info:
        load_qa(path)
    assert str(path) in str(info.value)


def test_unknown_json_is_one_clear_error(tmp_path):
    path = tmp_path / "what.json"
    path.write_text(json.dumps({"rows": []}))
    with pytest.raises(DatasetError, match="not a QA dataset"):
        load_qa(path)


# -- figures ----------------------------------------------------------------------------------------------


def test_qa_figures_pages_and_not_answerable(doc):
    items = [
        QAItem("1", doc, "Law?", ["Ireland"], "str", [18]),
        QAItem("2", doc, "Dog?", ["Not answerable"], "none", []),
        QAItem("3", doc, "Term?", [36], "int", [17]),
    ]
    rows = [
        {"_file": str(doc), "question": "Law?", "answer": "Ireland", "_pages": [18, 19], "_status": "ok", "_sent_pages": [17, 18]},
        {"_file": str(doc), "question": "Dog?", "answer": "Not found in the document.", "_pages": [], "_status": "ok"},
        {"_file": str(doc), "question": "Term?", "answer": "24 months", "_pages": [17], "_status": "ok", "_sent_pages": [1]},
    ]  # fmt: skip
    report = score_qa(items, rows, "hand-made")
    h = report.headline
    assert h["accuracy"] == pytest.approx(2 / 3)
    assert h["not_answerable_precision"] == 1.0 and h["not_answerable_recall"] == 1.0
    assert h["page_precision"] == pytest.approx((0.5 + 1.0) / 2) and h["page_recall"] == 1.0
    assert h["sent_recall"] == pytest.approx(0.5)  # the term's page was never sent


def test_extract_figures_abstention_line_items_and_exact_match(doc):
    schema = {"properties": {"total": {"type": "number"}, "due": {"type": "string", "format": "date"},
                             "po": {"type": "string"}, "lines": {"type": "array"}}}  # fmt: skip
    gold = {"total": "1,234.50", "due": "2025-03-28", "po": None,
            "lines": [{"name": "A", "price": "1.00"}, {"name": "B", "price": "2.00"}]}  # fmt: skip
    right = {"_file": str(doc), "_status": "ok", "total": 1234.5, "due": "28 March 2025", "po": None,
             "lines": [{"name": "B", "price": 2}, {"name": "A", "price": 1}]}  # fmt: skip
    report = score_extract([ExtractItem("1", doc, gold)], [right], "x", schema)
    assert report.headline["field_f1"] == 1.0 and report.headline["record_exact"] == 1.0
    assert report.items[0]["fields"]["po"] == "abstained"
    wrong = {**right, "po": "PO-1", "total": None, "lines": [{"name": "A", "price": 1}]}
    report = score_extract([ExtractItem("1", doc, gold)], [wrong], "x", schema)
    fields = report.items[0]["fields"]
    assert fields == {"total": "missed", "due": "right", "po": "invented", "lines": "wrong"}
    # tp 1 (due); fp: po, lines; fn: total, lines
    assert report.headline["field_precision"] == pytest.approx(1 / 3)
    assert report.headline["field_recall"] == pytest.approx(1 / 3)
    assert report.headline["record_exact"] == 0.0


def test_calibration_and_coverage():
    pairs = [(0.95, True)] * 9 + [(0.95, False)] + [(0.55, True)] * 5 + [(0.55, False)] * 5
    cal = calibration(pairs)
    assert cal["ece"] == pytest.approx((10 * abs(0.9 - 0.95) + 10 * abs(0.5 - 0.55)) / 20)
    at_09 = next(c for c in cal["coverage"] if c["min_confidence"] == 0.9)
    assert at_09["coverage"] == 0.5 and at_09["accuracy"] == 0.9


def test_the_gate_lists_what_dropped(doc, tmp_path):
    items = [QAItem("1", doc, "Law?", ["Ireland"], "str", [18])]
    good = score_qa(items, [{"_file": str(doc), "question": "Law?", "answer": "Ireland", "_pages": [18]}], "x")
    bad = score_qa(items, [{"_file": str(doc), "question": "Law?", "answer": "France", "_pages": [18]}], "x")
    baseline = tmp_path / "base.json"
    baseline.write_text(json.dumps(good.to_json()))
    assert regressions(good, baseline, 0.02) == []
    dropped = regressions(bad, baseline, 0.02)
    assert any(d.startswith("accuracy 1.000 -> 0.000") for d in dropped)


# -- end to end ---------------------------------------------------------------------------------------------


def test_eval_qa_on_the_corpus_with_the_text_engine_and_the_gate(run_cli, corpus, tmp_path):
    data = tmp_path / "longdoc"
    data.mkdir()
    for name in ("msa_halvorsen_brightwater.pdf", "msa_halvorsen_brightwater.qa.json"):
        shutil.copy(corpus / "longdoc" / name, data / name)
    preds, report = tmp_path / "preds.jsonl", tmp_path / "eval.json"
    result = run_cli("eval", "qa", data, "-o", preds, "--json", report)
    assert result.code == 0, result.err
    figures = json.loads(report.read_text())["headline"]
    assert figures["items"] == len(json.loads((data / "msa_halvorsen_brightwater.qa.json").read_text()))
    assert 0.3 <= figures["accuracy"] <= 1.0 and figures["sent_recall"] == 1.0
    assert "accuracy" in result.out and "by evidence source" in result.out
    # scoring the kept predictions again gives the same figures without running anything
    again = run_cli("eval", "qa", data, "--pred", preds, "--json", tmp_path / "again.json", "--compare", report)
    assert again.code == 0, again.err
    assert json.loads((tmp_path / "again.json").read_text())["headline"]["accuracy"] == figures["accuracy"]
    # a worse prediction file fails the gate, naming the figure
    worse = [json.loads(line) for line in preds.read_text().splitlines()]
    for row in worse[: len(worse) // 2]:
        row["answer"] = "nothing useful"
    bad = tmp_path / "worse.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in worse))
    gated = run_cli("eval", "qa", data, "--pred", bad, "--compare", report, "--max-drop", "0.02")
    assert gated.code == 1 and "regression" in gated.err and "accuracy" in gated.err


def test_eval_extract_scores_a_file_extract_o_wrote(run_cli, corpus, tmp_path):
    invoices = corpus / "invoices"
    schema = invoices / "schemas" / "invoice.json"
    out = tmp_path / "out.jsonl"
    assert run_cli("extract", invoices, "--schema", schema, "-o", out).code == 0
    result = run_cli("eval", "extract", invoices, "--schema", schema, "--pred", out, "--json", tmp_path / "e.json")
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["headline"]["items"] == 7 and 0 < report["headline"]["field_f1"] < 1
    assert "invoice_number" in report["breakdowns"]["field"]


def test_eval_extract_against_a_stub_server_with_confidence(run_cli, corpus, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    invoices = tmp_path / "inv"
    invoices.mkdir()
    for name in ("AmazonWebServices", "FlipkartInvoice"):
        for ext in (".pdf", ".json"):
            shutil.copy(corpus / "invoices" / f"{name}{ext}", invoices / f"{name}{ext}")
    reply = json.dumps({"invoice_number": "42183017", "amount": 4.11, "date": "2014-08-03"})
    tokens = [
        ("{", -0.01),
        ('"invoice_number"', -0.01),
        ('"42183017"', -0.05),
        ("4.11", -2.0),
        ('"2014-08-03"', -0.01),
        ("}", 0.0),
    ]
    stub.default = lambda body: Scripted(body=completion(reply, logprobs=tokens))
    schema = corpus / "invoices" / "schemas" / "invoice.json"
    result = run_cli(
        "eval",
        "extract",
        invoices,
        "--schema",
        schema,
        "--server",
        stub.url,
        "--confidence",
        "--json",
        tmp_path / "e.json",
    )
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["headline"]["items"] == 2 and len(stub.requests) == 2
    assert report["calibration"] is not None and report["calibration"]["values"] > 0


def test_numbers_in_table_rows_and_passages_mentioning_not_found():
    row = "[Page 7] Project Manager 165 1,230 Senior Consultant 185 1,380 Data Engineer 142 1,060"
    assert score_answer([185], row, "int") == 1.0  # two numbers side by side are two numbers
    assert score_answer([12487.3], "Revenue 12,487.3 11,204.9 Cost (5,902.4)", "float") == 1.0
    passage = "[Page 31] E-131 Gap not found Run media calibration E-217 Ribbon sensor misaligned Re-seat"
    assert score_answer(["Ribbon sensor misaligned"], passage, "str") == 1.0  # a passage, not an abstention
    assert score_answer(["Not answerable"], "Not found in the document.", None) == 1.0


def test_the_html_report_is_one_self_contained_page(run_cli, corpus, tmp_path):
    import re

    invoices = corpus / "invoices"
    schema = invoices / "schemas" / "invoice.json"
    out = tmp_path / "out.jsonl"
    run_cli("extract", invoices, "--schema", schema, "-o", out)
    page = tmp_path / "eval.html"
    result = run_cli("eval", "extract", invoices, "--schema", schema, "--pred", out, "--html", page)
    assert result.code == 0, result.err
    html = page.read_text()
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert "<svg" in html and "F1 by field" in html and "invoice_number" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from anywhere
    assert "no confidences" in html  # a plot with nothing to show says why


def test_eval_qa_against_a_stub_server_counts_tokens_and_pages(run_cli, doc, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    data = tmp_path / "qa.csv"
    data.write_text(
        "file,question,answer,pages\ndoc.pdf,Which law governs?,Ireland,18\ndoc.pdf,How long is the term?,36,17\n"
    )
    stub.default = lambda body: Scripted(body=completion("Ireland\nPages: 18"))
    result = run_cli("eval", "qa", data, "--server", stub.url, "--json", tmp_path / "e.json", "--pages", "15-20")
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "e.json").read_text())
    h = report["headline"]
    assert h["items"] == 2 and h["accuracy"] == 0.5 and len(stub.requests) == 2
    assert h["tokens_per_item"] == 1812 and h["requests_per_item"] == 1
    assert [i["cited_pages"] for i in report["items"]] == [[18], [18]]
    assert h["page_recall"] == 0.5 and h["sent_recall"] == 1.0  # pages 15-20 were sent; 18 cited both times


def test_review_cases_failed_rows_short_golds_csv_pages_and_full_paths(doc, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    twin = other / "doc.pdf"
    shutil.copy(doc, twin)
    items = [
        QAItem("1", doc, "Dog?", ["Not answerable"], "none", []),
        QAItem("2", doc, "Total?", ["5"], "int", [3]),
        QAItem("3", doc, "Limit?", ["No"], "str", []),
        QAItem("4", twin, "Law?", ["Ireland"], "str", [18]),
        QAItem("5", doc, "Law?", ["Ireland"], "str", [18]),
    ]
    rows = [
        {"_file": str(doc), "question": "Dog?", "answer": None, "_status": "failed"},  # failed: never right
        {"_file": str(doc), "question": "Limit?", "answer": "Yes, there is no limit.", "_status": "ok"},
        {"_file": str(twin), "question": "Law?", "answer": "Ireland", "_pages": "[18]", "_status": "ok"},  # CSV cell
        {"_file": str(doc), "question": "Law?", "answer": "France", "_pages": "[3, 4]", "_status": "ok"},
    ]
    report = score_qa(items, rows, "x")
    assert [i["right"] for i in report.items] == [False, False, False, True, False]
    assert report.headline["not_answerable_recall"] == 0.0 and report.headline["not_answerable_precision"] is None
    assert report.items[3]["cited_pages"] == [18] and report.items[4]["cited_pages"] == [3, 4]
    assert score_answer(["3"], "The total is 12.\n[Page 3] ...", "int") == 0.0  # the first line is the answer
    assert score_answer(["12"], "12.50", "str", strict=True) == 0.0  # DocVQA: ANLS alone
    failed = score_extract(
        [ExtractItem("1", doc, {"po": None, "total": 5})], [{"_file": str(doc), "_status": "failed"}], "x"
    )
    assert failed.headline["record_exact"] == 0.0 and failed.items[0]["fields"] == {"po": "failed", "total": "failed"}
    assert json.dumps(failed.to_json(), allow_nan=False)  # NaN never reaches --json


def test_empty_datasets_are_one_clear_error(tmp_path):
    empty = tmp_path / "qa.csv"
    empty.write_text("file,question,answer\n")
    with pytest.raises(DatasetError, match="no items"):
        load_qa(empty)
    lines = tmp_path / "gold.jsonl"
    lines.write_text("")
    with pytest.raises(DatasetError, match="no items"):
        load_extract(lines)
