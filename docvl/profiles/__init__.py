"""Model profiles, found through the ``docvl.profiles`` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points

from docvl.errors import UsageError
from docvl.profiles.base import ChatConventions, Grid, ModelProfile

DEFAULT_PROFILE = "nemotron-nano-v2-vl"

__all__ = ["DEFAULT_PROFILE", "ChatConventions", "Grid", "ModelProfile", "available_profiles", "get_profile"]


def available_profiles() -> list[str]:
    names = {ep.name for ep in entry_points(group="docvl.profiles")}
    names.add(DEFAULT_PROFILE)  # also when running from a source tree that was never installed
    return sorted(names)


def get_profile(name: str = DEFAULT_PROFILE) -> ModelProfile:
    for ep in entry_points(group="docvl.profiles"):
        if ep.name == name:
            return ep.load()
    if name == DEFAULT_PROFILE:
        from docvl.profiles.nemotron_nano_v2_vl import PROFILE

        return PROFILE
    raise UsageError(
        f"unknown model profile {name!r}",
        fix=f"choose one of: {', '.join(available_profiles())}",
    )
