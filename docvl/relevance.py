"""Page relevance: how well each page's text matches a question or a schema, with BM25 (bm25s).

Pages without text (scans, images) are "unknown" (None): the planner keeps them at low resolution
rather than dropping what it cannot judge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def rank_pages(texts: Mapping[int, str], query: str) -> dict[int, float | None]:
    """BM25 score of every page against ``query``; None for pages with no text."""
    numbers = [n for n, t in texts.items() if t.strip()]
    scores: dict[int, float | None] = {n: None for n in texts}
    if not numbers or not query.strip():
        return scores
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([texts[n] for n in numbers], stopwords="en", show_progress=False), show_progress=False
    )
    tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
    if not tokens.vocab:  # the query is only stop words
        return {n: (0.0 if n in numbers else None) for n in texts}
    results, values = retriever.retrieve(tokens, k=len(numbers), show_progress=False)
    for index, value in zip(results[0], values[0], strict=True):
        scores[numbers[int(index)]] = round(float(value), 3)
    return scores


def schema_query(schema: Mapping[str, Any]) -> str:
    """The words an extraction looks for: field names (split at _), titles and descriptions."""
    words: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        words.append(re.sub(r"[_\-]+", " ", str(name)))
        if isinstance(prop, Mapping):
            words.extend(str(prop[k]) for k in ("title", "description") if prop.get(k))
    return " ".join(words)
