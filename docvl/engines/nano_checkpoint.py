"""Reading a Nemotron Nano V2 VL checkpoint folder for the in-process engine: where it is, how it is
quantized, whether it fits the GPU, how its vision config reads as transformers' RADIO config, and
whether every weight the model needs was in it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from docvl.errors import EngineUnavailable

CHECKPOINTS = {
    "bf16": "nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16",
    "fp8": "nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-FP8",
}
DEFAULT_MODEL = CHECKPOINTS["bf16"]
NANO_MODEL_TYPE = "NemotronH_Nano_VL_V2"


def locate(model: str) -> Path:
    """A local folder, or a hub id already in the local cache. Never downloads: that is the user's step."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise EngineUnavailable(
                f"--model {model}: no config.json in that folder", fix="point --model at a checkpoint folder"
            )
        return folder
    if folder.exists() or model.count("/") != 1:
        raise EngineUnavailable(
            f"--model {model}: not a checkpoint folder or a hub id", fix=f"e.g. --model {DEFAULT_MODEL}"
        )
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception as exc:
        offline = " (HF_HUB_OFFLINE is set)" if os.environ.get("HF_HUB_OFFLINE") else ""
        raise EngineUnavailable(
            f"--model {model} is not in the local Hugging Face cache{offline}",
            fix=f"fetch it first: huggingface-cli download {model} --local-dir ./{model.split('/')[-1]}, then "
            f"--model ./{model.split('/')[-1]}",
        ) from exc


# Checkpoint tensors the in-process model has no use for: FP8 KV-cache scales (its cache stays in the
# model's dtype) and RADIO's input conditioner (docvl normalises the tiles itself, with the same numbers).
UNUSED_OK = (".k_scale", ".v_scale", "input_conditioner.norm_mean", "input_conditioner.norm_std")
# Weights a checkpoint may lack because docvl never uses them: the video patch projection (no video here).
MISSING_OK = ("video_patch_projection",)


def check_loading(info: dict, folder: Path) -> list[str]:
    """transformers only logs weights it could not find and initialises them at random: a model that
    would answer from random weights is refused. Returns the checkpoint tensors left unused."""
    missing = sorted(k for k in info.get("missing_keys") or [] if not any(m in k for m in MISSING_OK))
    mismatched = sorted(str(m[0]) if isinstance(m, tuple) else str(m) for m in info.get("mismatched_keys") or [])
    if missing or mismatched:
        what = f"{len(missing)} weight(s) are not in {folder}" if missing else ""
        if mismatched:
            what += ("; " if what else "") + f"{len(mismatched)} have another shape there"
        raise EngineUnavailable(
            f"{what} (e.g. {(missing or mismatched)[0]}): the model would run with random weights",
            fix="check that --model is a Nemotron Nano V2 VL checkpoint; if it is, try --loader remote (its own "
            "code) or serve it with vLLM and pass --server",
        )
    return sorted(k for k in info.get("unexpected_keys") or [] if not k.endswith(UNUSED_OK))


# attention heads of the timm ViTs RADIO is built on (not readable from tensor shapes)
VIT_HEADS = {"vit_huge_patch16_224": 16, "vit_large_patch16_224": 16, "vit_base_patch16_224": 12}
RADIO = "vision_model.radio_model."


