"""PDF pages drawn by poppler's pdftoppm through pdf2image (optional: `pip install 'docvl[poppler]'`)."""

from __future__ import annotations

from PIL import Image

from docvl.errors import UsageError
from docvl.load.document import Document
from docvl.render.base import Size


class PopplerRasterizer:
    name = "poppler"

    def __init__(self, document: Document) -> None:
        try:
            import pdf2image
        except ImportError as exc:
            raise UsageError("--renderer poppler needs pdf2image", fix="pip install 'docvl[poppler]'") from exc
        self._convert = pdf2image.convert_from_path
        self._errors = pdf2image.exceptions
        self._document = document

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        images = []
        for width, height in sizes:
            try:
                # size=(w, h) makes pdftoppm scale each axis to the target (-scale-to-x/-y): one draw.
                (img,) = self._convert(
                    str(self._document.path),
                    first_page=number,
                    last_page=number,
                    size=(width, height),
                    userpw=self._document.password,
                )
            except (self._errors.PopplerNotInstalledError, self._errors.PDFInfoNotInstalledError) as exc:
                raise UsageError(
                    "--renderer poppler needs poppler's pdftoppm on PATH",
                    fix="install poppler-utils (apt-get install poppler-utils / brew install poppler)",
                ) from exc
            if img.size != (width, height):
                img = img.resize((width, height), Image.Resampling.BICUBIC)
            images.append(img.convert("RGB"))
        return images, []

    def close(self) -> None:
        pass
