"""Page relevance: which pages of a long document hold what a question, or an extraction schema, asks for.

Used only when a document does not fit the context whole. Each signal ranks the pages with text; the
ranks are fused by reciprocal rank fusion (score = sum over signals of weight x K / (K + rank)), so one
signal's scale cannot drown the others and the plan can say why a page ranked where it did:

- ``text``: BM25 over the page's text (docvl.textindex: its own language, stop words, Snowball stems,
  accents folded, CJK bigrams, numbers and codes);
- ``headings``: BM25 over what a reader skims for -- headings, captions ("Table 6.1 ..."), a table's
  header row -- where the words a user asks with ("auditor", "budget") name what the page is about even
  when its sentences say it otherwise ("signed this report");
- ``sections``: BM25 over the titles of the outline (PDF bookmark) sections the page lies in: a figure in
  a table far from any sentence naming its department still sits in that department's section;
- ``grams``: BM25 over character 4-grams inside words, for wordings stemming cannot bridge (German
  compounds, derivations, OCR slips); a weak signal;
- ``type``: for a question that asks for a date or an amount, among the pages another signal found, those
  holding the most dates or amounts;
- ``meaning``: with ``--embedding-model`` (docvl.dense, an optional extra), a sentence-embedding model's
  similarity of the question to the page's best passage, for wordings no word of which is on the page;
- ``next to``: the pages beside a strong page (an answer runs on to the next page, a table's header is on
  the page before), ranked by their strongest neighbour.

Every signal gets the question with its acronyms read as the document spells them out (docvl.acronyms:
"CFO" also searches "Chief Financial Officer"), and the plan's note says which were.

Pages without text (scans, images) are "unknown" (None): the planner keeps them at low resolution rather
than dropping what it cannot judge.

An overview question ("What is this document about?", "Summarise the report", or a question with no
content word at all) matches no page by its words: it gets a representative set instead -- the opening
pages, the table of contents, summaries, introductions and conclusions, and the first page of each
chapter.

A schema ranks the pages once per field (its name, title and description, and its type: a date field
favours pages with dates), and a page scores by its best field, relative to that field's best page: each
field's best pages come first, not one ranking of all the fields' words together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from docvl.acronyms import Acronyms
from docvl.dense import DenseRanker
from docvl.load.reading_order import CAPTION
from docvl.textindex import GramIndex, TextIndex, detect_language, tokenize

# Reciprocal rank fusion constant (Cormack et al. 2009): rank 1 counts K/(K+1), rank 10 K/(K+10).
K = 60
WEIGHTS = {"text": 1.0, "meaning": 1.0, "headings": 0.6, "sections": 0.4, "grams": 0.5, "type": 0.3, "next to": 0.3}


@dataclass(frozen=True)
class RankedPage:
    """What ranking needs of one page: its text and what a reader skims for."""

    text: str
    headings: Sequence[str] = ()
    sections: Sequence[str] = ()


@dataclass
class Ranking:
    scores: dict[int, float | None]  # fused score; None: no text to judge
    why: dict[int, str] = field(default_factory=dict)  # which signals ranked it where ("text #2, headings #1")
    overview: bool = False  # an overview question: the scores pick representative pages
    unmatched: str = "no word of the question on the page"  # why a page scoring 0 was left out
    note: str = ""  # how the pages were ranked, for the plan


# -- questions ------------------------------------------------------------------------------------------

# Words that ask for the gist rather than a fact, in the languages the model card lists and a few more.
OVERVIEW = re.compile(
    r"\b(what\W+(is|are)\W+(this|the)\W+(document|report|file|paper|text|contract|book)\W+(about|for)"
    r"|summar|overview|outline|gist|main (points|topics|findings|ideas)|key (points|findings|takeaways|messages)"
    r"|purpose of (this|the) (document|report|paper)|tl;?dr"
    r"|worum geht|zusammenfass|überblick|ueberblick|kernaussage|zweck (des|dieses)"
    r"|de quoi (parle|traite)|résumé|résume|résumer|résumez|aperçu|synthèse|objet (du|de ce)"
    r"|waarover gaat|samenvatt|overzicht|de qué trata|resumen|resumir|riassun|di cosa (parla|tratta)|sintesi"
    r"|o que (é|trata)|sobre o que)",
    re.IGNORECASE,
)
OVERVIEW_CJK = re.compile(r"概要|要約|まとめ|总结|摘要|概述|主要内容|요약|개요")

DATE_QUESTION = re.compile(
    r"\b(when|what date|which date|date|dated|day|deadline|wann|datum|frist|quand|quelle date|date limite"
    r"|fecha|cuándo|wanneer|op welke datum|quando|em que data|in che data)\b|いつ|何日|日付|何时|哪天|日期",
    re.IGNORECASE,
)
AMOUNT_QUESTION = re.compile(
    r"\b(how (much|many)|total|amount|cost|costs|price|revenue|sum|budget|expenses|income|figure|value|rate"
    r"|percentage|share|in (nok|eur|usd|gbp|chf|sek|dkk|jpy|cny|inr)|million|billion|thousand"
    r"|wie (viel|hoch|viele)|betrag|summe|kosten|preis|umsatz|combien|montant|coût|prix|chiffre"
    r"|cuánto|importe|hoeveel|bedrag|kosten|quanto|importo)\b|多少|いくら|金額|金额",
    re.IGNORECASE,
)
DATES = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}\.?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    r"|januar|februar|märz|mai|juni|juli|okt|dez|janvier|février|mars|avril|mai|juin|juillet|août|septembre"
    r"|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|januari|februari|maart|mei"
    r"|augustus)\w*\.?\s+\d{4}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2},?\s+\d{4})\b"
    r"|\d{4}年\d{1,2}月\d{1,2}日",
    re.IGNORECASE,
)
AMOUNTS = re.compile(
    r"[$€£¥₹]\s?\d|\d[\d.,' ]*\d\s?(%|[$€£¥₹]|\b[A-Z]{3}\b)|\b\d{1,3}([,.' ]\d{3})+([.,]\d+)?\b|\b\d+[.,]\d{1,2}\b"
)


def is_overview(question: str) -> bool:
    """An overview question: it asks for the gist, or has no content word to match a page by."""
    if OVERVIEW.search(question) or OVERVIEW_CJK.search(question):
        return True
    return not tokenize(question, detect_language(question), query=True)


def answer_type(question: str) -> str | None:
    """ "date" or "amount" when the question asks for one (by its words); None otherwise."""
    if DATE_QUESTION.search(question):
        return "date"
    if AMOUNT_QUESTION.search(question):
        return "amount"
    return None


def rank_question(pages: Mapping[int, RankedPage], question: str, dense: DenseRanker | None = None) -> Ranking:
    """Every page's relevance to ``question`` (module docstring); ``dense`` adds the meaning signal."""
    if is_overview(question):
        return _overview(pages)
    ranking = _fused(pages, question, answer_type(question), dense)
    if ranking.why:  # when nothing matched, the planner's own note says so
        ranking.note = (
            "pages ranked by " + _signals_said(ranking) + f"; fused by reciprocal rank (k={K})" + ranking.note
        )
    return ranking


