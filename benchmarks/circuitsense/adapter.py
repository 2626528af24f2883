"""CircuitSense items for the batch runner: generated sets (cached in the run dir), prompts and scoring."""
from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from pathlib import Path

from eda.fileio import atomic_write

from benchmarks.runner.core import Item, Score
from benchmarks.circuitsense.score import numeric_equal, symbolic_equal

COUNT_KEYS = ("R", "C", "L", "V", "I", "E", "G")
_STR = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
_COUNTS = {"type": "object", "properties": {"answer": {
    "type": "object", "properties": {k: {"type": "integer", "minimum": 0} for k in COUNT_KEYS},
    "required": list(COUNT_KEYS)}}, "required": ["answer"]}


def circuit_items(circuit, label: str) -> list[Item]:
    """An analysis item (the transfer function) and a perception item (element counts) of one circuit."""
    from eda.formats.spice import write_spice
    netlist = write_spice(circuit.ir(symbolic=True)).strip()
    level = f"L{circuit.level}"
    tf_q = (f"SPICE netlist (element values are symbols named after the elements):\n{netlist}\n\n"
            f"Vin is the input source between node 1 and ground (0); other independent sources are off. "
            f"Give the transfer function H(s) = V({circuit.out})/V(1) as one sympy expression in s and the "
            f"element names (e.g. R1/(R1 + s*C1*R1*R2)).")
    count_q = (f"SPICE netlist:\n{netlist}\n\nCount the elements of each kind: R resistors, C capacitors, "
               "L inductors, V voltage sources (Vin included), I current sources, E voltage-controlled "
               "voltage sources, G voltage-controlled current sources.")
    base = {"circuit": circuit.id, "netlist": netlist}
    return [Item(f"{circuit.id}-tf", {"task": "Analysis", "level": level}, label,
                 {**base, "question": tf_q, "kind": "symbolic"}),
            Item(f"{circuit.id}-count", {"task": "Perception", "level": level}, circuit.counts(),
                 {**base, "question": count_q, "kind": "counts"})]


def generated_items(n: int, seed: int, cache_dir: Path | None = None, *, timeout: float = 10.0,
                    progress: bool = True, log=None) -> tuple[list[Item], dict]:
    """Items of `n` labelled circuits from `seed` (2 items each) and the label stats.

    The set is stored as `dataset.jsonl` + `dataset.json` in `cache_dir` and read back from there
    when a run resumes (generation with lcapy and ngspice is the slow part).
    """
    if cache_dir is not None:
        meta_p, data_p = Path(cache_dir) / "dataset.json", Path(cache_dir) / "dataset.jsonl"
        if meta_p.is_file() and data_p.is_file():
            meta = json.loads(meta_p.read_text())
            if meta.get("n") == n and meta.get("seed") == seed:
                items = [Item(**json.loads(x)) for x in data_p.read_text().splitlines() if x.strip()]
                if len(items) == meta.get("items"):
                    return items, meta
    from benchmarks.circuitsense.generate import iter_circuits
    from benchmarks.circuitsense.labels import label_circuits
    from benchmarks.runner.core import progress_bar
    with progress_bar(progress) as bar:
        task = bar.add_task("labelling circuits (lcapy + ngspice)", total=None)
        kept, stats = label_circuits(iter_circuits(seed), want=n, timeout=timeout,
                                     progress=lambda: bar.advance(task))
    items = [it for c, label in kept for it in circuit_items(c, label)]
    meta = {"n": n, "seed": seed, "items": len(items), "labels": asdict(stats)}
    if cache_dir is not None:
        atomic_write(Path(cache_dir) / "dataset.jsonl", "".join(json.dumps(asdict(i)) + "\n" for i in items))
        atomic_write(Path(cache_dir) / "dataset.json", json.dumps(meta, indent=2) + "\n")
    return items, meta


class CircuitSenseAdapter:
    """Prompts, answer schemas and scorers for CircuitSense items (generated or official)."""
    name = "circuitsense"

    def prompt(self, item: Item) -> str:
        return item.data["question"]

    def schema(self, item: Item) -> dict:
        return _COUNTS if item.data["kind"] == "counts" else _STR

    def extract(self, item: Item, doc: dict):
        return doc.get("answer")

    def score(self, item: Item, answer) -> Score:
        kind = item.data["kind"]
        if answer is None:
            return Score(False, "no answer")
        if kind == "counts":
            want = {k: int(item.label.get(k, 0)) for k in COUNT_KEYS}
            try:
                got = {k: int(answer.get(k, 0)) for k in COUNT_KEYS}
            except (AttributeError, TypeError, ValueError):
                return Score(False, "counts are not a JSON object of integers")
            wrong = [k for k in COUNT_KEYS if got[k] != want[k]]
            return Score(not wrong, f"wrong counts: {', '.join(wrong)}" if wrong else "all counts right")
        if kind == "symbolic":
            ok, why = symbolic_equal(str(answer), str(item.label), seed=zlib.crc32(item.id.encode()))
            return Score(ok, why)
        if kind == "numeric":
            ok, why = numeric_equal(answer, item.data["value"])
            return Score(ok, why)
        ok = " ".join(str(answer).split()).lower() == " ".join(str(item.label).split()).lower()
        return Score(ok, "exact text match" if ok else "text differs")
