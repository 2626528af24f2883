"""Evaluate a model (or the reference solutions) on a Verilog benchmark into a resumable run directory.

Run directory (`-o DIR`):
- `config.json`   the settings; a rerun with other settings into the same DIR is refused
- `samples.jsonl` one line per (problem, sample), appended as each finishes: the answer, the
                  extracted code, the status and the testbench's verdict
- `problems.jsonl` one line per problem once all its samples are in: n, c, status counts, pass@k
- `summary.json`  pass@k as fractions, compile rate, failure classes per problem and in total
- `report.md`     the same for people

A rerun with the same settings skips every sample already in `samples.jsonl`.
Work fans out over a thread pool (`jobs`): model calls wait on the network and simulations run
in child processes, so threads suffice on one machine; `ray_address` sends the samples to a Ray
cluster instead (each worker makes its own LLM client from the settings).
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from eda.fileio import atomic_write
from eda.verilog_sim import STATUSES, SimLimits

from benchmarks.runner.core import progress_bar as _progress
from benchmarks.runner.core import read_jsonl as _read_jsonl
from benchmarks.verilog.extract import extract_code
from benchmarks.verilog.passk import mean_pass_at_k, pass_at_k
from benchmarks.verilog.problems import KNOWN_ORACLE_FAILURES, BenchError, Problem

FAILURE_CLASSES = [s for s in STATUSES if s != "pass"]


@dataclass
class EvalSettings:
    """What a run is: the part of it a resume must agree with."""
    bench: str
    bench_path: str
    oracle: bool = False
    model: str | None = None
    base_url: str | None = None
    n: int = 1
    ks: list[int] = field(default_factory=lambda: [1])
    temperature: float | None = None
    max_tokens: int = 1024
    sim_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.n < 1:
            raise BenchError(f"-n must be at least 1 (got {self.n})")
        if any(k < 1 for k in self.ks):
            raise BenchError(f"-k values must be positive (got {self.ks})")
        self.ks = sorted({1, *self.ks})
        if self.temperature is None:
            self.temperature = 0.0 if self.n == 1 else 0.8   # greedy for n=1, as VerilogEval

    def key(self) -> dict:
        return {"bench_path": self.bench_path, "oracle": self.oracle, "model": self.model,
                "base_url": self.base_url, "n": self.n, "temperature": self.temperature,
                "max_tokens": self.max_tokens}


class RunDir:
    """The files of one run (see the module doc); appends are serialised by a lock."""

    def __init__(self, path: Path, settings: EvalSettings) -> None:
        self.path = Path(path)
        self.samples_path, self.problems_path = self.path / "samples.jsonl", self.path / "problems.jsonl"
        cfg = self.path / "config.json"
        if cfg.is_file():
            try:
                old = json.loads(cfg.read_text()).get("key")
            except (OSError, ValueError):
                old = None
            if old is not None and old != settings.key():
                diff = sorted(k for k in settings.key() if old.get(k) != settings.key()[k])
                raise BenchError(f"{self.path} holds a run with other settings ({', '.join(diff)}); "
                                 "use another -o DIR")
        elif self.path.exists() and not self.path.is_dir():
            raise BenchError(f"-o {self.path}: exists and is not a folder")
        atomic_write(cfg, json.dumps({"key": settings.key(), "bench": settings.bench, "ks": settings.ks},
                                     indent=2) + "\n")
        self._lock = threading.Lock()
        self.samples = {(r["problem"], r["sample"]): r for r in _read_jsonl(self.samples_path)
                        if "problem" in r and "sample" in r}
        self.finished = {r["problem"] for r in _read_jsonl(self.problems_path) if "problem" in r}

    def _append(self, path: Path, rec: dict) -> None:
        with self._lock, open(path, "a") as f:
            f.write(json.dumps(rec) + "\n")
            f.flush()

    def add_sample(self, rec: dict) -> None:
        self.samples[(rec["problem"], rec["sample"])] = rec
        self._append(self.samples_path, rec)

    def add_problem(self, rec: dict) -> None:
        self.finished.add(rec["problem"])
        self._append(self.problems_path, rec)


def problem_record(pid: str, samples: list[dict], ks: list[int]) -> dict:
    """Per-problem line: n, c, status counts, pass@k for each k <= n, the first failure."""
    n = len(samples)
    c = sum(s["status"] == "pass" for s in samples)
    statuses = Counter(s["status"] for s in samples)
    fail = next((s for s in samples if s["status"] != "pass"), None)
    return {"problem": pid, "n": n, "c": c, "statuses": dict(statuses),
            "compiled": sum(s["status"] != "compile" for s in samples),
            **{f"pass@{k}": pass_at_k(n, c, k) for k in ks if k <= n},
            "first_failure": None if fail is None else f"{fail['status']}: {fail['detail']}"}


def summarize(settings: EvalSettings, problems: list[dict], usage: dict | None = None,
              seconds: float | None = None) -> dict:
    """The run's summary: pass@k as fractions, compile rate, failure classes in total and per problem."""
    counts = [(p["n"], p["c"]) for p in problems]
    total = Counter()
    for p in problems:
        total.update(p["statuses"])
    n_samples = sum(n for n, _ in counts)
    summary = {"bench": settings.bench, "bench_path": settings.bench_path,
               "model": "oracle (reference solutions)" if settings.oracle else (settings.model or "default"),
               "oracle": settings.oracle, "problems": len(problems), "samples_per_problem": settings.n,
               "samples": n_samples, "temperature": settings.temperature}
    for k in settings.ks:
        summary[f"pass@{k}"] = mean_pass_at_k(counts, k)
    summary["passed_problems"] = sum(1 for _, c in counts if c > 0)
    summary["compile_rate"] = (sum(p["compiled"] for p in problems) / n_samples) if n_samples else None
    summary["failure_classes"] = {s: total.get(s, 0) for s in STATUSES}
    summary["failures"] = {p["problem"]: p["first_failure"] for p in problems if p["c"] < p["n"]}
    summary["per_problem"] = {p["problem"]: {"n": p["n"], "c": p["c"], "statuses": p["statuses"]} for p in problems}
    if settings.oracle:
        summary["known_failures"] = {pid: KNOWN_ORACLE_FAILURES.get(pid, "UNEXPECTED: not a known Icarus gap")
                                     for pid in summary["failures"]}
    if usage:
        summary["llm_usage"] = usage
    if seconds is not None:
        summary["seconds"] = round(seconds, 2)
    return summary


