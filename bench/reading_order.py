"""Does docvl's text layer read like the page? Word order on pages whose reading order is known.

    python bench/reading_order.py                 # every kind
    python bench/reading_order.py --kind rotated  # one kind
    python bench/reading_order.py --show          # also the first page of each kind: truth and outputs

tests/layout_docs.py builds PDFs whose reading order is known (columns with shared baselines, sidebar,
borderless tables, /Rotate 90/180/270, hyphenation, Arabic, Hebrew, vertical Japanese, Chinese) into
bench/.cache/reading/, with content streams in reading order on some pages and out of it on others.
For each page this compares the truth with

- docvl: ``read_contents(load_document(pdf))[n].text``, the text docvl sends for a text-only page;
- PyMuPDF plain: ``page.get_text()`` (default flags, no sort: content-stream order), in the same run.

Figures, per kind, summed over its pages (words normalised as in ``tests.layout_docs.tokens``: NFKC,
casefold, punctuation stripped at the ends; CJK compared character by character):

- pairs: the share of the truth's adjacent word pairs (w[i], w[i+1]), across line ends too, that the
  output has adjacent and in that order;
- joins: the share of the truth's line-to-line transitions (last word of a line, first word of the next)
  found adjacent and in that order in the output - the figure that column, block and direction mistakes
  move most;
- recall: the share of the truth's words present in the output (as a multiset), so that dropping text
  cannot buy order.

Matching is by bigram multiset, not by alignment: the output's adjacent pairs are counted, and each truth
pair consumes one occurrence when there is one left. It is local (a page whose two columns come out
swapped loses only the joins at the swap, where a global alignment such as difflib's would drop a whole
column), and the generator draws words without replacement so a page repeats few words and almost no
pairs; CJK characters repeat, but a wrong column order still breaks their joins. A hyphenated word counts
only when it comes out whole ("information", not "infor- mation"). Always exits 0: it is a measurement.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from docvl.load import load_document
from docvl.load.textlayer import read_contents
from tests.layout_docs import _CJK, KINDS, LayoutDoc, Score, build

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache" / "reading"
JOINS_WANTED = 0.95


def measure(doc: LayoutDoc) -> tuple[Score, Score, list[str], list[str]]:
    docvl, plain = Score(), Score()
    contents = read_contents(load_document(doc.path))
    with pymupdf.open(doc.path) as pdf:
        plain_texts = [page.get_text() for page in pdf]
    docvl_texts = [contents[n].text for n in range(1, len(doc.pages) + 1)]
    for truth, dt, pt in zip(doc.pages, docvl_texts, plain_texts, strict=True):
        docvl.add(truth.lines, dt)
        plain.add(truth.lines, pt)
    return docvl, plain, docvl_texts, plain_texts


def show(doc: LayoutDoc, docvl_text: str, plain_text: str) -> None:
    page = doc.pages[0]
    rule = "-" * 100
    print(f"\n{rule}\n{doc.kind}, page 1 ({page.layout}; content stream: {page.stream})")
    print(f"{rule}\ntruth:")
    print("\n".join(("" if _CJK.search("".join(line)) else " ").join(line) for line in page.lines))
    print(f"{rule}\ndocvl:")
    print(docvl_text)
    print(f"{rule}\nPyMuPDF get_text():")
    print(plain_text.rstrip("\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=list(KINDS), help="run one kind only")
    parser.add_argument("--show", action="store_true", help="print the first page of each kind: truth, docvl, PyMuPDF")
    parser.add_argument("--seed", type=int, default=0, help="text and layout seed (default 0)")
    args = parser.parse_args()
    kinds = [args.kind] if args.kind else list(KINDS)
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows = []
    failed = []
    for kind in kinds:
        try:
            doc = build(kind, CACHE, seed=args.seed)
            docvl, plain, docvl_texts, plain_texts = measure(doc)
        except Exception as exc:  # a measurement: report the kind and go on
            failed.append(f"{kind}: {type(exc).__name__}: {exc}")
            continue
        rows.append((kind, len(doc.pages), docvl, plain))
        if args.show:
            show(doc, docvl_texts[0], plain_texts[0])
    if args.show:
        print()
    for line in failed:
        print(f"not measured - {line}")
    if not rows:
        return
    print(
        f"{'kind':<25}{'pages':>6}{'docvl pairs':>13}{'joins':>7}{'pymupdf pairs':>15}{'joins':>7}{'docvl recall':>14}"
    )
    for kind, pages, d, p in rows:
        print(
            f"{kind:<25}{pages:>6}{Score.share(d.pairs):>13.3f}{Score.share(d.joins):>7.3f}"
            f"{Score.share(p.pairs):>15.3f}{Score.share(p.joins):>7.3f}{Score.share(d.words):>14.3f}"
        )
    lows = []
    for name, attr in (("pairs", "pairs"), ("joins", "joins"), ("recall", "words")):
        kind, _, d, _ = min(rows, key=lambda r, a=attr: Score.share(getattr(r[2], a)))
        lows.append(f"docvl {name} {Score.share(getattr(d, attr)):.3f} ({kind})")
    short = [r[0] for r in rows if Score.share(r[2].joins) < JOINS_WANTED]
    below = [
        r[0]
        for r in rows
        if Score.share(r[2].pairs) < Score.share(r[3].pairs) or Score.share(r[2].joins) < Score.share(r[3].joins)
    ]
    print(
        "\nminimum over kinds: "
        + ", ".join(lows)
        + f"\ndocvl joins >= {JOINS_WANTED} on every kind: "
        + ("yes" if not short else f"no ({', '.join(short)})")
        + "; docvl never below PyMuPDF plain order (pairs and joins): "
        + ("yes" if not below else f"no ({', '.join(below)})")
        + f"\n{len(rows)} kinds in {time.perf_counter() - started:.1f} s; PDFs in {CACHE.relative_to(REPO)}/"
    )


if __name__ == "__main__":
    main()
