"""One CircuitSense run: pick the items (official data or a generated set), then the batch runner."""
from __future__ import annotations

from pathlib import Path

from benchmarks.runner.core import RunSettings, check_source, run_batch
from benchmarks.circuitsense.adapter import CircuitSenseAdapter, generated_items


def run_circuitsense(out: Path, *, data: Path | None = None, generate: int | None = None, seed: int = 0,
                     base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                     jobs: int = 2, oracle: bool = False, limit: int | None = None, max_tokens: int = 512,
                     timeout: float = 10.0, progress: bool = True, log=None, client=None,
                     images: bool = False) -> dict:
    """Run (or resume) a CircuitSense evaluation into `out`; return the summary."""
    out = check_source(out, data, generate)
    notes = []
    if data is not None:
        from benchmarks.circuitsense.official import load_official
        items = load_official(data)
        source = str(Path(data).resolve())
        if any(it.data.get("image") for it in items):
            notes.append("images sent as OpenAI image content" if images else
                         "text-only prompts: the question text is sent, the images are not")
    else:
        out.mkdir(parents=True, exist_ok=True)
        items, meta = generated_items(generate, seed, out, timeout=timeout, progress=progress, log=log)
        source = f"generated n={generate} seed={seed}"
        lab = meta["labels"]
        notes.append(f"labels: {lab['labelled']} kept of {lab['candidates']} candidate circuits; "
                     f"{lab['checked']} checked against ngspice AC; dropped {lab['dropped']}")
        notes.append("schematic PNGs sent as OpenAI image content; perception items ask about the picture only"
                     if images else "text-only prompts: the netlist with symbolic values is sent "
                     "(schematics drawn under images/ in the run dir)")
    if limit is not None:
        items = items[:max(0, limit)]
    settings = RunSettings("circuitsense", source, oracle=oracle, model=None if oracle else model,
                           base_url=None if oracle else base_url, max_tokens=max_tokens, notes=notes,
                           extra={"images": True} if images else {})
    if client is None and not oracle and (api_key or base_url or model):
        from eda.llm.client import LLMClient
        client = LLMClient(base_url, model, api_key, concurrency=jobs)
    return run_batch(CircuitSenseAdapter(images=images), items, out, settings, jobs=jobs, client=client,
                     progress=progress, log=log)
