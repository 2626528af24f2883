"""Reader of the official MMCircuitEval schema: problems with sub-questions, into one item per sub-question.

A problem: `statement, questions[], question_types[], images[], answers[], explanations[],
difficulties[], abilities[], ic_type, source, extra`; the per-sub-question lists must be as long
as `questions`. Sources: a JSON file (one problem or a list), a JSONL file, or a folder of parquet
splits (`general|spec|frontend|backend*.parquet`, needs pyarrow). A malformed problem stops the
load with a one-line error naming it (file, index, field).
"""
from __future__ import annotations

import json
from pathlib import Path

from eda.fileio import read_utf8

from benchmarks.runner.core import BenchRunError, Item, data_path

TYPES = ("single", "multi", "blank", "open")
DIFFICULTIES = ("easy", "medium", "hard")
ABILITIES = ("knowledge", "inference", "computation", "perception")
PER_QUESTION = ("question_types", "answers", "difficulties", "abilities")


def problem_items(rec: dict, where: str, split: str, base: Path | None = None) -> list[Item]:
    """The sub-question items of one problem record (validated)."""
    if not isinstance(rec, dict):
        raise BenchRunError(f"{where}: not a JSON object")
    qs = rec.get("questions")
    if not isinstance(rec.get("statement"), str):
        raise BenchRunError(f"{where}: missing statement")
    if not isinstance(qs, list) or not qs:
        raise BenchRunError(f"{where}: missing questions")
    for key in PER_QUESTION:
        v = rec.get(key)
        if not isinstance(v, list) or len(v) != len(qs):
            raise BenchRunError(f"{where}: {key} must be a list as long as questions ({len(qs)})")
    items = []
    for i, q in enumerate(qs):
        qtype, diff, ab = rec["question_types"][i], rec["difficulties"][i], rec["abilities"][i]
        for val, allowed, key in ((qtype, TYPES, "question_types"), (diff, DIFFICULTIES, "difficulties"),
                                  (ab, ABILITIES, "abilities")):
            if val not in allowed:
                raise BenchRunError(f"{where}: {key}[{i}] {val!r} is not one of {', '.join(allowed)}")
        images = []
        for im in rec.get("images") or []:
            if isinstance(im, str):
                images.append(data_path(base if base is not None else Path.cwd(), im))
            elif isinstance(im, dict) and im.get("bytes"):
                images.append({"bytes": im["bytes"]})
        expl = rec.get("explanations") or []
        cats = {"split": split, "type": qtype, "ability": ab, "difficulty": diff,
                "modality": "image" if images else "text"}
        items.append(Item(f"{where}#{i}", cats,
                          str(rec["answers"][i]),
                          {"statement": rec["statement"], "question": q, "images": images,
                           "explanation": expl[i] if i < len(expl) else "", "kind": qtype,
                           "ic_type": rec.get("ic_type", "")}))
    return items


def load_mmcircuiteval(path: str | Path, split: str | None = None) -> list[Item]:
    """Items from a JSON/JSONL file of problems or a folder of parquet splits."""
    p = Path(path)
    if not p.exists():
        raise BenchRunError(f"--data {p}: no such file or folder")
    if p.is_dir():
        files = sorted(p.glob("*.parquet"))
        if not files:
            raise BenchRunError(f"{p}: no *.parquet splits (general, spec, frontend, backend)")
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise BenchRunError("reading MMCircuitEval parquet splits needs pyarrow (pip install pyarrow)") from None
        items = []
        for f in files:
            name = f.stem.split("-")[0]
            for n, rec in enumerate(pq.read_table(f).to_pylist()):
                items += problem_items(rec, f"{f.name}[{n}]", name)
        return items
    name = split or p.stem
    text = read_utf8(p)
    if p.suffix == ".jsonl":
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise BenchRunError(f"{p.name}:{n}: not JSON ({e.msg})") from None
                items += problem_items(rec, f"{p.name}:{n}", name, p.parent)
        return items
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise BenchRunError(f"{p.name}: not JSON ({e.msg} at line {e.lineno})") from None
    recs = doc if isinstance(doc, list) else [doc]
    return [it for n, rec in enumerate(recs) for it in problem_items(rec, f"{p.name}[{n}]", name, p.parent)]
