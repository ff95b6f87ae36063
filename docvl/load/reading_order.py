"""Reading order: a PDF page's characters (PyMuPDF ``rawdict``) turned into lines of words in the order a
person reads them.

PyMuPDF gives characters grouped into lines in content-stream order, with boxes in the *unrotated* page's
coordinates. Neither is reading order: producers write footers first, table cells one per line and the
columns of a page in any order; ``sort=True`` (what docvl used before) sorts words into visual rows, which
interleaves the lines of side-by-side columns. So this module:

1. maps every character box through the page's rotation matrix, so a ``/Rotate 90`` page is read upright;
2. sorts lines by writing direction in that displayed frame (horizontal, vertical top-to-bottom as in
   Japanese tategaki, rotated bottom-to-top as in a margin stamp, upside down) and lays each group out in a
   frame where its text runs left to right, so one layout routine serves every direction; the largest
   group is read first;
3. splits MuPDF's lines at wide gaps (it joins table cells and, when a producer writes them interleaved,
   the lines of two columns) into *segments*;
4. orders segments by recursive cuts along *gutters*: an x-range that no segment crosses, or only a few
   (a title, a full-width heading, a centred page number), with content on both sides. Segments that
   cross it cut the region into horizontal bands; a clean gutter splits it into columns, read left to
   right (right to left where the region's text is mostly right-to-left). Columns whose lines pair up
   row by row and hold a few words each are a table, read row by row instead;
5. turns right-to-left text drawn in visual order into logical order, and joins words hyphenated at line
   ends as PyMuPDF's TEXT_DEHYPHENATE does.

Vertical CJK written as one horizontal character per position (no vertical writing mode) is recognised
by its characters stacking in columns and read as vertical lines.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import pymupdf

from docvl.load.page_box import visible_box

# Writing directions in the displayed page (y grows downward). The frame of each maps the displayed
# coordinates so its text runs +x and its lines stack +y.
LTR, TTB, UPSIDE_DOWN, BTT, OTHER = "ltr", "ttb", "upside-down", "btt", "other"

BOLD = 16  # span flag bit

# rawdict flags: whitespace kept (word boundaries), text outside the MediaBox dropped, CID codes for
# glyphs without Unicode (counted as unreadable by the page test), and ligatures kept whole: MuPDF
# expands an Arabic ligature into its letters in visual order inside a logical line ("خل" for lam-khah),
# so they are expanded here instead, once the line is in logical order (_expand).
FLAGS = (
    pymupdf.TEXT_PRESERVE_WHITESPACE
    | pymupdf.TEXT_MEDIABOX_CLIP
    | pymupdf.TEXT_CID_FOR_UNKNOWN_UNICODE
    | pymupdf.TEXT_PRESERVE_LIGATURES
)

# A gap inside a MuPDF line wider than this many font sizes starts a new segment. Justified prose
# stretches word spaces to about 0.6 em at worst; table cells and column gutters sit further apart.
SPLIT_GAP_EM = 1.2
# Between two CJK characters (which sit with no gap in horizontal text) a smaller gap splits: vertical
# text drawn as horizontal characters has columns about 0.5-1 em apart.
SPLIT_GAP_CJK_EM = 0.35
# A gutter must be at least this wide (in font sizes), crossed by at most this many runs of lines per
# segment on its smaller side; only the candidates crossed least are examined (bounds the work on dense
# pages).
GUTTER_EM = 0.6
GUTTER_RUNS = 0.25
MAX_GUTTER_CANDIDATES = 48
# Lines crossing a gutter with text beside them that it still allows (a running head and its page number,
# a slug line); and how far a line may reach past a gutter's edge (points) without crossing it.
GUTTER_BESIDE = 2
EDGE = 1.0
GUTTER_STARTS = 6
# Columns are a table when this share of each side's segments has a partner on the other side on the
# same row, unless a side is prose: most of its lines (PROSE_FULL_LINES) at least PROSE_FILL of the
# column's width, and at least PROSE_WORDS words (median) or a width PROSE_MEASURE times the gutter's.
# Side-by-side prose columns of one font share baselines too, so alignment alone cannot tell them apart.
TABLE_ALIGNED = 0.7
PROSE_WORDS = 5
PROSE_MEASURE = 6
PROSE_FILL = 0.6
PROSE_FULL_LINES = 0.6
# CJK glyphs closer than this (font sizes) along a line are one run of text.
CJK_JOIN_EM = 0.5
# Pieces of one line that MuPDF cut apart at a change of script sit a word space apart.
BIDI_JOIN_EM = 0.6


Box = tuple[float, float, float, float]


@dataclass
class Word:
    """A word in reading order. Box in PDF points, origin top-left of the page as displayed (rotation
    applied); ``block`` numbers the text block (column, band or table) and ``line`` the output line."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    block: int
    line: int


@dataclass
class Piece:
    """A word as drawn: its text and displayed box."""

    text: str
    box: Box
    size: float = 0.0  # font size, points
    bold: bool = False


