"""MMCircuitEval-style problems from our own circuits, every answer computed by ngspice.

Two splits, written in the official problem schema (one JSON object per line):
- `generated`: circuits of the CircuitSense grid generator with DC source values. Sub-questions:
  a node's DC voltage (blank, computation), |V(out)/V(in)| at 1 kHz (blank, computation), the kind of
  frequency response (single, inference), an element count (single, perception), which nodes sit
  above a voltage (multi, inference) and a description of the response (open, inference).
  A DC voltage is asked only where it is defined: the operating point is simulated with two shunt
  conductances (`.options rshunt`) and a node whose voltage moves is left out (it floats at DC).
- `shipped`: the repository's example decks (netlists/), with answers from their simulations.
Difficulty follows the grid size (levels 1, 2, 3 -> easy, medium, hard).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from eda.fileio import atomic_write

DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
KINDS = {"R": "resistors", "C": "capacitors", "L": "inductors"}
RESPONSES = ("low-pass", "high-pass", "band-pass", "flat")
_LETTERS = "ABCD"
AC = "dec 10 10 1meg"


def _sim(c, dc: dict, rshunt: float):
    from eda.formats.spice import write_spice
    from eda.sim import simulate
    deck = write_spice(c.ir(symbolic=False, dc=dc)) + f".options rshunt={rshunt:g}\n"
    return simulate(deck, op=True, ac=AC)


def classify(freq: np.ndarray, mag: np.ndarray) -> str | None:
    """The response kind of |H| over the sweep, or None when it is none of them clearly."""
    db = 20 * np.log10(np.maximum(mag, 1e-15))
    lo, hi, top, bot = db[0], db[-1], db.max(), db.min()
    if top - bot < 1.0:
        return "flat"
    if lo >= top - 1.0 and hi <= lo - 10.0 and top - bot >= 10.0:
        return "low-pass"
    if hi >= top - 1.0 and lo <= hi - 10.0:
        return "high-pass"
    if top - lo >= 10.0 and top - hi >= 10.0:
        return "band-pass"
    return None


def _describe(kind: str, freq: np.ndarray, mag: np.ndarray) -> str:
    lo, hi, k = mag[0], mag[-1], int(np.argmax(mag))
    if kind == "flat":
        return f"A flat response: the gain stays near {float(np.median(mag)):.3g} from 10 Hz to 1 MHz."
    if kind == "low-pass":
        return (f"A low-pass response: the gain is {lo:.3g} at low frequency and falls to {hi:.3g} at 1 MHz.")
    if kind == "high-pass":
        return (f"A high-pass response: the gain rises from {lo:.3g} at 10 Hz to {hi:.3g} at 1 MHz.")
    return (f"A band-pass response: the gain peaks at {mag[k]:.3g} near {freq[k]:.3g} Hz and is "
            f"{lo:.3g} at 10 Hz and {hi:.3g} at 1 MHz.")


def _fmt(v: float, unit: str = "") -> str:
    return f"{v:.4g}{' ' + unit if unit else ''}"


def _choices(rng: random.Random, right: str, wrong: list[str]) -> tuple[str, str]:
    opts = [right] + wrong[:3]
    rng.shuffle(opts)
    return " ".join(f"({_LETTERS[i]}) {o}" for i, o in enumerate(opts)), _LETTERS[opts.index(right)]


def circuit_problem(c, rng: random.Random, image: str | None = None) -> dict | None:
    """One problem (official schema) about circuit `c`, or None when ngspice cannot simulate it."""
    from eda.errors import SimulationError
    from eda.formats.spice import write_spice
    dc = {"Vin": float(rng.choice([1, 2, 3, 5, 10]))}
    for e in c.elements:
        if e.kind == "V":
            dc[e.name] = float(rng.choice([1, 2, 3, 5]))
        elif e.kind == "I":
            dc[e.name] = float(rng.choice([1, 2, 5])) * 1e-3
    try:
        a, b = _sim(c, dc, 1e12), _sim(c, dc, 1e9)
    except SimulationError:
        return None
    nodes = sorted({n for e in c.elements for n in e.nodes} - {"0"}, key=lambda n: (len(n), n))
    volts = {}
    for n in nodes:
        va, vb = float(np.real(a.op[f"v({n})"][0])), float(np.real(b.op[f"v({n})"][0]))
        if abs(va - vb) <= 1e-4 * max(abs(va), 1e-3):
            volts[n] = va
    freq = np.real(a.ac.x)
    h, h2 = a.ac[f"v({c.out})"], b.ac[f"v({c.out})"]
    ac_ok = bool(np.all(np.abs(h - h2) <= 1e-3 * np.maximum(np.abs(h), 1e-9)))
    mag = np.abs(h)
    ac_ok = ac_ok and float(mag.max()) > 1e-4        # no AC signal at the output: nothing to ask
    netlist = write_spice(c.ir(symbolic=False, dc=dc)).strip()
    statement = (f"The circuit below (SPICE netlist; node 0 is ground) is driven by Vin, a DC source of "
                 f"{dc['Vin']:g} V that also carries a 1 V AC signal; the other sources are DC. "
                 f"V(out) means the voltage of node {c.out}.\n{netlist}")
    qs: list[tuple] = []       # (question, type, answer, explanation, difficulty, ability)
    diff = DIFFICULTY[c.level]
    inner = [n for n in volts if n != "1" and abs(volts[n]) > 1e-3]
    if inner:
        n = rng.choice(inner)
        qs.append((f"What is the DC voltage of node {n}, in volts?", "blank", _fmt(volts[n], "V"),
                   f"ngspice operating point (.op): V({n}) = {volts[n]:.6g} V.", diff, "computation"))
    f1k = int(np.argmin(abs(freq - 1e3)))
    if ac_ok and mag[f1k] > 1e-4:
        qs.append((f"What is the magnitude of V({c.out})/V(Vin) at 1 kHz (a ratio, not in dB)?", "blank",
                   _fmt(mag[f1k]), f"ngspice AC analysis: |H(1 kHz)| = {mag[f1k]:.6g}.", diff, "computation"))
    kind = classify(freq, mag) if ac_ok else None
    if kind:
        text, letter = _choices(rng, kind, [k for k in RESPONSES if k != kind])
        qs.append((f"What kind of frequency response does V({c.out})/V(Vin) have from 10 Hz to 1 MHz? {text}",
                   "single", letter, f"From the ngspice AC sweep: {kind}.", diff, "inference"))
    counts = c.counts()
    present = [k for k in KINDS if counts[k] > 0]
    if present:
        k = rng.choice(present)
        n = counts[k]
        wrong = [str(v) for v in (n + 1, n - 1 if n > 1 else n + 3, n + 2)]
        text, letter = _choices(rng, str(n), wrong)
        qs.append((f"How many {KINDS[k]} does the circuit have? {text}", "single", letter,
                   f"The circuit has {n} {KINDS[k]}.", "easy", "perception"))
    cand = sorted(volts.items(), key=lambda kv: kv[1])
    if len(cand) >= 2:
        pick = rng.sample(cand, min(4, len(cand)))
        vals = sorted(v for _, v in pick)
        gaps = [(vals[i + 1] - vals[i], i) for i in range(len(vals) - 1)]
        gap, i = max(gaps)
        if gap > 0.05 * max(abs(vals[-1]), abs(vals[0]), 1e-3):
            thr = float(f"{(vals[i] + vals[i + 1]) / 2:.3g}")
            if all(abs(v - thr) > 0.02 * max(abs(thr), 1e-3) for v in vals):
                rng.shuffle(pick)
                text = " ".join(f"({_LETTERS[j]}) node {n}" for j, (n, _) in enumerate(pick))
                right = ", ".join(_LETTERS[j] for j, (_, v) in enumerate(pick) if v > thr)
                qs.append((f"Which nodes have a DC voltage above {thr:g} V? Choose all that apply. {text}",
                           "multi", right, "ngspice operating point: " + ", ".join(
                               f"V({n}) = {v:.4g} V" for n, v in pick) + ".", diff, "inference"))
    if kind:
        qs.append((f"Describe the frequency response of V({c.out})/V(Vin) between 10 Hz and 1 MHz in one "
                   "sentence, with the gains at the ends of the range.", "open", _describe(kind, freq, mag),
                   "From the ngspice AC sweep.", diff, "inference"))
    if not qs:
        return None
    return {"statement": statement, "questions": [q[0] for q in qs], "question_types": [q[1] for q in qs],
            "images": [image] if image else [], "answers": [q[2] for q in qs],
            "explanations": [q[3] for q in qs], "difficulties": [q[4] for q in qs],
            "abilities": [q[5] for q in qs], "ic_type": "analog", "source": f"eda generator {c.id}",
            "extra": json.dumps({"circuit": c.id, "level": c.level, "dc": dc})}


def _deck_text(path: Path) -> str:
    """The deck without comments and .meas lines (they would give the answers away)."""
    keep = [ln for ln in path.read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("*") and not ln.lower().startswith(".meas")]
    return "\n".join(keep)


def shipped_problems(root: Path) -> list[dict]:
    """Problems about the example decks in `root` (netlists/): answers from their ngspice runs."""
    from eda.sim import simulate
    out = []
    rc = root / "rc_lowpass.sp"
    if rc.is_file():
        r = simulate(rc, ac="dec 100 10 1meg")
        f3 = float(r.measures["f3db"])
        out.append({"statement": f"An RC circuit (SPICE deck):\n{_deck_text(rc)}",
                    "questions": ["What is the -3 dB frequency of V(out)/V(in), in Hz?",
                                  "What kind of filter is it? (A) high-pass (B) low-pass (C) band-pass (D) band-stop",
                                  "Explain how the output changes with frequency."],
                    "question_types": ["blank", "single", "open"],
                    "images": [], "answers": [_fmt(f3, "Hz"), "B",
                                              f"A low-pass response: the gain is 1 at low frequency and falls by 20 dB per decade above about {f3:.4g} Hz."],
                    "explanations": [f"ngspice AC analysis: f3db = {f3:.6g} Hz (1/(2 pi R C)).",
                                     "The capacitor shunts the output at high frequency.", "From the ngspice AC sweep."],
                    "difficulties": ["easy", "easy", "medium"],
                    "abilities": ["computation", "knowledge", "inference"],
                    "ic_type": "analog", "source": "netlists/rc_lowpass.sp", "extra": ""})
    inv = root / "cmos_inverter.sp"
    if inv.is_file():
        r = simulate(inv)
        vs = float(r.measures["vswitch"])
        x, y = np.real(r.dc.x), np.real(r.dc["v(out)"])
        v0 = float(y[int(np.argmin(abs(x)))])
        out.append({"statement": f"A CMOS inverter (SPICE deck):\n{_deck_text(inv)}",
                    "questions": ["What input voltage makes the output equal 0.9 V (the switching threshold), in volts?",
                                  "What is the output voltage when the input is 0 V, in volts?"],
                    "question_types": ["blank", "blank"], "images": [],
                    "answers": [_fmt(vs, "V"), _fmt(v0, "V")],
                    "explanations": [f"ngspice DC sweep of VIN: v(out) = 0.9 V at VIN = {vs:.6g} V.",
                                     f"ngspice DC sweep: v(out) = {v0:.6g} V at VIN = 0."],
                    "difficulties": ["medium", "easy"], "abilities": ["computation", "inference"],
                    "ic_type": "analog", "source": "netlists/cmos_inverter.sp", "extra": ""})
    return out


def write_generated(out: Path, n: int, seed: int, *, draw: bool = True, netlists: Path | None = None,
                    progress=None) -> dict:
    """Write `generated.jsonl` (n problems) and `shipped.jsonl` under `out`; return counts.

    `draw`: a schematic PNG per generated circuit under `out/images/` (the problem's image).
    """
    from benchmarks.circuitsense.generate import iter_circuits
    out = Path(out)
    rng = random.Random(seed)
    problems, tried = [], 0
    for c in iter_circuits(seed):
        if len(problems) >= n:
            break
        tried += 1
        if tried > 20 * n + 20:
            break
        image = None
        if draw:
            from benchmarks.circuitsense.schematic import draw_circuit
            (out / "images").mkdir(parents=True, exist_ok=True)
            draw_circuit(c, out / "images" / f"{c.id}.svg", png=True)
            image = f"images/{c.id}.png"
        p = circuit_problem(c, rng, image)
        if progress:
            progress()
        if p is not None:
            problems.append(p)
        elif image:
            for ext in ("svg", "png"):
                (out / "images" / f"{c.id}.{ext}").unlink(missing_ok=True)
    atomic_write(out / "generated.jsonl", "".join(json.dumps(p) + "\n" for p in problems))
    shipped = shipped_problems(netlists) if netlists is not None and Path(netlists).is_dir() else []
    if shipped:
        atomic_write(out / "shipped.jsonl", "".join(json.dumps(p) + "\n" for p in shipped))
    subq = sum(len(p["questions"]) for p in problems + shipped)
    return {"n": n, "seed": seed, "draw": draw, "circuits_tried": tried, "generated": len(problems),
            "shipped": len(shipped), "sub_questions": subq}
