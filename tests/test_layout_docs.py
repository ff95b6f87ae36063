"""The reading-order test documents (tests/layout_docs.py) are what they claim: the truth is what is
printed, rotated pages are rotated, RTL pages are RTL, vertical pages are vertical. docvl's own reading
order is tested elsewhere."""

from __future__ import annotations

import itertools
import unicodedata
from collections import Counter

import pymupdf
import pytest

from tests import layout_docs
from tests.layout_docs import KINDS, build, normalise, tokens


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    return {kind: build(kind, folder) for kind in KINDS}


def printed(page_truth) -> Counter:
    """The truth's tokens as printed: a hyphenated word is its two halves."""
    want = Counter(t for w in page_truth.words for t in normalise(w))
    for word, head, tail in page_truth.hyphenated:
        want -= Counter(normalise(word))
        want += Counter(normalise(head) + normalise(tail))
    return want


@pytest.mark.parametrize("kind", list(KINDS))
def test_truth_is_what_is_printed(built, kind):
    doc = built[kind]
    assert doc.kind == kind and doc.path.is_file()
    with pymupdf.open(doc.path) as pdf:
        assert pdf.page_count == len(doc.pages) >= 3
        for page, truth in zip(pdf, doc.pages, strict=True):
            assert len(truth.lines) >= 8 and all(truth.lines)
            got = Counter(t for w in page.get_text("words") for t in normalise(w[4]))
            want = printed(truth)
            assert got == want, (page.number, list((want - got).items())[:5], list((got - want).items())[:5])


def test_same_seed_same_truth(tmp_path):
    a = build("two_column", tmp_path / "a", seed=3)
    b = build("two_column", tmp_path / "b", seed=3)
    c = build("two_column", tmp_path / "c", seed=4)
    assert a.pages == b.pages
    assert a.pages[0].lines != c.pages[0].lines


def test_pages_repeat_few_words(built):
    for kind in ("two_column", "three_column", "sidebar", "rotated", "hyphenated"):
        for truth in built[kind].pages:
            seq = [t for w in truth.words for t in normalise(w)]
            pairs = Counter(itertools.pairwise(seq))
            assert sum(n - 1 for n in pairs.values()) <= 2, kind


def test_content_streams_are_not_all_in_reading_order(built):
    for kind in ("two_column", "three_column", "table", "rotated", "vertical_japanese"):
        assert {p.stream for p in built[kind].pages} == {"reading", "blocks", "rows"}


def test_columns_share_baselines(built):
    with pymupdf.open(built["two_column"].path) as pdf:
        page = pdf[0]
        mid = page.rect.width / 2
        left = {round(w[3], 1) for w in page.get_text("words") if w[2] < mid}
        right = {round(w[3], 1) for w in page.get_text("words") if w[0] > mid}
        assert len(left & right) >= 20


def test_rotated_pages(built):
    doc = built["rotated"]
    with pymupdf.open(doc.path) as pdf:
        rotations = [page.rotation for page in pdf]
        assert rotations == [t.rotation for t in doc.pages]
        assert {90, 270} <= set(rotations) and 0 not in rotations
        for page in pdf:
            dirs = {
                tuple(round(c) for c in line["dir"]) for b in page.get_text("dict")["blocks"] for line in b["lines"]
            }
            # Text reads upright as displayed, so on the unrotated page its direction turns with the page.
            assert dirs == {{90: (0, -1), 180: (-1, 0), 270: (0, 1)}[page.rotation]}
            assert page.rect.width > page.rect.height or page.rotation == 180


def _script(text: str, lo: int, hi: int) -> int:
    return sum(1 for c in unicodedata.normalize("NFKC", text) if lo <= ord(c) <= hi)


