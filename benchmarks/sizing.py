"""Sizing benchmark: DDPG (L2DC) vs Bayesian optimisation (optuna TPE) vs random search.

    python -m benchmarks.sizing [--quick] [-o out/bench_sizing]      (also: eda bench sizing)

1. Every shipped problem (netlists/sizing/*.yaml), every agent, the same budget and seeds:
   success rate (all hard specs met), simulations to first success (median; a failed run counts
   as budget + 1 in the median), best FoM (L2DC reward, median over seeds), wall time, sims/s.
   With --goal meet (default) a run stops at its first success, so the FoM is the one reached
   by then; --goal optimize spends every budget (comparable FoMs, longer).
2. AutoCkt's protocol: random targets drawn from each problem's `targets` ranges; every agent
   sizes each target (goal "meet") within a budget; the fraction met is reported over the
   targets some simulation of this benchmark met (the rest are unknown to be feasible).
3. Speed: simulations per second with 1 and 2 workers, side by side (random search, same run),
   and the time per simulation through a persistent session (alterparam/reset), through
   `simulate` (a fresh load per run) and as a plain `ngspice -b` subprocess, on the same decks.
Every sizing run is a resumable run directory under OUT/runs, so an interrupted benchmark picks
up where it stopped. Writes OUT/results.json and OUT/report.md; prints the tables.

Only stdlib and typer are imported at module import (the CLI registers `bench_sizing_command`).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

import typer

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = ROOT / "netlists" / "sizing"
AGENTS = ("ddpg", "bo", "random")


def _problems(names: str | None, data_root) -> list:
    from agents.sizing import load_problem
    paths = sorted(PROBLEMS.glob("*.yaml"))
    if names and names != "all":
        want = [n.strip() for n in names.split(",")]
        paths = [p for p in paths if p.stem in want]
        missing = set(want) - {p.stem for p in paths}
        if missing:
            from agents.sizing import SizingError
            raise SizingError(f"unknown problem(s): {', '.join(sorted(missing))} "
                              f"(shipped: {', '.join(p.stem for p in sorted(PROBLEMS.glob('*.yaml')))})")
    return [load_problem(p, data_root) for p in paths]


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main_table(problems, agents, seeds, budget, out: Path, jobs: int, progress: bool,
               goal: str = "meet") -> list[dict]:
    from agents.sizing import size
    rows = []
    for problem in problems:
        for agent in agents:
            runs = []
            for seed in seeds:
                r = size(problem, agent, out=out / "runs" / problem.name / f"{agent}_{goal}_s{seed}",
                         budget=budget, jobs=jobs, seed=seed, goal=goal, progress=progress)
                runs.append(r)
            firsts = [r["first_success"] if r["first_success"] else budget + 1 for r in runs]
            rows.append({
                "problem": problem.name, "agent": agent, "seeds": len(runs), "budget": budget,
                "success_rate": sum(r["specs_met"] for r in runs) / len(runs),
                "first_success_median": statistics.median(firsts),
                "first_success": [r["first_success"] for r in runs],
                "best_fom_median": _median([r["fom"] for r in runs]),
                "best_fom_max": max(r["fom"] for r in runs),
                "wall_s_mean": statistics.mean(r["wall_s"] for r in runs),
                "sims_per_s": _median([r["sims_per_s"] for r in runs]),
            })
            print(_row_text(rows[-1]), flush=True)
    return rows


def _row_text(r: dict) -> str:
    return (f"| {r['problem']} | {r['agent']} | {r['success_rate']:.0%} | "
            f"{r['first_success_median']:g} | {_f(r['best_fom_median'])} | "
            f"{r['wall_s_mean']:.1f} | {_f(r['sims_per_s'], '.0f')} |")


def _f(v, fmt: str = ".3f") -> str:
    return "n/a" if v is None else format(v, fmt)


def autockt(problem, agents, n_targets, budget, out: Path, seed: int, progress: bool) -> dict:
    """Random targets from the problem's ranges; fraction met within `budget` per agent."""
    import numpy as np
    from agents.sizing import size
    from agents.sizing.problem import Bound
    from agents.sizing.reward import score
    if not problem.spec.targets:
        return {}
    rng = np.random.default_rng(seed)
    targets = []
    for _ in range(n_targets):
        hard = dict(problem.hard)
        for name, (lo, hi) in problem.spec.targets.items():
            v = float(rng.uniform(lo, hi)) if hi > lo else float(lo)
            hard[name] = Bound(min=v) if problem.hard[name].min is not None else Bound(max=v)
        targets.append(hard)
    results = {a: [] for a in agents}
    for t, hard in enumerate(targets):
        p = problem.with_hard(hard)
        for agent in agents:
            r = size(p, agent, out=out / "runs" / problem.name / "autockt" / f"{agent}_t{t}",
                     budget=budget, seed=t, goal="meet", progress=progress)
            results[agent].append(r)
    # which targets are known feasible: met by any design simulated anywhere in this benchmark
    designs = []
    for f in (out / "runs" / problem.name).rglob("samples.jsonl"):
        for line in f.read_text().splitlines():
            try:
                m = json.loads(line).get("metrics")
            except ValueError:
                continue
            if m:
                designs.append(m)
    feasible = [any(score(m, hard, {}).met for m in designs) for hard in targets]
    out_rows = {"targets": n_targets, "budget": budget, "feasible": sum(feasible), "agents": {}}
    for agent in agents:
        met = [r["specs_met"] for r, f in zip(results[agent], feasible) if f]
        sims = [r["first_success"] for r, f in zip(results[agent], feasible) if f and r["specs_met"]]
        out_rows["agents"][agent] = {"met": sum(met), "fraction": (sum(met) / len(met)) if met else None,
                                     "median_sims": _median(sims)}
    return out_rows


