"""Real-world PDF inputs (issue 13): XFA forms, pages without a size, embedded files, files only PDFium
reads, SASLprep passwords and files whose only encryption covers their attachments.

Every input is made here: with PyMuPDF where it can write it, as hand-written PDF objects where it
cannot (a page tree MuPDF miscounts, an /Encrypt dictionary with /Identity crypt filters).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pymupdf
import pytest
from PIL import ImageStat

from docvl.errors import CorruptFile, EncryptedFile, NoPages, WrongPassword
from docvl.load import load_document
from docvl.load.passwords import password_candidates, saslprep
from docvl.load.textlayer import TextLayer
from docvl.pages import PageSelection
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages

PROFILE = get_profile()


def _draw(doc, renderer="pymupdf"):
    requests = [PageRequest(p.number, PROFILE.grid(p.width, p.height, 2)) for p in doc.pages]
    return list(render_pages(doc, requests, renderer=renderer))


def _inked(image) -> bool:
    """Something dark is drawn on the page (a blank page is all white)."""
    return image.convert("L").getextrema()[0] < 128


# --- hand-written PDFs ------------------------------------------------------------------------------

CONTENT = b"BT /F1 24 Tf 72 700 Td (Hello from the hand-made page) Tj ET"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
STREAM = b"<< /Length %d >>\nstream\n" % len(CONTENT) + CONTENT + b"\nendstream"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
FILE_ID = b"/ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"


def pdf_bytes(objects: dict[int, bytes], trailer: bytes = b"") -> bytes:
    """A PDF of ``objects`` (number -> body) with a correct cross-reference table; object 1 is the root."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def one_page(pages_node: bytes) -> dict[int, bytes]:
    return {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: pages_node, 3: PAGE, 4: STREAM, 5: FONT}


# /Count is what MuPDF believes; PDFium walks /Kids. Both shapes come from fuzzed files.
ONLY_PDFIUM_READS = {
    "count_zero": (b"<< /Type /Pages /Kids [3 0 R] /Count 0 >>", "MuPDF found no pages"),
    "count_negative": (b"<< /Type /Pages /Kids [3 0 R] /Count -1 >>", "Invalid number of pages"),
}


@pytest.fixture(params=sorted(ONLY_PDFIUM_READS))
def pdfium_only(request, tmp_path):
    node, reason = ONLY_PDFIUM_READS[request.param]
    path = tmp_path / f"{request.param}.pdf"
    path.write_bytes(pdf_bytes(one_page(node)))
    return path, reason


def attachment_encrypted_pdf(path, stmf=b"/Identity"):
    """Encryption that covers only the embedded files (/EFF), with /AuthEvent /EFOpen: viewers open the
    file without asking. /O and /U match no password at all, so MuPDF cannot authenticate it."""
    encrypt = (
        b"<< /Filter /Standard /V 4 /R 4 /Length 128 /P -4"
        b" /CF << /StdCF << /CFM /AESV2 /AuthEvent /EFOpen /Length 16 >> >>"
        b" /StmF " + stmf + b" /StrF " + stmf + b" /EFF /StdCF"
        b" /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >>"
    )
    secret = bytes(range(48))  # stands for AES-encrypted file data
    objects = one_page(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(invoice.pdf) 6 0 R] >> >> >>"
    objects[6] = b"<< /Type /Filespec /F (invoice.pdf) /UF (invoice.pdf) /EF << /F 7 0 R >> >>"
    objects[7] = b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(secret) + secret + b"\nendstream"
    objects[8] = encrypt
    path.write_bytes(pdf_bytes(objects, b"/Encrypt 8 0 R " + FILE_ID))
    return path


# --- PyMuPDF-made PDFs -------------------------------------------------------------------------------


def text_pdf(path, pages=3, texts=None):
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        doc.new_page().insert_text((72, 100), texts[n - 1] if texts else f"Page {n} says hello", fontsize=20)
    doc.save(path)
    doc.close()
    return path