@pytest.mark.parametrize(("kind", "lo", "hi"), [("arabic", 0x0600, 0x06FF), ("hebrew", 0x0590, 0x05FF)])
def test_rtl_pages(built, kind, lo, hi):
    doc = built[kind]
    with pymupdf.open(doc.path) as pdf:
        for page, truth in zip(pdf, doc.pages, strict=True):
            assert _script(page.get_text(), lo, hi) > 300
            assert _script(" ".join(truth.words), lo, hi) > 300
            # Numbers and Latin words sit inside the lines, and the first word of a line is the rightmost.
            assert any(w.isdigit() for w in truth.words) and any(w.isascii() and w.isalpha() for w in truth.words)
            lines = layout_docs.visual_lines([w for w in page.get_text("words") if _script(w[4], lo, hi)])
            first = truth.lines[0][0]
            top = min(lines[0], key=lambda w: -w[2])  # rightmost word of the title line
            assert normalise(top[4]) == normalise(first)
            assert top[2] > page.rect.width - 60  # set against the right margin


def test_arabic_without_debian_font(tmp_path, monkeypatch):
    """Without fonts-noto-core the page is set in MuPDF's built-in font and leaves out words with lam."""
    monkeypatch.setattr(layout_docs, "ARABIC_FONT", tmp_path / "missing.ttf")
    doc = build("arabic", tmp_path)
    assert "ل" not in " ".join(w for p in doc.pages for w in p.words)
    with pymupdf.open(doc.path) as pdf:
        for page, truth in zip(pdf, doc.pages, strict=True):
            assert Counter(t for w in page.get_text("words") for t in normalise(w[4])) == printed(truth)


@pytest.mark.parametrize(
    ("kind", "wmode", "direction"), [("vertical_japanese", 1, (0, 1)), ("vertical_japanese_chars", 0, (1, 0))]
)
def test_vertical_japanese(built, kind, wmode, direction):
    doc = built[kind]
    with pymupdf.open(doc.path) as pdf:
        encodings = {
            pdf.xref_get_key(x, "Encoding")[1]
            for x in range(1, pdf.xref_length())
            if pdf.xref_get_key(x, "Subtype")[1] == "/Type0"
        }
        assert encodings == {"/Identity-V" if wmode else "/Identity-H"}
        for page in pdf:
            cjk = [
                line
                for block in page.get_text("dict")["blocks"]
                for line in block["lines"]
                if any(normalise(s["text"]) and not s["text"].strip().isdigit() for s in line["spans"])
            ]
            assert cjk and {line["wmode"] for line in cjk} == {wmode}
            assert {tuple(round(c) for c in line["dir"]) for line in cjk} == {direction}
        # A truth line is a column: its characters stand one above the other, read top to bottom.
        columns: dict[int, list] = {}
        for w in pdf[0].get_text("words"):
            if not w[4].isdigit():
                columns.setdefault(round((w[0] + w[2]) / 2), []).append(w)
        texts = {"".join(w[4] for w in sorted(col, key=lambda w: w[1])) for col in columns.values()}
        assert texts == {"".join(line) for line in doc.pages[0].lines if not line[0].isdigit()}
        assert max(map(len, texts)) >= 40


def test_hyphenated_breaks(built):
    for truth in built["hyphenated"].pages:
        assert len(truth.hyphenated) >= 5
        for word, head, tail in truth.hyphenated:
            assert head.endswith("-") and head[:-1] + tail == word and len(head) >= 4 and len(tail) >= 3
            assert word in truth.words


def test_normalise():
    assert normalise("infor-") == ["infor"]
    assert normalise("(2023),") == ["2023"]
    assert normalise("14.5%") == ["14.5"]
    assert normalise("Well-known") == ["well-known"]
    assert normalise("ﺍﺷﺘﺮﻯ") == ["اشترى"]  # Arabic presentation forms, as MuPDF extracts shaped text
    assert normalise("東京の2024年。") == ["東", "京", "の", "2", "0", "2", "4", "年"]
    assert tokens("a  b\nc —") == ["a", "b", "c"]
