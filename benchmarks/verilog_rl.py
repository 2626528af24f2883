"""Verilog RL benchmark: pass@1 before, after the SFT warm start and after RL, over seeds, in one run.

    python -m benchmarks.verilog_rl [--seeds 0,1,2] [--steps 20] [--ve-limit 20] [-o out/verilog_rl]

For each seed: a fresh copy of the policy (the bundled SmolLM2-135M by default), generated
training and held-out tasks (disjoint by signature), greedy pass@1 on the held-out tasks and on
the first `--ve-limit` VerilogEval v2 code-complete problems at each stage. The table gives mean
and standard deviation over seeds. The RL effect is `after RL - after SFT` per seed, a paired
difference: it is called outside the seed-to-seed spread when its mean is positive and above its
std over seeds. Each seed draws its own held-out tasks, so the std of a stage's pass@1 over seeds
also measures how hard those tasks were; the effect is compared with that wider spread too
(`rl_gain_outside_level_spread`), and both verdicts are printed.
"""
from __future__ import annotations

import json
import os
import statistics
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option, jobs_option

STAGES = (("before", "before"), ("after_sft", "after SFT"), ("after_rl", "after SFT + RL"))


def verilogeval_eval(limit: int, max_new_tokens: int = 256, data_root: Path | None = None):
    """An `extra_eval` hook: greedy pass@1 of the policy on VerilogEval v2 (code-complete) problems."""
    from benchmarks.verilog.problems import load_bench

    _, problems = load_bench("verilogeval-v2-cc", data_root)
    problems = problems[:limit]

    def run(lm, tok) -> dict:
        from agents.verirl.policy import prompt_for, sample
        passed = 0
        for i in range(0, len(problems), 4):
            chunk = problems[i:i + 4]
            outs = sample(lm, tok, [prompt_for(p.spec, p.header or "", tok, p.top) for p in chunk],
                          greedy=True, max_new_tokens=max_new_tokens)
            passed += sum(p.check(o[0]).passed for p, o in zip(chunk, outs))
        return {"verilogeval_pass@1": passed / max(1, len(problems))}

    return run


def finished_run(folder: Path, s, ve_limit: int) -> dict | None:
    """The results of a finished run in `folder` made with settings `s` (and VerilogEval when asked), else None."""
    try:
        res = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        return None
    want, have = s.to_dict(), dict(res.get("settings", {}))
    want.pop("threads", None), have.pop("threads", None)
    if have != want or (ve_limit > 0) != ("verilogeval_pass@1" in res.get("after_rl", {})):
        return None
    return res


def _train_seed(args) -> dict:
    """One seed's run (a process-pool worker: the policy and VerilogEval hook are built here)."""
    s, folder, ve_limit, data_root, threads = args
    from agents.verirl.run import run_training
    if threads:
        s.threads = threads
    extra = verilogeval_eval(ve_limit, data_root=data_root) if ve_limit > 0 else None
    return run_training(s, folder, log=lambda m: typer.echo(f"[seed {s.seed}] {m}"), extra_eval=extra,
                        save_policy=False)


def _paired(runs: list[dict], metric: str) -> dict:
    """Mean, std and per-seed values of `after RL - after SFT` for one metric."""
    d = [r["after_rl"][metric] - r["after_sft"][metric] for r in runs if metric in r["after_rl"]]
    m, sd = _ms(d)
    return {"mean": m, "std": sd, "per_seed": d}


def _ms(xs: list[float]) -> tuple[float, float]:
    return (statistics.fmean(xs), statistics.pstdev(xs)) if xs else (float("nan"), float("nan"))


def summarize(runs: list[dict]) -> dict:
    """Mean and std over seeds of each stage's held-out and VerilogEval pass@1; the RL effect and its verdict."""
    table = {}
    for key, _ in STAGES:
        row = {}
        for metric in ("pass@1", "compile_rate", "mean_reward", "verilogeval_pass@1"):
            vals = [r[key][metric] for r in runs if metric in r[key]]
            if vals:
                row[metric] = dict(zip(("mean", "std"), _ms(vals)))
        table[key] = row
    gain = [r["after_rl"]["pass@1"] - r["after_sft"]["pass@1"] for r in runs]
    whole = [r["after_rl"]["pass@1"] - r["before"]["pass@1"] for r in runs]
    level_spread = max(table["after_sft"]["pass@1"]["std"], table["after_rl"]["pass@1"]["std"])
    g_mean, g_std = _ms(gain)
    w_mean, w_std = _ms(whole)
    return {"seeds": len(runs), "stages": table,
            "rl_gain": {"mean": g_mean, "std": g_std, "per_seed": gain},
            "rl_gain_outside_spread": bool(g_mean > 0 and g_mean > g_std),
            "level_spread": level_spread, "rl_gain_outside_level_spread": bool(g_mean > level_spread),
            "training_gain": {"mean": w_mean, "std": w_std, "per_seed": whole},
            "rl_gain_by_metric": {m: _paired(runs, m) for m in ("compile_rate", "mean_reward")},
            "pass@1": table["after_rl"]["pass@1"]["mean"]}


