"""Readers of the official CircuitSense layout and of the shared sample file, and a writer of the layout.

Official (Hugging Face) layout: `<Domain>/<Level>/q<N>/` holding `q<N>_question.txt`, the
symbolic answer `q<N>_ta.txt` (or the plain answer `q<N>_a.txt`) and optionally `q<N>_image.png`.
Shared sample: `items.jsonl` (see ../shared/data/circuitsense/README.md).
A malformed record stops the load with a one-line error naming the item.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from eda.fileio import read_utf8

from benchmarks.runner.core import BenchRunError, Item, data_path
from benchmarks.circuitsense.score import numeric_value

DOMAINS = ("Perception", "Analysis", "Design")
_REQUIRED = ("id", "task", "question", "answer", "answer_kind")


def answer_kind(text: str) -> str:
    """'symbolic' when the answer names s or an element (R1, C2, ...), 'numeric' when it is a number, else 'text'."""
    body = re.sub(r"\\(mathrm|text|frac|left|right|cdot)", " ", text.split("=")[-1])
    if re.search(r"(?<![A-Za-z])(s|[RCLGEVI][A-Za-z]*_?\{?\d+)", body):
        return "symbolic"
    return "numeric" if numeric_value(text) is not None else "text"


def _item(iid: str, task: str, level: str, question: str, answer: str, kind: str, image: Path | str | dict | None,
          value: float | None = None, subset: str | None = None) -> Item:
    data = {"question": question, "kind": kind, "image": image if isinstance(image, dict) else
            (str(image) if image else None)}
    if kind == "numeric":
        data["value"] = value if value is not None else numeric_value(answer)
        if data["value"] is None:
            raise BenchRunError(f"item {iid}: numeric answer {answer[:40]!r} holds no number")
    cats = {"task": task, "level": level}
    if subset:
        cats["subset"] = subset
    return Item(iid, cats, answer, data)


def load_jsonl(path: Path) -> list[Item]:
    """The shared sample format: one JSON object per line (fields in the data README)."""
    items = []
    for no, line in enumerate(read_utf8(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{no}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise BenchRunError(f"{where}: not JSON ({e.msg})") from None
        if not isinstance(rec, dict):
            raise BenchRunError(f"{where}: not a JSON object")
        missing = [k for k in _REQUIRED if not rec.get(k)]
        if missing:
            raise BenchRunError(f"{where} (item {rec.get('id', '?')}): missing {', '.join(missing)}")
        if rec["answer_kind"] not in ("symbolic", "numeric"):
            raise BenchRunError(f"{where} (item {rec['id']}): answer_kind {rec['answer_kind']!r} "
                                "is not symbolic or numeric")
        image = data_path(path.parent, rec["image"]) if rec.get("image") else None
        items.append(_item(rec["id"], rec["task"], f"L{rec.get('level', '?')}", rec["question"], rec["answer"],
                           rec["answer_kind"], image, rec.get("answer_value"), rec.get("subset")))
    if not items:
        raise BenchRunError(f"{path}: no items")
    return items


def load_folders(root: Path) -> list[Item]:
    """The official `Domain/Level/qN/` layout under `root`."""
    items = []
    domains = [d for d in sorted(root.iterdir()) if d.is_dir() and d.name.capitalize() in DOMAINS]
    if not domains:
        raise BenchRunError(f"{root}: no {'/'.join(DOMAINS)} folders (expected Domain/Level/qN/)")
    for dom in domains:
        for level in sorted(p for p in dom.iterdir() if p.is_dir()):
            for q in sorted((p for p in level.iterdir() if p.is_dir()), key=lambda p: (len(p.name), p.name)):
                iid = f"{dom.name}/{level.name}/{q.name}"
                if not re.fullmatch(r"q\d+", q.name):
                    raise BenchRunError(f"item {iid}: folder name is not q<N>")
                qfile = q / f"{q.name}_question.txt"
                afile = next((f for f in (q / f"{q.name}_ta.txt", q / f"{q.name}_a.txt") if f.is_file()), None)
                if not qfile.is_file():
                    raise BenchRunError(f"item {iid}: missing {qfile.name}")
                if afile is None:
                    raise BenchRunError(f"item {iid}: missing {q.name}_ta.txt (or {q.name}_a.txt)")
                question, answer = read_utf8(qfile).strip(), read_utf8(afile).strip()
                if not question or not answer:
                    raise BenchRunError(f"item {iid}: empty {'question' if not question else 'answer'}")
                image = q / f"{q.name}_image.png"
                items.append(_item(iid, dom.name.capitalize(), level.name, question, answer, answer_kind(answer),
                                   data_path(root, str(image.relative_to(root))) if image.is_file() else None))
    if not items:
        raise BenchRunError(f"{root}: no q<N> folders under Domain/Level/")
    return items


def load_official(path: str | Path) -> list[Item]:
    """Items from the official layout, a shared-sample `items.jsonl`, or a folder holding one."""
    p = Path(path)
    if not p.exists():
        raise BenchRunError(f"--data {p}: no such file or folder")
    if p.is_file():
        return load_jsonl(p)
    if (p / "items.jsonl").is_file():
        return load_jsonl(p / "items.jsonl")
    return load_folders(p)


def write_official(items: list[Item], root: Path) -> None:
    """Write symbolic/numeric items in the official folder layout (questions with their netlists)."""
    for n, it in enumerate(items):
        q = Path(root) / it.categories["task"].capitalize() / it.categories["level"] / f"q{n}"
        q.mkdir(parents=True, exist_ok=True)
        (q / f"q{n}_question.txt").write_text(it.data["question"] + "\n")
        (q / f"q{n}_ta.txt").write_text(str(it.label) + "\n")
