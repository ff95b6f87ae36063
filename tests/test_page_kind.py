"""Page kinds on pages drawn the way real producers draw them: a contents page's dotted leaders (round-cap
dots, dash patterns), a tiny circle built from segments, a vector logo on a text slide, a table on a
/Rotate 90 page, a rule drawn as a filled polygon -- and what must still go as an image: charts, small
labelled diagrams, check boxes."""

from __future__ import annotations

import itertools
import math

import pymupdf
import pytest

from docvl.load.page_kind import visible_content

PROSE = (
    "The harbour authority reviewed its ledger of permits, tariffs and freight quotas for the year. "
    "Each vessel that called at the port paid its levy in full, and the audit found no arrears. "
)


def _reopen(doc: pymupdf.Document) -> pymupdf.Document:
    """The document as a reader opens it (drawings parsed back from the saved content streams)."""
    return pymupdf.open("pdf", doc.tobytes())


def _kind(doc: pymupdf.Document, number: int = 0) -> str | None:
    return visible_content(_reopen(doc)[number]).reason()


def _prose_page(doc: pymupdf.Document, top: float = 120) -> pymupdf.Page:
    page = doc.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, top, 540, 720), PROSE * 6, fontsize=11)
    return page


def _contents_page(doc: pymupdf.Document) -> pymupdf.Page:
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 80), "Contents", fontsize=18)
    page.draw_line((72, 96), (540, 96), width=0.5)  # a rule under the heading
    return page


def test_round_cap_dotted_leaders_on_a_contents_page_are_not_rules():
    """A producer draws each leader as a round-cap dash pattern of zero-length dashes, with a lone
    zero-length dot at each end (PDF/UA reference suite): the dots were read as rules of one length,
    stacked -- a "ruled table"."""
    doc = pymupdf.open()
    page = _contents_page(doc)
    for i in range(15):
        y = 130 + 22 * i
        title = f"{i + 1}. Chapter {i + 1} of the harbour review"
        page.insert_text((72, y), title, fontsize=11)
        start = 72 + pymupdf.get_text_length(title, fontsize=11) + 6
        page.draw_line((start, y - 3), (500, y - 3), width=1, lineCap=1, dashes="[0 5] 0")
        for x in (start - 2, 502):  # the end dots: zero-length strokes with round caps
            page.draw_line((x, y - 3), (x, y - 3), width=1, lineCap=1)
        page.insert_text((515, y), str(3 + 4 * i), fontsize=11)
    assert _kind(doc) is None


def test_dashed_leaders_of_one_length_are_not_a_table():
    """Leaders drawn as dashed lines running from one column to the page number: all the same length,
    stacked -- a booktabs table to the old test, a contents page to a reader."""
    doc = pymupdf.open()
    page = _contents_page(doc)
    for i in range(12):
        y = 130 + 22 * i
        page.insert_text((72, y), f"Section {i + 1}", fontsize=11)
        page.draw_line((180, y - 3), (500, y - 3), width=0.6, dashes="[1 2] 0")
        page.insert_text((515, y), str(5 + 3 * i), fontsize=11)
    assert _kind(doc) is None


def test_a_tiny_circle_of_segments_is_not_a_stack_of_rules():
    """A 2-point circle drawn as dozens of sub-point segments (a Korean issue brief's ornament beside
    its running head): each segment is level within half a point, so each was a 'rule', and many of one
    length made a ruled table of a prose page."""
    doc = pymupdf.open()
    page = _prose_page(doc)
    page.draw_line((72, 100), (530, 100), width=0.5, color=(0.6, 0.7, 0.9))  # the running head's rule
    shape = page.new_shape()
    points = [
        pymupdf.Point(535 + 1.1 * math.cos(t), 100 + 1.1 * math.sin(t)) for t in (k * math.pi / 28 for k in range(57))
    ]
    for a, b in itertools.pairwise(points):
        shape.draw_line(a, b)
    shape.finish(color=(0.6, 0.7, 0.9), width=0.5)
    shape.commit()
    assert _kind(doc) is None


def _logo(page: pymupdf.Page, x: float, y: float) -> None:
    """A vector logo of 300 small filled shapes (a wordmark's letters and dots) in a 60 x 40 point box."""
    for row in range(15):
        for col in range(20):
            centre = pymupdf.Point(x + 1.5 + 3 * col, y + 1.5 + 2.7 * row)
            if (row + col) % 3:
                page.draw_circle(centre, 1.2, color=None, fill=(0.8, 0.1, 0.15))
            else:
                page.draw_rect(
                    pymupdf.Rect(centre.x - 1, centre.y - 1, centre.x + 1, centre.y + 1),
                    color=None,
                    fill=(0.1, 0.2, 0.5),
                )


def test_a_vector_logo_in_a_corner_of_a_text_page_is_text():
    """318 path items in a box covering about 1% of the page (the PDF/UA reference suite's slides): the
    allowance a raster logo gets, not a figure."""
    doc = pymupdf.open()
    page = _prose_page(doc)
    _logo(page, 36, 30)
    assert _kind(doc) is None


def test_a_vector_logo_on_a_slide_beside_its_title_and_bars_is_text():
    """A 1920 x 1080 point slide: the logo's letters lie farther apart in points than on a page, a
    coloured band runs under the head, a small motif sits in the corner."""
    doc = pymupdf.open()
    page = doc.new_page(width=1920, height=1080)
    for k, colour in enumerate(((0.8, 0.6, 0.05), (0.55, 0.6, 0.3), (0.8, 0.2, 0.25))):
        page.draw_rect(pymupdf.Rect(36 + 15 * k, 67 - 15 * k, 51 + 15 * k, 82 - 15 * k), color=None, fill=colour)
    for k in range(8):  # the wordmark, letter by letter, 5 points apart
        x = 90 + 20 * k
        page.draw_bezier((x, 80), (x + 4, 30), (x + 11, 30), (x + 15, 80), color=None, fill=(0.07, 0.07, 0.05))
    page.draw_rect(pymupdf.Rect(0, 133, 226, 144), color=None, fill=(0.6, 0.6, 0.6))
    page.draw_rect(pymupdf.Rect(242, 133, 1920, 144), color=None, fill=(0.81, 0.23, 0.28))
    for dx, dy in ((0, 18), (17, 0), (35, 18), (35, -18)):
        page.draw_rect(pymupdf.Rect(1811 + dx, 1015 + dy, 1827 + dx, 1031 + dy), color=None, fill=(0.4, 0.4, 0.4))
    page.insert_text((300, 80), "More than just digital paper", fontsize=36)
    page.insert_textbox(pymupdf.Rect(242, 250, 1700, 900), PROSE * 4, fontsize=40)
    assert _kind(doc) is None


def test_a_small_labelled_diagram_still_needs_eyes():
    """Boxes and arrows with labels, all under 2% of the page: a figure, not a logo -- text lies on it."""
    doc = pymupdf.open()
    page = _prose_page(doc, top=300)
    for k, label in enumerate(("Item 1", "Item 2", "Item 3")):
        y = 110 + 25 * k
        page.insert_text((80, y), label, fontsize=9)
        page.draw_line((120, y - 3), (160, 130), width=0.8)
        page.draw_polyline([(154, 126), (160, 130), (153, 132)], color=None, fill=(0, 0, 0), closePath=True)
    page.draw_rect(pymupdf.Rect(162, 118, 215, 142), color=(0.5, 0.5, 0.5), width=2)
    page.insert_text((170, 133), "Domain", fontsize=9)
    assert _kind(doc) == "drawings"


def test_check_boxes_ticked_on_a_form_still_need_eyes():
    """Which boxes are crossed is in the drawing only: outlined boxes are never let pass as ornaments."""
    doc = pymupdf.open()
    page = _prose_page(doc, top=400)
    for k in range(8):
        y = 110 + 12 * k
        page.draw_rect(pymupdf.Rect(72, y, 81, y + 9), color=(0, 0, 0), width=0.6)
        if k % 3 == 0:
            page.draw_line((72, y), (81, y + 9), width=0.6)
            page.draw_line((72, y + 9), (81, y), width=0.6)
        page.insert_text((90, y + 8), f"Option {k + 1}", fontsize=9)
    assert _kind(doc) == "drawings"


def test_a_bar_chart_and_a_line_chart_still_need_eyes():
    doc = pymupdf.open()
    bars = _prose_page(doc, top=420)
    bars.draw_line((100, 380), (460, 380), width=0.8)  # the axes
    bars.draw_line((100, 380), (100, 150), width=0.8)
    for i, h in enumerate((60, 140, 90, 200, 120, 170)):
        bars.draw_rect(pymupdf.Rect(115 + 57 * i, 380 - h, 150 + 57 * i, 380), color=None, fill=(0.2, 0.4, 0.8))
    line = _prose_page(doc, top=420)
    line.draw_line((100, 380), (460, 380), width=0.8)
    points = [(100 + 0.9 * k, 300 - 60 * math.sin(k / 25)) for k in range(400)]  # segments under 3 points
    line.draw_polyline(points, color=(0.8, 0.1, 0.1), width=1)
    assert _kind(doc, 0) == "drawings"
    assert _kind(doc, 1) == "drawings"


def _rotated_table_page(doc: pymupdf.Document) -> pymupdf.Page:
    """A landscape statement on a /Rotate 90 page: drawn in the unrotated page's coordinates, so the
    table's top, middle and bottom rules are vertical lines there."""
    page = doc.new_page(width=612, height=792)
    page.set_rotation(90)  # displayed 792 x 612
    shown = page.derotation_matrix

    def at(x: float, y: float) -> pymupdf.Point:
        return pymupdf.Point(x, y) * shown

    page.insert_text(at(72, 60), "Consolidated statement of equity (in millions)", fontsize=12, rotate=90)
    for y in (90, 112, 300):  # booktabs: top, mid and bottom rules across the table
        page.draw_line(at(72, y), at(720, y), width=1.5)
    for row in range(8):
        y = 130 + 22 * row
        page.insert_text(at(80, y), f"Balance line {row + 1}", fontsize=10, rotate=90)
        for col in range(4):
            page.insert_text(at(320 + 100 * col, y), f"{(row + 1) * (col + 3) * 17:,}", fontsize=10, rotate=90)
    return page


def test_a_ruled_table_on_a_rotate_90_page_is_a_ruled_table():
    doc = pymupdf.open()
    _rotated_table_page(doc)
    reopened = _reopen(doc)
    drawn = [path["rect"] for path in reopened[0].get_cdrawings()]
    assert all(abs(x0 - x1) < 0.01 for x0, _, x1, _ in drawn)  # vertical in get_drawings' coordinates
    found = visible_content(reopened[0])
    assert found.reason() == "ruled table"
    assert len(found.horizontal_rules) == 3 and not found.vertical_rules  # horizontal as displayed


def test_a_thick_rule_drawn_as_a_filled_polygon_is_one_rule():
    """A 1.5-point separator drawn as a filled polygon (two pieces joined mid-way): its long edges and
    short ends were 'rules' crossing each other -- a grid, so a ruled table -- where a reader sees one
    rule. (A plain four-cornered one MuPDF reports as a rectangle already.)"""
    doc = pymupdf.open()
    page = _prose_page(doc, top=140)
    outline = [(72, 120), (300, 120), (540, 120), (540, 121.5), (300, 121.5), (72, 121.5)]  # joined at 300
    page.draw_polyline(outline, color=None, fill=(0, 0, 0), closePath=True)
    assert _kind(doc) is None
    found = visible_content(_reopen(doc)[0])
    assert found.horizontal_rules == [pytest.approx((120.75, 72, 540))]


def test_a_picture_page_is_not_asked_for_its_drawings(monkeypatch):
    """The verdict picture > drawings > ruled table is known from the images alone: the (slow) drawings
    are not read."""
    doc = pymupdf.open()
    page = _prose_page(doc)
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 30), False)
    pixmap.set_rect(pixmap.irect, (120, 60, 30))
    page.insert_image(pymupdf.Rect(72, 400, 400, 650), pixmap=pixmap)
    page = _reopen(doc)[0]

    def refuse(*args, **kwargs):
        raise AssertionError("drawings read on a picture page")

    monkeypatch.setattr(pymupdf.Page, "get_cdrawings", refuse)
    monkeypatch.setattr(pymupdf.Page, "get_drawings", refuse)
    assert visible_content(page).reason() == "picture"


def test_a_curve_with_a_control_point_far_off_the_page_is_quick(tmp_path):
    """The clustering grid walks the cells a path's box covers: the box is clipped to the page first."""
    import time

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "A page of prose.", fontsize=11)
    page.draw_bezier((100, 100), (-1e6, -1e6), (1e6, 1e6), (500, 500))
    start = time.perf_counter()
    visible_content(page)
    assert time.perf_counter() - start < 5  # was minutes and gigabytes; a bound, not a benchmark
