"""Meaning, not words: an optional ranking signal from a sentence-embedding model in a local folder.

BM25, stems and word pieces cannot bridge a question worded nothing like its answer page ("How many
people live in the city?" against "Population: 58,400"). A sentence-transformers model can. It is opt-in
(`pip install 'docvl[dense]'`, `--embedding-model DIR`) because it costs a model on disk and about 0.2 s a
page on 2 CPU cores, and it never downloads: the folder must hold the model (HF_HUB_OFFLINE is set while
it loads). Measured by bench/plan_recall.py (paraphrased questions): see the README.

Each page is cut into passages of PASSAGE_WORDS words; a page scores by its best passage's cosine
similarity to the question. Passages of one document are embedded once per run (a batch asks many
questions of the same documents) and kept in this object, never in module state.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docvl.errors import UsageError

PASSAGE_WORDS = 80
# Documents whose passages stay embedded (a batch walks many documents; each is asked once or a few times).
CACHED_DOCUMENTS = 8


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
        self._cache: dict[str, tuple[Any, list[int]]] = {}

    def scores(self, texts: Sequence[str], query: str) -> list[float]:
        """Each text's best passage's cosine similarity to ``query`` (0.0 for an empty text)."""
        import numpy as np

        key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()
        if key not in self._cache:
            passages: list[str] = []
            owner: list[int] = []
            for i, text in enumerate(texts):
                words = text.split()
                for start in range(0, len(words), PASSAGE_WORDS):
                    passages.append(" ".join(words[start : start + PASSAGE_WORDS]))
                    owner.append(i)
            vectors = self._model.encode(passages, batch_size=64, normalize_embeddings=True) if passages else None
            if len(self._cache) >= CACHED_DOCUMENTS:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (vectors, owner)
        vectors, owner = self._cache[key]
        best = np.zeros(len(texts))
        if vectors is None:
            return list(best)
        similarity = vectors @ self._model.encode([query], normalize_embeddings=True)[0]
        np.maximum.at(best, np.array(owner), np.clip(similarity, 0.0, None))
        return [float(v) for v in best]
