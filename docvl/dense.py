"""Meaning, not words: an optional ranking signal from a sentence-embedding model in a local folder.

BM25, stems and word pieces cannot bridge a question worded nothing like its answer page ("How many
people live in the city?" against "Population: 58,400"). A sentence-transformers model can. It is opt-in
(`pip install 'docvl[dense]'`, `--embedding-model DIR`) because it costs a model on disk and about 0.2 s a
page on 2 CPU cores, and it never downloads: the folder must hold the model (HF_HUB_OFFLINE is set while
it loads). Measured by bench/plan_recall.py (paraphrased questions): see the README.

Each page is cut into passages of PASSAGE_WORDS words; a page scores by its best passage's cosine
similarity to the question. Each page's passages are embedded once per run (a batch asks many questions
of the same documents; a wider look ranks the pages left again) and kept in this object, never in module
state. Callers hold docvl's PDF lock while planning, so one ranker serves the threads one at a time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docvl.errors import UsageError

PASSAGE_WORDS = 80
# Pages whose passages stay embedded (a batch walks many documents; each is asked once or a few times):
# about 8 KB a page for a 384-dimension model.
CACHED_PAGES = 5000


class DenseRanker:
    def __init__(self, folder: Path) -> None:
        folder = Path(folder).expanduser()
        if not (folder / "config.json").is_file() and not (folder / "modules.json").is_file():
            raise UsageError(
                f"--embedding-model {folder}: not a sentence-transformers model folder (no modules.json or "
                "config.json)",
                fix="download one first, e.g. huggingface-cli download "
                "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 --local-dir ./embed-model",
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise UsageError("--embedding-model needs sentence-transformers", fix="pip install 'docvl[dense]'") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a folder, never the hub
        try:  # transformers' "Loading weights" bar is noise on docvl's stderr
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        self.name = folder.name
        self._model: Any = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self._cache: dict[str, Any] = {}  # page text's sha256 -> its passages' vectors

    def scores(self, texts: Sequence[str], query: str) -> list[float]:
        """Each text's best passage's cosine similarity to ``query`` (0.0 for an empty text). Passages are
        embedded once per page text: another question, or a wider look at the pages left, reuses them."""
        import numpy as np

        keys = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}
        if missing:
            passages: list[str] = []
            owner: list[str] = []
            for key, text in missing.items():
                words = text.split()
                for start in range(0, len(words), PASSAGE_WORDS):
                    passages.append(" ".join(words[start : start + PASSAGE_WORDS]))
                    owner.append(key)
            vectors = self._model.encode(passages, batch_size=64, normalize_embeddings=True) if passages else []
            for key in missing:
                self._cache[key] = np.array([v for v, o in zip(vectors, owner, strict=True) if o == key])
            while len(self._cache) > CACHED_PAGES:
                self._cache.pop(next(iter(self._cache)))
        q = self._model.encode([query], normalize_embeddings=True)[0]
        out: list[float] = []
        for key in keys:
            vectors = self._cache.get(key)
            out.append(float(max(0.0, (vectors @ q).max())) if vectors is not None and len(vectors) else 0.0)
        return out
