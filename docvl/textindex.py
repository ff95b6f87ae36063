"""Text → index terms for ranking: language detection, tokenization, stop words, stemming and BM25 scoring.

docvl ranks a document's pages against a question (docvl.relevance, to choose the pages a model sees) and
quotes passages (the text engine). Both need the same answer to "which terms does this text hold", and the
answer depends on the language: documents come in English, Dutch, French, German, Spanish, Russian,
Chinese, Japanese, Korean... This module owns that answer, so the two rankers cannot drift apart.

- Language, per text and without a model download: by script (Unicode ranges: Han, kana, Hangul, Thai,
  Cyrillic, Arabic...) and, for Latin script, by stop-word overlap. A document's language is the majority
  over its pages by text length; a page too short or too ambiguous to say takes the document's.
- Terms: NFKC, case folded; stop words of the text's language removed; its Snowball stemmer (PyStemmer)
  applied, the word as written kept beside its stem (an exact match outranks a shared stem); then accents
  folded (é→e), so a question typed without accents still matches. Numbers are terms, and so is a code as
  a whole ("2024-0113" gives 2024, 0113 and 20240113). Scripts written without spaces (Chinese, Japanese,
  Korean, Thai...) give overlapping character bigrams, the usual way to run BM25 on them without a
  segmenter, plus single ideographs so a one-character question can match. Mixed text goes run by run: a
  word in a script the text's language is not written in (English in a Japanese page) is taken as that
  script's usual language.
- Scores: BM25 (bm25s, the same Lucene variant and parameters docvl used before). The query is tokenized in
  each text's own language (and loses its own language's stop words too), so a page and the question about
  it always meet on the same stems; a text with no terms, or a question with none left, scores 0.0 instead
  of raising.

Nothing here is shared mutable state: stemmers and word caches live in a per-call `_Analyzer`, because docvl
plans documents on threads and a PyStemmer `Stemmer` (it keeps an internal word cache) is not thread-safe.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import Any

# --- scripts -------------------------------------------------------------------------------------------

# (first code point, last code point, script); sorted by first code point for bisect
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0030, 0x0039, "digit"),
    (0x0041, 0x024F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x08A0, 0x08FF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B00, 0x0B7F, "oriya"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"),
    (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"),
    (0x0D80, 0x0DFF, "sinhala"),
    (0x0E00, 0x0E7F, "thai"),
    (0x0E80, 0x0EFF, "lao"),
    (0x0F00, 0x0FFF, "tibetan"),
    (0x1000, 0x109F, "myanmar"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "hangul"),
    (0x1200, 0x139F, "ethiopic"),
    (0x1780, 0x17FF, "khmer"),
    (0x1C90, 0x1CBF, "georgian"),
    (0x1E00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"),
    (0x2C60, 0x2C7F, "latin"),
    (0x2DE0, 0x2DFF, "cyrillic"),
    (0x3005, 0x3007, "han"),
    (0x3040, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x31F0, 0x31FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xA640, 0xA69F, "cyrillic"),
    (0xA720, 0xA7FF, "latin"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x20000, 0x323AF, "han"),
)
_STARTS = [start for start, _, _ in _RANGES]


def script_of(char: str) -> str | None:
    """The script of one character (``"latin"``, ``"han"``, ``"cyrillic"``...); None for punctuation etc."""
    code = ord(char)
    i = bisect_right(_STARTS, code) - 1
    if i >= 0 and code <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


# Scripts whose text names its language outright; Latin, Cyrillic, Arabic and Han/kana need a closer look.
_SCRIPT_LANGUAGE = {
    "greek": "el", "armenian": "hy", "hebrew": "he", "devanagari": "hi", "bengali": "bn", "gurmukhi": "pa",
    "gujarati": "gu", "oriya": "or", "tamil": "ta", "telugu": "te", "kannada": "kn", "malayalam": "ml",
    "sinhala": "si", "thai": "th", "lao": "lo", "tibetan": "bo", "myanmar": "my", "georgian": "ka",
    "hangul": "ko", "ethiopic": "am", "khmer": "km",
}  # fmt: skip
# The script a language is written in: a word of another script (a Latin brand name on a Russian page, an
# English phrase in Japanese text) is stemmed as its own script's default language instead.
_LANGUAGE_SCRIPT = {
    **{lang: script for script, lang in _SCRIPT_LANGUAGE.items()},
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk", "kk"), "cyrillic"),
    **dict.fromkeys(("ar", "fa", "ur"), "arabic"),
    "ne": "devanagari", "mr": "devanagari", "yi": "hebrew", "zh": "han", "ja": "han",
}  # fmt: skip
_SCRIPT_DEFAULT = {
    "latin": "en", "cyrillic": "ru", "greek": "el", "arabic": "ar", "hebrew": "he", "devanagari": "hi",
    "armenian": "hy", "tamil": "ta",
}  # fmt: skip


def _language_script(language: str | None) -> str:
    return _LANGUAGE_SCRIPT.get(language or "", "latin")


# Snowball stemmers PyStemmer ships, by ISO 639-1 code. "dutch" is Snowball 3's Kraaij-Pohlmann-style
# stemmer, which unifies facturen/factuur ("dutch_porter" is the old one).
_STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# --- stop words ----------------------------------------------------------------------------------------

# bm25s ships these (the NLTK lists; English is the 179-word NLTK list, which drops question words such as
# "what" and "which" that the 33-word bm25s "en" list keeps). Its Chinese and Korean lists are left out on
# purpose: they hold content words questions ask about (安全 safety, 使用 use, 任务 task; 년 year, 월 month).
_BM25S_LISTS = {
    "en": "STOPWORDS_EN_PLUS", "de": "STOPWORDS_GERMAN", "nl": "STOPWORDS_DUTCH", "fr": "STOPWORDS_FRENCH",
    "es": "STOPWORDS_SPANISH", "pt": "STOPWORDS_PORTUGUESE", "it": "STOPWORDS_ITALIAN",
    "ru": "STOPWORDS_RUSSIAN", "sv": "STOPWORDS_SWEDISH", "no": "STOPWORDS_NORWEGIAN", "da": "STOPWORDS_DANISH",
    "tr": "STOPWORDS_TURKISH",
}  # fmt: skip

# Languages bm25s has no list for: their most frequent function words (articles, pronouns, conjunctions,
# prepositions, forms of "to be"), picked after the Snowball project's stop lists (fi, hu:
# snowballstem.org/algorithms/*/stop.txt) and the stopwords-iso lists (pl, cs, ro, id, ca). Short on
# purpose: they serve detection (telling Polish from Czech, Catalan from Spanish) and removal alike.
_OWN_LISTS = {
    "fi": "ja on ei se että oli ovat mutta kun jos niin tai myös hän he me te minä sinä ne tämä tämän joka "
          "jotka mitä kuin vain sen sitä ole olla ollut siitä siinä jo nyt koska vaikka kanssa sekä mukaan "
          "jälkeen eli voi kaikki mikä missä",
    "hu": "a az és hogy nem is egy meg van de csak már ez azt mint vagy el ki be fel még volt lesz lett ha "
          "pedig mert majd után között alatt szerint minden ezt amely amelyek aki akik nagyon sem így úgy "
          "ezért által kell lehet vannak voltak",
    "pl": "i w z na się nie do to że jest o jak a po ale co od za tak czy jego tym przez dla oraz jej są by "
          "być już tylko może który która które były było był także ich lub tego te ten ta też gdy jako "
          "przy we ze pod bez nad jednak jeśli aby tej tych",
    "cs": "a se na je v že to s z o do jako pro ale by jsou jsem byl byla bylo jeho jak už jen nebo k po od "
          "při za tak také který která které což tím ze ve aby když jejich jsme jste být tento tato toto "
          "této tohoto pouze podle mezi pokud již může mohou není bude budou než proto však",
    "ro": "și şi în a de la cu pe nu din o un că se care mai este sunt pentru au ca fi fost sau dar ce el ea "
          "lor prin acest această aceasta acesta către după până fără despre între iar său sale lui unei "
          "unui fiind poate vor avea",
    "id": "yang dan di ke dari ini itu dengan untuk tidak ada dalam akan pada juga saya kami kita mereka dia "
          "ia atau oleh sebagai karena bisa dapat sudah telah lebih harus namun tetapi jika kalau hanya "
          "antara setelah seperti bahwa para adalah yaitu secara tersebut masih belum",
    "ca": "i el la els les de del dels a al als en que un una per amb no és són ha han com més però o ho hi "
          "aquest aquesta aquests aquestes seu seva seus seves també pel pels sobre entre fins quan molt ja "
          "va van li ens jo tu ell ella nosaltres hem ser està tot tots pot poden sense perquè així només encara "
          "aquell aquella altres doncs fou",
}  # fmt: skip

# Function words of Chinese and Japanese, matched against the bigrams and single characters those scripts
# are indexed as. Chinese: a short hand-picked list (see _BM25S_LISTS for why not bm25s's). Japanese: the
# one- and two-character entries of Apache Lucene's Japanese stop list (kuromoji ja/stopwords.txt, after
# SlothLib); the longer entries can never equal a bigram.
_CJK_STOP_WORDS = (
    "的 了 是 在 和 与 及 或 也 都 就 而 之 其 这 那 吗 呢 吧 啊 个 对 把 被 从 向 于 为 以 将 着 过 "
    "我们 你们 他们 她们 它们 什么 怎么 怎样 如何 哪些 哪个 这个 那个 这些 那些 因为 所以 但是 而且 如果 "
    "虽然 或者 以及 还是 就是 已经 可以 没有 一个 是否 "
    "の に は を た が で て と し れ さ も な い や へ か だ ず ば せ う き つ ら ん お "
    "ある いる する から こと ため その あっ よう また もの あり まで られ なる これ おり より なり なく "
    "それ ので なお のみ でき いう でも たり たち ます なら せる 及び とき では にて ほか うち ただ ほど "
    "です とも ここ"
)
_CJK_STOP = frozenset(_CJK_STOP_WORDS.split())


@cache
def _listed_stopwords(language: str) -> frozenset[str]:
    """A language's stop words as listed, normalized like text. Cached: immutable, so safe to share
    between threads."""
    words: Iterable[str]
    if language in _OWN_LISTS:
        words = _OWN_LISTS[language].split()
    elif language in _BM25S_LISTS:
        import bm25s.stopwords

        words = getattr(bm25s.stopwords, _BM25S_LISTS[language])
    else:
        return frozenset()
    return frozenset(_normalize(w).strip() for w in words)


@cache
def _stopwords(language: str) -> frozenset[str]:
    """The stop words removed from a language's text: as listed, and accent-folded so a question typed
    without accents ("fur", "tres") loses them too."""
    listed = _listed_stopwords(language)
    return listed | {_fold(w) for w in listed}


@cache
def _stop_index() -> dict[str, tuple[str, ...]]:
    """word → the Latin-script languages listing it as a stop word (for detection)."""
    index: dict[str, list[str]] = {}
    for language in (*_BM25S_LISTS, *_OWN_LISTS):
        if _language_script(language) != "latin":
            continue
        # detection compares words as written: accent-folded twins would blur fr/es/pt/ca
        for word in _listed_stopwords(language):
            index.setdefault(word, []).append(language)
    return {word: tuple(langs) for word, langs in index.items()}


# --- normalization -------------------------------------------------------------------------------------

# invisible characters that split or glue words by accident: soft hyphen, zero-width space/joiners (a ZWNJ
# inside a Persian or Hindi word is spelling, but queries are typed without it), BOM; "_" separates words
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def _normalize(text: str) -> str:
    """NFKC (full-width Latin and digits, ligatures, half-width kana become plain), case folded."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    return text if text.isascii() else _INVISIBLE.sub("", text)


