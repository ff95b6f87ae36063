"""Prompt stage: the words and page images one request carries, independent of any wire format.

Every page is labelled in the text ("Page 7:") right before its image or text, so answers can cite
pages and the parse stage can check the citations against the pages actually sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from docvl.planner import PAGE_LABEL
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


@dataclass(frozen=True)
class PartialAnswer:
    """What one window of a long document answered (map-reduce), with the pages it cited."""

    first_page: int
    last_page: int
    text: str
    pages: list[int]


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
    partials: list[PartialAnswer] = field(default_factory=list)


ASK_INSTRUCTIONS = (
    "Answer the question from the document pages above. Each page is labelled 'Page N:'. "
    "Give a short answer, then on its own last line list the pages it rests on as "
    "'Pages: N, M'. If the pages do not hold the answer, say so and write 'Pages: none'."
)

REDUCE_INSTRUCTIONS = (
    "Combine what the parts found into one answer to the question. Ignore parts that did not find it; "
    "where parts disagree, say so. Give a short answer, then on its own last line list the pages it rests "
    "on, as the parts cited them, as 'Pages: N, M'. If no part holds the answer, say so and write 'Pages: none'."
)

EXTRACT_INSTRUCTIONS = (
    "Extract the fields described by this JSON Schema from the document pages above (each labelled "
    "'Page N:'). Reply with one JSON object only, no prose. Use null for a field the document does not "
    "state; never guess. Copy values as printed, numbers as numbers, dates as YYYY-MM-DD. "
    'Add a key "_pages" mapping each field you filled to the list of page numbers it came from.\n'
    "JSON Schema:\n{schema}"
)


def _page_parts(pages: list[RenderedPage], texts: list[PageText]) -> list[TextPart | ImagePart]:
    """In page order: each page's label, then its image and/or its text layer (the plan's page mode)."""
    images = {p.number: p for p in pages}
    layers = {t.number: t for t in texts}
    parts: list[TextPart | ImagePart] = []
    for number in sorted(images.keys() | layers.keys()):
        parts.append(TextPart(PAGE_LABEL.format(number=number)))
        if number in images:
            parts.append(ImagePart(images[number]))
        if number in layers:
            parts.append(TextPart(layers[number].text))
    return parts


def _numbers(pages: list[RenderedPage], texts: list[PageText]) -> list[int]:
    return sorted({p.number for p in pages} | {t.number for t in texts})


def ask_prompt(system: str, question: str, pages: list[RenderedPage], texts: list[PageText]) -> Prompt:
    parts = _page_parts(pages, texts)
    parts.append(TextPart(f"Question: {question}\n\n{ASK_INSTRUCTIONS}"))
    return Prompt(
        system=system,
        parts=parts,
        task="ask",
        question=question,
        page_numbers=_numbers(pages, texts),
        page_texts=texts,
    )


def reduce_prompt(system: str, question: str, partials: list[PartialAnswer]) -> Prompt:
    """The reduce step of map-reduce: the windows' answers, with their pages, in; one answer out. Page
    numbers stay those of the document, so the final answer cites original pages."""
    lines = [
        f"The document was too long for one request, so it was read in {len(partials)} parts. What each part said:"
    ]
    for k, part in enumerate(partials, start=1):
        cited = ", ".join(map(str, part.pages)) or "none"
        lines.append(f"Part {k} (pages {part.first_page}-{part.last_page}):\n{part.text}\nPages: {cited}")
    return Prompt(
        system=system,
        parts=[TextPart("\n\n".join(lines)), TextPart(f"Question: {question}\n\n{REDUCE_INSTRUCTIONS}")],
        task="reduce",
        question=question,
        page_numbers=sorted({n for part in partials for n in range(part.first_page, part.last_page + 1)}),
        partials=partials,
    )


def extract_instructions(schema: dict[str, Any]) -> str:
    return EXTRACT_INSTRUCTIONS.format(schema=json.dumps(schema, ensure_ascii=False, separators=(",", ":")))


def extract_prompt(
    system: str, schema: dict[str, Any], pages: list[RenderedPage], texts: list[PageText], feedback: str | None = None
) -> Prompt:
    parts = _page_parts(pages, texts)
    parts.append(TextPart(extract_instructions(schema)))
    if feedback:
        parts.append(TextPart(feedback))
    return Prompt(
        system=system,
        parts=parts,
        task="extract",
        schema=schema,
        page_numbers=_numbers(pages, texts),
        page_texts=texts,
    )
