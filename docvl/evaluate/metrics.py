"""Predictions against labelled items: each item's score, the headline figures, breakdowns, confidence
calibration, and the regression gate.

Predictions are rows as `docvl ask -o` / `docvl extract -o` write them (so `--pred` scores a file a
run wrote before); `docvl eval` running an engine adds what only a live run knows: the pages the plan sent
(`_sent_pages`), tokens, requests and seconds.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docvl.evaluate.datasets import ExtractItem, QAItem
from docvl.evaluate.scoring import FLOAT_TOLERANCE, abstains, field_kind, one_to_one, same_value, score_answer

RIGHT = 0.5  # a QA score at or above this counts as right (ANLS already zeroes scores below it)
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
BUCKETS = 10


@dataclass
class Report:
    task: str  # "qa" | "extract"
    dataset: str
    headline: dict[str, float | None]
    breakdowns: dict[str, dict[str, dict[str, float | int]]] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    calibration: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """As JSON allows: NaN (a figure with nothing to measure) becomes null."""
        return _no_nan(
            {
                "task": self.task,
                "dataset": self.dataset,
                "headline": self.headline,
                "breakdowns": self.breakdowns,
                "calibration": self.calibration,
                "items": self.items,
            }
        )


def _no_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


# -- QA ---------------------------------------------------------------------------------------------------


def score_qa(
    items: list[QAItem], rows: list[dict[str, Any]], dataset: str, *, tolerance: float = FLOAT_TOLERANCE
) -> Report:
    """``rows``: one per item, matched by file name and question; an item with no row is a miss."""
    # a row is found by its file's full path, else by its name (a prediction file written elsewhere)
    by_path = {(str(r.get("_file", "")), str(r.get("question", "")).strip()): r for r in rows}
    by_name = {(Path(str(r.get("_file", ""))).name, str(r.get("question", "")).strip()): r for r in rows}
    scored = []
    for item in items:
        question = item.question.strip()
        row = by_path.get((str(item.file), question)) or by_name.get((item.file.name, question))
        ran = row is not None and row.get("_status") != "failed"
        raw = row.get("answer") if ran and row is not None else None
        answer = None if raw is None else str(raw)
        # an item with no prediction (missing, or its run failed) is wrong, never a right "not answerable"
        score = (
            score_answer(item.answers, answer, item.kind, tolerance=tolerance, strict=item.strict,
                         extractive=bool((row or {}).get("_extractive")))
            if ran else 0.0
        )  # fmt: skip
        cited = _pages(row.get("_pages") if row is not None else None)
        sent = _pages(row.get("_sent_pages")) if row is not None and row.get("_sent_pages") is not None else None
        gold = set(item.pages)
        scored.append(
            {
                "id": item.id,
                "file": str(item.file),
                "question": item.question,
                "gold": item.answers,
                "kind": item.kind or "auto",
                "source": item.source or "unlabelled",
                "answerable": item.answerable,
                "prediction": answer,
                "status": (row or {}).get("_status", "missing"),
                "score": round(score, 4),
                "right": score >= RIGHT,
                "abstained": ran and abstains(answer),
                "gold_pages": sorted(gold),
                "cited_pages": cited,
                "page_precision": len(gold & set(cited)) / len(cited) if gold and cited else None,
                "page_recall": len(gold & set(cited)) / len(gold) if gold else None,
                "sent_recall": len(gold & set(sent)) / len(gold) if gold and sent is not None else None,
                "tokens": (row or {}).get("_tokens"),
                "requests": (row or {}).get("_requests"),
                "seconds": (row or {}).get("_seconds"),
            }
        )
    answerable = [s for s in scored if s["answerable"]]
    unanswerable = [s for s in scored if not s["answerable"]]
    abstained = [s for s in scored if s["abstained"]]
    headline = {
        "items": len(scored),
        "accuracy": _mean(float(s["right"]) for s in scored),
        "score": _mean(s["score"] for s in scored),
        "answerable_accuracy": _mean(float(s["right"]) for s in answerable),
        # of the times it said "not answerable", how often that was so; of the unanswerable, how many it said
        "not_answerable_precision": _mean(float(not s["answerable"]) for s in abstained),
        "not_answerable_recall": _mean(float(s["abstained"]) for s in unanswerable),
        "page_precision": _mean(s["page_precision"] for s in scored if s["page_precision"] is not None),
        "page_recall": _mean(s["page_recall"] for s in scored if s["page_recall"] is not None),
        "sent_recall": _mean(s["sent_recall"] for s in scored if s["sent_recall"] is not None),
        "tokens_per_item": _mean(s["tokens"] for s in scored if isinstance(s["tokens"], int | float)),
        "requests_per_item": _mean(s["requests"] for s in scored if isinstance(s["requests"], int | float)),
        "seconds_per_item": _mean(s["seconds"] for s in scored if isinstance(s["seconds"], int | float)),
    }
    breakdowns = {
        "answer type": _breakdown(scored, "kind"),
        "evidence source": _breakdown(scored, "source"),
    }
    return Report("qa", dataset, headline, breakdowns, scored)


def _pages(value: Any) -> list[int]:
    """Cited pages as a prediction file holds them: a list, or the JSON text of one (a CSV cell)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [int(p) for p in value if isinstance(p, int | float | str) and str(p).strip().isdigit()]


def _breakdown(scored: list[dict[str, Any]], key: str) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in scored:
        groups[str(s[key])].append(s)
    return {
        name: {"items": len(group), "accuracy": sum(s["right"] for s in group) / len(group)}
        for name, group in sorted(groups.items())
    }


# -- extraction -------------------------------------------------------------------------------------------

IGNORED_FIELDS = {"desc"}  # invoice2data's template description, not a field of the document


def score_extract(
    items: list[ExtractItem],
    rows: list[dict[str, Any]],
    dataset: str,
    schema: dict[str, Any] | None = None,
    *,
    tolerance: float = FLOAT_TOLERANCE,
) -> Report:
    """``rows``: records as `extract -o` writes them, matched to items by file name. Per field: a value
    where the gold has one is right when it matches (true positive) or wrong (false positive and false
    negative); a null there is a false negative; a value where the gold has none is a false positive; a
    null there is a right abstention. Arrays of objects (line items) are matched one to one first."""
    by_path = {str(r.get("_file", "")): r for r in rows}
    by_name = {Path(str(r.get("_file", ""))).name: r for r in rows}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # field -> tp, fp, fn, right abstentions
    scored = []
    confident: list[tuple[float, bool]] = []
    fields = list((schema or {}).get("properties", {})) or None
    for item in items:
        row = by_path.get(str(item.file)) or by_name.get(item.file.name)
        ran = row is not None and row.get("_status") != "failed"
        record = row if ran and row is not None else {}
        names = fields or [k for k in item.gold if k not in IGNORED_FIELDS]
        per_field = {}
        for name in names:
            if name in IGNORED_FIELDS:
                continue
            gold, pred = item.gold.get(name), record.get(name)
            if not ran:  # no record: every field it should have had is missed, none is a right abstention
                if gold not in (None, "", []):
                    counts[name][2] += 1
                per_field[name] = "failed"
                continue
            outcome = _field_outcome(name, gold, pred, schema, tolerance, counts)
            per_field[name] = outcome
            conf = (record.get("_confidence") or {}).get(name)
            if isinstance(conf, int | float) and pred is not None:
                confident.append((float(conf), outcome == "right"))
        exact = ran and all(o in ("right", "abstained") for o in per_field.values())
        scored.append(
            {
                "id": item.id,
                "file": str(item.file),
                "status": (row or {}).get("_status", "missing"),
                "fields": per_field,
                "exact": exact,
            }
        )
    tp = sum(c[0] for c in counts.values())
    fp = sum(c[1] for c in counts.values())
    fn = sum(c[2] for c in counts.values())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    headline = {
        "items": len(scored),
        "field_precision": precision,
        "field_recall": recall,
        "field_f1": _f1(precision, recall),
        "record_exact": _mean(float(s["exact"]) for s in scored),
    }
    breakdowns = {
        "field": {
            name: {
                "precision": c[0] / (c[0] + c[1]) if c[0] + c[1] else float("nan"),
                "recall": c[0] / (c[0] + c[2]) if c[0] + c[2] else float("nan"),
                "f1": _nan(
                    _f1(c[0] / (c[0] + c[1]) if c[0] + c[1] else None, c[0] / (c[0] + c[2]) if c[0] + c[2] else None)
                ),
                "abstained_right": c[3],
            }
            for name, c in sorted(counts.items())
        }
    }
    return Report("extract", dataset, headline, breakdowns, scored, calibration(confident) if confident else None)


