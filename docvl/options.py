"""A run's options as typed groups, declared once: what the CLI's flags (cli/options.py gives each field its
typer option) and the Python API's keywords (docvl.api) both build, so defaults, choices and checks cannot
drift between them. `PlanningOptions.build` is the only way either gets a docvl.planning.Planning. Which
fields change results, and so make the resume key, is said here per field (``resume=False`` marks those
that do not)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from docvl.dense import DenseRanker
from docvl.engines.base import EngineOptions
from docvl.engines.servers import server_urls
from docvl.errors import UsageError
from docvl.load import DEFAULT_DPI
from docvl.pages import PageSelection
from docvl.planner import DEFAULT_MAX_OUTPUT, DEFAULT_MIN_TILES, PlanSettings, check_settings
from docvl.planning import Planning
from docvl.profiles import DEFAULT_PROFILE, get_profile
from docvl.tokens import make_counter


class PlanningOptions(BaseModel):
    """How pages fit the model's context (README: Planning and rendering)."""

    # an unknown keyword is a mistake to say (docvl.ask(..., max_tile=4)), not an option to ignore
    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str = Field(DEFAULT_PROFILE, description="model profile: tiling and token arithmetic")
    pages: str | None = Field(None, description="pages to use, e.g. 1-5,9,12- (counted from 1); None: all")
    context: int = Field(49_152, gt=0, description="the model's context window, tokens")
    max_output: int = Field(DEFAULT_MAX_OUTPUT, gt=0, description="tokens reserved for the answer")
    max_tiles: int = Field(12, ge=1, description="most 512-px tiles per page (thumbnail not counted)")
    min_tiles: int = Field(DEFAULT_MIN_TILES, ge=1, description="lowest max_tiles before the document is split")
    thumbnail: bool = Field(True, description="add the whole-page thumbnail tile when a page has several tiles")
    tokenizer: Path | None = Field(None, description="a tokenizer folder for exact counts; None: an estimate")
    page_mode: Literal["auto", "image", "text", "both"] = Field("auto", description="how pages go to the model")
    strategy: Literal["auto", "single", "map-reduce"] = Field("auto", description="when a document does not fit")
    max_images: int | None = Field(None, ge=1, description="most page images in one request; None: no limit")
    embedding_model: Path | None = Field(
        None, description="a sentence-transformers folder: rank long documents by meaning too (docvl[dense])"
    )

    def build(self) -> Planning:
        """The checked planning every document of a run uses. Raises UsageError for settings that cannot
        work for any document (before any is read)."""
        model = get_profile(self.profile)
        settings = PlanSettings(
            context=self.context,
            max_output=self.max_output,
            max_tiles=self.max_tiles,
            # max_tiles 4 alone must not trip over the default min_tiles 6
            min_tiles=min(self.min_tiles, self.max_tiles),
            thumbnail=self.thumbnail,
            page_mode=self.page_mode,
            strategy=self.strategy,
            max_images=self.max_images,
        )
        check_settings(settings, model)
        return Planning(
            profile=model,
            selection=PageSelection.parse(self.pages),
            settings=settings,
            counter=make_counter(self.tokenizer, model.chat.template_overhead_tokens),
            dense=DenseRanker(self.embedding_model) if self.embedding_model is not None else None,
        )


class Documents(BaseModel):
    """How documents are opened: every command."""

    model_config = ConfigDict(frozen=True)
    password: str | None = Field(None, json_schema_extra={"resume": False})  # opens the file; a secret
    attachments: bool = Field(False, json_schema_extra={"resume": False})  # which documents, not their results
    dpi: float = Field(DEFAULT_DPI, ge=18, le=1200)
    debug: bool = Field(False, json_schema_extra={"resume": False})


class Drawing(BaseModel):
    """How pages are drawn: the commands that draw."""

    model_config = ConfigDict(frozen=True)
    renderer: str = "pymupdf"
    workers: int | None = Field(None, ge=1, json_schema_extra={"resume": False})  # None: one per core

    @property
    def processes(self) -> int:
        return self.workers or os.cpu_count() or 1


