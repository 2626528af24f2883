"""CircuitSense items for the batch runner: generated sets (cached in the run dir), prompts and scoring."""
from __future__ import annotations

import json
import re
import zlib
from dataclasses import asdict
from pathlib import Path

from eda.fileio import atomic_write, read_utf8

from benchmarks.runner.core import Item, Score
from benchmarks.circuitsense.score import numeric_equal, symbolic_equal

COUNT_KEYS = ("R", "C", "L", "V", "I", "E", "G", "H", "F", "U", "Q", "M")
UNITS = {"R": "ohm", "C": "F", "L": "H"}
DESIGN_FREQ = 1e3                       # the spec frequency of design items (one of labels.FREQS)
LEGEND = ("Element values are symbols named after the elements. EU<n> elements are ideal opamps (a VCVS "
          "of gain Ad: give the answer in the limit Ad -> oo). H/F elements are controlled by the current "
          "through Vin (SPICE convention). Q<n> / M<n> are small-signal BJT / MOSFET models made of the "
          "elements RpiQ<n>, GmQ<n>, RoQ<n> / CgsM<n>, GmM<n>, RoM<n>.")
_STR = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
_NODES = {"type": "object", "properties": {"answer": {"type": "array", "items": {"type": "string"},
                                                      "minItems": 2, "maxItems": 2}}, "required": ["answer"]}
_COUNTS = {"type": "object", "properties": {"answer": {
    "type": "object", "properties": {k: {"type": "integer", "minimum": 0} for k in COUNT_KEYS},
    "required": list(COUNT_KEYS)}}, "required": ["answer"]}


def circuit_items(circuit, label: str, image: str | None = None) -> list[Item]:
    """An analysis item (the transfer function) and a perception item (element counts) of one circuit."""
    from eda.formats.spice import write_spice
    netlist = write_spice(circuit.ir(symbolic=True)).strip()
    level = f"L{circuit.level}"
    tf_q = (f"SPICE netlist:\n{netlist}\n\n{LEGEND}\n"
            f"Vin is the input source between node 1 and ground (0); other independent sources are off. "
            f"Give the transfer function H(s) = V({circuit.out})/V(1) as one sympy expression in s and the "
            f"element names (e.g. R1/(R1 + s*C1*R1*R2)).")
    count_q = (f"SPICE netlist:\n{netlist}\n\n{LEGEND}\nCount the elements of each kind: R resistors, "
               "C capacitors, L inductors, V voltage sources (Vin included), I current sources, E voltage-"
               "controlled voltage sources (opamps not included), G voltage-controlled current sources, "
               "H current-controlled voltage sources, F current-controlled current sources, U opamps, "
               "Q BJT models, M MOSFET models (the R, G and C elements of a transistor model count under "
               "their own kinds too).")
    base = {"circuit": circuit.id, "netlist": netlist, "image": image}
    items = [Item(f"{circuit.id}-tf", {"task": "Analysis", "level": level}, label,
                  {**base, "question": tf_q, "kind": "symbolic"}),
             Item(f"{circuit.id}-count", {"task": "Perception", "level": level}, circuit.counts(),
                  {**base, "question": count_q, "kind": "counts",
                   "question_image": "Count the elements of each kind in the attached schematic" + count_q.split(
                       "Count the elements of each kind", 1)[1]})]
    design = design_item(circuit, label, netlist)
    nodeq = node_equation_item(circuit, netlist)
    return items + [it for it in (connection_item(circuit, netlist, image), nodeq, design) if it is not None]


def connection_item(circuit, netlist: str, image: str | None = None) -> Item | None:
    """A perception item: the two nodes one two-terminal element connects (order free)."""
    import random
    two = [e for e in circuit.elements if e.kind in "RLCVI" and e.edge is not None]
    if not two:
        return None
    e = random.Random(zlib.crc32(circuit.id.encode())).choice(two)
    ask = f"Between which two nodes is {e.name} connected? Answer with the two node names (ground is 0)."
    return Item(f"{circuit.id}-conn", {"task": "Perception", "level": f"L{circuit.level}"}, sorted(e.nodes),
                {"circuit": circuit.id, "netlist": netlist, "image": image, "kind": "nodes",
                 "question": f"SPICE netlist:\n{netlist}\n\n{ask}",
                 "question_image": f"In the attached schematic (node names in red): {ask}"})


