import csv
import io
import json

import pytest

from docvl.errors import UsageError
from docvl.results import DocumentResult, ErrorItem
from docvl.write import format_records, output_format, write_atomic


def _result(path, **data):
    return DocumentResult(
        path=path,
        task="extract",
        status="ok",
        data=data,
        field_pages={"total": [2]},
    )


RESULTS = [
    _result(
        "Rechnung März 2024 – Kopie (1).pdf",
        total=9.5,
        seller={"name": "ACME", "vat": "DE1"},
        lines=[{"qty": 1, "desc": "a"}, {"qty": 2, "desc": "b"}],
    ),
    _result("b.pdf", total=None, seller=None, lines=[]),
]


def test_json_and_jsonl():
    rows = json.loads(format_records(RESULTS, "json"))
    assert rows[0]["_file"] == "Rechnung März 2024 – Kopie (1).pdf" and rows[0]["_pages"] == {"total": [2]}
    lines = format_records(RESULTS, "jsonl").splitlines()
    assert [json.loads(line)["_file"] for line in lines] == ["Rechnung März 2024 – Kopie (1).pdf", "b.pdf"]


def test_csv_explodes_arrays_and_flattens_objects():
    rows = list(csv.DictReader(io.StringIO(format_records(RESULTS, "csv"))))
    assert [r["_file"] for r in rows] == ["Rechnung März 2024 – Kopie (1).pdf"] * 2 + ["b.pdf"]
    assert [r["lines.qty"] for r in rows[:2]] == ["1", "2"]
    assert rows[0]["seller.name"] == "ACME" and rows[0]["total"] == "9.5"
    assert json.loads(rows[0]["_pages"]) == {"total": [2]}


def test_csv_arrays_as_json_cells():
    rows = list(csv.DictReader(io.StringIO(format_records(RESULTS, "csv", csv_lines="json"))))
    assert len(rows) == 2
    assert json.loads(rows[0]["lines"]) == [{"qty": 1, "desc": "a"}, {"qty": 2, "desc": "b"}]


def test_errors_travel_with_the_record():
    partial = DocumentResult(path="p.pdf", task="extract", status="partial", data={"total": "nine"},
                             errors=[ErrorItem(code="invalid", message="total: 'nine' is not a number")])  # fmt: skip
    (row,) = json.loads(format_records([partial], "json"))
    assert row["_status"] == "partial" and row["_errors"] == ["total: 'nine' is not a number"]


@pytest.mark.parametrize(("name", "fmt"), [("o.json", "json"), ("o.JSONL", "jsonl"), ("o.csv", "csv")])
def test_format_from_extension(tmp_path, name, fmt):
    assert output_format(tmp_path / name, None) == fmt


def test_unknown_extension_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="--format"):
        output_format(tmp_path / "o.xlsx", None)


def test_atomic_write_leaves_no_temp_file(tmp_path):
    target = tmp_path / "sub" / "out.json"
    write_atomic(target, "[]\n")
    assert target.read_text() == "[]\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_extract_cli_writes_csv_and_bad_schema_is_exit_2(tmp_path, run_cli, pdf_factory):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"invoice_number": {"type": "string"}}}))
    out = tmp_path / "out.csv"
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "-o", out)
    assert result.code == 0 and "-> " in result.err
    (row,) = list(csv.DictReader(out.open()))
    assert row["_status"] in ("ok", "partial") and "invoice_number" in row
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert run_cli("extract", pdf_factory(pages=1), "--schema", bad).code == 2
    assert run_cli("extract", pdf_factory(pages=1), "--schema", tmp_path / "missing.json").code == 2
    assert run_cli("extract", pdf_factory(pages=1), "--schema", schema, "-o", tmp_path / "x.xlsx").code == 2


def test_pydantic_model_as_schema(tmp_path, run_cli, pdf_factory, monkeypatch):
    (tmp_path / "mymodels.py").write_text(
        "from pydantic import BaseModel\nclass Invoice(BaseModel):\n    invoice_number: str | None = None\n    total: float | None = None\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run_cli("extract", pdf_factory(pages=1), "--schema", "mymodels:Invoice")
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)
    assert set(row) >= {"invoice_number", "total", "_pages"}
    assert run_cli("extract", pdf_factory(pages=1), "--schema", "mymodels:Nope").code == 2


def test_csv_explodes_one_list_and_keeps_others_as_json():
    result = _result("x.pdf", lines=[{"qty": 1}, {"qty": 2}, {"qty": 3}], pays=[{"amt": 5}], paid=True, tags=None)
    rows = list(
        csv.DictReader(io.StringIO(format_records([result], "csv", fields=["lines", "pays", "paid", "tags", "extra"])))
    )
    assert [r["lines.qty"] for r in rows] == ["1", "2", "3"]
    assert {r["pays"] for r in rows} == {'[{"amt": 5}]'} and {r["paid"] for r in rows} == {"true"}
    assert list(rows[0])[:2] == ["_file", "_status"] and "extra" in rows[0]  # schema fields are columns even if empty


def test_reserved_field_names_are_refused(tmp_path, run_cli, pdf_factory):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"_status": {"type": "string"}}}))
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema)
    assert result.code == 2 and "_status" in result.err


def test_output_that_is_a_folder_is_refused_before_work(tmp_path, run_cli, pdf_factory):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}))
    (tmp_path / "out.json").mkdir()
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "-o", tmp_path / "out.json")
    assert result.code == 2 and "is a folder" in result.err


def test_output_gets_the_mode_open_would_give_it_or_keeps_the_old_one(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        fresh = tmp_path / "out.csv"
        write_atomic(fresh, "a\n")
        assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
        fresh.chmod(0o640)
        write_atomic(fresh, "b\n")
        assert fresh.stat().st_mode & 0o777 == 0o640 and fresh.read_text() == "b\n"
    finally:
        os.umask(old)
