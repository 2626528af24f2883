"""The batch runner: a resumable run directory and a thread pool over the items of an adapter.

Run directory (`-o DIR`):
- `config.json`   the settings; a rerun with other settings into the same DIR is refused
- `items.jsonl`   one line per item, appended as it finishes (answer, score, detail, category)
- `summary.json`  accuracy (a fraction) overall and per category, LLM usage, timing
- `report.md`     the same for people, `accuracy.png` a bar chart per category

A rerun with the same settings skips every item already in `items.jsonl` with status "ok"
(an item whose model call failed is tried again).
"""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from eda.errors import EdaError
from eda.fileio import atomic_write


class BenchRunError(EdaError):
    """A benchmark run cannot start or continue (bad settings, a run dir of another run)."""


def data_path(root: Path, name: str) -> str | dict:
    """`name` (from a bench data file) resolved inside `root`, or an {"error": ...} marker.

    Paths in downloaded data are untrusted: `../../etc/passwd`, an absolute path or a symlink
    leading out of the data root must never be read and sent to an endpoint. The marker makes
    the item an error row when it is run; the rest of the batch goes on.
    """
    base = Path(root).resolve()
    target = (base / name).resolve()
    if not target.is_relative_to(base):
        return {"error": f"{name}: path leaves the data folder {base}; item not sent"}
    return str(target)


def check_source(out: Path, data: Path | None, generate: int | None) -> Path:
    """Validate a harness's `--data PATH` / `--generate N` / `-o DIR` choice before any work; return `out`."""
    if (data is None) == (generate is None):
        raise BenchRunError("give exactly one of --data PATH or --generate N")
    if generate is not None and generate < 1:
        raise BenchRunError(f"--generate must be at least 1 (got {generate})")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BenchRunError(f"-o {out}: exists and is not a folder")
    return out


@dataclass
class Item:
    """One question: its id, the categories it is reported under, the label and what the prompt needs."""
    id: str
    categories: dict[str, str]
    label: Any
    data: dict = field(default_factory=dict)


@dataclass
class Score:
    """A scored answer: right or wrong, and for graded answers (open questions) a value in [0, 1]."""
    correct: bool
    detail: str = ""
    value: float | None = None         # None: the value is 1.0 when correct, else 0.0


class Adapter(Protocol):
    """What a benchmark supplies to the runner.

    An adapter may also have `content(item)`: the user message content sent instead of
    `prompt(item)` (OpenAI content parts: text and images for multimodal endpoints).
    """
    name: str

    def prompt(self, item: Item) -> str: ...
    def schema(self, item: Item) -> dict: ...
    def extract(self, item: Item, doc: dict) -> Any: ...
    def score(self, item: Item, answer: Any) -> Score: ...


@dataclass
class RunSettings:
    """What a run is: the part of it a resume must agree with."""
    bench: str
    data: str
    oracle: bool = False
    model: str | None = None
    base_url: str | None = None
    max_tokens: int = 512
    temperature: float = 0.0
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)      # bench-specific settings a resume must agree with

    def key(self) -> dict:
        key = {"bench": self.bench, "data": self.data, "oracle": self.oracle, "model": self.model,
               "base_url": self.base_url, "max_tokens": self.max_tokens, "temperature": self.temperature}
        if self.extra:
            key["extra"] = dict(self.extra)
        return key


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSONL file; a torn last line (an interrupted append) is ignored."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


