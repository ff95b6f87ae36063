"""`ask`: one question, one answer, and the pages it rests on.

When a long document does not fit, the plan keeps the pages that best match the question. If the model
answers that those pages do not hold the answer ("Pages: none", the marker the prompt asks for) and pages
were left out, docvl looks again at the next best pages not yet sent, up to ``max_requests`` looks in all;
every look is recorded in the result's ``rounds``. Map-reduce reads every page already, so it never
widens, and neither does the text engine (it quotes what matches; it cannot say "not here").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docvl.engines.base import Engine, Reply
from docvl.errors import DocumentTimeout, EngineRequestError, InputError
from docvl.grounding import ground_answer
from docvl.load.document import Document
from docvl.pages import page_list
from docvl.parse import Citations, cite_pages, split_reasoning
from docvl.planner import Plan
from docvl.planning import Planning
from docvl.prompt import ASK_INSTRUCTIONS, PartialAnswer, ask_prompt, reduce_prompt
from docvl.results import DocumentResult, ErrorItem, Round
from docvl.tasks.pipeline import DocumentOptions, TaskRun, page_reader, picture_reader

DEFAULT_MAX_REQUESTS = 3


@dataclass
class AskOptions(DocumentOptions):
    question: str = ""
    max_requests: int = DEFAULT_MAX_REQUESTS  # looks at a long document, the first included


def ask_user_text(question: str) -> str:
    """The request's text besides the pages: what the plan reserves tokens for (also checked up front)."""
    return f"Question: {question}\n\n{ASK_INSTRUCTIONS}"


def ask_document(path: Path, options: AskOptions, *, engine: Engine, planning: Planning) -> DocumentResult:
    """Never raises for a problem with this document: the result says what went wrong."""
    result = DocumentResult(path=str(path), task="ask", status="failed", question=options.question, engine=engine.name)
    run = TaskRun(result, options, engine, planning)
    with run.guarded():
        user = ask_user_text(options.question)
        doc, plan = run.load_and_plan(path, user, query=options.question)
        looks = _Looks(run, options, result)
        answer = looks.look(doc, plan, widen=False)
        sent = {p.number for p in plan.pages}
        # an extractive engine quotes what matches and never says "not in these pages"
        can_widen = not engine.capabilities.extractive and planning.settings.strategy != "map-reduce"
        while can_widen and answer.none and not answer.pages and plan.dropped:
            if len(result.rounds) >= options.max_requests:
                result.warnings.append(
                    f"the model found no answer in the {len(sent)} page(s) it was sent; "
                    f"{len(doc.pages) - len(sent)} page(s) were never sent (raise --max-requests to look further)"
                )
                break
            plan = run.replan(doc, user, query=options.question, exclude=sent)
            # the pages left fit whole (unranked), or some of them match: look; else nothing is left to try
            if not plan.fits_whole and not any(p.score for p in plan.pages):
                break
            try:
                answer = looks.look(doc, plan, widen=True)
            except (InputError, DocumentTimeout, EngineRequestError) as exc:
                # a failed or timed-out wider look keeps what the first look found; anything else is a
                # bug, reported as an internal error by run.guarded
                result.warnings.append(
                    f"the wider look at page(s) {page_list([p.number for p in plan.pages])} failed: {exc}"
                )
                looks.failed = True
                break
            sent |= {p.number for p in plan.pages}
        result.answer, result.pages = answer.text, answer.pages
        result.reasoning = "\n\n".join(looks.reasoning) or None
        result.extractive = engine.capabilities.extractive
        if result.answer and (result.pages or result.extractive):
            read = page_reader(doc, options)
            result.evidence = ground_answer(
                result.answer,
                result.pages,
                read,
                extractive=result.extractive,
                pictured=picture_reader(doc, options, read),
            )
        result.status = "ok"
        if not (result.answer or "").strip():
            result.status = "partial"
            hint = (
                " (the reply went to reasoning_content: check the server's --reasoning-parser)"
                if looks.reasoning
                else ""
            )
            result.errors.append(ErrorItem(code="empty", message=f"the model returned an empty answer{hint}"))
        if looks.failed:
            result.status = "partial"
            result.errors.append(
                ErrorItem(
                    code="widen",
                    message="the model found nothing in the first pages and the wider look failed",
                    fix="raise --document-timeout, or look at the warning",
                )
            )
        if looks.truncated:
            result.status = "partial"
            result.errors.append(
                ErrorItem(
                    code="truncated", message="the answer hit --max-output and was cut off", fix="raise --max-output"
                )
            )
    return result


class _Looks:
    """One look at a document: every window of a plan, then a reduce call when several found something."""

    def __init__(self, run: TaskRun, options: AskOptions, result: DocumentResult) -> None:
        self.run, self.options, self.result = run, options, result
        self.reasoning: list[str] = []
        self.truncated = False
        self.failed = False  # a wider look raised

    def read(self, reply: Reply, sent: list[int]) -> Citations:
        answer, inline_reasoning = split_reasoning(reply.text)
        self.reasoning.extend(trace for trace in (reply.reasoning, inline_reasoning) if trace)
        self.truncated = self.truncated or reply.finish_reason == "length"
        cites = cite_pages(answer, sent)
        if cites.unknown:
            self.result.warnings.append(
                f"the answer cites page(s) {', '.join(map(str, cites.unknown))} that were not sent; ignored"
            )
        return cites

    def look(self, doc: Document, plan: Plan, *, widen: bool) -> Citations:
        run, question = self.run, self.options.question
        answers: list[PartialAnswer] = []
        cites_of: list[Citations] = []
        for window in run.windows(doc, plan):
            reply = run.generate(ask_prompt(run.system, question, window.pages, window.texts), window, widen=widen)
            cites = self.read(reply, window.numbers)
            cites_of.append(cites)
            answers.append(PartialAnswer(window.numbers[0], window.numbers[-1], cites.text, cites.pages))
        found = [a for a in answers if a.pages]
        if len(found) > 1:
            # map-reduce: one more call combines what the windows found, citing the document's own pages
            reply = run.generate(reduce_prompt(run.system, question, answers), None)
            chosen = self.read(reply, [p.number for p in plan.pages])
        else:  # one window, or only one that found anything: its answer is the answer
            index = answers.index(found[0]) if found else 0
            chosen = cites_of[index]
        self.result.rounds.append(
            Round(round=len(self.result.rounds) + 1, pages=[p.number for p in plan.pages], found=bool(chosen.pages))
        )
        return chosen
