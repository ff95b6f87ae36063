"""Storage URLs (s3://, gs://, az://, hf://, file://, memory://, ...) through fsspec. Inputs are listed where
they are, each fetched to a local file just before its document is read and removed after it; an output
(`-o URL`) is written locally, beside its journal in docvl's cache folder, and uploaded whole at the end.

A listing says what the journal needs (size and ETag or modification time), so a re-run finds what it
finished without downloading anything twice. The protocols' own packages (s3fs, gcsfs, adlfs,
huggingface_hub) are what fsspec uses; one that is missing is a usage error naming it. Credentials come
from where those packages look (environment, config files, instance roles), as for any fsspec user.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docvl.errors import InputError, UsageError
from docvl.load.sniff import DOCUMENT_EXTENSIONS

URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]+://")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class RemoteFile:
    """One input at a URL, as its listing described it."""

    url: str
    stamp: str  # url, size and ETag or modification time: the journal's key for it


def is_url(text: str) -> bool:
    return URL.match(text) is not None


def list_url(url: str) -> tuple[list[RemoteFile], list[str]]:
    """The documents at ``url`` (a file, a folder walked recursively in sorted order, or a glob) and the
    entries of folders that are not documents by their extension (a listing cannot look inside them)."""
    fs, path = _filesystem(url)
    try:
        if _GLOB_CHARS & set(path):
            entries = fs.glob(path, detail=True)
            if not entries:
                raise UsageError(f"{url}: the pattern matches no file", fix="check the pattern and the bucket")
            found = {name: info for name, info in entries.items() if info.get("type") != "directory"}
            walked = False
        elif fs.isdir(path):
            found = fs.find(path, detail=True)
            walked = True
        else:
            found = {path: fs.info(path)}
            walked = False
    except FileNotFoundError:
        raise UsageError(f"{url}: no such file or folder", fix="check the URL (and the credentials for it)") from None
    except (PermissionError, OSError) as exc:
        if isinstance(exc, UsageError):
            raise
        raise UsageError(
            f"{url}: could not be listed ({exc})", fix="check the URL and the credentials for it"
        ) from None
    files: list[RemoteFile] = []
    skipped: list[str] = []
    for name in sorted(found):
        info = found[name]
        full = fs.unstrip_protocol(name)
        if any(part.startswith(".") for part in name.split("/")[-1:]):
            continue  # hidden, as in local folders
        if walked and Path(name).suffix.lower() not in DOCUMENT_EXTENSIONS:
            skipped.append(full)
            continue
        files.append(RemoteFile(full, _stamp(full, info)))
    return files, skipped


def fetch(url: str, dest: Path) -> None:
    """``url``'s bytes to ``dest``; InputError naming the URL when it cannot be read."""
    fs, path = _filesystem(url)
    try:
        with fs.open(path, "rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except (OSError, ValueError) as exc:
        dest.unlink(missing_ok=True)
        raise InputError(
            f"could not be downloaded ({type(exc).__name__}: {exc})",
            path=url,
            fix="check that it still exists and that the credentials can read it",
        ) from exc


def _filesystem(url: str) -> tuple[Any, str]:
    import fsspec  # type: ignore[import-untyped]

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:  # fsspec says which package the protocol needs
        raise UsageError(f"{url}: {exc}", fix="install the package it names, e.g. pip install s3fs") from None
    except ValueError as exc:  # a protocol fsspec does not know
        raise UsageError(
            f"{url}: {exc}", fix="use a local path or an fsspec URL (s3://, gs://, az://, hf://)"
        ) from None


def _stamp(url: str, info: dict[str, Any]) -> str:
    # ETag (S3, GCS, Azure) changes with the content; else the modification time, as listed
    version = (
        info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified") or info.get("created")
    )
    return f"{url}|{info.get('size')}|{version}"


def output_cache(url: str) -> Path:
    """Where ``-o URL`` is written (and journaled) on this machine before it is uploaded: a folder of
    docvl's cache named by the URL, so a re-run of the same command here resumes from its journal."""
    import hashlib
    import os

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "docvl" / "outputs"
    folder = base / hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (url.rstrip("/").rsplit("/", 1)[-1] or "output")


def upload(local: Path, url: str) -> None:
    """``local`` to ``url`` whole (an object store makes the object appear once the upload completes).
    OSError naming the URL when it cannot be written."""
    fs, path = _filesystem(url)
    try:
        parent = path.rsplit("/", 1)[0]
        if parent and parent != path:
            fs.makedirs(parent, exist_ok=True)
        fs.put_file(str(local), path)
    except (OSError, ValueError) as exc:
        raise OSError(f"could not upload to {url} ({type(exc).__name__}: {exc})") from exc
