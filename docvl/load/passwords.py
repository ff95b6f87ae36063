"""PDF passwords as viewers take them: the forms of a typed password worth trying.

PDF 2.0 (ISO 32000-2, 7.6.4.3.3) makes AES-256 revision 6 passwords UTF-8 strings prepared with the
SASLprep profile (RFC 4013) of stringprep (RFC 3454). A password typed as U+2168 (ROMAN NUMERAL NINE)
or with a soft hyphen was therefore stored as "IX": MuPDF compares bytes, so docvl prepares the password
itself and tries each form in turn.
"""

from __future__ import annotations

import contextlib
import stringprep
import unicodedata

__all__ = ["password_candidates", "saslprep"]

# stringprep's tables are Unicode 3.2; its normalisation step must use the same version (RFC 3454 §4).
_UCD_3_2 = unicodedata.ucd_3_2_0

_PROHIBITED = (
    stringprep.in_table_c12,  # non-ASCII space characters (already mapped to SPACE in step 1)
    stringprep.in_table_c21,  # ASCII control characters
    stringprep.in_table_c22,  # non-ASCII control characters
    stringprep.in_table_c3,  # private use
    stringprep.in_table_c4,  # non-character code points
    stringprep.in_table_c5,  # surrogate codes
    stringprep.in_table_c6,  # inappropriate for plain text
    stringprep.in_table_c7,  # inappropriate for canonical representation
    stringprep.in_table_c8,  # change display properties or deprecated
    stringprep.in_table_c9,  # tagging characters
)


def saslprep(text: str, *, allow_unassigned: bool = True) -> str:
    """``text`` prepared by SASLprep (RFC 4013), as PDF 2.0 requires of AES-256 (R6) passwords.

    Steps of RFC 4013 §2 / RFC 3454 §§3-6: non-ASCII spaces (table C.1.2) become U+0020 and characters
    "commonly mapped to nothing" (B.1, e.g. the soft hyphen) are dropped; NFKC; prohibited characters
    (C.1.2-C.9) and bidirectional strings that break RFC 3454 §6 raise ValueError. A password is a
    "query" in stringprep's terms (it is checked, not stored), so unassigned code points (A.1) are let
    through unless ``allow_unassigned`` is false.

    >>> saslprep("I\\u00adX"), saslprep("\\u2168"), saslprep("\\u00aa")
    ('IX', 'IX', 'a')
    """
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in text if not stringprep.in_table_b1(c))
    prepared = _UCD_3_2.normalize("NFKC", mapped)
    for c in prepared:
        if any(table(c) for table in _PROHIBITED):
            raise ValueError(f"SASLprep: prohibited character U+{ord(c):04X}")
        if not allow_unassigned and stringprep.in_table_a1(c):
            raise ValueError(f"SASLprep: unassigned code point U+{ord(c):04X}")
    if any(stringprep.in_table_d1(c) for c in prepared):  # RFC 3454 §6: right-to-left text
        if any(stringprep.in_table_d2(c) for c in prepared):
            raise ValueError("SASLprep: mixes right-to-left and left-to-right characters")
        if not (stringprep.in_table_d1(prepared[0]) and stringprep.in_table_d1(prepared[-1])):
            raise ValueError("SASLprep: right-to-left text must start and end with a right-to-left character")
    return prepared


def password_candidates(password: str) -> list[str]:
    """The forms of ``password`` to try, most likely first: as typed, SASLprep'd (AES-256 R6), then NFC
    and NFKC (what other writers stored when they normalised without the rest of SASLprep, e.g. an
    accent typed as a combining mark). Each form once."""
    forms = [password]
    with contextlib.suppress(ValueError):  # a password SASLprep refuses was stored as typed, if at all
        forms.append(saslprep(password))
    forms += [unicodedata.normalize("NFC", password), unicodedata.normalize("NFKC", password)]
    return list(dict.fromkeys(forms))
