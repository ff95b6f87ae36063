"""Acronyms: a question says "CFO" where the page says "Chief Financial Officer", or the other way round.

No stemmer or character n-gram bridges the two, and business, legal and technical documents are full of
them (CEO, EIA, EBITDA, NHS). The document itself says what its acronyms stand for -- a definition
("environmental impact assessment (EIA)") or a title-case phrase whose initials spell it ("Chief
Financial Officer") -- so the bridge is read from the document, not from a list that would only know the
acronyms someone thought of. Used by docvl.relevance to widen a question's words before ranking.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from docvl.textindex import detect_language, tokenize

# short words an expansion may hold without giving a letter ("Department of Transportation" is DOT)
CONNECTORS = frozenset(
    [
        "of",
        "and",
        "for",
        "the",
        "on",
        "in",
        "to",
        "&",
        "und",
        "für",
        "der",
        "des",
        "die",
        "de",
        "du",
        "la",
        "le",
        "et",
        "van",
        "voor",
        "en",
        "het",
        "del",
        "y",
        "e",
        "di",
        "per",
    ]
)
# "CFO", "CEOs", "EBITDA", "R&D" is left alone (an ampersand acronym is a word of its own in every index)
ACRONYM = re.compile(r"\b([A-Z]{2,7})s?\b")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
MAX_EXPANSIONS = 2  # the commonest readings of one acronym; more would be noise
MAX_RUN = 6  # words an expansion spans, connectors included


@dataclass(frozen=True)
class Expansion:
    query: str  # the question with the other form of each acronym added
    read: tuple[str, ...] = ()  # what was bridged, for the plan: "CFO = Chief Financial Officer"


class Acronyms:
    """The acronyms ``texts`` (a document's pages) use and spell out; built once per document ranking, so
    an extraction's many fields do not each search the whole document for them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._haystack = "\n".join(texts)
        self._used = set(ACRONYM.findall(self._haystack))

    def expand(self, question: str) -> Expansion:
        """``question`` with each acronym's expansion found in the texts added, and each phrase of the
        question whose initials are an acronym the texts use, that acronym added."""
        if question.isupper():  # a question typed in capitals has no acronyms to tell apart
            return Expansion(question)
        added: list[str] = []
        read: list[str] = []
        for acronym in _acronyms(question, self._used):
            for phrase in _expansions(acronym, self._haystack):
                added.append(phrase)
                read.append(f"{acronym} = {phrase}")
        for phrase, acronym in _phrases(question):
            if acronym in self._used and not re.search(rf"\b{acronym}\b", question):
                added.append(acronym)
                read.append(f"{phrase} = {acronym}")
        if not added:
            return Expansion(question)
        return Expansion(question + " " + " ".join(added), tuple(dict.fromkeys(read)))


def expand(question: str, texts: Sequence[str]) -> Expansion:
    """One question against ``texts``: Acronyms(texts).expand(question)."""
    return Acronyms(texts).expand(question)


def _acronyms(question: str, used: set[str]) -> list[str]:
    """The question's acronyms: words in capitals, and lower-case words the texts write as an acronym (a
    "cfo" typed in lower case). A lower-case word the texts never write in capitals is taken as a word."""
    out = [m.group(1) for m in ACRONYM.finditer(question)]
    out += [w.upper() for w in WORD.findall(question) if w.islower() and w.upper() in used]
    return list(dict.fromkeys(out))


def _expansions(acronym: str, texts: str) -> list[str]:
    """The commonest phrases in ``texts`` that ``acronym`` stands for: title-case words whose initials
    spell it ("Chief Financial Officer"), and any-case words right before it in brackets ("environmental
    impact assessment (EIA)")."""
    counts: Counter[str] = Counter()
    letters = list(acronym)
    joint = rf"(?:[\s-]+(?:(?:{'|'.join(map(re.escape, sorted(CONNECTORS)))})\s+){{0,2}})"
    title = r"\b" + joint.join(rf"{c}[a-zà-ÿß]+" for c in letters) + r"\b"
    for m in re.finditer(title, texts):
        counts[" ".join(m.group(0).split())] += 1
    for m in re.finditer(rf"\(\s*{acronym}s?\s*\)", texts):
        words = WORD.findall(texts[max(0, m.start() - 120) : m.start()])[-MAX_RUN:]
        for start in range(len(words)):
            if acronym in _readings(words[start:]) and words[start].lower() not in CONNECTORS:
                counts[" ".join(words[start:])] += 1
                break
    return [p for p, _ in counts.most_common(MAX_EXPANSIONS)]


def _phrases(question: str) -> list[tuple[str, str]]:
    """Runs of the question's content words (connectors only inside) and the acronym their initials
    spell: three letters or more, as two-letter initials of any two words are too often some other
    acronym. Stop words end a run: "who became the company's" is no phrase."""
    words = WORD.findall(question)
    language = detect_language(question)
    content = [w.lower() in CONNECTORS or bool(tokenize(w, language, query=True)) for w in words]
    out = []
    for i, first in enumerate(words):
        if first.lower() in CONNECTORS or not content[i]:
            continue
        for j in range(i + 2, min(i + MAX_RUN, len(words)) + 1):
            if not content[j - 1]:
                break
            run = words[i:j]
            if run[-1].lower() in CONNECTORS:
                continue
            acronym = _initials(run)
            if len(acronym) >= 3:
                out.append((" ".join(run), acronym))
    return out


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in CONNECTORS).upper()


def _readings(words: Sequence[str]) -> set[str]:
    """The initials of ``words`` with the connectors skipped and with them counted ("Department of
    Transportation" is DT and DOT)."""
    return {_initials(words), "".join(w[0] for w in words).upper()}