class EngineChoice(BaseModel):
    """The engine and its settings: ask and extract."""

    model_config = ConfigDict(frozen=True)
    engine: str = "auto"
    # the model served is what counts; several servers share the documents (docvl.engines.servers)
    server: tuple[str, ...] = Field((), json_schema_extra={"resume": False})
    model: str | None = None
    device: str = "auto"
    dtype: str = "auto"
    loader: str = "native"
    concurrency: int = Field(4, ge=1, le=256, json_schema_extra={"resume": False})
    timeout: float = Field(300.0, ge=1, json_schema_extra={"resume": False})
    http_retries: int = Field(4, ge=0, le=20, json_schema_extra={"resume": False})

    @field_validator("server", mode="before")
    @classmethod
    def _servers(cls, value: Any) -> Any:
        """One URL (``server="http://..."``), several in one string, or a list of them."""
        if value is None:
            return ()
        return tuple(server_urls([value] if isinstance(value, str) else value))

    def engine_options(self, **more: Any) -> EngineOptions:
        """What the engine plug-ins take (``more``: extract's --structured)."""
        return EngineOptions(
            servers=tuple(server_urls(self.server)),
            model=self.model,
            timeout=self.timeout,
            retries=self.http_retries,
            concurrency=self.concurrency,
            # only what was set: an engine that does not take --dtype is told so only when it was given
            extra={
                key: value
                for key, value, default in (
                    ("device", self.device, "auto"),
                    ("dtype", self.dtype, "auto"),
                    ("loader", self.loader, "native"),
                )
                if value != default
            },
            **more,
        )


Runner = Literal["local", "ray"]
RUNNERS: tuple[str, ...] = get_args(Runner)


class Batch(BaseModel):
    """Many documents: ask and extract."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    report: Path | None = None
    fail_fast: bool = False
    max_failures: int | None = Field(None, ge=1)
    quiet: bool = False
    document_timeout: float | None = Field(None, ge=1)
    force: bool = False
    runner: Runner = "local"  # where documents run: this process and its workers, or Ray (docvl.ray_runner)
    ray_address: str | None = None  # a Ray cluster to join (None: RAY_ADDRESS, else a local Ray)


def resume_fields(model: BaseModel) -> dict[str, Any]:
    """The fields of ``model`` that change a result (all but those marked resume=False), for the resume
    key: derived from the models, never listed by hand."""
    out = {}
    for name, info in type(model).model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if extra.get("resume", True):
            value = getattr(model, name)
            out[name] = str(value) if isinstance(value, Path) else value
    return out


def resume_key(**groups: BaseModel) -> dict[str, dict[str, Any]]:
    """Each group's fields that change results, by group name: the resume key's part from the options."""
    return {name: resume_fields(group) for name, group in groups.items()}


def problems(exc: ValidationError, *, whole: str = "", limit: int | None = None) -> str:
    """A validation error's problems on one line, each as field: message (``whole`` names a problem with
    no field), for the UsageError or record error that says them."""
    errors = exc.errors()[:limit]
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}" for e in errors)


# the groups a task run takes, by the name the CLI's commands and docvl.api use for them
RUN_GROUPS: dict[str, type[BaseModel]] = {
    "planning": PlanningOptions,
    "documents": Documents,
    "drawing": Drawing,
    "engines": EngineChoice,
    "batch": Batch,
}


def grouped_keywords(keywords: dict[str, Any], *, refused: frozenset[str] = frozenset()) -> dict[str, BaseModel]:
    """The Python API's flat keywords (``max_tiles=6, dpi=150, server=...``) as the run's option groups.
    A keyword no group has, or one in ``refused`` (what only the command line does), is a UsageError
    naming it, never an option silently ignored; a bad value is one naming the field."""
    known = {name: group for group, model in RUN_GROUPS.items() for name in model.model_fields if name not in refused}
    unknown = sorted(set(keywords) - set(known))
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(unknown)}", fix=f"docvl's options are: {', '.join(known)}")
    values: dict[str, dict[str, Any]] = {group: {} for group in RUN_GROUPS}
    for name, value in keywords.items():
        values[known[name]][name] = value
    out = {}
    for group, model in RUN_GROUPS.items():
        try:
            out[group] = model(**values[group])
        except ValidationError as exc:
            raise UsageError(
                f"bad option ({problems(exc, whole=group)})", fix="see the option's description in docvl.options"
            ) from None
    return out
