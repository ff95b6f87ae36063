"""Planning options as one typed model: what the CLI's planning flags and the Python API's keywords both
build, so their defaults, choices and checks are declared once (`PlanningOptions.build` is the only way
either gets a docvl.planning.Planning)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from docvl.dense import DenseRanker
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
