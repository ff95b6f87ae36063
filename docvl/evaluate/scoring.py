"""How a prediction is scored against its gold answer, the way the public benchmarks score.

QA (MMLongBench-Doc's rules, DocVQA's ANLS): integers exactly, floats within 1 % relative (or a stated
tolerance), numbers read whatever their thousands separators, currency signs, units or percent signs;
dates compared as ISO dates whatever way they were written; free text by ANLS (1 - normalised Levenshtein
distance, 0 under 0.5); lists as sets of items each scored as above; "Not answerable" right only when
the prediction says it cannot answer. Extraction: per field, a value against the gold one with the same
typed comparisons, a null where the gold has none being a right abstention; line items matched one to
one (the pairing that gets most fields right) before their fields are compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import permutations
from typing import Any

from docvl.printed_values import NUMBER_IN_TEXT, parse_date, parse_number

ANLS_THRESHOLD = 0.5
FLOAT_TOLERANCE = 0.01  # relative
NOT_ANSWERABLE = "not answerable"
# how a model (or the text engine) says it has no answer
ABSTAINS = re.compile(
    r"\b(not answerable|not (?:found|stated|mentioned|given|provided|in the document)|no answer|cannot be (?:determined|"
    r"answered|found)|unanswerable|does not (?:say|mention|state|contain))\b",
    re.IGNORECASE,
)


def normalise_text(value: Any) -> str:
    text = str(value).casefold().replace("\u202f", " ").replace("\u00a0", " ")
    text = re.sub(r"[\"'“”‘’`]", "", text)
    return " ".join(text.strip().strip(".").split())


def anls(gold: str, pred: str) -> float:
    """1 - normalised Levenshtein distance, 0 below ANLS_THRESHOLD (DocVQA's per-question score)."""
    a, b = normalise_text(gold), normalise_text(pred)
    if not a and not b:
        return 1.0
    distance = _levenshtein(a, b)
    score = 1.0 - distance / max(len(a), len(b))
    return score if score >= ANLS_THRESHOLD else 0.0


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def same_value(gold: Any, pred: Any, kind: str | None = None, *, tolerance: float = FLOAT_TOLERANCE) -> float:
    """How right ``pred`` is for ``gold``, 0..1: typed by ``kind`` ("int", "float", "number", "date", "str",
    "list") or by what the gold value looks like."""
    if pred is None:
        return 0.0
    kind = (kind or _kind_of(gold)).lower()
    if kind in ("list",) or isinstance(gold, list):
        golds = gold if isinstance(gold, list) else split_list(str(gold))
        preds = pred if isinstance(pred, list) else split_list(str(pred))
        return _set_score(golds, preds, tolerance)
    if kind in ("int", "integer", "float", "number", "money", "amount"):
        g, p = parse_number(gold), parse_number(pred)
        if g is None or p is None:
            return anls(str(gold), str(pred))
        if kind in ("int", "integer") and float(g).is_integer():
            return 1.0 if p == g else 0.0
        return 1.0 if abs(p - g) <= tolerance * max(abs(g), 1e-9) or abs(p - g) < 1e-9 else 0.0
    if kind == "date":
        g_date, p_date = parse_date(gold), parse_date(pred)
        if g_date is not None and p_date is not None:
            return 1.0 if g_date == p_date else 0.0
        return anls(str(gold), str(pred))
    return anls(str(gold), str(pred))


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "str"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str) and parse_date(value) is not None and re.search(r"\d{4}", value):
        return "date"
    if isinstance(value, str) and parse_number(value) is not None and re.fullmatch(r"[\s$€£¥%\d,.()+\-−]*", value):
        return "number"
    return "str"


def split_list(text: str) -> list[str]:
    text = text.strip().strip("[]")
    parts = re.split(r"\s*(?:;|,(?!\d{3})|\band\b|\n)\s*", text)
    return [p.strip().strip("'\"") for p in parts if p.strip().strip("'\"")]


def _set_score(golds: Sequence[Any], preds: Sequence[Any], tolerance: float) -> float:
    """Lists as sets, as MMLongBench-Doc scores them: the same number of items, each gold item matched to
    its own predicted one; the score is the weakest match (0 when an item is missing or extra)."""
    if not golds and not preds:
        return 1.0
    if len(golds) != len(preds):
        return 0.0
    pairs = one_to_one(golds, preds, lambda g, p: same_value(g, p, tolerance=tolerance))
    if len(pairs) != len(golds):
        return 0.0
    return min(score for _, _, score in pairs)


