"""Every file of tests/corpus/broken gets its documented behaviour (index.json), through the CLI.

docvl's choice for each file is written down here and checked against what index.json allows, so a
new corpus file fails the suite until someone decides what docvl does with it.
"""

from __future__ import annotations

import json

import pytest
from PIL import ImageStat

from docvl.load import load_document
from docvl.load.textlayer import TextLayer
from docvl.pages import PageSelection
from docvl.planner import plan_pages
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages
from docvl.tokens import EstimateCounter

# file -> (outcome docvl gives, text that must appear in its message or page count when processed)
DOCVL = {
    "empty.pdf": ("error", "empty file"),
    "random_bytes.pdf": ("error", "not a PDF or image"),
    "truncated_1kb.pdf": ("error", "corrupt or truncated"),
    "truncated_half.pdf": ("warn", "pages 6-10 came back empty"),
    "encrypted_user_password.pdf": ("error", "--password"),
    "owner_password_only.pdf": ("process", 3),
    "zero_pages.pdf": ("error", "has no pages"),
    "broken_page_tree.pdf": ("error", "has no pages"),
    "receipt_actually_png.pdf": ("warn", "the content is a PNG image"),
    "notes_actually_text.png": ("error", "content is plain text"),
    "alpha_transparent.png": ("process", 1),
    "cmyk.jpg": ("process", 1),
    "one_pixel.png": ("error", "too small"),
    "gray16.png": ("process", 1),
    "multipage.tiff": ("process", 3),
    "huge_page_200in.pdf": ("process", 1),
    "pages_1500.pdf": ("process", 1500),
    # Planning reads no pixels; the lost image is reported when the page is drawn (render, ask, extract).
    "corrupt_image_stream.pdf": ("warn-on-render", "could not be fully decoded"),
    "Rechnung März 2024 – Kopie (1).pdf": ("process", 1),
    "download_error_page.pdf": ("error", "HTML page"),
    "scan_0001": ("process", 1),
}
# Where index.json says another outcome is also acceptable ("a clear error is acceptable").
ALSO_ACCEPTED = {"one_pixel.png": {"error"}, "receipt_actually_png.pdf": {"process"}}


def _entries(corpus):
    return json.loads((corpus / "broken" / "index.json").read_text())["files"]


def test_every_corpus_file_has_a_decision(corpus):
    assert sorted(e["path"] for e in _entries(corpus)) == sorted(DOCVL)


def test_decisions_are_what_the_index_allows(corpus):
    for entry in _entries(corpus):
        ours = DOCVL[entry["path"]][0].removesuffix("-on-render")
        allowed = {entry["expected_outcome"]} | ALSO_ACCEPTED.get(entry["path"], set())
        assert ours in allowed, (entry["path"], ours, entry["expected"])


@pytest.mark.parametrize("name", sorted(DOCVL))
def test_plan_gives_documented_outcome(corpus, run_cli, name):
    path = corpus / "broken" / name
    outcome, detail = DOCVL[name]
    result = run_cli("plan", path, "--json")
    err_lines = [line for line in result.err.splitlines() if line.strip()]
    doc = json.loads(result.out)["documents"][0]
    assert doc["path"] == str(path)  # names with spaces and non-ASCII round-trip unchanged
    if outcome == "error":
        assert result.code == 1
        assert doc["status"] == "failed" and "plan" not in doc
        assert len(err_lines) == 1 and err_lines[0].startswith("error: ")
        assert str(path) in err_lines[0] and detail in err_lines[0]
        assert " — " in err_lines[0], "every error says what to do"
    else:
        assert result.code == 0, result.err
        assert doc["status"] == "ok"
        assert not any(line.startswith("error") for line in err_lines)
        if outcome == "warn-on-render":
            assert len(doc["plan"]["pages"]) == 2
        elif outcome == "warn":
            assert any(line.startswith("warning: ") and str(path) in line and detail in line for line in err_lines)
        else:
            assert len(doc["plan"]["pages"]) == detail


