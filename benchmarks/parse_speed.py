"""Parse speed and peak memory: eda's SPICE reader against PySpice and spicelib, side by side.

    python -m benchmarks.parse_speed [--sizes 10k,100k,1M] [--skip-peers | --parsers eda,pyspice]
                                     [--out results.json]

Generates flat and hierarchical decks (benchmarks/generate.py), then for every deck and parser
runs ONE fresh subprocess that reads the deck into that parser's object model and reports its
own wall time, CPU time and peak RSS, so peaks never mix.  Prints a Markdown table with
throughput (wall and CPU) and memory ratios against PySpice, then times eda's writer and graph
views at the largest size.  The CPU ratio is the one to trust on a loaded machine: wall time
there counts the time other processes held the core.  Parser `eda-py` is eda's reader with its C
scanner (eda/formats/_spicefast.c) turned off; `eda` reports whether the scanner was built.
Target (issue: foundation): at 1M elements >= 20x PySpice's throughput with <= 1/3 its memory.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import write_decks

ROOT = Path(__file__).resolve().parents[1]

# Each runner prints one JSON line: {"seconds": ..., "elements": ..., "peak_mb": ...}.
# Peak memory is VmHWM of the child's own address space (ru_maxrss would carry the parent's
# peak across fork+exec on Linux).
_PRELUDE = """
import json, sys, time, gc
path = sys.argv[1]
extra = {}
def hwm_mb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # no /proc (macOS): ru_maxrss is in bytes there
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
"""
_EPILOGUE = """
peak = hwm_mb()
print(json.dumps({"seconds": dt, "cpu_seconds": cpu, "elements": n, "peak_mb": peak,
                  "base_mb": base, **extra}), flush=True)
import os; os._exit(0)   # skip freeing millions of objects: not part of parsing
"""
RUNNERS = {
    "eda": """
from eda.formats import read, names, spice
names()   # import every format module first, as the peers' imports come before their timers
extra["c_scanner"] = spice._spicefast is not None
base = hwm_mb()
t, t_cpu = time.perf_counter(), time.process_time()
c = read(path)
dt, cpu = time.perf_counter() - t, time.process_time() - t_cpu
n = sum(1 for _ in c.all_components())
""",
    "eda-py": """
from eda.formats import read, names, spice
names()
spice._spicefast = None   # the pure-Python fast path
base = hwm_mb()
t, t_cpu = time.perf_counter(), time.process_time()
c = read(path)
dt, cpu = time.perf_counter() - t, time.process_time() - t_cpu
n = sum(1 for _ in c.all_components())
""",
    "pyspice": """
import logging; logging.disable(logging.CRITICAL)
from PySpice.Spice.Parser import SpiceParser
base = hwm_mb()
t, t_cpu = time.perf_counter(), time.process_time()
p = SpiceParser(path=path)
circuit = p.build_circuit()
# PySpice 1.5's build_circuit skips subcircuit definitions (isinstance(.., SubCircuit) never
# matches a SubCircuitStatement): build them too, so it builds the same model as the others.
for s in p.subcircuits:
    circuit.subcircuit(s.build())
dt, cpu = time.perf_counter() - t, time.process_time() - t_cpu
n = len(list(circuit.elements)) + sum(len(list(s.elements)) for s in circuit.subcircuits)
""",
    "spicelib": """
import logging; logging.disable(logging.CRITICAL)
from spicelib import SpiceEditor
base = hwm_mb()
t, t_cpu = time.perf_counter(), time.process_time()
e = SpiceEditor(path)
n = len(e.get_components())
for name in e.get_subcircuit_names():   # subcircuit bodies are parsed on demand: list them too
    n += len(e.get_subcircuit_named(name).get_components())
dt, cpu = time.perf_counter() - t, time.process_time() - t_cpu
""",
}

_EXTRAS = """
import json, sys, time, gc, os
from eda.formats import read, write_text
from eda.graph import build_view
c = read(sys.argv[1])
gc.disable()
out = {}
P, C = time.perf_counter, time.process_time
t, tc = P(), C(); text, _ = write_text(c, "spice"); out["write spice"] = P() - t
out["write spice CPU"] = C() - tc
for view in ("bipartite", "component", "port"):
    t, tc = P(), C(); g = build_view(c, view); out[f"graph {view}"] = P() - t
    out[f"graph {view} CPU"] = C() - tc
    out[f"graph {view} nodes"] = g.num_nodes
    out[f"graph {view} edges"] = g.num_edges
    del g
