"""Does a page need eyes? Judged on what a reader sees: pictures over a share of the page, and vector
drawings that are figures or ruled tables. Paint a reader cannot see does not count: paths outside the
page's visible box (crop and registration marks, printer's slugs), white or fully transparent paint
(white fills behind text, knock-outs), and lines a prose page carries anyway (a header or footnote rule,
underlines, dotted leaders) unless they rule a table. Small unlabelled drawings -- a vector logo, an
icon, a bullet -- get the allowance a small raster logo gets.

Rules are judged as the page is displayed (after /Rotate). The verdicts rank picture > drawings > ruled
table, and the page is read only as far as its verdict needs: a page whose images already make it a
picture is not asked for its drawings (the slow part on a page of thousands of paths), and counting
stops once the paths make a figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pymupdf

from docvl.load.page_box import visible_box

# Raster images may cover at most this share of the visible page (a small logo is fine).
MAX_IMAGE_AREA = 0.02
# A page drawing more than this many visible path items that are not rules or small drawings is a figure.
MAX_FIGURE_ITEMS = 4
# A "rule" is a straight horizontal or vertical stroke, or a filled rectangle at most this thick ...
RULE_THICKNESS = 2.0
# ... and at least this long: shorter strokes are marks (a tick, a piece of a small circle).
MIN_RULE = 3.0
# A straight stroke shorter than this each way is a round cap's dot (a dotted leader): nothing.
DOT = 0.1
# Paths this close to each other make one drawing (the letters and shapes of a logo); the gap is meant
# for a Letter page and grows with the page's size (a 1920 x 1080 point slide draws bigger).
CLUSTER_GAP = 6.0
LETTER_AREA = 612.0 * 792.0
# Small drawings (each under MAX_IMAGE_AREA of the page, no text on or beside them, not a lone bar or
# a check box) pass as ornaments, at most this many of them, together covering what raster images
# leave of MAX_IMAGE_AREA. More of them make a diagram, a form or a chart: they count.
MAX_ORNAMENTS = 2
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

Rule = tuple[float, float, float]  # (y, x0, x1) for a horizontal rule, (x, y0, y1) for a vertical one
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Visible:
    """What a reader sees on the page besides text. Read only as far as the verdict needs: when images
    already make the page a picture the drawings are not looked at, and when the drawings make it a figure
    counting stops (the rules are then left empty)."""

    picture_share: float  # share of the visible page covered by raster images
    figure_items: int  # visible path items that are not rules, frames, dotted lines nor small drawings
    frames: int  # boxes drawn around text (panels, callouts)
    horizontal_rules: list[Rule]  # (y, x0, x1), as the page is displayed (after /Rotate)
    vertical_rules: list[Rule]  # (x, y0, y1), as displayed
    ornament_share: float = 0.0  # share of the page covered by small drawings let pass (logos, dots)

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
    vbox = (visible.x0, visible.y0, visible.x1, visible.y1)
    vx0, vy0, vx1, vy1 = vbox
    area = abs(visible) or 1.0
    covered = 0.0
    for info in page.get_image_info():
        x0, y0, x1, y1 = info["bbox"]
        covered += max(0.0, min(x1, vx1) - max(x0, vx0)) * max(0.0, min(y1, vy1) - max(y0, vy0))
    picture = covered / area
    if picture > MAX_IMAGE_AREA:  # a picture whatever the drawings are
        return Visible(picture, 0, 0, [], [])
    small = MAX_IMAGE_AREA * area  # a drawing whose box covers less is small (a logo, a bullet)
    items = 0  # figure items counted so far
    pieces: list[_Piece] = []
    frames: set[tuple[int, int, int, int]] = set()
    horizontal: list[Rule] = []
    vertical: list[Rule] = []
    # get_cdrawings: plain tuples in unrotated page coordinates (get_drawings wraps every point in a
    # pymupdf.Point, which is most of its time on a page of thousands of paths)
    seen: dict[tuple, bool] = {}  # paint -> visible (a page of 60,000 paths uses a handful of colours)
    dashes: dict[object, bool] = {}
    for path in page.get_cdrawings():
        x0, y0, x1, y1 = path["rect"]
        if x1 < vx0 or x0 > vx1 or y1 < vy0 or y0 > vy1:  # lines have empty rects: compare coordinates
            continue
        kind = path["type"]
        fill = stroke = False
        if "f" in kind:
            paint = (path.get("fill"), path.get("fill_opacity"))
            fill = seen[paint] if paint in seen else seen.setdefault(paint, _seen(*paint))
        if "s" in kind:
            paint = (path.get("color"), path.get("stroke_opacity"))
            stroke = seen[paint] if paint in seen else seen.setdefault(paint, _seen(*paint))
        if not fill and not stroke:
            continue
        dash = path.get("dashes")
        dashed = dashes[dash] if dash in dashes else dashes.setdefault(dash, _dashed(dash))
        if _frame(path["items"], x0, y0, x1, y1):  # a box around text, rounded or not: not a figure
            frames.add((round(x0), round(y0), round(x1), round(y1)))  # fill + outline: one
            if len(frames) > MAX_FRAMES:
                return Visible(picture, items, len(frames), [], [])
            continue
        piece = _path_items(path["items"], stroke, fill, dashed, vbox)
        if piece.items == 0:
            horizontal.extend(piece.horizontal)
            vertical.extend(piece.vertical)
            continue
        if (piece.x1 - piece.x0) * (piece.y1 - piece.y0) >= small:  # as big as a figure: it counts
            items += piece.items
            horizontal.extend(piece.horizontal)
            vertical.extend(piece.vertical)
            if items > MAX_FIGURE_ITEMS:
                return Visible(picture, items, len(frames), [], [])
            piece.counted = True
        pieces.append(piece)
    gap = CLUSTER_GAP * max(1.0, (area / LETTER_AREA) ** 0.5)  # a slide of 1920 x 1080 points draws bigger
    ornaments = _drawings(
        pieces, small, max(0.0, small - covered), gap, lambda: [w[:4] for w in page.get_text("words")]
    )
    for piece in pieces:
        if not piece.counted and not piece.ornament:
            items += piece.items
            horizontal.extend(piece.horizontal)
            vertical.extend(piece.vertical)
    if items > MAX_FIGURE_ITEMS or len(frames) > MAX_FRAMES:
        return Visible(picture, items, len(frames), [], [], ornaments / area)
    horizontal, vertical = _displayed(horizontal, vertical, page)
    return Visible(picture, items, len(frames), horizontal, vertical, ornaments / area)


@dataclass
class _Piece:
    """One path's figure items: how many, the box around them, and the rules the path draws."""

    items: int
    x0: float
    y0: float
    x1: float
    y1: float
    horizontal: list[Rule]
    vertical: list[Rule]
    plain: bool = False  # one rectangle: a bar, a swatch -- not a logo's part
    box: bool = False  # an outlined rectangle: a check box, a field to fill in
    glue: bool = True  # small drawings touching it belong to it (a chart's curve; not a page's panel)
    counted: bool = False  # its items and rules are in the page's counts already (a figure-sized path)
    ornament: bool = False  # part of a small drawing let pass: its items and rules do not count


