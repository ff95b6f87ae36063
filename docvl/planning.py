"""Planning one document: read what the planner needs from its pages (text layer, whether a page is all
text, relevance to the question) and hand it to the planner. Shared by `docvl plan` and the tasks."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docvl.dense import DenseRanker
from docvl.load.document import Document
from docvl.load.textlayer import PageContent, read_contents
from docvl.pages import PageSelection, page_list
from docvl.planner import Plan, PlanSettings, check_settings, plan_pages
from docvl.profiles import ModelProfile
from docvl.relevance import RankedPage, Ranking, rank_question, rank_schema
from docvl.render import PageRequest, render_pages
from docvl.render.ocr import OcrReader, ocr_available
from docvl.textindex import detect_languages
from docvl.tokens import TokenCounter

OCR_RANK_TILES = 2


@dataclass(frozen=True)
class Planning:
    """What the planning options amount to, checked: built once per run, used for every document."""

    profile: ModelProfile
    selection: PageSelection
    settings: PlanSettings
    counter: TokenCounter
    dense: DenseRanker | None = None  # --embedding-model: a meaning signal beside the words (docvl.dense)


def plan_document(
    document: Document,
    contents: dict[int, PageContent],
    planning: Planning,
    *,
    system: str,
    user: str,
    query: str | None = None,
    schema: Mapping[str, Any] | None = None,
    exclude: Collection[int] = (),
    reread: Callable[[list[int]], Mapping[int, PageContent]] | None = None,
) -> Plan:
    """``query`` (a question) or ``schema`` (an extraction's): what pages are ranked against when the
    document does not fit whole at full resolution (docvl.relevance). Pages with no text layer are ranked
    from OCR text when the `ocr` extra is installed (render.ocr), else left unknown. ``exclude``: pages
    already sent, left out (a wider look after the model found nothing in them). ``reread``: how pages
    read quickly (PageContent.ordered False) are read in full, when ranking needs them (default: here).
    Reads and draws pages: PDF callers that run on threads hold their PDF lock around it."""
    if exclude:
        document = replace(document, pages=tuple(p for p in document.pages if p.number not in exclude))

    def plan(ranking: Ranking | None) -> Plan:
        return plan_pages(
            document.pages,
            profile=planning.profile,
            counter=planning.counter,
            system=system,
            user=user,
            settings=planning.settings,
            relevance=ranking.scores if ranking else None,
            contents=contents,
            evidence=ranking.why if ranking else None,
            **({"unmatched": ranking.unmatched} if ranking and ranking.unmatched else {}),
        )

    numbers = [p.number for p in document.pages]
    texts = {n: contents[n].text if n in contents else "" for n in numbers}
    whole = plan(None)
    wanted = schema is not None or (query is not None and query.strip() != "")
    if whole.fits_whole or not wanted:
        return _with_languages(whole, texts)
    # pages read quickly (PageContent.ordered False) are read in full before the document is ranked by them;
    # ``contents`` is updated in place, so the caller keeps the full reading for later plans
    unordered = [n for n in numbers if n in contents and not contents[n].ordered]
    if unordered:
        contents.update(reread(unordered) if reread is not None else read_contents(document, numbers=unordered))
        texts = {n: contents[n].text if n in contents else "" for n in numbers}
    unknown = [n for n in numbers if not texts[n].strip()]
    notes: list[str] = []
    if unknown and ocr_available():
        start = time.perf_counter()
        texts.update(_ocr_texts(document, unknown, planning))
        notes.append(
            f"ranked {len(unknown)} page(s) with no text layer by their OCR text ({time.perf_counter() - start:.0f} s)"
        )
    pages = {
        n: RankedPage(
            texts[n],
            contents[n].headings if n in contents else (),
            contents[n].sections if n in contents else (),
        )
        for n in numbers
    }
    dense = planning.dense
    ranking = rank_schema(pages, schema, dense) if schema is not None else rank_question(pages, query or "", dense)
    ranked = plan(ranking)
    ranked.notes[:0] = [*notes, *([ranking.note] if ranking.note else [])]
    return _with_languages(ranked, texts)


def _with_languages(plan: Plan, texts: dict[int, str]) -> Plan:
    """Each page's text language in the plan, and a note when some is not English: ranking stems and
    drops stop words in that language, and a reader of the plan should know what the model reads."""
    languages = detect_languages({n: t for n, t in texts.items() if t.strip()})
    pages: dict[str, list[int]] = {}
    for page in plan.pages:
        if texts.get(page.number, "").strip():
            page.language = languages.of(page.number)
            pages.setdefault(page.language, []).append(page.number)
    if set(pages) - {"en"}:
        parts = [f"{lang} (page{'s' if len(nums) > 1 else ''} {page_list(nums, 8)})" for lang, nums in pages.items()]
        plan.notes.append("page text language: " + ", ".join(parts))
    return plan


def _ocr_texts(document: Document, numbers: list[int], planning: Planning) -> dict[int, str]:
    """OCR text of pages drawn small (2 tiles): enough to find a question's words, a third of the time of
    a full-size read (measured 6 s against 10 s a page on 2 cores)."""
    reader = OcrReader()
    by_number = {p.number: p for p in document.pages}
    requests = [
        PageRequest(n, planning.profile.grid(by_number[n].width, by_number[n].height, OCR_RANK_TILES, False))
        for n in numbers
    ]
    return {page.number: reader.read(page.image) for page in render_pages(document, requests)}


# -- planning for a started engine ------------------------------------------------------------------------


def with_engine_context(cfg: Planning, engine, note: Callable[[str], None]) -> Planning:
    """A server that takes shorter requests than --context (vllm serve --max-model-len N): plan for N, or
    every request of a full window would be refused."""
    limit = engine.capabilities.max_request_tokens
    if not limit or limit >= cfg.settings.context:
        return cfg
    settings = cfg.settings.model_copy(update={"context": limit})
    check_settings(settings, cfg.profile)
    note(
        f"the server takes requests of at most {limit:,} tokens (its --max-model-len): planning for {limit:,} "
        f"instead of --context {cfg.settings.context:,}"
    )
    return replace(cfg, settings=settings)


def with_engine_tokenizer(cfg: Planning, engine, tokenizer: Path | None) -> Planning:
    """An in-process engine's own tokenizer counts the plan's text exactly, unless --tokenizer names one."""
    if tokenizer is not None:
        return cfg
    counter = engine.token_counter(cfg.profile.chat.template_overhead_tokens)
    return cfg if counter is None else replace(cfg, counter=counter)