# letters NFD does not decompose; ς: casefold already maps it, kept for stems from other paths
_FOLD_EXTRA = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                             "þ": "th", "ı": "i", "ς": "σ"})  # fmt: skip


def _fold(term: str) -> str:
    """Accents off (é→e, ü→u): the terms match whether or not the question was typed with accents.
    Applied after stemming, so the stemmer still sees the real word (French and Spanish stemmers key on
    accented endings). The cost, words that differ only by accent (año/ano, côte/cote) sharing a term, is
    small for ranking pages; missing every page because a question lacks an accent is not."""
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFD", term.translate(_FOLD_EXTRA))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


# Scripts written without spaces between words. Han and kana runs continue across whitespace, which PDF text
# layers often put between CJK characters or at line ends inside a word; Hangul and Thai spaces are real.
_HAN_KANA = "\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
_NOSPACE_RUN = re.compile(
    f"([{_HAN_KANA}](?:\\s*[{_HAN_KANA}])*|[{_HANGUL}]+|[\u0e01-\u0e4e]+|[\u0e81-\u0ece]+|[\u1780-\u17d3]+"
    "|[\u1000-\u103f\u1050-\u109f]+)"
)
_IDEOGRAPH = re.compile(f"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af{_HANGUL}]")
_HAN_KANA_CHAR = re.compile(f"[{_HAN_KANA}]")
_SPACE = re.compile(r"\s+")
# A word: letters and digits plus the combining marks of scripts whose vowel signs are marks (Devanagari,
# Tamil... and Hebrew/Arabic points), which Python's \w leaves out; parts joined by - / . stay one match so
# a code ("RE-2024-0815") can be indexed whole as well as by its parts.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0963\u0966-\u0dff"
)
_WORD = re.compile(f"[\\w{_MARKS}]+(?:[-/.][\\w{_MARKS}]+)*")
_SEPARATOR = re.compile(r"[-/.]")
_DIGITS = re.compile(r"\d+")
_NOSPACE_CHAR = re.compile(f"[{_HAN_KANA}{_HANGUL}\u0e01-\u0e4e\u0e81-\u0ece\u1780-\u17d3\u1000-\u109f]")


