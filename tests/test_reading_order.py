"""Reading order of the text layer: what the model, `render`'s .txt and the text engine read.

Each page here is drawn the way real producers draw it (columns written line by line across the page,
right-to-left text drawn glyph by glyph from the left, vertical Japanese one character at a time, text on
a /Rotate 90 page), so PyMuPDF's own order is wrong and docvl's must be right.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from docvl.load.page_kind import visible_content
from docvl.load.reading_order import lines_text, page_words
from tests.layout_docs import KINDS, Score, build

WORDS = [
    "harbour",
    "ledger",
    "vessel",
    "quota",
    "salmon",
    "permit",
    "freight",
    "tariff",
    "audit",
    "clause",
    "notice",
    "annex",
    "schedule",
    "invoice",
    "pension",
    "reserve",
    "margin",
    "dividend",
    "turbine",
    "ballast",
    "engine",
    "rudder",
    "anchor",
    "deck",
    "cargo",
    "crane",
    "pilot",
    "beacon",
    "survey",
    "tender",
    "bond",
    "equity",
    "asset",
    "liability",
    "revenue",
    "expense",
    "budget",
    "capital",
    "grant",
    "subsidy",
    "levy",
    "duty",
]


def _text(page: pymupdf.Page) -> str:
    return lines_text(page_words(page))


def _column_words(tag: str, n: int) -> list[str]:
    return [f"{tag}{i}{WORDS[i % len(WORDS)]}" for i in range(n)]


def two_column_page(doc: pymupdf.Document, *, interleave: bool = True) -> tuple[list[str], list[str]]:
    """A title across the page, two columns whose lines share baselines, written left line / right line
    alternately (what breaks a sort by rows), and a centred page number."""
    page = doc.new_page(width=612, height=792)
    page.insert_text((150, 60), "Annual review of the harbour authority", fontsize=16)
    left = _column_words("l", 60)
    right = _column_words("r", 60)
    rows = [(left[i : i + 4], right[i : i + 4]) for i in range(0, 60, 4)]
    y = 100.0
    if interleave:
        for lw, rw in rows:
            page.insert_text((72, y), " ".join(lw), fontsize=10)
            page.insert_text((320, y), " ".join(rw), fontsize=10)
            y += 13
    else:
        for lw, _ in rows:
            page.insert_text((72, y), " ".join(lw), fontsize=10)
            y += 13
        y = 100.0
        for _, rw in rows:
            page.insert_text((320, y), " ".join(rw), fontsize=10)
            y += 13
    page.insert_text((300, 760), "7", fontsize=9)
    return left, right


def test_two_columns_are_read_one_after_the_other(tmp_path):
    doc = pymupdf.open()
    left, right = two_column_page(doc)
    text = _text(doc[0])
    words = text.split()
    assert words[:6] == ["Annual", "review", "of", "the", "harbour", "authority"]
    assert words[6 : 6 + 60] == left
    assert words[66:126] == right
    assert words[-1] == "7"
    # every line of the text is a line of one column, never both
    assert not any(
        ("l" in line.split()[0][:1]) and any(w.startswith("r") for w in line.split()) for line in text.splitlines()
    )


def test_three_columns_with_a_full_width_heading_and_a_footnote():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 60), "Federal notice of proposed rulemaking on harbour tariffs and duties", fontsize=13)
    cols = [_column_words(tag, 45) for tag in ("a", "b", "c")]
    for i in range(15):
        for c, x in enumerate((50, 230, 410)):
            page.insert_text((x, 100 + 12 * i), " ".join(cols[c][3 * i : 3 * i + 3]), fontsize=9)
    page.insert_text((50, 400), "Mid-page section heading spanning all three columns of the notice", fontsize=12)
    lower = [_column_words(tag, 30) for tag in ("d", "e", "f")]
    for i in range(10):
        for c, x in enumerate((50, 230, 410)):
            page.insert_text((x, 430 + 12 * i), " ".join(lower[c][3 * i : 3 * i + 3]), fontsize=9)
    page.insert_text((50, 740), "1 Footnote: tariffs are quoted per tonne of cargo landed at the quay.", fontsize=8)
    words = _text(page).split()
    expected = (
        ["Federal", "notice", "of", "proposed", "rulemaking", "on", "harbour", "tariffs", "and", "duties"]
        + cols[0]
        + cols[1]
        + cols[2]
        + ["Mid-page", "section", "heading", "spanning", "all", "three", "columns", "of", "the", "notice"]
        + lower[0]
        + lower[1]
        + lower[2]
        + ["1", "Footnote:", "tariffs", "are", "quoted", "per", "tonne", "of", "cargo", "landed", "at", "the", "quay."]
    )
    assert words == expected


def test_a_borderless_table_is_read_row_by_row():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 80), "Fees for the year were as follows across every harbour in the region.", fontsize=10)
    rows = [
        ("Berth", "Vessels", "Fee"),
        ("North", "12", "4,500"),
        ("South", "9", "3,100"),
        ("East quay", "15", "6,020"),
    ]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            page.insert_text((72 + 150 * c, 120 + 16 * r), cell, fontsize=10)
    lines = _text(page).splitlines()
    assert lines[1:] == [" ".join(row) for row in rows]


def test_a_rotated_page_is_read_upright_line_by_line(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(90)
    sentences = ["It will have a landscape layout.", "The second line follows the first.", "And a third one."]
    # insert_text takes unrotated coordinates: morph the text so it reads upright on the rotated page
    for i, line in enumerate(sentences):
        point = pymupdf.Point(72, 72 + 20 * i) * page.derotation_matrix
        page.insert_text(point, line, fontsize=12, rotate=90)
    path = tmp_path / "rotated.pdf"
    doc.save(path)
    with pymupdf.open(path) as again:
        assert again[0].rotation == 90
        assert _text(again[0]).splitlines() == sentences
        words = page_words(again[0])
        # boxes are in the displayed (landscape) page
        assert all(0 <= w.x0 < w.x1 <= again[0].rect.width and 0 <= w.y0 < w.y1 <= again[0].rect.height for w in words)
        assert words[0].x0 < words[1].x0 and abs(words[0].y0 - words[1].y0) < 1


def test_right_to_left_drawn_in_visual_order_comes_out_logical():
    hebrew = pymupdf.Font(script=5)  # MuPDF's built-in Noto Hebrew
    logical = ["שלום", "עולם", "שנת", "2024", "מחיר", "42", "שקלים"]
    visual = " ".join(w if w.isdigit() else w[::-1] for w in reversed(logical))
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    writer = pymupdf.TextWriter(page.rect)
    writer.append((100, 100), visual, font=hebrew, fontsize=14)  # glyphs left to right: visual order
    writer.write_text(page)
    assert _text(page).split() == logical


def test_right_to_left_shaped_in_logical_order_stays_logical():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_htmlbox(pymupdf.Rect(72, 72, 540, 200), '<p dir="rtl">שלום עולם זה טקסט בעברית 42 שקלים</p>')
    assert _text(page).split() == ["שלום", "עולם", "זה", "טקסט", "בעברית", "42", "שקלים"]


def test_vertical_japanese_drawn_one_character_at_a_time():
    font = pymupdf.Font("japan")
    columns = ["日本語の縦書き", "右から左へ読む", "三行目の文章"]
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    writer = pymupdf.TextWriter(page.rect)
    for c, column in enumerate(columns):
        x = 500 - 30 * c  # columns run right to left
        for i, ch in enumerate(column):
            writer.append((x, 100 + 16 * i), ch, font=font, fontsize=14)
    writer.write_text(page)
    assert _text(page).splitlines() == columns


def test_words_hyphenated_at_line_ends_are_joined():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 100), "The harbour authority published infor-", fontsize=11)
    page.insert_text((72, 114), "mation about the new tariffs in March.", fontsize=11)
    assert _text(page).split()[:6] == ["The", "harbour", "authority", "published", "information", "about"]


def test_text_outside_the_visible_page_is_not_read():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((100, 100), "Visible prose", fontsize=11)
    page.insert_text((100, 780), "printer slug 2024-11-03 plate 4", fontsize=6)
    page.set_cropbox(pymupdf.Rect(36, 36, 576, 756))
    assert _text(page) == "Visible prose"


def test_a_prose_page_with_crop_marks_and_white_fills_is_text_only(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=650, height=850)
    page.insert_textbox(pymupdf.Rect(60, 60, 580, 700), " ".join(WORDS * 8), fontsize=11)
    # a white background box behind the text, a footnote rule, underlines
    page.draw_rect(pymupdf.Rect(0, 0, 650, 850), color=None, fill=(1, 1, 1), overlay=False)
    page.draw_line((60, 720), (200, 720), width=0.5)
    for y in (80, 110, 140):
        page.draw_line((60, y), (60 + y, y), width=0.4)
    # crop and registration marks outside the trim box
    for x, y in ((10, 10), (640, 10), (10, 840), (640, 840)):
        page.draw_line((x - 8, y), (x + 8, y), width=0.3)
        page.draw_line((x, y - 8), (x, y + 8), width=0.3)
        page.draw_circle((x, y), 4, width=0.3)
    page.set_cropbox(pymupdf.Rect(25, 25, 625, 825))
    path = tmp_path / "book.pdf"
    doc.save(path)
    with pymupdf.open(path) as again:
        assert visible_content(again[0]).reason() is None


def test_a_ruled_table_and_a_chart_still_need_eyes(tmp_path):
    doc = pymupdf.open()
    table = doc.new_page()
    table.insert_text((72, 60), "Fees", fontsize=12)
    for y in range(100, 260, 20):
        table.draw_line((72, y), (500, y), width=0.5)
    for x in (72, 250, 500):
        table.draw_line((x, 100), (x, 240), width=0.5)
    chart = doc.new_page()
    chart.insert_text((72, 60), "Revenue by quarter", fontsize=12)
    for i, h in enumerate((40, 90, 70, 120)):
        chart.draw_rect(pymupdf.Rect(100 + 60 * i, 300 - h, 140 + 60 * i, 300), color=None, fill=(0.2, 0.4, 0.8))
    chart.draw_bezier((100, 300), (200, 100), (300, 350), (400, 150), color=(1, 0, 0))
    doc.save(tmp_path / "figures.pdf")
    with pymupdf.open(tmp_path / "figures.pdf") as again:
        assert visible_content(again[0]).reason() == "ruled table"
        assert visible_content(again[1]).reason() == "drawings"


def test_render_writes_a_rotated_two_column_page_as_it_reads(run_cli, tmp_path):
    """What `docvl render` writes for a text page is what the model is sent: upright, column by column."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(90)  # displayed 842 x 595 (landscape)
    left, right = _column_words("l", 40), _column_words("r", 40)
    for i in range(10):
        for words, x in ((left, 60), (right, 450)):
            point = pymupdf.Point(x, 80 + 14 * i) * page.derotation_matrix
            page.insert_text(point, " ".join(words[4 * i : 4 * i + 4]), fontsize=10, rotate=90)
    path = tmp_path / "landscape.pdf"
    doc.save(path)
    result = run_cli("render", path, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    text = (tmp_path / "out" / "landscape" / "page-0001.txt").read_text()
    assert text.split() == left + right
    plan = run_cli("plan", path)
    assert plan.code == 0 and "text" in plan.out


REAL = Path(__file__).parent / "data" / "real"


def _real_text(name: str) -> list[str]:
    from docvl.load import load_document
    from docvl.load.textlayer import read_contents

    return read_contents(load_document(REAL / name))[1].text.splitlines()


def test_real_federal_register_page_is_read_column_by_column():
    """Three columns sharing baselines, footnotes at the foot of each column, a running head whose page
    number shares its row, a slug line: each column whole, left to right."""
    lines = _real_text("federal_register_2020_17221_p2.pdf")
    order = [
        "Hatta International Airport in Jakarta,",  # column 1
        "These effects include stall warning",
        "1 Preliminary KNKT.18.10.35.04 Aircraft",  # column 1's footnote
        "altitude disagree alert,5 and may affect",  # column 2
        "and the Ethiopian Civil Aviation",  # column 3
        "In addition to these four design",
    ]
    positions = [lines.index(line) for line in order]
    assert positions == sorted(positions)
    assert lines[0].startswith("Federal Register / Vol. 85") and "accident on October 29, 2018, data from" in lines


def test_real_borderless_table_is_read_row_by_row():
    lines = _real_text("nics_background_checks_2015_11_p1.pdf")
    assert any(line.startswith("Alabama 18,870 23,022 22,650 859") for line in lines)
    assert any(line.startswith("State / Territory Permit Handgun Long Gun") for line in lines)
    assert sum(1 for line in lines if line.split()[:1] and line.split()[0] in ("Alaska", "Arizona", "Wyoming")) == 3


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_generated_layouts_read_in_order(kind, tmp_path):
    """Every kind of tests/layout_docs.py, built with another seed than bench/reading_order.py's: at least
    0.95 of line-to-line joins in true order, and never below PyMuPDF's own content-stream order."""
    from docvl.load import load_document
    from docvl.load.textlayer import read_contents

    doc = build(kind, tmp_path, seed=7)
    contents = read_contents(load_document(doc.path))
    ours, plain = Score(), Score()
    with pymupdf.open(doc.path) as pdf:
        for n, truth in enumerate(doc.pages, start=1):
            ours.add(truth.lines, contents[n].text)
            plain.add(truth.lines, pdf[n - 1].get_text())
    assert Score.share(ours.words) == 1.0
    assert Score.share(ours.joins) >= 0.95
    assert Score.share(ours.pairs) >= Score.share(plain.pairs) and Score.share(ours.joins) >= Score.share(plain.joins)


def test_rounded_callout_boxes_do_not_make_prose_a_picture():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(60, 60, 540, 760), " ".join(WORDS * 8), fontsize=11)
    for y in (200, 420):  # a filled rounded panel and its outline, twice
        page.draw_rect(pymupdf.Rect(140, y, 480, y + 60), color=None, fill=(0.9, 0.95, 0.85), radius=0.2)
        page.draw_rect(pymupdf.Rect(140, y, 480, y + 60), color=(0.6, 0.8, 0.2), radius=0.2)
    assert visible_content(page).reason() is None


