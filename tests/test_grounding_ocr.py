"""Grounding on scans: OCR word boxes (the ocr extra) stand in for the missing text layer, in the same
units as a text layer's (PDF points of the displayed page; an image's own pixels), read once a page."""

from __future__ import annotations

import io
import json

import pymupdf
import pytest
from PIL import Image

from docvl.grounding import find, locate_record
from docvl.load import load_document
from docvl.render.ocr import OcrReader, ocr_available
from docvl.tasks.pipeline import DocumentOptions, page_reader

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ocr_available(), reason="the ocr extra (rapidocr, onnxruntime) is not installed"),
]

LINES = [
    "INVOICE No. INV-2025-0042",
    "Invoice date: 28 March 2025",
    "Customer: Brightwater Logistics GmbH",
    "Total amount due: EUR 1.234,50",
]


def born_digital(path, *, rotate: int = 0):
    doc = pymupdf.open()
    page = doc.new_page(width=420, height=300)  # small: OCR time grows with the page's area
    for k, line in enumerate(LINES):
        page.insert_text((30, 50 + 28 * k), line, fontsize=13)
    if rotate:
        page.set_rotation(rotate)
    doc.save(path)
    doc.close()
    return path


def scan_of(source, target, dpi: int = 150):
    """An image-only copy: each page drawn (as displayed) and put back as a picture, no text layer."""
    out = pymupdf.open()
    with pymupdf.open(source) as doc:
        for page in doc:
            pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
            im = Image.frombytes("L", (pix.width, pix.height), pix.samples)
            buffer = io.BytesIO()
            im.save(buffer, "JPEG", quality=80)
            blank = out.new_page(width=page.rect.width, height=page.rect.height)
            blank.insert_image(blank.rect, stream=buffer.getvalue())
    out.save(target)
    assert not any(p.get_text().strip() for p in pymupdf.open(target))
    return target


def twin_box(path, text):
    """Where the born-digital twin prints ``text``, in displayed-page points."""
    with pymupdf.open(path) as doc:
        page = doc[0]
        rect = page.search_for(text)[0] * page.rotation_matrix
        return rect


def overlap(a, b) -> float:
    a, b = pymupdf.Rect(a), pymupdf.Rect(b)
    inter = a & b
    return 0.0 if inter.is_empty else inter.get_area() / min(a.get_area(), b.get_area())


@pytest.mark.parametrize("rotate", [0, 90])
def test_values_on_a_scan_are_boxed_where_the_born_digital_twin_prints_them(tmp_path, rotate):
    twin = born_digital(tmp_path / "twin.pdf", rotate=rotate)
    scan = scan_of(twin, tmp_path / "scan.pdf")
    read = page_reader(load_document(scan), DocumentOptions())
    page = read([1])[1]
    assert page.source == "ocr" and page.words
    for value, printed in [
        ("INV-2025-0042", "INV-2025-0042"),
        ("2025-03-28", "28 March 2025"),
        (1234.5, "1.234,50"),
        ("Brightwater Logistics GmbH", "Brightwater Logistics GmbH"),
    ]:
        found = find(value, [page])
        assert found is not None, value
        assert found.match == "ocr"
        assert overlap(found.boxes[0], twin_box(twin, printed)) > 0.6, (value, found.boxes, twin_box(twin, printed))


def test_a_made_up_value_on_a_scan_is_unlocated_and_says_it_was_read_by_ocr(tmp_path):
    scan = scan_of(born_digital(tmp_path / "twin.pdf"), tmp_path / "scan.pdf")
    read = page_reader(load_document(scan), DocumentOptions())
    data = {"total": 1234.5, "total_with_fee": 1235.87, "vat_id": "DE999999999", "customer": "Northwind Quartz AG"}
    boxes, unlocated = locate_record(data, {}, [1], read)
    assert set(boxes) == {"total"}
    assert unlocated == dict.fromkeys(["total_with_fee", "vat_id", "customer"], "not found in the document's OCR text")