def _prepare(text: str) -> tuple[str, list[str], list[str]]:
    """``text`` normalized, its words (scripts written with spaces) and its runs of scripts without."""
    norm = _normalize(text)
    if norm.isascii() or not _NOSPACE_CHAR.search(norm):
        return norm, _WORD.findall(norm), []
    parts = _NOSPACE_RUN.split(norm)
    return norm, [w for part in parts[::2] for w in _WORD.findall(part)], parts[1::2]


# --- language detection --------------------------------------------------------------------------------

_SAMPLE_CHARS = 3000  # a page's first 3,000 characters say its language as well as all of it would
_SAMPLE_WORDS = 250  # and its first 250 words (a paragraph is 60)
_MIN_LETTERS = 12  # fewer (weighted) letters than this: too short to tell
_MIN_STOP_WORDS = 3  # Latin script: fewer different stop words than this is not evidence
_NON_LATIN = re.compile(
    "[\u0370-\u03ff\u0400-\u052f\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
    "\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u10a0-\u10ff\u1100-\u11ff\u1200-\u139f"
    "\u1780-\u17ff\u1c90-\u1cbf\u1f00-\u1fff\u2de0-\u2dff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua640-\ua69f\uac00-\ud7af\uf900-\ufaff\ufb50-\ufdff\ufe70-\ufeff"
    "\U00020000-\U000323af]"
)
_LATIN_LETTER = re.compile("[a-z\u00c0-\u024f\u1e00-\u1eff]")
# one Han, kana or Hangul character carries about as much as three Latin letters (a Chinese word is 1.7
# characters, an English one 5 letters): weighted so, a Japanese page with English terms is still Japanese
_WIDE = {"han": 3, "kana": 3, "hangul": 3}
# Cyrillic and Arabic-script languages by the letters only they use, checked in order
_CYRILLIC_MARKERS = (("ѓќѕ", "mk"), ("ђћ", "sr"), ("әғқңөұүһ", "kk"), ("ў", "be"), ("їєґі", "uk"), ("љњџј", "sr"))
_ARABIC_MARKERS = (("ٹڈڑںے", "ur"), ("پچژگیک", "fa"))


