"""PNG or JPEG for page images sent to an HTTP engine: bytes on the wire and encode time, per page.

    python bench/encode.py [--pages 40]

Pages are drawn at their planned grid size (what the server receives). The baseline is PNG as
Pillow writes it by default (level 6); the candidates are PNG level 1 and JPEG at two qualities.
Also printed: how far each lossy image is from the drawn pixels (mean absolute error, 0-255).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _docs import born_digital, scanned

from docvl.load import load_document
from docvl.pages import PageSelection
from docvl.planner import plan_pages
from docvl.profiles import get_profile
from docvl.render import PageRequest, render_pages
from docvl.tokens import EstimateCounter

PROFILE = get_profile()
VARIANTS = {
    "png level 6 (baseline)": {"format": "PNG"},
    "png level 1": {"format": "PNG", "compress_level": 1},
    "jpeg q90 4:4:4": {"format": "JPEG", "quality": 90, "subsampling": 0},
    "jpeg q85 4:2:0": {"format": "JPEG", "quality": 85},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40)
    args = ap.parse_args()
    print(f"{'document':<14}{'variant':>24}{'KB/page':>10}{'ms/page':>9}{'size vs png6':>14}{'MAE':>7}")
    for label, path in (("born-digital", born_digital()), ("scanned", scanned())):
        doc = load_document(path, selection=PageSelection.parse(f"1-{args.pages}"))
        plan = plan_pages(doc.pages, profile=PROFILE, counter=EstimateCounter(24), system="", user="")
        images = [p.image for p in render_pages(doc, [PageRequest(p.number, p.grid(512)) for p in plan.pages])]
        base_bytes = None
        for name, opts in VARIANTS.items():
            total, secs, err = 0, 0.0, 0.0
            for im in images:
                buf = io.BytesIO()
                t = time.perf_counter()
                im.save(buf, **opts)
                secs += time.perf_counter() - t
                total += buf.tell()
                if opts["format"] == "JPEG":
                    back = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
                    err += ImageStat.Stat(ImageChops.difference(im, back).convert("L")).mean[0]
            base_bytes = base_bytes or total
            n = len(images)
            print(
                f"{label:<14}{name:>24}{total / n / 1024:>10.0f}{secs / n * 1000:>9.1f}"
                f"{total / base_bytes:>13.2f}x{err / n:>7.2f}"
            )


if __name__ == "__main__":
    main()
