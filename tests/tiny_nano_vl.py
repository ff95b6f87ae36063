"""A tiny, randomly initialised model of Nemotron Nano V2 VL's real architecture, saved like the checkpoint.

RADIO vision encoder -> pixel shuffle 0.5 -> mlp1 projector -> NemotronH hybrid LLM (Mamba-2, attention and
MLP layers), built with transformers' own `nemotron_h_omni` class, whose weight names are the checkpoint's
(docs/notes/engines-on-cpu.md §3). The config is rewritten in the checkpoint's layout (`NemotronH_Nano_VL_V2`:
`llm_config`, `vit_hidden_size`, `img_context_token_id`), and the tokenizer is trained here with the
Nemotron-H chat template and the <img>, </img>, <image> tokens (§4). About 2M parameters; saved in ~2 s.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.tiny_vlm import SPECIALS as VLM_SPECIALS
from tests.tiny_vlm import TEMPLATE  # the Nemotron-H turn layout (docs/notes/engines-on-cpu.md §4)

SPECIALS = [*VLM_SPECIALS, "<think>", "</think>"]
TEXT_CONFIG = dict(model_type="nemotron_h", vocab_size=512, hidden_size=128, hybrid_override_pattern="M-M*-M-",
                   num_attention_heads=4, num_key_value_heads=2, head_dim=32, intermediate_size=256, mamba_num_heads=8,
                   mamba_head_dim=16, ssm_state_size=16, n_groups=1, chunk_size=16)  # fmt: skip
NORM = {"norm_mean": [0.48145466, 0.4578275, 0.40821073], "norm_std": [0.26862954, 0.26130258, 0.27577711]}
RADIO = "vision_model.radio_model."
# vision_config in RADIO's own layout, as the checkpoint's config.json has it (C-RADIOv2-H: 4 teachers, one
# class token each, registers up to a multiple of 8, CPE table for 2048 px); a ViT-tiny-family name (3 heads)
# whose other sizes docvl must read from the tensors
RADIO_CONFIG = {
    "architectures": ["RADIOModel"],
    "auto_map": {"AutoConfig": "nvidia/C-RADIOv2-H--hf_model.RADIOConfig", "AutoModel": "nvidia/C-RADIOv2-H--hf_model.RADIOModel"},
    "args": {"model": "vit_tiny_test_patch16", "cpe_max_size": 2048, "register_multiple": 8, "cls_token_per_teacher": True,
             "teachers": [{"name": "siglip2-g", "use_summary": True}, {"name": "dfn_clip", "use_summary": True},
                          {"name": "sam", "use_summary": False}, {"name": "dinov2", "use_summary": True}]},
    "patch_size": 16,
    "max_resolution": 2048,
    "preferred_resolution": [512, 512],
    "version": "c-radio_v2-vlm-h",
}  # fmt: skip
REMOTE_CODE = Path(__file__).parent / "remote_nano_code"
CORPUS = ['Page 1: What is the total? Answer: 9.50 EUR. Pages: 1, 2. {"total": null, "_pages": []}'] * 20


def save_tokenizer(folder: Path):
    """A BPE tokenizer trained here, with the Nemotron-H chat template and the image tokens (§4)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=512, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tok.train_from_iterator(CORPUS, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="<SPECIAL_12>",
                                        pad_token="</s>", chat_template=TEMPLATE)  # fmt: skip
    tokenizer.save_pretrained(folder)
    return tokenizer


def save_tiny_nano_vl(folder: Path) -> Path:
    import torch
    from safetensors.torch import load_file, save_file
    from transformers.models.nemotron_h_omni import NemotronH_Omni_Reasoning_V3, NemotronH_Omni_Reasoning_V3_Config

    tokenizer = save_tokenizer(folder)
    image_id, end_of_turn = tokenizer.convert_tokens_to_ids(["<image>", "<SPECIAL_12>"])
    config = NemotronH_Omni_Reasoning_V3_Config(
        vision_config=dict(
            model_type="radio",
            hidden_size=48,
            num_hidden_layers=2,
            num_attention_heads=3,
            patch_size=16,
            max_img_size=2048,
            num_cls_tokens=4,
            num_registers=4,
            summary_idxs=[0, 1, 3],
            video_temporal_patch_size=2,
        ),
        text_config={**TEXT_CONFIG, "eos_token_id": end_of_turn},
        vision_hidden_size=48,
        projector_hidden_size=96,
        downsample_ratio=0.5,
        image_token_id=image_id,
    )
    torch.manual_seed(0)
    NemotronH_Omni_Reasoning_V3(config).save_pretrained(folder)
    # the tensors as C-RADIOv2-H's checkpoint holds them: RADIO's input conditioner buffers, no video path
    tensors = load_file(folder / "model.safetensors")
    tensors = {k: v for k, v in tensors.items() if "video_embedder" not in k}
    tensors[f"{RADIO}input_conditioner.norm_mean"] = torch.tensor(NORM["norm_mean"]).reshape(3, 1, 1)
    tensors[f"{RADIO}input_conditioner.norm_std"] = torch.tensor(NORM["norm_std"]).reshape(3, 1, 1)
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    # the checkpoint's own layout (configuration.py of NVIDIA-Nemotron-Nano-12B-v2-VL)
    saved = json.loads((folder / "config.json").read_text())
    nano = {
        "architectures": ["NemotronH_Nano_VL_V2"],
        "model_type": "NemotronH_Nano_VL_V2",
        "llm_config": saved["text_config"],
        "vision_config": RADIO_CONFIG,
        "vit_hidden_size": saved["vision_hidden_size"],
        "projector_hidden_size": saved["projector_hidden_size"],
        "downsample_ratio": 0.5,
        "force_image_size": 512,
        "patch_size": 16,
        "use_thumbnail": True,
        "ps_version": "v2",
        "img_context_token_id": image_id,
        **NORM,
    }
    (folder / "config.json").write_text(json.dumps(nano, indent=2))
    return folder


