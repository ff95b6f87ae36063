"""libtiff's own messages as docvl warnings, not raw lines on stderr.

libtiff (inside Pillow) reports damaged TIFFs from C with fprintf(stderr, ...) -- "TIFFFillStrip: Read
error on strip 0; got 18446744073709550836 bytes, expected 1012." -- which no Python warnings hook sees.
Pillow does not replace libtiff's error and warning handlers when it decodes, so docvl does: once per
process, with handlers that hand each message to the document being processed on that thread (the same
collector Python warnings go to, docvl.tasks.pipeline.current_warnings) and otherwise drop it. What the
damage means for the document is said anyway: Pillow raises, and the loader reports a damaged or
truncated image in docvl's words.
"""

from __future__ import annotations

import ctypes
import functools
import re
import sys
from pathlib import Path
from typing import Any

from docvl.tasks.pipeline import current_warnings

# void handler(const char* module, const char* fmt, va_list ap): va_list is passed by reference on the
# platforms Pillow ships wheels for (x86-64 System V, AArch64), so a pointer stands for it
_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)
_PLACEHOLDER = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|j|z|t|L)?[diouxXeEfgGcsp]")

_installed: list[Any] = []  # the callbacks, kept alive for as long as libtiff may call them


class _Warning(UserWarning):
    """What a libtiff message is reported as (the category name says where it came from)."""


_Warning.__name__ = "libtiff"


def _say(module: bytes | None, fmt: bytes | None, _: int | None) -> None:
    collector = current_warnings()
    if collector is None:
        return  # outside any document (a render worker process): nothing to attach it to
    # the values are in the C va_list, which Python cannot read: the message's fixed words are kept
    text = _PLACEHOLDER.sub("…", (fmt or b"").decode("utf-8", "replace")).strip()
    where = (module or b"").decode("utf-8", "replace").strip()
    collector.add(f"{where}: {text}" if where else text, _Warning)


@functools.cache  # the maps are read once: the library does not move while the process runs
def _library() -> ctypes.CDLL | None:
    """The libtiff Pillow's extension has loaded (its own copy in the wheel), or None."""
    import PIL._imaging

    maps = Path("/proc/self/maps")
    if not maps.exists():  # not Linux: macOS wheels keep it in PIL/.dylibs
        found = sorted(Path(PIL._imaging.__file__).parent.glob(".dylibs/libtiff*"))
        return ctypes.CDLL(str(found[0])) if found else None
    for line in maps.read_text().splitlines():
        name = line.split()[-1] if line.split() else ""
        if "libtiff" in Path(name).name:
            return ctypes.CDLL(name)  # dlopen of a loaded library: the same copy, not a second one
    return None


def route_messages() -> bool:
    """Install the handlers (once per process); False when libtiff cannot be found."""
    if _installed:
        return True
    if sys.platform == "win32":  # Windows wheels link libtiff statically: its symbols are not reachable
        return False
    try:
        library = _library()
    except OSError:
        return False
    if library is None:
        return False
    handler = _HANDLER(_say)
    for setter in ("TIFFSetErrorHandler", "TIFFSetWarningHandler"):
        function = getattr(library, setter, None)
        if function is None:
            return False
        function.restype = ctypes.c_void_p
        function.argtypes = [_HANDLER]
        function(handler)
    _installed.append(handler)
    return True


def codec_configured(scheme: int) -> bool | None:
    """Whether this process's libtiff decodes TIFF compression ``scheme`` (tag 259: 50001 WebP, 50000
    ZSTD, 34887 LERC, 34712 JPEG 2000...), from libtiff's own TIFFIsCODECConfigured; None when libtiff
    cannot be asked."""
    if sys.platform == "win32":
        return None
    try:
        library = _library()
    except OSError:
        return None
    check = getattr(library, "TIFFIsCODECConfigured", None) if library is not None else None
    if check is None:
        return None
    check.restype = ctypes.c_int
    check.argtypes = [ctypes.c_uint16]
    return bool(check(scheme))
