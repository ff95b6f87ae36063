"""Grounding: every extracted value's boxes on the page, from the document's text layer; values found
nowhere said as unlocated."""

from __future__ import annotations

import json

import pymupdf
import pytest

from docvl.grounding import PageWords, find, leaves, locate_record
from docvl.load import load_document
from docvl.load.textlayer import page_words_of


def make(path, lines: list[str], *, rotate: int = 0):
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 80
    for line in lines:
        page.insert_text((60, y), line, fontsize=11)
        y += 22
    if rotate:
        page.set_rotation(rotate)
    doc.save(path)
    doc.close()
    return path


def page_of(path) -> PageWords:
    document = load_document(path)
    info = document.pages[0]
    return PageWords(1, info.width_pt or 0, info.height_pt or 0, page_words_of(document, [1])[1])


def read_back(path, found) -> str:
    """The text PyMuPDF finds inside the box (displayed-page coordinates)."""
    with pymupdf.open(path) as pdf:
        page = pdf[found.page - 1]
        rect = pymupdf.Rect(found.boxes[0]) * page.derotation_matrix  # displayed -> unrotated page space
        return page.get_textbox(pymupdf.Rect(rect.x0 - 1, rect.y0 - 1, rect.x1 + 1, rect.y1 + 1))


LINES = [
    "INVOICE  No. INV-2025-0042",
    "Invoice date: 28 March 2025      Due: 04/27/2025",
    "Customer: Brightwater Logistics GmbH",
    "Total amount due: EUR 1.234,50",
    "Tax: $ 205.75   Reference: 0000",
    "Delivery to Königstraße 12, 70173 Stuttgart",
    "The office supplies were delivered.",
]


@pytest.mark.parametrize(
    ("value", "text", "match"),
    [
        (1234.5, "1.234,50", "normalised"),  # a number whatever its formatting
        ("1,234.50", "1.234,50", "normalised"),
        (205.75, "205.75", "exact"),
        ("2025-03-28", "28 March 2025", "normalised"),  # dates however written
        ("2025-04-27", "04/27/2025", "normalised"),
        ("INV-2025-0042", "INV-2025-0042", "exact"),
        ("brightwater logistics gmbh", "Brightwater Logistics GmbH", "normalised"),  # case
        ("Konigstrasse 12", "Königstraße 12,", "fuzzy"),  # OCR-like spelling (the comma is in the word)
    ],
)
def test_values_are_found_whatever_their_formatting(tmp_path, value, text, match):
    path = make(tmp_path / "inv.pdf", LINES)
    found = find(value, [page_of(path)])
    assert found is not None, value
    assert found.match == match
    assert found.text == text
    assert text.split()[0] in read_back(path, found)  # the box holds the value's text


MORE_LINES = [
    "Rechnungsdatum: 28. März 2025   Fecha: 28 de marzo de 2025",
    "Leistungszeitraum: du 1er au 31 Juillet 2015",
    "Betrag in $ und Steuer 19 %   Land: Nederland   Bestellt am 03/04/2025",
    "Mehr unter aws.amazon.com/contact-us/ oder n°562044387",
    "TVA intracommunautaire: FR 604 219 388 61",
    "Please contact us.   Konto 4218  Ref 3017",
]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2025-03-28", "28. März 2025"),  # month names in other languages
        ("2015-07-01", "1er au 31 Juillet 2015"),  # the first day of a range printed with its month once
        ("2015-07-31", "31 Juillet 2015"),
        ("2025-04-03", "03/04/2025"),  # day and month order unknown: either reading
        ("2025-03-04", "03/04/2025"),
        ("USD", "$"),  # a currency code as its sign
        ("NL", "Nederland"),  # a country code as its name
        (0.19, "19 %"),  # a share printed as a percentage
        ("aws.amazon.com", "aws.amazon.com/contact-us/"),  # inside a longer word, at its punctuation
        ("562044387", "n°562044387"),
        ("FR60421938861", "FR 604 219 388 61"),  # an identifier printed in groups
    ],
)
def test_values_printed_another_way_are_found(tmp_path, value, text):
    path = make(tmp_path / "more.pdf", MORE_LINES)
    found = find(value, [page_of(path)])
    assert found is not None, value
    assert found.text == text
    assert found.match in ("exact", "normalised")
    assert text.split()[0] in read_back(path, found)