@dataclass
class Segment:
    """A run of words on one line with no wide gap, the unit the layout orders."""

    pieces: list[Piece]
    size: float
    direction: str
    # box in the direction's frame (text runs +x, lines stack +y)
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    text_x1: float = 0.0
    rtl: bool = False  # more right-to-left letters than left-to-right ones
    strong_r: int = 0  # right-to-left letters
    strong_l: int = 0  # left-to-right letters (all characters, when the text holds no RTL letter)
    visual: bool = False  # pieces in drawn left-to-right order (lines holding right-to-left text)
    drawn: list[Piece] | None = None  # a right-to-left line's words in drawn order, before the choice
    seq: int = 0  # position in the content stream
    words: int = 0
    chars: int = 0

    def frame(self) -> None:
        xs: list[float] = []
        ys: list[float] = []
        for piece in self.pieces:
            x0, y0, x1, y1 = piece.box
            for fx, fy in (_to_frame(self.direction, x0, y0), _to_frame(self.direction, x1, y1)):
                xs.append(fx)
                ys.append(fy)
        self.x0, self.x1, self.y0, self.y1 = min(xs), max(xs), min(ys), max(ys)
        # where the words end: a run of dot leaders after the last word is not text
        worded = [_word_end(self.direction, p) for p in self.pieces if any(c.isalnum() for c in p.text)]
        self.text_x1 = max(worded) if worded else self.x1
        text = "".join(p.text for p in self.pieces)
        # words with a letter or digit (dot leaders are not words); CJK runs have no spaces: two
        # characters count as a word, so a line of prose counts as one
        self.words = sum(1 for p in self.pieces if any(c.isalnum() for c in p.text)) + len(CJK_CHARS.findall(text)) // 2
        self.chars = len(text)
        if RTL_CHARS.search(text):
            strong = [_bidi_class(c) for c in text]
            self.strong_r, self.strong_l = strong.count("R"), strong.count("L")
        else:
            self.strong_l = len(text)
        self.rtl = self.strong_r > self.strong_l

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces)

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


LEADER = ".…·_"


def _word_end(direction: str, piece: Piece) -> float:
    """Where a word's letters end along its line: dot leaders glued to it ("net(b).......") are not part of
    it (their share of the box, by characters, is taken off)."""
    x0, x1 = _frame_extent(direction, piece.box)
    bare = piece.text.rstrip(LEADER)
    if len(piece.text) - len(bare) < 3:
        return x1
    return x0 + (x1 - x0) * len(bare) / len(piece.text)


def _to_frame(direction: str, x: float, y: float) -> tuple[float, float]:
    if direction == TTB:  # text runs down, lines stack right to left
        return y, -x
    if direction == BTT:  # text runs up, lines stack left to right
        return -y, x
    if direction == UPSIDE_DOWN:
        return -x, -y
    return x, y


def _direction(dx: float, dy: float) -> str:
    angle = math.degrees(math.atan2(dy, dx)) % 360
    for target, name in ((0, LTR), (90, TTB), (180, UPSIDE_DOWN), (270, BTT), (360, LTR)):
        if abs(angle - target) < 10:
            return name
    return OTHER


# Quick tests before the per-character work: Hebrew, Arabic, Syriac, Thaana, NKo... and their
# presentation forms; CJK ideographs, kana, hangul and full-width forms.
RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
CJK_CHARS = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _bidi_class(c: str) -> str:
    kind = unicodedata.bidirectional(c)
    if kind in ("R", "AL"):
        return "R"
    if kind == "L":
        return "L"
    return "N"


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return (
        0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xAC00 <= o <= 0xD7AF  # hangul
        or 0xFF00 <= o <= 0xFFEF  # full-width forms
        or 0x3000 <= o <= 0x303F  # CJK punctuation
    )


@dataclass(frozen=True)
class PageRead:
    """A page's words in reading order, and the lines a reader skims for: headings (larger or bold type
    standing alone) and captions ("Table 3", "Figure 2", "Abbildung 4"...)."""

    words: list[Word]
    headings: list[str]


def page_words(page: pymupdf.Page) -> list[Word]:
    """Every word of ``page`` in reading order, with displayed-page boxes."""
    return read_page(page).words


def read_page(page: pymupdf.Page) -> PageRead:
    segments = _segments(page)
    groups: dict[str, list[Segment]] = {}
    for seg in segments:
        groups.setdefault(seg.direction, []).append(seg)
    # The direction that holds most text is the page's; the others (a rotated margin note, a stamp) follow.
    order = sorted(groups, key=lambda d: -sum(s.chars for s in groups[d]))
    rows: list[tuple[int, list[Segment]]] = []
    block = 0
    for direction in order:
        group = groups[direction]
        if direction == OTHER:  # diagonal text (watermarks): keep MuPDF's order
            rows.extend((block, [s]) for s in group)
            block += 1
            continue
        for blk in _order(group):
            rows.extend((block, row) for row in blk)
            block += 1
    words = _words(rows)
    return PageRead(_dehyphenate(words), _headings(rows, words))


# Headings: a line at least this much larger than the page's body type, or bold in a page whose body
# is not, standing alone and no longer than this many words.
HEADING_SIZE = 1.15
HEADING_WORDS = 16
CAPTION = re.compile(
    r"^\s*(table|tab\.|figure|fig\.|chart|exhibit|graph|schedule|annex|appendix|tabelle|abbildung|abb\.|"
    r"tableau|graphique|tabla|figura|gráfico|tabel|afbeelding|grafiek|tabella|tabela|rysunek|表|图|図)\s*[\dA-Z]",
    re.IGNORECASE,
)


