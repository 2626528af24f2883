"""Labels for generated circuits: V(out)/V(in) from lcapy (in a worker, with a timeout), checked by ngspice.

Every label is evaluated at the circuit's numeric values at s = j*2*pi*f for four frequencies
and compared with an ngspice AC analysis of the same circuit; a label that disagrees, a
derivation that fails or runs out of time, and a transfer function that is zero are dropped and
counted (`LabelStats`),
as is a trivial label (1: the output node is the input).
"""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import numpy as np

from benchmarks.circuitsense.generate import GenCircuit

FREQS = (100.0, 1e3, 1e4, 1e5)          # the AC points of `.ac dec 1 100 100k`
REL_TOL = 1e-3


@dataclass
class LabelStats:
    candidates: int = 0
    labelled: int = 0
    checked: int = 0                       # labels compared with ngspice (all kept labels are)
    dropped: dict[str, int] = field(default_factory=lambda: {"mismatch": 0, "zero": 0, "trivial": 0, "lcapy": 0,
                                                              "timeout": 0, "ngspice": 0})


def _derive(netlist: str, out: str) -> str:
    """Worker: the lcapy transfer function V(out)/V(1) of a symbolic netlist, as sympy text."""
    import warnings
    warnings.filterwarnings("ignore")
    import sympy
    from lcapy import Circuit
    h = sympy.cancel(Circuit(netlist)[out].V.s.sympy)     # Vin is the s-domain source 1
    ad = next((x for x in h.free_symbols if x.name == "Ad"), None)
    if ad is not None:                                       # ideal opamps: the limit Ad -> oo
        num, den = (sympy.Poly(x, ad) for x in sympy.fraction(h))
        if num.degree() > den.degree():
            raise ValueError("no finite limit for Ad -> oo")
        h = num.LC() / den.LC() if num.degree() == den.degree() else sympy.Integer(0)
    return str(sympy.factor(sympy.cancel(h)))


def _warm() -> None:
    """Worker start-up: the heavy imports."""
    import warnings
    warnings.filterwarnings("ignore")
    import lcapy  # noqa: F401
    import sympy  # noqa: F401


def lcapy_netlist(c: GenCircuit) -> str:
    """The lcapy form of the circuit: Vin the s-domain source 1 (so V(out) is the transfer function),
    other independent sources off (V a 0 V source, I left out), dependent sources with their gain
    symbol, opamps as `opamp` VCVS of gain Ad, H/F controlled by the current through Vin."""
    lines = ["Vin 1 0 s 1"]
    for e in c.elements:
        a, b = e.nodes
        if e.kind == "V":
            lines.append(f"{e.name} {a} {b} 0")
        elif e.kind == "I":
            continue
        elif e.kind == "U":
            lines.append(f"{e.name} {a} {b} opamp {e.ctrl[0]} {e.ctrl[1]} Ad")
        elif e.kind in "HF":
            lines.append(f"{e.name} {a} {b} Vin {e.name}")
        else:
            ctrl = f" {e.ctrl[0]} {e.ctrl[1]}" if e.ctrl else ""
            if e.kind == "G":
                a, b = b, a                    # lcapy's G drives current the other way
            lines.append(f"{e.name} {a} {b}{ctrl} {e.name}")
    return "\n".join(lines)


class LcapyWorker:
    """One child process deriving transfer functions; killed and restarted after a timeout."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
            # import lcapy before the clock runs: on a busy machine the import alone can outlast the
            # timeout, and every derivation would then time out, restart and import again
            self._pool.submit(_warm).result(timeout=max(600.0, self.timeout))
        return self._pool

    def derive(self, netlist: str, out: str) -> str:
        """The transfer function; `TimeoutError` after `timeout` s (the worker is killed), else lcapy's error."""
        fut = self._get().submit(_derive, netlist, out)
        try:
            return fut.result(timeout=self.timeout)
        except FutureTimeout:
            self.close(kill=True)
            raise TimeoutError(f"lcapy took over {self.timeout:g} s") from None

    def close(self, kill: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            for p in list(getattr(pool, "_processes", {}).values()):
                p.kill()
        pool.shutdown(wait=not kill, cancel_futures=True)


def evaluate(label: str, values: dict[str, float], freqs=FREQS) -> np.ndarray:
    """The label's complex value at s = j*2*pi*f for each frequency, with `values` substituted."""
    import sympy
    expr = sympy.sympify(label, locals={k: sympy.Symbol(k) for k in [*values, "s"]})
    f = sympy.lambdify([sympy.Symbol("s"), *[sympy.Symbol(k) for k in values]], expr, "numpy")
    return np.array([complex(f(2j * np.pi * fr, *values.values())) for fr in freqs])


def ngspice_response(c: GenCircuit, freqs=FREQS) -> np.ndarray:
    """V(out) of an ngspice AC run (Vin = 1) at `freqs` (the default points)."""
    from eda.formats.spice import write_spice
    from eda.sim import simulate
    deck = write_spice(c.ir(symbolic=False)) + ".options rshunt=1e12\n"
    r = simulate(deck, ac="dec 1 100 100000")
    got = r.ac[f"v({c.out})"]
    xs = r.ac.x
    return np.array([got[int(np.argmin(abs(xs - fr)))] for fr in freqs])


def agrees(label: str, c: GenCircuit, response: np.ndarray | None = None) -> bool:
    """Whether `label` matches ngspice's response of `c` at every sample frequency (relative 1e-3)."""
    want = ngspice_response(c) if response is None else response
    try:
        got = evaluate(label, c.values())
    except (TypeError, ValueError, ZeroDivisionError, SyntaxError):
        return False
    scale = np.maximum(abs(want), 1e-12)
    return bool(np.all(np.abs(got - want) / scale <= REL_TOL))


def label_circuits(circuits, *, timeout: float = 10.0, progress=None, want: int | None = None
                   ) -> tuple[list[tuple[GenCircuit, str]], LabelStats]:
    """(circuit, label) for every circuit whose label lcapy derives and ngspice confirms; the stats.

    `circuits` may be an endless iterator when `want` (the number of labels wanted) is given.
    """
    from eda.errors import SimulationError
    stats = LabelStats()
    kept: list[tuple[GenCircuit, str]] = []
    worker = LcapyWorker(timeout)
    try:
        for c in circuits:
            if want is not None and len(kept) >= want:
                break
            stats.candidates += 1
            if progress:
                progress()
            try:
                label = worker.derive(lcapy_netlist(c), c.out)
            except TimeoutError:
                stats.dropped["timeout"] += 1
                continue
            except Exception:  # noqa: BLE001 - lcapy raises many kinds for singular circuits
                stats.dropped["lcapy"] += 1
                continue
            if label == "0":
                stats.dropped["zero"] += 1
                continue
            if label == "1":                   # the output is the input (a short or an off source)
                stats.dropped["trivial"] += 1
                continue
            try:
                resp = ngspice_response(c)
            except SimulationError:
                stats.dropped["ngspice"] += 1
                continue
            stats.checked += 1
            if not agrees(label, c, resp):
                stats.dropped["mismatch"] += 1
                continue
            stats.labelled += 1
            kept.append((c, label))
    finally:
        worker.close()
    return kept, stats
