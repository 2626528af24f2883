"""The LLM loop: each pre-pass line becomes a checked component record, in two small questions.

1. *Kind*: `{"kind": one of R C L ... X K none}`, with few-shot examples (line -> kind) from the
   retrieved cards.
2. *Record*: the kind's own schema (`kinds.record_schema`): its pins, name, value and model, each
   an enum of the line's own tokens, with few-shot examples of the same kind from the best card
   (others only when it has fewer than two; the best card's last, nearest the question). One flat object per question keeps the decoding grammar small: a single schema with
   an `anyOf` over every kind makes llama.cpp's grammar sampler take minutes per line.

The record is checked (`check.check_record`); an error or a suspect goes back to the model with
the checker's message (at most `repairs` times). A line whose record still has errors stays
unconverted and is reported; one with only suspects left keeps its first valid record.
"""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from eda.llm import LLMError

from eda.ir import KIND_NAMES

from .cards import Card, Example
from .check import Issue, Record, check_record
from .kinds import KINDS, NONE, kind_help, record_schema
from .prepass import Line

KIND_SYSTEM = """You name the kind of the component on one line of a {title} netlist.
Format notes: {grammar}
Kinds: {kinds}; none = the line is no component (title, directive, analysis, model card)."""

RECORD_SYSTEM = """You convert one line of a {title} netlist into the JSON record of a {kind_name} (kind {kind}).
Format notes: {grammar}
{pins}
Copy names, nets, values and models exactly as they are written on the line."""


@dataclass
class LineResult:
    """What the LLM said about one line, after checks and repairs."""

    line: Line
    record: Record | None = None        # None: no valid record (the line stays unconverted)
    attempts: int = 0                   # record questions asked (1 + repairs)
    first_ok: bool = False              # the first record passed every check
    issues: list[Issue] = field(default_factory=list)   # problems of the record kept (or last tried)


def _pins_help(kind: str) -> str:
    """The pins line of one kind (from `kinds.kind_help`)."""
    for row in kind_help().splitlines():
        if row.startswith(kind + " "):
            return "Fields besides kind, name, value and model: " + row.split(":", 1)[1].strip()
    return ""


def _kind_of(e: Example) -> str:
    return str(e.record.get("kind", NONE))