def test_encrypted_with_password_reads_all_pages(corpus, run_cli):
    entry = next(e for e in _entries(corpus) if e["path"] == "encrypted_user_password.pdf")
    path = corpus / "broken" / entry["path"]
    result = run_cli("plan", path, "--password", entry["password"], "--json")
    assert result.code == 0
    assert len(json.loads(result.out)["documents"][0]["plan"]["pages"]) == 3
    with TextLayer(load_document(path, password=entry["password"])) as text:
        assert entry["check"]["answer"] in text.text(1)
    wrong = run_cli("plan", path, "--password", "guess")
    assert wrong.code == 1 and "does not open it" in wrong.err


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("pages_1500.pdf", 1234),
        ("huge_page_200in.pdf", 1),
        ("corrupt_image_stream.pdf", 1),
        ("Rechnung März 2024 – Kopie (1).pdf", 1),
        ("scan_0001", 1),
        ("truncated_half.pdf", 2),
    ],
)
def test_text_layer_holds_the_check_answer(corpus, name, page):
    entry = next(e for e in _entries(corpus) if e["path"] == name)
    answer = entry["check"]["answer"].split(" (")[0]
    with TextLayer(load_document(corpus / "broken" / name)) as text:
        assert answer in text.text(page)


def _render(path, pages=None):
    doc = load_document(path, selection=PageSelection.parse(pages))
    profile = get_profile()
    plan = plan_pages(doc.pages, profile=profile, counter=EstimateCounter(24), system="", user="")
    return list(render_pages(doc, [PageRequest(p.number, p.grid(512)) for p in plan.pages]))


@pytest.mark.parametrize("name", ["alpha_transparent.png", "cmyk.jpg", "gray16.png", "receipt_actually_png.pdf"])
def test_images_render_readable(corpus, name):
    """Paper stays white and text stays dark: a dropped alpha channel gives black, a clipped 16-bit
    image gives white, an inverted CMYK gives a black page."""
    (page,) = _render(corpus / "broken" / name)
    gray = page.image.convert("L")
    assert page.image.mode == "RGB" and page.image.size == page.grid.pixel_size
    assert ImageStat.Stat(gray).median[0] > 200, "background should be white"
    assert gray.getextrema()[0] < 80, "text should be dark"


def test_multipage_tiff_renders_every_frame(corpus):
    pages = _render(corpus / "broken" / "multipage.tiff")
    assert [p.number for p in pages] == [1, 2, 3]
    assert len({p.image.tobytes() for p in pages}) == 3


def test_corrupt_image_is_reported_and_rest_kept(corpus, run_cli, tmp_path):
    first, second = _render(corpus / "broken" / "corrupt_image_stream.pdf")
    assert any("image" in w for w in first.warnings)
    assert second.warnings == []
    path = corpus / "broken" / "corrupt_image_stream.pdf"
    result = run_cli("render", path, "-o", tmp_path)
    assert result.code == 0
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and str(path) in warnings[0] and "page 1" in warnings[0]
    assert DOCVL[path.name][1] in warnings[0]
    written = sorted(p.name for p in (tmp_path / "corrupt_image_stream").iterdir())
    # page 2 is all text: written as the text the model reads (--page-mode auto)
    assert written == ["page-0001-thumb.png", "page-0001.png", "page-0002.txt"]


def test_huge_page_renders_at_grid_size_not_page_size(corpus):
    (page,) = _render(corpus / "broken" / "huge_page_200in.pdf")
    assert page.image.size == (1536, 1536)  # 3x3 grid, not 30,000 px


def test_1500_pages_one_page_rendered_without_the_rest(corpus, monkeypatch):
    from docvl.render.pymupdf_renderer import PyMuPDFRasterizer

    drawn = []
    real = PyMuPDFRasterizer.render

    def spy(self, number, sizes):
        drawn.append(number)
        return real(self, number, sizes)

    monkeypatch.setattr(PyMuPDFRasterizer, "render", spy)
    (page,) = _render(corpus / "broken" / "pages_1500.pdf", "1234")
    assert page.number == 1234 and drawn == [1234]
    with TextLayer(load_document(corpus / "broken" / "pages_1500.pdf")) as text:
        assert "LG-72046" in text.text(1234)
