"""MMCircuitEval items for the batch runner: prompts (text, or text + images), answer schemas, scorers."""
from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

from benchmarks.runner.core import Item, Score
from benchmarks.mmcircuiteval.openscore import PASS_SCORE, score_open
from benchmarks.mmcircuiteval.score import score_closed

_ASK = {"single": 'Answer with the letter of the one right choice (e.g. "B").',
        "multi": 'Answer with the letters of all right choices, separated by commas (e.g. "A, C").',
        "blank": "Answer with the value and its unit (e.g. \"2.5 V\"), or the word or phrase asked for.",
        "open": "Answer in at most three sentences."}


def _image_url(img) -> str:
    """A data URI of an image given as a path or as {'bytes': ...} (parquet).

    An {"error": ...} marker (a path that left the data folder, see `runner.core.data_path`)
    raises, so the item becomes an error row and nothing is read.
    """
    if isinstance(img, dict) and "error" in img:
        from benchmarks.runner.core import BenchRunError
        raise BenchRunError(str(img["error"]))
    if isinstance(img, dict):
        data, mime = img["bytes"], "image/png"
    else:
        data, mime = Path(img).read_bytes(), mimetypes.guess_type(str(img))[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


class MMCircuitEvalAdapter:
    """Prompts and scorers of MMCircuitEval sub-questions.

    `images`: send a problem's images as OpenAI image content (multimodal endpoints); otherwise the
    prompt is text only (the generated problems carry the netlist in their statement).
    `judge`: an `openscore.LLMJudge` for open answers (weight 2 of 5), or None.
    """
    name = "mmcircuiteval"

    def __init__(self, images: bool = False, judge=None) -> None:
        self.images, self.judge = images, judge

    def prompt(self, item: Item) -> str:
        d = item.data
        text = f"{d['statement']}\n\n{d['question']}\n{_ASK[d['kind']]}"
        if d.get("images") and not self.images:
            text += "\n(The problem's images are not shown: answer from the text.)"
        elif d.get("images"):
            text += "\nYou may refer to the attached images."
        return text

    def content(self, item: Item):
        """The user message: the prompt, plus the images as image_url parts when sending images."""
        text = self.prompt(item)
        if not (self.images and item.data.get("images")):
            return text
        return [{"type": "text", "text": text}] + [
            {"type": "image_url", "image_url": {"url": _image_url(im)}} for im in item.data["images"]]

    def schema(self, item: Item) -> dict:
        answer: dict = {"type": "string"}
        if item.data["kind"] == "single":
            letters = sorted(set(re.findall(r"\(([A-Z])\)", item.data["question"])))
            if letters:
                answer = {"type": "string", "enum": letters}
        return {"type": "object", "properties": {"answer": answer, "explanation": {"type": "string"}},
                "required": ["answer"]}

    def extract(self, item: Item, doc: dict):
        return doc.get("answer")

    def score(self, item: Item, answer) -> Score:
        if answer is None:
            return Score(False, "no answer", 0.0 if item.data["kind"] == "open" else None)
        kind = item.data["kind"]
        if kind == "open":
            s = score_open(str(answer), str(item.label), item.data["question"], self.judge)
            return Score(s.value >= PASS_SCORE, s.detail(), s.value)
        ok, why = score_closed(kind, str(answer), str(item.label))
        return Score(ok, why)
