"""Damaged files of every supported kind: load and render raise docvl's own errors, never anything else.

Each case flips, cuts or splices bytes of a valid file (fixed seed, so failures reproduce).
"""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from docvl.errors import DocvlError
from docvl.load import load_document
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages
from tests.conftest import make_pdf

PROFILE = get_profile()
CASES_PER_KIND = 40


def _valid_files(tmp_path):
    pdf = make_pdf(tmp_path / "seed.pdf", pages=3).read_bytes()
    files = {"pdf": pdf}
    for fmt in ("PNG", "JPEG", "TIFF", "GIF", "BMP", "WEBP"):
        buf = io.BytesIO()
        frames = [Image.new("RGB", (200, 120), (i * 60, 90, 200)) for i in range(3)]
        if fmt in ("TIFF", "GIF"):
            frames[0].save(buf, format=fmt, save_all=True, append_images=frames[1:])
        else:
            frames[0].save(buf, format=fmt)
        files[fmt.lower()] = buf.getvalue()
    return files


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    how = rng.choice(["flip", "cut", "splice", "zero"])
    if how == "flip":
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif how == "cut":
        b = b[: rng.randint(8, max(9, len(b) - 1))]
    elif how == "splice":
        start = rng.randrange(len(b))
        b[start : start + rng.randint(1, 200)] = rng.randbytes(rng.randint(0, 200))
    else:
        start = rng.randrange(len(b))
        b[start : start + rng.randint(1, 64)] = bytes(64)
    return bytes(b)


@pytest.mark.slow
def test_damaged_files_raise_only_docvl_errors(tmp_path):
    rng = random.Random(20261124)
    escaped = []
    for kind, data in _valid_files(tmp_path).items():
        for i in range(CASES_PER_KIND):
            path = tmp_path / f"case_{kind}_{i}.{kind}"
            path.write_bytes(_mutate(data, rng))
            try:
                doc = load_document(path)
                first = doc.pages[0]
                grid = PROFILE.grid(first.width, first.height, 2)
                list(render_pages(doc, [PageRequest(first.number, grid)]))
            except DocvlError:
                pass
            except Exception as exc:  # anything else would reach the user as a traceback
                escaped.append(f"{path.name}: {type(exc).__name__}: {exc}")
    assert escaped == []
