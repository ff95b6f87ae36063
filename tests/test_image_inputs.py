"""Real-world image inputs (issue 13): what docvl does with each kind, through load_document and the CLI.

Every input is generated here with Pillow / pillow-heif, so each decision is checked on a file whose
damage is known exactly: process (HEIC, AVIF, JPEG 2000), process with a warning (animated frames,
truncated data, low-range 16-bit), or refuse with a fix for that kind of file (damaged headers, ZIPs).
"""

from __future__ import annotations

import io
import re
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageDraw, ImageFile, ImageStat

from docvl.errors import CorruptFile, UnsupportedFile
from docvl.load import discover, load_document
from docvl.load.sniff import IMAGE_EXTENSIONS, IMAGE_FORMATS, SUPPORTED_HINT
from docvl.planner import plan_pages
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages
from docvl.tokens import EstimateCounter

W, H = 480, 360


def _receipt() -> Image.Image:
    """White page, black text lines from top to bottom (so a lost bottom part is visible)."""
    im = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(im)
    for y in range(10, H - 10, 20):
        draw.text((12, y), f"line {y:03d}  coffee 3.40  total 12.50", fill="black")
    return im


def _save(im: Image.Image, path: Path, fmt: str, **kwargs) -> Path:
    if fmt == "HEIF":
        pillow_heif.from_pillow(im).save(path, quality=90)  # no Pillow registration needed to write
    else:
        im.save(path, format=fmt, **kwargs)
    return path


def _render(doc) -> list[Image.Image]:
    """Each page drawn at a 1x1 grid of the profile's tiles, as the render stage does for real."""
    plan = plan_pages(doc.pages, profile=get_profile(), counter=EstimateCounter(24), system="", user="")
    requests = [PageRequest(p.number, p.grid(512)) for p in plan.pages]
    return [page.image for page in render_pages(doc, requests)]


def _clean(result) -> str:
    """The CLI's output, after checking that nothing foreign reached it."""
    text = result.out + result.err
    assert "Traceback" not in text
    assert "site-packages" not in text
    assert "internal error" not in text
    assert not re.search(r"\.py:\d+", text), text  # a Python warning's "file.py:123: UserWarning" line
    return text


def _cli_all(run_cli, path: Path, tmp_path: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for name, args in {
        "plan": ("plan", path),
        "render": ("render", path, "-o", tmp_path / "pages"),
        "ask": ("ask", path, "What is the total?", "--engine", "text"),
    }.items():
        result = run_cli(*args)
        out[name] = (result.code, _clean(result))
    return out


# --- formats the libraries read: processed ---------------------------------------------------------


@pytest.mark.parametrize(("fmt", "ext"), [("HEIF", "heic"), ("AVIF", "avif"), ("JPEG2000", "jp2")])
def test_heic_avif_jpeg2000_are_read(tmp_path, run_cli, fmt, ext):
    path = _save(_receipt(), tmp_path / f"receipt.{ext}", fmt)
    doc = load_document(path)
    assert (doc.kind, doc.format, doc.page_count) == ("image", fmt, 1)
    assert (doc.pages[0].width, doc.pages[0].height) == (W, H)
    assert doc.warnings == ()
    [image] = _render(doc)
    # the text lines survive the trip: the page has dark ink on white, not a blank or black square
    lo, hi = image.convert("L").getextrema()
    assert lo < 80 and hi > 200
    for name, (code, _) in _cli_all(run_cli, path, tmp_path).items():
        assert code == 0, name


def test_new_formats_and_extensions_are_listed_everywhere(tmp_path):
    for fmt in ("HEIF", "AVIF", "JPEG2000"):
        assert fmt in IMAGE_FORMATS
    for ext in (".heic", ".heif", ".avif", ".jp2", ".j2k", ".jpx"):
        assert ext in IMAGE_EXTENSIONS
    assert all(word in SUPPORTED_HINT for word in ("HEIC", "AVIF", "JPEG 2000"))
    # a folder of phone photos is picked up by discover, like any image folder
    _save(_receipt(), tmp_path / "IMG_0001.HEIC", "HEIF")
    assert [p.name for p in discover([str(tmp_path)]).files] == ["IMG_0001.HEIC"]


def test_heic_without_its_extension_is_still_a_heic(tmp_path):
    path = _save(_receipt(), tmp_path / "upload", "HEIF")
    assert load_document(path).format == "HEIF"


# --- animated images: frame 1, with a warning ------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ext", "name"), [("WEBP", "webp", "WebP"), ("PNG", "png", "PNG"), ("GIF", "gif", "GIF")]
)
def test_animated_image_reads_frame_one_and_says_so(tmp_path, run_cli, fmt, ext, name):
    first = _receipt()
    frames = [first] + [Image.new("RGB", (W, H), (6 * i, 255 - 6 * i, 0)) for i in range(1, 42)]
    path = tmp_path / f"anim.{ext}"
    first.save(path, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    doc = load_document(path)
    assert doc.page_count == 1 and [p.number for p in doc.pages] == [1]
    message = f"animated {name} with 42 frames: only the first frame is read"
    assert [(w.code, w.message) for w in doc.warnings] == [("animated_image", message)]
    [image] = _render(doc)
    # frame 1 (the white receipt), not one of the coloured frames
    assert ImageStat.Stat(image.convert("L")).mean[0] > 200
    results = _cli_all(run_cli, path, tmp_path)
    assert all(code == 0 for code, _ in results.values())
    assert message in results["plan"][1] and message in results["render"][1]


def test_still_image_has_no_animation_warning(tmp_path):
    path = tmp_path / "still.webp"
    _receipt().save(path, format="WEBP")
    assert load_document(path).warnings == ()


# --- truncated files: what decodes is drawn, with how much -----------------------------------------


def _cut(im: Image.Image, path: Path, fmt: str, keep: float, **kwargs) -> Path:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **kwargs)
    data = buffer.getvalue()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png")])
