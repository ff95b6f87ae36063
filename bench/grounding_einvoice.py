"""Grounding on e-invoices nobody here wrote: Factur-X / ZUGFeRD PDFs carry their own golden record.

    python bench/grounding_einvoice.py FOLDER [FOLDER ...]

A Factur-X or ZUGFeRD invoice is a PDF whose embedded XML (UN/CEFACT CII, any version: ZUGFeRD 1,
ZUGFeRD 2 / Factur-X, XRechnung) holds the invoice's data, so every such PDF is a labelled test case that
no one here chose or laid out. Public collections: https://github.com/ZUGFeRD/corpus (Apache-2.0),
the FNFE Factur-X examples, Mustang's samples. For each PDF the bench reads from the XML what an
extraction schema asks for (invoice number and date, due date, seller and buyer names, seller VAT id,
IBAN, currency, net, tax, grand and due totals; each line item's name, quantity and net amount) in the
form a model returns it (ISO dates, floats, codes, ids without spaces), looks for each value on the
pages with docvl.grounding.find, and reads each box back with PyMuPDF (bench/grounding.py's `holds`).

The XML may hold what the page does not print (a buyer's VAT id, an amount the layout leaves out):
such values are counted apart when the page text holds no trace of them (their digits, or their words,
nowhere on any page), and each miss is listed with what the page shows so it can be checked by eye.
Duplicate files (the same PDF under two names) are read once.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from grounding import boxed_text, holds

from docvl.grounding import PageWords, _norm, find, leaves
from docvl.load import load_document
from docvl.load.textlayer import page_words_of
from docvl.printed_values import currency_codes, month_names

# CII element paths by local name; ZUGFeRD 1 names the document header HeaderExchangedDocument and the
# settlement ApplicableSupplyChainTradeSettlement, ZUGFeRD 2 ExchangedDocument / ApplicableHeaderTradeSettlement.
HEADER = ("ExchangedDocument", "HeaderExchangedDocument")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first(root: ET.Element, *paths: tuple[str, ...]) -> ET.Element | None:
    """The first element reached by one of the paths of local names (any depth before the first name)."""
    for path in paths:
        for start in root.iter():
            if _local(start.tag) != path[0]:
                continue
            node: ET.Element | None = start
            for name in path[1:]:
                node = next((c for c in node if _local(c.tag) == name), None) if node is not None else None
            if node is not None and (node.text or "").strip():
                return node
    return None


def _text(root: ET.Element, *paths: tuple[str, ...]) -> str | None:
    node = _first(root, *paths)
    return " ".join(node.text.split()) if node is not None and node.text else None


def _day(root: ET.Element, *paths: tuple[str, ...]) -> str | None:
    raw = _text(root, *paths)
    if raw and re.fullmatch(r"\d{8}", raw):
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:])).isoformat()
        except ValueError:
            return None
    return None


def _amount(root: ET.Element, *paths: tuple[str, ...]) -> float | None:
    raw = _text(root, *paths)
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def golden(xml: bytes) -> dict:
    """What an invoice schema asks for, as a model returns it, read from the CII XML."""
    root = ET.fromstring(xml)
    seller = next((e for e in root.iter() if _local(e.tag) == "SellerTradeParty"), None)
    buyer = next((e for e in root.iter() if _local(e.tag) == "BuyerTradeParty"), None)
    vat = None
    if seller is not None:
        for reg in (e for e in seller.iter() if _local(e.tag) == "SpecifiedTaxRegistration"):
            for node in reg:
                if _local(node.tag) == "ID" and node.get("schemeID") == "VA" and node.text:
                    vat = re.sub(r"\s", "", node.text)
    iban = _text(root, ("PayeePartyCreditorFinancialAccount", "IBANID"))
    record = {
        "invoice_number": _text(root, *((h, "ID") for h in HEADER)),
        "invoice_date": _day(root, *((h, "IssueDateTime", "DateTimeString") for h in HEADER)),
        "due_date": _day(root, ("SpecifiedTradePaymentTerms", "DueDateDateTime", "DateTimeString")),
        "seller_name": _text(seller, ("SellerTradeParty", "Name")) if seller is not None else None,
        "buyer_name": _text(buyer, ("BuyerTradeParty", "Name")) if buyer is not None else None,
        "seller_vat_id": vat,
        "iban": re.sub(r"\s", "", iban) if iban else None,
        "currency": _text(root, ("ApplicableHeaderTradeSettlement", "InvoiceCurrencyCode"),
                          ("ApplicableSupplyChainTradeSettlement", "InvoiceCurrencyCode")),
        "total_net": _amount(root, ("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxBasisTotalAmount"),
                             ("SpecifiedTradeSettlementMonetarySummation", "TaxBasisTotalAmount")),
        "total_tax": _amount(root, ("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxTotalAmount"),
                             ("SpecifiedTradeSettlementMonetarySummation", "TaxTotalAmount")),
        "total_gross": _amount(root, ("SpecifiedTradeSettlementHeaderMonetarySummation", "GrandTotalAmount"),
                               ("SpecifiedTradeSettlementMonetarySummation", "GrandTotalAmount")),
        "amount_due": _amount(root, ("SpecifiedTradeSettlementHeaderMonetarySummation", "DuePayableAmount"),
                              ("SpecifiedTradeSettlementMonetarySummation", "DuePayableAmount")),
    }  # fmt: skip
    lines = []
    for item in (e for e in root.iter() if _local(e.tag) == "IncludedSupplyChainTradeLineItem"):
        quantity = _amount(item, ("SpecifiedLineTradeDelivery", "BilledQuantity"),
                           ("SpecifiedSupplyChainTradeDelivery", "BilledQuantity"))  # fmt: skip
        lines.append({
            "description": _text(item, ("SpecifiedTradeProduct", "Name")),
            "quantity": quantity,
            "net_amount": _amount(item, ("SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"),
                                  ("SpecifiedSupplyChainTradeSettlement", "SpecifiedTradeSettlementMonetarySummation", "LineTotalAmount")),
        })  # fmt: skip
    if lines:
        record["lines"] = lines
    return record


def embedded_xml(raw: pymupdf.Document) -> bytes | None:
    for i in range(raw.embfile_count()):
        name = raw.embfile_info(i)["filename"].lower()
        if name.endswith(".xml"):
            return raw.embfile_get(i)
    return None


def trace(value, text: str) -> bool:
    """Some trace of the value in the pages' text, however printed: a number's digits as one printed
    number (trailing zeros aside: 1.0 is "1,0000"), a date's four-digit year, a string's words of three
    letters or more. A value with none is not printed (the XML holds more than the page shows)."""
    if isinstance(value, float):
        digits = re.sub(r"\D", "", f"{abs(value):.2f}").rstrip("0").lstrip("0")
        printed = (re.sub(r"\D", "", t).rstrip("0").lstrip("0") for t in re.findall(r"\d[\d.,' ]*", text))
        return any(p == digits for p in printed)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
        return str(value)[:4] in text
    words = [w for w in re.findall(r"\w+", str(value)) if len(w) >= 3] or [str(value)]
    normed = _norm(text)
    return all(_norm(w) in normed for w in words)


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]]
    if not folders:
        sys.exit(__doc__)
    month_names(), currency_codes()
    seen: set[str] = set()
    docs = total = located = contained = unprinted = 0
    ground_s = 0.0
    by_field: dict[str, list[int]] = {}
    misses: list[str] = []
    skipped: list[str] = []
    for pdf in sorted(p for f in folders for p in f.rglob("*.pdf")):
        digest = hashlib.sha1(pdf.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        try:
            raw = pymupdf.open(pdf)
        except (pymupdf.FileDataError, RuntimeError):
            skipped.append(f"{pdf.name}: not a readable PDF")
            continue
        with raw:
            xml = embedded_xml(raw)
            if xml is None:
                continue
            try:
                record = golden(xml)
            except ET.ParseError:
                continue
            document = load_document(pdf)
            numbers = [p.number for p in document.pages]
            words = page_words_of(document, numbers)
            pages = [PageWords(p.number, p.width_pt or 0, p.height_pt or 0, words[p.number]) for p in document.pages]
            text = " ".join(raw[n - 1].get_text() for n in numbers)
            docs += 1
            for path, value in leaves(record):
                key = re.sub(r"\[\d+\]", "[]", path)
                t = time.perf_counter()
                found = find(value, pages)
                ground_s += time.perf_counter() - t
                if found is None and not trace(value, text):
                    unprinted += 1
                    continue
                total += 1
                tally = by_field.setdefault(key, [0, 0])
                tally[1] += 1
                if found is None:
                    misses.append(f"{pdf.name}: {path}={value!r} not located")
                    continue
                located += 1
                tally[0] += 1
                boxed = boxed_text(raw[found.page - 1], found.boxes, 1)
                if holds(boxed, value):
                    contained += 1
                else:
                    misses.append(f"{pdf.name}: {path}={value!r} boxed {boxed!r}")
    print(f"e-invoices: {docs} distinct PDFs with embedded CII XML")
    print(f"golden values with a trace on the pages: {total} ({unprinted} more in the XML only, left out)")
    print(f"located: {located}/{total} = {located / max(total, 1):.3f}")
    print(f"boxes holding their value's text: {contained}/{located} = {contained / max(located, 1):.3f}")
    print(f"grounding: {ground_s / max(docs, 1) * 1000:.1f} ms a document")
    for key, (hit, of) in sorted(by_field.items()):
        print(f"  {key:22} {hit:4}/{of:<4} = {hit / of:.3f}")
    for miss in misses:
        print("  " + miss)
    for skip in skipped:
        print("  skipped " + skip)


if __name__ == "__main__":
    main()