def _headings(rows: list[tuple[int, list[Segment]]], words: list[Word]) -> list[str]:
    sizes: list[float] = []
    bold = 0
    for _, row in rows:
        for seg in row:
            for piece in seg.pieces:
                sizes.extend([piece.size] * len(piece.text))
                bold += len(piece.text) * piece.bold
    if not sizes:
        return []
    body = statistics.median(sizes)
    body_bold = bold > len(sizes) / 2
    # the text of each row as it is read (right-to-left rows in logical order), by output line
    line_text: dict[int, list[str]] = {}
    for w in words:
        line_text.setdefault(w.line, []).append(w.text)
    out: list[str] = []
    for line, (_, row) in enumerate(rows):
        pieces = [p for seg in row for p in seg.pieces]
        text = " ".join(line_text.get(line, []))
        if CAPTION.match(text):
            out.append(text)
            continue
        if len(pieces) > HEADING_WORDS or not any(c.isalpha() for c in text):
            continue
        size = max(p.size for p in pieces)
        if size >= HEADING_SIZE * body or (not body_bold and all(p.bold for p in pieces)):
            out.append(text)
    return out


def lines_text(words: list[Word]) -> str:
    """One line of text per output line."""
    lines: list[str] = []
    key = None
    for w in words:
        if (w.block, w.line) != key:
            lines.append(w.text)
            key = (w.block, w.line)
        else:
            lines[-1] += " " + w.text
    return "\n".join(lines)


# -- characters to segments ---------------------------------------------------------------------------