def report_markdown(summary: dict) -> str:
    """A Markdown report of a summary."""
    ks = [k for k in summary if k.startswith("pass@")]
    lines = [f"# Verilog eval: {summary['bench']}", "",
             f"- model: {summary['model']}", f"- data: `{summary['bench_path']}`",
             f"- problems: {summary['problems']}, samples per problem: {summary['samples_per_problem']}, "
             f"temperature: {summary['temperature']}", ""]
    lines += ["| metric | value |", "|---|---|"]
    for k in ks:
        v = summary[k]
        lines.append(f"| {k} | {'n/a (fewer samples than k)' if v is None else f'{v:.4f}'} |")
    lines.append(f"| problems with a pass | {summary['passed_problems']} / {summary['problems']} |")
    cr = summary["compile_rate"]
    lines.append(f"| compile rate | {'n/a' if cr is None else f'{cr:.4f}'} |")
    lines += ["", "## Outcomes of all samples", "", "| class | samples |", "|---|---|"]
    lines += [f"| {s} | {c} |" for s, c in summary["failure_classes"].items()]
    if summary["failures"]:
        lines += ["", "## Problems with a failing sample", "", "| problem | first failure | note |", "|---|---|---|"]
        known = summary.get("known_failures", {})
        for pid, why in summary["failures"].items():
            lines.append(f"| {pid} | {(why or '').replace('|', '/')} | {known.get(pid, '')} |")
    if summary.get("llm_usage"):
        u = summary["llm_usage"]
        lines += ["", f"LLM usage: {u.get('requests', 0)} requests ({u.get('cached', 0)} cached), "
                      f"{u.get('completion_tokens', 0)} completion tokens, {u.get('seconds', 0):.1f} s."]
    return "\n".join(lines) + "\n"


def run_sample(problem: Problem, i: int, settings: EvalSettings, client=None) -> dict:
    """Sample `i` of `problem`: the reference (oracle) or the model's answer, run against the testbench."""
    answer = None
    if settings.oracle:
        code = problem.reference
    else:
        client = client or _worker_client(settings)
        params = {"temperature": settings.temperature, "max_tokens": settings.max_tokens, "seed": i}
        answer = client.chat(problem.messages(), **params)
        code = extract_code(answer)
    r = problem.check(code, SimLimits(seconds=settings.sim_seconds))
    return {"problem": problem.id, "sample": i, "status": r.status, "detail": r.detail,
            "mismatches": r.mismatches, "samples": r.samples, "seconds": round(r.seconds, 3),
            "answer": answer, "code": code, "compile_log": r.compile_log[:2000],
            "output_tail": r.output[-1500:]}


