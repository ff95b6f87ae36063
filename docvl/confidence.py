"""Field confidence: how sure the model was of each value it wrote, from the log-probabilities of the
reply's tokens.

A field's confidence is the probability of the least likely token inside its value (``"INV-7"``,
``9.5``, ``null``): one uncertain digit makes an amount uncertain however sure the rest was, which a
mean over the tokens would hide. Values are located in the reply text by walking its JSON with
positions, so the number belongs to the value, not to the key or the punctuation around it. When the
tokens do not spell the reply (a server that detokenises differently) no confidence is given rather
than a misplaced one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

TokenLogprobs = list[tuple[str, float]]

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"


def field_confidence(text: str, tokens: TokenLogprobs | None, fields: Iterable[str]) -> dict[str, float]:
    """``fields`` of the first JSON object in ``text`` -> probability of their least likely token."""
    if not tokens:
        return {}
    spelled = "".join(token for token, _ in tokens)
    offset = spelled.find(text) if text else -1
    if offset < 0:
        return {}
    spans = _top_level_spans(text)
    if not spans:
        return {}
    # each token's [start, end) in the reply text
    bounds, position = [], -offset
    for token, logprob in tokens:
        bounds.append((position, position + len(token), logprob))
        position += len(token)
    out: dict[str, float] = {}
    for name in fields:
        if name not in spans:
            continue
        start, end = spans[name]
        inside = [lp for s, e, lp in bounds if s < end and e > start]
        if inside:
            out[name] = round(math.exp(max(min(inside), -1e4)), 4)
    return out


def _top_level_spans(text: str) -> dict[str, tuple[int, int]]:
    """Key -> [start, end) of its value, for the first JSON object in ``text`` that parses."""
    start = text.find("{")
    while start >= 0:
        try:
            return _object_spans(text, start)
        except ValueError:
            start = text.find("{", start + 1)
    return {}


def _object_spans(text: str, i: int) -> dict[str, tuple[int, int]]:
    spans: dict[str, tuple[int, int]] = {}
    i = _skip(text, i + 1)
    if text.startswith("}", i):
        return spans
    while True:
        key, i = _DECODER.raw_decode(text, i)
        if not isinstance(key, str):
            raise ValueError("object key is not a string")
        i = _skip(text, i)
        if not text.startswith(":", i):
            raise ValueError("expected ':'")
        i = _skip(text, i + 1)
        _, end = _DECODER.raw_decode(text, i)
        spans[key] = (i, end)
        i = _skip(text, end)
        if text.startswith(",", i):
            i = _skip(text, i + 1)
            continue
        if text.startswith("}", i):
            return spans
        raise ValueError("expected ',' or '}'")


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACE:
        i += 1
    return i