def _segments(page: pymupdf.Page) -> list[Segment]:
    m = page.rotation_matrix
    a, b, c, d, e, f = m.a, m.b, m.c, m.d, m.e, m.f
    # the displayed page, trimmed: text outside it (crop marks, a printer's slug) is not seen
    seen = visible_box(page) * m

    def display(box: Box) -> Box:
        # rotation by a multiple of 90 degrees: transforming two corners is exact
        px0, py0 = box[0] * a + box[1] * c + e, box[0] * b + box[1] * d + f
        px1, py1 = box[2] * a + box[3] * c + e, box[2] * b + box[3] * d + f
        return min(px0, px1), min(py0, py1), max(px0, px1), max(py0, py1)

    def shown(box: Box) -> Box | None:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if not (seen.x0 <= cx <= seen.x1 and seen.y0 <= cy <= seen.y1):
            return None
        return box

    rotated = page.rotation % 360 != 0
    segments: list[Segment] = []
    for block in page.get_text("rawdict", flags=FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            dx, dy = line["dir"]
            direction = _direction(dx * a + dy * c, dx * b + dy * d)
            chars = [
                (
                    # every box in the displayed page's coordinates from here on (rotation applied)
                    {"c": ch["c"], "bbox": display(ch["bbox"])} if rotated else ch,
                    span["size"] or 1.0,
                    bool(span["flags"] & BOLD) or "bold" in span["font"].lower(),
                )
                for span in line["spans"]
                for ch in span["chars"]
            ]
            bidi = direction == LTR and RTL_CHARS.search("".join(ch["c"] for ch, _, _ in chars)) is not None
            if not bidi:
                segments.extend(_split_line(_words_of(chars, direction, shown), direction))
                continue
            chars = _ligature_order(chars)
            # A line holding right-to-left text: keep it whole, in two readings. MuPDF's order is the
            # content stream's (logical where the producer wrote logical text, run by run otherwise);
            # the drawn order, left to right by position, never lies. _join_bidi_runs picks one.
            drawn = [c for _, c in sorted(enumerate(chars), key=lambda ic: (_centre(ic[1][0]), -ic[0]))]
            pieces = [p for p, _, _ in _words_of(chars, direction, shown)]
            if pieces:
                seg = Segment(pieces, statistics.median(size for _, size, _ in chars), LTR)
                seg.drawn = [p for p, _, _ in _words_of(drawn, direction, shown)]
                seg.frame()
                segments.append(seg)
    for seq, seg in enumerate(segments):
        seg.seq = seq
    return _join_cjk_runs(_join_bidi_runs(_adopt_upright_glyphs(_restack_vertical_cjk(segments))))


def _ligature_order(chars: list[tuple[dict, float, bool]]) -> list[tuple[dict, float, bool]]:
    """One Arabic ligature glyph (lam-alef, lam-khah) mapped to two letters comes out as a zero-width
    letter at the glyph's right edge, then the glyph's other letter, in visual order (Word and others
    write the ToUnicode map that way; PyMuPDF's own text shows "اإلنتاجية" for "الإنتاجية"). Put the two
    back in logical order, the zero-width one sharing its partner's box."""
    out = list(chars)
    i = 0
    while i < len(out) - 1:
        (a, size_a, bold_a), (b, size_b, bold_b) = out[i], out[i + 1]
        ax0, _, ax1, _ = a["bbox"]
        if (
            ax1 - ax0 < 0.01
            and abs(b["bbox"][2] - ax0) < 0.5
            and _bidi_class(a["c"]) == "R"
            and _bidi_class(b["c"]) == "R"
        ):
            out[i], out[i + 1] = (b, size_b, bold_b), ({**a, "bbox": b["bbox"]}, size_a, bold_a)
            i += 2
            continue
        i += 1
    return out


def _centre(ch: dict) -> float:
    # ties (the letters of a ligature share one box) keep their logical order once a line is reversed
    return (ch["bbox"][0] + ch["bbox"][2]) / 2


def _words_of(
    chars: list[tuple[dict, float, bool]], direction: str, shown: Callable[[Box], Box | None]
) -> list[tuple[Piece, float, list[dict]]]:
    """Characters to words at spaces; a word may span spans (a font change, a fallback glyph)."""
    pieces: list[tuple[Piece, float, list[dict]]] = []
    run: list[dict] = []
    size, bold = 1.0, False
    for ch, ch_size, ch_bold in chars:
        if ch["c"].isspace():
            if run:
                pieces.extend(_pieces(run, size, bold, direction, shown))
                run = []
        else:
            if not run:
                size, bold = ch_size, ch_bold
            run.append(ch)
    if run:
        pieces.extend(_pieces(run, size, bold, direction, shown))
    return pieces


def _unspaced(c: str) -> bool:
    """Han, kana and CJK punctuation are written without spaces; Korean spaces its words."""
    return _is_cjk(c) and not 0xAC00 <= ord(c) <= 0xD7AF


def _adopt_upright_glyphs(segments: list[Segment]) -> list[Segment]:
    """In vertical writing, some glyphs are drawn as horizontal text (particles, numerals, kana set
    upright): on a page written mostly top to bottom, a lone CJK glyph on a horizontal line belongs to
    the vertical line it sits in."""
    vertical = sum(s.chars for s in segments if s.direction == TTB)
    if vertical <= sum(s.chars for s in segments if s.direction == LTR):
        return segments
    out = []
    for seg in segments:
        if seg.direction == LTR and seg.chars <= 2 and all(_is_cjk(c) for p in seg.pieces for c in p.text):
            seg = Segment(seg.pieces, seg.size, TTB, seq=seg.seq)
            seg.frame()
        out.append(seg)
    return out


def _join_cjk_runs(segments: list[Segment]) -> list[Segment]:
    """CJK text needs no spaces, and MuPDF gives vertical writing one glyph per line: glyphs that follow
    each other closely along a line are one run of text, one word."""
    if not any(CJK_CHARS.search(p.text) for s in segments for p in s.pieces):
        return segments
    out: list[Segment] = []
    groups: dict[str, list[Segment]] = {}
    for seg in segments:
        groups.setdefault(seg.direction, []).append(seg)
    for direction, group in groups.items():
        for row in _rows(group, rtl=False):
            merged = [row[0]]
            for seg in row[1:]:
                last = merged[-1]
                a, b = last.pieces[-1], seg.pieces[0]
                touching = seg.x0 - last.x1 <= CJK_JOIN_EM * max(seg.size, last.size)
                if touching and _unspaced(a.text[-1]) and _unspaced(b.text[0]) and not (last.visual or seg.visual):
                    box = (
                        min(a.box[0], b.box[0]),
                        min(a.box[1], b.box[1]),
                        max(a.box[2], b.box[2]),
                        max(a.box[3], b.box[3]),
                    )
                    glued = Piece(a.text + b.text, box, max(a.size, b.size), a.bold and b.bold)
                    joined = Segment([*last.pieces[:-1], glued, *seg.pieces[1:]], max(last.size, seg.size), direction)
                    joined.seq = last.seq
                    joined.frame()
                    merged[-1] = joined
                else:
                    merged.append(seg)
            out.extend(merged)
    return out


def _join_bidi_runs(segments: list[Segment]) -> list[Segment]:
    """MuPDF cuts a line holding right-to-left text into several lines wherever the script changes
    (Hebrew, a number, a Latin name). Put the pieces of one visual line back together and choose its
    reading: the content stream's order when it runs right to left from one run to the next (the
    producer wrote logical text), else the drawn order, turned into logical order by _logical."""
    if not any(s.drawn is not None for s in segments):
        return segments
    out: list[Segment] = [s for s in segments if s.direction != LTR]
    for row in _rows([s for s in segments if s.direction == LTR], rtl=False):
        groups: list[list[Segment]] = [[row[0]]]
        for seg in row[1:]:
            last = groups[-1][-1]
            close = seg.x0 - last.x1 <= BIDI_JOIN_EM * max(seg.size, last.size)
            if close and any(s.drawn is not None for s in (seg, *groups[-1])):
                groups[-1].append(seg)
            else:
                groups.append([seg])
        for group in groups:
            if all(s.drawn is None for s in group):
                out.extend(group)
                continue
            stream = [p for s in sorted(group, key=lambda s: s.seq) for p in s.pieces]
            drawn = sorted(
                (p for s in group for p in (s.drawn if s.drawn is not None else s.pieces)),
                key=lambda p: p.box[0],
            )
            logical = _runs_leftward(stream)
            if logical:
                stream = _closing_marks_last(stream)
            seg = Segment(stream if logical else drawn, max(s.size for s in group), LTR, visual=not logical)
            seg.frame()
            out.append(seg)
    return out


SENTENCE_END = ".?!:;,؟،"


def _closing_marks_last(pieces: list[Piece]) -> list[Piece]:
    """A right-to-left sentence's closing mark, drawn at its left end, comes first in some producers'
    content streams ("?שלום ..."): a line never starts with one, so it goes to the end."""
    if len(pieces) < 2 or _bidi_class_of(pieces[0].text) != "R":
        return pieces
    head = pieces[0].text
    marks = len(head) - len(head.lstrip(SENTENCE_END))
    if not marks or marks == len(head):
        return pieces
    first, last = pieces[0], pieces[-1]
    return [
        Piece(head[marks:], first.box, first.size, first.bold),
        *pieces[1:-1],
        Piece(last.text + head[:marks], last.box, last.size, last.bold),
    ]


def _runs_leftward(pieces: list[Piece]) -> bool:
    """Whether the runs of one script follow each other right to left (logical order of a right-to-left
    line). A single run: whether its right-to-left words do."""
    runs: list[list[Piece]] = []
    for piece in pieces:
        if runs and _bidi_class_of(piece.text) == _bidi_class_of(runs[-1][-1].text):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    units = runs if len(runs) > 1 else [[p] for p in pieces if _bidi_class_of(p.text) == "R"]
    centres = [sum((p.box[0] + p.box[2]) / 2 for p in run) / len(run) for run in units]
    if len(centres) < 2:
        return True
    leftward = sum(1 for a, b in itertools.pairwise(centres) if b < a)
    return leftward > (len(centres) - 1) / 2


def _pieces(
    run: list[dict], size: float, bold: bool, direction: str, shown: Callable[[Box], Box | None]
) -> list[tuple[Piece, float, list[dict]]]:
    """A run of non-space characters as one word, or, for CJK text (no spaces), split where characters
    sit apart (vertical text drawn one character at a time, columns MuPDF joined)."""
    groups = [run]
    text = "".join(ch["c"] for ch in run)
    if len(run) > 1 and CJK_CHARS.search(text):
        groups = []
        current = [run[0]]
        for prev, ch in itertools.pairwise(run):
            gap = _gap(_frame_extent(direction, prev["bbox"]), _frame_extent(direction, ch["bbox"]))
            if (
                gap > SPLIT_GAP_CJK_EM * size
                or abs(_frame_across(direction, prev["bbox"]) - _frame_across(direction, ch["bbox"])) > 0.5 * size
            ):
                groups.append(current)
                current = []
            current.append(ch)
        groups.append(current)
    out = []
    for group in groups:
        x0, y0, x1, y1 = group[0]["bbox"]
        for ch in group:
            b = ch["bbox"]
            if b[0] < x0:
                x0 = b[0]
            if b[1] < y0:
                y0 = b[1]
            if b[2] > x1:
                x1 = b[2]
            if b[3] > y1:
                y1 = b[3]
        box = shown((x0, y0, x1, y1))
        if box is None:
            continue
        out.append(
            (Piece(text if len(groups) == 1 else "".join(ch["c"] for ch in group), box, size, bold), size, group)
        )
    return out


def _frame_extent(direction: str, box: Box) -> tuple[float, float]:
    p = _to_frame(direction, box[0], box[1])[0]
    q = _to_frame(direction, box[2], box[3])[0]
    return (p, q) if p <= q else (q, p)


def _frame_across(direction: str, box: Box) -> float:
    p = _to_frame(direction, box[0], box[1])[1]
    q = _to_frame(direction, box[2], box[3])[1]
    return (p + q) / 2


def _gap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(b[0] - a[1], a[0] - b[1])


def _split_line(pieces: list[tuple[Piece, float, list[dict]]], direction: str) -> list[Segment]:
    out: list[Segment] = []
    current: list[Piece] = []
    sizes: list[float] = []
    last: tuple[float, float] | None = None
    for piece, size, _ in pieces:
        extent = _frame_extent(direction, piece.box)
        if last is not None:
            # Han and kana are written without spaces (MuPDF inserts one where glyphs sit apart): a small
            # gap between them splits (vertical text drawn glyph by glyph, two columns MuPDF joined);
            # Korean spaces its words like Latin text, and a justified line stretches those spaces
            glued = _unspaced(piece.text[0]) and _unspaced(current[-1].text[-1])
            if _gap(last, extent) > (SPLIT_GAP_CJK_EM if glued else SPLIT_GAP_EM) * size:
                out.append(_segment(current, sizes, direction))
                current, sizes = [], []
        current.append(piece)
        sizes.append(size)
        last = extent
    if current:
        out.append(_segment(current, sizes, direction))
    return out


def _segment(pieces: list[Piece], sizes: list[float], direction: str) -> Segment:
    seg = Segment(pieces, statistics.median(sizes), direction)
    seg.frame()
    return seg


def _restack_vertical_cjk(segments: list[Segment]) -> list[Segment]:
    """Vertical Japanese/Chinese drawn as single horizontal characters: MuPDF sees one-character lines.
    When most horizontal segments are lone CJK characters that stack in columns, rebuild the columns as
    top-to-bottom lines."""

    def single(s: Segment) -> bool:
        return s.direction == LTR and s.chars == 1 and _is_cjk(s.pieces[0].text)

    singles = [s for s in segments if single(s)]
    horizontal = [s for s in segments if s.direction == LTR]
    if len(singles) < 6 or len(singles) < 0.6 * len(horizontal):
        return segments
    size = statistics.median(s.size for s in singles)
    columns: list[list[Segment]] = []
    for s in sorted(singles, key=lambda s: ((s.x0 + s.x1) / 2, s.y0)):
        xc = (s.x0 + s.x1) / 2
        if columns and abs(xc - (columns[-1][0].x0 + columns[-1][0].x1) / 2) < 0.3 * size:
            columns[-1].append(s)
        else:
            columns.append([s])
    stacked: list[Segment] = []
    loose: list[Segment] = []
    for column in columns:
        column.sort(key=lambda s: s.y0)
        run: list[Segment] = [column[0]]
        for following in [*column[1:], None]:
            if following is not None and following.y0 - run[-1].y1 < 0.8 * size:
                run.append(following)
                continue
            if len(run) > 1:
                stacked.append(_vertical(run))
            else:
                loose.extend(run)
            if following is not None:
                run = [following]
    if sum(s.chars for s in stacked) < 0.6 * len(singles):
        return segments  # not columns after all (a table of single characters, say)
    return [s for s in segments if not single(s)] + stacked + loose


def _vertical(run: list[Segment]) -> Segment:
    # one "word" per column: CJK has no spaces, and the characters are read as one run
    x0 = min(s.pieces[0].box[0] for s in run)
    y0 = min(s.pieces[0].box[1] for s in run)
    x1 = max(s.pieces[0].box[2] for s in run)
    y1 = max(s.pieces[0].box[3] for s in run)
    piece = Piece("".join(s.pieces[0].text for s in run), (x0, y0, x1, y1))
    seg = Segment([piece], statistics.median(s.size for s in run), TTB)
    seg.frame()
    return seg


# -- layout ---------------------------------------------------------------------------------------------


def _order(segments: list[Segment]) -> list[list[list[Segment]]]:
    """Blocks in reading order, each a list of rows (segments on one line, in reading order)."""
    if len(segments) <= 1:
        return [[segments]] if segments else []
    em = statistics.median(s.size for s in segments)
    gutters = _gutters(segments, em)
    if not gutters:
        return [_rows(segments)]
    # one cut at a time, at the widest gutter (XY-cut): a narrow gap between bullets and their text does
    # not get to cut a page that has a real gutter; the parts are cut again in turn
    gutter = max(gutters, key=lambda g: g[1] - g[0])
    crossing = [s for s in segments if _crosses(s, gutter)]
    if crossing:
        bands = _bands(segments, crossing)
        if len(bands) == 1:
            return [_rows(segments)]
        return [blk for band in bands for blk in _order(band)]
    left = [s for s in segments if s.x0 < gutter[1] - EDGE]
    right = [s for s in segments if s.x0 >= gutter[1] - EDGE]
    if not left or not right:  # a gutter narrower than EDGE (type of a point or two): nothing to cut
        return [_rows(segments)]
    columns = [left, right]
    # the white between the columns' words: dot leaders running up to the next column do not narrow it
    white = min(s.x0 for s in right) - max(s.text_x1 for s in left)
    if _is_table(columns, em, max(white, gutter[1] - gutter[0])):
        return [_rows(segments)]
    if _base_rtl(segments):
        columns.reverse()
    return [blk for column in columns for blk in _order(column)]


def _crosses(s: Segment, gutter: tuple[float, float]) -> bool:
    # EDGE: justified lines end a hair past the gutter's edge, and the next column starts a hair before
    return s.x1 > gutter[0] + EDGE and s.x0 < gutter[1] - EDGE


def _gutters(segments: list[Segment], em: float) -> list[tuple[float, float]]:
    """The region's vertical gutters: x-ranges (right edge of the content on the left, left edge of the
    content on the right) at least GUTTER_EM wide, with text side by side across them, crossed only by a
    few runs of lines (a title, full-width headings or paragraphs, a footnote, a running head, a page
    number): at most GUTTER_RUNS per segment on the smaller side. A run is lines crossing it with nothing
    between them, so a long full-width introduction counts once, while the lines of a column that merely
    has a gap inside it (a label and its value) cross it one by one between the other column's lines --
    and so do lines crossing it with text beside them, of which a gutter allows only a few (a running
    head with its page number)."""
    starts = sorted(s.x0 for s in segments)
    ends = sorted(s.x1 for s in segments)
    candidates: dict[tuple[float, float], int] = {}
    for a in sorted(set(ends)):
        k = bisect_left(starts, a)
        # b: one of the next starts after a -- not only the first, so a page number or a stray mark
        # inside a gutter does not hide it
        for b in sorted(set(starts[k : k + GUTTER_STARTS])):
            if b - a >= GUTTER_EM * em:
                # segments starting before b and not ending by a cross the gutter
                candidates[(a, b)] = bisect_left(starts, b - EDGE) - bisect_right(ends, a + EDGE)
    by_y = sorted(segments, key=lambda s: s.yc)
    found: list[tuple[int, float, float]] = []
    for a, b in sorted(candidates, key=lambda g: (candidates[g], g[0] - g[1]))[:MAX_GUTTER_CANDIDATES]:
        left = [s for s in segments if s.x1 <= a + EDGE]
        right = [s for s in segments if s.x0 >= b - EDGE]
        if not left or not right or not _side_by_side(left, right):
            continue
        crossers = [s for s in segments if _crosses(s, (a, b))]
        beside = sum(1 for s in crossers if _side_by_side([s], left + right))
        if beside > GUTTER_BESIDE:
            continue  # lines of one column crossing it with the other column's text beside them
        runs = 0
        inside = False
        for s in by_y:
            crosses = _crosses(s, (a, b))
            runs += crosses and not inside
            inside = crosses
        if runs <= GUTTER_RUNS * min(len(left), len(right)):
            found.append((runs, a, b))
    # overlapping candidates describe one gutter: the one crossed by fewest runs (a footnote reaching
    # into the gutter does not widen it), then the widest
    found.sort(key=lambda g: (g[0], g[1] - g[2]))
    kept: list[tuple[float, float]] = []
    for _, a, b in found:
        if all(b <= ka or a >= kb for ka, kb in kept):
            kept.append((a, b))
    return _merge_split_gutters(sorted(kept), segments)


def _merge_split_gutters(gutters: list[tuple[float, float]], segments: list[Segment]) -> list[tuple[float, float]]:
    """A centred page number or a stray mark inside a gutter splits it in two, around a strip whose text
    shares no row with the columns either side: one gutter again, the strip's text then crossing it."""
    merged = list(gutters)
    changed = True
    while changed and len(merged) > 1:
        changed = False
        for i in range(len(merged) - 1):
            (a1, b1), (a2, b2) = merged[i], merged[i + 1]
            strip = [s for s in segments if s.x0 >= b1 - EDGE and s.x1 <= a2 + EDGE]
            left = [s for s in segments if s.x1 <= a1 + EDGE]
            right = [s for s in segments if s.x0 >= b2 - EDGE]
            if strip and not _side_by_side(strip, left) and not _side_by_side(strip, right):
                merged[i : i + 2] = [(a1, b2)]
                changed = True
                break
    return merged


def _side_by_side(left: list[Segment], right: list[Segment]) -> bool:
    """Some text on the left shares a row with some text on the right (columns, cells, a label and its
    value), rather than the two only sitting above one another (a heading over a body)."""
    spans = sorted((s.y0, s.y1) for s in left)
    merged: list[list[float]] = []
    for y0, y1 in spans:
        if merged and y0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], y1)
        else:
            merged.append([y0, y1])
    starts = [m[0] for m in merged]
    for s in right:
        i = bisect_right(starts, s.y1) - 1
        if i >= 0 and merged[i][1] > s.y0 and min(merged[i][1], s.y1) - max(merged[i][0], s.y0) > 0.3 * (s.y1 - s.y0):
            return True
    return False


