"""PDF pages drawn by poppler's pdftoppm through pdf2image (optional: `pip install 'docvl[poppler]'`)."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from docvl.errors import RenderError, UsageError
from docvl.load.document import Document
from docvl.render.base import Size

OTHER_RENDERER = "try the default renderer (--renderer pymupdf)"


class PopplerRasterizer:
    name = "poppler"

    def __init__(self, document: Document) -> None:
        try:
            import pdf2image
        except ImportError as exc:
            raise UsageError("--renderer poppler needs pdf2image", fix="pip install 'docvl[poppler]'") from exc
        # pdf2image annotates dpi as int and the passwords without None, though it takes both (dpi goes
        # to pdftoppm's -r as text, None leaves a password out)
        self._convert: Callable[..., list[Image.Image]] = pdf2image.convert_from_path
        self._errors = pdf2image.exceptions
        self._document = document

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        info = next(p for p in self._document.pages if p.number == number)
        width_pt, height_pt = info.width_pt or 612.0, info.height_pt or 792.0
        largest = max(sizes, key=lambda s: s[0] * s[1])
        # pdftoppm's own -scale-to-x/-y ignores /Rotate and the CropBox in combinations (pages come out
        # stretched or blank), so draw once at a uniform resolution that covers the largest target,
        # then resample. Slower than the other renderers; it is here for poppler's font handling.
        dpi = max(largest[0] / width_pt, largest[1] / height_pt) * 72.0
        try:
            (page,) = self._convert(
                str(self._document.path),
                dpi=dpi,
                first_page=number,
                last_page=number,
                use_cropbox=True,
                userpw=self._document.password,
                ownerpw=self._document.password,
            )
        except (self._errors.PopplerNotInstalledError, self._errors.PDFInfoNotInstalledError) as exc:
            raise UsageError(
                "--renderer poppler needs poppler's pdftoppm on PATH",
                fix="install poppler-utils (apt-get install poppler-utils / brew install poppler)",
            ) from exc
        except self._errors.PDFPageCountError as exc:
            reason = " ".join(str(exc).split())[:200]
            raise RenderError(
                f"poppler cannot read the file ({reason})", path=self._document.path, fix=OTHER_RENDERER
            ) from exc
        page = page.convert("RGB")
        images = [page if page.size == size else page.resize(size, Image.Resampling.BICUBIC) for size in sizes]
        return images, []

    def close(self) -> None:
        pass
