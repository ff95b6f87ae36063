"""Prompt stage: the words and page images one request carries, independent of any wire format.

Every page is labelled in the text ("Page 7:") right before its image or text, so answers can cite
pages and the parse stage can check the citations against the pages actually sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from docvl.plan import PAGE_LABEL
from docvl.render.base import RenderedPage


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ImagePart:
    page: RenderedPage


@dataclass(frozen=True)
class PageText:
    """A page's text layer, for engines that read text instead of pixels."""

    number: int
    text: str


@dataclass
class Prompt:
    system: str
    parts: list[TextPart | ImagePart]
    # What the request is about, in structured form: engines that do not read the words above (the
    # text engine) work from these.
    task: str
    question: str | None = None
    schema: dict[str, Any] | None = None
    page_numbers: list[int] = field(default_factory=list)
    page_texts: list[PageText] = field(default_factory=list)


ASK_INSTRUCTIONS = (
    "Answer the question from the document pages above. Each page is labelled 'Page N:'. "
    "Give a short answer, then on its own last line list the pages it rests on as "
    "'Pages: N, M'. If the pages do not hold the answer, say so and write 'Pages: none'."
)

EXTRACT_INSTRUCTIONS = (
    "Extract the fields described by this JSON Schema from the document pages above (each labelled "
    "'Page N:'). Reply with one JSON object only, no prose. Use null for a field the document does not "
    "state; never guess. Copy values as printed, numbers as numbers, dates as YYYY-MM-DD. "
    'Add a key "_pages" mapping each field you filled to the list of page numbers it came from.\n'
    "JSON Schema:\n{schema}"
)


def _page_parts(pages: list[RenderedPage]) -> list[TextPart | ImagePart]:
    parts: list[TextPart | ImagePart] = []
    for page in pages:
        parts.append(TextPart(PAGE_LABEL.format(number=page.number)))
        parts.append(ImagePart(page))
    return parts


def ask_prompt(system: str, question: str, pages: list[RenderedPage], texts: list[PageText]) -> Prompt:
    parts = _page_parts(pages)
    parts.append(TextPart(f"Question: {question}\n\n{ASK_INSTRUCTIONS}"))
    return Prompt(
        system=system,
        parts=parts,
        task="ask",
        question=question,
        page_numbers=[p.number for p in pages] or [t.number for t in texts],
        page_texts=texts,
    )


def extract_instructions(schema: dict[str, Any]) -> str:
    return EXTRACT_INSTRUCTIONS.format(schema=json.dumps(schema, ensure_ascii=False, separators=(",", ":")))


def extract_prompt(
    system: str, schema: dict[str, Any], pages: list[RenderedPage], texts: list[PageText], feedback: str | None = None
) -> Prompt:
    parts = _page_parts(pages)
    parts.append(TextPart(extract_instructions(schema)))
    if feedback:
        parts.append(TextPart(feedback))
    return Prompt(
        system=system,
        parts=parts,
        task="extract",
        schema=schema,
        page_numbers=[p.number for p in pages] or [t.number for t in texts],
        page_texts=texts,
    )