@dataclass(frozen=True)
class Detection:
    """A text's language (ISO 639-1, None when too short or ambiguous to say), how sure (0-1), and its
    main script."""

    language: str | None
    confidence: float
    script: str | None


def detect(text: str) -> Detection:
    """The language of ``text`` by its script and, for Latin script, by which language's stop words it uses."""
    norm, words, _ = _prepare(text[:_SAMPLE_CHARS])
    return _detect(norm, words)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when too short or ambiguous to say."""
    return detect(text).language


def _detect(sample: str, words: list[str]) -> Detection:
    """``sample``: normalized text; ``words``: its words (of the scripts written with spaces)."""
    non_latin = [] if sample.isascii() else _NON_LATIN.findall(sample)
    if not non_latin:  # most pages: Latin script only, no need to count letters by script
        if len(sample) < _MIN_LETTERS:
            return Detection(None, 0.0, "latin" if sample.strip() else None)
        language, confidence = _latin_language(words)
        return Detection(language, confidence, "latin")
    scripts: Counter[str] = Counter()
    for char, n in Counter(non_latin).items():
        script = script_of(char)
        if script:
            scripts[script] += n * _WIDE.get(script, 1)
    scripts["latin"] = len(_LATIN_LETTER.findall(sample))
    total = sum(scripts.values())
    if total < _MIN_LETTERS:
        return Detection(None, 0.0, scripts.most_common(1)[0][0])
    script, weight = scripts.most_common(1)[0]
    if script in ("han", "kana"):
        script = "han"
        weight = scripts["han"] + scripts["kana"]
    share = weight / total
    if script == "latin":
        language, confidence = _latin_language(words)
        return Detection(language, round(share * confidence, 3), script)
    if script == "han":
        # Japanese writes kana between its kanji; Chinese has none (a katakana name at most)
        language = "ja" if scripts["kana"] * 20 >= weight else "zh"
    elif script == "cyrillic":
        language = _by_markers(sample, _CYRILLIC_MARKERS) or _russian_or_bulgarian(sample)
    elif script == "arabic":
        language = _by_markers(sample, _ARABIC_MARKERS) or "ar"
    else:
        language = _SCRIPT_LANGUAGE.get(script)
    return Detection(language, round(share, 3), script)


def _by_markers(sample: str, markers: tuple[tuple[str, str], ...]) -> str | None:
    letters = max(1, len(sample))
    for chars, language in markers:
        n = sum(sample.count(c) for c in chars)
        if n >= 2 and n * 200 >= letters:  # a handful per page, not one loan word (a brand in a Russian text)
            return language
    return None


def _russian_or_bulgarian(sample: str) -> str:
    # Bulgarian has no ы or э and writes ъ as a vowel; Russian uses ы on every line and ъ rarely
    if sample.count("ы") + sample.count("э") == 0 and sample.count("ъ") >= 3:
        return "bg"
    return "ru"


def _latin_language(words: list[str]) -> tuple[str | None, float]:
    """Which Latin-script language's stop words the text uses. Each different stop word found counts once
    (a table printing "pro" down a column is not a Czech sentence), shared among the languages listing it
    ("de": nl, fr, es, pt...), so the words only one language uses decide; the winner needs two of its own."""
    index = _stop_index()
    found = index.keys() & set(words[:_SAMPLE_WORDS])  # set operations in C: no Python loop over the words
    if len(found) < _MIN_STOP_WORDS:
        return None, 0.0
    scores: dict[str, float] = {}  # fractional shares: a Counter holds int counts
    distinct: Counter[str] = Counter()
    for word in found:
        languages = index[word]
        for language in languages:
            scores[language] = scores.get(language, 0.0) + 1 / len(languages)
            distinct[language] += 1
    (best, first), *rest = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:2]  # most_common(2)
    second = rest[0][1] if rest else 0.0
    confidence = round(first / sum(scores.values()), 3)
    if first < 1.0 or first < 1.5 * second or distinct[best] < 2:
        return None, confidence  # two languages tie, or one word decides: not evidence either way
    return best, confidence


@dataclass(frozen=True)
class Languages:
    """The languages of a document's pages: ``pages`` as detected (None: too short or ambiguous), and the
    ``document``'s, the majority by text length ("en" when no page says)."""

    document: str
    pages: dict[int, str | None]

    def of(self, number: int) -> str:
        """The language a page is indexed in: its own, else the document's."""
        return self.pages.get(number) or self.document


