"""`ask`: one question, one answer, and the pages it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docvl.engines.base import Engine
from docvl.parse import cite_pages, split_reasoning
from docvl.prompt import ASK_INSTRUCTIONS, ask_prompt
from docvl.results import DocumentResult, ErrorItem
from docvl.tasks.common import DocumentOptions, TaskRun


@dataclass
class AskOptions(DocumentOptions):
    question: str = ""


def ask_document(path: Path, options: AskOptions, *, engine: Engine, planning) -> DocumentResult:
    """Never raises for a problem with this document: the result says what went wrong."""
    result = DocumentResult(path=str(path), task="ask", status="failed", question=options.question, engine=engine.name)
    run = TaskRun(result, options, engine, planning)
    with run.guarded():
        doc, plan = run.load_and_plan(
            path, f"Question: {options.question}\n\n{ASK_INSTRUCTIONS}", query=options.question
        )
        answers: list[tuple[str, list[int]]] = []
        reasoning: list[str] = []
        truncated = False
        for window in run.windows(doc, plan):
            reply = run.generate(ask_prompt(run.system, options.question, window.pages, window.texts), window)
            answer, inline_reasoning = split_reasoning(reply.text)
            reasoning.extend(trace for trace in (reply.reasoning, inline_reasoning) if trace)
            truncated = truncated or reply.finish_reason == "length"
            cites = cite_pages(answer, window.numbers)
            if cites.unknown:
                result.warnings.append(
                    f"the answer cites page(s) {', '.join(map(str, cites.unknown))} that were not sent; ignored"
                )
            answers.append((cites.text, cites.pages))
        result.reasoning = "\n\n".join(reasoning) or None
        result.extractive = engine.reads == "text"
        if len(answers) == 1:
            result.answer, result.pages = answers[0]
        else:
            # One answer per window until map-reduce lands: those that cite pages are kept, with them.
            chosen = [(text, pages) for text, pages in answers if pages] or answers
            result.answer = "\n\n".join(text for text, _ in chosen)
            result.pages = sorted({n for _, pages in chosen for n in pages})
            result.warnings.append(
                f"the document needed {len(answers)} requests; the answers of those that cite pages are joined"
            )
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