def rank_pages(texts: Mapping[int, str], query: str, language: str | None = None) -> dict[int, float | None]:
    """BM25 score of every page's text against ``query``; None for pages with no text, 0.0 for pages with
    text that nothing of the query matches (also when the query is only stop words, or no page has a
    term). ``language``: index every page in this language (ISO 639-1) instead of detecting each page's.
    The text signal alone; rank_question fuses it with the others."""
    numbers = [n for n, t in texts.items() if t.strip()]
    scores: dict[int, float | None] = {n: None for n in texts}
    if not numbers or not query.strip():
        return scores
    # built per call, never cached across calls: the index owns stemmers that are not thread-safe
    index = TextIndex([texts[n] for n in numbers], language=language)
    for number, value in zip(numbers, index.scores(query), strict=True):
        scores[number] = round(value, 3)
    return scores


# -- schemas --------------------------------------------------------------------------------------------


def field_queries(schema: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """Each top-level field's words (name split at _ and camelCase, title, description, and its items'
    field names for a list) and the kind of value it wants ("date", "amount" or None)."""
    out: dict[str, tuple[str, str | None]] = {}
    for name, prop in (schema.get("properties") or {}).items():
        words = [_split_name(str(name))]
        kind = None
        if isinstance(prop, Mapping):
            words.extend(str(prop[k]) for k in ("title", "description") if prop.get(k))
            items = prop.get("items")
            if isinstance(items, Mapping):
                words.extend(_split_name(str(n)) for n in (items.get("properties") or {}))
            types = prop.get("type")
            types = types if isinstance(types, list) else [types]
            if prop.get("format") in ("date", "date-time") or re.search(r"date|datum|day", str(name), re.I):
                kind = "date"
            elif {"number", "integer"} & set(types) or re.search(
                r"amount|total|price|sum|tax|cost|fee", str(name), re.I
            ):
                kind = "amount"
        out[str(name)] = (" ".join(words), kind)
    return out


def _split_name(name: str) -> str:
    """invoice_number, invoiceNumber, date-due -> their words."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", re.sub(r"[_\-]+", " ", name)).lower()


def rank_schema(
    pages: Mapping[int, RankedPage], schema: Mapping[str, Any], dense: DenseRanker | None = None
) -> Ranking:
    """Every page's relevance to an extraction: ranked once per field, a page scores by its best field
    relative to that field's best page, so every field's best pages come first."""
    fields = field_queries(schema)
    scores: dict[int, float | None] = {n: (0.0 if p.text.strip() else None) for n, p in pages.items()}
    why: dict[int, str] = {}
    best_of: dict[int, float] = {}
    acronyms = Acronyms([p.text for p in pages.values() if p.text.strip()])
    for name, (words, kind) in fields.items():
        ranking = _fused(pages, words, kind, dense, acronyms)
        top = max((s for s in ranking.scores.values() if s), default=0.0)
        if not top:
            continue
        for n, s in ranking.scores.items():
            if s and s / top > best_of.get(n, 0.0):
                best_of[n] = s / top
                why[n] = f"field {name}: {ranking.why.get(n, '')}"
    for n, s in best_of.items():
        scores[n] = round(s, 3)
    return Ranking(
        scores,
        why,
        unmatched="no word of any field on the page",
        note=f"pages ranked per field ({len(fields)} fields) by text, headings, outline sections and the "
        f"values the field wants; a page scores by its best field; fused by reciprocal rank (k={K})",
    )


# -- fusion ---------------------------------------------------------------------------------------------


def _fused(
    pages: Mapping[int, RankedPage],
    query: str,
    kind: str | None,
    dense: DenseRanker | None = None,
    acronyms: Acronyms | None = None,
) -> Ranking:
    numbers = [n for n, p in pages.items() if p.text.strip()]
    scores: dict[int, float | None] = {n: None for n in pages}
    if not numbers or not query.strip():
        return Ranking(scores)
    # the question's acronyms read as the document spells them out, and the other way round
    expansion = (acronyms or Acronyms([pages[n].text for n in numbers])).expand(query)
    query = expansion.query
    body = TextIndex([pages[n].text for n in numbers])
    signals: dict[str, list[float]] = {"text": body.scores(query)}
    # headings and outline titles are too short to tell their language: they take their page's
    skims = {
        "headings": ["\n".join(pages[n].headings) for n in numbers],
        "sections": ["\n".join(pages[n].sections) for n in numbers],
    }
    for name, texts in skims.items():
        if any(t.strip() for t in texts):
            signals[name] = TextIndex(texts, body.languages).scores(query)
    signals["grams"] = GramIndex([pages[n].text for n in numbers]).scores(query)
    if dense is not None:
        signals["meaning"] = dense.scores([pages[n].text for n in numbers], query)
    if kind is not None:
        found = [any(sig[i] > 0 for sig in signals.values()) for i in range(len(numbers))]
        pattern = DATES if kind == "date" else AMOUNTS
        signals["type"] = [len(pattern.findall(pages[n].text)) if found[i] else 0.0 for i, n in enumerate(numbers)]
    fused = [0.0] * len(numbers)
    why: dict[int, list[str]] = {n: [] for n in numbers}
    for name, values in signals.items():
        for i, rank in _ranks(values).items():
            fused[i] += WEIGHTS[name] * K / (K + rank)
            why[numbers[i]].append(f"{name} #{rank}")
    # an answer runs on to the next page, or the page before sets up the table that holds it: a page
    # next to a strong one ranks above the pages nothing points to
    position = {n: i for i, n in enumerate(numbers)}
    beside = [max((fused[position[m]] for m in (n - 1, n + 1) if m in position), default=0.0) for n in numbers]
    for i, rank in _ranks(beside).items():
        fused[i] += WEIGHTS["next to"] * K / (K + rank)
        why[numbers[i]].append(f"next to #{rank}")
    for i, n in enumerate(numbers):
        scores[n] = round(fused[i], 3)
    bridged = "; acronyms read as the document spells them: " + ", ".join(expansion.read) if expansion.read else ""
    return Ranking(scores, {n: ", ".join(w) for n, w in why.items() if w}, note=bridged, unmatched="")


def _ranks(values: list[float]) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) of the positive values; pages tied share a rank."""
    order = sorted((i for i, v in enumerate(values) if v > 0), key=lambda i: -values[i])
    ranks: dict[int, int] = {}
    for position, i in enumerate(order, start=1):
        previous = order[position - 2] if position > 1 else None
        ranks[i] = ranks[previous] if previous is not None and values[previous] == values[i] else position
    return ranks


def _signals_said(ranking: Ranking) -> str:
    used = {part.split(" #")[0] for why in ranking.why.values() for part in why.split(", ")}
    names = {
        "text": "text (BM25)",
        "headings": "headings and captions",
        "sections": "outline sections",
        "meaning": "meaning (the --embedding-model)",
        "grams": "word pieces (character 4-grams)",
        "type": "the dates or amounts the question asks for",
        "next to": "neighbouring pages",
    }
    return ", ".join(names[s] for s in WEIGHTS if s in used) or "text (BM25)"


# -- overview questions ---------------------------------------------------------------------------------

SUMMARY_HEADING = re.compile(
    r"summary|abstract|overview|introduction|highlights|key (figures|facts|messages)|conclusion|outlook"
    r"|foreword|preface|at a glance|zusammenfassung|einleitung|fazit|überblick|vorwort|ausblick|résumé"
    r"|synthèse|introduction|conclusion|avant-propos|samenvatting|inleiding|conclusie|resumen|introducción"
    r"|conclusi|sintesi|introduzione|概要|要約|はじめに|まとめ|摘要|概述|结论|引言",
    re.IGNORECASE,
)
CONTENTS_HEADING = re.compile(
    r"^(table of )?contents|^inhalt|inhaltsverzeichnis|sommaire|table des matières|^inhoud|índice|indice"
    r"|^目次|^目录",
    re.IGNORECASE,
)
# a top-level heading: "2. Executive Summary", "Conclusion", not "2.1 ..." (a subsection)
CHAPTER_LEVEL = re.compile(
    r"^\s*((chapter|part|kapitel|chapitre|hoofdstuk|capítulo|capitolo)\s+)?(\d+\.?|[IVX]+\.)?\s*[^\d\s.]"
)
CHAPTER_HEADING = re.compile(r"^(chapter|part|section|kapitel|chapitre|hoofdstuk|capítulo|capitolo)?\s*\d+\.?\s+\S")


def _overview(pages: Mapping[int, RankedPage]) -> Ranking:
    """A representative set, best first: the opening pages, contents, summaries and introductions,
    conclusions, chapter openings, the last page."""
    numbers = sorted(pages)
    scores: dict[int, float | None] = {n: (0.0 if pages[n].text.strip() else None) for n in numbers}
    why: dict[int, str] = {}

    def mark(n: int, score: float, reason: str) -> None:
        if scores.get(n) is not None and score > (scores[n] or 0.0):
            scores[n] = score
            why[n] = reason

    texted = [n for n in numbers if scores[n] is not None]
    for k, n in enumerate(texted[:2]):
        mark(n, 1.0 - 0.05 * k, "opening page")
    seen_sections: set[str] = set()
    for n in texted:
        page = pages[n]
        heads = [*page.headings, *page.text.splitlines()[:3]]
        if any(CONTENTS_HEADING.search(h.strip()) for h in heads):
            mark(n, 0.9, "table of contents")
        # a chapter that sums the document up, not a table caption or a subsection saying "summary"
        chapters = [h for h in page.headings if CHAPTER_LEVEL.match(h) and not CAPTION.match(h)]
        if page.sections:
            chapters.append(page.sections[0])
        if any(SUMMARY_HEADING.search(h) for h in chapters):
            mark(n, 0.85, "summary, introduction or conclusion")
        top = page.sections[0] if page.sections else None
        if top and top not in seen_sections:
            seen_sections.add(top)
            mark(n, 0.6, "first page of a chapter")
        elif any(CHAPTER_HEADING.match(h) for h in page.headings[:1]):
            mark(n, 0.5, "first page of a chapter")
    if texted:
        mark(texted[-1], 0.4, "closing page")
    return Ranking(
        scores,
        why,
        overview=True,
        unmatched="not an overview page (opening, contents, summary, chapter opening)",
        note="an overview question: kept the opening pages, contents, summaries and conclusions, and chapter openings",
    )