class RunDir:
    """The files of one run (see the module doc); appends are serialised by a lock."""

    def __init__(self, path: Path, settings: RunSettings) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise BenchRunError(f"-o {self.path}: exists and is not a folder")
        cfg = self.path / "config.json"
        if cfg.is_file():
            try:
                old = json.loads(cfg.read_text()).get("key")
            except (OSError, ValueError):
                old = None
            new = settings.key()
            if old is not None and old != new:
                diff = sorted(k for k in new if old.get(k) != new[k])
                raise BenchRunError(f"{self.path} holds a run with other settings ({', '.join(diff)}); "
                                    "use another -o DIR")
        atomic_write(cfg, json.dumps({"key": settings.key()}, indent=2) + "\n")
        self.items_path = self.path / "items.jsonl"
        self._lock = threading.Lock()
        self.done = {r["id"]: r for r in read_jsonl(self.items_path) if r.get("status") == "ok"}

    def add(self, rec: dict) -> None:
        with self._lock, open(self.items_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
            f.flush()
        if rec.get("status") == "ok":
            self.done[rec["id"]] = rec


def run_item(adapter: Adapter, item: Item, settings: RunSettings, client) -> dict:
    """Ask (or take the label when oracle), extract and score one item into its result record."""
    t0 = time.perf_counter()
    rec = {"id": item.id, "categories": item.categories, "label": item.label}
    try:
        if settings.oracle:
            doc = {"answer": item.label}
        else:
            content = adapter.content(item) if hasattr(adapter, "content") else adapter.prompt(item)
            doc = client.ask_json(content, adapter.schema(item),
                                  temperature=settings.temperature, max_tokens=settings.max_tokens)
        answer = adapter.extract(item, doc)
        s = adapter.score(item, answer)        # a scorer may call a model too (an LLM judge)
    except EdaError as e:
        rec.update(status="error", correct=False, answer=None, detail=str(e)[:300])
    else:
        rec.update(status="ok", correct=bool(s.correct), answer=answer, detail=s.detail)
        if s.value is not None:
            rec["score"] = round(float(s.value), 4)
    rec["seconds"] = round(time.perf_counter() - t0, 3)
    return rec


def progress_bar(enabled: bool):
    """A rich progress bar on stderr (disabled: no output), shared by the benchmark runners."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=not enabled)


def run_batch(adapter: Adapter, items: list[Item], out: Path, settings: RunSettings, *, jobs: int = 1,
              client=None, progress: bool = True, log: Callable[[str], None] | None = None,
              on_record: Callable[[dict], None] | None = None) -> dict:
    """Run every item not yet done on a pool of `jobs` threads; write the run directory; return the summary.

    `client` is an `eda.llm.client.LLMClient` (made from the settings when None and not oracle).
    `on_record` sees each record as it is written (tests use it to interrupt a run).
    """
    from benchmarks.runner.report import summarize, write_reports
    if jobs < 1:
        raise BenchRunError(f"--jobs must be at least 1 (got {jobs})")
    ids = [it.id for it in items]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise BenchRunError(f"item id {dup!r} appears more than once")
    t0 = time.perf_counter()
    run = RunDir(out, settings)
    todo = [it for it in items if it.id not in run.done]
    if log and run.done:
        log(f"resuming {out}: {len(items) - len(todo)} of {len(items)} items already done")
    if todo and not settings.oracle and client is None:
        from eda.llm.client import LLMClient
        client = LLMClient(settings.base_url, settings.model, None, concurrency=jobs)

    def record(rec: dict) -> None:
        run.add(rec)
        if on_record:
            on_record(rec)

    label = f"{settings.bench} ({'oracle' if settings.oracle else 'model'})"
    with progress_bar(progress) as bar, ThreadPoolExecutor(jobs) as pool:
        task = bar.add_task(label, total=len(todo))
        pending = {pool.submit(run_item, adapter, it, settings, client) for it in todo}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    record(fut.result())
                    bar.advance(task)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    latest = {}
    for r in read_jsonl(run.items_path):
        latest[r["id"]] = r            # the last line of an item wins (an error, then a success)
    recs = [latest[i] for i in ids if i in latest]
    usage = dict(client.usage) if client is not None and hasattr(client, "usage") else None
    summary = summarize(settings, recs, usage, time.perf_counter() - t0)
    served = getattr(getattr(client, "config", None), "model", None)
    if served and not settings.oracle:
        summary["model"] = served
    write_reports(Path(out), summary)
    return summary
