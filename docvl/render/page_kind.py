"""Does a page need eyes? Judged on what a reader sees: pictures over a share of the page, and vector
drawings that are figures or ruled tables. Paint a reader cannot see does not count: paths outside the
page's visible box (crop and registration marks, printer's slugs), white or fully transparent paint
(white fills behind text, knock-outs), and lines a prose page carries anyway (a header or footnote rule,
underlines) unless they rule a table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymupdf

from docvl.render.page_box import visible_box

# Raster images may cover at most this share of the visible page (a small logo is fine).
MAX_IMAGE_AREA = 0.02
# A page drawing more than this many visible path items that are not rules is a figure or chart.
MAX_FIGURE_ITEMS = 4
# A "rule" is a straight horizontal or vertical stroke, or a filled rectangle at most this thick.
RULE_THICKNESS = 2.0
# Paint this close to white on every channel is invisible on paper.
WHITE = 0.95
# Ruled tables: at least this many vertical rules crossing as many horizontal ones, or this many
# horizontal rules of the same length stacked (a booktabs table) -- underlines vary in length.
GRID_RULES = 2
STACKED_RULES = 3
# A path tracing the border of its own box, FRAME_SIDE points or more each way, is a frame (corners
# rounded up to FRAME_RADIUS points).
FRAME_SIDE = 20.0
# More boxes than this make a diagram or a boxed form, which wants eyes.
MAX_FRAMES = 6
FRAME_RADIUS = 12.0


@dataclass(frozen=True)
class Visible:
    """What a reader sees on the page besides text."""

    picture_share: float  # share of the visible page covered by raster images
    figure_items: int  # visible path items that are not rules or frames
    frames: int  # boxes drawn around text (panels, callouts)
    horizontal_rules: list[tuple[float, float, float]]  # (y, x0, x1)
    vertical_rules: list[tuple[float, float, float]]  # (x, y0, y1)

    def reason(self) -> str | None:
        """Why the page must go as an image, or None when its text is all it shows."""
        if self.picture_share > MAX_IMAGE_AREA:
            return "picture"
        if self.figure_items > MAX_FIGURE_ITEMS or self.frames > MAX_FRAMES:
            return "drawings"
        if _ruled_table(self.horizontal_rules, self.vertical_rules):
            return "ruled table"
        return None


def visible_content(page: pymupdf.Page) -> Visible:
    visible = visible_box(page)
    area = abs(visible) or 1.0
    covered = sum(abs(pymupdf.Rect(info["bbox"]) & visible) for info in page.get_image_info())
    items = 0
    frames: set[tuple[int, int, int, int]] = set()
    horizontal: list[tuple[float, float, float]] = []
    vertical: list[tuple[float, float, float]] = []
    for path in page.get_drawings():
        rect = pymupdf.Rect(path["rect"])
        if not _intersects(rect, visible):
            continue
        fill = _seen(path.get("fill"), path.get("fill_opacity"))
        stroke = _seen(path.get("color"), path.get("stroke_opacity")) and (path.get("width") or 0) >= 0
        if not (fill and "f" in path["type"]) and not (stroke and "s" in path["type"]):
            continue
        if _frame(path, rect):  # a box around text, rounded or not: not a figure, nor its corners
            frames.add((round(rect.x0), round(rect.y0), round(rect.x1), round(rect.y1)))  # fill + outline: one
            continue
        for item in path["items"]:
            rule = _rule(item, stroke, fill, visible)
            if rule is None:
                items += 1
            elif rule[0] == "h":
                horizontal.append(rule[1:])
            elif rule[0] == "v":
                vertical.append(rule[1:])
    return Visible(covered / area, items, len(frames), horizontal, vertical)


def _frame(path: dict, rect: pymupdf.Rect) -> bool:
    """A box around text -- a panel, a callout, rounded or square, filled or outlined: straight and
    curved pieces whose every point lies on the border of the path's box (within a corner's radius),
    at least FRAME_SIDE each way. A chart's polyline or a curve has points inside its box."""
    if rect.width < FRAME_SIDE or rect.height < FRAME_SIDE or len(path["items"]) < 4:
        return False
    radius = min(FRAME_RADIUS, 0.25 * min(rect.width, rect.height))
    sides: set[str] = set()
    for item in path["items"]:
        if item[0] not in ("l", "c"):
            return False
        for point in item[1:]:
            x, y = point.x, point.y
            near_x = min(abs(x - rect.x0), abs(x - rect.x1)) <= radius
            near_y = min(abs(y - rect.y0), abs(y - rect.y1)) <= radius
            if not (near_x or near_y):
                return False
            sides.update(
                side
                for side, near in (
                    ("left", abs(x - rect.x0) <= radius),
                    ("right", abs(x - rect.x1) <= radius),
                    ("top", abs(y - rect.y0) <= radius),
                    ("bottom", abs(y - rect.y1) <= radius),
                )
                if near
            )
    return len(sides) == 4