def _path_items(items: list[tuple], stroke: bool, fill: bool, dashed: bool, visible: Box) -> _Piece:
    """Sort a path's items into rules and figure items. A stroke's straight level lines are rules, at
    least MIN_RULE long; dotted and dashed ones (leaders, dotted separators) are nothing, and so are items
    off the visible page. A fill's straight edges outline a shape -- a bar when the shape is thin, else a
    figure item each (the letters of a vector logo)."""
    vx0, vy0, vx1, vy1 = visible
    dotted = dashed and stroke and not fill
    outline = fill and not stroke  # edges of a filled shape, not lines drawn
    n = 0
    bx0 = by0 = float("inf")
    bx1 = by1 = float("-inf")
    horizontal: list[Rule] = []
    vertical: list[Rule] = []
    rects = 0
    for item in items:
        kind = item[0]
        if kind == "l":
            (px, py), (qx, qy) = item[1], item[2]
            x0, x1 = (px, qx) if px <= qx else (qx, px)
            y0, y1 = (py, qy) if py <= qy else (qy, py)
        elif kind == "c":
            xs = (item[1][0], item[2][0], item[3][0], item[4][0])
            ys = (item[1][1], item[2][1], item[3][1], item[4][1])
            x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        elif kind == "re":
            ax, ay, cx, cy = item[1]
            x0, x1 = (ax, cx) if ax <= cx else (cx, ax)
            y0, y1 = (ay, cy) if ay <= cy else (cy, ay)
        elif kind == "qu":
            xs = tuple(p[0] for p in item[1])
            ys = tuple(p[1] for p in item[1])
            x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        else:
            continue
        if x1 < vx0 or x0 > vx1 or y1 < vy0 or y0 > vy1:  # a registration mark off the trimmed page
            continue
        if kind == "l" and x1 - x0 < DOT and y1 - y0 < DOT:  # a round cap's dot (a dotted leader)
            continue
        if kind != "c" and not (kind == "l" and outline):
            # a line within half a point of level, or a bar at most RULE_THICKNESS thick
            thin = 0.5 if kind == "l" else RULE_THICKNESS
            if y1 - y0 <= thin:
                if dotted:
                    continue
                if x1 - x0 >= MIN_RULE:
                    horizontal.append(((y0 + y1) / 2, x0, x1))
                    continue
            elif x1 - x0 <= thin:
                if dotted:
                    continue
                if y1 - y0 >= MIN_RULE:
                    vertical.append(((x0 + x1) / 2, y0, y1))
                    continue
        # a figure item: a curve, a slanted line, a box, a filled shape's edge, a mark too short for a rule
        n += 1
        rects += kind in ("re", "qu")
        bx0, by0 = min(bx0, x0), min(by0, y0)
        bx1, by1 = max(bx1, x1), max(by1, y1)
    # clipped to the page: a curve's control point far off the page must not widen its box (the
    # clustering grid walks every cell the box covers)
    bx0, by0 = max(bx0, visible[0]), max(by0, visible[1])
    bx1, by1 = max(bx0, min(bx1, visible[2])), max(by0, min(by1, visible[3]))
    piece = _Piece(n, bx0, by0, bx1, by1, horizontal, vertical, plain=n == 1 and rects == 1)
    if outline and n and n == len(items) and all(item[0] == "l" for item in items):
        _shape(piece, items)
    piece.box = piece.plain and stroke and not fill
    piece.glue = not piece.plain
    return piece


