"""The `transformers` engine: Nemotron Nano V2 VL loaded in-process with transformers.

Two loaders behind one engine (``--loader``):

- ``native`` (default; transformers >= 5.10): the model assembled from transformers' own parts, as the
  ``nemotron_h_omni`` class does — RADIO vision encoder, pixel shuffle 0.5, the ``mlp1`` projector and the
  NemotronH hybrid LLM. Its weight names are those of the Nano V2 VL checkpoint (docs/notes/engines-on-cpu.md
  §3), so a checkpoint's config in the Nano layout (``NemotronH_Nano_VL_V2``: ``llm_config``,
  ``vit_hidden_size``, ``img_context_token_id``) is read into that class. The class's own image
  processor does another tiling and needs torchvision, so docvl feeds it the tiles of its own plan: each
  page already drawn at its grid size is cut into 512-px tiles plus the thumbnail, normalised with the
  checkpoint's ``norm_mean``/``norm_std``, and each tile is one 32x32-patch "image" (256 tokens after
  pixel shuffle). No ``trust_remote_code``.
- ``remote``: the seed recipe, ``AutoModelForCausalLM.from_pretrained(path, trust_remote_code=True)``: the
  checkpoint's own ``modeling.py`` (``NemotronH_Nano_VL_V2``), for the transformers version that code was
  written for (the seed pins 4.53). docvl calls its ``generate(pixel_values, input_ids, attention_mask,
  **generate_kwargs)`` with the same tiles, as the ``[tiles, 3, 512, 512]`` batch its processor would
  make; the checkpoint's processor is not loaded (its tiling is not the plan's).

Quantized checkpoints: NVIDIA's FP8 checkpoint is ModelOpt FP8 (per-tensor ``weight_scale`` /
``input_scale`` beside float8 weights), a ``quant_method`` transformers does not know: it would skip the
quantization and load the float8 numbers without their scales, silently wrong. The native loader maps it
to transformers' per-tensor FP8 (``weight_scale`` -> ``weight_scale_inv``) and dequantizes at load, so
the results are right but the weights take BF16's memory; vLLM keeps them in FP8. Other methods
transformers cannot load (ModelOpt NVFP4, ...) are refused with the vLLM command.

Prompts go through the tokenizer's chat template; each page image is one ``<image>`` placeholder, which
becomes ``<img>`` + 256 x tiles ``<image>`` + ``</img>`` as in vLLM's Nano V2 VL processor.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from pydantic import BaseModel, ConfigDict

from docvl.engines.base import Capabilities, EngineOptions, Generation, Reply
from docvl.engines.nano_checkpoint import (
    DEFAULT_MODEL,
    NANO_MODEL_TYPE,
    check_loading,
    locate,
    preflight_memory,
    quantization,
    radio_vision_config,
    tensor_headers,
)
from docvl.errors import EngineRequestError, EngineUnavailable, UsageError
from docvl.prompt import ImagePart, Prompt, TextPart
from docvl.results import Usage
from docvl.tokens import HFTokenizerCounter, TokenCounter

END_OF_TURN = "<SPECIAL_12>"
IMG_START, IMG_END, IMG_CONTEXT = "<img>", "</img>", "<image>"
# C-RADIO's input conditioner when a config does not say (the checkpoint's config.json does).
DEFAULT_MEAN = (0.48145466, 0.4578275, 0.40821073)
DEFAULT_STD = (0.26862954, 0.26130258, 0.27577711)
LOADERS = ("native", "remote")
DTYPES = ("auto", "bfloat16", "float16", "float32")


class TransformersEngine:
    name = "transformers"
    # pixels stay in-process (no encoding); requests wait on one model, while --concurrency overlaps
    # drawing the next documents' pages with the current generate()
    capabilities = Capabilities(reads_pixels=True, image_encoding=None, parallel_requests=True, token_logprobs=True)

    class Options(BaseModel):
        """What only the in-process engine takes (--device, --dtype, --loader)."""

        model_config = ConfigDict(extra="forbid", frozen=True)
        device: str = "auto"
        dtype: str = "auto"
        loader: str = "native"

    def __init__(self, options: EngineOptions) -> None:
        extra = self.Options.model_validate(options.extra)
        self.loader = extra.loader
        if self.loader not in LOADERS:
            raise UsageError(f"--loader {self.loader!r} is not a loader", fix=f"choose one of: {', '.join(LOADERS)}")
        dtype_name = extra.dtype
        if dtype_name not in DTYPES:
            raise UsageError(f"--dtype {dtype_name!r} is not a dtype", fix=f"choose one of: {', '.join(DTYPES)}")
        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            raise EngineUnavailable(
                f"the transformers engine needs {' and '.join(missing)}",
                fix="pip install 'docvl[hf]' (and 'docvl[gpu]' for the Mamba kernels on CUDA)",
            )
        import torch

        self.torch = torch
        self.device = _device(extra.device, torch)
        self.dtype = _dtype(dtype_name, self.device, self.loader, torch)
        self.folder = locate(options.model or DEFAULT_MODEL)
        self.config = json.loads((self.folder / "config.json").read_text())
        if self.loader == "remote" and "AutoModelForCausalLM" not in (self.config.get("auto_map") or {}):
            # checked before the tokenizer, which would otherwise run the checkpoint's code first
            raise EngineUnavailable(
                f"--loader remote: {self.folder} carries no model code of its own (config.json's auto_map names "
                "no AutoModelForCausalLM)",
                fix="use --loader native (the default), which needs no code from the checkpoint",
            )
        headers = tensor_headers(self.folder)  # every weight file readable, or the damaged one named
        self.quantization, self.load_kwargs = quantization(self.folder, self.config, self.loader)
        # ModelOpt FP8 weights are dequantized at load: twice their size on the GPU
        preflight_memory(headers, self.folder, self.device, torch, dequantized_fp8=self.load_kwargs != {})
        self.kernels = all(importlib.util.find_spec(m) is not None for m in ("mamba_ssm", "causal_conv1d"))
        from transformers import AutoTokenizer

        with _quiet_transformers():
            self.tokenizer = AutoTokenizer.from_pretrained(self.folder, trust_remote_code=self.loader == "remote")
        self.net = self._load_native() if self.loader == "native" else self._load_remote()
        vision = self.config.get("vision_config") or {}
        self.mean = tuple(self.config.get("norm_mean") or vision.get("norm_mean") or DEFAULT_MEAN)
        self.std = tuple(self.config.get("norm_std") or vision.get("norm_std") or DEFAULT_STD)
        self.tile_size = int(self.config.get("force_image_size") or 512)
        self.patch = int(vision.get("patch_size") or self.config.get("patch_size") or 16)
        ratio = float(self.config.get("downsample_ratio") or 0.5)
        self.tokens_per_tile = int((self.tile_size // self.patch) ** 2 * ratio**2)
        vocab = self.tokenizer.get_vocab()
        self.stop_ids = sorted(
            {vocab[t] for t in (END_OF_TURN,) if t in vocab} | {self.tokenizer.eos_token_id} - {None}
        )
        self.model = options.model or DEFAULT_MODEL  # the name results record, as the openai engine's
        self.last_inputs: dict[str, Any] = {}  # what the last generate() fed the model (tests, debugging)
        # one generate() at a time on the one model: --concurrency then overlaps drawing pages with it
        self._lock = threading.Lock()

    def token_counter(self, template_overhead_tokens: int) -> TokenCounter | None:
        """The checkpoint's own tokenizer: the plan counts exactly what the model is fed."""
        return HFTokenizerCounter.of(self.tokenizer, f"tokenizer of {self.model}", template_overhead_tokens)

    # loading ----------------------------------------------------------------------------------------

    def _load_native(self):
        import transformers

        if _version(transformers.__version__) < (5, 10):
            raise EngineUnavailable(
                f"--loader native needs transformers >= 5.10 (installed: {transformers.__version__})",
                fix="pip install -U 'transformers>=5.10', or use --loader remote with the checkpoint's own code",
            )
        from transformers.models.nemotron_h_omni import NemotronH_Omni_Reasoning_V3, NemotronH_Omni_Reasoning_V3_Config

        # the config as transformers writes it (special floats such as Infinity encoded), read its own way
        raw = NemotronH_Omni_Reasoning_V3_Config._dict_from_json_file(self.folder / "config.json")
        for key in ("model_type", "architectures", "auto_map", "transformers_version"):
            raw.pop(key, None)
        if self.config.get("model_type") == NANO_MODEL_TYPE:
            # the Nano layout's names for what the Omni class calls text_config / vision_hidden_size / image_token_id
            raw.setdefault("text_config", raw.pop("llm_config", None))
            raw.setdefault("vision_hidden_size", raw.pop("vit_hidden_size", 1280))
            raw.setdefault("image_token_id", raw.pop("img_context_token_id", None))
            raw["vision_config"] = radio_vision_config(raw.get("vision_config") or {}, self.folder)
        if raw.get("image_token_id") is None:
            raw["image_token_id"] = self.tokenizer.convert_tokens_to_ids(IMG_CONTEXT)
        raw.pop("quantization_config", None)
        with _quiet_transformers():
            config = NemotronH_Omni_Reasoning_V3_Config(**raw)
            if self.quantization is not None:
                config.quantization_config = self.quantization
            model, info = NemotronH_Omni_Reasoning_V3.from_pretrained(
                self.folder, config=config, dtype=self.dtype, output_loading_info=True, **self.load_kwargs
            )
        self.unused = check_loading(info, self.folder, self.loader)
        return model.to(self.device).eval()

    def _load_remote(self):
        import transformers
        from transformers import AutoModelForCausalLM

        installed = transformers.__version__
        # transformers 4.56 renamed torch_dtype to dtype; the checkpoint's code targets 4.53
        dtype_kw = "dtype" if _version(installed) >= (4, 56) else "torch_dtype"
        placement = {"device_map": self.device} if self.device.startswith("cuda") else {}
        try:
            with _quiet_transformers():
                model, info = AutoModelForCausalLM.from_pretrained(
                    self.folder, trust_remote_code=True, output_loading_info=True, **{dtype_kw: self.dtype}, **placement
                )
        except Exception as exc:  # its code, its errors: say which versions meet
            raise EngineUnavailable(
                f"the checkpoint's own code did not load under transformers {installed} (its config was saved "
                f"with {self.config.get('transformers_version', 'an unknown version')}): {type(exc).__name__}: {exc}",
                fix="run --loader remote where the seed recipe's versions are installed: pip install "
                "'transformers>4.53,<4.54' 'mamba-ssm==2.2.5' causal-conv1d timm open_clip_torch; "
                "or use --loader native with transformers >= 5.10",
            ) from exc
        self.unused = check_loading(info, self.folder, self.loader)
        return model.to(self.device).eval() if not placement else model.eval()

    def describe(self) -> str:
        kernels = (
            "mamba-ssm/causal-conv1d kernels"
            if self.kernels and self.device.startswith("cuda")
            else ("pure-torch Mamba (install the gpu extra on CUDA for the kernels)")
        )
        dtype = str(self.dtype).removeprefix("torch.")
        if self.load_kwargs:
            dtype = f"ModelOpt FP8 weights dequantized to {dtype}"
        unused = f"; {len(self.unused)} checkpoint tensor(s) not used, e.g. {self.unused[0]}" if self.unused else ""
        return f"transformers ({self.model}, {self.loader} loader, {self.device}, {dtype}; {kernels}{unused})"

    # generation -------------------------------------------------------------------------------------

    def generate(self, prompt: Prompt, generation: Generation) -> Reply:
        torch = self.torch
        start = time.perf_counter()
        content: list[dict[str, Any]] = []
        tiles: list[Any] = []
        counts: list[int] = []
        for part in prompt.parts:
            if isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
            elif isinstance(part, ImagePart):
                content.append({"type": "image"})
                page_tiles = _tiles(part.page)
                tiles.extend(page_tiles)
                counts.append(len(page_tiles))
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": content},
        ]
        # tokenize=False: the template's text (the annotation also covers token ids and batches)
        text = cast(str, self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
        text = _expand_images(text, counts, self.tokens_per_tile)
        encoded = self.tokenizer(text, return_tensors="pt", add_special_tokens=False).to(self.device)
        # only these two: a tokenizer that also returns token_type_ids would have generate() refuse them
        inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
        kwargs = self._vision_inputs(tiles) if tiles else {}
        sampling: dict[str, Any] = {"do_sample": False}
        if generation.temperature > 0:
            sampling = {"do_sample": True, "temperature": generation.temperature}
            if generation.top_p is not None:
                sampling["top_p"] = generation.top_p
        fed = {"text": text, "input_ids": inputs["input_ids"], "tiles": len(tiles), **kwargs}
        # the pure-torch Mamba fallback logs once per kernel; describe() already said which path runs
        recorder = _chosen_token_logprobs(torch) if generation.logprobs else None
        with self._lock, torch.inference_mode(), _quiet_transformers():
            self.last_inputs = fed
            try:
                output = self.net.generate(
                    **inputs,
                    **kwargs,
                    **sampling,
                    max_new_tokens=generation.max_tokens,
                    eos_token_id=self.stop_ids,
                    pad_token_id=self.tokenizer.pad_token_id or self.stop_ids[0],
                    logits_processor=[recorder] if recorder is not None else None,
                )
            except torch.OutOfMemoryError as exc:  # this request was too big; a smaller one may still fit
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                raise EngineRequestError(
                    f"out of GPU memory for a request of {len(inputs['input_ids'][0]):,} tokens and {len(tiles)} tiles",
                    fix="lower --max-tiles or --context, or use an FP8/FP4 checkpoint",
                ) from exc
        prompt_ids = inputs["input_ids"][0]
        prompt_len = len(prompt_ids)
        # generate() from input_ids returns prompt + reply; the remote class, from inputs_embeds, may give the reply only
        echoed = output.shape[1] >= prompt_len and torch.equal(output[0, :prompt_len].to(prompt_ids.device), prompt_ids)
        new = output[0, prompt_len:].tolist() if echoed else output[0].tolist()
        stopped = bool(new) and new[-1] in self.stop_ids
        reply_ids = new[:-1] if stopped else new
        token_logprobs = None
        if recorder is not None:
            logprobs = recorder.values + ([recorder.last(new[-1])] if new else [])
            # one sequence of ids decodes to one str (the annotation also covers batches)
            tokens = [cast(str, self.tokenizer.decode([t], skip_special_tokens=False)) for t in reply_ids]
            token_logprobs = list(zip(tokens, logprobs, strict=False))
        notes = (
            ["in-process generation is not schema-constrained: replies are validated, then re-asked"]
            if (generation.json_schema is not None)
            else []
        )
        return Reply(
            # special tokens kept: <think>...</think> is the parse stage's to split off
            text=cast(str, self.tokenizer.decode(reply_ids, skip_special_tokens=False)),
            finish_reason="stop" if stopped else "length",
            usage=Usage(prompt_tokens=prompt_len, completion_tokens=len(new), requests=1),
            model=self.model,
            seconds=time.perf_counter() - start,
            notes=notes,
            token_logprobs=token_logprobs,
        )

    def _vision_inputs(self, tiles: list[Any]) -> dict[str, Any]:
        """Tiles (PIL, tile_size square), normalised with the checkpoint's mean/std, laid out as each loader's
        class takes them: native, channel-major 16x16 patches one row per patch with each tile's patch grid
        (a 32x32-patch image per tile); remote, the [tiles, 3, 512, 512] batch of the checkpoint's processor."""
        import numpy as np

        torch = self.torch
        # bytes go to the device (a quarter of the floats' size) and are normalised there, in float32
        array = np.stack([np.asarray(t.convert("RGB")) for t in tiles])  # n,H,W,3 uint8
        x = torch.from_numpy(array).to(self.device).permute(0, 3, 1, 2).float().div_(255.0)
        mean = torch.tensor(self.mean, device=self.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=self.device).view(1, 3, 1, 1)
        x = x.sub_(mean).div_(std)
        if self.loader == "remote":
            return {"pixel_values": x.contiguous().to(self.dtype)}
        n, side, p = len(tiles), self.tile_size // self.patch, self.patch
        x = x.reshape(n, 3, side, p, side, p).permute(0, 2, 4, 1, 3, 5).reshape(n * side * side, 3 * p * p)
        return {
            "pixel_values": x.to(self.dtype),
            "image_grid_hw": torch.tensor([[side, side]] * n, device=self.device),
        }

    def close(self) -> None:
        self.net = None


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Transformers' warnings that are not news here: a Nano-layout config read by its own classes, the
    pure-torch Mamba fallback (describe() says which path runs), progress bars while loading."""
    import transformers

    verbosity = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # "Loading weights" bars: not in CI logs
    try:
        yield
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.utils.logging.enable_progress_bar()


def _chosen_token_logprobs(torch):
    """A logits processor that keeps the log-probability of each token generate() picks, holding one
    vocabulary-sized vector at a time (output_scores would keep one per generated token: 0.5 GB for
    1,024 tokens of a 131k vocabulary). It runs before temperature and top-p are applied: these are the
    model's own probabilities, not the sharpened ones a /think reply is drawn from."""
    from transformers import LogitsProcessor

    class Recorder(LogitsProcessor):
        def __init__(self) -> None:
            self.values: list[float] = []
            self.previous = None

        def __call__(self, input_ids, scores):
            if self.previous is not None:  # the token picked from the previous step's distribution
                self.values.append(float(self.previous[input_ids[0, -1]]))
            self.previous = torch.log_softmax(scores[0].float(), dim=-1)
            return scores

        def last(self, token: int) -> float:
            return float(self.previous[token]) if self.previous is not None else 0.0

    return Recorder()


def _tiles(page) -> list[Any]:
    """The page drawn at its grid size, cut row-major into tiles, then its thumbnail (docs/design.md §1.1)."""
    grid, image = page.grid, page.image
    size = grid.tile_size
    tiles = [
        image.crop((c * size, r * size, (c + 1) * size, (r + 1) * size))
        for r in range(grid.rows)
        for c in range(grid.cols)
    ]
    if grid.thumbnail:
        tiles.append(page.thumbnail)
    return tiles


def _expand_images(text: str, counts: list[int], tokens_per_tile: int) -> str:
    """The k-th <image> placeholder becomes <img> + tokens_per_tile x tiles <image> + </img>."""
    pieces = text.split(IMG_CONTEXT)
    if len(pieces) - 1 != len(counts):
        raise ValueError(f"the chat template gave {len(pieces) - 1} image placeholders for {len(counts)} pages")
    out = [pieces[0]]
    for count, rest in zip(counts, pieces[1:], strict=True):
        out.append(IMG_START + IMG_CONTEXT * (tokens_per_tile * count) + IMG_END + rest)
    return "".join(out)


def _version(text: str) -> tuple[int, ...]:
    import re

    return tuple(int(p) for p in re.findall(r"\d+", text)[:2])


def _device(requested: str, torch) -> str:
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        raise EngineUnavailable(
            "the transformers engine found no GPU (torch.cuda.is_available() is False)",
            fix="run on a CUDA machine, pass --device cpu for a small test model, or use --server with a vLLM server",
        )
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise EngineUnavailable(
            f"--device {requested}: no CUDA GPU is visible", fix="check nvidia-smi, or pass --device cpu"
        )
    return requested


def _dtype(name: str, device: str, loader: str, torch):
    if name == "auto":
        # the checkpoint's own code casts vision features to bfloat16 whatever the model's dtype, so its
        # projector must be bfloat16 too, even on CPU (the seed recipe's dtype)
        return torch.bfloat16 if device.startswith("cuda") or loader == "remote" else torch.float32
    return getattr(torch, name)