def _field_outcome(
    name: str, gold: Any, pred: Any, schema: dict[str, Any] | None, tolerance: float, counts: dict[str, list[int]]
) -> str:
    c = counts[name]
    if gold is None or gold == "" or gold == []:
        if pred is None or pred == "" or pred == []:
            c[3] += 1
            return "abstained"
        c[1] += 1
        return "invented"
    if pred is None or pred == "" or pred == []:
        c[2] += 1
        return "missed"
    if isinstance(gold, list) and gold and isinstance(gold[0], dict):
        preds = pred if isinstance(pred, list) else []
        pairs = one_to_one(gold, preds, lambda g, p: _item_score(g, p, tolerance))
        score = 2 * sum(s for _, _, s in pairs) / (len(gold) + len(preds)) if gold or preds else 1.0
        right = score >= 0.999
    else:
        right = same_value(gold, pred, field_kind(name, schema, gold), tolerance=tolerance) >= 0.999
    if right:
        c[0] += 1
        return "right"
    c[1] += 1
    c[2] += 1
    return "wrong"


def _item_score(gold: dict[str, Any], pred: Any, tolerance: float) -> float:
    """Share of a gold line item's fields a predicted one gets right (1.0: all)."""
    if not isinstance(pred, dict):
        return 0.0
    keys = [k for k, v in gold.items() if v not in (None, "")]
    if not keys:
        return 1.0
    return sum(
        same_value(gold[k], pred.get(k), field_kind(k, None, gold[k]), tolerance=tolerance) >= 0.999 for k in keys
    ) / len(keys)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


# -- confidence -------------------------------------------------------------------------------------------


def calibration(pairs: list[tuple[float, bool]]) -> dict[str, Any]:
    """Accuracy per confidence bucket, expected calibration error, and accuracy and coverage at each
    --min-confidence threshold: what a user picks a threshold from."""
    buckets = []
    ece = 0.0
    for b in range(BUCKETS):
        low, high = b / BUCKETS, (b + 1) / BUCKETS
        inside = [(c, r) for c, r in pairs if low <= c < high or (b == BUCKETS - 1 and c == 1.0)]
        if not inside:
            continue
        accuracy = sum(r for _, r in inside) / len(inside)
        mean_conf = sum(c for c, _ in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(accuracy - mean_conf)
        buckets.append({"from": low, "to": high, "values": len(inside), "confidence": mean_conf, "accuracy": accuracy})
    coverage = []
    for threshold in THRESHOLDS:
        kept = [r for c, r in pairs if c >= threshold]
        coverage.append(
            {
                "min_confidence": threshold,
                "coverage": len(kept) / len(pairs),
                "accuracy": sum(kept) / len(kept) if kept else None,
            }
        )
    return {"values": len(pairs), "ece": ece, "buckets": buckets, "coverage": coverage}


# -- the gate ---------------------------------------------------------------------------------------------

# figures where lower is better are not gated on a drop
HIGHER_IS_BETTER = {
    "accuracy", "score", "answerable_accuracy", "not_answerable_precision", "not_answerable_recall",
    "page_precision", "page_recall", "sent_recall", "field_precision", "field_recall", "field_f1", "record_exact",
}  # fmt: skip


def regressions(report: Report, baseline_path: Path, max_drop: float) -> list[str]:
    """The headline figures that dropped more than ``max_drop`` against a baseline (an earlier --json)."""
    try:
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))["headline"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        from docvl.errors import UsageError

        raise UsageError(
            f"--compare {baseline_path}: not a docvl eval --json file ({exc})",
            fix="write one with docvl eval ... --json baseline.json",
        ) from None
    out = []
    for name in sorted(HIGHER_IS_BETTER):
        before, now = baseline.get(name), report.headline.get(name)
        numbers = isinstance(before, int | float) and isinstance(now, int | float) and not math.isnan(before)
        if numbers and before - now > max_drop + 1e-12:
            out.append(f"{name} {before:.3f} -> {now:.3f} ({now - before:+.3f})")
    return out
