"""NVIDIA Nemotron Nano V2 VL (12B): 512-px tiles, 256 tokens each after pixel shuffle, up to 12 + thumbnail.

Facts and sources: docs/design.md §1 and docs/notes/nemotron-nano-v2-vl.md.
"""

from docvl.profiles.base import ChatConventions
from docvl.profiles.internvl import InternVLProfile

PROFILE = InternVLProfile(
    name="nemotron-nano-v2-vl",
    chat=ChatConventions(
        think_system="/think",
        no_think_system="/no_think",
        think_sampling={"temperature": 0.6, "top_p": 0.95},
        no_think_sampling={"temperature": 0.0},
        # "<SPECIAL_10>System\n" "\n<SPECIAL_11>User\n" "\n<SPECIAL_11>Assistant\n" "<think></think>": a
        # generous count of the template's own tokens, used only without a tokenizer.
        template_overhead_tokens=24,
    ),
    tile_size=512,
    patch_size=16,
    downsample_ratio=0.5,
    use_thumbnail=True,
    wrapper_tokens=2,
    default_context=49_152,
    max_context=131_072,
    max_tiles_limit=12,
    default_max_tiles=12,
)
