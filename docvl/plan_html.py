"""`docvl plan --html FILE`: the plan drawn as a person checks it — each page's thumbnail with its tile
grid over it, whether it goes as an image or as text and why, its relevance score, its request, and the
pages left out greyed with the reason. One self-contained page (thumbnails inline as JPEG data)."""

from __future__ import annotations

import base64
import io
from html import escape

from docvl.load.document import Document
from docvl.planner import Plan
from docvl.render import open_rasterizer

THUMB_WIDTH = 150  # px: enough to see a page's layout, small enough for a thousand pages
CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2430}
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1.1rem;margin-top:2rem}.sub{color:#5b6778}
.pages{display:flex;flex-wrap:wrap;gap:14px}.page{width:170px;font-size:12px}
.thumb{position:relative;border:1px solid #c9d1db;line-height:0}.thumb img{width:100%}
.thumb svg{position:absolute;inset:0;width:100%;height:100%}
.page.dropped{opacity:.35}.page.dropped .thumb{filter:grayscale(1)}
.tag{display:inline-block;border-radius:4px;padding:0 5px;margin:3px 3px 0 0;color:#fff;font-weight:600}
.image{background:#3b73c4}.text{background:#1a7f37}.both{background:#8a5cc2}.out{background:#8793a3}
.why{color:#5b6778}
"""


def render(items: list[tuple[str, Document, Plan]], *, renderer: str = "pymupdf") -> str:
    """One page for the plans of ``items`` (name shown, document, plan)."""
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>docvl plan</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    for name, doc, plan in items:
        thumbs = _thumbnails(doc, renderer)
        dropped = {d.number: d for d in plan.dropped}
        planned = {p.number: p for p in plan.pages}
        parts.append(f"<h1>{escape(name)}</h1>")
        parts.append(
            f"<p class=sub>{len(plan.pages)} of {len(doc.pages)} pages sent in {len(plan.windows)} request(s), "
            f"{plan.total_tokens:,} tokens; {len(dropped)} left out. Tile grid drawn over each page sent as an image.</p>"
        )
        parts.append("<div class=pages>")
        for info in doc.pages:
            n = info.number
            page = planned.get(n)
            figure = thumbs.get(n, "")
            if page is not None and page.mode != "text" and figure:
                figure += _grid(page.cols, page.rows)
            if page is not None:
                tags = f"<span class='tag {page.mode}'>{page.mode}</span>"
                what = (
                    f"{page.cols}x{page.rows} tiles{' + thumbnail' if page.thumbnail else ''}, "
                    if page.mode != "text"
                    else ""
                ) + f"{page.tokens:,} tokens, request {page.window}"
                score = f"<br>score {page.score:.3f}" if page.score is not None else ""
                why = f"<br><span class=why>{escape(page.mode_reason)}</span>" if page.mode_reason else ""
                parts.append(
                    f"<div class=page><div class=thumb>{figure}</div><b>page {n}</b> {tags}<br>{what}{score}{why}</div>"
                )
            else:
                gone = dropped.get(n)
                reason = escape(gone.reason) if gone else "not selected"
                score = f"<br>score {gone.score:.3f}" if gone is not None and gone.score is not None else ""
                parts.append(
                    f"<div class='page dropped'><div class=thumb>{figure}</div><b>page {n}</b> "
                    f"<span class='tag out'>left out</span>{score}<br><span class=why>{reason}</span></div>"
                )
        parts.append("</div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _grid(cols: int, rows: int) -> str:
    lines = [f'<line x1="{c / cols * 100}%" y1="0" x2="{c / cols * 100}%" y2="100%"/>' for c in range(1, cols)]
    lines += [f'<line x1="0" y1="{r / rows * 100}%" x2="100%" y2="{r / rows * 100}%"/>' for r in range(1, rows)]
    return f'<svg stroke="#e8590c" stroke-width="1.5" stroke-dasharray="4 3">{"".join(lines)}</svg>'


def _thumbnails(doc: Document, renderer: str) -> dict[int, str]:
    out: dict[int, str] = {}
    raster = open_rasterizer(doc, renderer)
    try:
        for info in doc.pages:
            ratio = info.height / info.width if info.width else 1.4
            try:
                (image,), _ = raster.render(info.number, [(THUMB_WIDTH, max(1, round(THUMB_WIDTH * ratio)))])
            except Exception:  # a page that cannot be drawn still gets its box and caption
                continue
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=70)
            data = base64.b64encode(buffer.getvalue()).decode("ascii")
            out[info.number] = f'<img alt="page {info.number}" src="data:image/jpeg;base64,{data}">'
    finally:
        raster.close()
    return out
