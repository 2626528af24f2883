"""Map a requested part name ("ESP32-S3", "ultrasonic sensor", "2 LEDs") to a library part.

Tried in order, first hit wins:
1. exact: the id, an alias or the display name, compared as lower-case alphanumerics ("HC SR04" ==
   "hc-sr04"), also after dropping counts, values and plurals ("2 x 220 ohm resistors" -> "resistor");
2. phrase: the longest run of the request's words that is a name ("stepper motor 28BYJ-48");
3. fuzzy: difflib ratio >= 0.86 against every id and alias (typos: "arduino unoo");
4. family: a model-number token of the request equals a token of an id or alias ("ESP32-S3" ->
   esp32-devkit-v1 via the alias "esp32"), or shares its letter prefix ("dht11" -> dht22), or a
   whole alias word is part of the request ("arduino nano" -> arduino-uno);
5. embedding: cosine similarity of all-MiniLM-L6-v2 vectors (request vs each part's names and
   description) >= EMBED_THRESHOLD.
Anything but an exact hit carries a `note` saying what was substituted; below every threshold the
answer is None (the caller stops the run with a clear message).
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .library import KbPart

if TYPE_CHECKING:
    from .library import Library

FUZZY_THRESHOLD = 0.86
EMBED_THRESHOLD = 0.62
GENERIC_WORDS = {"sensor", "module", "board", "display", "driver", "motor", "power", "source", "output",
                 "input", "device", "switch", "controller", "microcontroller", "interface", "generic", "mini",
                 "chip", "breakout", "kit", "development", "digital", "analog", "high", "low", "voltage",
                 "wifi", "bluetooth", "radio", "the", "and", "with", "for", "ic", "dc", "ac", "v", "i2c", "spi",
                 "lcd", "rgb", "led", "light", "audio", "transistor", "battery", "cell", "strip", "pin", "4"}
_VALUE_RE = re.compile(r"^(\d+(\.\d+)?)(k|m|u|n|p|meg|mm)?(ohm|ohms|v|f|h|a|ma|w|hz|uf|nf|pf|mah)?$|^x\d*$|^\d+x$")
_STOP = {"a", "an", "the", "of", "with", "x", "pcs", "piece", "pieces", "some", "one", "two", "three", "four",
         "five", "six", "eight", "ten", "red", "green", "blue", "yellow", "white", "orange", "warm", "small",
         "big", "simple", "standard", "common", "basic", "external"}


class Resolution(BaseModel):
    """A requested name mapped to a part; `note` says when it is an approximation."""

    query: str
    part: KbPart
    score: float
    method: str  # exact | phrase | fuzzy | family | embedding
    note: str | None = None

    @property
    def id(self) -> str:
        return self.part.id

    @property
    def exact(self) -> bool:
        return self.method == "exact"


def key(text: str) -> str:
    """Lower-case alphanumerics only: 'HC-SR04' -> 'hcsr04'."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9.]+", text.lower()) if w]


