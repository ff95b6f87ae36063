"""The in-process transformers engine through the loaders users get, on tiny random models saved in the
checkpoint's layout (tests/tiny_nano_vl.py): for `--loader native`, Nano V2 VL's real architecture from
transformers' own parts; for `--loader remote`, a checkpoint carrying its own code (stand-ins with the real
code's class names and generate() interface), loaded with trust_remote_code. What must hold whatever the
random weights say: image tokens and tiles equal the plan, the Nemotron-H turn layout, generation stops
within max tokens, usage recorded."""

from __future__ import annotations

import json
import math

import pytest

torch = pytest.importorskip("torch", reason="needs torch (CI installs the CPU wheel; pip install 'docvl[hf]')")
pytest.importorskip("transformers.models.nemotron_h_omni", reason="needs transformers >= 5.10 (nemotron_h_omni)")

from docvl.engines.transformers_engine import TransformersEngine  # noqa: E402
from tests.tiny_nano_vl import save_tiny_nano_vl, save_tiny_nano_vl_fp8, save_tiny_remote_nano_vl  # noqa: E402


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_tiny_nano_vl(tmp_path_factory.mktemp("nano"))


@pytest.fixture(scope="module")
def remote_checkpoint(tmp_path_factory):
    return save_tiny_remote_nano_vl(tmp_path_factory.mktemp("nano-remote"))


@pytest.fixture(scope="module")
def remote_reply_only_checkpoint(tmp_path_factory):
    """Its generate() hands back the reply without the prompt (language_model.generate from embeddings only)."""
    return save_tiny_remote_nano_vl(tmp_path_factory.mktemp("nano-remote-reply"), reply_only=True)


CHECKPOINT_OF = {
    "native": "checkpoint",
    "remote": "remote_checkpoint",
    "remote-reply-only": "remote_reply_only_checkpoint",
}


@pytest.fixture
def fed(monkeypatch):
    """What each generate() call fed the model."""
    calls: list[dict] = []
    original = TransformersEngine.generate

    def spy(self, prompt, generation):
        reply = original(self, prompt, generation)
        calls.append({**self.last_inputs, "image_token_id": self.tokenizer.convert_tokens_to_ids("<image>")})
        return reply

    monkeypatch.setattr(TransformersEngine, "generate", spy)
    return calls


@pytest.mark.parametrize("variant", ["native", "remote", "remote-reply-only"])
def test_ask_feeds_the_planned_tiles_in_the_nemotron_turn_layout(variant, request, fed, run_cli, pdf_factory):
    checkpoint = request.getfixturevalue(CHECKPOINT_OF[variant])
    loader = variant.removesuffix("-reply-only")
    pdf = pdf_factory("two.pdf", pages=2)
    result = run_cli("ask", pdf, "What is the total?", "--engine", "transformers", "--model", checkpoint, "--loader",
                     loader, "--device", "cpu", "--page-mode", "image", "--max-tiles", "4", "--max-output", "8",
                     "--json")  # fmt: skip
    assert result.code == 0, result.err
    out = json.loads(result.out)
    (call,) = fed
    planned_tiles = sum(p["tiles"] for p in out["plan"]["pages"])
    assert planned_tiles == 2 * 5  # Letter at max 4 tiles: 2x2 + thumbnail, each page
    assert call["tiles"] == planned_tiles
    if loader == "native":
        assert call["pixel_values"].shape == (planned_tiles * 32 * 32, 3 * 16 * 16)  # 16-px patches of 512-px tiles
        assert call["image_grid_hw"].tolist() == [[32, 32]] * planned_tiles
    else:  # the checkpoint's processor layout, bfloat16 as its code needs
        assert call["pixel_values"].shape == (planned_tiles, 3, 512, 512) and "image_grid_hw" not in call
        assert call["pixel_values"].dtype == torch.bfloat16
    # normalised with the checkpoint's mean/std: white paper is (1 - mean) / std, nothing else is
    white = (1 - torch.tensor([0.48145466, 0.4578275, 0.40821073])) / torch.tensor([0.26862954, 0.26130258, 0.27577711])
    assert torch.isclose(call["pixel_values"].float().amax(), white.max(), atol=0.02)
    image_tokens = int((call["input_ids"] == call["image_token_id"]).sum())
    assert image_tokens == 256 * planned_tiles == sum(p["image_tokens"] - 2 for p in out["plan"]["pages"])
    text = call["text"]
    assert text.startswith("<SPECIAL_10>System\n/no_think\n<SPECIAL_11>User\nPage 1:\n<img><image>")
    assert text.count("<img>") == 2 and text.endswith("\n<SPECIAL_11>Assistant\n")
    assert out["engine"] == "transformers" and out["model"] == str(checkpoint)
    assert out["usage"]["prompt_tokens"] == call["input_ids"].shape[1] and 1 <= out["usage"]["completion_tokens"] <= 8
    # the plan counted with the model's own tokenizer: what it planned is what the model was fed
    assert out["plan"]["token_counter"] == f"tokenizer of {checkpoint}"
    assert (
        out["requests"][0]["planned_prompt_tokens"]
        == out["requests"][0]["prompt_tokens"]
        == out["usage"]["prompt_tokens"]
    )
    assert out["status"] in ("ok", "partial")  # random weights: any text, maybe cut off at 8 tokens


