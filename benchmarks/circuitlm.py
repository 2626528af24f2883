"""`eda bench circuitlm` (also `python -m benchmarks.circuitlm`): the paper's 100 prompts through the pipeline.

Each prompt (21 easy, 29 medium, 50 hard, from `<data root>/components/circuitlm_prompts_by_difficulty.json`)
runs `agents.circuitlm.pipeline.run_prompt` with the configured model; its files go to
`RUNDIR/designs/<id>/`. Per difficulty: pass rate (no fatal, no major finding), mean structural and
electrical scores, seconds and LLM tokens per prompt. The run directory is the batch runner's
(`config.json`, `items.jsonl` appended as prompts finish, so a rerun resumes; `summary.json`, `report.md`).
A prompt that stops on bad input (a part not in the library) is a finished, failed prompt; one whose LLM
call failed is retried on the next run. Only typer is imported at module level.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from eda.cli_options import quiet_option
from eda.llm.options import base_url_option, model_option

DIFFICULTIES = ("easy", "medium", "hard")
PROMPTS_FILE = "components/circuitlm_prompts_by_difficulty.json"


def load_prompts(data_root: Path | None, difficulty: str = "all", limit: int | None = None) -> list[dict]:
    """[{id, difficulty, prompt}] in file order; `limit` = the first N of each difficulty."""
    from benchmarks.runner.core import BenchRunError
    from eda.kb import default_data_root
    root = Path(data_root) if data_root else default_data_root()
    if root is None or not (root / PROMPTS_FILE).is_file():
        raise BenchRunError(f"no prompt file {PROMPTS_FILE} under the data root {root} (set --data-root or EDA_DATA)")
    if difficulty not in (*DIFFICULTIES, "all"):
        raise BenchRunError(f"--difficulty must be easy, medium, hard or all (got {difficulty!r})")
    data = json.loads((root / PROMPTS_FILE).read_text())
    out = []
    for diff in DIFFICULTIES if difficulty == "all" else (difficulty,):
        prompts = data.get(diff, [])
        for i, p in enumerate(prompts[:limit] if limit is not None else prompts):
            out.append({"id": f"{diff}-{i:02d}", "difficulty": diff, "prompt": p})
    return out


def run_one(item: dict, out: Path, lib, settings, spice: bool, judge: bool, cache: bool = True) -> dict:
    """One prompt -> its record (status ok: finished, passed or not; error: the LLM call failed)."""
    from eda.errors import EdaError
    from eda.llm import LLMError
    from eda.llm.client import LLMClient

    from agents.circuitlm.pipeline import run_prompt
    rec = {"id": item["id"], "categories": {"difficulty": item["difficulty"]}, "prompt": item["prompt"]}
    t0 = time.perf_counter()
    client = LLMClient(settings.base_url, settings.model, None, concurrency=1, cache=cache)
    try:
        res = run_prompt(item["prompt"], out / "designs" / item["id"], client, lib, spice=spice,
                         judge=client if judge else None)
    except LLMError as e:
        rec.update(status="error", correct=False, detail=str(e)[:300])
    except EdaError as e:
        rec.update(status="ok", correct=False, passed=False, structural=0.0, electrical=0.0,
                   detail=f"stopped: {str(e)[:300]}")
    else:
        s = res.summary()
        rec.update(status="ok", correct=s["passed"], detail="; ".join(res.warnings)[:300],
                   **{k: s[k] for k in ("passed", "structural", "electrical", "fatal", "major", "minor", "parts",
                                        "nets", "overlaps", "crossings", "stage_seconds")})
    rec["seconds"] = round(time.perf_counter() - t0, 3)
    rec["prompt_tokens"] = client.usage.get("prompt_tokens", 0)
    rec["completion_tokens"] = client.usage.get("completion_tokens", 0)
    rec["llm_requests"] = client.usage.get("requests", 0)
    rec["llm_cached"] = client.usage.get("cached", 0)
    client.close()
    return rec


def summarize(recs: list[dict], settings, model: str | None, seconds: float) -> dict:
    """Per difficulty and overall: n, pass rate, mean scores, seconds and tokens per prompt."""
    def block(rs: list[dict]) -> dict:
        n = len(rs)
        mean = (lambda k, xs=rs: round(sum(float(r.get(k) or 0) for r in xs) / len(xs), 4) if xs else None)
        # time and tokens only from prompts that asked the model (a cached answer costs neither)
        fresh = [r for r in rs if not r.get("llm_cached")] or rs
        return {"n": n, "passed": sum(1 for r in rs if r.get("passed")),
                "pass_rate": round(sum(1 for r in rs if r.get("passed")) / n, 4) if n else None,
                "stopped": sum(1 for r in rs if str(r.get("detail", "")).startswith("stopped:")),
                "structural": mean("structural"), "electrical": mean("electrical"),
                "seconds": mean("seconds", fresh), "prompt_tokens": mean("prompt_tokens", fresh),
                "completion_tokens": mean("completion_tokens", fresh),
                "cached": sum(1 for r in rs if r.get("llm_cached"))}
    done = [r for r in recs if r.get("status") == "ok"]
    per = {d: block([r for r in done if r["categories"]["difficulty"] == d]) for d in DIFFICULTIES}
    return {"bench": "circuitlm", "data": settings.data, "model": model or settings.model or "default",
            "prompts": len(recs), "finished": len(done), "errors": len(recs) - len(done),
            "overall": block(done), "per_difficulty": {d: v for d, v in per.items() if v["n"]},
            "seconds": round(seconds, 1), "notes": list(settings.notes)}


def report_markdown(summary: dict) -> str:
    lines = [f"# CircuitLM benchmark: {summary['model']}", "",
             f"- prompts: {summary['prompts']} ({summary['finished']} finished, {summary['errors']} LLM errors); "
             f"data: `{summary['data']}`", f"- wall time: {summary['seconds']} s"]
    lines += [f"- note: {n}" for n in summary["notes"]]
    if summary["overall"].get("cached"):
        lines.append(f"- {summary['overall']['cached']} prompt(s) answered from the LLM cache: seconds and tokens "
                     "per prompt are over the others")
    lines += ["", "| difficulty | prompts | pass rate | structural | electrical | stopped (no or unknown part) "
                  "| s / prompt | tokens / prompt (prompt+completion) |", "|---|---|---|---|---|---|---|---|"]
    rows = list(summary["per_difficulty"].items()) + [("all", summary["overall"])]
    for d, b in rows:
        if not b["n"]:
            continue
        lines.append(f"| {d} | {b['n']} | {b['pass_rate']:.2f} ({b['passed']}/{b['n']}) | {b['structural']:.3f} | "
                     f"{b['electrical']:.3f} | {b['stopped']} | {b['seconds']:.1f} | "
                     f"{b['prompt_tokens']:.0f}+{b['completion_tokens']:.0f} |")
    return "\n".join(lines) + "\n"


def run_bench(out: Path, *, data_root: Path | None = None, difficulty: str = "all", limit: int | None = None,
              jobs: int = 1, base_url: str | None = None, model: str | None = None, spice: bool = True,
              judge: bool = False, progress: bool = True, log=None, cache: bool = True) -> dict:
    """Run (or resume) the benchmark into `out`; return the summary."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from benchmarks.runner.core import BenchRunError, RunDir, RunSettings, progress_bar, read_jsonl
    from eda.fileio import atomic_write
    from eda.kb import load_library
    if jobs < 1:
        raise BenchRunError(f"--jobs must be at least 1 (got {jobs})")
    items = load_prompts(data_root, difficulty, limit)
    lib = load_library(data_root)
    source = f"circuitlm prompts ({difficulty}{'' if limit is None else f', first {limit} each'})"
    notes = [] if spice else ["SPICE check off"]
    if judge:
        notes.append("LLM judge on")
    if not cache:
        notes.append("LLM cache off")
    settings = RunSettings("circuitlm", source, model=model, base_url=base_url, max_tokens=0, notes=notes)
    out = Path(out)
    t0 = time.perf_counter()
    run = RunDir(out, settings)
    todo = [it for it in items if it["id"] not in run.done]
    if log and run.done:
        log(f"resuming {out}: {len(items) - len(todo)} of {len(items)} prompts already done")
    def one(it: dict) -> dict:
        return run_one(it, out, lib, settings, spice, judge, cache)

    with progress_bar(progress) as bar, ThreadPoolExecutor(jobs) as pool:
        task = bar.add_task(f"circuitlm ({difficulty})", total=len(todo))
        pending = {pool.submit(one, it) for it in todo}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                run.add(fut.result())
                bar.advance(task)
    latest = {r["id"]: r for r in read_jsonl(run.items_path)}
    recs = [latest[it["id"]] for it in items if it["id"] in latest]
    label = model or (f"default model at {base_url}" if base_url else None)
    summary = summarize(recs, settings, label or "bundled SmolLM2-135M-Instruct (local, xllamacpp)",
                        time.perf_counter() - t0)
    atomic_write(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    atomic_write(out / "report.md", report_markdown(summary))
    return summary


def bench_circuitlm_command(
        out: Path = typer.Option(..., "-o", "--output", help="Run directory (resumable)."),
        difficulty: str = typer.Option("all", "--difficulty", help="easy, medium, hard or all."),
        limit: Optional[int] = typer.Option(None, "--limit", help="Only the first N prompts of each difficulty."),
        jobs: int = typer.Option(1, "--jobs", "-j", help="Prompts in flight at once."),
        base_url: Optional[str] = base_url_option(),
        model: Optional[str] = model_option(),
        no_spice: bool = typer.Option(False, "--no-spice", help="Skip the ngspice operating-point check."),
        judge: bool = typer.Option(False, "--judge", help="Add the LLM judge to the validation."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Ask the model every time (honest time and "
                                      "tokens per prompt); cached answers are neither read nor written."),
        data_root: Optional[Path] = typer.Option(None, "--data-root", help="Data root (default $EDA_DATA, "
                                                 "else ../shared/data)."),
        quiet: bool = quiet_option()) -> None:
    """CircuitLM: the 100 prompts -> pass rate, structural/electrical scores, time and tokens per difficulty."""
    summary = run_bench(out, data_root=data_root, difficulty=difficulty, limit=limit, jobs=jobs, base_url=base_url,
                        model=model, spice=not no_spice, judge=judge, progress=not quiet, cache=not no_cache,
                        log=lambda m: typer.echo(m, err=True))
    typer.echo(report_markdown(summary).rstrip())
    typer.echo(f"report: {Path(out) / 'report.md'}")


if __name__ == "__main__":
    import sys

    from eda.errors import EdaError
    try:
        typer.run(bench_circuitlm_command)
    except EdaError as e:
        typer.echo(str(e), err=True)
        sys.exit(2)
