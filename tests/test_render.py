import shutil

import pymupdf
import pytest
from PIL import Image, ImageChops, ImageStat

from docvl.load import load_document
from docvl.load.textlayer import TextLayer
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages

PROFILE = get_profile()


def _requests(doc, max_tiles=12):
    return [PageRequest(p.number, PROFILE.grid(p.width, p.height, max_tiles)) for p in doc.pages]


def _diff(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean[0]


def test_letter_page_drawn_at_grid_size(pdf_factory):
    doc = load_document(pdf_factory(pages=1, size=(612, 792)))
    (page,) = render_pages(doc, _requests(doc))
    assert (page.grid.cols, page.grid.rows) == (3, 4)
    assert page.image.size == (1536, 2048) and page.image.mode == "RGB"
    assert page.thumbnail.size == (512, 512)
    tiles = page.tiles()
    assert len(tiles) == 13 and all(t.size == (512, 512) for t in tiles)
    assert tiles[0].tobytes() == page.image.crop((0, 0, 512, 512)).tobytes()
    assert tiles[-1] is page.thumbnail


def test_single_tile_has_no_thumbnail(pdf_factory):
    doc = load_document(pdf_factory(pages=1))
    (page,) = render_pages(doc, _requests(doc, max_tiles=1))
    assert page.image.size == (512, 512) and page.thumbnail is None and len(page.tiles()) == 1


def test_thumbnail_matches_the_page(tmp_path):
    doc = load_document(_marked_pdf(tmp_path / "m.pdf"))
    (page,) = render_pages(doc, _requests(doc))
    assert _diff(page.thumbnail, page.image.resize((512, 512), Image.Resampling.BOX)) < 2
    assert _diff(page.thumbnail, Image.new("RGB", (512, 512), "white")) > 5  # not blank: the block is 4% of it


def test_rotated_page_is_drawn_as_displayed(pdf_factory):
    doc = load_document(pdf_factory(pages=1, size=(612, 792), rotate=90))
    (page,) = render_pages(doc, _requests(doc))
    assert page.image.width > page.image.height  # landscape, as a viewer shows it
    # The heading sits at the top-left of the unrotated page; after /Rotate 90 it is on the right edge.
    gray = page.image.convert("L")
    w, h = gray.size
    right = ImageStat.Stat(gray.crop((int(w * 0.85), 0, w, h))).mean[0]
    left = ImageStat.Stat(gray.crop((0, 0, int(w * 0.15), h))).mean[0]
    assert right < left


def _marked_pdf(path, rotate=0, crop=False):
    """A Letter page with a solid black block near its top-left corner (of the visible area)."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    x0 = 356 if crop else 50  # with the CropBox on the right half, the block sits at its top-left
    page.draw_rect(pymupdf.Rect(x0, 50, x0 + 150, 170), color=(0, 0, 0), fill=(0, 0, 0))
    page.insert_text((x0, 300), "Quarterly review", fontsize=14)
    if crop:
        page.set_cropbox(pymupdf.Rect(306, 0, 612, 792))
    if rotate:
        page.set_rotation(rotate)
    doc.save(path)
    return path


def _ink(image, box):
    """Mean darkness (0 white .. 255 black) of a box given in fractions of the image."""
    w, h = image.size
    region = image.convert("L").crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return 255 - ImageStat.Stat(region).mean[0]


@pytest.mark.parametrize("renderer", ["pymupdf", "pdfium", "poppler"])
@pytest.mark.parametrize(
    ("variant", "block", "clear"),
    [
        # where the block must be, and a corner that must stay white, as fractions of the drawn page
        ("plain", (0.10, 0.08, 0.28, 0.18), (0.70, 0.80, 0.95, 0.95)),
        ("rotate90", (0.80, 0.10, 0.90, 0.28), (0.05, 0.70, 0.30, 0.95)),  # /Rotate 90: top-left goes top-right
        ("cropbox", (0.20, 0.08, 0.60, 0.18), (0.70, 0.80, 0.95, 0.95)),
    ],
)
def test_renderers_draw_what_a_viewer_shows(tmp_path, renderer, variant, block, clear):
    if renderer == "poppler" and not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftoppm) is not installed; .ci/run installs it where apt-get works")
    path = _marked_pdf(
        tmp_path / f"{variant}.pdf", rotate=90 if variant == "rotate90" else 0, crop=variant == "cropbox"
    )
    doc = load_document(path)
    (page,) = render_pages(doc, _requests(doc, max_tiles=6), renderer=renderer)
    assert page.image.size == page.grid.pixel_size and page.image.mode == "RGB"
    assert page.thumbnail.size == (512, 512)
    assert _ink(page.image, block) > 200, "the black block is where a viewer shows it"
    assert _ink(page.image, clear) < 10, "the far corner is blank paper"
    assert _ink(page.thumbnail, block) > 150


@pytest.mark.parametrize("renderer", ["pdfium", "poppler"])
def test_other_renderers_match_pymupdf(pdf_factory, renderer):
    if renderer == "poppler" and not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftoppm) is not installed; .ci/run installs it where apt-get works")
    doc = load_document(pdf_factory(pages=2))
    reference = list(render_pages(doc, _requests(doc)))
    other = list(render_pages(doc, _requests(doc), renderer=renderer))
    for a, b in zip(reference, other, strict=True):
        assert b.image.size == a.image.size
        assert _diff(b.image, Image.new("RGB", b.image.size, "white")) > 0.5  # the other renderer drew text
        # the same text in the same place: bands of the page carry the same ink
        for top in (0.0, 0.25, 0.5, 0.75):
            band = (0.0, top, 1.0, top + 0.25)
            assert abs(_ink(a.image, band) - _ink(b.image, band)) < 1.5


@pytest.mark.parametrize("encode", ["png", "jpeg"])
def test_workers_give_the_same_pages_in_order(pdf_factory, encode):
    doc = load_document(pdf_factory(pages=24))
    requests = _requests(doc, max_tiles=6)
    serial = list(render_pages(doc, requests, workers=1, encode=encode))
    parallel = list(render_pages(doc, requests, workers=2, encode=encode))
    assert [p.number for p in parallel] == list(range(1, 25))
    for a, b in zip(serial, parallel, strict=True):
        assert a.encoded.data == b.encoded.data and a.encoded.format == encode
        assert a.encoded_thumbnail.data == b.encoded_thumbnail.data
        assert b._image is None  # only bytes crossed the process boundary
        assert b.image.size == a.image.size == b.encoded.size
        if encode == "png":  # lossless: decoded pixels are the drawn pixels
            assert b.image.tobytes() == a.image.tobytes()
        else:
            assert _diff(a.image, b.image) < 2


def test_unknown_encoding_is_a_usage_error(pdf_factory):
    from docvl.errors import UsageError

    doc = load_document(pdf_factory(pages=1))
    with pytest.raises(UsageError, match="encoding"):
        list(render_pages(doc, _requests(doc), encode="gif"))


def test_image_exif_rotation_applied_when_drawn(tmp_path):
    stored = Image.new("RGB", (400, 300), "white")
    stored.paste((0, 0, 0), (0, 0, 100, 100))  # black square top-left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # viewer rotates 90 degrees clockwise: the square ends up top-right
    path = tmp_path / "phone.jpg"
    stored.save(path, exif=exif, quality=95)
    doc = load_document(path)
    (page,) = render_pages(doc, _requests(doc, max_tiles=1))
    gray = page.image.convert("L")
    assert gray.getpixel((480, 30)) < 60 and gray.getpixel((30, 30)) > 200


def test_large_jpeg_is_decoded_at_reduced_scale(tmp_path, monkeypatch):
    from PIL import JpegImagePlugin

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (6000, 4000), "white").save(path, quality=80)
    decoded = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = real_draft(self, mode, size)
        decoded.append(self.size)  # the size libjpeg will decode at
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    doc = load_document(path)
    (page,) = render_pages(doc, _requests(doc))
    assert page.image.size == page.grid.pixel_size == (1536, 1024)
    # the last decode is the half-scale draw; the load's truncation check decodes at 1/8 scale: never 24 Mpx in memory
    assert decoded[-1] == (3000, 2000) and max(w * h for w, h in decoded) <= 3000 * 2000


def test_text_layer_reading_order_and_boxes(pdf_factory):
    doc = load_document(pdf_factory(pages=2, size=(612, 792)))
    with TextLayer(doc) as layer:
        text = layer.text(2)
        words = layer.words(2)
    assert text.splitlines()[0] == "Section 2 heading"
    assert text.splitlines()[-1] == "Page 2"  # the footer comes last, where a reader meets it
    assert all(0 <= w.x0 < w.x1 <= 612 and 0 <= w.y0 < w.y1 <= 792 for w in words)


def test_image_documents_have_no_text_layer(tmp_path):
    path = tmp_path / "a.png"
    Image.new("RGB", (100, 100), "white").save(path)
    with TextLayer(load_document(path)) as layer:
        assert layer.words(1) == [] and layer.text(1) == ""


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_transparent_colour_goes_on_white(tmp_path, mode):
    # black text on a background marked transparent by colour (tRNS chunk), not by an alpha channel
    img = Image.new(mode, (300, 200), 0)
    img.paste(255 if mode == "L" else (255, 255, 255), (20, 20, 120, 60))  # the "text", white on black
    path = tmp_path / "t.png"
    img.save(path, transparency=0 if mode == "L" else (0, 0, 0))
    doc = load_document(path)
    (page,) = render_pages(doc, _requests(doc, max_tiles=1))
    assert ImageStat.Stat(page.image.convert("L")).median[0] > 200  # background is paper-white, not black