def detect_languages(texts: Mapping[int, str]) -> Languages:
    """Per-page languages and the document's (so a plan can say "page 12: fr")."""
    pages = {n: detect_language(t) if t.strip() else None for n, t in texts.items()}
    return Languages(_majority([(pages[n], len(t)) for n, t in texts.items()]), pages)


def _majority(weighted: Iterable[tuple[str | None, int]]) -> str:
    votes: Counter[str] = Counter()
    for language, size in weighted:
        if language:
            votes[language] += size
    return votes.most_common(1)[0][0] if votes else "en"


# --- tokenization --------------------------------------------------------------------------------------


class _Analyzer:
    """Turns text into index terms. One per index (per call): it holds PyStemmer stemmers, which keep an
    internal cache and are not thread-safe, and a word → terms memo per language that makes a document's
    repeated words cost one dict lookup. Never shared between threads."""

    def __init__(self) -> None:
        self._stemmers: dict[str, Any] = {}
        self._memos: dict[str, _Memo] = {}

    def _stemmer(self, language: str) -> Any:
        if language not in self._stemmers:
            stemmer = None
            algorithm = _STEMMERS.get(language)
            if algorithm and algorithm in _algorithms():
                import Stemmer  # PyStemmer, a C extension

                stemmer = Stemmer.Stemmer(algorithm)
            self._stemmers[language] = stemmer
        return self._stemmers[language]

    def memo(self, language: str) -> _Memo:
        """word → terms in ``language``, filled as words come."""
        if language not in self._memos:
            self._memos[language] = _Memo(self, language, frozenset())
        return self._memos[language]

    def terms(
        self, text: str, language: str | None, *, query: bool = False, extra_stop: frozenset[str] = frozenset()
    ) -> list[str]:
        """Index terms of ``text`` in ``language`` (None: English for Latin words); ``extra_stop``: more
        stop words to drop (a query's own language's)."""
        _, words, runs = _prepare(text)
        return self.prepared_terms(words, runs, language or "en", query=query, extra_stop=extra_stop)

    def prepared_terms(
        self, words: list[str], runs: list[str], language: str, *, query: bool, extra_stop: frozenset[str]
    ) -> list[str]:
        # a query: few words, a memo of its own (its stop words differ)
        memo = _Memo(self, language, extra_stop) if extra_stop else self.memo(language)
        # map over the memo's __getitem__: C-speed lookups for the words already seen, which most are
        out = list(chain.from_iterable(map(memo.__getitem__, words)))
        for run in runs:
            out.extend(_run_terms(run, query=query))
        return out

    def part_terms(self, part: str, language: str, extra_stop: frozenset[str]) -> tuple[str, ...]:
        """Terms of one word without separators."""
        digits = _DIGITS.findall(part)
        if digits:  # an alphanumeric code ("inv2024", "a4"): whole, and its numbers
            return (_fold(part), *(d for d in digits if d != part))
        if len(part) < 2:
            return ()  # a lone letter of a spaced script says nothing ("s" of "it's", list bullets)
        script = "latin" if part.isascii() else script_of(part[0])
        own = language if _language_script(language) == script else _SCRIPT_DEFAULT.get(script or "")
        if own is None:
            return (part,)
        if part in _stopwords(own) or part in extra_stop:
            return ()
        stemmer = self._stemmer(own)
        stem = stemmer.stemWord(part) if stemmer is not None else part
        if script in ("latin", "greek"):
            part, stem = _fold(part), _fold(stem)
        # the word as written too, when stemming changed it: a page with the question's very word beats one
        # that only shares its stem ("monthly" asked: "monthly fee" before "calendar month")
        return (stem, part) if stem and stem != part else (part,)


