"""Labelled data for `docvl eval`, read from the formats users bring, into one typed shape.

QA: docvl's own (a folder of NAME.pdf + NAME.qa.json, as tests/corpus/longdoc), a plain CSV or JSONL of
`file, question, answer[, pages]`, DocVQA / MP-DocVQA (`{"data": [{"questionId", "question", "answers",
"image" | "doc_id", "answer_page_idx"}]}`) and MMLongBench-Doc (a list of `{"doc_id", "question", "answer",
"answer_format", "evidence_pages", "evidence_sources"}`). Extraction: a folder of NAME.pdf + NAME.json
golden records (invoice2data writes a list of one record), or a JSONL of `{"file": ..., fields...}`.
Files are found relative to the dataset. A dataset that is none of these, or an item missing a field,
is one DatasetError naming the file, the item and the field.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docvl.errors import UsageError
from docvl.load.sniff import DOCUMENT_EXTENSIONS


class DatasetError(UsageError):
    code = "dataset"


@dataclass
class QAItem:
    id: str
    file: Path
    question: str
    answers: list[Any]  # any one of them is right
    kind: str | None = None  # int, float, str, list, date (None: from the answer)
    pages: list[int] = field(default_factory=list)  # evidence pages, 1-based
    source: str | None = None  # where the evidence is: text, table, chart, image... (for the breakdown)
    strict: bool = False  # scored by ANLS alone, as DocVQA scores (no gold found inside a longer answer)

    @property
    def answerable(self) -> bool:
        return not any(isinstance(a, str) and a.strip().casefold() == "not answerable" for a in self.answers)


@dataclass
class ExtractItem:
    id: str
    file: Path
    gold: dict[str, Any]


def load_qa(path: Path) -> tuple[str, list[QAItem]]:
    """(format name, items) of the QA dataset at ``path``; a dataset without items is a DatasetError."""
    name, items = _load_qa(path)
    if not items:
        raise DatasetError("the dataset holds no items", path=path, fix="check the file: one question per item")
    return name, items


def _load_qa(path: Path) -> tuple[str, list[QAItem]]:
    if path.is_dir():
        files = sorted(path.rglob("*.qa.json"))
        if not files:
            raise DatasetError(
                f"{path}: no NAME.qa.json files (docvl's QA format)",
                path=path,
                fix="give a folder of NAME.pdf + NAME.qa.json, or a .csv/.jsonl/.json dataset file",
            )
        return "docvl", [item for qa in files for item in _docvl_qa(qa)]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            return "csv", [_plain(path, i, row) for i, row in enumerate(csv.DictReader(fh), 1)]
    if suffix == ".jsonl":
        return "jsonl", [_plain(path, i, row) for i, row in enumerate(_jsonl(path), 1)]
    if path.name.endswith(".qa.json"):
        return "docvl", _docvl_qa(path)
    data = _json(path)
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return "docvqa", [_docvqa(path, i, item) for i, item in enumerate(data["data"], 1)]
    if isinstance(data, list) and data and isinstance(data[0], dict) and "answer_format" in data[0]:
        return "mmlongbench", [_mmlongbench(path, i, item) for i, item in enumerate(data, 1)]
    raise DatasetError(
        "not a QA dataset docvl reads",
        path=path,
        fix="use docvl's NAME.qa.json, a CSV/JSONL of file,question,answer[,pages], DocVQA/MP-DocVQA "
        '({"data": [...]}) or MMLongBench-Doc (a list with answer_format)',
    )


def load_extract(path: Path) -> list[ExtractItem]:
    if path.is_dir():
        items = []
        for gold in sorted(path.glob("*.json")):
            if gold.name in ("manifest.json",) or gold.name.endswith(".qa.json"):
                continue
            document = _document_beside(gold, gold.stem)
            if document is None:
                continue  # a schema or another file: only NAME.json beside NAME.pdf is a golden record
            data = _json(gold)
            record = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else data
            if not isinstance(record, dict):
                raise DatasetError(
                    "a golden record is a JSON object (or a list of one)", path=gold, fix="see docvl eval --help"
                )
            items.append(ExtractItem(gold.stem, document, record))
        if not items:
            raise DatasetError(
                f"{path}: no NAME.json golden records beside NAME.pdf", path=path, fix="see docvl eval extract --help"
            )
        return items
    if path.suffix.lower() == ".jsonl":
        out = []
        for i, row in enumerate(_jsonl(path), 1):
            file = _need(row, "file", path, i)
            out.append(ExtractItem(f"{i}", _resolve(path, str(file), i), {k: v for k, v in row.items() if k != "file"}))
        if not out:
            raise DatasetError("the dataset holds no items", path=path, fix="one golden record per line")
        return out
    raise DatasetError(
        "not an extraction dataset docvl reads",
        path=path,
        fix='give a folder of NAME.pdf + NAME.json golden records, or a JSONL of {"file": ..., fields...}',
    )


# -- formats ----------------------------------------------------------------------------------------------


def _docvl_qa(qa: Path) -> list[QAItem]:
    data = _json(qa)
    if not isinstance(data, list):
        raise DatasetError("a .qa.json file holds a list of questions", path=qa, fix="see tests/corpus/longdoc")
    name = qa.name.removesuffix(".qa.json")
    document = _document_beside(qa, name)
    if document is None:
        raise DatasetError(
            f"no document {name}.pdf (or image) beside it", path=qa, fix="put the document beside its questions"
        )
    items = []
    for i, item in enumerate(data, 1):
        answer = _need(item, "answer", qa, i)
        items.append(
            QAItem(
                id=f"{name}#{i}",
                file=document,
                question=str(_need(item, "question", qa, i)),
                answers=answer if isinstance(answer, list) and item.get("answer_type") != "list" else [answer],
                kind=_docvl_kind(item.get("answer_type"), answer),
                pages=_pages(item.get("pages"), qa, i),
                source=item.get("source"),
            )
        )
    return items


def _docvl_kind(answer_type: str | None, answer: Any) -> str | None:
    if answer_type == "number":
        return (
            "float"
            if isinstance(answer, float) and not answer.is_integer()
            else "int"
            if isinstance(answer, int)
            else "float"
        )
    return {"date": "date", "text": "str", "list": "list"}.get(answer_type or "")


def _plain(path: Path, i: int, row: dict[str, Any]) -> QAItem:
    file = _need(row, "file", path, i)
    answer = _need(row, "answer", path, i)
    return QAItem(
        id=str(row.get("id") or i),
        file=_resolve(path, str(file), i),
        question=str(_need(row, "question", path, i)),
        answers=answer if isinstance(answer, list) else [answer],
        kind=row.get("answer_type") or row.get("type") or None,
        pages=_pages(row.get("pages"), path, i),
        source=row.get("source") or None,
    )


def _docvqa(path: Path, i: int, item: dict[str, Any]) -> QAItem:
    answers = _need(item, "answers", path, i)
    if "image" in item:  # DocVQA: one page image per question
        file, pages = _resolve(path, str(item["image"]), i), [1]
    else:  # MP-DocVQA: the document's pages as images; docvl reads it as one PDF named by doc_id
        doc_id = str(_need(item, "doc_id", path, i))
        found = _document_beside(path, doc_id) or _document_beside(path.parent / "documents" / "x", doc_id)
        if found is None:
            raise DatasetError(
                f"item {i}: no document {doc_id}.pdf beside the dataset or in documents/",
                path=path,
                fix="MP-DocVQA ships page images: join each document's pages (page_ids, in order) into DOC_ID.pdf, "
                "e.g. with img2pdf",
            )
        index = item.get("answer_page_idx")
        file, pages = found, [int(index) + 1] if isinstance(index, int) else []
    return QAItem(
        id=str(item.get("questionId", i)),
        file=file,
        question=str(_need(item, "question", path, i)),
        answers=list(answers) if isinstance(answers, list) else [answers],
        kind="str",
        pages=pages,
        source=", ".join(item["question_types"]) if isinstance(item.get("question_types"), list) else None,
        strict=True,
    )


MMLB_KINDS = {"int": "int", "float": "float", "str": "str", "list": "list", "none": "none"}


def _mmlongbench(path: Path, i: int, item: dict[str, Any]) -> QAItem:
    doc_id = str(_need(item, "doc_id", path, i))
    file = _document_beside(path, Path(doc_id).stem) or _resolve(path.parent / "documents" / "x", doc_id, i)
    fmt = str(item.get("answer_format", "Str")).strip().lower()
    answer = _need(item, "answer", path, i)
    if fmt == "list" and isinstance(answer, str):
        with contextlib.suppress(ValueError, SyntaxError):
            answer = ast.literal_eval(answer)
    sources = item.get("evidence_sources")
    if isinstance(sources, str):
        try:
            sources = ast.literal_eval(sources)
        except (ValueError, SyntaxError):
            sources = [sources]
    return QAItem(
        id=f"{doc_id}#{i}",
        file=file,
        question=str(_need(item, "question", path, i)),
        answers=["Not answerable"] if fmt == "none" else [answer],
        kind=MMLB_KINDS.get(fmt, "str"),
        pages=_pages(item.get("evidence_pages"), path, i),
        source=", ".join(sorted(map(str, sources))) if isinstance(sources, list) and sources else None,
    )


# -- helpers ----------------------------------------------------------------------------------------------


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError("no such file", path=path, fix="check the path") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"not valid JSON ({exc})", path=path, fix="fix or regenerate the file") from None


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise DatasetError(f"line {n} is not JSON ({exc})", path=path, fix="one JSON object per line") from None
        if not isinstance(row, dict):
            raise DatasetError(f"line {n} is not a JSON object", path=path, fix="one JSON object per line")
        rows.append(row)
    return rows


def _need(item: Any, name: str, path: Path, i: int) -> Any:
    if not isinstance(item, dict) or name not in item or item[name] in (None, ""):
        raise DatasetError(f"item {i} has no {name!r}", path=path, fix=f"give every item a {name!r} field")
    return item[name]


def _pages(value: Any, path: Path, i: int) -> list[int]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            value = (
                ast.literal_eval(value.strip())
                if value.strip().startswith("[")
                else [int(p) for p in value.replace(";", ",").split(",")]
            )
        except (ValueError, SyntaxError):
            raise DatasetError(
                f"item {i}: pages {value!r} is not a list of page numbers", path=path, fix="e.g. [3, 4] or 3,4"
            ) from None
    if isinstance(value, int):
        value = [value]
    try:
        return [int(p) for p in value]
    except (TypeError, ValueError):
        raise DatasetError(
            f"item {i}: pages {value!r} is not a list of page numbers", path=path, fix="e.g. [3, 4]"
        ) from None


def _resolve(dataset: Path, name: str, i: int) -> Path:
    file = Path(name)
    if not file.is_absolute():
        file = dataset.parent / file
    if not file.exists():
        raise DatasetError(
            f"item {i}: document {name} not found", path=dataset, fix="paths are relative to the dataset file"
        )
    return file


def _document_beside(anchor: Path, name: str) -> Path | None:
    for ext in sorted(DOCUMENT_EXTENSIONS):
        candidate = anchor.with_name(name + ext)
        if candidate.exists():
            return candidate
    return None
