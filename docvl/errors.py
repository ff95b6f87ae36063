"""Typed errors. Each one names the file (when there is one) and the fix, and carries its exit code.

Exit codes follow docs/design.md §3: 1 a document failed, 2 usage error, 3 engine unavailable, 130 interrupted.
Input errors are raised by the load stage and turned into a failed result for that one document;
they never stop a batch. An exception docvl did not anticipate (a bug) becomes an InternalError for that
one document: named as such, with what was being done, never dressed up as a problem with the input.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_DOCUMENT_FAILED = 1
EXIT_USAGE = 2
EXIT_ENGINE_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130

# What a document's pipeline can be doing, as an internal error names it ("internal error while planning"):
# set by the pipeline as it goes (tasks.pipeline.TaskRun.stage, the plan and render commands' loops).
LOADING = "loading"
PLANNING = "planning"
DRAWING = "drawing pages"
ASKING = "asking the engine"
PARSING = "parsing the reply"
WRITING = "writing the output"


class DocvlError(Exception):
    """Base of every error docvl reports to a user."""

    exit_code = EXIT_DOCUMENT_FAILED
    code = "error"

    def __init__(self, message: str, *, path: str | Path | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.fix = fix

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text} — {self.fix}" if self.fix else text

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "path": self.path, "fix": self.fix}


class UsageError(DocvlError):
    """A bad flag or value on the command line: nothing was processed."""

    exit_code = EXIT_USAGE
    code = "usage"


class EngineUnavailable(DocvlError):
    """The engine cannot run at all (server down, no GPU, missing package)."""

    exit_code = EXIT_ENGINE_UNAVAILABLE
    code = "engine_unavailable"


class InputError(DocvlError):
    """One input document cannot be read. Raised by the load stage; the batch goes on."""

    code = "input"


class FileNotFound(InputError):
    code = "not_found"


class UnreadableFile(InputError):
    code = "unreadable"


class EmptyFile(InputError):
    code = "empty_file"


class UnsupportedFile(InputError):
    """The content is neither a PDF nor a supported image, whatever the extension says."""

    code = "unsupported_type"


class EncryptedFile(InputError):
    code = "encrypted"


class WrongPassword(InputError):
    code = "wrong_password"


class CorruptFile(InputError):
    code = "corrupt"


class NoPages(InputError):
    code = "no_pages"


class ImageTooSmall(InputError):
    code = "image_too_small"


class ImageTooLarge(InputError):
    code = "image_too_large"


class RenderError(InputError):
    code = "render_failed"


class DocumentTimeout(DocvlError):
    """One document took longer than --document-timeout; the batch goes on."""

    code = "timeout"


class InternalError(DocvlError):
    """An exception docvl did not anticipate, met while processing one document: a bug to report. The
    message says what was being done and the exception's one-line summary; --debug prints the traceback."""

    code = "internal"

    @classmethod
    def wrap(cls, exc: BaseException, doing: str, *, path: str | Path | None = None) -> InternalError:
        """``doing``: the stage that raised, in words ("planning", "drawing pages", ...)."""
        lines = str(exc).strip().splitlines()
        summary = lines[0][:300] if lines else "(no message)"
        return cls(
            f"internal error while {doing} (please report): {type(exc).__name__}: {summary}",
            path=path,
            fix="run again with --debug for the traceback, and include it in the report",
        )


class EngineRequestError(RuntimeError):
    """A request failed for good (after retries, or a 4xx the server will not change its mind about): that
    document fails (or its wider look is dropped), the batch goes on. Any engine may raise it; the tasks
    catch it by this one name."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix
