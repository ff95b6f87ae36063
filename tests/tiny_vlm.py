"""A tiny, randomly initialised vision-language model that `transformers serve` can serve offline.

LLaVA (a one-layer CLIP vision tower) around a NemotronH text model (Mamba-2, attention and MLP
layers, as in Nemotron Nano V2), with a tokenizer trained here that carries the Nemotron-H turn
layout. Built in a few seconds from configs; nothing is downloaded (docs/notes/engines-on-cpu.md §4-5).
"""

from __future__ import annotations

from pathlib import Path

SPECIALS = ["<unk>", "<s>", "</s>", "<SPECIAL_10>", "<SPECIAL_11>", "<SPECIAL_12>", "<img>", "</img>", "<image>"]
TEMPLATE = (
    "{%- for m in messages -%}"
    "{%- if m['role']=='system' -%}<SPECIAL_10>System{{ '\\n' }}{%- elif m['role']=='user' -%}<SPECIAL_11>User{{ '\\n' }}"
    "{%- else -%}<SPECIAL_11>Assistant{{ '\\n' }}{%- endif -%}"
    "{%- if m['content'] is string -%}{{ m['content'] }}{%- else -%}{%- for c in m['content'] -%}"
    "{%- if c['type'] in ['image','image_url'] -%}<image>{%- elif c['type']=='text' -%}{{ c['text'] }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}{{ '\\n' }}{%- endfor -%}"
    "{%- if add_generation_prompt -%}<SPECIAL_11>Assistant{{ '\\n' }}{%- endif -%}"
)
IMAGE_TOKENS_PER_IMAGE = 17  # (64 / 16)^2 patches + 1 class token: what LLaVA expands each <image> into


def build(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        CLIPVisionConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )
    from transformers.models.llava.image_processing_pil_llava import LlavaImageProcessorPil

    corpus = ["Page 1: the invoice total is 9.00 EUR", "What is the total? Answer with the pages.", "Pages: 1, 2"] * 30
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=SPECIALS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="<SPECIAL_12>",
        pad_token="</s>",
        chat_template=TEMPLATE,
        extra_special_tokens={"image_token": "<image>"},
    )
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=64,
        patch_size=16,
        projection_dim=32,
    )
    text = dict(
        model_type="nemotron_h", vocab_size=len(hf), hidden_size=64, hybrid_override_pattern="M-M*-", num_attention_heads=4,
        num_key_value_heads=2, head_dim=16, intermediate_size=128, mamba_num_heads=4, mamba_head_dim=16, ssm_state_size=16,
        n_groups=1, chunk_size=16, pad_token_id=hf.pad_token_id, bos_token_id=hf.bos_token_id, eos_token_id=hf.eos_token_id,
    )  # fmt: skip
    config = LlavaConfig(
        vision_config=vision.to_dict(),
        text_config=text,
        image_token_index=hf.convert_tokens_to_ids("<image>"),
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration(config).eval()
    processor = LlavaProcessor(
        image_processor=LlavaImageProcessorPil(size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64}),
        tokenizer=hf,
        patch_size=16,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=TEMPLATE,
    )
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
