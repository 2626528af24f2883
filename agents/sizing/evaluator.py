"""Simulating candidate sizings: one ngspice session per worker, parameters changed in place.

`Evaluator(problem, jobs)` loads the problem's deck once per worker (`eda.sim.session.Session`)
and `evaluate([values, ...])` returns one record per candidate, in order:
  {"params": {...}, "metrics": {...} | None, "error": str | None, "sim_s": float}
A run that fails (no convergence, ngspice error) or a worker that dies is a record with `error`
set and `metrics` None (the reward penalises it); the batch goes on. With jobs > 1 the workers
are processes started with *spawn* (ngspice is not reentrant and a fork after loading it hangs).
"""
from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from eda.errors import EdaError

from .metrics import measure_all, wanted_vectors

_worker: dict = {}


def _open_session(problem):
    from eda.sim.session import Session
    s = Session(problem.deck, workdir=problem.template_path.parent,
                vectors=wanted_vectors(problem.metrics))
    s.load()  # a template that does not load is the user's error, raised here
    return s


def evaluate_one(problem, session, values: dict[str, float]) -> dict:
    """Simulate one sizing and measure its metrics; failures become records, not exceptions."""
    t0 = time.perf_counter()
    try:
        res = session.run(values)
        metrics = measure_all(problem.metrics, res.plots, res.measures, values)
        rec = {"params": values, "metrics": metrics, "error": None}
    except EdaError as exc:
        rec = {"params": values, "metrics": None, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a bad sample is recorded, the run goes on
        rec = {"params": values, "metrics": None, "error": f"{type(exc).__name__}: {exc}"}
    rec["sim_s"] = time.perf_counter() - t0
    return rec


def _init_worker(path: str, data_root: str | None) -> None:
    import os
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from .problem import load_problem
    problem = load_problem(path, data_root)
    _worker["problem"] = problem
    _worker["session"] = _open_session(problem)


def _work(batch: list[dict[str, float]]) -> list[dict]:
    return [evaluate_one(_worker["problem"], _worker["session"], v) for v in batch]


class Evaluator:
    """Evaluate candidate sizings here (jobs=1) or over `jobs` spawned worker processes."""

    def __init__(self, problem, jobs: int = 1) -> None:
        self.problem = problem
        self.jobs = max(1, int(jobs))
        self._session = None
        self._pool: ProcessPoolExecutor | None = None
        if self.jobs == 1:
            self._session = _open_session(problem)
        else:
            _open_session(problem)  # fail fast (and with one line) on a broken template
            self._start_pool()

    def _start_pool(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        root = str(self.problem.data_root) if self.problem.data_root else None
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx,
                                         initializer=_init_worker,
                                         initargs=(str(self.problem.path), root))

    def evaluate(self, batch: list[dict[str, float]]) -> list[dict]:
        if not batch:
            return []
        if self._pool is None:
            return [evaluate_one(self.problem, self._session, v) for v in batch]
        size = -(-len(batch) // self.jobs)  # one contiguous chunk per worker
        chunks = [batch[k:k + size] for k in range(0, len(batch), size)]
        futures = [self._pool.submit(_work, c) for c in chunks]
        out, broken = [], False
        for chunk, fut in zip(chunks, futures):
            try:
                out.extend(fut.result())
            except BrokenProcessPool:
                broken = True
                out.extend({"params": v, "metrics": None, "sim_s": 0.0,
                            "error": "worker process died (ngspice crashed?)"} for v in chunk)
        if broken:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._start_pool()
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
