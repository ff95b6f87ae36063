"""Stand-in for the `modeling.py` that NVIDIA-Nemotron-Nano-12B-v2-VL ships as remote code.

It keeps the interface docvl's `--loader remote` calls, as the checkpoint's class has it:
`NemotronH_Nano_VL_V2.generate(pixel_values=[tiles, 3, 512, 512] normalised, input_ids, attention_mask,
**generate_kwargs)`, the language model's input embeddings with each `<image>` token (`img_context_token_id`)
replaced by one vision feature, 256 per tile after a 0.5 pixel shuffle, then `language_model.generate(
input_ids=..., inputs_embeds=...)`. Where the real code would fail on a count mismatch this one raises too.
The parts are smaller: one patch-embedding convolution instead of the RADIO ViT, the `mlp1` projector
(RMSNorm, Linear, squared ReLU, Linear) and transformers' own NemotronH hybrid LLM (Mamba-2, attention, MLP).
"""

import torch
from torch import nn
from transformers import NemotronHConfig, NemotronHForCausalLM, PreTrainedModel

try:
    from .configuration import NemotronH_Nano_VL_V2_Config
except ImportError:  # imported as a plain module by the test that builds the weights
    from configuration import NemotronH_Nano_VL_V2_Config


class SquaredReLU(nn.Module):
    def forward(self, x):
        return torch.relu(x) ** 2


class LanguageModel(NemotronHForCausalLM):
    # transformers' generate() takes inputs_embeds only from models whose prepare step names it
    def prepare_inputs_for_generation(self, input_ids, inputs_embeds=None, **kwargs):
        return super().prepare_inputs_for_generation(input_ids, inputs_embeds=inputs_embeds, **kwargs)


class NemotronH_Nano_VL_V2(PreTrainedModel):
    config_class = NemotronH_Nano_VL_V2_Config
    main_input_name = "pixel_values"
    base_model_prefix = "language_model"

    def __init__(self, config):
        super().__init__(config)
        text = NemotronHConfig(**config.llm_config)
        text.use_mamba_kernels = False
        self.language_model = LanguageModel(text)
        self.vision_model = nn.Conv2d(3, config.vit_hidden_size, config.patch_size, stride=config.patch_size)
        self.scale = round(1 / config.downsample_ratio)
        width = config.vit_hidden_size * self.scale**2
        self.mlp1 = nn.Sequential(
            nn.RMSNorm(width, eps=1e-5),
            nn.Linear(width, config.projector_hidden_size, bias=False),
            SquaredReLU(),
            nn.Linear(config.projector_hidden_size, text.hidden_size, bias=False),
        )
        self.img_context_token_id = config.img_context_token_id
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.normal_(module.weight, std=0.02)

    def extract_feature(self, pixel_values):
        x = self.vision_model(pixel_values).permute(0, 2, 3, 1)  # tiles, h, w, c
        n, h, w, c = x.shape
        s = self.scale
        x = x.reshape(n, h, w // s, c * s).permute(0, 2, 1, 3).reshape(n, w // s, h // s, c * s * s).permute(0, 2, 1, 3)
        return self.mlp1(x.reshape(n, -1, c * s * s))

    @torch.no_grad()
    def generate(self, pixel_values=None, input_ids=None, attention_mask=None, **generate_kwargs):
        embeds = self.language_model.get_input_embeddings()(input_ids)
        if pixel_values is not None:
            if pixel_values.dim() != 4 or pixel_values.shape[1] != 3:
                raise ValueError(f"pixel_values must be [tiles, 3, H, W], got {tuple(pixel_values.shape)}")
            features = self.extract_feature(pixel_values.to(self.dtype))
            selected = input_ids == self.img_context_token_id
            if int(selected.sum()) != features.shape[0] * features.shape[1]:
                raise ValueError(
                    f"{int(selected.sum())} image tokens for {features.shape[0] * features.shape[1]} features"
                )
            embeds[selected] = features.reshape(-1, embeds.shape[-1]).to(embeds.dtype)
        ids = None if self.config.reply_only else input_ids
        return self.language_model.generate(
            input_ids=ids, inputs_embeds=embeds, attention_mask=attention_mask, **generate_kwargs
        )
