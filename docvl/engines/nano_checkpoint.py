"""Reading a Nemotron Nano V2 VL checkpoint folder for the in-process engine: where it is, how it is
quantized, whether it fits the GPU, how its vision config reads as transformers' RADIO config, and
whether every weight the model needs was in it."""

from __future__ import annotations

import json
import math
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


def check_loading(info: dict, folder: Path, loader: str) -> list[str]:
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
            fix="check that --model is a complete Nemotron Nano V2 VL checkpoint; if it is, try "
            + ("--loader native" if loader == "remote" else "--loader remote (its own code)")
            + " or serve it with vLLM and pass --server",
        )
    return sorted(k for k in info.get("unexpected_keys") or [] if not k.endswith(UNUSED_OK))


# attention heads of the timm ViT families RADIO is built on: not readable from tensor shapes, and a wrong
# count loads without complaint and computes garbage
VIT_HEADS = {"tiny": 3, "small": 6, "base": 12, "large": 16, "huge": 16, "giant": 16, "gigantic": 16}
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
    name = str(args.get("model", ""))
    family = re.match(r"vit_([a-z]+)", name)
    heads = VIT_HEADS.get(family.group(1)) if family else None
    if heads is None or hidden % heads:
        raise EngineUnavailable(
            f"{folder}: vision model {name!r} (hidden size {hidden}) is not a ViT family docvl knows the attention "
            "heads of",
            fix="use --loader remote (the checkpoint's own code) or serve it with vLLM and pass --server",
        )
    patch = round((patch_dim / 3) ** 0.5)
    depth = 1 + max(int(m.group(1)) for k in shapes if (m := re.search(r"\.blocks\.(\d+)\.", k)))
    teachers = list(dict.fromkeys(t.get("name") for t in args.get("teachers") or []))
    stored = shapes.get(RADIO + "summary_idxs")
    # one class token per teacher; without the list, at least as many as the stored summary indices name
    cls = len(teachers) if teachers and args.get("cls_token_per_teacher", True) else (stored[0] if stored else 1)
    tokens = shapes.get(RADIO + "model.patch_generator.cls_token.token", [cls])[0]
    cls = min(cls, tokens)
    summary = [i for i, t in enumerate(args.get("teachers") or []) if t.get("use_summary", True)][:cls] or [0]
    if stored and stored[0] != len(summary):
        summary = list(range(stored[0]))  # the checkpoint's own indices are loaded over these
    positions = shapes.get(RADIO + "model.patch_generator.pos_embed")
    max_size = round(positions[1] ** 0.5) * patch if positions else args.get("cpe_max_size") or 2048
    return {
        "model_type": "radio",
        "hidden_size": hidden,
        "num_hidden_layers": depth,
        "num_attention_heads": heads,
        "patch_size": patch,
        "max_img_size": max_size,
        "num_cls_tokens": cls,
        "num_registers": tokens - cls,
        "summary_idxs": summary,
        "video_temporal_patch_size": 2,  # as the Omni class requires; images never use the video path
    }


def tensor_headers(folder: Path, prefix: str = "") -> dict[str, tuple[str, list[int]]]:
    """Name -> (dtype, shape) of the checkpoint's tensors under ``prefix``, from the safetensors headers
    only. A file cut short by an interrupted download is named here, before any loading."""
    from safetensors import safe_open

    headers: dict[str, tuple[str, list[int]]] = {}
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise EngineUnavailable(f"{folder}: no *.safetensors weights in it", fix=_DOWNLOAD)
    for file in files:
        try:
            with safe_open(file, framework="pt") as handle:
                for key in handle.keys():  # noqa: SIM118 - safe_open is not a mapping
                    if key.startswith(prefix):
                        tensor = handle.get_slice(key)
                        headers[key] = (tensor.get_dtype(), list(tensor.get_shape()))
        except Exception as exc:  # safetensors raises its own error type for a damaged file
            raise EngineUnavailable(f"{file}: not a readable safetensors file ({exc})", fix=_DOWNLOAD) from exc
    return headers


_DOWNLOAD = "download the checkpoint again (huggingface-cli download REPO --local-dir FOLDER resumes cut-off files)"


def _tensor_shapes(folder: Path, prefix: str) -> dict[str, list[int]]:
    return {name: shape for name, (_, shape) in tensor_headers(folder, prefix).items()}


# ModelOpt FP8 tensors under transformers' own per-tensor FP8 names
MODELOPT_FP8_KEYS = {r"\.weight_scale$": ".weight_scale_inv", r"\.input_scale$": ".activation_scale"}


def quantization(folder: Path, config: dict, loader: str) -> tuple[dict | None, dict[str, Any]]:
    """The quantization_config to load a quantized checkpoint with, and extra from_pretrained arguments.
    Never lets transformers skip a quantization it does not know (it would load unscaled weights)."""
    quant = config.get("quantization_config")
    legacy = folder / "hf_quant_config.json"  # ModelOpt's own file, beside or instead of config.json's copy
    if not quant and legacy.is_file():
        try:
            quant = {"quant_method": "modelopt", **json.loads(legacy.read_text())["quantization"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise EngineUnavailable(
                f'{legacy}: not ModelOpt\'s quantization file (no readable "quantization" object)', fix=_DOWNLOAD
            ) from exc
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
        per_tensor = {
            "quant_method": "fp8",
            "weight_block_size": None,
            "activation_scheme": "static",
            "dequantize": True,
        }
        return per_tensor, {"key_mapping": MODELOPT_FP8_KEYS}
    from transformers.quantizers.auto import AutoQuantizationConfig

    try:
        AutoQuantizationConfig.from_dict(dict(quant))  # how transformers itself will read it
    except ValueError as exc:
        what = f"{method} {algo}".strip() if algo else method
        raise EngineUnavailable(
            f"{folder} is quantized with {what}, which the installed transformers cannot load in-process",
            fix=f"{serve}; or use the BF16 checkpoint ({CHECKPOINTS['bf16']})",
        ) from exc
    return quant, {}


def preflight_memory(
    headers: dict[str, tuple[str, list[int]]], folder: Path, device: str, torch, *, dequantized_fp8: bool = False
) -> None:
    """Weights must fit the GPU: say how much is needed and what fits instead."""
    if not device.startswith("cuda"):
        return
    sizes = {"F8_E4M3": 2 if dequantized_fp8 else 1, "F8_E5M2": 2 if dequantized_fp8 else 1, "BF16": 2, "F16": 2,
             "F32": 4, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}  # fmt: skip
    weights = sum(sizes.get(dtype, 4) * math.prod(shape) for dtype, shape in headers.values())
    free, total = torch.cuda.mem_get_info(torch.device(device))
    if weights * 1.1 > free:
        raise EngineUnavailable(
            f"the weights in {folder} need about {weights * 1.1 / 2**30:.0f} GiB of GPU memory"
            f"{' (FP8 dequantized to bfloat16)' if dequantized_fp8 else ''}; "
            f"{free / 2**30:.0f} of {total / 2**30:.0f} GiB are free",
            fix=f"serve the FP8 checkpoint ({CHECKPOINTS['fp8']}, about 13 GB, Hopper/Ada) with vLLM, which keeps "
            "its weights in FP8, and pass --server; or use a bigger GPU",
        )