@pytest.mark.parametrize("loader", ["native", "remote"])
def test_extract_through_the_same_loader(loader, request, fed, run_cli, pdf_factory, tmp_path):
    checkpoint = request.getfixturevalue("checkpoint" if loader == "native" else "remote_checkpoint")
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "number"}}}))
    out = tmp_path / "out.jsonl"
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--engine", "transformers", "--model",
                     checkpoint, "--loader", loader, "--device", "cpu", "--max-tiles", "1", "--page-mode", "image", "--max-output", "8",
                     "--retries", "1", "-o", out)  # fmt: skip
    assert result.code == 0, result.err
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    # random weights never write the JSON in 8 tokens: the record is kept, cut off, with its reply
    assert row["_status"] == "partial" and any("cut off" in e for e in row["_errors"]) and "_raw_reply" in row
    (call,) = fed  # a reply cut off at --max-output is not re-asked: the next would be cut off too
    assert call["tiles"] == 1 and '"total"' in call["text"]  # the schema travels in the prompt
    assert "not schema-constrained" in result.err


def test_engine_unavailable_says_what_to_do(checkpoint, run_cli, pdf_factory, monkeypatch):
    pdf = pdf_factory(pages=1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    no_gpu = run_cli("ask", pdf, "Q?", "--engine", "transformers", "--model", checkpoint)
    assert no_gpu.code == 3 and "found no GPU" in no_gpu.err and "--device cpu" in no_gpu.err
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(checkpoint.parent / "empty-cache"))
    missing = run_cli("ask", pdf, "Q?", "--engine", "transformers", "--model", "nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16",
                      "--device", "cpu")  # fmt: skip
    assert missing.code == 3 and "huggingface-cli download nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16" in missing.err
    remote = run_cli("ask", pdf, "Q?", "--engine", "transformers", "--model", checkpoint, "--device", "cpu",
                     "--loader", "remote")  # fmt: skip
    assert remote.code == 3 and "carries no model code of its own" in remote.err and "--loader native" in remote.err
    bad = run_cli(
        "ask", pdf, "Q?", "--engine", "transformers", "--model", checkpoint, "--device", "cpu", "--loader", "x"
    )
    assert bad.code == 2


def test_remote_code_that_does_not_load_names_the_versions(remote_checkpoint, run_cli, pdf_factory, tmp_path):
    """The checkpoint's code written for another transformers: exit 3 with the versions that meet and the fix."""
    import shutil

    broken = shutil.copytree(remote_checkpoint, tmp_path / "written-for-4.53")
    modeling = broken / "modeling.py"
    modeling.write_text(modeling.read_text().replace(
        "from transformers import NemotronHConfig", "from transformers.models.gone_in_5 import NemotronHConfig"))  # fmt: skip
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--engine", "transformers", "--model", broken, "--device", "cpu",
                     "--loader", "remote")  # fmt: skip
    assert result.code == 3, result.err
    assert "own code did not load under transformers" in result.err and "gone_in_5" in result.err
    assert "transformers>4.53,<4.54" in result.err and "--loader native" in result.err


@pytest.fixture(scope="module")
def fp8_checkpoint(checkpoint, tmp_path_factory):
    return save_tiny_nano_vl_fp8(tmp_path_factory.mktemp("nano-fp8"), checkpoint)


def test_modelopt_fp8_checkpoint_loads_with_its_scales(checkpoint, fp8_checkpoint, run_cli, pdf_factory):
    """NVIDIA's FP8 checkpoint is ModelOpt FP8, a method transformers would skip, loading float8 numbers
    without their scales (amax ~448 instead of ~0.08). Each quantized layer must come back as weight x scale."""
    from safetensors.torch import load_file

    from docvl.engines import EngineOptions

    engine = TransformersEngine(EngineOptions(model=str(fp8_checkpoint), extra={"device": "cpu"}))
    assert "ModelOpt FP8 weights dequantized" in engine.describe()
    loaded = engine.net.state_dict()
    original = load_file(checkpoint / "model.safetensors")
    layers = [k for k, v in original.items() if k.startswith("language_model.backbone.layers.") and v.dim() == 2]
    assert len(layers) == 16  # Mamba in/out, MLP up/down, attention q/k/v/o
    for name in layers:
        weight, ref = loaded[name.replace(".backbone.", ".model.")].float(), original[name]
        assert (weight - ref).norm() / ref.norm() < 0.07, name  # float8 e4m3 rounding, nothing more
    assert torch.equal(loaded["language_model.lm_head.weight"], original["language_model.lm_head.weight"])
    engine.close()
    result = run_cli("ask", pdf_factory(pages=1), "What is the total?", "--engine", "transformers", "--model",
                     fp8_checkpoint, "--device", "cpu", "--max-tiles", "1", "--max-output", "4")  # fmt: skip
    assert result.code == 0, result.err


def test_quantizations_transformers_cannot_load_are_refused(fp8_checkpoint, run_cli, pdf_factory, tmp_path):
    import shutil

    pdf = pdf_factory(pages=1)
    with_code = shutil.copytree(fp8_checkpoint, tmp_path / "fp8-with-code")  # as NVIDIA's FP8 checkpoint ships
    config = json.loads((with_code / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "configuration.NemotronH_Nano_VL_V2_Config",
                          "AutoModelForCausalLM": "modeling.NemotronH_Nano_VL_V2"}  # fmt: skip
    (with_code / "config.json").write_text(json.dumps(config))
    remote = run_cli("ask", pdf, "Q?", "--engine", "transformers", "--model", with_code, "--device", "cpu",
                     "--loader", "remote")  # fmt: skip
    assert remote.code == 3 and "ModelOpt FP8" in remote.err and "--loader native" in remote.err
    nvfp4 = shutil.copytree(fp8_checkpoint, tmp_path / "nvfp4")
    config = json.loads((nvfp4 / "config.json").read_text())
    config["quantization_config"]["quant_algo"] = "NVFP4"
    (nvfp4 / "config.json").write_text(json.dumps(config))
    result = run_cli("ask", pdf, "Q?", "--engine", "transformers", "--model", nvfp4, "--device", "cpu")
    assert result.code == 3 and "quantized with modelopt NVFP4" in result.err and "vllm serve" in result.err


@pytest.mark.parametrize("loader", ["native", "remote"])
def test_a_checkpoint_missing_weights_is_refused_not_run_at_random(loader, request, run_cli, pdf_factory, tmp_path):
    """transformers would only log the missing weights and initialise them at random."""
    import shutil

    from safetensors.torch import load_file, save_file

    source = request.getfixturevalue("checkpoint" if loader == "native" else "remote_checkpoint")
    broken = shutil.copytree(source, tmp_path / "incomplete")
    tensors = load_file(broken / "model.safetensors")
    del tensors["mlp1.1.weight"]  # the projector's first linear layer
    save_file(tensors, broken / "model.safetensors", metadata={"format": "pt"})
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--engine", "transformers", "--model", broken, "--device", "cpu",
                     "--loader", loader)  # fmt: skip
    assert result.code == 3, result.err
    assert "1 weight(s) are not in" in result.err and "random weights" in result.err
    # named as the loading class calls it: the native class's projector is multi_modal_projector
    assert ("mlp1.1.weight" if loader == "remote" else "multi_modal_projector.linear_1.weight") in result.err
    assert ("--loader native" if loader == "remote" else "--loader remote") in result.err  # the other one


def test_radio_layout_vision_config_loads_the_checkpoints_own_tokens(checkpoint):
    """The checkpoint's vision_config is in RADIO's own layout (args, teachers); read as it is, the class
    would fall back to C-RADIOv4's 3 class + 7 register tokens and the checkpoint's 8 would not load."""
    from safetensors.torch import load_file

    from docvl.engines import EngineOptions

    engine = TransformersEngine(EngineOptions(model=str(checkpoint), extra={"device": "cpu"}))
    vision = engine.net.config.vision_config
    assert (vision.num_cls_tokens, vision.num_registers, vision.hidden_size, vision.num_hidden_layers) == (4, 4, 48, 2)
    assert vision.num_attention_heads == 3  # as the checkpoint was built: not readable from shapes, from its ViT family
    stored = load_file(checkpoint / "model.safetensors")
    loaded = engine.net.state_dict()
    assert torch.equal(
        loaded["vision_model.embeddings.cls_register_token"],
        stored["vision_model.radio_model.model.patch_generator.cls_token.token"],
    )
    assert loaded["vision_model.summary_idxs"].tolist() == [0, 1, 3]
    assert "not used" not in engine.describe()  # input-conditioner buffers are expected, not news
    engine.close()


def test_radio_vision_config_for_c_radio_v2_h(monkeypatch, tmp_path):
    """The sizes of NVIDIA's C-RADIOv2-H tensors (Megatron-Bridge's Nano V2 VL parameter map, NVlabs/RADIO),
    without its 2 GB of weights: only the headers are read."""
    from docvl.engines import nano_checkpoint

    radio = "vision_model.radio_model."
    shapes = {
        f"{radio}model.patch_generator.embedder.weight": [1280, 768],
        f"{radio}model.patch_generator.cls_token.token": [8, 1280],
        f"{radio}model.patch_generator.pos_embed": [1, 16384, 1280],
        f"{radio}summary_idxs": [3],
        **{f"{radio}model.blocks.{n}.attn.qkv.weight": [3840, 1280] for n in range(32)},
    }
    monkeypatch.setattr(nano_checkpoint, "_tensor_shapes", lambda folder, prefix: shapes)
    teachers = [{"name": n, "use_summary": u} for n, u in (("a", True), ("b", True), ("c", False), ("d", True))]
    config = nano_checkpoint.radio_vision_config(
        {"args": {"model": "vit_huge_patch16_224", "teachers": teachers, "cls_token_per_teacher": True,
                  "register_multiple": 8, "cpe_max_size": 2048}, "patch_size": 16}, tmp_path)  # fmt: skip
    assert config == {
        "model_type": "radio", "hidden_size": 1280, "num_hidden_layers": 32, "num_attention_heads": 16, "patch_size": 16,
        "max_img_size": 2048, "num_cls_tokens": 4, "num_registers": 4, "summary_idxs": [0, 1, 3],
        "video_temporal_patch_size": 2,
    }  # fmt: skip
    # a config without its teacher list: the stored summary indices name class tokens, not registers
    bare = nano_checkpoint.radio_vision_config({"args": {"model": "vit_huge_patch16_224"}, "patch_size": 16}, tmp_path)
    assert (bare["num_cls_tokens"], bare["num_registers"], bare["summary_idxs"]) == (3, 5, [0, 1, 2])


def test_the_log_probability_of_each_generated_token_is_kept(checkpoint):
    """For field confidence; kept one vocabulary vector at a time by a logits processor."""
    from docvl.engines import EngineOptions
    from docvl.engines.base import Generation
    from docvl.prompt import Prompt, TextPart

    engine = TransformersEngine(EngineOptions(model=str(checkpoint), extra={"device": "cpu"}))
    reply = engine.generate(Prompt(system="/no_think", parts=[TextPart("What is the total?")], task="ask"),
                            Generation(max_tokens=6, max_tiles=1, logprobs=True))  # fmt: skip
    pairs = reply.token_logprobs
    reply_tokens = reply.usage.completion_tokens - (reply.finish_reason == "stop")
    assert len(pairs) == reply_tokens and all(lp <= 0 for _, lp in pairs)
    # greedy decoding picks the most likely token, whose probability is at least 1/vocab: a value recorded for
    # another token than the one picked would often be below it
    assert all(lp >= math.log(1 / 512) for _, lp in pairs)
    # the token strings lay over the reply text, split characters included, so values can be scored
    from docvl.confidence import _align

    bounds, covered_from = _align(reply.text, pairs)
    assert covered_from == 0 and len(bounds) == len(pairs)
    engine.close()


@pytest.mark.parametrize("loader", ["native", "remote"])
def test_a_weight_file_cut_short_is_named_with_the_fix(loader, request, run_cli, pdf_factory, tmp_path):
    import shutil

    source = request.getfixturevalue("checkpoint" if loader == "native" else "remote_checkpoint")
    cut = shutil.copytree(source, tmp_path / "interrupted")
    weights = cut / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # an interrupted download
    result = run_cli("ask", pdf_factory(pages=1), "Q?", "--engine", "transformers", "--model", cut, "--device", "cpu",
                     "--loader", loader)  # fmt: skip
    assert result.code == 3, result.err
    assert f"{weights}: not a readable safetensors file" in result.err and "huggingface-cli download" in result.err


def test_quantization_configs_read_as_transformers_reads_them(tmp_path):
    from docvl.engines.nano_checkpoint import MODELOPT_FP8_KEYS, quantization
    from docvl.errors import EngineUnavailable

    bnb = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    assert quantization(tmp_path, {"quantization_config": bnb}, "native") == (bnb, {})  # transformers loads these
    # ModelOpt's own file, without a copy in config.json
    (tmp_path / "hf_quant_config.json").write_text(json.dumps(
        {"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "FP8", "exclude_modules": ["lm_head"]}}))  # fmt: skip
    config, kwargs = quantization(tmp_path, {}, "native")
    assert config["quant_method"] == "fp8" and config["dequantize"] and kwargs == {"key_mapping": MODELOPT_FP8_KEYS}
    (tmp_path / "hf_quant_config.json").write_text("{not json")
    with pytest.raises(EngineUnavailable, match=r"hf_quant_config\.json: not ModelOpt's quantization file"):
        quantization(tmp_path, {}, "native")


def test_out_of_gpu_memory_fails_that_document_with_the_fix(checkpoint, run_cli, pdf_factory, monkeypatch):
    """A request too big for the GPU is that document's failure with what to lower, not an internal
    error: the next, smaller document may still fit."""
    import transformers

    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(transformers.GenerationMixin, "generate", out_of_memory)
    result = run_cli("ask", pdf_factory("big.pdf", pages=1), "Q?", "--engine", "transformers", "--model", checkpoint,
                     "--device", "cpu", "--page-mode", "image", "--max-tiles", "2", "--max-output", "8")  # fmt: skip
    assert result.code == 1
    (line,) = [x for x in result.err.splitlines() if x.startswith("error:")]
    assert "out of GPU memory for a request of" in line and "lower --max-tiles or --context" in line
    assert "internal error" not in line and "Traceback" not in result.err
