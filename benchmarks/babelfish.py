"""Babel Fish conversion benchmark: real decks rendered into many dialects, converted back, scored.

    python -m benchmarks.babelfish [--quick] [--limit N] [-o out/bench_babelfish]
                                   [--base-url URL --model NAME --api-key KEY]   (eda bench babelfish)

The test set is generated here from flat decks in `<data>/netlists/real/` (3-12 components of the
kinds R C L V I D Q M J E G X, no subcircuit definitions, read by our SPICE reader; a fixed seeded
sample). Each deck is rendered into dialects a reader supports (ngspice, Spectre, CDL, KiCad, by
the project's writers) and into dialects none supports (PSpice, Qucs, a shuffled port list: see
`agents.babelfish.dialects`), saved as `.txt` without dot directives so that no reader
recognises them. Methods:

* `deterministic`: `agents.babelfish.convert.convert_text` without `--llm` on the supported
  dialects (a registered reader; no LLM);
* `spice reader (forced)`: our SPICE reader applied to the unsupported dialects anyway, the
  baseline an LLM has to beat;
* `babelfish (local)`: the LLM path on the unsupported dialects with the bundled SmolLM2-135M;
* `babelfish (endpoint)`: the same with `--base-url/--model`, when given.

Scores per (method, dialect): the fraction of circuits whose converted bipartite graph is
isomorphic to the original (component nodes labelled by kind, net nodes by ground or not, edges
by pin), and component-level precision/recall/F1 of (kind, {pin: net}) with net names compared
case-insensitively and ground spellings unified. Also tokens, requests and seconds per circuit.
Writes OUT/results.json (after every circuit; LLM answers are cached, so a rerun is cheap) and
OUT/report.md. Only stdlib and typer are imported at module import.
"""
from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Optional

import typer

KNOWN = {"ngspice": (".cir", "spice"), "spectre": (".scs", "spectre"), "cdl": (".cdl", "cdl"),
         "kicad": (".net", "kicad")}
UNKNOWN = ("pspice", "qucs", "portlist")
KINDS_OK = set("RCLVIDQMJEGX")


def _data_root(root: str | None) -> Path:
    from eda.formats.datasets import default_root
    r = Path(root) if root else default_root()
    if r is None or not (r / "netlists" / "real").is_dir():
        from eda.errors import EdaError
        raise EdaError(f"no real decks under {r}/netlists/real: give --data-root or set EDA_DATA")
    return r


def select_decks(root: Path, n: int, seed: int = 7, max_components: int = 12) -> list[Path]:
    """A seeded sample of small flat SPICE decks that our reader reads."""
    from eda.formats import read
    real = root / "netlists" / "real"
    files = sorted(p for p in real.rglob("*") if p.suffix.lower() in (".cir", ".sp", ".spice", ".net")
                   and p.is_file())
    random.Random(seed).shuffle(files)
    out = []
    for p in files:
        try:
            c = read(p)
        except Exception:            # noqa: BLE001 - decks our reader rejects are not candidates
            continue
        comps = c.components
        if c.format != "spice" or c.subcircuits or not 3 <= len(comps) <= max_components:
            continue
        if any(k.kind not in KINDS_OK or k.attrs.get("verbatim") for k in comps):
            continue
        if len({k.name.lower() for k in comps}) != len(comps):
            continue
        out.append(p)
        if len(out) >= n:
            break
    return out


# --------------------------------------------------------------------------- scoring

def _net(n: str) -> str:
    from eda.ir import GROUND_NAMES
    return "0" if n.lower() in GROUND_NAMES else n.lower()


def component_keys(circuit) -> Counter:
    """Multiset of (kind, ((pin, net), ...)) over the top-level components."""
    return Counter((c.kind, tuple(sorted((p, _net(n)) for p, n in zip(c.pins, c.nets))))
                   for c in circuit.components)


def bipartite(circuit):
    """networkx bipartite graph: components (kind), nets (ground or not), edges labelled by pin."""
    import networkx as nx
    g = nx.Graph()
    for i, c in enumerate(circuit.components):
        g.add_node(("c", i), label=c.kind)
        pins: dict[str, list[str]] = {}
        for p, n in zip(c.pins, c.nets):
            pins.setdefault(_net(n), []).append(p)
        for n, ps in pins.items():
            g.add_node(("n", n), label="ground" if n == "0" else "net")
            g.add_edge(("c", i), ("n", n), pin=",".join(sorted(ps)))
    return g


