"""Scores of open MMCircuitEval answers: BLEU-4, ROUGE, embedding similarity and an optional LLM judge.

As in the paper's scorer the four metrics are combined with weights BLEU 1, ROUGE 1, embedding 1,
LLM judge 2 (the judge left out: the first three, equally weighted). ROUGE is the mean of the
ROUGE-1, ROUGE-2 and ROUGE-L F-measures (as released). Unlike the released code:
- both texts are the answers (the released one compares "Answer: a. Explanation: e." strings, so a
  long explanation outweighs the answer);
- BLEU and ROUGE use one tokenizer (lower case, words and numbers) on both sides;
- a judge reply that is not a score is an error of that item (retried on a rerun), not a silent 0.5;
- the embedding is the bundled all-MiniLM-L6-v2 (offline), cosine clipped to [0, 1].
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass

WEIGHTS = {"bleu": 1.0, "rouge": 1.0, "emb": 1.0, "llm": 2.0}
#: an open answer counts as right (accuracy column) at this combined score; the mean score is the headline.
PASS_SCORE = 0.5

_encode_lock = threading.Lock()
_rouge = None


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", str(text).lower())


def bleu4(pred: str, ref: str) -> float:
    """Sentence BLEU-4 (uniform weights, smoothing method 1, as released)."""
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
    hyp, refs = tokens(pred), tokens(ref)
    if not hyp or not refs:
        return 0.0
    return float(sentence_bleu([refs], hyp, weights=(0.25, 0.25, 0.25, 0.25),
                               smoothing_function=SmoothingFunction().method1))


def rouge(pred: str, ref: str) -> tuple[float, dict[str, float]]:
    """Mean of the ROUGE-1/2/L F-measures, and each of them."""
    global _rouge
    if _rouge is None:
        from rouge_score.rouge_scorer import RougeScorer
        _rouge = RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    got = _rouge.score(str(ref), str(pred))
    parts = {k: float(v.fmeasure) for k, v in got.items()}
    return sum(parts.values()) / 3.0, parts


def embedding_similarity(pred: str, ref: str) -> float:
    """Cosine similarity of the bundled MiniLM embeddings, clipped to [0, 1] (equal texts: 1, no model)."""
    if " ".join(str(pred).split()) == " ".join(str(ref).split()):
        return 1.0
    try:
        from eda.embed import encode
    except ImportError:                      # older trees: the loader lived in Babel Fish's retrieval
        from agents.babelfish.retrieval import embedding_model

        def encode(texts):
            return embedding_model().encode(list(texts), normalize_embeddings=True)
    with _encode_lock:
        a, b = encode([str(pred), str(ref)])
    return float(min(1.0, max(0.0, float(a @ b))))


JUDGE_SCHEMA = {"type": "object", "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1}},
                "required": ["score"]}


class LLMJudge:
    """Asks a model (an `eda.llm` client) how far a student answer agrees with the true one, 0..1."""

    def __init__(self, client) -> None:
        self.client = client

    def __call__(self, question: str, pred: str, ref: str) -> float:
        prompt = ("You grade answers to electronic design questions. Compare the student answer with the "
                  "true answer: 1 means fully correct and consistent, 0 means wrong, values between mean "
                  f"partly correct.\nQuestion: {question}\nTrue answer: {ref}\nStudent answer: {pred}\n"
                  'Reply with {"score": <a number from 0 to 1>}.')
        doc = self.client.ask_json(prompt, JUDGE_SCHEMA, temperature=0.0, max_tokens=32)
        return float(doc["score"])


@dataclass
class OpenScore:
    value: float
    parts: dict

    def detail(self) -> str:
        return json.dumps({k: round(v, 4) for k, v in self.parts.items()}, sort_keys=True)


def score_open(pred: str, ref: str, question: str = "", judge: LLMJudge | None = None) -> OpenScore:
    """The weighted open-answer score and its parts (bleu, rouge, rouge1/2/L, emb[, llm])."""
    pred = "" if pred is None else str(pred)
    if not pred.strip():
        return OpenScore(0.0, {"bleu": 0.0, "rouge": 0.0, "emb": 0.0})
    r, rparts = rouge(pred, ref)
    parts = {"bleu": bleu4(pred, ref), "rouge": r, "emb": embedding_similarity(pred, ref)}
    if judge is not None:
        parts["llm"] = judge(question, pred, ref)
    total = sum(WEIGHTS[k] * parts[k] for k in WEIGHTS if k in parts) / sum(WEIGHTS[k] for k in WEIGHTS if k in parts)
    return OpenScore(total, {**parts, **rparts})