def one_to_one(golds: Sequence[Any], preds: Sequence[Any], score: Any) -> list[tuple[int, int, float]]:
    """Pairs (gold index, predicted index, score) matching each gold item to at most one predicted item,
    the pairing with the highest total: exhaustive for small lists, greedy on the best scores beyond."""
    table = [[score(g, p) for p in preds] for g in golds]
    if len(golds) <= 6 and len(preds) <= 6:
        best: list[tuple[int, int, float]] = []
        best_total = -1.0
        small, large = (golds, preds) if len(golds) <= len(preds) else (preds, golds)
        for chosen in permutations(range(len(large)), len(small)):
            if len(golds) <= len(preds):
                pairs = [(i, j, table[i][j]) for i, j in enumerate(chosen)]
            else:
                pairs = [(i, j, table[i][j]) for j, i in enumerate(chosen)]
            total = sum(s for _, _, s in pairs)
            if total > best_total:
                best, best_total = pairs, total
        return [p for p in best if p[2] > 0]
    candidates = sorted(((table[i][j], i, j) for i in range(len(golds)) for j in range(len(preds))), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for s, i, j in candidates:
        if s > 0 and i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((i, j, s))
    return out


# -- QA ---------------------------------------------------------------------------------------------------


def abstains(answer: str | None) -> bool:
    """The answer says there is none: empty, or a short first line saying so. A quoted passage that
    happens to hold "not found" (an error-code table) is an answer, not an abstention."""
    lines = [line.strip() for line in (answer or "").splitlines() if line.strip()]
    if not lines:
        return True
    head = lines[0]
    return len(head) <= 160 and not head.startswith("[Page") and ABSTAINS.search(head) is not None


def score_answer(
    golds: Iterable[Any],
    answer: str | None,
    kind: str | None = None,
    *,
    tolerance: float = FLOAT_TOLERANCE,
    strict: bool = False,
    extractive: bool = False,
) -> float:
    """A predicted answer (free text, as `docvl ask` gives it) against the gold answers (any one may
    match): the best score over them. The prediction's first line is its answer (the rest: cited pages,
    reasoning), unless it is empty or the answer is a quoting engine's passages (``extractive``). A
    short gold answer found inside a longer first line ("The cap is EUR 2,400,000.") counts, as
    MMLongBench-Doc's answer extraction would take it, except with ``strict`` (DocVQA: ANLS alone) and
    for golds of three characters or fewer ("No" is not inside "Yes, there is no limit")."""
    golds = list(golds)
    if any(isinstance(g, str) and g.strip().casefold() == NOT_ANSWERABLE for g in golds):
        return 1.0 if abstains(answer) else 0.0
    if answer is None or abstains(answer):
        return 0.0
    lines = [line.strip() for line in answer.strip().splitlines() if line.strip()]
    candidates = [lines[0]] if lines else []
    if extractive or not lines:
        candidates.append(answer.strip())
    best = 0.0
    for gold in golds:
        for candidate in candidates:
            best = max(best, same_value(gold, candidate, kind, tolerance=tolerance))
            if not strict and (not isinstance(gold, str) or len(gold.strip()) > 3):
                best = max(best, _contains(gold, candidate, kind))
    return best


def _contains(gold: Any, text: str, kind: str | None) -> float:
    """A short gold answer found inside a longer predicted sentence ("The cap is EUR 2,400,000.") counts:
    numbers among the sentence's numbers, dates among its dates, text as a whole phrase."""
    kind = (kind or _kind_of(gold)).lower()
    if kind in ("int", "integer", "float", "number"):
        g = parse_number(gold)
        if g is None:
            return 0.0
        exact = kind in ("int", "integer") and float(g).is_integer()
        for m in NUMBER_IN_TEXT.finditer(text):
            p = parse_number(m.group(0))
            if p is not None and (p == g if exact else abs(p - g) <= FLOAT_TOLERANCE * max(abs(g), 1e-9)):
                return 1.0
        return 0.0
    if kind == "date":
        g_date = parse_date(gold)
        if g_date is None:
            return 0.0
        for m in re.finditer(
            r"\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+,? \d{4}|[A-Z][a-z]+ \d{1,2},? \d{4}|\d{1,2}[/.]\d{1,2}[/.]\d{4}",
            text,
        ):
            if parse_date(m.group(0)) == g_date:
                return 1.0
        return 0.0
    if kind == "list":
        return 0.0
    g_text = normalise_text(gold)
    return 1.0 if g_text and re.search(rf"(?<!\w){re.escape(g_text)}(?!\w)", normalise_text(text)) else 0.0


# -- extraction -------------------------------------------------------------------------------------------


def field_kind(name: str, schema: dict[str, Any] | None, gold: Any) -> str:
    """The comparison for a field: from the schema's type and format, else from the gold value and name."""
    prop = (schema or {}).get("properties", {}).get(name, {})
    types = prop.get("type")
    types = types if isinstance(types, list) else [types]
    if prop.get("format") in ("date", "date-time") or name.startswith("date"):
        return "date"
    if "integer" in types:
        return "int"
    if "number" in types or name.startswith("amount") or name in ("price", "price_unit", "qty", "quantity", "total"):
        return "number"
    if "array" in types:
        return "list"
    return _kind_of(gold)