@pytest.mark.parametrize(
    "value",
    [
        "2025-07-02",  # a day inside the range, neither end
        "US",  # a country code is not the pronoun "us"
        "EUR",  # no euro sign or name on the page
        "42183017",  # digits of numbers on two lines are not one number
        "562044378",  # two digits swapped
        "FR60421938862",  # one digit changed
        "Northwind Traders GmbH",  # a name that is not there
        "Leistungszeitraum: du 2er au 31 Juillet 2015",  # fuzzy matching forgives letters, never digits
        1234.5,
    ],
)
def test_made_up_values_are_not_found(tmp_path, value):
    lines = [*MORE_LINES[:5], "Please contact us.   Konto 4218", "Ref 3017"]
    path = make(tmp_path / "more.pdf", lines)
    assert find(value, [page_of(path)]) is None


def test_digits_in_groups_are_one_number_but_two_cells_are_not(tmp_path):
    path = make(tmp_path / "cells.pdf", ["Konto 4218 3017", "Menge 5521" + " " * 30 + "9904"])
    page = page_of(path)
    found = find("42183017", [page])
    assert found is not None and found.text == "4218 3017"
    assert find("55219904", [page]) is None  # two cells of a row, far apart


def test_a_wrapped_table_cell_is_found_in_pieces_and_a_scattered_sentence_is_not():
    from docvl.load.reading_order import Word

    # a row read across: the description cell wraps, its second line comes after the other cells
    words = [Word(t, x, y, x + 40, y + 10, 0, line) for t, x, y, line in [
        ("Decoded", 10, 10, 0), ("Leather", 52, 10, 0), ("Slim", 94, 10, 0), ("Cover", 136, 10, 0),
        ("1", 300, 10, 0), ("€", 350, 10, 0), ("69,99", 362, 10, 0),
        ("Apple", 10, 22, 1), ("iPad", 52, 22, 1), ("Air", 94, 22, 1), ("2", 136, 22, 1), ("Zwart", 178, 22, 1),
        ("the", 10, 60, 2), ("invoice", 52, 60, 2), ("is", 94, 60, 2), ("paid", 136, 90, 3), ("in", 178, 60, 2),
        ("full", 220, 60, 2), ("today", 262, 90, 3),
    ]]  # fmt: skip
    page = PageWords(1, 595, 842, words)
    found = find("Decoded Leather Slim Cover Apple iPad Air 2 Zwart", [page], fuzzy=False)
    # its lines one under the other, aligned: the value's words in order, as a hyphenated word is
    assert found is not None and found.match == "normalised" and len(found.boxes) == 2
    assert "69,99" not in found.text
    assert find("the full invoice is paid today", [page], fuzzy=False) is None  # common words, scattered
    # the same words in two runs that are not one cell (the second far off): pieces, for a reviewer
    moved = [w if w.line != 1 else Word(w.text, w.x0 + 300, w.y0 + 200, w.x1 + 300, w.y1 + 200, 0, 5) for w in words]
    pieces = find("Decoded Leather Slim Cover Apple iPad Air 2 Zwart", [PageWords(1, 595, 842, moved)], fuzzy=False)
    assert pieces is not None and pieces.match == "fuzzy"


def test_a_short_description_wrapped_in_its_cell_is_found_and_words_of_other_cells_are_not():
    from docvl.load.reading_order import Word

    # a German invoice's items table read row by row; descriptions wrap in their column (x 156)
    rows = [
        ("1", 40, 680, 0),
        ("Trennblätter", 156, 680, 0),
        ("9,9000", 300, 680, 0),
        ("20", 380, 680, 0),
        ("TB100A4", 72, 692, 1),
        ("A4", 156, 692, 1),
        ("2", 40, 720, 2),
        ("Joghurt", 156, 720, 2),
        ("5,5000", 300, 720, 2),
        ("50", 380, 720, 2),
        ("ARNR2", 72, 732, 3),
        ("Erdbeer", 156, 732, 3),
        ("3", 40, 760, 4),
        ("Kunstrasen", 156, 760, 4),
        ("3,3333", 300, 760, 4),
        ("grün", 156, 772, 5),
        ("3m", 190, 772, 5),
        ("breit", 156, 784, 6),
        ("Banane", 300, 784, 6),
    ]
    words = [Word(t, x, y, x + 8 * len(t), y + 11, 0, line) for t, x, y, line in rows]
    page = PageWords(1, 595, 842, words)
    two = find("Trennblätter A4", [page], fuzzy=False)
    assert two is not None and two.match == "normalised" and two.text == "Trennblätter A4" and len(two.boxes) == 2
    three = find("Kunstrasen grün 3m breit", [page], fuzzy=False)  # over three lines
    assert three is not None and three.text == "Kunstrasen grün 3m breit" and len(three.boxes) == 3
    assert find("Joghurt Erdbeer", [page], fuzzy=False) is not None
    # words of the same rows in another column, or two rows down: not one cell
    assert find("Joghurt Banane", [page], fuzzy=False) is None
    assert find("Trennblätter Joghurt", [page], fuzzy=False) is None
    assert find("Erdbeer Kunstrasen", [page], fuzzy=False) is None