class _Memo(dict[str, tuple[str, ...]]):
    """word → its terms in one language, computed on first sight."""

    def __init__(self, analyzer: _Analyzer, language: str, extra_stop: frozenset[str]) -> None:
        super().__init__()
        self._analyzer, self._language, self._extra_stop = analyzer, language, extra_stop

    def __missing__(self, word: str) -> tuple[str, ...]:
        terms: tuple[str, ...]
        if word.isdigit():
            terms = (word,)
        elif _SEPARATOR.search(word) is None:
            terms = self._analyzer.part_terms(word, self._language, self._extra_stop)
        else:  # parts looked up here too: "lg" of "LG-55433" is stemmed once, not once per code
            parts = _SEPARATOR.split(word)
            terms = tuple(chain.from_iterable(map(self.__getitem__, parts)))
            if _DIGITS.search(word):
                terms += (_fold("".join(parts)),)  # the code whole: "2024-0113" and "20240113" both match
        self[word] = terms
        return terms


class _Ids(dict[str, tuple[int, ...]]):
    """word → the vocabulary ids of its terms."""

    def __init__(self, memo: _Memo, vocab: _Vocabulary) -> None:
        super().__init__()
        self._memo, self._vocab = memo, vocab

    def __missing__(self, word: str) -> tuple[int, ...]:
        ids = self[word] = tuple(map(self._vocab.__getitem__, self._memo[word]))
        return ids


