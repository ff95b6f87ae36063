"""Generate the recall bench's own long documents and their questions (fictional; CC0 1.0).

    python bench/recall_docs/make.py [OUTDIR]        (default: bench/.cache/recall_docs/<version>/)

Two documents of kinds tests/corpus lacks, each written to OUTDIR as <name>.pdf and <name>.qa.json:

  larkhaven_budget_2025   the annual budget and audited financial report of a fictional city (US letter,
                          330+ pages): thirteen department chapters whose prose keeps naming the department
                          and its budget, budget/staffing/performance tables, two raster charts, an auditor's
                          report signed on a date, an outline (PDF bookmarks) and a contents page, and
                          scanned pages (rasterised, no text layer) for a signed resolution and agreement.
  lindenhoehe_uvp         a German environmental impact report (UVP-Bericht) for a fictional wind farm
                          (A4, 120+ pages), questions in German.

Built with PyMuPDF alone (Story HTML layout, one story per chapter so every chapter starts a page), so
the bench needs nothing the project does not install. Filler prose comes from seeded sentence generators
(larkhaven.py, lindenhoehe.py) that never emit digits, so it cannot contradict a fact, and that keep
naming the document's entities (departments, the wind farm), so a question's words are not unique to its
answer page. Every question names anchors: strings that must occur on exactly one page of the text layer
(read before scanned pages are rasterised); its pages are measured from the built PDF, never guessed,
and the build fails when an anchor is missing or repeated, or a chart value leaks into the text layer.

The questions were written with the facts, before docvl ranked anything, and were never changed to suit
what docvl finds. Each has the wording a reader of the page might use (``question``) and, for most, a
``paraphrase`` that asks the same with other words and word forms than the page.

qa.json records: question, paraphrase (or null), answer, pages (physical, 1-based), kind (text, table,
dept-table: a department's figure in a table among many pages of prose about that department, chart:
value only inside a raster image, two-page, scanned: an answer page has no text layer, generic: a
question about the whole document, whose pages are the title, summary and conclusion pages), source,
roles (generic questions: which of their pages are title/summary/conclusion) and note.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
from PIL import Image

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE.parent / ".cache" / "recall_docs"

CSS = """
body {font-family: serif; font-size: 10.5pt; line-height: 1.3}
p {margin: 0 0 5pt 0; text-align: justify}
h1 {font-family: sans-serif; font-size: 16pt; font-weight: bold; margin: 0 0 10pt 0}
h2 {font-family: sans-serif; font-size: 12pt; font-weight: bold; margin: 9pt 0 5pt 0}
p.cap {font-family: sans-serif; font-style: italic; font-size: 9pt; text-align: center; margin: 8pt 0 3pt 0}
p.fig {text-align: center; margin: 6pt 0 0 0}
p.sig {text-align: left; margin: 0}
table {border-collapse: collapse; margin: 0 0 10pt 0}
td, th {border: 0.5pt solid #888888; padding: 2pt 5pt; font-family: sans-serif; font-size: 8.5pt}
th {background-color: #e2e8f0; font-weight: bold}
td.n {text-align: right}
p.title {font-family: sans-serif; font-size: 26pt; font-weight: bold; text-align: center; margin: 150pt 0 24pt 0}
p.sub {font-size: 14pt; text-align: center; margin: 0 0 10pt 0}
p.toc1 {font-family: sans-serif; font-size: 10pt; margin: 3pt 0 0 0; text-align: left}
p.toc2 {font-family: sans-serif; font-size: 9pt; margin: 0 0 0 16pt; text-align: left}
"""

MARGIN = 62  # points on every side; the footer sits in the bottom margin


# --- filler ---------------------------------------------------------------------------------------------


class Filler:
    """Seeded sentences from templates over word lists. ``vocab``: the document's lists; a chapter may add
    its own (``topic``), drawn about as often as the general ones, so a chapter's prose keeps naming its
    subject. Templates are callables (rng, pick) -> sentence, written per language by the content module.
    Never emits digits (asserted), so filler cannot state or contradict a fact."""

    def __init__(self, vocab: dict[str, list], templates: Sequence[Callable], seed: int) -> None:
        self.vocab = vocab
        self.templates = templates
        self.rng = random.Random(seed)
        self.topic: dict[str, list] = {}

    def pick(self, key: str):
        own, topic = self.vocab.get(key, []), self.topic.get(key, [])
        pool = topic if topic and (not own or self.rng.random() < 0.5) else own
        return self.rng.choice(pool)

    def sentence(self) -> str:
        s = self.rng.choice(self.templates)(self.rng, self.pick).strip()
        s = re.sub(r"\s+", " ", s)
        s = s[0].upper() + s[1:]
        if s[-1] not in ".!?":
            s += "."
        assert not re.search(r"\d", s), s
        return s

    def paragraph(self, lo: int = 3, hi: int = 7) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))


# --- charts (raster only: their values must not be in the text layer) ----------------------------------

PALETTE = [
    (0.17, 0.42, 0.69),
    (0.87, 0.42, 0.13),
    (0.22, 0.63, 0.41),
    (0.5, 0.35, 0.84),
    (0.84, 0.62, 0.18),
    (0.19, 0.59, 0.58),
]


def _raster(page: pymupdf.Page) -> bytes:
    return page.get_pixmap(dpi=150).tobytes("png")


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], fmt: str = "{:,.1f}") -> bytes:
    doc = pymupdf.open()
    w, h = 440, 240
    page = doc.new_page(width=w, height=h)
    page.insert_text((w / 2 - 3 * len(title), 20), title, fontname="hebo", fontsize=10)
    top, base, left, right = 40, h - 40, 50, w - 20
    vmax = max(values) * 1.15
    slot = (right - left) / len(values)
    page.draw_line((left, base), (right, base), color=(0.3, 0.3, 0.3), width=0.6)
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * slot + slot * 0.2
        y0 = base - (base - top) * v / vmax
        page.draw_rect(pymupdf.Rect(x0, y0, x0 + slot * 0.6, base), color=None, fill=PALETTE[0])
        page.insert_text((x0, y0 - 4), fmt.format(v), fontsize=7.5)
        page.insert_text((x0, base + 12), label, fontsize=7.5)
    return _raster(page)


def line_chart(title: str, labels: Sequence[str], values: Sequence[float], fmt: str = "{:.4f}") -> bytes:
    doc = pymupdf.open()
    w, h = 440, 240
    page = doc.new_page(width=w, height=h)
    page.insert_text((w / 2 - 3 * len(title), 20), title, fontname="hebo", fontsize=10)
    top, base, left, right = 50, h - 40, 40, w - 30
    lo, hi = min(values) * 0.98, max(values) * 1.01
    step = (right - left) / (len(values) - 1)
    pts = [pymupdf.Point(left + i * step, base - (base - top) * (v - lo) / (hi - lo)) for i, v in enumerate(values)]
    page.draw_line((left, base), (right, base), color=(0.3, 0.3, 0.3), width=0.6)
    page.draw_polyline(pts, color=PALETTE[1], width=1.6)
    for i, (p, v) in enumerate(zip(pts, values, strict=True)):
        page.draw_circle(p, 2, color=PALETTE[1], fill=PALETTE[1])
        page.insert_text((p.x - 12, p.y - 7 if i % 2 else p.y + 13), fmt.format(v), fontsize=6.5)
        page.insert_text((p.x - 10, base + 12), labels[i], fontsize=7.5)
    return _raster(page)


def pie_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> bytes:
    doc = pymupdf.open()
    w, h = 440, 250
    page = doc.new_page(width=w, height=h)
    page.insert_text((w / 2 - 3 * len(title), 18), title, fontname="hebo", fontsize=10)
    center, radius = pymupdf.Point(150, 135), 85
    total, angle = sum(values), -90.0  # from twelve o'clock, clockwise (y grows downwards)
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        sweep = 360 * v / total
        steps = max(2, int(sweep / 3))
        arc = [
            pymupdf.Point(
                center.x + radius * math.cos(math.radians(angle + sweep * k / steps)),
                center.y + radius * math.sin(math.radians(angle + sweep * k / steps)),
            )
            for k in range(steps + 1)
        ]
        shape = page.new_shape()
        shape.draw_polyline([center, *arc])
        shape.finish(color=(1, 1, 1), fill=PALETTE[i % len(PALETTE)], width=0.8, closePath=True)
        shape.commit()
        y = 60 + i * 22
        page.draw_rect(pymupdf.Rect(265, y - 8, 275, y + 2), color=None, fill=PALETTE[i % len(PALETTE)])
        page.insert_text((280, y), f"{label} {v:.1f}%", fontsize=8.5)
        angle += sweep
    return _raster(page)


# --- document builder -----------------------------------------------------------------------------------


@dataclass
class Question:
    question: str
    paraphrase: str | None
    answer: object
    anchors: dict[str, list[str]]  # role ("answer", or title/summary/conclusion for generic) -> anchors
    kind: str
    source: str
    note: str | None = None
    only_on_gold: list[str] = field(default_factory=list)  # strings (the printed answer) found on gold pages only


@dataclass
class Chapter:
    title: str
    parts: list[str] = field(default_factory=list)
    heads: list[tuple[int, str, str]] = field(default_factory=list)  # (level, id, text) in order
    scanned: bool = False


class DocBuilder:
    """Chapters of HTML laid out one story each (every chapter starts a page), then a title page and a
    contents page in front, footers with the folio (= physical page), an outline, scanned chapters
    rasterised, and the questions' pages measured from the text layer."""

    def __init__(
        self, name: str, *, title: str, footer: str, folio: str, paper: str, filler: Filler, scale: float = 1.0
    ) -> None:
        self.name, self.doc_title, self.footer, self.folio, self.paper = name, title, footer, folio, paper
        self.f = filler
        self.scale = scale  # multiplies every filler() count: sets the page count
        self.chapters: list[Chapter] = []
        self.title_html = ""
        self.contents_title = "Contents"
        self.questions: list[Question] = []
        self.forbidden: list[str] = []
        self.images = pymupdf.Archive()
        self._images = 0
        self._heads = 0
        self._blocks = 0

    # ---- content
    def title_page(self, title: str, lines: Sequence[str]) -> None:
        self.title_html = f'<p class="title">{title}</p>' + "".join(f'<p class="sub">{_e(x)}</p>' for x in lines)

    def chapter(self, title: str, *, level: int = 1, scanned: bool = False) -> None:
        """A new story, so a new page; ``level`` 2 for a section that must start a page (a scanned annex)."""
        self.chapters.append(Chapter(title, scanned=scanned))
        self._head(level, title)

    def h2(self, title: str) -> None:
        self._head(2, title)

    def _head(self, level: int, title: str) -> None:
        self._heads += 1
        hid = f"h{self._heads}"
        ch = self.chapters[-1]
        ch.heads.append((level, hid, title))
        ch.parts.append(f'<h{level} id="{hid}">{_e(title)}</h{level}>')

    def para(self, text: str, cls: str | None = None) -> None:
        c = f' class="{cls}"' if cls else ""
        self.chapters[-1].parts.append(f"<p{c}>{_e(text)}</p>")

    def raw(self, markup: str) -> None:
        self.chapters[-1].parts.append(markup)

    def filler(self, n: int = 1, topic: dict[str, list] | None = None) -> None:
        if topic is not None:
            self.f.topic = topic
        for _ in range(max(1, round(n * self.scale))):
            self.para(self.f.paragraph())

    def table(self, rows: Sequence[Sequence[object]], caption: str) -> None:
        """A captioned table, kept on one page (moved to the next page when it would split)."""
        k = self._block()
        head, *body = rows
        cells = "".join(f"<th>{_e(str(c))}</th>" for c in head)
        out = [f"<tr>{cells}</tr>"]
        for n, r in enumerate(body, start=1):
            tds = "".join(
                f'<td{_end(k, n == len(body) and not i)} class="n">{_e(str(c))}</td>'
                if i and _numeric(str(c))
                else f"<td{_end(k, n == len(body) and not i)}>{_e(str(c))}</td>"
                for i, c in enumerate(r)
            )
            out.append(f"<tr>{tds}</tr>")
        self.raw(f'<p class="cap" id="{k}s"{_brk(k)}>{_e(caption)}</p>' + "<table>" + "".join(out) + "</table>")

    def chart(self, png: bytes, caption: str, forbid: Sequence[str] = (), width: int = 400) -> None:
        """A raster chart and its caption below, kept on one page."""
        k = self._block()
        self._images += 1
        name = f"img{self._images}.png"
        self.images.add(png, name)
        self.raw(f'<p class="fig" id="{k}s"{_brk(k)}><img src="{name}" width="{width}"/></p>')
        self.raw(f'<p class="cap" id="{k}e">{_e(caption)}</p>')
        self.forbidden += list(forbid)

    def _block(self) -> str:
        self._blocks += 1
        return f"k{self._blocks}"

    def q(
        self,
        question: str,
        paraphrase: str | None,
        answer: object,
        anchors: Sequence[str] | dict[str, list[str]],
        kind: str,
        source: str | None = None,
        *,
        note: str | None = None,
        only_on_gold: Sequence[str] = (),
    ) -> None:
        roles = anchors if isinstance(anchors, dict) else {"answer": list(anchors)}
        self.questions.append(
            Question(question, paraphrase, answer, roles, kind, source or kind, note, list(only_on_gold))
        )

    # ---- build
    def build(self, out_dir: Path) -> tuple[Path, list[dict]]:
        width, height = pymupdf.paper_size(self.paper)
        body, heads, scanned_body = self._layout_body(width, height)
        contents, n_contents = self._layout_contents(heads, width, height)
        title = self._layout([f"<body>{self.title_html}</body>"], width, height)[0]
        offset = 1 + n_contents
        doc = pymupdf.open()
        doc.insert_pdf(title)
        doc.insert_pdf(contents)
        doc.insert_pdf(body)
        for page in doc:
            if page.number > 0:
                _footer(page, self.footer, f"{self.folio} {page.number + 1}")
        texts = [_norm(p.get_text()) for p in doc]  # read before rasterising: anchors on scans are found too
        scanned = {p + offset for p in scanned_body}
        for number in sorted(scanned):
            _rasterise(doc, number - 1, random.Random(number))
        toc = [[1, self.contents_title, 2]] + [[lvl, text, page + offset] for lvl, text, page in heads]
        doc.set_toc(toc)
        doc.set_metadata(
            {
                "title": self.doc_title,
                "author": "docvl bench/recall_docs/make.py (fictional)",
                "subject": "Synthetic evaluation document (CC0 1.0)",
                "creator": "docvl bench/recall_docs/make.py",
                "producer": "PyMuPDF",
                "creationDate": "D:20250701000000Z",
                "modDate": "D:20250701000000Z",
            }
        )
        out_dir.mkdir(parents=True, exist_ok=True)
        pdf = out_dir / f"{self.name}.pdf"
        tmp = pdf.with_suffix(".tmp")
        doc.save(tmp, garbage=3, deflate=True)
        final = [_norm(p.get_text()) for p in doc]
        doc.close()
        qa = self._verify(texts, final, scanned)
        tmp.replace(pdf)
        pdf.with_suffix(".qa.json").write_text(json.dumps(qa, indent=1, ensure_ascii=False) + "\n")
        return pdf, qa

    def _layout(self, htmls: Sequence[str], width: float, height: float, on_page=None, on_head=None):
        """Each html a story starting on a new page; returns the PDF and its page count."""
        buf = io.BytesIO()
        writer = pymupdf.DocumentWriter(buf)
        count = 0
        rect = pymupdf.Rect(0, 0, width, height)
        where = pymupdf.Rect(MARGIN, MARGIN, width - MARGIN, height - MARGIN - 6)

        for i, markup in enumerate(htmls):
            start = count

            def rectfn(_n, _filled, i=i):
                nonlocal count
                count += 1
                if on_page:
                    on_page(i, count)
                return rect, where, None

            def posfn(pos, start=start):
                if on_head and pos.id and pos.open_close & 1:
                    on_head(pos.id, start + pos.page_num)

            story = pymupdf.Story(html=markup, user_css=CSS, archive=self.images)
            story.write(writer, rectfn, positionfn=posfn)
        writer.close()
        return pymupdf.open("pdf", buf.getvalue()), count

    def _layout_body(self, width: float, height: float):
        breaks: set[str] = set()
        for _ in range(8):
            body, pages_of, scanned = self._layout_chapters(breaks, width, height)
            # a table or chart that runs over a page end starts the next page instead, as typesetters do
            split = {
                hid[:-1]
                for hid, page in pages_of.items()
                if hid.endswith("s") and pages_of.get(hid[:-1] + "e", page) != page
            }
            if not split - breaks:
                heads = [(lvl, text, pages_of[hid]) for c in self.chapters for lvl, hid, text in c.heads]
                return body, heads, scanned
            breaks |= split
        raise RuntimeError("tables keep splitting across pages")

    def _layout_chapters(self, breaks: set[str], width: float, height: float):
        """The body laid out with page breaks before the blocks in ``breaks``; the page of every element
        with an id (headings, block starts and ends) and the pages of scanned chapters."""
        pages_of: dict[str, int] = {}
        scanned: set[int] = set()

        def on_page(i, page):
            if self.chapters[i].scanned:
                scanned.add(page)

        def on_head(hid, page):
            pages_of.setdefault(hid, page)

        htmls = [_blocks_html(f"<body>{''.join(c.parts)}</body>", breaks) for c in self.chapters]
        body, _ = self._layout(htmls, width, height, on_page, on_head)
        return body, pages_of, scanned

    def _layout_contents(self, heads, width: float, height: float):
        def markup(offset: int) -> str:
            rows = "".join(f'<p class="toc{lvl}">{_e(text)} . . . {page + offset}</p>' for lvl, text, page in heads)
            return f"<body><h1>{_e(self.contents_title)}</h1>{rows}</body>"

        # the contents' own length moves every page number: lay it out until the count stands still
        n = 1
        for _ in range(4):
            doc, count = self._layout([markup(1 + n)], width, height)
            if count == n:
                return doc, n
            n = count
        raise RuntimeError("contents page count does not settle")

    def _verify(self, texts: list[str], final: list[str], scanned: set[int]) -> list[dict]:
        problems = []
        out = []
        for q in self.questions:
            roles: dict[str, list[int]] = {}
            for role, anchors in q.anchors.items():
                for a in anchors:
                    hits = [i + 1 for i, t in enumerate(texts) if _norm(a) in t]
                    if len(hits) != 1:
                        problems.append(f"{q.question!r}: anchor {a!r} on pages {hits} (need exactly one)")
                    roles.setdefault(role, []).extend(hits)
            pages = sorted({p for ps in roles.values() for p in ps})
            for s in q.only_on_gold:
                where = [i + 1 for i, t in enumerate(texts) if _norm(s) in t]
                if not where or set(where) - set(pages):
                    problems.append(f"{q.question!r}: {s!r} on pages {where}, gold {pages}")
            if (q.kind == "two-page") != (len(pages) > 1) and q.kind != "generic":
                problems.append(f"{q.question!r}: kind {q.kind} but pages {pages}")
            kind = q.kind
            if kind != "generic" and scanned & set(pages):
                kind = "scanned"
            rec = {
                "question": q.question,
                "paraphrase": q.paraphrase,
                "answer": q.answer,
                "pages": pages,
                "kind": kind,
                "source": q.source,
            }
            if q.kind == "generic":
                rec["roles"] = {r: sorted(set(p)) for r, p in roles.items()}
            if scanned & set(pages):
                rec["scanned_pages"] = sorted(scanned & set(pages))
            if q.note:
                rec["note"] = q.note
            out.append(rec)
        alltext = " ".join(final)
        problems += [f"chart-only value {s!r} in the text layer" for s in self.forbidden if s in alltext]
        problems += [f"scanned page {n} has a text layer" for n in scanned if final[n - 1].strip()]
        if problems:
            raise SystemExit(f"{self.name}: " + "; ".join(problems))
        return out


def _brk(block: str) -> str:
    return f"@{block}@"  # a page break before the block when _blocks_html is told so


def _end(block: str, last: bool) -> str:
    return f' id="{block}e"' if last else ""


def _blocks_html(markup: str, breaks: set[str]) -> str:
    return re.sub(r"@(k\d+)@", lambda m: ' style="page-break-before:always"' if m[1] in breaks else "", markup)


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.,()%\s+\-–]+", text)) and any(c.isdigit() for c in text)


def _norm(text: str) -> str:
    # ligatures (fi, fl) as letters, every run of white space as one space: an anchor may wrap a line
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def _footer(page: pymupdf.Page, left: str, right: str) -> None:
    y = page.rect.height - MARGIN / 2
    page.insert_text((MARGIN, y), left, fontname="helv", fontsize=7.5, color=(0.45, 0.45, 0.45))
    x = page.rect.width - MARGIN - pymupdf.get_text_length(right, "helv", 7.5)
    page.insert_text((x, y), right, fontname="helv", fontsize=7.5, color=(0.45, 0.45, 0.45))


def _rasterise(doc: pymupdf.Document, index: int, rng: random.Random) -> None:
    """Replace a page by a scan of itself, like tests/corpus/tools/make_scanned.py: 150 dpi greyscale, a
    slight skew, grey paper, JPEG quality 65, and no text layer."""
    page = doc[index]
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    im = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    im = im.rotate(rng.uniform(-0.7, 0.7), resample=Image.BICUBIC, fillcolor=255)
    im = im.point(lambda v: 22 + v * 222 // 255)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=65, dpi=(150, 150))
    rect = page.rect
    new = doc.new_page(index, width=rect.width, height=rect.height)
    new.insert_image(new.rect, stream=buf.getvalue())
    doc.delete_page(index + 1)


# --- entry points ---------------------------------------------------------------------------------------


def version() -> str:
    """Changes with the generator's source (and PyMuPDF's layout): the cache folder's name."""
    h = hashlib.sha256(pymupdf.VersionBind.encode())
    for path in sorted(HERE.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def builders() -> list[Callable[[], DocBuilder]]:
    sys.path.insert(0, str(HERE))
    import larkhaven
    import lindenhoehe

    return [larkhaven.document, lindenhoehe.document]


def ensure(cache: Path = DEFAULT_CACHE) -> list[tuple[Path, list[dict]]]:
    """The documents and their questions, built once per generator version into ``cache``; the builds of
    older versions there are removed."""
    out = cache / version()
    if cache.is_dir():
        for old in cache.iterdir():
            if old.is_dir() and old != out and re.fullmatch(r"[0-9a-f]{12}", old.name):
                shutil.rmtree(old)
    result = []
    for factory in builders():
        b = factory()
        pdf, qa_path = out / f"{b.name}.pdf", out / f"{b.name}.qa.json"
        if pdf.exists() and qa_path.exists():
            result.append((pdf, json.loads(qa_path.read_text())))
        else:
            result.append(b.build(out))
    return result


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CACHE / version()
    for factory in builders():
        b = factory()
        pdf, qa = b.build(out)
        with pymupdf.open(pdf) as doc:
            n = doc.page_count
        kinds: dict[str, int] = {}
        for q in qa:
            kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
        print(f"{pdf}: {n} pages, {len(qa)} questions {kinds}")


if __name__ == "__main__":
    main()