def test_ligatures_and_hyphenation_as_a_text_layer_gives_them():
    from docvl.load.reading_order import Word

    words = [
        Word("efﬁciently", 10, 10, 60, 20, 0, 0),
        Word("deliv-", 62, 10, 90, 20, 0, 0),
        Word("ered", 10, 22, 40, 32, 0, 1),
    ]
    page = PageWords(1, 595, 842, words)
    found = find("efficiently", [page])
    assert found is not None and found.match == "normalised" and found.text == "efﬁciently"
    split = find("delivered", [page])  # a word broken over two lines: one box per line
    assert split is not None and split.match == "normalised" and len(split.boxes) == 2


def test_zero_is_not_a_postcode_and_labels_stay_out_of_the_box(tmp_path):
    path = make(tmp_path / "inv.pdf", LINES)
    page = page_of(path)
    assert find(0.0, [page]) is None  # "0000" is a reference, not the value 0
    found = find("2025-0042", [page])
    assert found is None or "Invoice" not in found.text


def test_boxes_on_a_rotated_page_are_in_the_displayed_orientation(tmp_path):
    path = make(tmp_path / "rot.pdf", LINES, rotate=90)
    page = page_of(path)
    assert page.width > page.height  # displayed: landscape
    found = find("Brightwater Logistics GmbH", [page])
    assert found is not None
    x0, y0, x1, y1 = found.boxes[0]
    assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
    assert y1 - y0 > x1 - x0  # horizontal text on a page turned 90 degrees runs down the display
    assert "Brightwater" in read_back(path, found)


def test_a_record_gets_boxes_per_leaf_and_says_what_it_could_not_find(tmp_path):
    path = make(tmp_path / "inv.pdf", LINES)
    page = page_of(path)
    data = {"total": 1234.5, "customer": "Brightwater Logistics GmbH", "po": None, "iban": "DE00 1234 5678",
            "lines": [{"name": "office supplies", "qty": None}]}  # fmt: skip
    assert [p for p, _ in leaves(data)] == ["total", "customer", "iban", "lines[0].name"]
    boxes, unlocated = locate_record(data, {"total": [1]}, [1], lambda numbers: {1: page})
    assert set(boxes) == {"total", "customer", "lines[0].name"}
    assert unlocated == {"iban": "not found in the document's text"}
    assert boxes["total"][0]["page_size"] == [595.0, 842.0]


def test_no_text_layer_is_said_not_guessed(tmp_path):
    empty = PageWords(1, 595, 842, [])
    boxes, unlocated = locate_record({"total": 12}, {}, [1], lambda numbers: {1: empty})
    assert boxes == {} and "no text layer" in unlocated["total"]


def test_extract_records_carry_boxes_and_a_made_up_value_is_unlocated(run_cli, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    path = make(tmp_path / "inv.pdf", LINES)
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "number"},
                                                                   "customer": {"type": "string"},
                                                                   "vat_id": {"type": "string"}}}))  # fmt: skip
    reply = json.dumps({"total": 1234.5, "customer": "Brightwater Logistics GmbH", "vat_id": "DE999999999"})
    stub.default = lambda body: Scripted(body=completion(reply + "\nPages: total=1"))
    result = run_cli("extract", path, "--schema", schema, "--server", stub.url, "--format", "json")
    assert result.code == 0, result.err
    record = json.loads(result.out)
    record = record[0] if isinstance(record, list) else record
    assert record["_boxes"]["total"][0]["text"] == "1.234,50"
    assert record["_unlocated"] == {"vat_id": "not found in the document's text"}
    assert record["_status"] == "ok"  # without --require-located it is said, not held against the record
    out = tmp_path / "out.csv"
    run_cli("extract", path, "--schema", schema, "--server", stub.url, "-o", out)
    header, row = out.read_text().splitlines()[:2]
    assert "_box.total" in header and "1:" in row


