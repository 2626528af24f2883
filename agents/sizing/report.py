"""A sizing run's learning curve (PNG) and Markdown report."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from eda.fileio import atomic_write


def learning_curve(samples: list[dict], n_hard: int, path: str | Path, title: str = "") -> Path:
    """Spec satisfaction (hard specs met by the best design so far) and FoM vs simulations."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    reward = np.array([s["reward"] for s in samples], dtype=float)
    best = np.maximum.accumulate(reward)
    n = np.arange(1, len(reward) + 1)
    # hard specs met per sample: count of non-negative errors is not logged, so derive it from
    # the reward: met samples have all; others have at least one miss
    met_frac = []
    for s in samples:
        errs = s.get("errors")
        if errs is not None:
            met_frac.append(sum(1 for e in errs.values() if e >= 0) / max(1, n_hard))
        else:
            met_frac.append(1.0 if s["met"] else 0.0)
    met_best = np.maximum.accumulate(np.array(met_frac))
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True)
    a1.step(n, met_best, where="post", color="tab:green")
    a1.set_ylabel("hard specs met (best so far)")
    a1.set_ylim(-0.05, 1.05)
    a2.scatter(n, reward, s=4, alpha=0.4, color="tab:gray", label="sample")
    a2.step(n, best, where="post", color="tab:blue", label="best so far")
    first = next((i + 1 for i, s in enumerate(samples) if s["met"]), None)
    for ax in (a1, a2):
        if first:
            ax.axvline(first, color="tab:red", ls="--", lw=1)
    a2.set_ylabel("FoM (L2DC reward)")
    a2.set_xlabel("simulations")
    a2.legend(loc="lower right", fontsize=8)
    if title:
        a1.set_title(title + (f" - specs met at {first}" if first else " - specs not met"))
    fig.tight_layout()
    from io import BytesIO
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return atomic_write(path, buf.getvalue())  # a unique temp name: concurrent runs cannot collide


def _fmt(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def markdown_report(problem, results: dict) -> str:
    """The run in a page: outcome, specs vs the best design's metrics, its sizing."""
    best = results.get("best") or {}
    metrics = best.get("metrics") or {}
    lines = [f"# Sizing: {problem.name} with {results['agent']} (seed {results['seed']})", "",
             problem.spec.description or "", "",
             f"- specs met: **{_fmt(results['specs_met'])}**"
             + (f" (first at simulation {results['first_success']})"
                if results.get("first_success") else ""),
             f"- simulations: {results['simulations']} of a budget of {results['budget']} "
             f"(goal: {results['goal']}; {results['jobs']} worker(s))",
             f"- FoM (best L2DC reward): {_fmt(results.get('fom'))}",
             f"- wall time: {_fmt(results.get('wall_s'))} s; simulations/s: "
             f"{_fmt(results.get('sims_per_s'))}; per simulation: {_fmt(results.get('sim_ms'))} ms",
             f"- failed simulations: {results.get('failed', 0)}; samples with an unmeasurable "
             f"metric: {results.get('unmeasured', 0)}", "",
             "| metric | spec | best design |", "|---|---|---|"]
    for name, m in problem.metrics.items():
        spec = []
        if name in problem.hard:
            b = problem.hard[name]
            spec += ([f">= {b.min:g}"] if b.min is not None else []) + \
                    ([f"<= {b.max:g}"] if b.max is not None else [])
        if name in problem.soft:
            s = problem.soft[name]
            spec.append(f"{s.goal}imise (ref {s.ref:g})")
        lines.append(f"| {name} | {' '.join(spec) or '-'} | {_fmt(metrics.get(name))} {m.unit} |")
    lines += ["", "| parameter | range | best |", "|---|---|---|"]
    for name, p in problem.params.items():
        lines.append(f"| {name} | [{p.min:g}, {p.max:g}] {p.scale} | "
                     f"{_fmt((best.get('params') or {}).get(name))} {p.unit} |")
    lines += ["", "![learning curve](learning_curve.png)", "",
              "Files: `results.json`, `samples.jsonl` (every simulation), `best_netlist.sp`.", ""]
    return "\n".join(lines)