def _bands(segments: list[Segment], crossing: list[Segment]) -> list[list[Segment]]:
    """Cut a region into horizontal bands at the segments crossing its gutter (a title, a full-width
    heading or paragraph, a footnote): each run of them is a band, and so is the content between two.
    Text on the same row as a crossing line (a running head's page number) goes in its band."""
    marks = sorted(crossing, key=lambda s: s.yc)
    index = {id(s): i for i, s in enumerate(marks)}
    centres = [s.yc for s in marks]
    bands: dict[tuple[int, int], list[Segment]] = {}
    for s in segments:
        if id(s) in index:
            key = (index[id(s)], 1)
        else:
            i = bisect_right(centres, s.yc)
            beside = [j for j in (i - 1, i) if 0 <= j < len(marks) and _same_row(s, marks[j])]
            key = (beside[0], 1) if beside else (i, 0)
        bands.setdefault(key, []).append(s)
    merged: list[list[Segment]] = []
    last_kind = None
    for key in sorted(bands):
        if key[1] == 1 and last_kind == 1:  # crossing lines with nothing between: one band
            merged[-1].extend(bands[key])
        else:
            merged.append(bands[key])
        last_kind = key[1]
    return merged


def _same_row(a: Segment, b: Segment) -> bool:
    return min(a.y1, b.y1) - max(a.y0, b.y0) >= 0.5 * min(a.y1 - a.y0, b.y1 - b.y0)