def node_equation_item(circuit, netlist: str) -> Item | None:
    """An analysis item: the KCL equation at one node (the output when it can be asked), ngspice-checked."""
    from benchmarks.circuitsense.nodal import kcl_agrees, kcl_label
    nodes = sorted({n for e in circuit.elements for n in e.nodes} - {"0", circuit.inp}, key=lambda n: (len(n), n))
    nodes.sort(key=lambda n: n != circuit.out)
    for node in nodes:
        label = kcl_label(circuit, node)
        if label is None:
            continue
        if not kcl_agrees(circuit, node, label):
            return None                        # never seen; a label ngspice does not confirm is not asked
        q = (f"SPICE netlist:\n{netlist}\n\n{LEGEND}\nVin is the input (an AC source); the other independent "
             f"sources are off. Write the KCL equation at node {node}: the sum of the currents leaving node "
             f"{node} equals 0, in the node voltages v1, v2, ... (v<node name>; ground is 0), s and the element "
             f"names, e.g. (v2 - v1)/R1 + s*C1*v2 = 0.")
        return Item(f"{circuit.id}-kcl", {"task": "Analysis", "level": f"L{circuit.level}"}, label,
                    {"circuit": circuit.id, "netlist": netlist, "question": q, "kind": "equation", "node": node})
    return None


def _gain(label: str, values: dict[str, float], freq: float = DESIGN_FREQ) -> float:
    from benchmarks.circuitsense.labels import evaluate
    return float(abs(evaluate(label, values, (freq,))[0]))


def design_item(circuit, label: str, netlist: str) -> Item | None:
    """A design task: choose one R/C/L value so that |H| at 1 kHz meets the simulated target.

    The target is ngspice's |V(out)/V(1)| at 1 kHz with the generated values; the element is one
    whose value matters (halving or doubling it moves |H| by more than 5 %). Any value meeting the
    spec is right (the scorer checks the spec with the label, not the value).
    """
    import random
    from benchmarks.circuitsense.labels import FREQS, ngspice_response
    values = circuit.values()
    target = float(abs(ngspice_response(circuit)[FREQS.index(DESIGN_FREQ)]))
    if not target > 1e-6:
        return None
    names = [e.name for e in circuit.elements if e.kind in UNITS and re.search(rf"\b{e.name}\b", label)]
    random.Random(zlib.crc32(circuit.id.encode())).shuffle(names)
    for name in names:
        v = values[name]
        try:
            lo, hi = (_gain(label, {**values, name: v * f}) for f in (0.5, 2.0))
        except (ZeroDivisionError, ValueError, TypeError, OverflowError):
            continue
        if min(abs(lo - target), abs(hi - target)) > 0.05 * target:
            kind = name[0]
            given = ", ".join(f"{k} = {x:.4g}" for k, x in values.items() if k != name)
            q = (f"SPICE netlist:\n{netlist}\n\n{LEGEND}\nValues: {given}. Choose the value of {name} "
                 f"(in {UNITS[kind]}) so that |V({circuit.out})/V(1)| at {DESIGN_FREQ:g} Hz equals {target:.6g}. "
                 "Answer with the number only.")
            return Item(f"{circuit.id}-design", {"task": "Design", "level": f"L{circuit.level}"}, f"{v:.6g}",
                        {"circuit": circuit.id, "netlist": netlist, "question": q, "kind": "design",
                         "expr": label, "values": values, "param": name, "target": target})
    return None


