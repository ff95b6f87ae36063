"""`--pages` selections such as ``1-5,9,12-`` (1-based, inclusive, open-ended ranges allowed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docvl.errors import UsageError

_PART = re.compile(r"^\s*(\d+)?\s*(-)?\s*(\d+)?\s*$")


@dataclass(frozen=True)
class PageSelection:
    """A parsed selection; resolve it against a document's page count with :meth:`pages`."""

    ranges: tuple[tuple[int, int | None], ...]  # (first, last or None for "to the end")
    spec: str = ""

    @classmethod
    def all(cls) -> PageSelection:
        return cls(((1, None),), "")

    @classmethod
    def parse(cls, spec: str | None) -> PageSelection:
        if spec is None or not spec.strip():
            return cls.all()
        ranges: list[tuple[int, int | None]] = []
        hi: int | None  # None: to the last page
        for part in spec.split(","):
            m = _PART.match(part)
            first, dash, last = m.groups() if m else (None, None, None)
            if not m or (first is None and last is None):
                raise UsageError(
                    f"--pages {spec!r}: cannot read {part.strip()!r}",
                    fix="use page numbers and ranges such as 1-5,9,12- (pages count from 1)",
                )
            if not dash:
                lo = hi = int(first)  # type: ignore[arg-type]
            else:
                lo = int(first) if first is not None else 1
                hi = int(last) if last is not None else None
            if lo < 1 or (hi is not None and hi < lo):
                raise UsageError(
                    f"--pages {spec!r}: {part.strip()!r} is not a valid range",
                    fix="pages count from 1 and a range goes from low to high, e.g. 3-7",
                )
            ranges.append((lo, hi))
        return cls(tuple(ranges), spec.strip())

    def pages(self, page_count: int) -> list[int]:
        """The selected 1-based page numbers that exist in a document of ``page_count`` pages, in order."""
        chosen: set[int] = set()
        for lo, hi in self.ranges:
            chosen.update(range(lo, min(hi if hi is not None else page_count, page_count) + 1))
        return sorted(chosen)

    @property
    def is_all(self) -> bool:
        return self.ranges == ((1, None),)


def page_list(numbers: list[int], shown: int = 12) -> str:
    """Page numbers for a message: the first ``shown``, then how many more."""
    head = ", ".join(map(str, numbers[:shown]))
    return head + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")