def score(original, converted) -> dict:
    import networkx as nx
    a, b = component_keys(original), component_keys(converted)
    hit = sum((a & b).values())
    prec = hit / sum(b.values()) if b else 0.0
    rec = hit / sum(a.values()) if a else 0.0
    iso = nx.is_isomorphic(bipartite(original), bipartite(converted),
                           node_match=lambda x, y: x["label"] == y["label"],
                           edge_match=lambda x, y: x["pin"] == y["pin"])
    return {"iso": bool(iso), "precision": prec, "recall": rec, "hits": hit,
            "true": sum(a.values()), "predicted": sum(b.values())}


# --------------------------------------------------------------------------- running

def render(circuit, dialect: str) -> str | None:
    from agents.babelfish.dialects import RENDERERS
    from eda.formats import write_text
    if dialect in KNOWN:
        return write_text(circuit, KNOWN[dialect][1])[0]
    return RENDERERS[dialect](circuit)


def _ext(dialect: str) -> str:
    return KNOWN[dialect][0] if dialect in KNOWN else ".txt"


def _bar(total: int, enabled: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    return Progress(TextColumn("[bold]babelfish[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), disable=not enabled, transient=False)


def run(out: Path, *, quick: bool = False, limit: int | None = None, data_root: str | None = None,
        base_url: str | None = None, model: str | None = None, api_key: str | None = None,
        local: bool = True, progress: bool = True, seed: int = 7) -> dict:
    """Run the benchmark; returns the results dict (also written to OUT/results.json)."""
    from agents.babelfish.convert import babelfish, convert_text
    from agents.babelfish.retrieval import Retriever
    from eda.errors import EdaError
    from eda.fileio import atomic_write
    from eda.formats import read, read_text
    from eda.formats.spice import read_spice
    from eda.llm.client import LLMClient

    import signal
    import sys
    # SIGTERM as an exit, so that atexit stops the local model server this run started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    n = limit or (2 if quick else 6)
    decks = select_decks(_data_root(data_root), n, seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "inputs").mkdir(exist_ok=True)
    methods: list[tuple[str, object]] = [("deterministic", None), ("spice reader (forced)", None)]
    if local:
        methods.append(("babelfish (local)", LLMClient()))
    if base_url:
        methods.append((f"babelfish ({model or 'endpoint'})", LLMClient(base_url, model, api_key)))
    retriever = Retriever()
    rows: list[dict] = []
    results = {"settings": {"decks": [str(p) for p in decks], "quick": quick, "seed": seed,
                            "dialects_known": list(KNOWN), "dialects_unknown": list(UNKNOWN),
                            "methods": [m for m, _ in methods]}, "rows": rows}
    jobs = []
    for p in decks:
        original = read(p)
        for d in (*KNOWN, *UNKNOWN):
            text = render(original, d)
            if text is None:
                continue
            f = out / "inputs" / f"{p.stem}.{d}{_ext(d)}"
            atomic_write(f, text)
            for m, client in methods:
                if (m == "deterministic") != (d in KNOWN):
                    continue
                jobs.append((p, original, d, f, m, client))
    with _bar(len(jobs), progress) as bar:
        task = bar.add_task("converting", total=len(jobs))
        for p, original, d, f, m, client in jobs:
            bar.update(task, description=f"{m} {d} {p.stem}"[:60])
            row = {"deck": p.name, "dialect": d, "method": m, "components": len(original.components)}
            t0 = time.perf_counter()
            try:
                if m == "deterministic":
                    conv, rep = convert_text(read_text(f), str(f))
                    row["reader"] = rep.format
                elif m.startswith("spice reader"):
                    conv = read_spice(read_text(f), str(f))
                else:
                    conv, rep = babelfish(read_text(f), str(f), client=client, retriever=retriever,
                                          reason="benchmark")
                    row.update(card=rep.format, confidence=rep.confidence, lines=rep.lines,
                               first_pass_ok=rep.first_pass_ok, repaired=rep.repaired,
                               unresolved=len(rep.unresolved), requests=rep.usage.get("requests", 0),
                               cached=rep.usage.get("cached", 0),
                               tokens=rep.usage.get("prompt_tokens", 0) + rep.usage.get("completion_tokens", 0),
                               llm_seconds=rep.usage.get("seconds", 0.0))
                row.update(score(original, conv))
            except EdaError as e:
                row.update(error=str(e).splitlines()[0][:200], iso=False, precision=0.0, recall=0.0)
            row["seconds"] = round(time.perf_counter() - t0, 3)
            rows.append(row)
            atomic_write(out / "results.json", json.dumps(results, indent=1) + "\n")
            bar.advance(task)
    results["table"] = table(rows)
    atomic_write(out / "results.json", json.dumps(results, indent=1) + "\n")
    atomic_write(out / "report.md", report(results))
    return results


def table(rows: list[dict]) -> list[dict]:
    """One row per (method, dialect): circuits, isomorphic share, P/R/F1, tokens and seconds per circuit."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        groups.setdefault((r["method"], r["dialect"]), []).append(r)
    out = []
    for (m, d), rs in groups.items():
        hits = sum(r.get("hits", 0) for r in rs)
        pred = sum(r.get("predicted", 0) for r in rs)
        true = sum(r.get("components", 0) for r in rs)
        p = hits / pred if pred else 0.0
        rc = hits / true if true else 0.0
        out.append({"method": m, "dialect": d, "circuits": len(rs),
                    "isomorphic": sum(bool(r.get("iso")) for r in rs) / len(rs),
                    "precision": p, "recall": rc, "f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
                    "tokens_per_circuit": sum(r.get("tokens", 0) for r in rs) / len(rs),
                    "requests_per_circuit": sum(r.get("requests", 0) for r in rs) / len(rs),
                    "seconds_per_circuit": sum(r["seconds"] for r in rs) / len(rs),
                    "errors": sum(1 for r in rs if "error" in r)})
    return out


def report(results: dict) -> str:
    rows = results["table"]
    lines = ["# Babel Fish conversion benchmark", "",
             f"{len(results['settings']['decks'])} real decks (seed {results['settings']['seed']}), "
             "rendered per dialect; unsupported dialects are .txt without dot directives.", "",
             "| method | dialect | circuits | isomorphic | precision | recall | F1 | tokens/circuit | "
             "requests/circuit | s/circuit |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['dialect']} | {r['circuits']} | {r['isomorphic']:.2f} | "
                     f"{r['precision']:.2f} | {r['recall']:.2f} | {r['f1']:.2f} | {r['tokens_per_circuit']:.0f} | "
                     f"{r['requests_per_circuit']:.1f} | {r['seconds_per_circuit']:.2f} |")
    bf = [r for r in results["rows"] if r["method"].startswith("babelfish")]
    if bf:
        lines += ["", "LLM lines: " + ", ".join(
            f"{k} {sum(r.get(k, 0) for r in bf)}" for k in ("lines", "first_pass_ok", "repaired", "unresolved"))
            + f"; mean check confidence {sum(r.get('confidence', 0) for r in bf) / len(bf):.2f}."]
    lines += ["", "Decks: " + ", ".join(Path(d).name for d in results["settings"]["decks"])]
    return "\n".join(lines) + "\n"


def command(out: Path = typer.Option(Path("out/bench_babelfish"), "-o", "--out", help="Output folder."),
            quick: bool = typer.Option(False, "--quick", help="2 decks instead of 6."),
            limit: Optional[int] = typer.Option(None, "--limit", help="Number of decks."),
            data_root: Optional[str] = typer.Option(None, "--data-root", help="Data root (default $EDA_DATA, "
                                                    "else ../shared/data)."),
            base_url: Optional[str] = typer.Option(None, "--base-url", help="Also run Babel Fish on this "
                                                   "OpenAI-compatible endpoint."),
            model: Optional[str] = typer.Option(None, "--model", help="Model name at --base-url."),
            api_key: Optional[str] = typer.Option(None, "--api-key", help="API key for --base-url."),
            no_local: bool = typer.Option(False, "--no-local", help="Skip the bundled local model."),
            quiet: bool = typer.Option(False, "--quiet", help="No progress bar.")) -> None:
    """Convert real decks rendered into many dialects; score isomorphism and component P/R per method."""
    res = run(out, quick=quick, limit=limit, data_root=data_root, base_url=base_url, model=model,
              api_key=api_key, local=not no_local, progress=not quiet)
    typer.echo(report(res))
    typer.echo(f"results: {out / 'results.json'}, report: {out / 'report.md'}")


if __name__ == "__main__":
    typer.run(command)
