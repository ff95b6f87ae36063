"""Turn what the user typed (files, folders, globs) into an ordered list of files to process."""

from __future__ import annotations

import glob
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from docvl.errors import InputError, UsageError
from docvl.load.document import DocumentWarning
from docvl.load.sniff import DOCUMENT_EXTENSIONS, sniff
from docvl.storage import RemoteFile, is_url, list_url

_GLOB_CHARS = set("*?[")


@dataclass
class Sources:
    files: list[Path] = field(default_factory=list)
    # Files found inside folders that are neither PDFs nor images (by content). Named files are never
    # skipped: they go to the load stage, which reports what is wrong with them.
    skipped: list[Path | str] = field(default_factory=list)  # a str: an entry at a URL
    # How a file is shown when it is not a path the user gave: an embedded file saved to a temporary
    # folder is "outer.pdf#invoice.pdf" (with_attachments)
    names: dict[Path, str] = field(default_factory=dict)
    # what with_attachments was told about embedded files it could not read, as (outer file, warning)
    notes: list[tuple[Path, DocumentWarning]] = field(default_factory=list)
    # Inputs at URLs (docvl.storage), by the local path each is fetched to when its turn comes (in a
    # temporary folder of the run; docvl.tasks.inputs.fetching) and named by its URL.
    remote: dict[Path, RemoteFile] = field(default_factory=dict)
    _folder: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    _staging: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    _urls: set[str] = field(default_factory=set, repr=False)

    def add_remote(self, found: RemoteFile) -> None:
        if found.url in self._urls:
            return  # named twice: processed once
        self._urls.add(found.url)
        if self._staging is None:
            self._staging = tempfile.TemporaryDirectory(prefix="docvl-inputs-")
        suffix = Path(found.url.rsplit("/", 1)[-1]).suffix
        path = Path(self._staging.name) / f"{len(self.remote):06d}{suffix}"
        self.remote[path] = found
        self.names[path] = found.url
        self.files.append(path)

    def key(self, path: Path) -> str | None:
        """The journal's key for an input at a URL (from its listing), None for a local file."""
        found = self.remote.get(path)
        return found.stamp if found is not None else None

    def display(self, path: Path) -> str:
        """``path`` as messages and results name it."""
        return self.names.get(path, str(path))

    def with_attachments(self, password: str | None = None) -> Sources:
        """The embedded PDFs and images of every PDF, saved to a temporary folder and listed right after
        their PDF, each a document of its own. The folder lives as long as this object (it is removed when
        the command's Sources is garbage collected or the process exits, by TemporaryDirectory's own
        finalizer), so nothing is left beside the user's files or in /tmp."""
        from docvl.load.attachments import extract_attachments

        self._folder = tempfile.TemporaryDirectory(prefix="docvl-attachments-")
        files: list[Path] = []
        for index, path in enumerate(self.files):
            files.append(path)
            try:
                if sniff(path).kind != "pdf":
                    continue
                found, warnings = extract_attachments(path, Path(self._folder.name) / str(index), password=password)
            except InputError:
                continue  # the PDF itself is unreadable: its own load says why, with the rest of the batch
            self.notes.extend((path, w) for w in warnings)
            for attachment in found:
                files.append(attachment.path)
                self.names[attachment.path] = f"{path}#{attachment.name}"
        self.files = files
        return self


def discover(inputs: list[str]) -> Sources:
    """Expand inputs in the order given. Folders are walked recursively in sorted order, hidden entries
    ignored; a file found twice is processed once."""
    out = Sources()
    seen: set[Path] = set()

    def add(path: Path, target: list[Path] | list[Path | str]) -> None:
        try:
            key = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop: the load stage reports the file
            key = path.absolute()
        if key not in seen:
            seen.add(key)
            target.append(path)

    for raw in inputs:
        if is_url(raw):
            files, skipped = list_url(raw)
            for found in files:
                out.add_remote(found)
            out.skipped.extend(skipped)
            continue
        path = Path(raw).expanduser()
        if _is_dir(path):
            for child in _walk(path, out):
                add(child, out.files if _looks_like_document(child) else out.skipped)
        elif not path.exists() and _GLOB_CHARS & set(raw):
            matches = sorted(glob.glob(os.path.expanduser(raw), recursive=True))
            if not matches:
                raise UsageError(
                    f"{raw}: the pattern matches no file",
                    fix="check the pattern; quote it so the shell does not expand it",
                )
            for match in matches:
                m = Path(match)
                if _is_dir(m):
                    for child in _walk(m, out):
                        add(child, out.files if _looks_like_document(child) else out.skipped)
                else:
                    add(m, out.files)
        else:
            add(path, out.files)  # missing files are reported by the load stage, with the rest of the batch
    return out


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # an unsearchable parent folder: treated as a file, and reported as unreadable
        return False


def _walk(folder: Path, out: Sources) -> list[Path]:
    found: list[Path] = []

    def unreadable(err: OSError) -> None:
        out.skipped.append(Path(err.filename or folder))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        visible = sorted(d for d in dirs if not d.startswith("."))
        # Symlinked folders are not followed (they can loop); they are listed as skipped, not ignored.
        out.skipped.extend(Path(root) / d for d in visible if (Path(root) / d).is_symlink())
        dirs[:] = [d for d in visible if not (Path(root) / d).is_symlink()]
        found.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
    return found


def _looks_like_document(path: Path) -> bool:
    """Inside a folder: a known document extension, or any file whose content is a PDF or image
    (scans often come without an extension). Folders also hold READMEs and manifests, which are skipped."""
    if path.suffix.lower() in DOCUMENT_EXTENSIONS:
        return True
    try:
        sniff(path)
        return True
    except Exception:
        return False