def test_truncated_image_is_drawn_in_part_and_everyone_agrees(tmp_path, run_cli, fmt, ext):
    path = _cut(_receipt(), tmp_path / f"cut.{ext}", fmt, keep=0.6)
    doc = load_document(path)
    [warning] = doc.warnings
    assert warning.code == "truncated_image"
    share = int(
        re.fullmatch(
            rf"truncated {fmt} file: only the top (\d+)% of the image could be drawn; the rest is drawn empty",
            warning.message,
        )[1]
    )
    assert 20 <= share <= 90
    # The renderer decodes the same part instead of failing, and what it says matches: the rows below
    # the drawn share are one flat fill, the rows above hold the text.
    [image] = _render(doc)
    grey = image.convert("L")
    cut_row = grey.height * share // 100
    assert ImageStat.Stat(grey.crop((0, cut_row + grey.height // 20, grey.width, grey.height))).stddev[0] < 1
    assert ImageStat.Stat(grey.crop((0, 0, grey.width, cut_row))).stddev[0] > 10
    results = _cli_all(run_cli, path, tmp_path)
    for name in ("plan", "render", "ask"):
        code, text = results[name]
        assert code == 0, (name, text)
        assert warning.message in text, name
        assert "mutool" not in text and "--pages" not in text  # no PDF advice for an image
    assert list((tmp_path / "pages").rglob("page-0001.png"))


def test_truncated_progressive_jpeg_is_drawn_whole_at_lower_detail(tmp_path):
    path = _cut(_receipt(), tmp_path / "prog.jpg", "JPEG", keep=0.5, progressive=True)
    [warning] = load_document(path).warnings
    assert warning.message == "truncated JPEG file: drawn from the data present, so parts may be blurred or missing"


def test_truncated_bmp_keeps_its_bottom(tmp_path):
    path = _cut(_receipt(), tmp_path / "cut.bmp", "BMP", keep=0.5)  # BMP rows are stored bottom-up
    [warning] = load_document(path).warnings
    assert re.fullmatch(r"truncated BMP file: only the bottom \d+% of the image could be drawn; .*", warning.message)


def test_image_cut_before_any_pixel_is_refused(tmp_path, run_cli):
    path = _cut(_receipt(), tmp_path / "stub.png", "PNG", keep=0.02)
    with pytest.raises(CorruptFile) as info:
        load_document(path)
    assert str(info.value) == (
        f"{path}: truncated PNG image: the file ends before any of the picture could be decoded"
        " — fetch or copy it again (the download or transfer stopped early)"
    )
    result = run_cli("plan", path)
    assert result.code == 1 and "truncated PNG image" in _clean(result)


def test_truncation_leaves_pillow_as_it_found_it(tmp_path):
    path = _cut(_receipt(), tmp_path / "cut.png", "PNG", keep=0.6)
    filters = list(warnings.filters)
    _render(load_document(path))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert warnings.filters == filters
    with Image.open(path) as im, pytest.raises(OSError, match="truncated"):
        im.load()  # other code in the process still gets Pillow's default: an error


def test_documents_on_threads_do_not_tangle_pillow_state(tmp_path):
    """The batch loads and renders documents on threads; warning capture must not leak between them."""
    paths = [_cut(_receipt(), tmp_path / f"cut{i}.png", "PNG", keep=0.6) for i in range(4)]
    paths += [_save(_receipt(), tmp_path / f"ok{i}.heic", "HEIF") for i in range(4)]
    filters = list(warnings.filters)
    errors: list[BaseException] = []
    outcome: dict[str, tuple[str, ...]] = {}

    def work(path: Path) -> None:
        try:
            for _ in range(3):
                doc = load_document(path)
                _render(doc)
                outcome[path.name] = tuple(w.code for w in doc.warnings)
        except BaseException as exc:  # collected and re-raised by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {name: codes for name, codes in outcome.items()} == {
        **{f"cut{i}.png": ("truncated_image",) for i in range(4)},
        **{f"ok{i}.heic": () for i in range(4)},
    }
    assert warnings.filters == filters and ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- 16-bit images that use a narrow band of values: auto-levelled, with a warning -----------------


def _gray16(path: Path, lo: int, hi: int, fmt: str, mode: str = "I;16") -> Path:
    values = np.linspace(lo, hi, W * H).reshape(H, W).astype(">u2" if mode == "I;16B" else "<u2")
    values[H // 3 : H // 3 + 20, 40 : W - 40] = lo  # a dark "text" bar
    Image.frombytes(mode, (W, H), values.tobytes()).save(path, format=fmt)
    return path


# I;16B: a big-endian TIFF (Motorola byte order), as Pillow's own test file with values 291-694 is, and for
# which Pillow has no extrema of its own
@pytest.mark.parametrize(
    ("fmt", "ext", "mode"), [("TIFF", "tif", "I;16"), ("PNG", "png", "I;16"), ("TIFF", "tif", "I;16B")]
)
def test_low_range_16bit_is_auto_levelled_with_a_warning(tmp_path, run_cli, fmt, ext, mode):
    path = _gray16(tmp_path / f"sensor.{ext}", 291, 694, fmt, mode)
    assert Image.open(path).mode == mode
    doc = load_document(path)
    message = (
        "16-bit image uses only values 291-694 of 0-65,535: "
        "its contrast was stretched to the full range so it is not drawn near-black"
    )
    assert [(w.code, w.message) for w in doc.warnings] == [("low_range_16bit", message)]
    [image] = _render(doc)
    lo, hi = image.convert("L").getextrema()
    assert lo <= 5 and hi >= 250  # a plain /257 scale would give 1..2 of 255
    results = _cli_all(run_cli, path, tmp_path)
    assert all(code == 0 for code, _ in results.values())
    assert message in results["plan"][1]


def test_full_range_16bit_is_left_alone(tmp_path):
    path = _gray16(tmp_path / "full.tif", 0, 60000, "TIFF")
    doc = load_document(path)
    assert doc.warnings == ()
    [image] = _render(doc)
    assert image.convert("L").getextrema()[1] == pytest.approx(60000 / 257, abs=2)  # scaled, not stretched


# --- damaged headers: named as the image format they are ---------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ext", "name"), [("PNG", "png", "PNG"), ("TIFF", "tif", "TIFF"), ("JPEG", "jpg", "JPEG")]
)
def test_damaged_header_is_a_damaged_image_not_an_unknown_format(tmp_path, run_cli, fmt, ext, name):
    buffer = io.BytesIO()
    _receipt().save(buffer, format=fmt)
    data = bytearray(buffer.getvalue())
    for i in range(8, 48):  # the bytes after the signature: IHDR / first IFD / JPEG segments
        data[i] ^= 0xFF
    path = tmp_path / f"bad.{ext}"
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFile) as info:
        load_document(path)
    assert info.value.message.startswith(f"damaged {name} image")
    assert "not a PDF or image" not in str(info.value)
    assert "mutool" not in info.value.fix and "image viewer" in info.value.fix
    result = run_cli("plan", path)
    assert result.code == 1 and f"damaged {name} image" in _clean(result)


# --- ZIP containers: named by kind, with a fix for that kind -----------------------------------------


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


XPS_TYPES = (
    '<Types><Default Extension="fdseq" ContentType="application/vnd.ms-package.xps-fixeddocumentsequence+xml"/></Types>'
)


@pytest.mark.parametrize(
    ("members", "kind", "fix"),
    [
        ({"mimetype": "application/epub+zip", "OEBPS/ch1.xhtml": "<html/>"}, "an EPUB e-book", "mutool convert"),
        (
            {"[Content_Types].xml": XPS_TYPES, "FixedDocumentSequence.fdseq": "<x/>"},
            "an XPS/OpenXPS document",
            "mutool convert",
        ),
        ({"[Content_Types].xml": "<Types/>", "word/document.xml": "<x/>"}, "a Word document (.docx)", "soffice"),
        ({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<x/>"}, "an Excel workbook (.xlsx)", "soffice"),
        (
            {"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<x/>"},
            "a PowerPoint presentation (.pptx)",
            "soffice",
        ),
        (
            {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"},
            "an OpenDocument file",
            "soffice",
        ),
        ({"scans/a.txt": "hello"}, "a ZIP archive", "unzip it"),
    ],
)
def test_zip_kinds_are_named(tmp_path, run_cli, members, kind, fix):
    path = _zip(tmp_path / "input.bin", members)
    with pytest.raises(UnsupportedFile) as info:
        load_document(path)
    assert info.value.message.startswith(f"not a PDF or image (content is {kind}")
    assert fix in info.value.fix and "input.bin" in str(info.value)
    if kind != "a ZIP archive":
        assert "unzip" not in info.value.fix
    result = run_cli("plan", path)
    assert result.code == 1 and kind in _clean(result)


def test_damaged_zip_is_not_guessed_to_be_office(tmp_path):
    path = tmp_path / "x.epub"
    path.write_bytes(b"PK\x03\x04" + bytes(300))
    with pytest.raises(UnsupportedFile) as info:
        load_document(path)
    assert "damaged" in info.value.message and "docx" not in str(info.value)


# --- library warnings: docvl words, no library paths ---------------------------------------------------


def test_pillow_warning_becomes_a_document_warning(tmp_path, run_cli):
    exif = Image.Exif()
    exif[0x010E] = "x" * 100  # ImageDescription
    path = tmp_path / "photo.jpg"
    _receipt().save(path, format="JPEG", exif=exif.tobytes()[:-60])  # the tag's data runs past the block
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning that escapes docvl fails the test
        doc = load_document(path)
        _render(doc)
    assert [(w.code, w.message) for w in doc.warnings] == [
        ("image_reader", "image reader: Tag data larger than file. Skipping tag 270")
    ]
    results = _cli_all(run_cli, path, tmp_path)
    assert all(code == 0 for code, _ in results.values())
    # said once per command, as the document's warning (the renderer does not repeat it per page)
    assert results["render"][1].count("Skipping tag 270") == 1


def test_libtiff_messages_become_the_documents_warnings(tmp_path):
    """libtiff prints damage reports from C straight to stderr ("Fax4Decode: Bad code word ..."), where no
    Python hook sees them; docvl routes them to the document (docvl.libtiff). A real process: the lines
    are written to file descriptor 2, which an in-process runner would not show."""
    import subprocess
    import sys

    Image.radial_gradient("L").resize((400, 400)).convert("1").save(tmp_path / "fax.tif", compression="group4")
    data = bytearray((tmp_path / "fax.tif").read_bytes())
    data[20:120] = bytes(100)  # the start of the Group 4 strip zeroed: bad code words
    (tmp_path / "fax.tif").write_bytes(bytes(data))
    run = subprocess.run(
        [sys.executable, "-m", "docvl", "plan", str(tmp_path / "fax.tif")], capture_output=True, text=True, timeout=120
    )
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines, "the damage is said"
    assert all(line.startswith(("warning: ", "error: ")) for line in lines), lines  # nothing raw from libtiff
    assert any("a library warned: libtiff: Fax4Decode: Bad code word" in line for line in lines), lines


def test_a_tiff_compressed_in_a_way_libtiff_lacks_is_not_called_damaged(tmp_path, monkeypatch):
    """A WebP- or ZSTD-compressed TIFF from a newer tool opens in Pillow but fails to decode where libtiff
    was built without that codec: the message says so, not "damaged"."""
    import docvl.libtiff

    path = tmp_path / "scan.tif"
    Image.new("L", (300, 200), 255).save(path, compression="tiff_adobe_deflate")
    data = path.read_bytes()
    assert load_document(path).format == "TIFF"  # Deflate: decoded here
    # the same file, its compressed strip (right after the 8-byte header, before the tags) overwritten:
    # decoding fails; only when libtiff lacks the codec is it unsupported rather than damaged
    ifd = int.from_bytes(data[4:8], "little")
    path.write_bytes(data[:10] + bytes([0xFF]) * (ifd - 10) + data[ifd:])
    with pytest.raises(CorruptFile):
        load_document(path)
    monkeypatch.setattr(docvl.libtiff, "codec_configured", lambda scheme: scheme != 8)
    with pytest.raises(UnsupportedFile, match="TIFF compressed with ADOBE_DEFLATE, which this installation's libtiff"):
        load_document(path)
