"""The `text` engine: no model, no GPU, no weights. It reads the PDF text layer (and OCR text, when the
`ocr` extra is installed) and answers in the same reply formats a model uses, so the parse stage
treats it like any other engine.

- ask: the passages that best match the question (BM25), quoted with their pages, labelled extractive.
- extract: schema fields filled from "label: value" lines and typed patterns (amounts, dates,
  currencies, identifiers); null where nothing is found, never a guess.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from typing import Any

from docvl.engines.base import Capabilities, EngineOptions, Generation, Reply
from docvl.engines.values import find_currency, parse_amount, parse_date, parse_money
from docvl.pages import page_list
from docvl.prompt import ImagePart, PageText, Prompt
from docvl.results import EXTRACTIVE_HEADER, Usage
from docvl.tokens import TokenCounter

MAX_PASSAGES = 3

# Labels documents print for common field names, beyond the words of the name itself.
SYNONYMS: dict[str, list[str]] = {
    "invoice_number": ["invoice number", "invoice no", "invoice #", "invoice nr", "invoice id", "bill number",
                       "rechnungsnummer", "rechnung nr", "rechnungs-nr", "numéro de facture", "facture n°",
                       "facture no", "n° de facture", "factuurnummer", "factuur", "invoice"],
    "date": ["invoice date", "date of issue", "issue date", "billing date", "rechnungsdatum", "datum",
             "date de facture", "date de facturation", "factuurdatum", "date"],
    "date_due": ["due date", "payment due", "due by", "fälligkeitsdatum", "fällig am", "zahlbar bis",
                 "date d'échéance", "échéance", "vervaldatum", "te betalen voor"],
    "amount": ["grand total", "total amount due", "amount due", "total due", "balance due", "total amount",
               "invoice total", "gesamtbetrag", "rechnungsbetrag", "endbetrag", "total ttc", "net à payer",
               "montant total", "totaal", "te betalen", "total"],
    "amount_untaxed": ["subtotal", "sub-total", "sub total", "total excl", "total before tax", "net amount",
                       "nettobetrag", "netto", "total ht", "montant ht", "totaal excl", "untaxed amount"],
    "amount_tax": ["total tax", "tax amount", "vat amount", "sales tax", "mwst", "umsatzsteuer", "tva",
                   "montant tva", "btw", "tax", "vat"],
    "order_id": ["order id", "order number", "order no", "order #", "bestellnummer", "commande"],
    "vat": ["vat number", "vat no", "vat id", "vat reg", "ust-idnr", "ust-id", "ust id", "tva intracom",
            "n° tva", "btw-nummer", "btw nummer", "gstin", "vat"],
    "client_id": ["customer number", "customer no", "customer id", "client id", "account number",
                  "kundennummer", "numéro client", "klantnummer"],
    "iban": ["iban"],
    "bic": ["bic", "swift"],
    "siren": ["siren"],
}  # fmt: skip
_LEGAL_SUFFIX = re.compile(
    r"\b(inc\.?|ltd\.?|llc|gmbh|ag|b\.v\.|bv|n\.v\.|s\.a\.s\.?|sas|s\.a\.|sa|sarl|s\.r\.l\.|plc|corp\.?|"
    r"co\.|pvt\.? ltd\.?|private limited|limited|company|services)\b",
    re.IGNORECASE,
)
_ID_TOKEN = re.compile(r"[#A-Za-z0-9][\w\-/#.]*\d[\w\-/#.]*")
_QUOTED = re.compile(r"^\[Page (\d+)\] (.+)$", re.MULTILINE)
_CODE_TOKEN = re.compile(r"[A-Z]{2}[\s\dA-Z]{6,}")


class TextEngine:
    name = "text"
    model = None
    # reads the text layer (and, with the ocr extra, the images of pages that have none); answers are
    # quoted passages; one request at a time (its work is CPU here)
    capabilities = Capabilities(reads_pixels=False, parallel_requests=False, extractive=True)

    def __init__(self, options: EngineOptions | None = None) -> None:
        from docvl.render.ocr import OcrReader, ocr_available

        self.options = options or EngineOptions()
        self._ocr = OcrReader() if ocr_available() else None
        if self._ocr is not None:  # pages with no text layer are drawn for it to read
            self.capabilities = replace(type(self).capabilities, reads_textless_pages=True)

    def token_counter(self, template_overhead_tokens: int) -> TokenCounter | None:
        return None

    def describe(self) -> str:
        from docvl.render.ocr import ocr_available

        return "text (PDF text layer" + (" + OCR for scans" if ocr_available() else "") + ", no model)"

    def generate(self, prompt: Prompt, generation: Generation) -> Reply:
        start = time.perf_counter()
        page_texts, notes = self._read(prompt)
        if prompt.task == "ask":
            passages = [(page.number, chunk) for page in page_texts for chunk in _passages(page.text)]
            text = self._ask(prompt.question or "", passages)
        elif prompt.task == "reduce":
            # the windows' quoted passages, ranked again together: the best of them across the document
            passages = [(int(m.group(1)), m.group(2)) for part in prompt.partials for m in _QUOTED.finditer(part.text)]
            text = self._ask(prompt.question or "", passages)
        elif prompt.task == "extract":
            text = json.dumps(self._extract(prompt.schema or {}, page_texts), ensure_ascii=False)
        else:
            raise ValueError(f"the text engine cannot do task {prompt.task!r}")
        return Reply(
            text=text,
            finish_reason="stop",
            usage=Usage(requests=1),
            model=None,
            seconds=time.perf_counter() - start,
            notes=notes,
        )

    def _read(self, prompt: Prompt) -> tuple[list[PageText], list[str]]:
        """The pages' text: the text layer, or for a page without one the OCR of its image (drawn for this
        engine when the ocr extra is installed); notes for the pages read so and those left unread."""
        images = {part.page.number: part.page for part in prompt.parts if isinstance(part, ImagePart)}
        empty = [p.number for p in prompt.page_texts if not p.text.strip()]
        if not empty:
            return prompt.page_texts, []
        notes = []
        texts = {p.number: p.text for p in prompt.page_texts}
        reader = self._ocr
        read = [n for n in empty if n in images] if reader is not None else []
        for n in read:
            texts[n] = reader.read(images[n].image) if reader is not None else ""
        if read:
            notes.append(f"page(s) {page_list(read)} have no text layer: read with OCR")
        unread = [n for n in empty if not texts[n].strip()]
        if unread:
            hint = "use a model engine (--server)" + ("" if self._ocr is not None else " or pip install 'docvl[ocr]'")
            notes.append(f"page(s) {page_list(unread)} have no readable text (scanned?): {hint}")
        return [PageText(p.number, texts[p.number]) for p in prompt.page_texts], notes

    def close(self) -> None:
        pass

    # ask ------------------------------------------------------------------------------------------

    def _ask(self, question: str, passages: list[tuple[int, str]]) -> str:
        if not passages or not question.strip():
            return "The document has no text this engine can read.\nPages: none"
        from docvl.textindex import TextIndex, detect_language  # imported here: only the text engine's ask needs it

        # a passage (three lines) is too short to tell its language: its page's passages together say it
        by_page: dict[int, list[str]] = {}
        for number, chunk in passages:
            by_page.setdefault(number, []).append(chunk)
        page_language = {number: detect_language("\n".join(chunks)) for number, chunks in by_page.items()}
        ranked = TextIndex([chunk for _, chunk in passages], [page_language[number] for number, _ in passages])
        picked = ranked.top(question, MAX_PASSAGES)  # empty when nothing matches, never an exception
        if not picked:
            return "No passage of the document matches the question.\nPages: none"
        lines = [EXTRACTIVE_HEADER + ":"]
        cited: list[int] = []
        for index, _ in picked:
            number, chunk = passages[index]
            lines.append(f"[Page {number}] {chunk}")
            cited.append(number)
        lines.append("Pages: " + ", ".join(str(n) for n in dict.fromkeys(cited)))
        return "\n".join(lines)

    # extract --------------------------------------------------------------------------------------

    def _extract(self, schema: dict[str, Any], pages: list[PageText]) -> dict[str, Any]:
        properties = schema.get("properties", {})
        out: dict[str, Any] = {}
        sources: dict[str, list[int]] = {}
        for name, prop in properties.items():
            prop = _resolve(prop, schema)
            value, page = _find_field(name, prop, pages)
            out[name] = value
            if value is not None and page is not None:
                sources[name] = [page]
        out["_pages"] = sources
        return out


def _passages(text: str, size: int = 3) -> list[str]:
    """Overlapping runs of ``size`` non-empty lines: small enough to quote, big enough to hold an answer.
    Lines are the text layer's, so this works for scripts written without spaces too; lines are joined with
    a space, except between two CJK characters, where a space would split a word in the quote."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) <= size:
        return [_join(lines)] if lines else []
    starts = list(range(0, len(lines) - size + 1, max(1, size - 1)))
    if starts[-1] + size < len(lines):
        starts.append(len(lines) - size)  # an even number of lines: the last one was in no passage
    return [_join(lines[i : i + size]) for i in starts]


