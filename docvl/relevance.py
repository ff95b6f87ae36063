"""Page relevance: how well each page's text matches a question or a schema, with BM25 (bm25s).

The terms come from docvl.textindex: each page in its own language (stop words, Snowball stemmer, accents
folded), Chinese/Japanese/Korean/Thai as character bigrams, numbers and codes kept. Pages without text
(scans, images) are "unknown" (None): the planner keeps them at low resolution rather than dropping what it
cannot judge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from docvl.textindex import TextIndex


def rank_pages(texts: Mapping[int, str], query: str, language: str | None = None) -> dict[int, float | None]:
    """BM25 score of every page against ``query``; None for pages with no text, 0.0 for pages with text
    that nothing of the query matches (also when the query is only stop words, or no page has a term).
    ``language``: index every page in this language (ISO 639-1) instead of detecting each page's."""
    numbers = [n for n, t in texts.items() if t.strip()]
    scores: dict[int, float | None] = {n: None for n in texts}
    if not numbers or not query.strip():
        return scores
    # built per call, never cached across calls: the index owns stemmers that are not thread-safe
    index = TextIndex([texts[n] for n in numbers], language=language)
    for number, value in zip(numbers, index.scores(query), strict=True):
        scores[number] = round(value, 3)
    return scores


def schema_query(schema: Mapping[str, Any]) -> str:
    """The words an extraction looks for: field names (split at _), titles and descriptions."""
    words: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        words.append(re.sub(r"[_\-]+", " ", str(name)))
        if isinstance(prop, Mapping):
            words.extend(str(prop[k]) for k in ("title", "description") if prop.get(k))
    return " ".join(words)