def test_require_located_makes_a_record_with_a_made_up_value_partial(run_cli, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    path = make(tmp_path / "inv.pdf", LINES)
    schema = tmp_path / "s.json"
    schema.write_text(
        json.dumps({"type": "object", "properties": {"total": {"type": "number"}, "vat_id": {"type": "string"}}})
    )
    stub.default = lambda body: Scripted(body=completion(json.dumps({"total": 1234.5, "vat_id": "DE999999999"})))
    result = run_cli("extract", path, "--schema", schema, "--server", stub.url, "--require-located", "--format", "json")
    record = json.loads(result.out)
    record = record[0] if isinstance(record, list) else record
    assert record["_status"] == "partial"
    assert any("vat_id: 'DE999999999' is not in the document" in e for e in record["_errors"])


def test_highlight_writes_copies_with_an_annotation_per_located_value(run_cli, corpus, tmp_path):
    invoices = corpus / "invoices"
    folder = tmp_path / "hl"
    out = tmp_path / "out.jsonl"
    result = run_cli(
        "extract", invoices, "--schema", invoices / "schemas" / "invoice.json", "-o", out, "--highlight", folder
    )
    assert result.code == 0, result.err
    records = {json.loads(line)["_file"]: json.loads(line) for line in out.read_text().splitlines()}
    for pdf in sorted(invoices.glob("*.pdf")):
        record = records[str(pdf)]
        boxes = sum(len(found) for found in record["_boxes"].values())
        copy = folder / pdf.name
        if boxes == 0:
            assert not copy.exists()
            continue
        with pymupdf.open(copy) as doc, pymupdf.open(pdf) as original:
            ours = [(a.type[1], a.info["content"]) for page in doc for a in page.annots() if a.type[1] == "Highlight"]
            theirs = [a for page in original for a in page.annots() if a.type[1] == "Highlight"]
            annots = ours[len(theirs) :] if theirs else ours  # the document's own annotations stay as they were
            assert len(doc) == len(original)  # the copy keeps every page
        assert len(annots) == boxes
        assert all(kind == "Highlight" and " = " in note for kind, note in annots)


def test_answers_carry_the_lines_they_rest_on(run_cli, corpus, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    pdf = corpus / "longdoc" / "msa_halvorsen_brightwater.pdf"
    stub.default = lambda body: Scripted(body=completion("The cap is EUR 2,400,000 per contract year.\nPages: 16"))
    result = run_cli("ask", pdf, "What is the liability cap?", "--server", stub.url, "--json", "--pages", "14-18")
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    answer = answer[0] if isinstance(answer, list) else answer
    assert answer["pages"] == [16]
    (line,) = [e for e in answer["evidence"] if "2,400,000" in e["text"]]
    assert line["page"] == 16 and "aggregate liability" in line["text"]  # the whole line, not the number alone
    # the text engine's quoted passages are boxed on their pages too
    quoted = run_cli("ask", pdf, "What is the aggregate liability cap per contract year?", "--engine", "text", "--json")
    evidence = json.loads(quoted.out)
    evidence = (evidence[0] if isinstance(evidence, list) else evidence)["evidence"]
    assert any(e["page"] == 16 and "2,400,000" in e["text"] for e in evidence)
    with pymupdf.open(pdf) as doc:  # each box holds its text
        e = next(e for e in evidence if e["page"] == 16 and "2,400,000" in e["text"])
        x0, y0, x1, y1 = e["bbox"]
        assert "2,400,000" in doc[15].get_textbox(pymupdf.Rect(x0 - 1, y0 - 1, x1 + 1, y1 + 1))


def test_plan_html_draws_every_page_with_its_grid_and_greys_the_pages_left_out(run_cli, corpus, tmp_path):
    import re

    page = tmp_path / "plan.html"
    pdf = corpus / "longdoc" / "nordavik_annual_report_2023.pdf"
    result = run_cli(
        "plan", pdf, "--question", "What was the 2023 revenue?", "--context", "16384", "--json", "--html", page
    )
    assert result.code == 0, result.err
    plan = json.loads(result.out)["documents"][0]["plan"]
    html = page.read_text()
    assert html.count('<img alt="page') == len(plan["pages"]) + len(plan["dropped"])  # every page drawn, inline
    assert html.count("class='page dropped'") == len(plan["dropped"]) > 0
    images = [p for p in plan["pages"] if p["mode"] != "text"]
    assert html.count("stroke-dasharray") == len(images)  # a tile grid over each page sent as an image
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def words_of(rows) -> PageWords:
    """A page from (text, x0, y0, line) rows: words 10 pt high, 6 pt a character wide."""
    from docvl.load.reading_order import Word

    return PageWords(1, 595, 842, [Word(t, x, y, x + 6 * len(t), y + 10, 0, line) for t, x, y, line in rows])


def test_an_identifier_with_letters_is_boxed_whole_not_as_its_number(tmp_path):
    path = make(tmp_path / "vat.pdf", ["USt-IdNr.: DE 263 511 087", "NIF: ES B 7771 1131"])
    page = page_of(path)
    for value, text in (("DE263511087", "DE 263 511 087"), ("ESB77711131", "ES B 7771 1131")):
        found = find(value, [page])
        assert found is not None and found.text == text, value


def test_two_dates_in_one_table_row_each_get_their_own_year(tmp_path):
    path = make(tmp_path / "row.pdf", ["Aug 4, 2025" + " " * 12 + "Sep 3, 2025", "Periode: 1 t/m 30 april 2025"])
    page = page_of(path)
    found = find("2025-09-03", [page])
    assert found is not None and found.text == "Sep 3, 2025"
    first = find("2025-04-01", [page])  # a Dutch range: "t/m" joins its ends
    assert first is not None and first.text == "1 t/m 30 april 2025"


def test_a_date_whose_year_wrapped_under_its_cell_is_found():
    page = words_of([
        ("Vencimento", 10, 10, 0), ("16", 100, 10, 0), ("de", 118, 10, 0), ("novembro", 136, 10, 0),
        ("de", 190, 10, 0), ("R$", 300, 10, 0), ("1.250,00", 320, 10, 0), ("2025", 100, 22, 1),
    ])  # fmt: skip
    found = find("2025-11-16", [page])
    assert found is not None and found.text.split()[:3] == ["16", "de", "novembro"] and found.text.endswith("2025")
    assert "R$" not in found.text
    assert find("2025-11-17", [page]) is None


def test_a_short_last_word_counts_only_right_after_or_under_its_name():
    under = words_of([
        ("Media", 10, 10, 0), ("Evergreen", 46, 10, 0), ("Facture", 300, 10, 0), ("N°", 350, 10, 0),
        ("F-2291", 370, 10, 0), ("SAS", 10, 22, 1),
    ])  # fmt: skip
    found = find("Media Evergreen SAS", [under], fuzzy=False)
    assert found is not None and found.match == "normalised" and "F-2291" not in found.text
    elsewhere = words_of([
        ("Media", 10, 10, 0), ("Evergreen", 46, 10, 0), ("Facture", 300, 10, 0),
        ("Capital", 10, 400, 1), ("de", 60, 400, 1), ("la", 80, 400, 1), ("SAS", 100, 400, 1),
    ])  # fmt: skip
    assert find("Media Evergreen SAS", [elsewhere], fuzzy=False) is None


def test_wrapped_cells_split_at_a_hyphen_or_in_cjk_text_are_found_in_pieces():
    hyphen = words_of([
        ("Einrichtung", 10, 10, 0), ("des", 80, 10, 0), ("Berichts-", 100, 10, 0), ("1", 300, 10, 0),
        ("500,00", 350, 10, 0), ("Dashboards", 10, 22, 1),
    ])  # fmt: skip
    found = find("Einrichtung des Berichts-Dashboards", [hyphen], fuzzy=False)
    assert found is not None and "500,00" not in found.text
    cjk = words_of([("クラウドストレージ", 10, 10, 0), ("12", 300, 10, 0), ("年間契約", 10, 22, 1)])
    found = find("クラウドストレージ年間契約", [cjk], fuzzy=False)
    assert found is not None and found.text.split() == ["クラウドストレージ", "年間契約"]


def test_full_width_amounts_are_numbers():
    page = words_of([("合計", 10, 10, 0), ("￥6,695,973", 60, 10, 0)])
    found = find(6695973, [page])
    assert found is not None and found.text == "￥6,695,973"


def test_a_made_up_date_is_not_put_together_from_numbers_around_the_page():
    page = words_of([("Ref", 10, 10, 0), ("2025", 40, 10, 0), ("Qty", 10, 30, 1), ("07", 40, 30, 1),
                     ("Lot", 10, 50, 2), ("08", 40, 50, 2)])  # fmt: skip
    assert find("2025-07-08", [page]) is None


def test_a_credit_notes_amount_printed_without_its_sign_is_found():
    # a credit note: the model gives -1.12; the page prints the sign apart, over the amount
    page = words_of([("Umsatzsteuer", 300, 328, 0), ("EUR", 478, 328, 0), ("-", 538, 328, 0), ("1,12", 520, 339, 1)])
    found = find(-1.12, [page])
    assert found is not None and found.text == "1,12" and found.match == "normalised"
    assert find(1.12, [words_of([("-1,12", 10, 10, 0)])]) is None  # a positive value is not its negative
