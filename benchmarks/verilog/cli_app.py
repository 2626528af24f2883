"""`eda verilog eval|check|train`: only typer is imported at module level."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import device_option, quiet_option
from eda.llm.options import base_url_option, model_option, api_key_option

verilog_app = typer.Typer(help="Verilog generation: VerilogEval / RTLLM on Icarus Verilog.",
                          no_args_is_help=True, add_completion=False)

BENCH_HELP = ("verilogeval-v2 | verilogeval-v2-cc | verilogeval-v1 | verilogeval-v1-machine | rtllm-v2 | "
              "rtllm-v1.1, or a folder in one of those layouts")


def _ks(text: str) -> list[int]:
    from benchmarks.verilog.problems import BenchError
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise BenchError(f"-k {text!r}: give comma-separated integers, e.g. 1,5") from None


@verilog_app.command("eval")
def eval_cmd(bench: str = typer.Option("verilogeval-v2", "--bench", help=BENCH_HELP),
             out: Path = typer.Option(..., "-o", "--output", help="Run directory (resumable)."),
             base_url: Optional[str] = base_url_option(),
             model: Optional[str] = model_option(),
             api_key: Optional[str] = api_key_option(),
             samples: int = typer.Option(1, "-n", "--samples", help="Samples per problem."),
             k: str = typer.Option("1", "-k", help="pass@k values, comma-separated (e.g. 1,5)."),
             jobs: int = typer.Option(2, "--jobs", "-j", help="Parallel workers."),
             oracle: bool = typer.Option(False, "--oracle", help="Run the reference solutions (self-check)."),
             limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N problems."),
             temperature: Optional[float] = typer.Option(None, "--temperature",
                                                         help="Sampling temperature (default 0 for -n 1, else 0.8)."),
             max_tokens: int = typer.Option(1024, "--max-tokens", help="Longest answer, in tokens."),
             sim_seconds: float = typer.Option(30.0, "--sim-timeout", help="Seconds per simulation."),
             data_root: Optional[Path] = typer.Option(None, "--data-root",
                                                      help="Data root (default: $EDA_DATA, else ../shared/data)."),
             ray: Optional[str] = typer.Option(None, "--ray", help="Run the samples on a Ray cluster: ADDRESS "
                                               "(ray://HOST:PORT or auto), or 'local' for one on this machine."),
             quiet: bool = quiet_option()) -> None:
    """Generate solutions, run them against the testbenches, report pass@k (summary.json, report.md)."""
    from benchmarks.verilog.problems import load_bench
    from benchmarks.verilog.runner import EvalSettings, run_eval
    label, problems = load_bench(bench, data_root)
    if limit is not None:
        problems = problems[:max(0, limit)]
    from benchmarks.verilog.problems import resolve_bench
    settings = EvalSettings(label, str(resolve_bench(bench, data_root)[1].resolve()), oracle=oracle,
                            model=None if oracle else model, base_url=None if oracle else base_url, n=samples,
                            ks=_ks(k), temperature=temperature, max_tokens=max_tokens, sim_seconds=sim_seconds)
    client = None
    if ray and api_key:                # Ray workers read the key from their environment
        import os
        os.environ["EDA_LLM_API_KEY"] = api_key
    if not oracle and not ray and (api_key or base_url or model):
        from eda.llm.client import LLMClient
        client = LLMClient(base_url, model, api_key)
    s = run_eval(problems, out, settings, jobs=jobs, client=client, progress=not quiet,
                 log=lambda m: typer.echo(m, err=True), ray_address=ray)
    ks = "  ".join(f"{key} {s[key]:.4f}" if s[key] is not None else f"{key} n/a" for key in s if key.startswith("pass@"))
    cr = s["compile_rate"]
    typer.echo(f"{s['bench']}: {s['problems']} problems, {ks}, compile rate "
               f"{'n/a' if cr is None else f'{cr:.4f}'}; failures {s['failure_classes']}")
    typer.echo(f"wrote {out / 'summary.json'} and {out / 'report.md'}")


@verilog_app.command("check")
def check_cmd(solution: Path = typer.Argument(..., help="Verilog file with the solution (or a model answer)."),
              problem: str = typer.Option(..., "--problem", "-p", help="Problem id (or a unique prefix)."),
              bench: str = typer.Option("verilogeval-v2", "--bench", help=BENCH_HELP),
              data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root."),
              sim_seconds: float = typer.Option(30.0, "--sim-timeout", help="Seconds for the simulation."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Run one solution against one problem's testbench; exit 0 on a pass, 1 otherwise."""
    import json

    from benchmarks.verilog.extract import extract_code
    from benchmarks.verilog.problems import BenchError, find_problem, load_bench
    from eda.verilog_sim import SimLimits
    if not solution.is_file():
        raise BenchError(f"{solution}: no such file")
    _, problems = load_bench(bench, data_root)
    prob = find_problem(problems, problem)
    text = solution.read_text(errors="replace")
    code = extract_code(text) if "```" in text or "<SOLUTION>" in text else text
    r = prob.check(code, SimLimits(seconds=sim_seconds))
    if as_json:
        typer.echo(json.dumps({"problem": prob.id, **r.to_dict()}, indent=2))
    else:
        typer.echo(f"{prob.id}: {r.status}" + (f" ({r.detail})" if r.detail else ""))
        if r.status == "compile":
            typer.echo(r.compile_log)
        else:
            report = [ln for ln in r.output.splitlines() if ln.startswith(("Hint:", "Mismatches:", "TIMEOUT"))
                      or "pass" in ln.lower() or "fail" in ln.lower() or "error" in ln.lower()]
            typer.echo("\n".join(report[-40:]) if report else r.output[-2000:])
    if not r.passed:
        raise typer.Exit(1)