def radio_vision_config(vision: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The checkpoint's vision_config, written in RADIO's own layout (``args``: the timm model, teachers,
    ``register_multiple``, ``cpe_max_size``), as transformers' RadioConfig. Sizes come from the tensors
    themselves where they can (hidden size, depth, patch, class + register tokens, position table,
    summary indices); without this the class falls back to C-RADIOv4's 3 + 7 tokens and the
    checkpoint's 8 do not load."""
    if vision.get("model_type") == "radio" and "args" not in vision:
        return vision  # already transformers' layout
    args = vision.get("args") or {}
    shapes = _tensor_shapes(folder, RADIO)
    embedder = shapes.get(RADIO + "model.patch_generator.embedder.weight")
    if embedder is None:
        raise EngineUnavailable(
            f"{folder}: no RADIO patch embedder ({RADIO}model.patch_generator.embedder.weight) among its weights",
            fix="check that --model is a Nemotron Nano V2 VL checkpoint, or use --loader remote",
        )
    hidden, patch_dim = embedder
    patch = round((patch_dim / 3) ** 0.5)
    depth = 1 + max(int(m.group(1)) for k in shapes if (m := re.search(r"\.blocks\.(\d+)\.", k)))
    teachers = list(dict.fromkeys(t.get("name") for t in args.get("teachers") or []))
    cls = len(teachers) if teachers and args.get("cls_token_per_teacher", True) else 1
    tokens = shapes.get(RADIO + "model.patch_generator.cls_token.token", [cls])[0]
    cls = min(cls, tokens)
    summary = [i for i, t in enumerate(args.get("teachers") or []) if t.get("use_summary", True)][:cls] or [0]
    if (stored := shapes.get(RADIO + "summary_idxs")) and stored[0] != len(summary):
        summary = list(range(stored[0]))  # the checkpoint's own indices are loaded over these
    positions = shapes.get(RADIO + "model.patch_generator.pos_embed")
    max_size = round(positions[1] ** 0.5) * patch if positions else args.get("cpe_max_size") or 2048
    return {
        "model_type": "radio",
        "hidden_size": hidden,
        "num_hidden_layers": depth,
        "num_attention_heads": VIT_HEADS.get(args.get("model", ""), max(1, hidden // 64)),
        "patch_size": patch,
        "max_img_size": max_size,
        "num_cls_tokens": cls,
        "num_registers": tokens - cls,
        "summary_idxs": summary,
        "video_temporal_patch_size": 2,  # as the Omni class requires; images never use the video path
    }


def _tensor_shapes(folder: Path, prefix: str) -> dict[str, list[int]]:
    """Shapes of the checkpoint's tensors under ``prefix``, read from the safetensors headers only."""
    from safetensors import safe_open

    shapes: dict[str, list[int]] = {}
    for file in sorted(folder.glob("*.safetensors")):
        with safe_open(file, framework="pt") as handle:
            for key in handle.keys():  # noqa: SIM118 - safe_open is not a mapping
                if key.startswith(prefix):
                    shapes[key] = list(handle.get_slice(key).get_shape())
    return shapes


# ModelOpt FP8 tensors under transformers' own per-tensor FP8 names
MODELOPT_FP8_KEYS = {r"\.weight_scale$": ".weight_scale_inv", r"\.input_scale$": ".activation_scale"}


def quantization(folder: Path, config: dict, loader: str) -> tuple[dict | None, dict[str, Any]]:
    """The quantization_config to load a quantized checkpoint with, and extra from_pretrained arguments.
    Never lets transformers skip a quantization it does not know (it would load unscaled weights)."""
    quant = config.get("quantization_config")
    legacy = folder / "hf_quant_config.json"  # ModelOpt's own file, beside or instead of config.json's copy
    if not quant and legacy.is_file():
        quant = {"quant_method": "modelopt", **json.loads(legacy.read_text()).get("quantization", {})}
    if not quant:
        return None, {}
    method = str(quant.get("quant_method", "")).lower()
    algo = str(quant.get("quant_algo", "")).upper()
    serve = f"serve it with vLLM (vllm serve {folder} --trust-remote-code) and pass --server"
    if method == "modelopt" and algo == "FP8":
        if loader == "remote":
            raise EngineUnavailable(
                f"{folder} holds ModelOpt FP8 weights, which the checkpoint's own code loads without their scales",
                fix="use --loader native, which dequantizes them correctly, or " + serve,
            )
        per_tensor = {"quant_method": "fp8", "weight_block_size": None, "activation_scheme": "static", "dequantize": True}
        return per_tensor, {"key_mapping": MODELOPT_FP8_KEYS}
    from transformers.quantizers.auto import AUTO_QUANTIZER_MAPPING

    if method not in AUTO_QUANTIZER_MAPPING:
        what = f"{method} {algo}".strip() if algo else method
        raise EngineUnavailable(
            f"{folder} is quantized with {what}, which the installed transformers cannot load in-process",
            fix=f"{serve}; or use the BF16 checkpoint ({CHECKPOINTS['bf16']})",
        )
    return quant, {}


def preflight_memory(folder: Path, device: str, torch, *, dequantized_fp8: bool = False) -> None:
    """Weights must fit the GPU: say how much is needed and what fits instead."""
    if not device.startswith("cuda"):
        return
    weights = sum(f.stat().st_size for f in folder.glob("*.safetensors")) * (2 if dequantized_fp8 else 1)
    free, total = torch.cuda.mem_get_info(torch.device(device))
    if weights * 1.1 > free:
        raise EngineUnavailable(
            f"the weights in {folder} need about {weights * 1.1 / 2**30:.0f} GiB of GPU memory"
            f"{' (FP8 dequantized to bfloat16)' if dequantized_fp8 else ''}; "
            f"{free / 2**30:.0f} of {total / 2**30:.0f} GiB are free",
            fix=f"serve the FP8 checkpoint ({CHECKPOINTS['fp8']}, about 13 GB, Hopper/Ada) with vLLM, which keeps "
            "its weights in FP8, and pass --server; or use a bigger GPU",
        )