class _Vocabulary(dict[str, int]):
    """term → id, ids given in first-seen order (deterministic, unlike a set's order)."""

    def __missing__(self, term: str) -> int:
        id_ = self[term] = len(self)
        return id_


@cache
def _algorithms() -> frozenset[str]:
    import Stemmer

    return frozenset(Stemmer.algorithms())


def _run_terms(run: str, *, query: bool) -> list[str]:
    """Overlapping bigrams of a run of a script written without spaces; also its single ideographs in
    documents (not in questions, where bigrams are the precise terms), so a one-character question meets
    them. Stop words of Chinese and Japanese dropped."""
    if _HAN_KANA_CHAR.match(run):
        run = _SPACE.sub("", run)
    if len(run) == 1:
        return [] if run in _CJK_STOP else [run]
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    if not query:
        grams.extend(_IDEOGRAPH.findall(run))
    return [g for g in grams if g not in _CJK_STOP]


def tokenize(text: str, language: str | None = None, *, query: bool = False) -> list[str]:
    """Index terms of ``text`` in ``language`` (detected when None; English when it cannot be told).
    ``query``: tokenize as a question (bigrams only for runs of CJK, Thai...)."""
    if language is None:
        language = detect_language(text)
    return _Analyzer().terms(text, language, query=query)


# --- BM25 ----------------------------------------------------------------------------------------------