@verilog_app.command("train")
def train_cmd(out: Path = typer.Option(..., "-o", "--output", help="Run folder: results.json, report.md, "
                                       "history.jsonl, policy/ (the trained model)."),
              model: Optional[str] = typer.Option(None, "--model", help="Starting policy: a Hugging Face folder "
                                                  "(default: the bundled SmolLM2-135M, converted once)."),
              n_train: int = typer.Option(24, "--train-tasks", help="Generated training tasks."),
              n_test: int = typer.Option(16, "--test-tasks", help="Generated held-out tasks."),
              sft_epochs: int = typer.Option(2, "--sft-epochs", help="Warm-start epochs on the references (0: none)."),
              steps: int = typer.Option(20, "--steps", help="RL steps (REINFORCE++)."),
              group: int = typer.Option(4, "--group", help="Samples per task per step."),
              tasks_per_step: int = typer.Option(4, "--tasks-per-step"),
              lr: float = typer.Option(1e-5, "--lr", help="RL learning rate."),
              beta: float = typer.Option(0.02, "--kl", help="KL penalty to the starting policy."),
              train_layers: int = typer.Option(0, "--train-layers", help="Train only the top N decoder layers "
                                               "in RL (0: all); 6 halves the cost of an update on CPU."),
              max_new_tokens: int = typer.Option(160, "--max-new-tokens", help="Longest completion, in tokens."),
              seed: int = typer.Option(0, "--seed"),
              device: str = device_option()) -> None:
    """RL from testbench rewards on generated Verilog tasks: SFT warm start, then REINFORCE++ (VeriRL)."""
    from agents.verirl.run import TrainSettings, run_training
    from agents.verirl.train import RLConfig
    s = TrainSettings(model=model, n_train=n_train, n_test=n_test, sft_epochs=sft_epochs, device=device, seed=seed,
                      rl=RLConfig(steps=steps, group=group, tasks_per_step=tasks_per_step, lr=lr, beta=beta, seed=seed,
                                  max_new_tokens=max_new_tokens, train_layers=train_layers))
    res = run_training(s, out, log=lambda m: typer.echo(m, err=True))
    typer.echo(f"held-out pass@1: before {res['before']['pass@1']:.3f}, after SFT {res['after_sft']['pass@1']:.3f}, "
               f"after RL {res['after_rl']['pass@1']:.3f} -> {out / 'results.json'}")
