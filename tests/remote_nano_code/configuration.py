"""Stand-in for the `configuration.py` that NVIDIA-Nemotron-Nano-12B-v2-VL ships as remote code.

Same model type, class name and field names as the checkpoint's config (`llm_config`, `vit_hidden_size`,
`projector_hidden_size`, `force_image_size`, `downsample_ratio`, `img_context_token_id`, `norm_mean`,
`norm_std`), so docvl's `--loader remote` reads it exactly as it reads the real one. The test copies this file
into a checkpoint folder; transformers imports it from there (`trust_remote_code=True`).
"""

from transformers import PretrainedConfig


class NemotronH_Nano_VL_V2_Config(PretrainedConfig):
    model_type = "NemotronH_Nano_VL_V2"

    def __init__(self, llm_config=None, vision_config=None, force_image_size=512, patch_size=16, downsample_ratio=0.5,
                 vit_hidden_size=64, projector_hidden_size=96, img_context_token_id=None, norm_mean=None, norm_std=None,
                 ps_version="v2", reply_only=False, **kwargs):  # fmt: skip
        # kept as plain dicts: the modeling file builds the NemotronH config from llm_config itself
        self.llm_config = dict(llm_config or {})
        self.vision_config = dict(vision_config or {})
        self.force_image_size = force_image_size
        self.patch_size = patch_size
        self.downsample_ratio = downsample_ratio
        self.vit_hidden_size = vit_hidden_size
        self.projector_hidden_size = projector_hidden_size
        self.img_context_token_id = img_context_token_id
        self.norm_mean = norm_mean
        self.norm_std = norm_std
        self.ps_version = ps_version
        # test switch: generate from inputs_embeds alone, so the output holds the reply without the prompt
        self.reply_only = reply_only
        super().__init__(**kwargs)