def test_text_outside_the_trim_box_is_not_read():
    doc = pymupdf.open()
    page = doc.new_page(width=650, height=850)
    page.insert_text((100, 100), "Prose of the page", fontsize=11)
    page.insert_text((40, 840), "book.indb 73 14/09/2018 10:22", fontsize=6)  # the printer's slug
    page.set_trimbox(pymupdf.Rect(25, 25, 625, 825))
    assert _text(page) == "Prose of the page"


def test_a_two_letter_arabic_ligature_comes_back_in_logical_order():
    """Word writes lam-alef's ToUnicode as a zero-width alef at the glyph's right edge, then the lam:
    docvl puts lam first (PyMuPDF's own text reads "اإلنتاجية")."""
    from docvl.load.reading_order import _ligature_order

    def ch(c, x0, x1):
        return ({"c": c, "bbox": (x0, 0, x1, 10)}, 10.0, False)

    line = [ch("ا", 485.7, 488.7), ch("إ", 485.8, 485.8), ch("ل", 479.2, 485.8), ch("ن", 475.5, 479.2)]
    assert "".join(c["c"] for c, _, _ in _ligature_order(line)) == "الإن"


def test_korean_keeps_the_spaces_between_its_words():
    """Korean spaces its words like Latin text; a justified line stretches those spaces, which must not
    read as the glyph gaps of unspaced Han or kana."""
    font = pymupdf.Font("korea")
    lines = [
        ["약관의", "내용은", "사업자가", "일방적으로", "작성하고"],
        ["고객에게는", "그", "약관내용에", "관한", "교섭이나"],
        ["변경의", "기회가", "주어지지", "않는다", "이것이"],
    ]
    doc = pymupdf.open()
    page = doc.new_page()
    writer = pymupdf.TextWriter(page.rect)
    for row, words in enumerate(lines):  # justified to 300 pt: the spaces differ from line to line
        gap = (300 - sum(font.text_length(w, fontsize=11) for w in words)) / (len(words) - 1)
        x = 72.0
        for word in words:
            writer.append((x, 100 + 16 * row), word, font=font, fontsize=11)
            x += font.text_length(word, fontsize=11) + gap
    writer.write_text(page)
    assert _text(page).splitlines() == [" ".join(words) for words in lines]


def test_chinese_on_a_rotated_page_is_read_whole():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.set_rotation(90)
    lines = ["性别男年龄五十岁", "准格尔旗光伏制氢产业示范项目"]
    for i, line in enumerate(lines):
        point = pymupdf.Point(72, 80 + 24 * i) * page.derotation_matrix
        page.insert_text(point, line, fontname="china-s", fontsize=12, rotate=90)
    assert _text(page).splitlines() == lines


def test_real_footnote_mark_stays_where_it_is_drawn():
    """MuPDF puts the raised "1" on a line of its own; it belongs after "(DMCA)", not at the line's end."""
    lines = _real_text("dmca_p1.pdf")
    assert "The Digital Millennium Copyright Act (DMCA) 1 was signed into law by" in lines


def test_a_hebrew_question_mark_closes_the_sentence():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_htmlbox(pymupdf.Rect(72, 72, 540, 200), '<p dir="rtl">שלום עולם מה שלום כולם?</p>')
    assert _text(page).split()[-1].endswith("?") and not _text(page).startswith("?")


def test_a_table_with_dot_leaders_is_read_row_by_row():
    doc = pymupdf.open()
    page = doc.new_page()
    rows = [
        ("Balance, June 30, 2015", "1,240", "13,427"),
        ("Net income", "-", "2,755"),
        ("Dividends declared", "-", "(586)"),
    ]
    for r, (label, a, b) in enumerate(rows):
        y = 120 + 16 * r
        page.insert_text((72, y), label + "." * (60 - 2 * len(label)), fontsize=9)
        page.insert_text((330, y), a, fontsize=9)
        page.insert_text((420, y), b, fontsize=9)
    lines = _text(page).splitlines()
    assert [line.split(".")[0] for line in lines] == [label for label, _, _ in rows]
    assert lines[0].endswith("1,240 13,427")


def test_type_a_point_high_is_read_not_a_crash(tmp_path):
    """Two marks of 1-pt type 0.9 pt apart: a "gutter" narrower than the edge tolerance used to leave one
    side empty and raise."""
    doc = pymupdf.open()
    page = doc.new_page()
    font = doc.get_new_xref()
    doc.update_object(font, "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
    doc.xref_set_key(page.xref, "Resources", f"<</Font<</F1 {font} 0 R>>>>")
    contents = doc.get_new_xref()
    doc.update_object(contents, "<<>>")
    doc.update_stream(contents, b"BT /F1 1 Tf 10.928 700 Td (.) Tj ET BT /F1 1 Tf 10 700 Td (.) Tj ET")
    doc.xref_set_key(page.xref, "Contents", f"{contents} 0 R")
    doc.save(tmp_path / "tiny.pdf")
    with pymupdf.open(tmp_path / "tiny.pdf") as again:
        assert _text(again[0]).replace(" ", "") == ".."