class Translator:
    """Ask `client` (an `eda.llm.client.LLMClient`) for the records of pre-pass lines.

    Prompts are the same for every line of an input up to the line itself (system text and
    few-shot examples depend only on the retrieved cards and the kind), so an endpoint that
    caches prompt prefixes (llama.cpp does) processes only the new line.
    """

    def __init__(self, client, cards: list[Card], *, shots: int = 4, repairs: int = 2,
                 max_tokens: int = 200, workers: int = 1) -> None:
        if not cards:
            raise ValueError("no format cards to ground the translation on")
        self.client, self.cards = client, cards
        self.shots, self.repairs, self.max_tokens, self.workers = shots, repairs, max_tokens, workers
        top = cards[0]
        self.title, self.grammar = top.title, " ".join(top.grammar.split())
        # examples of the best card first, then the others in rank order
        self.examples = [e for c in cards for e in c.examples]
        kinds = ", ".join(f"{k} {KIND_NAMES[k]}" for k in KINDS)
        self.kind_system = KIND_SYSTEM.format(title=self.title, grammar=self.grammar, kinds=kinds)
        # kind question: every example of the best card, then one of each other card
        self.kind_shots = [(e.line, {"kind": _kind_of(e)}) for e in top.examples]
        self.kind_shots += [(c.examples[0].line, {"kind": _kind_of(c.examples[0])}) for c in cards[1:] if c.examples]

    # -- prompts --------------------------------------------------------------------------------------
    def _ask(self, system: str, shots: list[tuple[str, dict]], line: Line, schema: dict,
             extra: list[dict] | None = None) -> dict:
        msgs = [{"role": "system", "content": system}]
        for text, answer in shots:
            msgs += [{"role": "user", "content": f"Line: {text}"},
                     {"role": "assistant", "content": json.dumps(answer)}]
        msgs.append({"role": "user", "content": f"Line: {line.text}"})
        msgs += extra or []
        text = self.client.chat(msgs, max_tokens=self.max_tokens, temperature=0,
                                response_format={"type": "json_schema",
                                                 "json_schema": {"name": "record", "schema": schema}})
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            m = re.search(r"\{.*\}", text, re.S)         # an endpoint that wraps JSON in prose
            try:
                doc = json.loads(m.group(0)) if m else None
            except json.JSONDecodeError:
                doc = None
        if not isinstance(doc, dict):
            raise LLMError(f"the LLM answered no JSON object for line {line.no}")
        return doc

    def ask_kind(self, line: Line) -> str:
        """Question 1: the kind of the component on `line` (or `none`)."""
        schema = {"type": "object", "properties": {"kind": {"type": "string", "enum": list(KINDS) + [NONE]}},
                  "required": ["kind"], "additionalProperties": False}
        doc = self._ask(self.kind_system, self.kind_shots, line, schema)
        kind = str(doc.get("kind", NONE))
        return kind if kind in KINDS else NONE

    def ask_record(self, line: Line, kind: str, feedback: list[tuple[dict, str]]) -> dict:
        """Question 2: the record of `line` as a component of `kind`; `feedback` = earlier tries."""
        # the best card's examples of this kind (its pin conventions), others only to make up two;
        # the best card's come last, nearest the question
        own = [(e.line, e.record) for e in self.cards[0].examples if _kind_of(e) == kind]
        more = [(e.line, e.record) for c in self.cards[1:] for e in c.examples if _kind_of(e) == kind]
        shots = (more[:max(0, 2 - len(own))] + own)[-self.shots:]
        system = RECORD_SYSTEM.format(title=self.title, kind_name=KIND_NAMES.get(kind, kind), kind=kind,
                                      grammar=self.grammar, pins=_pins_help(kind))
        schema = record_schema(kind, line.names or [line.tokens[0]], line.nets or line.names,
                               line.values, line.models)
        extra: list[dict] = []
        for answer, problem in feedback:
            extra += [{"role": "assistant", "content": json.dumps(answer)},
                      {"role": "user", "content": f"That record is wrong: {problem}. Answer again for the same line."}]
        return self._ask(system, shots, line, schema, extra)

    # -- one line -------------------------------------------------------------------------------------
    def translate_line(self, line: Line) -> LineResult:
        res = LineResult(line)
        kind = self.ask_kind(line)
        if kind == NONE:
            res.record, res.first_ok = Record(line.no, NONE, body=line.body), True
            return res
        feedback: list[tuple[dict, str]] = []
        best: tuple[Record, list[Issue]] | None = None
        for attempt in range(self.repairs + 1):
            res.attempts += 1
            doc = self.ask_record(line, kind, feedback)
            rec = Record.from_answer(line, doc)
            issues = check_record(rec, line)
            if not issues:
                res.record, res.issues, res.first_ok = rec, [], attempt == 0
                return res
            if not any(i.severity == "error" for i in issues) and best is None:
                best = (rec, issues)
            res.issues = issues
            feedback.append((doc, "; ".join(i.message for i in issues)))
        if best is not None:                              # only suspects left: keep the first such record
            res.record, res.issues = best
        return res

    def translate(self, lines: list[Line], progress: Callable[[int], None] | None = None) -> list[LineResult]:
        """Results for `lines`, in order (up to `workers` lines in flight)."""
        def one(line: Line) -> LineResult:
            r = self.translate_line(line)
            if progress:
                progress(1)
            return r
        if self.workers <= 1 or len(lines) <= 1:
            return [one(ln) for ln in lines]
        with ThreadPoolExecutor(self.workers) as ex:
            return list(ex.map(one, lines))