def _is_table(columns: list[list[Segment]], em: float, gutter: float) -> bool:
    """Side-by-side text that pairs up row by row is a table (or a label/value form, a table of
    contents): each of the sparser column's entries has a partner on the same row in its neighbour.
    Never when a column is prose: columns of running text in one font share baselines too."""
    if len(columns) < 2 or any(_prose(c, gutter) for c in columns):
        return False

    def aligned(a: list[Segment], b: list[Segment]) -> float:
        centres = sorted(s.yc for s in b)
        hits = 0
        for s in a:
            i = bisect_left(centres, s.yc)
            near = [centres[j] for j in (i - 1, i) if 0 <= j < len(centres)]
            if any(abs(c - s.yc) < 0.4 * em for c in near):
                hits += 1
        return hits / len(a)

    for a, b in itertools.pairwise(columns):
        sparse, dense = (a, b) if len(a) <= len(b) else (b, a)
        if aligned(sparse, dense) < TABLE_ALIGNED:
            return False
    return True


def _prose(side: list[Segment], gutter: float) -> bool:
    """Lines of running text: most of them filling the column's measure (justified or ragged), and
    either several words each, a measure many times the gutter beside it, four words that are not
    numbers, or lines running on into lower-case continuations -- where a table's cells are a word or two
    (or figures) of varying width, set far apart for their size, each starting afresh."""
    widths = sorted(s.text_x1 - s.x0 for s in side)  # dot leaders padding a label are not its width
    measure = widths[int(0.9 * (len(widths) - 1))]  # the column's width (the side may hold several columns)
    full = sum(1 for w in widths if w >= PROSE_FILL * measure)
    if full < PROSE_FULL_LINES * len(side):
        return False
    words = statistics.median(s.words for s in side)
    if words >= PROSE_WORDS or measure >= PROSE_MEASURE * gutter:
        return True
    numeric = sum(1 for s in side if _numeric(s)) / len(side)
    if words >= PROSE_WORDS - 1 and numeric < 0.2:
        return True
    lines = sorted(side, key=lambda s: s.yc)
    runs_on = sum(1 for a, b in itertools.pairwise(lines) if b.pieces[0].text[:1].islower())
    return words >= PROSE_WORDS - 2 and runs_on >= 0.5 * (len(lines) - 1)