def xfa_pdf(path, *, dynamic: bool):
    """An XFA form: the XML form in /AcroForm /XFA, and the static page PDF libraries draw instead."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "Please wait..." if dynamic else "Claim form: name, date, amount", fontsize=14)
    xfa = doc.get_new_xref()
    doc.update_object(xfa, "<< >>")
    doc.update_stream(xfa, b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>')
    catalog = doc.pdf_catalog()
    doc.xref_set_key(catalog, "AcroForm", f"<< /Fields [] /XFA {xfa} 0 R >>")
    if dynamic:
        doc.xref_set_key(catalog, "NeedsRendering", "true")
    doc.save(path)
    doc.close()
    return path


def sizeless_pdf(path, pages=8, empty=(3, 7)):
    doc = pymupdf.open()
    for n in range(1, pages + 1):
        doc.new_page().insert_text((72, 100), f"Page {n} says hello", fontsize=20)
    for n in empty:
        doc.xref_set_key(doc[n - 1].xref, "MediaBox", "[0 0 0 0]")
    doc.save(path)
    doc.close()
    return path


# --- passwords ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "prepared"),
    [
        ("I\u00adX", "IX"),  # RFC 4013 §3 examples: soft hyphen mapped to nothing
        ("user", "user"),
        ("USER", "USER"),  # case is kept
        ("\u00aa", "a"),  # NFKC
        ("\u2168", "IX"),  # NFKC
        ("a\u00a0b", "a b"),  # non-ASCII space mapped to SPACE
    ],
)
def test_saslprep_rfc4013_examples(typed, prepared):
    assert saslprep(typed) == prepared


@pytest.mark.parametrize(("typed", "why"), [("\u0007", "prohibited"), ("\u0627\u0031", "right-to-left")])
def test_saslprep_rfc4013_errors(typed, why):
    with pytest.raises(ValueError, match=why):
        saslprep(typed)


def test_password_candidates_typed_first_each_once():
    assert password_candidates("plain") == ["plain"]
    assert password_candidates("I\u00adX") == ["I\u00adX", "IX"]
    # NFC composes the accent SASLprep would also compose; listed once
    assert password_candidates("cafe\u0301") == ["cafe\u0301", "caf\u00e9"]
    assert password_candidates("\u0007x") == ["\u0007x"]  # SASLprep refuses it; NFC/NFKC leave it


TYPED = "Geheim\u00a0\u2168\u00ad"  # no-break space, ROMAN NUMERAL NINE, soft hyphen: "Geheim IX" stored


def test_aes256_password_is_taken_as_viewers_take_it(tmp_path):
    locked = tmp_path / "r6.pdf"
    with pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=2)) as doc:
        doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=saslprep(TYPED), owner_pw="owner")
    with pymupdf.open(locked) as raw:  # MuPDF alone compares bytes: the typed form does not open it
        assert raw.needs_pass and not raw.authenticate(TYPED)
    doc = load_document(locked, password=TYPED)
    assert doc.page_count == 2 and doc.password == "Geheim IX" and not doc.warnings
    for renderer in ("pymupdf", "pdfium"):  # the renderers open the file again with the form that worked
        assert all(_inked(page.image) for page in _draw(doc, renderer))
    with TextLayer(doc) as layer:
        assert "Page 2 says hello" in layer.text(2)
    with pytest.raises(WrongPassword, match="normalised Unicode forms"):
        load_document(locked, password="Geheim\u00a0X")


def test_only_attachments_encrypted_opens_without_password(tmp_path):
    path = attachment_encrypted_pdf(tmp_path / "cover.pdf")
    with pymupdf.open(path) as raw:  # what made docvl ask for a password before
        assert raw.needs_pass
    doc = load_document(path)
    assert doc.page_count == 1 and doc.attachments == ("invoice.pdf",)
    (warning,) = doc.warnings
    assert warning.code == "encrypted_attachments"
    assert warning.message == (
        "only the PDF's embedded files (invoice.pdf) are encrypted: its pages were read without a password, "
        "as viewers do; the embedded files were not read"
    )
    with TextLayer(doc) as layer:  # the text layer and both renderers open it the same way
        assert "Hello from the hand-made page" in layer.text(1)
    for renderer in ("pymupdf", "pdfium"):
        assert _inked(_draw(doc, renderer)[0].image)
    # a password that does not open the attachments changes nothing for the pages
    assert load_document(path, password="guess").page_count == 1


def test_encrypted_streams_still_need_the_password(tmp_path):
    """Control: the same dictionary with encrypted streams is a locked file, not an attachment-only one."""
    path = attachment_encrypted_pdf(tmp_path / "locked.pdf", stmf=b"/StdCF")
    with pytest.raises(EncryptedFile, match="a password is needed"):
        load_document(path)


# --- XFA, pages without a size, embedded files ------------------------------------------------------


def test_dynamic_xfa_form_warns(tmp_path):
    doc = load_document(xfa_pdf(tmp_path / "form.pdf", dynamic=True))
    (warning,) = doc.warnings
    assert warning.code == "xfa_form"
    assert warning.message.startswith("an XFA form: only its static page is read (")
    assert "Please wait..." in warning.message and "print it to PDF" in warning.message


def test_static_xfa_form_warns_less(tmp_path):
    (warning,) = load_document(xfa_pdf(tmp_path / "form.pdf", dynamic=False)).warnings
    assert warning.code == "xfa_form" and "only its static pages are read" in warning.message


def test_plain_form_is_not_xfa(tmp_path):
    path = tmp_path / "acroform.pdf"
    doc = pymupdf.open()
    widget = pymupdf.Widget()
    widget.field_name, widget.field_type, widget.rect = (
        "name",
        pymupdf.PDF_WIDGET_TYPE_TEXT,
        pymupdf.Rect(72, 72, 272, 92),
    )
    doc.new_page().add_widget(widget)
    doc.save(path)
    assert load_document(path).warnings == ()


def test_pages_without_size_are_skipped_by_number(tmp_path):
    doc = load_document(sizeless_pdf(tmp_path / "gaps.pdf"))
    assert doc.page_count == 8
    assert [p.number for p in doc.pages] == [1, 2, 4, 5, 6, 8]
    (warning,) = doc.warnings
    assert (warning.code, warning.pages) == ("no_size", (3, 7))
    assert warning.message == "skipped pages 3, 7: no size (empty MediaBox)"
    one = load_document(tmp_path / "gaps.pdf", selection=PageSelection.parse("2-3"))
    assert [p.number for p in one.pages] == [2] and one.warnings[
        0
    ].message == "skipped page 3: no size (empty MediaBox)"


def test_only_sizeless_pages_selected_is_an_error(tmp_path):
    path = sizeless_pdf(tmp_path / "gaps.pdf")
    with pytest.raises(CorruptFile) as info:
        load_document(path, selection=PageSelection.parse("3,7"))
    text = str(info.value)
    assert str(path) in text and "every selected page has no size (empty MediaBox on pages 3, 7)" in text
    assert "choose other pages with --pages" in text and "cpdf -mediabox" in text
    with pytest.raises(CorruptFile, match="its only page has no size"):
        load_document(sizeless_pdf(tmp_path / "blank.pdf", pages=1, empty=(1,)))


def test_inherited_empty_mediabox(tmp_path):
    """/MediaBox is inheritable: an empty one on the page tree counts for pages without their own; a page
    with no MediaBox anywhere keeps MuPDF's Letter default."""
    path = tmp_path / "inherit.pdf"
    doc = pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=2))
    root_pages = int(doc.xref_get_key(doc.pdf_catalog(), "Pages")[1].split()[0])
    doc.xref_set_key(root_pages, "MediaBox", "[0 0 0 0]")
    doc.xref_set_key(doc[1].xref, "MediaBox", "null")  # page 2 inherits the empty box
    doc.save(path)
    loaded = load_document(path)
    assert [p.number for p in loaded.pages] == [1] and loaded.warnings[0].pages == (2,)
    doc.xref_set_key(root_pages, "MediaBox", "null")
    doc.save(tmp_path / "nobox.pdf")
    assert [p.number for p in load_document(tmp_path / "nobox.pdf").pages] == [1, 2]


