"""Parse stage: turn a model's reply into an answer with checked page citations, or validated fields."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)
_PAGES_LINE = re.compile(r"^\s*\**\s*(?:source\s+)?pages?\s*\**\s*:\s*(.*)$", re.IGNORECASE | re.MULTILINE)
_PAGE_MENTION = re.compile(r"\bpages?\s+(\d+(?:\s*(?:,|and|&|-|–)\s*\d+)*)", re.IGNORECASE)
_NONE = re.compile(r"\W*((none|n/?a|nothing|keine|aucune|ninguna|geen)\b|[-—–]\W*$)", re.IGNORECASE)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def split_reasoning(text: str) -> tuple[str, str | None]:
    """(answer, reasoning). Handles a closed <think>…</think> block, a reply cut off inside one (all of
    it is reasoning), and servers that drop the opening tag and send only "…</think>answer"."""
    blocks = _THINK.findall(text)
    answer = _THINK.sub("", text)
    if "<think>" in answer:  # opened, never closed: the answer never came
        head, _, tail = answer.partition("<think>")
        blocks.append(tail)
        answer = head
    elif "</think>" in answer:
        head, _, answer = answer.partition("</think>")
        blocks.insert(0, head)
    reasoning = "\n".join(b.strip() for b in blocks if b.strip()) or None
    return answer.strip(), reasoning


@dataclass
class Citations:
    pages: list[int]  # cited and actually sent
    unknown: list[int] = field(default_factory=list)  # cited but never sent: not trusted
    text: str = ""  # the answer without its "Pages:" line
    none: bool = False  # the "Pages:" line says none: the pages sent do not hold the answer


def _numbers(spec: str) -> list[int]:
    out: list[int] = []
    for lo, hi in re.findall(r"(\d+)\s*(?:[-–]\s*(\d+))?", spec):
        a = int(lo)
        b = int(hi) if hi else a
        out.extend(range(a, min(b, a + 500) + 1))
    return out


def cite_pages(answer: str, sent: list[int]) -> Citations:
    """Pages named in the answer's 'Pages:' line (or, without one, 'page N' mentions), checked against
    the pages that were sent."""
    matches = list(_PAGES_LINE.finditer(answer))
    none = False
    if matches:
        last = matches[-1]
        cited = _numbers(last.group(1))
        none = not cited and _NONE.match(last.group(1)) is not None
        text = (answer[: last.start()] + answer[last.end() :]).strip()
    else:
        cited = [n for m in _PAGE_MENTION.finditer(answer) for n in _numbers(m.group(1))]
        text = answer.strip()
    allowed = set(sent)
    ordered = list(dict.fromkeys(cited))
    return Citations(
        pages=sorted(n for n in ordered if n in allowed),
        unknown=sorted(n for n in ordered if n not in allowed),
        text=text,
        none=none,
    )


class JsonReplyError(ValueError):
    pass


def _no_constants(name: str) -> None:
    raise JsonReplyError(f"the reply uses {name}, which is not JSON")


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a reply, fences and surrounding prose tolerated."""
    cleaned = _FENCE.sub("", text.strip())
    start = cleaned.find("{")
    if start < 0:
        raise JsonReplyError("the reply holds no JSON object")
    try:
        value, _ = json.JSONDecoder(parse_constant=_no_constants).raw_decode(cleaned[start:])
    except json.JSONDecodeError as exc:
        raise JsonReplyError(f"the reply is not valid JSON ({exc.msg} at character {exc.pos})") from exc
    if not isinstance(value, dict):
        raise JsonReplyError("the reply's JSON is not an object")
    return value


def split_sidecar(data: dict[str, Any], sent: list[int]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Separate the "_pages" sidecar (field -> pages) from the fields; keep only pages that were sent."""
    data = dict(data)
    raw = data.pop("_pages", None)
    allowed = set(sent)
    pages: dict[str, list[int]] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            values = value if isinstance(value, list) else [value]
            nums = sorted(
                {int(float(str(v).strip())) for v in values if isinstance(v, int | float | str) and _is_int(v)}
            )
            kept = [n for n in nums if n in allowed]
            if kept:
                pages[str(key)] = kept
    return data, pages


def validation_errors(data: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        errors.append(f"{where}: {err.message}")
    return errors


def _is_int(value: object) -> bool:
    try:
        return float(str(value).strip()).is_integer()
    except ValueError:
        return False