def _singular(w: str) -> str:
    if len(w) > 3 and w.endswith("es") and w[:-2].endswith(("ss", "ch", "sh", "x")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def clean_words(text: str) -> list[str]:
    """Words of a request without counts, values, units and plurals."""
    out = []
    for w in words(text):
        w = w.strip(".")
        if not w or w in _STOP or _VALUE_RE.match(w):
            continue
        out.append(_singular(w))
    return out


def _model_token(w: str) -> bool:
    return len(w) >= 3 and any(c.isdigit() for c in w) and any(c.isalpha() for c in w)


class Resolver:
    """Name resolution and search over one Library (embeddings computed once, cached on disk)."""

    def __init__(self, lib: "Library") -> None:
        self.lib = lib
        self.names: dict[str, str] = {}  # key(name) -> part id; first claim wins, overrides beat all
        for p in lib:
            for n in (p.id, p.name, *p.aliases):
                self.names.setdefault(key(n), p.id)
        for p in lib:  # an id always means its own part
            self.names[key(p.id)] = p.id
        for alias, pid in lib.alias_overrides.items():
            self.names[key(alias)] = pid
        self._emb = None

    # -- exact / fuzzy / family -------------------------------------------------------------------
    def _exact(self, query: str) -> str | None:
        for cand in (query, " ".join(clean_words(query)),
                     " ".join(_singular(w) for w in words(query))):
            k = key(cand)
            if k and k in self.names:
                return self.names[k]
        return None

    def _phrase(self, query: str) -> tuple[str, str] | None:
        """The longest run of request words that is a part name ("stepper motor 28BYJ-48")."""
        qw = clean_words(query)
        for n in range(len(qw) - 1, 1, -1):     # two words at least: one word is the family rule's
            for i in range(len(qw) - n + 1):
                run = qw[i:i + n]
                k = key(" ".join(run))
                if k in self.names:
                    return self.names[k], " ".join(run)
        return None

    def _fuzzy(self, query: str) -> tuple[str, float, str] | None:
        q = key(" ".join(clean_words(query)) or query)
        if len(q) < 4:
            return None
        best = None
        for k, pid in self.names.items():
            if len(k) < 4:
                continue
            r = difflib.SequenceMatcher(None, q, k).ratio()
            if best is None or r > best[1]:
                best = (pid, r, k)
        return best if best and best[1] >= FUZZY_THRESHOLD else None

    def _family(self, query: str) -> tuple[str, float, str] | None:
        qw = clean_words(query)
        tokens: dict[str, str] = {}     # token of an id/alias -> part id (first claim wins)
        whole: dict[str, str] = {}      # one-word aliases / ids
        for p in self.lib:
            for n in (p.id, *p.aliases, *(a for a, t in self.lib.alias_overrides.items() if t == p.id)):
                ws = [_singular(w) for w in re.split(r"[^a-z0-9]+", n.lower()) if w]
                for w in ws:
                    tokens.setdefault(w, p.id)
                if len(ws) == 1:
                    whole.setdefault(ws[0], p.id)
        for alias, pid in self.lib.alias_overrides.items():
            whole[key(alias)] = pid
        for w in qw:                       # model numbers: esp32, mpu6050, ne555
            if _model_token(w) and w in tokens:
                return tokens[w], 0.8, w
        for w in qw:                       # same letter prefix (3+ letters): dht11 -> dht22
            m = re.match(r"([a-z]{3,})\d", w)
            if m and _model_token(w):
                pre = m.group(1)
                for t, pid in tokens.items():
                    if t == pre or (_model_token(t) and re.match(rf"{pre}\d", t)):
                        return pid, 0.7, t
        for w in qw:                       # a whole distinctive alias word: "arduino nano" -> arduino
            if len(w) >= 4 and w not in GENERIC_WORDS and w in whole:
                return whole[w], 0.66, w
        return None

    # -- embeddings -------------------------------------------------------------------------------
    def _cache_file(self, texts: list[str]) -> Path:
        from eda.embed import MODEL_ID
        from eda.llm.config import cache_path
        digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
        return cache_path().parent / f"kb-parts-{MODEL_ID}-{digest}.npy"

    def embeddings(self):
        """(names matrix, descriptions matrix), rows in library order, L2-normalised."""
        import numpy as np
        if self._emb is None:
            parts = list(self.lib)
            texts = [f"{p.name}, {', '.join(p.aliases)}" for p in parts] + [p.text() for p in parts]
            path = self._cache_file(texts)
            if path.is_file():
                m = np.load(path)
            else:
                from eda.embed import encode
                m = encode(texts)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(tmp, m)
                os.replace(tmp, path)
            self._emb = (m[: len(parts)], m[len(parts):])
        return self._emb

    def _embedding_scores(self, text: str):
        from eda.embed import encode
        names, desc = self.embeddings()
        q = encode([text])[0]
        return [max(float(a), 0.92 * float(b)) for a, b in zip(names @ q, desc @ q)]

    def search(self, text: str, k: int = 5) -> list[tuple[KbPart, float]]:
        """Top-k parts by embedding similarity; by fuzzy name similarity when the model cannot load."""
        parts = list(self.lib)
        try:
            scores = self._embedding_scores(text)
        except (ImportError, OSError):
            q = key(text)
            scores = [max(difflib.SequenceMatcher(None, q, key(n)).ratio() for n in (p.id, *p.aliases))
                      for p in parts]
        ranked = sorted(zip(parts, scores), key=lambda t: -t[1])
        return ranked[:k]

    # -- all together ---------------------------------------------------------------------------------
    def resolve(self, name: str, *, embeddings: bool = True) -> Resolution | None:
        q = (name or "").strip()
        if not q:
            return None
        pid = self._exact(q)
        if pid:
            return Resolution(query=q, part=self.lib.get(pid), score=1.0, method="exact")
        hit = self._phrase(q)
        if hit:
            pid, via = hit
            part = self.lib.get(pid)
            own = {w for n in (part.id, part.name, *part.aliases) for w in clean_words(n)}
            rest = [w for w in clean_words(q) if w not in via.split()]
            if all(w in GENERIC_WORDS or w in own for w in rest):   # "HC-SR04 ultrasonic sensor module"
                return Resolution(query=q, part=part, score=1.0, method="exact")
            return Resolution(query=q, part=self.lib.get(pid), score=0.9, method="phrase",
                              note=f"'{q}' read as {pid} (names '{via}'; the rest of the request is not checked)")
        hit = self._fuzzy(q)
        if hit:
            pid, score, via = hit
            return Resolution(query=q, part=self.lib.get(pid), score=round(score, 3), method="fuzzy",
                              note=f"'{q}' read as {pid} (close spelling of '{via}')")
        hit = self._family(q)
        if hit:
            pid, score, via = hit
            return Resolution(query=q, part=self.lib.get(pid), score=score, method="family",
                              note=f"'{q}' is not in the library; using {pid}, the closest family "
                                   f"member (shares '{via}'): check pins and ratings")
        if embeddings:
            try:
                scores = self._embedding_scores(q)
            except (ImportError, OSError):
                scores = []
            if scores:
                best = max(range(len(scores)), key=scores.__getitem__)
                if scores[best] >= EMBED_THRESHOLD:
                    part = list(self.lib)[best]
                    return Resolution(query=q, part=part, score=round(scores[best], 3), method="embedding",
                                      note=f"'{q}' is not in the library; using {part.id}, the closest "
                                           f"by meaning (similarity {scores[best]:.2f})")
        return None