class TextIndex:
    """BM25 over ``texts`` (pages, passages), each indexed in its own language: ``languages[i]`` when given
    and not None, else detected; a text too short to tell takes the majority language of the others (by
    length), English when none says. ``language`` forces one language for all.

    Build one per ranking call: it owns its stemmers (see module docstring)."""

    def __init__(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None, *, language: str | None = None
    ) -> None:
        self._analyzer = _Analyzer()
        prepared = [_prepare(t) for t in texts]
        given = [language] * len(texts) if language else list(languages or [None] * len(texts))
        resolved = [
            lang or (_detect(norm[:_SAMPLE_CHARS], words).language if norm.strip() else None)
            for lang, (norm, words, _) in zip(given, prepared, strict=True)
        ]
        self.document_language: str = language or _majority(zip(resolved, map(len, texts), strict=True))
        self.languages: list[str] = [lang or self.document_language for lang in resolved]
        self._vocab = _Vocabulary()
        ids: list[list[int]] = []
        by_language: dict[str, _Ids] = {}
        for (_, words, runs), lang in zip(prepared, self.languages, strict=True):
            # word → term ids straight away: most of a document's words were seen before, one dict lookup
            memo = by_language.get(lang) or by_language.setdefault(lang, _Ids(self._analyzer.memo(lang), self._vocab))
            doc = list(chain.from_iterable(map(memo.__getitem__, words)))
            for run in runs:
                doc.extend(map(self._vocab.__getitem__, _run_terms(run, query=False)))
            ids.append(doc)
        self._size = len(texts)
        self._retriever: Any = None
        if self._vocab:  # bm25s cannot index an empty vocabulary (max() of an empty sequence)
            import bm25s  # imported here: a second of import time only ranking needs

            self._retriever = bm25s.BM25()
            # ids and vocabulary made here: bm25s's own "empty token", whose max() over an empty vocabulary
            # is what raised, is not needed
            self._retriever.index((ids, dict(self._vocab)), create_empty_token=False, show_progress=False)

    @property
    def empty(self) -> bool:
        """No text holds a single term: every query scores 0.0."""
        return self._retriever is None

    def query_terms(self, query: str, language: str, own: str | None = None) -> list[str]:
        """The query's terms for texts in ``language``: stemmed as they were, so page and question meet on
        the same stems; the stop words of the query's ``own`` language (detected when None) go too, so an
        English question on a Dutch page drops "the" and "what". A word in a script ``language`` is not
        written in is taken as that script's language (Cyrillic: Russian), on both sides alike."""
        own = own or detect_language(query)
        extra = _stopwords(own) if own and own != language else frozenset()
        return self._analyzer.terms(query, language, query=True, extra_stop=extra)

    def scores(self, query: str) -> list[float]:
        """BM25 score of every text against ``query``; 0.0 where nothing matches (always, when the index is
        empty or the query has no terms left)."""
        out = [0.0] * self._size
        if self._retriever is None or not query.strip():
            return out
        own = detect_language(query)
        for language in dict.fromkeys(self.languages):
            ids = [self._vocab[t] for t in self.query_terms(query, language, own) if t in self._vocab]
            if not ids:
                continue
            values = self._retriever.get_scores_from_ids(ids)
            for i, lang in enumerate(self.languages):
                if lang == language:
                    out[i] = float(values[i])
        return out

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best texts that match at all, as (index, score), best first (ties: earlier first)."""
        scores = self.scores(query)
        ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
        return [(i, scores[i]) for i in ranked[:k]]


# --- character n-grams ---------------------------------------------------------------------------------

GRAM = 4
_LETTERS = re.compile(r"[^\W\d_]{5,}")


def _grams(text: str) -> list[str]:
    """Character 4-grams inside each word of five letters or more, case and accents folded."""
    out: list[str] = []
    for word in _LETTERS.findall(_fold(text.lower())):
        out.extend(word[i : i + GRAM] for i in range(len(word) - GRAM + 1))
    return out


class GramIndex:
    """BM25 over character 4-grams inside words: a wording the stemmer cannot bridge still shares pieces
    of its words with the page -- compounds ("Inbetriebnahme" holds "betrieb"; "Rotornabe" and
    "Nabenhöhe" share "nabe"), derivations ("signature"/"signed"), OCR slips. A weak signal, fused with
    the word index (docvl.relevance), never a ranking on its own."""

    def __init__(self, texts: Sequence[str]) -> None:
        vocab: dict[str, int] = {}
        docs = [[vocab.setdefault(g, len(vocab)) for g in _grams(t)] for t in texts]
        self._vocab = vocab
        self._size = len(texts)
        self._retriever: Any = None
        if vocab:
            import bm25s

            self._retriever = bm25s.BM25()
            self._retriever.index((docs, dict(vocab)), create_empty_token=False, show_progress=False)

    def scores(self, query: str) -> list[float]:
        """Scores against the 4-grams of the query's content words (its stop words dropped)."""
        out = [0.0] * self._size
        if self._retriever is None:
            return out
        language = detect_language(query)
        words = _Analyzer().terms(query, language, query=True) if language else tokenize(query, query=True)
        ids = sorted({self._vocab[g] for w in words for g in _grams(w) if g in self._vocab})
        if not ids:
            return out
        return [float(v) for v in self._retriever.get_scores_from_ids(ids)]
