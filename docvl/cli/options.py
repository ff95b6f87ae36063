"""Command-line options shared by every command that reads documents and plans them."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from docvl.engines import BUILT_IN
from docvl.engines.openai_engine import STRUCTURED_MODES
from docvl.engines.transformers_engine import DTYPES, LOADERS
from docvl.errors import UsageError
from docvl.load import DEFAULT_DPI
from docvl.options import RUNNERS, Batch, Documents, Drawing, EngineChoice, PlanningOptions, problems
from docvl.planner import (
    PAGE_MODES,
    STRATEGIES,
)
from docvl.render import PDF_RENDERERS

INPUTS = "Inputs"
PLANNING = "Planning (how pages fit the context)"


def choices(*values: str) -> str:
    """An option's metavar listing its choices, as click shows a Choice's. The values come from the module
    that owns them (and checks them, with a fix), so --help cannot drift from what is accepted."""
    return "[" + "|".join(values) + "]"


Files = Annotated[
    list[str],
    typer.Argument(
        help="PDF or image files, folders (searched recursively) or quoted globs like 'scans/**/*.tif'.",
        show_default=False,
        metavar="FILE",
    ),
]
Pages = Annotated[
    str | None,
    typer.Option("--pages", "-p", help="Pages to use, e.g. 1-5,9,12- (counted from 1).", rich_help_panel=INPUTS),
]
Password = Annotated[
    str | None,
    typer.Option(
        "--password",
        envvar="DOCVL_PASSWORD",
        help="Password for encrypted PDFs (or set DOCVL_PASSWORD, which keeps it out of the process list).",
        rich_help_panel=INPUTS,
        show_default=False,
    ),
]
Dpi = Annotated[
    float,
    typer.Option(
        "--dpi",
        min=18,
        max=1200,
        help="Resolution PDF pages are measured at. Tiling depends on a page's shape; the size only breaks "
        "ties between grids of one shape (a square page gets 2x2 tiles from 110 dpi on). Pages are always "
        "drawn straight at their grid's size.",
        rich_help_panel=INPUTS,
    ),
]
Context = Annotated[
    int,
    typer.Option(
        "--context", help="Model context window in tokens (the model takes up to 131,072).", rich_help_panel=PLANNING
    ),
]
MaxOutput = Annotated[
    int, typer.Option("--max-output", help="Tokens reserved for the answer.", rich_help_panel=PLANNING)
]
MaxTiles = Annotated[
    int,
    typer.Option(
        "--max-tiles",
        min=1,
        max=12,
        help="Most 512-px tiles per page (1-12); 12 reads small print best.",
        rich_help_panel=PLANNING,
    ),
]
MaxImages = Annotated[
    int | None,
    typer.Option(
        "--max-images",
        min=1,
        help="Most page images in one request, for a server started with a lower --limit-mm-per-prompt (vLLM) "
        "or an endpoint with an image cap; more pages are split over several requests.",
        rich_help_panel=PLANNING,
        show_default=False,
    ),
]
MinTiles = Annotated[
    int,
    typer.Option(
        "--min-tiles",
        min=1,
        max=12,
        help="Lowest max-tiles the planner may fall to before it splits the document into several requests.",
        rich_help_panel=PLANNING,
    ),
]
NoThumbnail = Annotated[
    bool,
    typer.Option(
        "--no-thumbnail",
        help="Plan without the whole-page thumbnail tile. Servers add it per their own config; this only "
        "changes engines that tile in-process.",
        rich_help_panel=PLANNING,
    ),
]
Tokenizer = Annotated[
    Path | None,
    typer.Option(
        "--tokenizer",
        help="Local tokenizer folder (anything transformers loads) to count text tokens exactly; "
        "without it a conservative estimate is used.",
        rich_help_panel=PLANNING,
        show_default=False,
    ),
]
PageMode = Annotated[
    str,
    typer.Option(
        "--page-mode",
        metavar=choices(*PAGE_MODES),
        help="How pages go to the model: auto (a page that is all text as its text layer, far fewer tokens; "
        "pages with pictures, ruled tables, charts or no text layer as images), image, text or both.",
        rich_help_panel=PLANNING,
    ),
]
Strategy = Annotated[
    str,
    typer.Option(
        "--strategy",
        metavar=choices(*STRATEGIES),
        help="When a document does not fit one request: auto (keep the pages that best match the question; "
        "map-reduce when none does), single (one request, dropping what does not fit) or map-reduce (every "
        "page, in several requests whose results are combined).",
        rich_help_panel=PLANNING,
    ),
]
EmbeddingModel = Annotated[
    Path | None,
    typer.Option(
        "--embedding-model",
        help="A sentence-transformers model in a local folder (pip install 'docvl\\[dense]'): long documents are "
        "also ranked by meaning, for questions worded nothing like their answer page. Never downloads; about "
        "0.2 s a page on 2 CPU cores. E.g. paraphrase-multilingual-MiniLM-L12-v2 (50+ languages).",
        envvar="DOCVL_EMBEDDING_MODEL",
        rich_help_panel=PLANNING,
        show_default=False,
    ),
]
MaxRequests = Annotated[
    int,
    typer.Option(
        "--max-requests",
        min=1,
        help="Looks at a long document (ask, model engines): when the model answers that the pages it was sent "
        "do not hold the answer ('Pages: none'), ask again with the next best pages not yet sent, up to this "
        "many looks in all. 1: never look further. Map-reduce reads every page and never needs it.",
        rich_help_panel=PLANNING,
    ),
]
Profile = Annotated[
    str, typer.Option("--profile", help="Model profile: tiling and token arithmetic.", rich_help_panel=PLANNING)
]

# the planning defaults --help shows: the core model's own (declared once, in docvl.options)
DEFAULTS = PlanningOptions()


ENGINE = "Engine"

Engine = Annotated[
    str,
    typer.Option(
        "--engine",
        "-e",
        metavar=choices("auto", *BUILT_IN),
        help="auto (a server if --server/DOCVL_BASE_URL is set, else text), openai (vLLM, SGLang, NIM, any "
        "OpenAI-compatible server), transformers (the model in-process: --model HUB_ID_OR_FOLDER) or text (no "
        "model: the PDF text layer).",
        rich_help_panel=ENGINE,
    ),
]
Server = Annotated[
    list[str] | None,
    typer.Option(
        "--server",
        envvar="DOCVL_BASE_URL",
        help="OpenAI-compatible server URL, e.g. http://localhost:8000/v1 (or set DOCVL_BASE_URL). Give it again "
        "(or list URLs in DOCVL_BASE_URL, separated by spaces or commas) to spread documents over several servers "
        "of the same model; --concurrency is then the total.",
        rich_help_panel=ENGINE,
        show_default=False,
    ),
]
Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        envvar="DOCVL_MODEL",
        help="Model name on the server (default: the first one it lists), or for --engine transformers a hub id or "
        "checkpoint folder. API key: DOCVL_API_KEY or OPENAI_API_KEY.",
        rich_help_panel=ENGINE,
        show_default=False,
    ),
]
Device = Annotated[
    str,
    typer.Option(
        "--device",
        help="transformers engine: auto (a CUDA GPU, else exit 3), cuda, cuda:N or cpu (tiny test models).",
        rich_help_panel=ENGINE,
    ),
]
Dtype = Annotated[
    str,
    typer.Option(
        "--dtype",
        metavar=choices(*DTYPES),
        help="transformers engine: auto (bfloat16 on GPU, and with --loader remote; float32 on CPU), bfloat16, "
        "float16 or float32. The FP8 checkpoint as --model is dequantized to this dtype at load.",
        rich_help_panel=ENGINE,
    ),
]
Loader = Annotated[
    str,
    typer.Option(
        "--loader",
        metavar=choices(*LOADERS),
        help="transformers engine: native (transformers >= 5.10; no code from the checkpoint runs) or remote (runs "
        "the checkpoint's own Python code with trust_remote_code, as the seed recipe; transformers 4.53).",
        rich_help_panel=ENGINE,
    ),
]
Concurrency = Annotated[
    int,
    typer.Option(
        "--concurrency", min=1, max=256, help="Documents in flight at once (server engines).", rich_help_panel=ENGINE
    ),
]
Timeout = Annotated[
    float, typer.Option("--timeout", min=1, help="Seconds to wait for one server reply.", rich_help_panel=ENGINE)
]
HttpRetries = Annotated[
    int,
    typer.Option(
        "--http-retries", min=0, max=20, help="Retries, with backoff, on 429, 5xx and timeouts.", rich_help_panel=ENGINE
    ),
]
Structured = Annotated[
    str,
    typer.Option(
        "--structured",
        metavar=choices(*STRUCTURED_MODES),
        help="How extraction asks the server for schema-shaped JSON: auto (probe the server), structured_outputs "
        "(vLLM >= 0.10.2), guided_json (older vLLM), response_format (OpenAI's form) or off.",
        rich_help_panel=ENGINE,
    ),
]
Think = Annotated[
    bool,
    typer.Option(
        "--think/--no-think", help="Let the model reason first (/think) or answer directly (/no_think, default)."
    ),
]
Renderer = Annotated[
    str,
    typer.Option(
        "--renderer",
        metavar=choices(*PDF_RENDERERS),
        help="PDF rasterizer: pymupdf, pdfium or poppler.",
        rich_help_panel=INPUTS,
    ),
]
Attachments = Annotated[
    bool,
    typer.Option(
        "--attachments",
        help="Also read the PDFs and images embedded in PDFs, each as a document of its own (outer.pdf#invoice.pdf).",
        rich_help_panel=INPUTS,
    ),
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Processes that load, analyse, draw and encode pages (default: one per core). A batch of "
        "documents for a server shares them; one long document splits its pages between them. With --runner ray: "
        "the number of Ray actors (default: one per CPU of the cluster).",
        rich_help_panel=INPUTS,
        show_default=False,
    ),
]

Debug = Annotated[
    bool,
    typer.Option(
        "--debug",
        help="On an internal error (a docvl bug), print its traceback to stderr too; let library log messages through.",
    ),
]

BATCH = "Batch (folders, CI)"

Report = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Write a JSON report: every document's status, errors, plan, token usage and timings.",
        rich_help_panel=BATCH,
        show_default=False,
    ),
]
FailFast = Annotated[
    bool,
    typer.Option("--fail-fast", help="Stop at the first document that fails (exit 1).", rich_help_panel=BATCH),
]
MaxFailures = Annotated[
    int | None,
    typer.Option(
        "--max-failures",
        min=1,
        help="Stop once this many documents have failed (exit 1).",
        rich_help_panel=BATCH,
        show_default=False,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option("--quiet", help="No progress bar (there is none without a terminal either).", rich_help_panel=BATCH),
]
DocumentTimeout = Annotated[
    float | None,
    typer.Option(
        "--document-timeout",
        min=1,
        help="Seconds one document may take, all its requests together; past it the document fails and the "
        "batch goes on.",
        rich_help_panel=BATCH,
        show_default=False,
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Redo every document. Without it, a re-run with -o skips the documents an earlier run of the same "
        "command finished (kept in a journal beside the output, keyed by content hash and options).",
        rich_help_panel=BATCH,
    ),
]


# -- option groups ------------------------------------------------------------------------------------
#
# Each group is declared once: its options (the annotated types above, with their defaults) and the typed
# value they become. A command names the groups it takes (`@grouped(planning=PLANNING_GROUP, ...)`) and
# receives one value per group; typer still sees every option, since the decorator puts them in the
# command's signature. Which options change results (the resume key) is said here too, per field.


@dataclass(frozen=True)
class OptionGroup:
    """Options shared by commands: name -> (annotated type, default), and what their values become."""

    options: dict[str, tuple[Any, Any]]
    build: Callable[..., Any]

    def with_defaults(self, **defaults: Any) -> OptionGroup:
        """The same options with other defaults, for a command whose use differs (render draws long
        documents with 2 workers)."""
        unknown = set(defaults) - set(self.options)
        if unknown:
            raise ValueError(f"not options of this group: {', '.join(sorted(unknown))}")
        changed = {name: (kind, defaults.get(name, default)) for name, (kind, default) in self.options.items()}
        return OptionGroup(changed, self.build)


def _planning_value(*, no_thumbnail: bool, **values: Any) -> PlanningOptions:
    for flag, value, allowed in (
        ("--page-mode", values["page_mode"], PAGE_MODES),
        ("--strategy", values["strategy"], STRATEGIES),
    ):
        if value not in allowed:
            raise UsageError(f"{flag} {value!r} is not one of {', '.join(allowed)}", fix=f"e.g. {flag} {allowed[0]}")
    return PlanningOptions(thumbnail=not no_thumbnail, **values)


PLANNING_GROUP = OptionGroup(
    {
        "pages": (Pages, None),
        "context": (Context, DEFAULTS.context),
        "max_output": (MaxOutput, DEFAULTS.max_output),
        "max_tiles": (MaxTiles, DEFAULTS.max_tiles),
        "min_tiles": (MinTiles, DEFAULTS.min_tiles),
        "no_thumbnail": (NoThumbnail, False),
        "tokenizer": (Tokenizer, None),
        "page_mode": (PageMode, DEFAULTS.page_mode),
        "strategy": (Strategy, DEFAULTS.strategy),
        "max_images": (MaxImages, None),
        "embedding_model": (EmbeddingModel, None),
        "profile": (Profile, DEFAULTS.profile),
    },
    _planning_value,
)
DOCUMENTS_GROUP = OptionGroup(
    {
        "password": (Password, None),
        "attachments": (Attachments, False),
        "dpi": (Dpi, DEFAULT_DPI),
        "debug": (Debug, False),
    },
    Documents,
)
DRAWING_GROUP = OptionGroup({"renderer": (Renderer, "pymupdf"), "workers": (Workers, None)}, Drawing)
ENGINE_GROUP = OptionGroup(
    {
        "engine": (Engine, "auto"),
        "server": (Server, None),
        "model": (Model, None),
        "device": (Device, "auto"),
        "dtype": (Dtype, "auto"),
        "loader": (Loader, "native"),
        "concurrency": (Concurrency, 4),
        "timeout": (Timeout, 300.0),
        "http_retries": (HttpRetries, 4),
    },
    EngineChoice,
)
OutputDir = Annotated[
    str | None,
    typer.Option(
        "--output-dir",
        help="For very large runs: records as shard files in this folder or storage URL (JSONL, or Parquet with "
        "--format parquet), each record with a _doc_key column; under --runner ray each worker writes its own. "
        "Resumable like -o.",
        rich_help_panel=BATCH,
        show_default=False,
    ),
]
RunnerOption = Annotated[
    str,
    typer.Option(
        "--runner",
        metavar=choices(*RUNNERS),
        help="Where documents run: local (this process, its worker processes and --concurrency requests) or ray "
        "(actors on a Ray cluster, each with its share of --concurrency: pip install 'docvl[ray]'; README: Ray).",
        rich_help_panel=BATCH,
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        envvar="RAY_ADDRESS",
        help="The Ray cluster to join with --runner ray, e.g. ray://head:10001 or auto (default: a local Ray "
        "started for the run).",
        rich_help_panel=BATCH,
        show_default=False,
    ),
]
BATCH_GROUP = OptionGroup(
    {
        "report": (Report, None),
        "fail_fast": (FailFast, False),
        "max_failures": (MaxFailures, None),
        "quiet": (Quiet, False),
        "document_timeout": (DocumentTimeout, None),
        "force": (Force, False),
        "runner": (RunnerOption, "local"),
        "ray_address": (RayAddress, None),
    },
    Batch,
)

# what ask and extract both take: every group
TASK_GROUPS = {
    "planning": PLANNING_GROUP,
    "documents": DOCUMENTS_GROUP,
    "drawing": DRAWING_GROUP,
    "engines": ENGINE_GROUP,
    "batch": BATCH_GROUP,
}

F = TypeVar("F", bound=Callable[..., Any])


def grouped(**groups: OptionGroup) -> Callable[[F], F]:
    """The command takes one keyword per group (its typed value); typer sees each group's options in the
    command's signature, after the command's own."""

    def wrap(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        own = [p for name, p in signature.parameters.items() if name not in groups]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
            for group in groups.values()
            for name, (annotation, default) in group.options.items()
        ]

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            for key, group in groups.items():
                values = {name: kwargs.pop(name) for name in group.options if name in kwargs}
                try:
                    kwargs[key] = group.build(**values)
                except ValidationError as exc:  # a value typer's own checks let through
                    raise UsageError(f"bad option value ({problems(exc)})", fix="see --help") from None
            return command(*args, **kwargs)

        run.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return wrap