def _numeric(seg: Segment) -> bool:
    text = "".join(p.text for p in seg.pieces)
    digits = sum(c.isdigit() for c in text)
    return digits >= 0.5 * sum(c.isalnum() for c in text) > 0


def _rows(segments: list[Segment], rtl: bool | None = None) -> list[list[Segment]]:
    """Segments grouped into rows top to bottom, each row in reading order."""
    rows: list[list[Segment]] = []
    span: tuple[float, float] | None = None
    for s in sorted(segments, key=lambda s: (s.yc, s.x0)):
        if span is not None:
            overlap = min(span[1], s.y1) - max(span[0], s.y0)
            if overlap >= 0.5 * min(span[1] - span[0], s.y1 - s.y0):
                rows[-1].append(s)
                span = (min(span[0], s.y0), max(span[1], s.y1))
                continue
        rows.append([s])
        span = (s.y0, s.y1)
    if rtl is None:  # the region's direction: a Latin name in a Hebrew line stays in its place
        rtl = _base_rtl(segments)
    for row in rows:
        row.sort(key=lambda s: -s.x1 if rtl else s.x0)
        if not rtl and len(row) > 1:
            row[:] = _splice_marks(row)
    return rows


def _splice_marks(row: list[Segment]) -> list[Segment]:
    """MuPDF puts a superscript (a footnote mark) or a subscript on a line of its own: a small segment
    lying within another's extent goes into it where it is drawn, not after the whole line."""
    out: list[Segment] = []
    for seg in row:
        host = next(
            (
                h
                for h in out
                if h.x0 <= seg.x0
                and seg.x1 <= h.x1 + EDGE
                and seg.size < 0.9 * h.size
                and h.direction == seg.direction
                and not h.visual
            ),
            None,
        )
        if host is None:
            out.append(seg)
            continue
        pieces = sorted([*host.pieces, *seg.pieces], key=lambda p: _frame_extent(host.direction, p.box)[0])
        joined = Segment(pieces, host.size, host.direction, seq=host.seq)
        joined.frame()
        out[out.index(host)] = joined
    return out