def test_embedded_files_are_listed_by_name(tmp_path):
    path = tmp_path / "cover.pdf"
    doc = pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=2))
    doc.embfile_add("invoice.pdf", b"%PDF-1.7 stand-in", filename="invoice.pdf")
    doc[1].add_file_annot(pymupdf.Point(300, 300), b"a,b\n1,2\n", "data.csv")
    doc.save(path)
    loaded = load_document(path)
    assert loaded.attachments == ("invoice.pdf", "data.csv")
    (warning,) = loaded.warnings
    assert warning.code == "attachments" and warning.pages == (2,)  # the annotation's page
    assert warning.message.startswith("2 embedded files (invoice.pdf, data.csv): not part of this document's pages")
    assert "pass --attachments" in warning.message and "pdfdetach -saveall cover.pdf" in warning.message


# --- a second opinion from PDFium --------------------------------------------------------------------


def test_pdfium_reads_what_mupdf_refuses(pdfium_only):
    path, reason = pdfium_only
    doc = load_document(path)
    assert doc.reader == "pdfium" and doc.page_count == 1
    assert (doc.pages[0].width_pt, doc.pages[0].height_pt) == (612, 792)
    (warning,) = doc.warnings
    assert warning.code == "read_with_pdfium" and reason in warning.message
    assert warning.message.startswith("MuPDF could not read this PDF (")
    assert warning.message.endswith("; read with PDFium instead: no text layer, pages drawn by PDFium")
    # drawn by PDFium whatever --renderer says: MuPDF would fail or draw nothing
    (page,) = _draw(doc, renderer="pymupdf")
    assert page.image.size == page.grid.pixel_size and _inked(page.image)
    assert ImageStat.Stat(page.image.convert("L")).median[0] > 200  # white paper, dark text