def generated_items(n: int, seed: int, cache_dir: Path | None = None, *, timeout: float = 10.0,
                    progress: bool = True, log=None) -> tuple[list[Item], dict]:
    """Items of `n` labelled circuits from `seed` (2 items each) and the label stats.

    The set is stored as `dataset.jsonl` + `dataset.json` in `cache_dir` and read back from there
    when a run resumes (generation with lcapy and ngspice is the slow part).
    """
    if cache_dir is not None:
        meta_p, data_p = Path(cache_dir) / "dataset.json", Path(cache_dir) / "dataset.jsonl"
        if meta_p.is_file() and data_p.is_file():
            meta = json.loads(read_utf8(meta_p))
            if meta.get("n") == n and meta.get("seed") == seed:
                items = [Item(**json.loads(x)) for x in read_utf8(data_p).splitlines() if x.strip()]
                if len(items) == meta.get("items"):
                    return items, meta
    from benchmarks.circuitsense.generate import iter_circuits
    from benchmarks.circuitsense.labels import label_circuits
    from benchmarks.runner.core import progress_bar
    with progress_bar(progress) as bar:
        task = bar.add_task("labelling circuits (lcapy + ngspice)", total=None)
        kept, stats = label_circuits(iter_circuits(seed), want=n, timeout=timeout,
                                     progress=lambda: bar.advance(task))
    items = []
    for c, label in kept:
        image = None
        if cache_dir is not None:              # the drawn schematic (perception from the picture)
            from benchmarks.circuitsense.schematic import draw_circuit
            image = str(draw_circuit(c, Path(cache_dir) / "images" / f"{c.id}.svg").with_suffix(".png"))
        items += circuit_items(c, label, image)
    meta = {"n": n, "seed": seed, "items": len(items), "labels": asdict(stats)}
    if cache_dir is not None:
        atomic_write(Path(cache_dir) / "dataset.jsonl", "".join(json.dumps(asdict(i)) + "\n" for i in items))
        atomic_write(Path(cache_dir) / "dataset.json", json.dumps(meta, indent=2) + "\n")
    return items, meta


class CircuitSenseAdapter:
    """Prompts, answer schemas and scorers for CircuitSense items (generated or official).

    `images`: send an item's picture (the drawn schematic, or the official image) as OpenAI image
    content; a perception item then asks about the picture alone (no netlist).
    """
    name = "circuitsense"

    def __init__(self, images: bool = False) -> None:
        self.images = images

    def prompt(self, item: Item) -> str:
        if self.images and item.data.get("image") and item.data.get("question_image"):
            return item.data["question_image"]
        return item.data["question"]

    def content(self, item: Item):
        """Text, or text + the image as an image_url part (multimodal runs)."""
        text = self.prompt(item)
        if not (self.images and item.data.get("image")):
            return text
        from benchmarks.mmcircuiteval.adapter import _image_url
        return [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": _image_url(item.data["image"])}}]

    def schema(self, item: Item) -> dict:
        if item.data["kind"] == "nodes":
            return _NODES
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
        if kind == "design":
            return _score_design(item, answer)
        if kind == "nodes":
            got = sorted(str(x).strip() for x in answer) if isinstance(answer, list) else []
            return Score(got == sorted(item.label), f"answered {got}")
        if kind == "equation":
            from benchmarks.circuitsense.nodal import equation_equal
            ok, why = equation_equal(str(answer), str(item.label), seed=zlib.crc32(item.id.encode()))
            return Score(ok, why)
        ok = " ".join(str(answer).split()).lower() == " ".join(str(item.label).split()).lower()
        return Score(ok, "exact text match" if ok else "text differs")


def _score_design(item: Item, answer) -> Score:
    """Right when the answered value meets the spec: |H(1 kHz)| within 0.5 % of the target."""
    from benchmarks.circuitsense.score import REL_TOL, numeric_value
    d = item.data
    x = answer if isinstance(answer, (int, float)) else numeric_value(str(answer))
    if x is None or not x > 0:
        return Score(False, "no positive value in the answer")
    try:
        g = _gain(d["expr"], {**d["values"], d["param"]: float(x)})
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return Score(False, "the value makes H undefined")
    ok = abs(g - d["target"]) <= REL_TOL * d["target"]
    return Score(ok, f"|H| = {g:.6g} vs spec {d['target']:.6g}")
