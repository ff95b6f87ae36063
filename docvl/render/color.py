"""Bring any Pillow image to 8-bit RGB the way a reader would see it on paper."""

from __future__ import annotations

from typing import cast

from PIL import Image

from docvl.load.image import low_range

WHITE = (255, 255, 255)


def to_rgb(im: Image.Image) -> Image.Image:
    """RGB for the model (it takes no alpha): transparency is composited onto white, 16-bit and float
    greys are scaled (a plain convert clips them to white; a 16-bit image using a narrow band of values is
    stretched to the full range, see ``low_range``), CMYK goes through Pillow's converter, which
    already undoes the Adobe inversion."""
    mode = im.mode
    if mode == "RGB" and "transparency" not in im.info:
        return im
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _scale_to_l(im).convert("RGB")
    if mode in ("P", "L", "RGB", "1") and "transparency" in im.info:  # a transparent colour, not a channel
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGB", rgba.size, WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return im.convert("RGB")


def _scale_to_l(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I;16"):
        used = low_range(im)
        if used:  # the loader warns about this with the same rule (docvl.load.image)
            low, high = used
            return im.convert("I").point(lambda v: (v - low) * 255.0 / (high - low)).convert("L")
        # 0..65535 -> 0..255. Pillow's I;16 -> L conversion clips instead of scaling.
        return im.convert("I").point(lambda v: v / 257).convert("L")
    lo, hi = cast("tuple[float, float]", im.getextrema())  # I and F images have one band
    if im.mode == "F" and lo >= 0 and hi <= 1.0:  # float images in 0..1
        return im.point(lambda v: v * 255.0).convert("L")
    if lo >= 0 and hi <= 255:
        return im.convert("L")
    span = (hi - lo) or 1
    return im.point(lambda v: (v - lo) * 255.0 / span).convert("L")