def report(summary: dict, runs: list[dict]) -> str:
    lines = ["# Verilog RL benchmark", "",
             f"{summary['seeds']} seed(s); model `{runs[0]['model']}` on {runs[0]['device']}; "
             f"{runs[0]['settings']['n_train']} training / {runs[0]['settings']['n_test']} held-out generated tasks; "
             f"{runs[0]['settings']['rl']['steps']} RL steps of {runs[0]['settings']['rl']['tasks_per_step']} tasks x "
             f"{runs[0]['settings']['rl']['group']} samples.", "",
             "| stage | held-out pass@1 | compile rate | mean reward | VerilogEval v2 pass@1 |", "|---|---|---|---|---|"]
    for key, name in STAGES:
        row = summary["stages"][key]

        def cell(m: str) -> str:
            return f"{row[m]['mean']:.3f} ± {row[m]['std']:.3f}" if m in row else "n/a"
        lines.append(f"| {name} | {cell('pass@1')} | {cell('compile_rate')} | {cell('mean_reward')} | "
                     f"{cell('verilogeval_pass@1')} |")
    g, w = summary["rl_gain"], summary["training_gain"]
    verdict = "outside" if summary["rl_gain_outside_spread"] else "NOT outside"
    per = ", ".join(f"{x:+.3f}" for x in g["per_seed"])
    lines += ["", f"RL effect on held-out pass@1 (after RL - after SFT, per seed: {per}): "
              f"{g['mean']:+.3f} ± {g['std']:.3f}, {verdict} its seed-to-seed spread.",
              f"Against the spread of the stages' own pass@1 over seeds ({summary['level_spread']:.3f}, which also "
              f"holds how hard each seed's held-out tasks are): "
              f"{'outside' if summary['rl_gain_outside_level_spread'] else 'not outside'}.",
              f"Whole training (after SFT + RL - the bundled model): {w['mean']:+.3f} ± {w['std']:.3f}."]
    for m, d in summary.get("rl_gain_by_metric", {}).items():
        if d["per_seed"]:
            lines.append(f"RL effect on {m.replace('_', ' ')}: {d['mean']:+.3f} ± {d['std']:.3f} "
                         f"(per seed: {', '.join(f'{x:+.3f}' for x in d['per_seed'])}).")
    return "\n".join(lines) + "\n"


def main(seeds: str = typer.Option("0,1,2", "--seeds", help="Comma-separated seeds."),
         model: Optional[str] = typer.Option(None, "--model", help="Hugging Face folder (default: bundled SmolLM2)."),
         n_train: int = typer.Option(24, "--train-tasks"),
         n_test: int = typer.Option(16, "--test-tasks"),
         sft_epochs: int = typer.Option(2, "--sft-epochs"),
         steps: int = typer.Option(20, "--steps", help="RL steps."),
         group: int = typer.Option(4, "--group", help="Samples per task per step."),
         tasks_per_step: int = typer.Option(4, "--tasks-per-step"),
         lr: float = typer.Option(1e-5, "--lr", help="RL learning rate."),
         beta: float = typer.Option(0.02, "--kl", help="KL penalty to the starting policy."),
         train_layers: int = typer.Option(0, "--train-layers", help="Train only the top N decoder layers in RL (0: all)."),
         ve_limit: int = typer.Option(20, "--ve-limit", help="VerilogEval v2 problems per evaluation (0: none)."),
         device: str = device_option(),
         data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root holding verilog/."),
         jobs: int = jobs_option(1, "Seeds trained at once, each in its own process with cores/N threads."),
         out: Path = typer.Option(Path("out/verilog_rl"), "-o", "--output")) -> None:
    """Train with RL per seed and print pass@1 before/after (held-out generated tasks and VerilogEval v2).

    A seed whose `seedN/results.json` already holds a finished run with the same settings is reused,
    so an interrupted benchmark resumes; `--jobs N` trains N seeds at once in separate processes.
    """
    from agents.verirl.run import TrainSettings
    from agents.verirl.train import RLConfig
    from eda.fileio import atomic_write
    todo, done = [], {}
    for seed in [int(x) for x in seeds.split(",") if x.strip()]:
        s = TrainSettings(model=model, n_train=n_train, n_test=n_test, sft_epochs=sft_epochs, device=device, seed=seed,
                          rl=RLConfig(steps=steps, group=group, tasks_per_step=tasks_per_step, seed=seed,
                                      lr=lr, beta=beta, train_layers=train_layers))
        prev = finished_run(out / f"seed{seed}", s, ve_limit)
        if prev:
            typer.echo(f"[seed {seed}] reusing {out / f'seed{seed}' / 'results.json'}")
            done[seed] = prev
        else:
            todo.append(s)
    pooled = jobs > 1 and len(todo) > 1
    threads = max(1, (os.cpu_count() or 1) // jobs) if pooled else None
    args = [(s, out / f"seed{s.seed}", ve_limit, data_root, threads) for s in todo]
    if pooled:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as ex:
            for s, res in zip(todo, ex.map(_train_seed, args)):
                done[s.seed] = res
    else:
        for s, a in zip(todo, args):
            done[s.seed] = _train_seed(a)
    runs = [done[k] for k in sorted(done)]
    summary = summarize(runs)
    text = report(summary, runs)
    atomic_write(out / "summary.json", json.dumps(summary, indent=1))
    atomic_write(out / "report.md", text)
    typer.echo(text)


if __name__ == "__main__":
    typer.run(main)