def save_tiny_remote_nano_vl(folder: Path, *, reply_only: bool = False) -> Path:
    """The same kind of checkpoint carrying its own code, as NVIDIA's does: `configuration.py` and `modeling.py`
    (stand-ins with the checkpoint's class names, fields and generate() interface, tests/remote_nano_code/),
    named in config.json's `auto_map`, loaded only with `trust_remote_code=True`."""
    import shutil
    import sys

    import torch

    tokenizer = save_tokenizer(folder)
    image_id, end_of_turn = tokenizer.convert_tokens_to_ids(["<image>", "<SPECIAL_12>"])
    for name in ("configuration.py", "modeling.py"):
        shutil.copy(REMOTE_CODE / name, folder / name)
    sys.path.insert(0, str(REMOTE_CODE))
    try:
        from configuration import NemotronH_Nano_VL_V2_Config
        from modeling import NemotronH_Nano_VL_V2
    finally:
        sys.path.remove(str(REMOTE_CODE))
    config = NemotronH_Nano_VL_V2_Config(
        llm_config={**TEXT_CONFIG, "eos_token_id": end_of_turn}, vit_hidden_size=64, projector_hidden_size=96,
        img_context_token_id=image_id, reply_only=reply_only, **NORM,
        architectures=["NemotronH_Nano_VL_V2"],
        auto_map={"AutoConfig": "configuration.NemotronH_Nano_VL_V2_Config",
                  "AutoModel": "modeling.NemotronH_Nano_VL_V2",
                  "AutoModelForCausalLM": "modeling.NemotronH_Nano_VL_V2"},
    )  # fmt: skip
    torch.manual_seed(0)
    NemotronH_Nano_VL_V2(config).save_pretrained(folder)
    return folder


FP8_MAX = 448.0  # largest float8_e4m3fn


def save_tiny_nano_vl_fp8(folder: Path, bf16: Path) -> Path:
    """The BF16 tiny checkpoint quantized as ModelOpt exports FP8 (NVIDIA's FP8 checkpoint): each linear
    layer of the LLM as float8_e4m3fn weights with a per-tensor `weight_scale` (amax / 448) and
    `input_scale`, attention `k_scale`/`v_scale`; embeddings, lm_head, the vision model and mlp1 left as
    they were; `quantization_config` {quant_method: modelopt, quant_algo: FP8} in config.json."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    folder.mkdir(parents=True, exist_ok=True)
    for item in bf16.iterdir():
        if item.name != "model.safetensors":
            shutil.copy(item, folder / item.name)
    tensors = load_file(bf16 / "model.safetensors")
    quantized = {}
    for name, weight in tensors.items():
        layer = name.removesuffix(".weight")
        if not (name.startswith("language_model.backbone.layers.") and weight.dim() == 2):
            quantized[name] = weight
            continue
        scale = weight.abs().amax().float() / FP8_MAX
        quantized[name] = (weight.float() / scale).to(torch.float8_e4m3fn)
        quantized[f"{layer}.weight_scale"] = scale.reshape(())
        quantized[f"{layer}.input_scale"] = torch.tensor(0.05)
        if layer.endswith(("k_proj", "v_proj")):
            quantized[f"{layer}.{layer[-6]}_scale"] = torch.tensor(1.0)
    save_file(quantized, folder / "model.safetensors", metadata={"format": "pt"})
    config = json.loads((folder / "config.json").read_text())
    config["quantization_config"] = {
        "quant_method": "modelopt", "quant_algo": "FP8", "producer": {"name": "modelopt", "version": "0.35.0"},
        "ignore": ["language_model.lm_head", "mlp1*", "vision_model*"], "kv_cache_scheme": {"num_bits": 8, "type": "float"},
    }  # fmt: skip
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder
