"""Where the in-process engine's time goes: docvl's side (load, plan, draw, cut tiles, normalise, template)
against the model's own generate() on the very inputs docvl built, measured in the same run.

    python bench/transformers_engine.py                                   # a tiny random model, on CPU
    python bench/transformers_engine.py --model ./nano-vl-bf16 --device cuda --pages 8

The baseline is `net.generate(**inputs)` called again with what docvl fed it (same tokens, same pixels,
same max tokens): the ratio is docvl's whole request over that, so 1.05x means docvl adds 5%. On the
tiny model generation is nearly free and docvl's drawing dominates; on the real 12B model the same
preparation is a small part of a request (run it on a GPU task to measure).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="checkpoint folder (default: a tiny random Nano V2 VL built here)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--loader", default="native", choices=["native", "remote"])
    ap.add_argument("--pages", type=int, default=4)
    ap.add_argument("--max-tiles", type=int, default=6)
    ap.add_argument("--max-output", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from docvl.engines import EngineOptions
    from docvl.engines.transformers_engine import TransformersEngine
    from docvl.options import PlanningOptions
    from docvl.planning import with_engine_tokenizer
    from docvl.tasks.ask import AskOptions, ask_document

    tmp = Path(tempfile.mkdtemp(prefix="docvl-bench-"))
    model = args.model
    if model is None:
        from tests.tiny_nano_vl import save_tiny_nano_vl, save_tiny_remote_nano_vl

        build = save_tiny_nano_vl if args.loader == "native" else save_tiny_remote_nano_vl
        model = str(build(tmp / "tiny"))
    start = time.perf_counter()
    engine = TransformersEngine(EngineOptions(model=model, extra={"device": args.device, "loader": args.loader}))
    load_s = time.perf_counter() - start
    print(f"engine: {engine.describe()}; loaded in {load_s:.1f} s")

    import pymupdf

    sample = HERE.parent / "samples" / "msa_halvorsen_brightwater.pdf"
    pdf = tmp / "doc.pdf"
    with pymupdf.open(sample) as doc:
        doc.select(list(range(min(args.pages, doc.page_count))))
        doc.save(pdf)
    cfg = PlanningOptions(max_output=args.max_output, max_tiles=args.max_tiles, min_tiles=1, page_mode="image").build()
    cfg = with_engine_tokenizer(cfg, engine, None)
    options = AskOptions(question="What is the monthly platform availability target?", pdf_lock=threading.Lock())

    whole, raw = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = ask_document(pdf, options, engine=engine, planning=cfg)
        whole.append(time.perf_counter() - start)
        assert result.status != "failed", result.errors
        fed = engine.last_inputs
        inputs = {"input_ids": fed["input_ids"], "attention_mask": fed["input_ids"].new_ones(fed["input_ids"].shape)}
        extra = {k: fed[k] for k in ("pixel_values", "image_grid_hw") if k in fed}
        start = time.perf_counter()
        with engine.torch.inference_mode():
            engine.net.generate(**inputs, **extra, do_sample=False, max_new_tokens=args.max_output,
                                min_new_tokens=result.usage.completion_tokens, eos_token_id=engine.stop_ids,
                                pad_token_id=engine.stop_ids[0])  # fmt: skip
        raw.append(time.perf_counter() - start)
    tiles = sum(p.tiles for p in result.plan.pages)
    w, r = statistics.median(whole), statistics.median(raw)
    print(f"{args.pages} page(s), {tiles} tiles, {result.usage.prompt_tokens:,} prompt tokens, "
          f"{result.usage.completion_tokens} generated; median of {args.runs} runs")  # fmt: skip
    print(f"  docvl ask (load PDF, plan, draw, tiles, template, generate): {w * 1000:8.0f} ms")
    print(f"  raw net.generate on the same inputs (baseline):             {r * 1000:8.0f} ms")
    print(f"  docvl's own share: {(w - r) * 1000:.0f} ms ({(w - r) / args.pages * 1000:.0f} ms a page); "
          f"ratio {w / r:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
