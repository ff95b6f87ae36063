"""Field confidence: how sure the model was of each value it wrote, from the log-probabilities of the
reply's tokens.

A field's confidence is the probability of the least likely token inside its value (``"INV-7"``,
``9.5``): one uncertain digit makes an amount uncertain however sure the rest was, which a mean over
the tokens would hide. A list or object value counts every token inside it. Values are located by
walking the reply's JSON with positions, so the number belongs to the value, not to the key or the
punctuation around it.

Tokens are laid over the reply from its end: the answer is the end of what was generated, and any
reasoning before it (which may draft the same JSON) is never scored. A character split over several
tokens shows as U+FFFD or ``bytes:\\xNN`` pieces in server replies; such a run is matched to the
characters between its neighbours. When the tokens cannot be laid over the reply at all, no confidence
is given rather than a misplaced one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

TokenLogprobs = list[tuple[str, float]]

_DECODER = json.JSONDecoder()
_SPACE = " \t\r\n"
_UNKNOWN = -9999.0  # vLLM's placeholder for a log-probability it could not give
_RESYNC = 8  # characters a run of split-character pieces may stand for


def field_confidence(
    reply: str, tokens: TokenLogprobs | None, fields: Iterable[str], *, answer: str | None = None
) -> dict[str, float]:
    """``fields`` of the JSON object in ``answer`` (the part of ``reply`` the JSON was read from; the
    whole reply by default) -> probability of their least likely token."""
    if not tokens:
        return {}
    answer = (answer if answer is not None else reply).strip()
    offset = reply.rfind(answer) if answer else -1
    spans = _top_level_spans(answer) if offset >= 0 else {}
    if not spans:
        return {}
    bounds, covered_from = _align(reply, tokens)
    out: dict[str, float] = {}
    for name in fields:
        if name not in spans:
            continue
        start, end = offset + spans[name][0], offset + spans[name][1]
        if start < covered_from:
            continue  # part of the value lies where the tokens could not be laid
        inside = [lp for s, e, lp in bounds if s < end and e > start]
        if inside and all(math.isfinite(lp) and lp > _UNKNOWN for lp in inside):
            out[name] = round(math.exp(min(min(inside), 0.0)), 4)
    return out


def _align(reply: str, tokens: TokenLogprobs) -> tuple[list[tuple[int, int, float]], int]:
    """[start, end) in ``reply`` of each token that falls inside it, laid from the end backwards, and
    where the laid tokens begin (the reply before it is not covered)."""
    bounds: list[tuple[int, int, float]] = []
    pending: list[float] = []  # split-character pieces waiting for the text they stand for
    pos, tail = len(reply), 0
    for token, logprob in reversed(tokens):
        if pos <= 0:
            break  # the rest came before the answer (reasoning)
        text, broken = _readable(token)
        if broken:
            pending.append(logprob)
        if not text:
            continue
        if reply.endswith(text, 0, pos):
            end = pos
        else:
            found = reply.rfind(text, max(0, pos - len(text) - _RESYNC), pos) if pending else -1
            if found >= 0:
                end = found + len(text)  # past the characters the split pieces stood for
            elif not bounds and tail < 3:
                tail, pending = tail + 1, []  # a stop token the reply does not show
                continue
            else:
                break
        bounds.extend((end, pos, lp) for lp in pending)
        pending = []
        bounds.append((end - len(text), end, logprob))
        pos = end - len(text)
    if pending and pos > 0:
        bounds.extend((pos - 1, pos, lp) for lp in pending)
        pos -= 1
    return bounds, pos


def _readable(token: str) -> tuple[str, bool]:
    """The part of a token that is text, and whether it also holds a piece of a split character."""
    if not token or token.startswith("bytes:"):
        return "", True  # an empty piece: a byte of a character some neighbour completes
    if "\ufffd" in token:
        return token.replace("\ufffd", ""), True
    return token, False


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
