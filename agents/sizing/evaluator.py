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


#: Address-space cap of one sizing worker: a hostile or runaway deck costs only its worker.
WORKER_MEMORY_MB = 8192


def _init_worker(path: str, data_root: str | None) -> None:
    import os

    from eda.procs import die_with_parent, limit_resources
    die_with_parent()  # kill -9 of `eda size` leaves no worker behind
    limit_resources(memory_mb=WORKER_MEMORY_MB)
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


class _RayWorker:
    """One Ray actor: a process of its own with the problem's deck loaded into its ngspice."""

    def __init__(self, path: str, data_root: str | None) -> None:
        _init_worker(path, data_root)

    def evaluate(self, batch: list[dict[str, float]]) -> list[dict]:
        return _work(batch)


class RayEvaluator(Evaluator):
    """`Evaluator` over `jobs` Ray actors on a cluster (`address`: 'local' starts a Ray instance
    here, 'auto' or ray://HOST:PORT joins one). The problem file and the data root must be at
    the same paths on every node (a shared filesystem)."""

    def __init__(self, problem, jobs: int = 1, address: str = "local") -> None:
        try:
            import ray
        except ImportError:
            from .problem import SizingError
            raise SizingError("--ray needs the 'ray' package (pip install 'ray>=2.9')") from None
        self.problem, self.jobs, self._pool, self._session = problem, max(1, int(jobs)), None, None
        _open_session(problem)  # fail fast (one line) on a broken template, before the cluster
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            try:
                ray.init(address=None if address == "local" else address, include_dashboard=False,
                         log_to_driver=False, configure_logging=False)
            except Exception as exc:  # noqa: BLE001 - one line for the user
                from .problem import SizingError
                raise SizingError(f"--ray {address}: cannot connect ({type(exc).__name__}: {exc})") from None
        self._actor_cls = ray.remote(num_cpus=1)(_RayWorker)
        root = str(problem.data_root) if problem.data_root else None
        self._args = (str(problem.path), root)
        self._actors = [self._actor_cls.remote(*self._args) for _ in range(self.jobs)]

    def evaluate(self, batch: list[dict[str, float]]) -> list[dict]:
        if not batch:
            return []
        ray = self._ray
        size = -(-len(batch) // self.jobs)
        chunks = [batch[k:k + size] for k in range(0, len(batch), size)]
        refs = [a.evaluate.remote(c) for a, c in zip(self._actors, chunks)]
        out = []
        for i, (chunk, ref) in enumerate(zip(chunks, refs)):
            try:
                out.extend(ray.get(ref))
            except Exception as exc:  # noqa: BLE001 - a dead actor is replaced, its chunk penalised
                out.extend({"params": v, "metrics": None, "sim_s": 0.0,
                            "error": f"Ray worker failed ({type(exc).__name__})"} for v in chunk)
                self._actors[i] = self._actor_cls.remote(*self._args)
        return out

    def close(self) -> None:
        for a in getattr(self, "_actors", []):
            self._ray.kill(a)
        self._actors = []
        if getattr(self, "_started", False):
            self._ray.shutdown()
            self._started = False