def _shape(piece: _Piece, items: list[tuple]) -> None:
    """A filled polygon of straight edges: one bar (a rule) when it is thin and long, one rectangle (like a
    filled "re") when all its edges are level and lie on its box, else its edges stay figure items."""
    width, height = piece.x1 - piece.x0, piece.y1 - piece.y0
    chained = all(
        abs(a[2][0] - b[1][0]) <= 0.01 and abs(a[2][1] - b[1][1]) <= 0.01 for a, b in itertools.pairwise(items)
    )
    if not chained:
        return
    if min(width, height) <= RULE_THICKNESS and max(width, height) >= MIN_RULE:
        if height <= width:
            piece.horizontal.append(((piece.y0 + piece.y1) / 2, piece.x0, piece.x1))
        else:
            piece.vertical.append(((piece.x0 + piece.x1) / 2, piece.y0, piece.y1))
        piece.items = 0
        return
    on_box = all(
        (abs(x - piece.x0) <= 0.5 or abs(x - piece.x1) <= 0.5)
        and (abs(y - piece.y0) <= 0.5 or abs(y - piece.y1) <= 0.5)
        for item in items
        for x, y in item[1:]
    )
    if on_box and len(items) <= 5:
        piece.items = 1
        piece.plain = True


def _drawings(
    pieces: list[_Piece], small: float, allowance: float, gap: float, words: Callable[[], list[Box]]
) -> float:
    """Let small drawings pass as ornaments (their paths are marked ``ornament``); returns the area they
    cover. Paths about ``gap`` apart or closer make one drawing: the letters and shapes of a logo; a small
    path on a figure-sized curve is part of the figure (a bar under a chart's line), one on a panel or a
    page's background is not. A drawing passes when its box covers less than ``small``, it is not a lone
    rectangle (a chart's bar, a swatch), holds no outlined box (a check box) and has no text on or beside
    it (a small labelled diagram) -- smallest first, at most MAX_ORNAMENTS of them, together covering at
    most ``allowance``."""
    if not pieces:
        return 0.0
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # cells of the gap's size: two paths whose boxes, widened by half the gap, share a cell are one
    # drawing (linear in the cells covered; comparing paths pairwise is quadratic on a page of 60,000)
    half = gap / 2
    owner: dict[tuple[int, int], int] = {}
    for i, p in enumerate(pieces):
        if p.counted and not p.glue:
            continue  # a panel or a page's background: what lies on it is not part of it
        for gx in range(int((p.x0 - half) // gap), int((p.x1 + half) // gap) + 1):
            for gy in range(int((p.y0 - half) // gap), int((p.y1 + half) // gap) + 1):
                j = owner.setdefault((gx, gy), i)
                if j != i:
                    ri, rj = root(i), root(j)
                    if ri != rj:
                        parent[ri] = rj
    clusters: dict[int, list[_Piece]] = {}
    for i, p in enumerate(pieces):
        clusters.setdefault(root(i), []).append(p)
    drawings = []
    for members in clusters.values():
        box = (
            min(p.x0 for p in members),
            min(p.y0 for p in members),
            max(p.x1 for p in members),
            max(p.y1 for p in members),
        )
        eligible = not (
            any(p.counted or p.box for p in members)  # part of a figure; a check box
            or (len(members) == 1 and members[0].plain)  # a bar, a swatch
        )
        drawings.append(((box[2] - box[0]) * (box[3] - box[1]), box, members, eligible))
    ornaments = 0.0
    passed = 0
    boxes: list[Box] | None = None
    for share, (x0, y0, x1, y1), members, eligible in sorted(drawings, key=lambda d: d[0]):
        if not eligible or share >= small or ornaments + share > allowance or passed >= MAX_ORNAMENTS:
            continue
        if boxes is None:
            boxes = words()
        if any(a <= x1 + gap and c >= x0 - gap and b <= y1 + gap and d >= y0 - gap for a, b, c, d in boxes):
            continue  # labelled: a small diagram or chart
        ornaments += share
        passed += 1
        for p in members:
            p.ornament = True
    return ornaments


def _frame(items: list[tuple], x0: float, y0: float, x1: float, y1: float) -> bool:
    """A box around text -- a panel, a callout, rounded or square, filled or outlined: straight and
    curved pieces whose every point lies on the border of the path's box (within a corner's radius),
    at least FRAME_SIDE each way. A chart's polyline or a curve has points inside its box. A long slanted
    line is a box's only when all four sides are drawn level (a crossed-out box); else it is a triangle's
    side or an arrow's shaft, which run from corner to corner."""
    width, height = x1 - x0, y1 - y0
    if width < FRAME_SIDE or height < FRAME_SIDE or len(items) < 4:
        return False
    radius = min(FRAME_RADIUS, 0.25 * min(width, height))
    left = right = top = bottom = False
    slanted = False
    sides: set[str] = set()  # sides drawn by a level line
    for item in items:
        if item[0] not in ("l", "c"):
            return False
        if item[0] == "l":
            (px, py), (qx, qy) = item[1], item[2]
            dx, dy = abs(px - qx), abs(py - qy)
            if min(dx, dy) > max(1.0, 0.1 * max(dx, dy)):
                slanted = slanted or dx + dy > 2 * radius  # longer than a rounded corner's chord
            elif dy < dx:
                sides.add("top" if abs(py - y0) <= radius else "bottom" if abs(py - y1) <= radius else "")
            else:
                sides.add("left" if abs(px - x0) <= radius else "right" if abs(px - x1) <= radius else "")
        for x, y in item[1:]:
            near_left, near_right = abs(x - x0) <= radius, abs(x - x1) <= radius
            near_top, near_bottom = abs(y - y0) <= radius, abs(y - y1) <= radius
            if not (near_left or near_right or near_top or near_bottom):
                return False
            left, right = left or near_left, right or near_right
            top, bottom = top or near_top, bottom or near_bottom
    if slanted and not {"top", "bottom", "left", "right"} <= sides:
        return False
    return left and right and top and bottom


def _seen(color: object, opacity: object) -> bool:
    if color is None:
        return False
    if opacity is not None and float(opacity) <= 0.02:  # type: ignore[arg-type]
        return False
    channels = list(color) if isinstance(color, list | tuple) else []
    return not (channels and all(c >= WHITE for c in channels))


def _dashed(dashes: object) -> bool:
    """A dash pattern ("[ 0 4.99 ] 0": round dots, "[ 3 2 ] 0": dashes) rather than a solid line ("[] 0")."""
    if not isinstance(dashes, str):
        return False
    inside = dashes[dashes.find("[") + 1 : dashes.find("]")].split()
    try:
        return any(float(v) > 0 for v in inside)
    except ValueError:
        return False


def _displayed(horizontal: list[Rule], vertical: list[Rule], page: pymupdf.Page) -> tuple[list[Rule], list[Rule]]:
    """Rules as the page is displayed: on a /Rotate 90 or 270 page a table's rows run across the unrotated
    page's y axis, so its horizontal rules are vertical in get_drawings' coordinates."""
    if page.rotation % 360 == 0:
        return horizontal, vertical
    m = page.rotation_matrix
    shown_h: list[Rule] = []
    shown_v: list[Rule] = []
    for rules, across in ((horizontal, True), (vertical, False)):
        for at, start, end in rules:
            (px, py), (qx, qy) = ((start, at), (end, at)) if across else ((at, start), (at, end))
            ax, ay = m.a * px + m.c * py + m.e, m.b * px + m.d * py + m.f
            bx, by = m.a * qx + m.c * qy + m.e, m.b * qx + m.d * qy + m.f
            if abs(ay - by) <= abs(ax - bx):
                shown_h.append(((ay + by) / 2, min(ax, bx), max(ax, bx)))
            else:
                shown_v.append(((ax + bx) / 2, min(ay, by), max(ay, by)))
    return shown_h, shown_v


def _ruled_table(horizontal: list[Rule], vertical: list[Rule]) -> bool:
    # rules of one length stacked above one another (booktabs: top, mid and bottom rules)
    lengths: dict[tuple[int, int], int] = {}
    for _, x0, x1 in horizontal:
        key = (round(x0 / 2), round(x1 / 2))
        lengths[key] = lengths.get(key, 0) + 1
        if lengths[key] >= STACKED_RULES:
            return True
    # a grid: vertical rules that cross horizontal ones
    crossing = 0
    for x, y0, y1 in vertical:
        crosses = 0
        for y, x0, x1 in horizontal:
            if x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1:
                crosses += 1
                if crosses >= GRID_RULES:
                    crossing += 1
                    break
        if crossing >= GRID_RULES:
            return True
    return False
