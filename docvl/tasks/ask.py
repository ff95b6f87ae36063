"""`ask`: one question, one answer, and the pages it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docvl.engines.base import Engine, Reply
from docvl.parse import Citations, cite_pages, split_reasoning
from docvl.planning import Planning
from docvl.prompt import ASK_INSTRUCTIONS, PartialAnswer, ask_prompt, reduce_prompt
from docvl.results import DocumentResult, ErrorItem
from docvl.tasks.common import DocumentOptions, TaskRun


@dataclass
class AskOptions(DocumentOptions):
    question: str = ""


def ask_document(path: Path, options: AskOptions, *, engine: Engine, planning: Planning) -> DocumentResult:
    """Never raises for a problem with this document: the result says what went wrong."""
    result = DocumentResult(path=str(path), task="ask", status="failed", question=options.question, engine=engine.name)
    run = TaskRun(result, options, engine, planning)
    with run.guarded():
        doc, plan = run.load_and_plan(
            path, f"Question: {options.question}\n\n{ASK_INSTRUCTIONS}", query=options.question
        )
        answers: list[PartialAnswer] = []
        reasoning: list[str] = []
        truncated = False

        def read(reply: Reply, sent: list[int]) -> Citations:
            nonlocal truncated
            answer, inline_reasoning = split_reasoning(reply.text)
            reasoning.extend(trace for trace in (reply.reasoning, inline_reasoning) if trace)
            truncated = truncated or reply.finish_reason == "length"
            cites = cite_pages(answer, sent)
            if cites.unknown:
                result.warnings.append(
                    f"the answer cites page(s) {', '.join(map(str, cites.unknown))} that were not sent; ignored"
                )
            return cites

        for window in run.windows(doc, plan):
            reply = run.generate(ask_prompt(run.system, options.question, window.pages, window.texts), window)
            cites = read(reply, window.numbers)
            answers.append(PartialAnswer(window.numbers[0], window.numbers[-1], cites.text, cites.pages))
        found = [a for a in answers if a.pages]
        if len(found) > 1:
            # map-reduce: one more call combines what the windows found, citing the document's own pages
            reply = run.generate(reduce_prompt(run.system, options.question, answers), None)
            cites = read(reply, [p.number for p in plan.pages])
            result.answer, result.pages = cites.text, cites.pages
        else:  # one window, or only one that found anything: its answer is the answer
            chosen = (found or answers)[0]
            result.answer, result.pages = chosen.text, chosen.pages
        result.reasoning = "\n\n".join(reasoning) or None
        result.extractive = engine.reads == "text"
        result.status = "ok"
        if not (result.answer or "").strip():
            result.status = "partial"
            hint = " (the reply went to reasoning_content: check the server's --reasoning-parser)" if reasoning else ""
            result.errors.append(ErrorItem(code="empty", message=f"the model returned an empty answer{hint}"))
        if truncated:
            result.status = "partial"
            result.errors.append(
                ErrorItem(
                    code="truncated", message="the answer hit --max-output and was cut off", fix="raise --max-output"
                )
            )
    return result