def speed(problem, n: int, out: Path, progress: bool) -> dict:
    """sims/s with 1 and 2 workers; per-simulation time: session vs simulate() vs ngspice -b."""
    import shutil
    import subprocess
    import tempfile

    import numpy as np
    from agents.sizing import size
    res: dict = {"problem": problem.name, "n": n}
    for jobs in (1, 2):
        d = out / "runs" / problem.name / f"speed_j{jobs}"
        shutil.rmtree(d, ignore_errors=True)  # a fresh measurement, not a replay
        r = size(problem, "random", out=d, budget=n, jobs=jobs, seed=123, goal="optimize",
                 progress=progress)
        res[f"sims_per_s_{jobs}"] = r["sims_per_s"]
    # per simulation, the same designs three ways
    from agents.sizing.evaluator import Evaluator
    from eda.sim import simulate
    rng = np.random.default_rng(0)
    # raw throughput when the agent hands over a whole batch (one chunk per worker)
    batch = [problem.decode(rng.uniform(-1, 1, problem.dim)) for _ in range(n)]
    for jobs in (1, 2):
        with Evaluator(problem, jobs) as ev:
            ev.evaluate(batch[:2 * jobs])  # workers started and warm
            t = time.perf_counter()
            ev.evaluate(batch)
            res[f"batch_sims_per_s_{jobs}"] = n / (time.perf_counter() - t)
    k = max(5, min(30, n // 4))
    designs = [problem.decode(rng.uniform(-1, 1, problem.dim)) for _ in range(k)]
    with Evaluator(problem, 1) as ev:
        ev.evaluate(designs[:1])
        t = time.perf_counter()
        ev.evaluate(designs)
        res["session_ms"] = 1e3 * (time.perf_counter() - t) / k
    with tempfile.TemporaryDirectory() as tmp:
        decks = []
        for i, v in enumerate(designs):
            text = problem.netlist(v).replace("\n.end", "\n.options num_threads=1\n.end")
            p = Path(tmp) / f"d{i}.sp"
            p.write_text(text)
            decks.append(p)
        t = time.perf_counter()
        for p in decks:
            simulate(p)
        res["simulate_ms"] = 1e3 * (time.perf_counter() - t) / k
        ngspice = shutil.which("ngspice")
        if ngspice:
            t = time.perf_counter()
            for p in decks:
                subprocess.run([ngspice, "-b", str(p)], capture_output=True, cwd=tmp, timeout=120)
            res["ngspice_b_ms"] = 1e3 * (time.perf_counter() - t) / k
    return res


def run_benchmark(*, quick: bool = False, problems: str | None = None, agents: str | None = None,
                  seeds: int | None = None, budget: int | None = None, targets: int | None = None,
                  target_budget: int | None = None, autockt_problems: str | None = "two_stage_opamp",
                  speed_n: int | None = None, speed_problems: str | None = "two_stage_opamp",
                  goal: str = "meet", out: Path = Path("out/bench_sizing"),
                  data_root: Path | None = None, progress: bool = True) -> dict:
    """Run all three parts; returns (and writes) the results."""
    from eda.fileio import atomic_write
    seeds = seeds or (2 if quick else 5)
    budget = budget or (150 if quick else 500)
    targets = targets if targets is not None else (4 if quick else 20)
    target_budget = target_budget or (100 if quick else 300)
    agent_list = [a.strip() for a in (agents or ",".join(AGENTS)).split(",")]
    probs = _problems(problems or ("two_stage_opamp" if quick else None), data_root)
    out = Path(out)
    t0 = time.perf_counter()
    print("| problem | agent | success | sims to 1st success (median) | best FoM (median) | "
          "wall s/run | sims/s |\n|---|---|---|---|---|---|---|", flush=True)
    table = main_table(probs, agent_list, list(range(seeds)), budget, out, 1, progress, goal)
    auto = {}
    wanted = [n.strip() for n in autockt_problems.split(",")] if autockt_problems else None
    for p in probs:
        if targets and p.spec.targets and (wanted is None or p.name in wanted):
            auto[p.name] = autockt(p, agent_list, targets, target_budget, out, 1000, progress)
    fast = [n.strip() for n in speed_problems.split(",")] if speed_problems else None
    spd = [speed(p, speed_n or (100 if quick else 300), out, progress)
           for p in probs if fast is None or p.name in fast]
    results = {"quick": quick, "seeds": seeds, "budget": budget, "goal": goal, "table": table,
               "autockt": auto,
               "speed": spd, "wall_s": time.perf_counter() - t0}
    atomic_write(out / "results.json", json.dumps(results, indent=1) + "\n")
    report = _report(results)
    atomic_write(out / "report.md", report)
    print(report)
    return results


def _report(res: dict) -> str:
    lines = ["# Sizing benchmark: DDPG vs BO (TPE) vs random", "",
             f"{res['seeds']} seeds, budget {res['budget']} simulations per run (goal {res['goal']}); "
             f"wall {res['wall_s']:.0f} s{' (quick)' if res['quick'] else ''}.", "",
             "| problem | agent | success | sims to 1st success (median) | best FoM (median) | "
             "wall s/run | sims/s |", "|---|---|---|---|---|---|---|"]
    lines += [_row_text(r) for r in res["table"]]
    lines += ["", "## AutoCkt protocol (random targets)", "",
              "| problem | agent | targets met / known feasible | median sims | budget |",
              "|---|---|---|---|---|"]
    for name, a in res["autockt"].items():
        for agent, v in a["agents"].items():
            lines.append(f"| {name} | {agent} | {v['met']}/{a['feasible']} "
                         f"({_f(v['fraction'], '.0%') if v['fraction'] is not None else 'n/a'}) | "
                         f"{_f(v['median_sims'], 'g')} | {a['budget']} |")
    lines += ["", "## Simulation speed", "",
              "Sizing runs (random search, one design per worker per step) and whole batches "
              "(one chunk per worker), 1 and 2 spawned workers, in the same run:", "",
              "| problem | run sims/s, 1 worker | run sims/s, 2 workers | ratio | "
              "batch sims/s, 1 worker | batch sims/s, 2 workers | ratio | ms/sim session | "
              "ms/sim simulate() | ms/sim ngspice -b | ngspice -b / session |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in res["speed"]:
        r1, r2 = s.get("sims_per_s_1"), s.get("sims_per_s_2")
        b1, b2 = s.get("batch_sims_per_s_1"), s.get("batch_sims_per_s_2")
        nb, se = s.get("ngspice_b_ms"), s.get("session_ms")
        lines.append(f"| {s['problem']} | {_f(r1, '.0f')} | {_f(r2, '.0f')} | "
                     f"{_f(r2 / r1 if r1 and r2 else None, '.2f')}x | {_f(b1, '.0f')} | "
                     f"{_f(b2, '.0f')} | {_f(b2 / b1 if b1 and b2 else None, '.2f')}x | "
                     f"{_f(se, '.1f')} | "
                     f"{_f(s.get('simulate_ms'), '.1f')} | {_f(nb, '.1f')} | "
                     f"{_f(nb / se if nb and se else None, '.1f')}x |")
    return "\n".join(lines) + "\n"


def bench_sizing_command(
        quick: bool = typer.Option(False, "--quick", help="The opamp only (unless --problems), 2 seeds, "
                                   "budget 150, 4 targets: minutes."),
        problems: Optional[str] = typer.Option(None, "--problems", help="Comma-separated problem names (default all)."),
        agents: Optional[str] = typer.Option(None, "--agents", help="Comma-separated: ddpg,bo,random."),
        seeds: Optional[int] = typer.Option(None, "--seeds", help="Seeds per agent (default 5)."),
        budget: Optional[int] = typer.Option(None, "--budget", help="Simulations per run (default 500)."),
        targets: Optional[int] = typer.Option(None, "--targets", help="AutoCkt random targets (default 20; 0 skips)."),
        target_budget: Optional[int] = typer.Option(None, "--target-budget", help="Simulations per target (default 300)."),
        autockt_problems: str = typer.Option("two_stage_opamp", "--autockt-problems",
                                             help="Problems for the AutoCkt protocol (comma-separated)."),
        speed_n: Optional[int] = typer.Option(None, "--speed-n", help="Simulations per speed measurement (default 300)."),
        goal: str = typer.Option("meet", "--goal", help="meet: runs stop at the first success (best FoM is "
                                 "then the FoM reached by then); optimize: every run spends the budget."),
        speed_problems: str = typer.Option("two_stage_opamp", "--speed-problems",
                                           help="Problems to measure simulation speed on (comma-separated)."),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root (default $EDA_DATA, ../shared/data)."),
        out: Path = typer.Option(Path("out/bench_sizing"), "-o", "--output", help="Output directory (resumable)."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bars.")) -> None:
    """DDPG vs BO vs random on every shipped sizing problem; AutoCkt targets; simulation speed."""
    run_benchmark(quick=quick, problems=problems, agents=agents, seeds=seeds, budget=budget,
                  targets=targets, target_budget=target_budget, autockt_problems=autockt_problems,
                  speed_n=speed_n, speed_problems=speed_problems, goal=goal, out=out,
                  data_root=data_root,
                  progress=not quiet)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(bench_sizing_command)
    sys.exit(app())