_CJK_CHAR = re.compile("[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e\u3000-\u303f]")


def _join(lines: list[str]) -> str:
    out = lines[0] if lines else ""
    for line in lines[1:]:
        out += ("" if _CJK_CHAR.match(out[-1]) and _CJK_CHAR.match(line[0]) else " ") + line
    return out


def _resolve(prop: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    # the extract task sends {"anyOf": [original, {"type": "null"}]}: look through that wrapper
    branches = prop.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        prop = next(b for b in branches if b != {"type": "null"})
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = schema
        for key in ref[2:].split("/"):
            target = target.get(key, {}) if isinstance(target, dict) else {}
        merged = {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
        return merged
    return prop


def _types(prop: dict[str, Any]) -> set[str]:
    t = prop.get("type")
    types = set(t) if isinstance(t, list) else {t} if t else set()
    for sub in prop.get("anyOf", []) + prop.get("oneOf", []):
        if isinstance(sub, dict) and "type" in sub:
            st = sub["type"]
            types |= set(st) if isinstance(st, list) else {st}
    return types


def _labels(name: str, prop: dict[str, Any]) -> list[str]:
    words = name.replace("-", "_").split("_")
    labels = [*SYNONYMS.get(name, []), " ".join(words)]
    if prop.get("title"):
        labels.append(str(prop["title"]))
    # longest first, so "invoice date" wins over "date"
    return sorted(dict.fromkeys(label.lower() for label in labels if label.strip()), key=len, reverse=True)


def _find_field(name: str, prop: dict[str, Any], pages: list[PageText]) -> tuple[Any, int | None]:
    types = _types(prop)
    if types & {"array", "object"} and not types & {"string", "number", "integer"}:
        return None, None  # tables and nested records need a model
    if name.lower() in {"currency", "currency_code"} or prop.get("pattern") == "^[A-Z]{3}$":
        for page in pages:
            code = find_currency(page.text)
            if code:
                return code, page.number
        return None, None
    if name.lower() in {"issuer", "vendor", "seller", "supplier", "company", "company_name", "vendor_name"}:
        return _company(pages)
    labels = _labels(name, prop)
    for label in labels:
        pattern = re.compile(
            r"(?<![\w])" + re.escape(label).replace(r"\ ", r"\s*") + r"(?![\w])(\s*[:#.\-]?\s*)(.*)", re.I
        )
        for page in pages:
            lines = [ln.strip() for ln in page.text.splitlines()]
            for i, line in enumerate(lines):
                m = pattern.search(line)
                if not m or _wrong_total(name, line):
                    continue
                separator, value = m.group(1), m.group(2)
                if _free_text(name, prop, types) and _in_prose(line, label, separator, value):
                    continue
                rest = [value, *lines[i + 1 : i + 3]]
                for candidate in rest:
                    value = _typed(name, prop, types, candidate)
                    if value is not None:
                        return value, page.number
    return None, None


def _in_prose(line: str, label: str, separator: str, value: str) -> bool:
    """Free text needs "Label: value", or a line holding only the label with the value below it (a form
    or table cell): the same word in running prose is not a label."""
    if value.strip():
        return ":" not in separator
    return len(line) > len(label) + 3


def _free_text(name: str, prop: dict[str, Any], types: set[str]) -> bool:
    typed = (
        prop.get("format")
        or prop.get("pattern")
        or types & {"number", "integer"}
        or name.startswith(("date", "amount"))
    )
    return not typed and not re.search(r"(number|_no|_nr|_id|^id$|iban|bic|vat|siren)", name)


def _wrong_total(name: str, line: str) -> bool:
    """A line labelled 'total' that is a subtotal or tax line is not the total due."""
    if name != "amount":
        return False
    lowered = line.lower()
    return any(word in lowered for word in ("sub", "tax", "vat", "net", "excl", "mwst", "tva", "btw", "before"))


def _typed(name: str, prop: dict[str, Any], types: set[str], text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if prop.get("format") == "date" or (name.startswith("date") and "string" in types):
        return parse_date(text)
    identifier = re.search(r"(number|_no|_nr|_id|^id$|iban|bic|vat|siren)", name)
    if types & {"number", "integer"} and not identifier:
        value = parse_money(text) if "number" in types else parse_amount(text)
        if value is None:
            return None
        return int(value) if types == {"integer"} and value.is_integer() else value
    if identifier:
        if name in {"vat", "iban"}:  # country prefix + digits, or a long run of digits; never an amount
            match = _CODE_TOKEN.search(text) or re.search(r"\b\d{8,}\b", text)
        else:
            match = _ID_TOKEN.search(text)
        return match.group(0).strip().rstrip(".,;") if match else None
    if "string" in types or not types:
        phrase = re.split(r"\s{2,}", text)[0].strip(" :")
        if sum(ch.isalnum() for ch in phrase) < 2:  # punctuation left over from a label is not a value
            return None
        return phrase[:120]
    return None


def _company(pages: list[PageText]) -> tuple[str | None, int | None]:
    """The issuer is usually the first line on the first page carrying a legal form (Inc., GmbH, B.V.)."""
    for page in pages[:2]:
        for line in page.text.splitlines():
            line = line.strip()
            if 3 <= len(line) <= 80 and _LEGAL_SUFFIX.search(line) and not re.search(r"\d{3,}", line):
                return line, page.number
    return None, None
