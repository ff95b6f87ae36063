"""The text engine: real answers from the text layer, no model."""

from __future__ import annotations

import json

import pymupdf
import pytest

from docvl.engines.values import find_currency, parse_amount, parse_date, parse_money


def _invoice(path, lines):
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 60
    for line in lines:
        page.insert_text((50, y), line, fontsize=11)
        y += 18
    doc.save(path)
    return path


SCHEMA = {
    "type": "object",
    "required": ["issuer", "invoice_number", "date", "amount", "currency"],
    "properties": {
        "issuer": {"type": "string"},
        "invoice_number": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "date_due": {"type": "string", "format": "date"},
        "amount": {"$ref": "#/$defs/money"},
        "amount_untaxed": {"$ref": "#/$defs/money"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "order_id": {"type": "string"},
        "lines": {"type": "array", "items": {"type": "object"}},
    },
    "$defs": {"money": {"anyOf": [{"type": "number"}, {"type": "string"}]}},
}


def test_extract_fills_fields_with_their_pages(tmp_path, run_cli):
    pdf = _invoice(
        tmp_path / "inv.pdf",
        [
            "Brightwater Supplies GmbH",
            "Hafenstrasse 12, 20457 Hamburg",
            "Rechnungsnummer: RE-2024-0815",
            "Rechnungsdatum: 14.03.2024",
            "Zahlbar bis: 13.04.2024",
            "Nettobetrag 1.049,58 EUR",
            "MwSt 19 % 199,42 EUR",
            "Gesamtbetrag 1.249,00 EUR",
        ],
    )
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps(SCHEMA))
    result = run_cli("extract", pdf, "--schema", schema, "--engine", "text")
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)
    assert row["issuer"] == "Brightwater Supplies GmbH"
    assert row["invoice_number"] == "RE-2024-0815"
    assert row["date"] == "2024-03-14" and row["date_due"] == "2024-04-13"
    assert row["amount"] == 1249.0 and row["amount_untaxed"] == 1049.58
    assert row["currency"] == "EUR"
    assert row["order_id"] is None and row["lines"] is None  # not in the document: null, not a guess
    assert row["_pages"]["amount"] == [1] and "order_id" not in row["_pages"]
    assert row["_status"] == "ok"


def test_ask_quotes_passages_with_pages(corpus, run_cli):
    """On the sample contract: the passage that answers is quoted, with its page (qa.json)."""
    qa = json.loads((corpus / "longdoc" / "msa_halvorsen_brightwater.qa.json").read_text())
    item = next(q for q in qa if q["source"] == "text" and q["answer_type"] == "date")
    result = run_cli("ask", corpus / "longdoc" / "msa_halvorsen_brightwater.pdf", item["question"], "--json")
    out = json.loads(result.out)
    assert out["engine"] == "text" and out["extractive"] is True
    assert out["answer"].startswith("Extractive answer")
    assert set(item["pages"]) & set(out["pages"]), (item, out["pages"])
    assert "no --server or DOCVL_BASE_URL" in result.err


def test_scanned_pages_are_reported_not_invented(corpus, run_cli, monkeypatch):
    monkeypatch.setattr("docvl.render.ocr.ocr_available", lambda: False)  # the text engine asks when it opens
    result = run_cli(
        "ask", corpus / "longdoc" / "msa_halvorsen_brightwater_scanned.pdf", "Who signed?", "--pages", "1-2", "--json"
    )
    out = json.loads(result.out)
    assert out["pages"] == [] and any("no readable text" in w and "docvl[ocr]" in w for w in out["warnings"])


@pytest.mark.parametrize(
    ("text", "value"),
    [("Total 1.249,00 EUR", 1249.0), ("$4.11", 4.11), ("1,249.00", 1249.0), ("34,73 €", 34.73), ("-5,00", -5.0)],
)
def test_amounts(text, value):
    assert parse_amount(text) == value


def test_money_prefers_cents_and_skips_percentages():
    assert parse_money("VAT 19 % 199,42") == 199.42
    assert parse_money("Total (2 items) 12.50") == 12.5


def test_money_is_not_a_date_or_a_long_identifier():
    assert parse_money("TOTAL AMOUNT DUE ON August 3 , 2014") is None  # AWS invoice: the year is no amount
    assert parse_money("Total 1.249,00 EUR due 12.03.2024") == 1249.0
    assert parse_money("Phone: 8756390642") is None
    assert parse_money("Order 17589684") is None
    assert parse_money("Total 1,249,000.00") == 1249000.0  # separators make it money however long
    assert parse_money("Total 12 items 2014") == 2014.0  # not a month name: not a date
    assert parse_date("August 3 , 2014") == "2014-08-03"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Date: 03.08.2014", "2014-08-03"),
        ("August 3, 2014", "2014-08-03"),
        ("14 September 2023", "2023-09-14"),
        ("7 mai 2014", "2014-05-07"),
        ("2014-05-07", "2014-05-07"),
        ("12/31/2023", "2023-12-31"),
        ("3 août 2015", "2015-08-03"),
        ("no date here 99/99/99", None),
    ],
)
def test_dates(text, iso):
    assert parse_date(text) == iso


def test_currency():
    assert find_currency("Total $4.11") == "USD"
    assert find_currency("Summe 34,73 EUR, EUR") == "EUR"
    assert find_currency("nothing") is None


@pytest.mark.slow
def test_scanned_pages_are_read_with_ocr(corpus, run_cli):
    pytest.importorskip("rapidocr", reason="needs the ocr extra: pip install 'docvl[ocr]' (CI installs it)")
    pytest.importorskip("onnxruntime", reason="needs the ocr extra: pip install 'docvl[ocr]' (CI installs it)")
    qa = json.loads((corpus / "longdoc" / "msa_halvorsen_brightwater_scanned.qa.json").read_text())
    item = next(q for q in qa if "availability target" in q["question"])
    page = item["pages"][0]
    pdf = corpus / "longdoc" / "msa_halvorsen_brightwater_scanned.pdf"
    result = run_cli("ask", pdf, item["question"], "--pages", str(page), "--json")
    out = json.loads(result.out)
    assert out["pages"] == [page]
    assert str(item["answer"]) in out["answer"]  # 99.7, read from pixels: the file has no text layer
    assert any("read with OCR" in w for w in out["warnings"])


def test_text_engine_says_not_found_rather_than_not_stated(run_cli, pdf_factory, tmp_path):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "required": ["iban"], "properties": {"iban": {"type": "string"}}}))
    out = tmp_path / "out.jsonl"
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--engine", "text", "-o", out)
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert result.code == 0 and row["_status"] == "partial"
    assert row["_errors"] == ["iban: required, but not found by the text engine (null)"]