print(json.dumps(out), flush=True)
os._exit(0)
"""


def measure(parser: str, path: Path, timeout: float) -> dict:
    """One parser on one file in a fresh interpreter."""
    code = _PRELUDE + RUNNERS[parser] + _EPILOGUE
    try:
        r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                           timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["failed"])[-1]
        return {"error": last[:160]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def parse_sizes(text: str) -> list[int]:
    mult = {"k": 1_000, "m": 1_000_000}
    out = []
    for s in text.split(","):
        s = s.strip().lower()
        out.append(int(float(s[:-1]) * mult[s[-1]]) if s[-1] in mult else int(s))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k,100k,1M")
    ap.add_argument("--kinds", default="flat,hier", help="flat, hier or both")
    ap.add_argument("--skip-peers", action="store_true", help="only eda's reader")
    ap.add_argument("--parsers", default=None,
                    help="comma list of parsers to run (eda,eda-py,pyspice,spicelib; "
                         "default: eda,pyspice,spicelib)")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds per measurement (peers take ~75-90 s at 1M)")
    ap.add_argument("--decks", default=None, help="folder for generated decks (kept between runs)")
    ap.add_argument("--out", default=None, help="results JSON (rewritten atomically as it goes)")
    ap.add_argument("--no-extras", action="store_true", help="skip the writer and graph timings")
    ap.add_argument("--extras-only", action="store_true",
                    help="only the writer and graph timings (at the largest size)")
    args = ap.parse_args(argv)
    folder = Path(args.decks or Path(tempfile.gettempdir()) / "eda-bench-decks")
    kinds = set(args.kinds.split(","))
    decks = [d for d in write_decks(folder, parse_sizes(args.sizes)) if d[0] in kinds]
    parsers = ["eda"] if args.skip_peers else ["eda", "pyspice", "spicelib"]
    if args.parsers:
        parsers = [p for p in args.parsers.split(",") if p in RUNNERS]
    rows: list[dict] = []
    extras: dict = {}

    def save() -> None:  # after every measurement: an interrupted run keeps what it measured
        if args.out:
            from eda.fileio import atomic_write
            atomic_write(args.out, json.dumps({"rows": rows, "extras": extras}, indent=1) + "\n")

    print("| deck | elements | parser | seconds | CPU s | elements/s | peak MB | counted "
          "| vs PySpice: throughput | CPU | memory |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, n, path in decks if not args.extras_only else []:
        got = {p: measure(p, path, args.timeout) for p in parsers}
        ref = got.get("pyspice", {})
        for p, m in got.items():
            row = {"deck": kind, "size": n, "parser": p, **m}
            rows.append(row)
            if "error" in m:
                print(f"| {kind} | {n:,} | {p} | {m['error']} | | | | | | | |", flush=True)
                continue
            rate = n / m["seconds"] if m["seconds"] else float("inf")   # the deck's element count
            row["elements_per_s"] = rate
            speed = cpu = mem = ""
            if "seconds" in ref and p != "pyspice":
                speed = f"{ref['seconds'] / m['seconds']:.1f}x"
                cpu = f"{ref['cpu_seconds'] / m['cpu_seconds']:.1f}x"
                mem = f"{m['peak_mb'] / ref['peak_mb']:.2f}"
                row.update(speedup_vs_pyspice=ref["seconds"] / m["seconds"],
                           cpu_speedup_vs_pyspice=ref["cpu_seconds"] / m["cpu_seconds"],
                           memory_vs_pyspice=m["peak_mb"] / ref["peak_mb"])
            name = p + (" (no C)" if m.get("c_scanner") is False else "")
            print(f"| {kind} | {n:,} | {name} | {m['seconds']:.2f} | {m['cpu_seconds']:.2f} "
                  f"| {rate:,.0f} | {m['peak_mb']:.0f} | {m.get('elements', '')} | {speed} "
                  f"| {cpu} | {mem} |", flush=True)
        save()
    if not args.no_extras:
        largest = max(decks, key=lambda d: (d[1], d[0] == "flat"))
        try:
            r = subprocess.run([sys.executable, "-c", _EXTRAS, str(largest[2])], capture_output=True,
                               text=True, timeout=args.timeout, cwd=ROOT)
            extras = json.loads(r.stdout.strip().splitlines()[-1]) if r.returncode == 0 else \
                {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
        except subprocess.TimeoutExpired:
            extras = {"error": f"timeout after {args.timeout:.0f} s"}
        extras = {"deck": largest[0], "size": largest[1], **extras}
        print(f"\neda at {largest[1]:,} elements ({largest[0]}):")
        for k, v in extras.items():
            if k not in ("deck", "size"):
                print(f"  {k}: {v:.2f} s" if isinstance(v, float) else f"  {k}: {v}")
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
