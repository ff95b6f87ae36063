"""Planning one document: read what the planner needs from its pages (text layer, whether a page is all
text, relevance to the question) and hand it to the planner. Shared by `docvl plan` and the tasks."""

from __future__ import annotations

from dataclasses import dataclass

from docvl.load.document import Document
from docvl.pages import PageSelection
from docvl.plan import Plan, PlanSettings, plan_pages
from docvl.profiles import ModelProfile
from docvl.relevance import content_relevance
from docvl.render.textlayer import PageContent, read_contents
from docvl.tokens import TokenCounter


@dataclass(frozen=True)
class Planning:
    """What the planning options amount to, checked: built once per run, used for every document."""

    profile: ModelProfile
    selection: PageSelection
    settings: PlanSettings
    counter: TokenCounter


def page_contents(document: Document) -> dict[int, PageContent]:
    """The text layer of every selected page (PDF only). Not thread-safe: PyMuPDF is not; callers that
    run documents on threads hold their PDF lock around this."""
    return read_contents(document)


def plan_document(
    document: Document,
    contents: dict[int, PageContent],
    planning: Planning,
    *,
    system: str,
    user: str,
    query: str | None = None,
) -> Plan:
    """``query``: the words pages are ranked against (a question, a schema's field names) when the
    document does not fit at full resolution."""
    numbers = [p.number for p in document.pages]
    relevance = content_relevance(contents, numbers, query) if query and query.strip() else None
    return plan_pages(
        document.pages,
        profile=planning.profile,
        counter=planning.counter,
        system=system,
        user=user,
        settings=planning.settings,
        relevance=relevance,
        contents=contents,
    )