def _intersects(rect: pymupdf.Rect, visible: pymupdf.Rect) -> bool:
    # a horizontal or vertical line has an empty (zero-area) rect, so compare coordinates
    return rect.x1 >= visible.x0 and rect.x0 <= visible.x1 and rect.y1 >= visible.y0 and rect.y0 <= visible.y1


def _seen(color: object, opacity: object) -> bool:
    if color is None:
        return False
    if opacity is not None and float(opacity) <= 0.02:  # type: ignore[arg-type]
        return False
    channels = list(color) if isinstance(color, list | tuple) else []
    return not (channels and all(c >= WHITE for c in channels))


def _rule(item: tuple, stroke: bool, fill: bool, visible: pymupdf.Rect) -> tuple | None:
    """("h", y, x0, x1) / ("v", x, y0, y1) for a rule, ("-",) for one that is off the page, None for a
    figure item."""
    kind = item[0]
    if kind == "l":
        p, q = pymupdf.Point(item[1]), pymupdf.Point(item[2])
        if not _intersects(pymupdf.Rect(p, q).normalize(), visible):
            return ("-",)
        if abs(p.y - q.y) <= 0.5:
            return ("h", p.y, min(p.x, q.x), max(p.x, q.x))
        if abs(p.x - q.x) <= 0.5:
            return ("v", p.x, min(p.y, q.y), max(p.y, q.y))
        return None
    if kind == "re":
        r = pymupdf.Rect(item[1]).normalize()
        if not _intersects(r, visible):
            return ("-",)
        if r.height <= RULE_THICKNESS:
            return ("h", (r.y0 + r.y1) / 2, r.x0, r.x1)
        if r.width <= RULE_THICKNESS:
            return ("v", (r.x0 + r.x1) / 2, r.y0, r.y1)
        if fill:  # a filled box: a shaded panel or a table's coloured rows
            return None
        # an outlined box: four rules (a frame around text, or a table cell)
        return None
    if kind == "qu":
        quad = item[1]
        r = quad.rect if hasattr(quad, "rect") else pymupdf.Rect(quad)
        if not _intersects(r, visible):
            return ("-",)
        if r.height <= RULE_THICKNESS:
            return ("h", (r.y0 + r.y1) / 2, r.x0, r.x1)
        if r.width <= RULE_THICKNESS:
            return ("v", (r.x0 + r.x1) / 2, r.y0, r.y1)
        return None
    if kind == "c":
        points = [pymupdf.Point(p) for p in item[1:5]]
        box = pymupdf.Rect(points[0], points[0])
        for point in points[1:]:
            box |= point
        if not _intersects(box, visible):
            return ("-",)  # a registration mark's circle off the trimmed page
    return None  # curves


def _ruled_table(horizontal: list[tuple[float, float, float]], vertical: list[tuple[float, float, float]]) -> bool:
    # a grid: vertical rules that cross horizontal ones
    crossing_v = [
        v
        for v in vertical
        if sum(1 for h in horizontal if h[1] - 1 <= v[0] <= h[2] + 1 and v[1] - 1 <= h[0] <= v[2] + 1) >= GRID_RULES
    ]
    if len(crossing_v) >= GRID_RULES:
        return True
    # rules of one length stacked above one another (booktabs: top, mid and bottom rules)
    lengths: dict[tuple[int, int], int] = {}
    for _, x0, x1 in horizontal:
        key = (round(x0 / 2), round(x1 / 2))
        lengths[key] = lengths.get(key, 0) + 1
    return any(n >= STACKED_RULES for n in lengths.values())