_CLIENTS: dict = {}


def _worker_client(settings: EvalSettings):
    """One LLM client per process and endpoint (Ray workers make their own)."""
    key = (settings.base_url, settings.model)
    if key not in _CLIENTS:
        from eda.llm.client import LLMClient
        _CLIENTS[key] = LLMClient(settings.base_url, settings.model, None)
    return _CLIENTS[key]


def _run_on_threads(todo, settings: EvalSettings, client, jobs: int, record) -> None:
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        pending = {pool.submit(run_sample, p, i, settings, client) for p, i in todo}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    record(fut.result())
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise


def _run_on_ray(todo, settings: EvalSettings, address: str, record) -> None:
    """Fan the samples out as Ray tasks ('local' starts a Ray instance on this machine)."""
    if not todo:
        return
    try:
        import ray
    except ImportError:
        raise BenchError("--ray needs the 'ray' package (pip install 'ray>=2.9')") from None
    started = not ray.is_initialized()
    if started:
        try:
            import os
            env = {k: v for k, v in os.environ.items() if k.startswith(("EDA_LLM_", "EDA_CACHE_DIR", "OPENAI_API_KEY"))}
            ray.init(address=None if address == "local" else address, include_dashboard=False,
                     log_to_driver=False, configure_logging=False, runtime_env={"env_vars": env})
        except Exception as e:  # noqa: BLE001 - reported as one line
            raise BenchError(f"--ray {address}: cannot connect ({type(e).__name__}: {e})") from None
    try:
        remote = ray.remote(run_sample)
        pending = [remote.remote(p, i, settings) for p, i in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            record(ray.get(done[0]))
    finally:
        if started:
            ray.shutdown()


def run_eval(problems: list[Problem], out: Path, settings: EvalSettings, *, jobs: int = 1,
             client=None, progress: bool = True, log: Callable[[str], None] | None = None,
             ray_address: str | None = None) -> dict:
    """Generate (unless oracle), simulate and score every (problem, sample); write the run directory.

    `client` is an `eda.llm.client.LLMClient` (made from the settings when None and not oracle);
    `ray_address` ('local', 'auto' or ray://HOST:PORT) runs the samples as Ray tasks instead of threads.
    """
    t0 = time.perf_counter()
    run = RunDir(out, settings)
    todo = [(p, i) for p in problems if p.id not in run.finished for i in range(settings.n)
            if (p.id, i) not in run.samples]
    if log and (run.samples or run.finished):
        log(f"resuming {out}: {len(run.finished)} problems and {len(run.samples)} samples already done")
    if todo and not settings.oracle and client is None and not ray_address:
        client = _worker_client(settings)
    by_problem = {p.id: p for p in problems}

    def maybe_finish(pid: str) -> None:
        recs = [run.samples.get((pid, i)) for i in range(settings.n)]
        if pid not in run.finished and all(recs):
            run.add_problem(problem_record(pid, recs, settings.ks))

    for pid in by_problem:            # problems whose samples were all in before an interruption
        maybe_finish(pid)

    def record(rec: dict) -> None:
        run.add_sample(rec)
        maybe_finish(rec["problem"])

    label = f"{settings.bench} ({'oracle' if settings.oracle else 'model'})"
    with _progress(progress) as bar:
        task = bar.add_task(label, total=len(todo))
        if ray_address:
            _run_on_ray(todo, settings, ray_address, lambda rec: (record(rec), bar.advance(task)))
        else:
            _run_on_threads(todo, settings, client, jobs, lambda rec: (record(rec), bar.advance(task)))
    recs = {r["problem"]: r for r in _read_jsonl(run.problems_path)}
    done_recs = [recs[p.id] for p in problems if p.id in recs]
    usage = dict(client.usage) if client is not None and hasattr(client, "usage") else None
    summary = summarize(settings, done_recs, usage, time.perf_counter() - t0)
    served = getattr(getattr(client, "config", None), "model", None)
    if served and not settings.oracle:
        summary["model"] = served      # the name the endpoint gave, e.g. the bundled model's
    atomic_write(Path(out) / "summary.json", json.dumps(summary, indent=2) + "\n")
    atomic_write(Path(out) / "report.md", report_markdown(summary))
    return summary