def test_without_ocr_a_scan_says_why_nothing_is_located(tmp_path):
    scan = scan_of(born_digital(tmp_path / "twin.pdf"), tmp_path / "scan.pdf")
    read = page_reader(load_document(scan), DocumentOptions(ocr=None))
    boxes, unlocated = locate_record({"total": 1234.5}, {}, [1], read)
    assert boxes == {}
    assert unlocated == {"total": "no text layer (a scan; install docvl[ocr] for OCR boxes)"}


def test_each_page_is_read_by_ocr_once_per_document(tmp_path):
    scan = scan_of(born_digital(tmp_path / "twin.pdf"), tmp_path / "scan.pdf")
    calls: list[int] = []

    class Counting(OcrReader):
        def words(self, image):
            calls.append(1)
            return super().words(image)

    read = page_reader(load_document(scan), DocumentOptions(ocr=Counting()))
    locate_record({"a": 1234.5, "b": "INV-2025-0042", "c": "nowhere at all"}, {"a": [1]}, [1], read)
    read([1, 1])
    assert len(calls) == 1


def test_an_image_input_is_boxed_in_its_pixels_and_highlighted_as_a_png(run_cli, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    twin = born_digital(tmp_path / "twin.pdf")
    with pymupdf.open(twin) as doc:
        pix = doc[0].get_pixmap(dpi=144)  # 2 px a point
    photo = tmp_path / "invoice.png"
    pix.save(photo)
    schema = tmp_path / "s.json"
    properties = {"total": {"type": "number"}, "number": {"type": "string"}, "vat_id": {"type": "string"}}
    schema.write_text(json.dumps({"type": "object", "properties": properties}))
    reply = json.dumps({"total": 1234.5, "number": "INV-2025-0042", "vat_id": "DE999999999"})
    stub.default = lambda body: Scripted(body=completion(reply))
    folder = tmp_path / "hl"
    result = run_cli(
        "extract", photo, "--schema", schema, "--server", stub.url, "--format", "json", "--highlight", folder
    )
    assert result.code == 0, result.err
    record = json.loads(result.out)
    record = record[0] if isinstance(record, list) else record
    assert record["_unlocated"] == {"vat_id": "not found in the document's OCR text"}
    box = record["_boxes"]["total"][0]
    assert box["match"] == "ocr" and box["page_size"] == [pix.width, pix.height]
    expected = twin_box(twin, "1.234,50") * 2  # points to the image's pixels
    assert overlap(box["bbox"], expected) > 0.6, (box["bbox"], expected)
    png = folder / "invoice.png"
    with Image.open(png) as marked, Image.open(photo) as original:
        assert marked.size == original.size
        x0, y0, _x1, y1 = (round(v) for v in box["bbox"])
        # the box's outline is drawn in the OCR colour (purple) where the original is white paper
        edge = marked.convert("RGB").getpixel((x0 - 2, (y0 + y1) // 2))
        assert original.convert("RGB").getpixel((x0 - 2, (y0 + y1) // 2)) == (255, 255, 255)
        assert edge[2] > edge[1] + 60 and edge[0] > edge[1] + 30, edge


def with_pictured_details(path):
    """A born-digital invoice whose seller's details are a picture (a pasted-in footer, as e-Luscious'
    Saeco invoice in invoice2data's tests): the text layer has the invoice, not the seller. The same
    picture is placed on both pages (a letterhead on every page)."""
    footer = born_digital(path.with_name("footer.pdf"))
    with pymupdf.open(footer) as doc:
        doc[0].add_redact_annot(pymupdf.Rect(0, 0, 420, 300))
        doc[0].apply_redactions()
        doc[0].insert_text((30, 40), "Northwind Quartz AG, Kvk 04080176", fontsize=13)
        doc[0].insert_text((30, 68), "IBAN: NL58RABO0198723202", fontsize=13)
        png = doc[0].get_pixmap(dpi=150, clip=pymupdf.Rect(0, 20, 420, 80)).tobytes("png")
    out = pymupdf.open()
    for k in range(2):
        page = out.new_page(width=420, height=300)
        for i, line in enumerate(LINES if k == 0 else ["Terms and conditions"]):
            page.insert_text((30, 50 + 28 * i), line, fontsize=13)
        page.insert_image(pymupdf.Rect(0, 220, 420, 280), stream=png)
    out.save(path)
    assert "Northwind" not in "".join(p.get_text() for p in pymupdf.open(path))
    return path


def test_values_in_a_picture_on_a_text_page_are_read_by_ocr_once(tmp_path):
    from docvl.tasks.pipeline import picture_reader

    pdf = with_pictured_details(tmp_path / "invoice.pdf")
    calls: list[int] = []

    class Counting(OcrReader):
        def words(self, image):
            calls.append(1)
            return super().words(image)

    options = DocumentOptions(ocr=Counting())
    document = load_document(pdf)
    read = page_reader(document, options)
    data = {"number": "INV-2025-0042", "seller": "Northwind Quartz AG", "iban": "NL58RABO0198723202", "coc": "04080177"}
    boxes, unlocated = locate_record(data, {}, [1, 2], read, picture_reader(document, options, read))
    assert boxes["number"][0]["match"] in ("exact", "normalised")  # the text layer first
    assert boxes["seller"][0]["match"] == "ocr" and boxes["iban"][0]["match"] == "ocr"
    x0, y0, x1, y1 = boxes["iban"][0]["bbox"]
    assert 220 <= y0 < y1 <= 280 and x0 < x1  # inside the picture, in the page's points
    # a made-up number (one digit off) stays unlocated, and says where it was looked for
    assert unlocated == {"coc": "not found in the document's text or in the OCR text of its pictures"}
    assert len(calls) == 1  # one picture placed on two pages: read once


def test_without_ocr_the_pictures_not_read_are_named(tmp_path):
    from docvl.tasks.pipeline import picture_reader

    pdf = with_pictured_details(tmp_path / "invoice.pdf")
    options = DocumentOptions(ocr=None)
    document = load_document(pdf)
    read = page_reader(document, options)
    boxes, unlocated = locate_record(
        {"iban": "NL58RABO0198723202"}, {}, [1, 2], read, picture_reader(document, options, read)
    )
    assert boxes == {}
    assert unlocated == {
        "iban": "not found in the document's text (the pictures on 2 pages were not read: install docvl[ocr] to read them)"
    }


def test_extract_boxes_a_value_printed_in_a_picture_of_a_text_page(run_cli, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    pdf = with_pictured_details(tmp_path / "invoice.pdf")
    schema = tmp_path / "s.json"
    properties = {"number": {"type": "string"}, "iban": {"type": "string"}, "total": {"type": "number"}}
    schema.write_text(json.dumps({"type": "object", "properties": properties}))
    reply = json.dumps({"number": "INV-2025-0042", "iban": "NL58 RABO 0198 7232 02", "total": 1234.5})
    stub.default = lambda body: Scripted(body=completion(reply))
    result = run_cli("extract", pdf, "--schema", schema, "--server", stub.url, "--format", "json", "--require-located")
    assert result.code == 0, result.err
    record = json.loads(result.out)
    record = record[0] if isinstance(record, list) else record
    assert record["_status"] == "ok" and not record.get("_unlocated")
    assert record["_boxes"]["iban"][0]["match"] == "ocr" and record["_boxes"]["iban"][0]["page"] == 1
    assert record["_boxes"]["total"][0]["match"] == "normalised"


def test_an_answer_printed_in_a_picture_is_boxed_there(run_cli, tmp_path, stub):
    from tests.vllm_stub import Scripted, completion

    pdf = with_pictured_details(tmp_path / "invoice.pdf")
    stub.default = lambda body: Scripted(body=completion("NL58RABO0198723202\nPages: 1"))
    result = run_cli("ask", pdf, "What is the seller's IBAN?", "--server", stub.url, "--json")
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    answer = answer[0] if isinstance(answer, list) else answer
    (line,) = answer["evidence"]
    assert line["page"] == 1 and line["match"] == "ocr" and "NL58RABO0198723202" in line["text"]
    assert 220 <= line["bbox"][1] < line["bbox"][3] <= 280  # inside the picture