def test_without_pypdfium2_the_error_says_how_to_get_it(pdfium_only, monkeypatch):
    path, _ = pdfium_only
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # import pypdfium2 now raises ImportError
    with pytest.raises((NoPages, CorruptFile)) as info:
        load_document(path)
    assert str(path) in str(info.value) and "pip install 'docvl[pdfium]'" in str(info.value)


def test_when_pdfium_refuses_too_mupdfs_reason_stands(tmp_path):
    path = tmp_path / "hollow.pdf"
    path.write_bytes(pdf_bytes({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}))
    with pytest.raises(NoPages) as info:
        load_document(path)
    assert "has no pages" in str(info.value) and "pip install" not in str(info.value)


# --- through the CLI ---------------------------------------------------------------------------------


def _no_traceback(result):
    assert "Traceback" not in result.err + result.out
    assert "site-packages" not in result.err


@pytest.fixture
def warned_inputs(tmp_path):
    cover = tmp_path / "cover.pdf"
    with pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=1)) as doc:
        doc.embfile_add("invoice.pdf", b"%PDF-1.7 stand-in")
        doc.save(cover)
    return {
        "xfa_form": (xfa_pdf(tmp_path / "form.pdf", dynamic=True), "an XFA form: only its static page is read"),
        "no_size": (sizeless_pdf(tmp_path / "gaps.pdf"), "skipped pages 3, 7: no size (empty MediaBox)"),
        "attachments": (cover, "1 embedded file (invoice.pdf): not part of this document's pages"),
        "encrypted_attachments": (
            attachment_encrypted_pdf(tmp_path / "locked_attachment.pdf"),
            "only the PDF's embedded files (invoice.pdf) are encrypted",
        ),
    }


@pytest.mark.parametrize("kind", ["xfa_form", "no_size", "attachments", "encrypted_attachments"])
def test_cli_warns_and_processes(run_cli, warned_inputs, tmp_path, kind):
    path, message = warned_inputs[kind]
    plan = run_cli("plan", path, "--json")
    _no_traceback(plan)
    assert plan.code == 0, plan.err
    (doc,) = json.loads(plan.out)["documents"]
    assert doc["status"] == "ok" and kind in [w["code"] for w in doc["warnings"]]
    assert f"warning: {path}: " in plan.err and message in plan.err
    render = run_cli("render", path, "-o", tmp_path / "out")
    _no_traceback(render)
    assert render.code == 0 and message in render.err
    ask = run_cli("ask", path, "What does it say?", "--engine", "text")
    _no_traceback(ask)
    assert ask.code == 0 and message in ask.err


def test_cli_password_as_typed(run_cli, tmp_path):
    locked = tmp_path / "r6.pdf"
    with pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=1)) as doc:
        doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=saslprep(TYPED))
    for command in (("plan",), ("render", "-o", tmp_path / "out"), ("ask", "What does it say?", "--engine", "text")):
        args = (command[0], locked, *command[1:], "--password", TYPED)
        result = run_cli(*args)
        _no_traceback(result)
        assert result.code == 0, result.err


def test_cli_sizeless_document_is_one_clean_error(run_cli, tmp_path):
    path = sizeless_pdf(tmp_path / "blank.pdf", pages=2, empty=(1, 2))
    result = run_cli("plan", path)
    _no_traceback(result)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert result.code == 1 and len(lines) == 1
    assert lines[0].startswith(f"error: {path}: all its pages have no size (empty MediaBox on pages 1-2)")
    assert " — print it to PDF again" in lines[0]


def test_cli_pdfium_second_opinion(run_cli, pdfium_only, tmp_path):
    path, _ = pdfium_only
    for args in (("plan", path), ("render", path, "-o", tmp_path / "out"), ("ask", path, "Q?", "--engine", "text")):
        result = run_cli(*args)
        _no_traceback(result)
        assert result.code == 0, result.err
        assert "read with PDFium instead" in result.err


# --- embedded files as documents of their own (docvl.load.attachments) ------------------------------


