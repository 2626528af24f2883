"""`size`: one sizing run of an agent on a problem, written to a resumable run directory.

DIR gets samples.jsonl and results.json as it goes (see runlog), and at the end
best_netlist.sp (the deck with the best sizing), learning_curve.png and report.md.
results.json keys: specs_met, simulations, first_success (simulations until the hard specs were
first met, or null), best {params, metrics, reward, met, sample}, fom (the best reward),
wall_s, sims_per_s (new simulations per second of this session, worker start-up excluded: it is
startup_s), sim_ms (mean time per simulation in a worker), failed (simulations that did
not converge), unmeasured (samples with a metric that could not be measured), complete, ...
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .agents import make_agent
from .problem import Problem, SizingError
from .reward import score
from .runlog import RunLog

GOALS = ("meet", "optimize")


def _settings(problem: Problem, agent: str, seed: int, goal: str) -> dict:
    return {"problem": problem.name, "spec_file": str(problem.path), "agent": agent, "seed": seed,
            "goal": goal,
            "hard": {k: b.model_dump() for k, b in problem.hard.items()},
            "soft": {k: s.model_dump() for k, s in problem.soft.items()}}


def _summary(problem: Problem, log: RunLog, settings: dict, *, budget: int, jobs: int,
             wall_s: float, new: int, new_wall: float, complete: bool) -> dict:
    samples = log.samples
    best, first = None, None
    for i, r in enumerate(samples):
        if r["met"] and first is None:
            first = i + 1
        if best is None or r["reward"] > samples[best]["reward"]:
            best = i
    sim_times = [r.get("sim_s", 0.0) for r in samples if r.get("sim_s")]
    out = dict(settings)
    out.update({
        "specs_met": first is not None,
        "simulations": len(samples),
        "first_success": first,
        "budget": budget, "jobs": jobs, "complete": complete,
        "fom": samples[best]["reward"] if best is not None else None,
        "best": None if best is None else {
            "sample": best + 1, "params": samples[best]["params"],
            "metrics": samples[best]["metrics"], "reward": samples[best]["reward"],
            "met": samples[best]["met"], "error": samples[best].get("error")},
        "wall_s": wall_s,
        "sims_per_s": new / new_wall if new and new_wall > 0 else None,
        "sim_ms": 1e3 * sum(sim_times) / len(sim_times) if sim_times else None,
        "failed": sum(1 for r in samples if r.get("error")),
        "unmeasured": sum(1 for r in samples if r.get("metrics")
                          and any(v is None for v in r["metrics"].values())),
        "replayed": log.replayed, "replay_diverged_at": log.diverged_at,
    })
    return out


def size(problem: Problem, agent: str = "ddpg", *, out: str | Path, budget: int = 2000,
         jobs: int = 1, seed: int = 0, goal: str = "meet", device: str = "auto",
         progress: bool = True, agent_kw: dict | None = None, ray_address: str | None = None,
         echo: Callable[[str], None] | None = None) -> dict:
    """Size `problem` with `agent` for at most `budget` simulations; returns results.json's dict.

    goal "meet" stops at the first design meeting every hard spec; "optimize" spends the whole
    budget, improving the soft targets once the hard ones are met. Re-running with the same
    DIR resumes (see runlog). `ray_address` runs the `jobs` workers as Ray actors instead of
    local processes ('local' starts a Ray instance here).
    """
    if goal not in GOALS:
        raise SizingError(f"unknown goal {goal!r} (known: {', '.join(GOALS)})")
    from .agents import AGENTS
    if agent not in AGENTS:
        raise SizingError(f"unknown agent {agent!r} (known: {', '.join(AGENTS)})")
    if budget < 1 or jobs < 1:
        raise SizingError("--budget and --jobs must be at least 1")
    out = Path(out)
    settings = _settings(problem, agent, seed, goal)
    log = RunLog(out, settings)
    prev = {}
    if (out / "results.json").is_file():
        import json
        try:
            prev = json.loads((out / "results.json").read_text())
        except ValueError:
            prev = {}
    done = prev.get("complete") and prev.get("simulations") == len(log.logged) and (
        len(log.logged) >= budget or (goal == "meet" and prev.get("specs_met")))
    if done and prev.get("budget") == budget:  # a finished run: nothing to replay
        return prev
    base = float(prev.get("wall_s") or 0.0) if log.resumed else 0.0
    pol = make_agent(agent, problem, seed=seed, n_envs=jobs, device=device, goal=goal,
                     budget=budget, **(agent_kw or {}))
    evaluator = None
    t0 = time.perf_counter()
    sim_wall, new, startup = 0.0, 0, 0.0
    bar = _progress(progress, budget, f"{problem.name} {agent}")
    last_write = 0.0
    try:
        while len(log.samples) < budget:
            k = min(jobs, budget - len(log.samples))
            xs = pol.ask(k)
            values = [problem.decode(x) for x in xs]
            n0 = len(log.samples)
            records = [log.lookup(n0 + i, v) for i, v in enumerate(values)]
            todo = [i for i, r in enumerate(records) if r is None]
            if todo:
                if evaluator is None:
                    from .evaluator import Evaluator, RayEvaluator
                    ts = time.perf_counter()
                    evaluator = (RayEvaluator(problem, jobs, ray_address) if ray_address
                                 else Evaluator(problem, jobs))
                    startup = time.perf_counter() - ts
                ts = time.perf_counter()
                got = evaluator.evaluate([values[i] for i in todo])
                sim_wall += time.perf_counter() - ts
                new += len(got)
                for i, r in zip(todo, got):
                    records[i] = r
            scores = [score(r["metrics"], problem.hard, problem.soft) for r in records]
            for r, s in zip(records, scores):
                r["reward"], r["met"], r["errors"] = s.reward, s.met, s.errors
            pol.tell(xs, scores, records)
            log.add(records, [i in todo for i in range(len(records))])
            if bar:
                bar[0].update(bar[1], completed=len(log.samples),
                              description=f"{problem.name} {agent} best "
                                          f"{max(r['reward'] for r in log.samples):.3f}")
            met = any(s.met for s in scores)
            now = time.perf_counter()
            if now - last_write > 2.0:
                last_write = now
                log.write_json("results.json", _summary(
                    problem, log, settings, budget=budget, jobs=jobs,
                    wall_s=base + now - t0, new=new,
                    new_wall=now - t0 - startup, complete=False))
            if met and goal == "meet":
                break
    finally:
        if bar:
            bar[0].stop()
        if evaluator is not None:
            evaluator.close()
    wall = time.perf_counter() - t0
    results = _summary(problem, log, settings, budget=budget, jobs=jobs,
                       wall_s=base + wall,
                       new=new, new_wall=wall - startup, complete=True)
    results["resumed"] = log.resumed
    results["sim_wall_s"] = sim_wall
    results["startup_s"] = startup
    log.write_json("results.json", results)
    _artifacts(problem, log, results)
    if echo:
        b = results["best"] or {}
        echo(f"{problem.name} {agent} seed {seed}: specs_met={results['specs_met']} after "
             f"{results['simulations']} simulations (first success: {results['first_success']}); "
             f"FoM {results['fom']:.4g}; {out}")
        if b.get("metrics"):
            echo("  best: " + ", ".join(f"{k}={v:.4g}" if v is not None else f"{k}=n/a"
                                        for k, v in b["metrics"].items()))
    return results


def _progress(enabled: bool, total: int, label: str):
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
    p = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                 TimeElapsedColumn(), transient=True)
    p.start()
    return p, p.add_task(label, total=total)


def _artifacts(problem: Problem, log: RunLog, results: dict) -> None:
    from eda.fileio import atomic_write
    from .report import learning_curve, markdown_report
    best = results.get("best")
    if best and best.get("params"):
        atomic_write(log.out / "best_netlist.sp", problem.netlist(best["params"]))
    if log.samples:
        learning_curve(log.samples, len(problem.hard), log.out / "learning_curve.png",
                       title=f"{problem.name}: {results['agent']} (seed {results['seed']})")
    atomic_write(log.out / "report.md", markdown_report(problem, results))
