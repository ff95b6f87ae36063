"""`docvl eval --html FILE`: one self-contained page (inline CSS and SVG, nothing fetched) with the figures,
the breakdowns and four plots: accuracy by kind, accuracy against tokens, the calibration curve and the
coverage curve. Plots with nothing to show (no confidence, no tokens) say why instead."""

from __future__ import annotations

from html import escape
from typing import Any

from docvl.evaluate.metrics import Report

W, H, PAD = 460, 260, 44
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#1d2430;padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #dde3ea;padding-bottom:.3rem}
.sub{color:#5b6778;margin-top:0}table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{padding:.25rem .8rem;border-bottom:1px solid #eef1f5;text-align:right}
td:first-child,th:first-child{text-align:left}th{color:#5b6778;font-weight:600}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:1.2rem}
figure{margin:0;border:1px solid #e4e8ee;border-radius:8px;padding:.6rem}figcaption{font-weight:600;margin-bottom:.3rem}
.none{color:#8793a3;font-style:italic;padding:2rem 1rem}svg text{font-size:11px;fill:#3c4757}.right{color:#1a7f37}.wrong{color:#c62828}
"""


def render(report: Report) -> str:
    h = report.headline
    title = f"docvl eval {report.task}: {escape(report.dataset)}"
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{title}</title><style>{CSS}</style></head><body>",
        f"<h1>{title}</h1><p class=sub>{h.get('items', 0)} items</p>",
        "<h2>Figures</h2>",
        _table(["figure", "value"], [[escape(k.replace("_", " ")), _fmt(v)] for k, v in h.items()]),
        "<h2>Plots</h2><div class=grid>",
        _figure("Accuracy by answer type" if report.task == "qa" else "F1 by field", _kind_bars(report)),
        _figure("Accuracy against tokens", _tokens_scatter(report)),
        _figure("Calibration: accuracy per confidence bucket", _calibration_curve(report)),
        _figure("Coverage and accuracy per --min-confidence", _coverage_curve(report)),
        "</div>",
    ]
    for name, groups in report.breakdowns.items():
        if groups:
            columns = list(next(iter(groups.values())))
            rows = [[escape(g), *(_fmt(v[c]) for c in columns)] for g, v in groups.items()]
            parts += [f"<h2>By {escape(name)}</h2>", _table([name, *[c.replace("_", " ") for c in columns]], rows)]
    parts += ["<h2>Items</h2>", _items(report), "</body></html>"]
    return "\n".join(parts)


# -- pieces -----------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def _table(head: list[str], rows: list[list[str]]) -> str:
    """``rows``: cells already escaped (or markup)."""
    out = ["<table><tr>", *(f"<th>{escape(c)}</th>" for c in head), "</tr>"]
    for row in rows:
        out += ["<tr>", *(f"<td>{c}</td>" for c in row), "</tr>"]
    return "".join(out) + "</table>"


def _figure(caption: str, body: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{body}</figure>"


def _none(why: str) -> str:
    return f"<div class=none>{escape(why)}</div>"


def _svg(body: list[str], x_label: str, y_label: str) -> str:
    axes = [
        f'<line x1={PAD} y1={H - PAD} x2={W - 10} y2={H - PAD} stroke="#9aa5b4"/>',
        f'<line x1={PAD} y1=10 x2={PAD} y2={H - PAD} stroke="#9aa5b4"/>',
        f"<text x={(W + PAD) / 2} y={H - 8} text-anchor=middle>{escape(x_label)}</text>",
        f'<text x=12 y={(H - PAD) / 2} transform="rotate(-90 12 {(H - PAD) / 2})" text-anchor=middle>{escape(y_label)}</text>',
    ]
    for tick in (0.0, 0.5, 1.0):
        y = _y(tick)
        axes.append(f'<line x1={PAD - 4} y1={y} x2={W - 10} y2={y} stroke="#eef1f5"/>')
        axes.append(f"<text x={PAD - 8} y={y + 4} text-anchor=end>{tick:g}</text>")
    return f'<svg viewBox="0 0 {W} {H}" width="100%" role=img>' + "".join(axes + body) + "</svg>"


def _x(value: float) -> float:
    return PAD + value * (W - 10 - PAD)


def _y(value: float) -> float:
    return H - PAD - value * (H - PAD - 10)


def _kind_bars(report: Report) -> str:
    if report.task == "qa":
        groups = {k: v["accuracy"] for k, v in report.breakdowns.get("answer type", {}).items()}
        label = "accuracy"
    else:
        groups = {k: v["f1"] for k, v in report.breakdowns.get("field", {}).items()}
        label = "F1"
    if not groups:
        return _none("no items")
    if len(groups) > 8:  # many fields: one horizontal bar each, their names readable
        row = 18
        height = row * len(groups) + 30
        left = 150
        body = []
        for i, (name, value) in enumerate(groups.items()):
            value = 0.0 if value != value else value
            y = 10 + i * row
            width = value * (W - left - 50)
            body.append(f"<text x={left - 6} y={y + 12} text-anchor=end>{escape(name[:22])}</text>")
            body.append(
                f'<rect x={left} y={y + 2} width={width:.1f} height={row - 5} fill="#3b73c4"><title>{escape(name)}: {value:.3f}</title></rect>'
            )
            body.append(f"<text x={left + width + 4:.1f} y={y + 12}>{value:.2f}</text>")
        body.append(f"<text x={(W + left) / 2} y={height - 6} text-anchor=middle>{label}</text>")
        return f'<svg viewBox="0 0 {W} {height}" width="100%" role=img>' + "".join(body) + "</svg>"
    n = len(groups)
    slot = (W - 10 - PAD) / n
    body = []
    for i, (name, value) in enumerate(groups.items()):
        value = 0.0 if value != value else value
        x = PAD + i * slot + slot * 0.15
        body.append(
            f'<rect x={x:.1f} y={_y(value):.1f} width={slot * 0.7:.1f} height={_y(0) - _y(value):.1f} fill="#3b73c4"><title>{escape(name)}: {value:.3f}</title></rect>'
        )
        body.append(f"<text x={x + slot * 0.35:.1f} y={H - PAD + 14} text-anchor=middle>{escape(name[:12])}</text>")
        body.append(f"<text x={x + slot * 0.35:.1f} y={_y(value) - 4:.1f} text-anchor=middle>{value:.2f}</text>")
    return _svg(body, "answer type" if report.task == "qa" else "field", label)


def _tokens_scatter(report: Report) -> str:
    points: list[tuple[float, float]] = [
        (float(i["tokens"]), float(i.get("score", i.get("exact", 0))))
        for i in report.items
        if isinstance(i.get("tokens"), int | float) and i["tokens"] > 0
    ]
    if not points:
        return _none("no token counts: predictions scored with --pred, or an engine that counts none (the text engine)")
    most = max(t for t, _ in points)
    body = [
        f'<circle cx={_x(t / most):.1f} cy={_y(s):.1f} r=4 style="fill:{"#1a7f37" if s >= 0.5 else "#c62828"}" fill-opacity=.6><title>{t:,} tokens: {s:.2f}</title></circle>'
        for t, s in points
    ]
    body.append(f"<text x={W - 10} y={H - PAD + 14} text-anchor=end>{most:,.0f}</text>")
    return _svg(body, "tokens per item", "score")


def _calibration_curve(report: Report) -> str:
    cal = report.calibration
    if not cal:
        return _none("no confidences: extract with --confidence (an engine giving token log-probabilities)")
    body = [f'<line x1={_x(0)} y1={_y(0)} x2={_x(1)} y2={_y(1)} stroke="#9aa5b4" stroke-dasharray="4 4"/>']
    pts = [(b["confidence"], b["accuracy"], b["values"]) for b in cal["buckets"]]
    body.append(
        '<polyline fill=none stroke="#3b73c4" stroke-width=2 points="'
        + " ".join(f"{_x(c):.1f},{_y(a):.1f}" for c, a, _ in pts)
        + '"/>'
    )
    body += [
        f'<circle cx={_x(c):.1f} cy={_y(a):.1f} r=4 fill="#3b73c4"><title>{n} values: confidence {c:.2f}, accuracy {a:.2f}</title></circle>'
        for c, a, n in pts
    ]
    body.append(f"<text x={W - 12} y=24 text-anchor=end>ECE {cal['ece']:.3f}</text>")
    return _svg(body, "confidence", "accuracy")


def _coverage_curve(report: Report) -> str:
    cal = report.calibration
    if not cal:
        return _none("no confidences: extract with --confidence (an engine giving token log-probabilities)")
    rows = cal["coverage"]
    cov = " ".join(f"{_x(r['min_confidence']):.1f},{_y(r['coverage']):.1f}" for r in rows)
    acc = " ".join(f"{_x(r['min_confidence']):.1f},{_y(r['accuracy']):.1f}" for r in rows if r["accuracy"] is not None)
    body = [
        f'<polyline fill=none stroke="#8a5cc2" stroke-width=2 points="{cov}"/>',
        f'<polyline fill=none stroke="#1a7f37" stroke-width=2 points="{acc}"/>',
        f'<text x={PAD + 8} y={H - PAD - 24} style="fill:#8a5cc2">coverage (share of values kept)</text>',
        f'<text x={PAD + 8} y={H - PAD - 8} style="fill:#1a7f37">accuracy of the values kept</text>',
    ]
    return _svg(body, "--min-confidence", "share")


def _items(report: Report) -> str:
    if report.task == "qa":
        head = ["id", "question", "gold", "prediction", "score", "pages cited / gold"]
        rows = [
            [
                escape(str(i["id"])),
                escape(i["question"]),
                escape(", ".join(map(str, i["gold"]))),
                escape((i["prediction"] or "")[:160]),
                f"<span class={'right' if i['right'] else 'wrong'}>{i['score']:.2f}</span>",
                escape(f"{i['cited_pages']} / {i['gold_pages']}"),
            ]
            for i in report.items
        ]
    else:
        head = ["id", "status", "exact", "fields"]
        rows = [
            [
                escape(str(i["id"])),
                escape(i["status"]),
                f"<span class={'right' if i['exact'] else 'wrong'}>{'yes' if i['exact'] else 'no'}</span>",
                escape(", ".join(f"{k}: {v}" for k, v in i["fields"].items() if v != "right")),
            ]
            for i in report.items
        ]
    out = ["<table><tr>", *(f"<th style='text-align:left'>{escape(c)}</th>" for c in head), "</tr>"]
    for row in rows:
        out += ["<tr>", *(f"<td style='text-align:left'>{c}</td>" for c in row), "</tr>"]
    return "".join(out) + "</table>"
