import pymupdf
import pytest
from PIL import Image

from docvl.errors import (
    CorruptFile,
    EncryptedFile,
    FileNotFound,
    ImageTooLarge,
    ImageTooSmall,
    NoPages,
    UnsupportedFile,
    UsageError,
    WrongPassword,
)
from docvl.load import discover, load_document
from docvl.pages import PageSelection


def test_pdf_pages_and_sizes(pdf_factory):
    doc = load_document(pdf_factory(pages=4, size=(612, 792)), dpi=144)
    assert doc.kind == "pdf" and doc.page_count == 4
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert (doc.pages[0].width, doc.pages[0].height) == (1224, 1584)
    assert (doc.pages[0].width_pt, doc.pages[0].height_pt) == (612, 792)


def test_rotated_page_is_measured_as_displayed(pdf_factory):
    doc = load_document(pdf_factory(pages=1, size=(612, 792), rotate=90), dpi=72)
    assert (doc.pages[0].width, doc.pages[0].height) == (792, 612)


def test_page_selection_applies(pdf_factory):
    doc = load_document(pdf_factory(pages=10), selection=PageSelection.parse("2-3,9-"))
    assert [p.number for p in doc.pages] == [2, 3, 9, 10]
    assert doc.page_count == 10


def test_selection_outside_document(pdf_factory):
    with pytest.raises(NoPages, match="selects none of its 3 pages"):
        load_document(pdf_factory(pages=3), selection=PageSelection.parse("7-"))


def test_encrypted_pdf(tmp_path, pdf_factory):
    plain = pdf_factory(pages=2)
    locked = tmp_path / "locked.pdf"
    with pymupdf.open(plain) as doc:
        doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u-secret", owner_pw="o-secret")
    with pytest.raises(EncryptedFile) as info:
        load_document(locked)
    assert "--password" in str(info.value) and str(locked) in str(info.value)
    with pytest.raises(WrongPassword):
        load_document(locked, password="nope")
    assert load_document(locked, password="u-secret").page_count == 2


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFound, match="no such file"):
        load_document(tmp_path / "absent.pdf")


def test_content_decides_type_not_extension(tmp_path, pdf_factory):
    pdf = pdf_factory(pages=1)
    renamed = tmp_path / "scan_0002"
    renamed.write_bytes(pdf.read_bytes())
    assert load_document(renamed).kind == "pdf"
    disguised = tmp_path / "photo.pdf"
    Image.new("RGB", (300, 200), "white").save(disguised, format="JPEG")
    doc = load_document(disguised)
    assert doc.kind == "image" and doc.format == "JPEG"
    assert any(w.code == "wrong_extension" for w in doc.warnings)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"<!DOCTYPE html><html><body>403 Forbidden</body></html>", "HTML"),
        (b"PK\x03\x04" + bytes(200), "ZIP"),
        (b"just some notes\n" * 10, "plain text"),
        (bytes(range(256)) * 8, "unrecognised"),
    ],
)
def test_not_a_document(tmp_path, payload, reason):
    f = tmp_path / "thing.pdf"
    f.write_bytes(payload)
    with pytest.raises(UnsupportedFile, match=reason):
        load_document(f)


def test_truncated_pdf_without_pages_is_corrupt(tmp_path, pdf_factory):
    data = pdf_factory(pages=3).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[:300])
    with pytest.raises((CorruptFile, NoPages)):
        load_document(cut)


def test_multiframe_tiff_every_frame_is_a_page(tmp_path):
    path = tmp_path / "fax.tif"
    frames = [Image.new("L", (600, 800 + 10 * i), 255) for i in range(4)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    doc = load_document(path)
    assert doc.page_count == 4
    assert [(p.number, p.height) for p in doc.pages] == [(1, 800), (2, 810), (3, 820), (4, 830)]
    assert [p.number for p in load_document(path, selection=PageSelection.parse("2,4")).pages] == [2, 4]


def test_gif_first_frame_only(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.new("P", (200, 100), i) for i in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    doc = load_document(path)
    assert doc.page_count == 1 and len(doc.pages) == 1


@pytest.mark.parametrize(("fmt", "ext"), [("WEBP", "webp"), ("BMP", "bmp"), ("PNG", "png"), ("JPEG", "jpg")])
def test_image_formats(tmp_path, fmt, ext):
    path = tmp_path / f"img.{ext}"
    Image.new("RGB", (320, 240), "white").save(path, format=fmt)
    doc = load_document(path)
    assert doc.kind == "image" and doc.format == fmt
    assert (doc.pages[0].width, doc.pages[0].height) == (320, 240)


def test_exif_rotation_swaps_sides(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.new("RGB", (400, 300), "white").save(path, exif=exif)
    page = load_document(path).pages[0]
    assert (page.width, page.height) == (300, 400)


def test_tiny_image_is_refused(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (20, 300), "white").save(path)
    with pytest.raises(ImageTooSmall, match="20x300"):
        load_document(path)


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    Image.new("1", (400, 400)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40_000)  # 400x400 is then 4x the limit: an error
    with pytest.raises(ImageTooLarge, match="too large"):
        load_document(path)


def test_discover_folders_recursive_sorted_and_skips_non_documents(tmp_path, pdf_factory):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    pdf_factory("b/2.pdf", pages=1)
    pdf_factory("a/deep/1.pdf", pages=1)
    pdf_factory("a/0.pdf", pages=1)
    Image.new("RGB", (100, 100)).save(tmp_path / "a" / "scan", format="PNG")  # no extension
    (tmp_path / "a" / "README.md").write_text("notes")
    (tmp_path / ".hidden.pdf").write_bytes(b"%PDF-1.4")
    found = discover([str(tmp_path)])
    rel = [p.relative_to(tmp_path).as_posix() for p in found.files]
    assert rel == ["a/0.pdf", "a/scan", "a/deep/1.pdf", "b/2.pdf"]
    assert [p.name for p in found.skipped] == ["README.md"]
    assert discover([str(tmp_path)]).files == found.files  # deterministic


def test_discover_globs_and_duplicates(tmp_path, pdf_factory, monkeypatch):
    for name in ("x1.pdf", "x2.pdf", "y.pdf"):
        pdf_factory(name, pages=1)
    monkeypatch.chdir(tmp_path)
    found = discover(["x*.pdf", "x1.pdf", "y.pdf"])
    assert [p.name for p in found.files] == ["x1.pdf", "x2.pdf", "y.pdf"]
    with pytest.raises(UsageError, match="matches no file"):
        discover(["nothing-*.pdf"])


def test_named_files_are_never_skipped(tmp_path):
    note = tmp_path / "notes.txt"
    note.write_text("hello")
    assert discover([str(note)]).files == [note]


def test_name_that_is_not_utf8(tmp_path, pdf_factory):
    import os

    data = pdf_factory(pages=2).read_bytes()
    odd = os.fsdecode(bytes(tmp_path) + b"/r\xe9sum\xe9.pdf")
    with open(os.fsencode(odd), "wb") as fh:
        fh.write(data)
    assert load_document(odd).page_count == 2