# -- segments to words --------------------------------------------------------------------------------


PRESENTATION_FORMS = re.compile("[\ufb00-\ufdff\ufe70-\ufeff]")


def _expand(text: str) -> str:
    """Ligatures and presentation forms (ﬁ, Arabic contextual forms and ligatures) as the letters they
    stand for, in logical order (their compatibility decomposition)."""
    if not PRESENTATION_FORMS.search(text):
        return text
    return "".join(unicodedata.normalize("NFKC", c) if PRESENTATION_FORMS.match(c) else c for c in text)


def _base_rtl(segments: list[Segment]) -> bool:
    """Whether a block of text is right-to-left: more right-to-left letters than left-to-right ones."""
    return sum(s.strong_r for s in segments) > sum(s.strong_l for s in segments)


def _words(rows: list[tuple[int, list[Segment]]]) -> list[Word]:
    words: list[Word] = []
    blocks: dict[int, bool] = {}
    for block, row in rows:
        blocks.setdefault(block, False)
        blocks[block] = blocks[block] or any(s.visual for s in row)
    base = {b: _base_rtl([s for blk, row in rows if blk == b for s in row]) for b, visual in blocks.items() if visual}
    for line, (block, row) in enumerate(rows):
        for seg in row:
            for piece in _logical(seg, base.get(block, False)):
                words.append(Word(_expand(piece.text), *piece.box, block, line))
    return words


def _logical(seg: Segment, base_rtl: bool) -> list[Piece]:
    """The segment's words in logical order. A line holding right-to-left text was read left to right as
    drawn (visual order): each run of right-to-left words is reversed, word order and letters, and in a
    block whose text is mostly right-to-left (``base_rtl``) the runs themselves are read from the right,
    numbers and Latin words kept left to right inside -- what the Unicode bidi algorithm gives for such
    lines."""
    if not seg.visual:
        return seg.pieces
    kinds = [_bidi_class_of(p.text) for p in seg.pieces]
    if not base_rtl:  # a number between two right-to-left words belongs to their run
        for i in range(1, len(kinds) - 1):
            if kinds[i] == "N" and kinds[i - 1] == "R" and kinds[i + 1] == "R":
                kinds[i] = "R"
    runs: list[tuple[str, list[Piece]]] = []
    for piece, kind in zip(seg.pieces, kinds, strict=True):
        last = runs[-1][0] if runs else None
        if base_rtl:
            # Unicode bidi in a right-to-left block: a number after Latin text reads with it (rule W7:
            # drawn to its right), any other number is a run of its own, read from the right
            join = (last == "L" and kind in ("L", "N")) or last == kind == "R"
        else:  # numbers go with the Latin text around them
            join = last == kind or {last, kind} == {"L", "N"}
        if join:
            runs[-1][1].append(piece)
        else:
            runs.append((kind, [piece]))
    if base_rtl:
        runs.reverse()
    out: list[Piece] = []
    for kind, pieces in runs:
        if kind == "R":
            out.extend(Piece(_reverse_rtl(p.text), p.box, p.size, p.bold) for p in reversed(pieces))
        else:
            out.extend(pieces)
    return out


def _reverse_rtl(text: str) -> str:
    # letters reversed; a number glued to a word ("42ש") keeps its digits left to right
    out: list[str] = []
    digits: list[str] = []
    for c in reversed(text):
        if c.isdigit():
            digits.append(c)
            continue
        if digits:
            out.extend(reversed(digits))
            digits = []
        out.append(c)
    out.extend(reversed(digits))
    return "".join(out)


def _bidi_class_of(text: str) -> str:
    """R for a word of right-to-left letters, L for one of left-to-right letters, N for a number or
    punctuation alone."""
    classes = [_bidi_class(c) for c in text]
    r, left = classes.count("R"), classes.count("L")
    if not r and not left:
        return "N"
    return "R" if r >= left else "L"


HYPHENS = ("-", "\u00ad", "\u2010")


def _dehyphenate(words: list[Word]) -> list[Word]:
    """A word broken at a line end with a hyphen ("infor-" / "mation") is joined into one word on the
    first line, as PyMuPDF's TEXT_DEHYPHENATE does; a compound word's own hyphen is lost the same way."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if (
            nxt is not None
            and (nxt.block, nxt.line) != (w.block, w.line)
            and len(w.text) > 2
            and w.text.endswith(HYPHENS)
            and w.text[-2].isalpha()
            and nxt.text[:1].islower()
        ):
            out.append(Word(w.text[:-1] + nxt.text, w.x0, w.y0, w.x1, w.y1, w.block, w.line))
            i += 2
            continue
        out.append(w)
        i += 1
    return out