def test_extract_attachments_writes_pdfs_and_images(tmp_path):
    import io

    from PIL import Image

    from docvl.load.attachments import extract_attachments

    inner = text_pdf(tmp_path / "inner.pdf", pages=2, texts=["Invoice 4711", "Total 99.00 EUR"]).read_bytes()
    png = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(png, format="PNG")
    outer = tmp_path / "cover.pdf"
    doc = pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=1))
    doc.embfile_add("invoice.pdf", inner)
    doc.embfile_add("../../escape.png", png.getvalue())  # a name that tries to leave the folder
    doc.embfile_add("notes.csv", b"a,b\n1,2\n")
    doc[0].add_file_annot(pymupdf.Point(300, 300), inner, "invoice.pdf")  # same name again
    doc.save(outer)
    folder = tmp_path / "attachments"
    found, warnings = extract_attachments(outer, folder)
    assert [(a.name, a.path.name, a.kind) for a in found] == [
        ("invoice.pdf", "invoice.pdf", "pdf"),
        ("../../escape.png", "escape.png", "image"),
        ("invoice.pdf", "invoice-2.pdf", "pdf"),
    ]
    assert all(a.path.parent == folder for a in found)
    assert found[0].display == "cover.pdf#invoice.pdf"
    assert sorted(p.name for p in folder.iterdir()) == ["escape.png", "invoice-2.pdf", "invoice.pdf"]
    (skipped,) = warnings
    assert skipped.code == "attachment_skipped" and skipped.message.startswith("embedded file notes.csv not read: ")
    with TextLayer(load_document(found[0].path)) as layer:
        assert "Total 99.00 EUR" in layer.text(2)


def test_encrypted_attachments_are_not_extracted(tmp_path):
    from docvl.load.attachments import extract_attachments

    found, warnings = extract_attachments(attachment_encrypted_pdf(tmp_path / "cover.pdf"), tmp_path / "out")
    assert found == [] and [w.message for w in warnings] == ["embedded file invoice.pdf not read: encrypted"]
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("command", ["plan", "ask", "extract", "render"])
def test_attachments_option_reads_embedded_files_as_documents(command, run_cli, tmp_path):
    """--attachments: the invoice attached to a cover page is a document of its own, named
    cover.pdf#invoice.pdf, right after the cover; a CSV among them is said, not read; nothing is left on
    disk but what the command writes."""
    import io

    from PIL import Image

    inner = text_pdf(tmp_path / "inner.pdf", pages=1, texts=["Invoice 4711 total 99.00 EUR"]).read_bytes()
    png = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(png, format="PNG")
    cover = tmp_path / "in" / "cover.pdf"
    cover.parent.mkdir()
    with pymupdf.open(text_pdf(tmp_path / "plain.pdf", pages=1, texts=["Please find the invoice attached"])) as doc:
        doc.embfile_add("invoice.pdf", inner)
        doc.embfile_add("scan.png", png.getvalue())
        doc.embfile_add("data.csv", b"a,b\n1,2\n")
        doc.save(cover)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "number"}}}))
    args = {
        "plan": ("plan", cover, "--json"),
        "ask": ("ask", cover, "What is the total?", "--engine", "text", "--json"),
        "extract": ("extract", cover, "--schema", schema, "--engine", "text", "--format", "json"),
        "render": ("render", cover, "-o", tmp_path / "out"),
    }[command]
    before = set(Path(tempfile.gettempdir()).glob("docvl-attachments-*"))
    without = run_cli(*args)
    result = run_cli(*args, "--attachments")
    _no_traceback(result)
    assert result.code == 0, result.err
    assert f"warning: {cover}: embedded file data.csv not read" in result.err
    shown = [str(cover), f"{cover}#invoice.pdf", f"{cover}#scan.png"]
    if command == "render":
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cover", "cover.pdf#invoice", "cover.pdf#scan"]
        assert all(f"{name}: " in result.err for name in shown)
    else:
        data = json.loads(result.out)
        documents = data["documents"] if command == "plan" else data
        assert [d["_file" if command == "extract" else "path"] for d in documents] == shown
        if command == "plan":
            assert len(json.loads(without.out)["documents"]) == 1
        else:  # one file named: one object (ask), one record (extract) without --attachments
            assert isinstance(json.loads(without.out), dict) or len(json.loads(without.out)) == 1
    if command == "ask":
        assert "4711" in json.dumps(json.loads(result.out)[1])  # the invoice was read
    assert set(Path(tempfile.gettempdir()).glob("docvl-attachments-*")) == before  # nothing left behind
