"""One MMCircuitEval run: pick the problems (official data or a generated set), then the batch runner."""
from __future__ import annotations

import json
from pathlib import Path

from benchmarks.runner.core import RunSettings, check_source, run_batch
from benchmarks.mmcircuiteval.adapter import MMCircuitEvalAdapter
from benchmarks.mmcircuiteval.load import load_mmcircuiteval

#: the repository's example decks (shipped problems of the generated set)
NETLISTS = Path(__file__).resolve().parents[2] / "netlists"


def generated_problems(out: Path, n: int, seed: int, *, draw: bool = True, progress: bool = True) -> tuple[list, dict]:
    """Items of a generated set kept under `out/dataset/` (read back when a run resumes)."""
    from benchmarks.mmcircuiteval.generate import write_generated
    from benchmarks.runner.core import progress_bar
    ds = Path(out) / "dataset"
    meta_p = ds / "meta.json"
    meta = json.loads(meta_p.read_text()) if meta_p.is_file() else None
    if not meta or (meta["n"], meta["seed"], meta["draw"]) != (n, seed, draw):
        from eda.fileio import atomic_write
        with progress_bar(progress) as bar:
            task = bar.add_task("simulating circuits (ngspice)", total=None)
            meta = write_generated(ds, n, seed, draw=draw, netlists=NETLISTS, progress=lambda: bar.advance(task))
        atomic_write(meta_p, json.dumps(meta, indent=2) + "\n")
    items = []
    for split in ("generated", "shipped"):
        f = ds / f"{split}.jsonl"
        if f.is_file() and f.stat().st_size:
            items += load_mmcircuiteval(f)
    return items, meta


def run_mmcircuiteval(out: Path, *, data: Path | None = None, generate: int | None = None, seed: int = 0,
                      base_url: str | None = None, model: str | None = None, api_key: str | None = None,
                      jobs: int = 2, oracle: bool = False, limit: int | None = None, max_tokens: int = 256,
                      images: bool = False, judge: bool = False, draw: bool = True, progress: bool = True,
                      log=None, client=None, judge_client=None) -> dict:
    """Run (or resume) an MMCircuitEval evaluation into `out`; return the summary."""
    out = check_source(out, data, generate)
    notes = []
    if data is not None:
        items = load_mmcircuiteval(data)
        source = str(Path(data).resolve())
    else:
        out.mkdir(parents=True, exist_ok=True)
        items, meta = generated_problems(out, generate, seed, draw=draw, progress=progress)
        source = f"generated n={generate} seed={seed}"
        notes.append(f"generated set: {meta['generated']} circuit problems ({meta['circuits_tried']} circuits "
                     f"simulated) + {meta['shipped']} problems on shipped decks, {meta['sub_questions']} "
                     "sub-questions; every answer computed by ngspice")
    if limit is not None:
        items = items[:max(0, limit)]
    with_images = sum(1 for it in items if it.data.get("images"))
    if with_images:
        notes.append(f"{with_images} sub-questions have images: " + (
            "sent as OpenAI image content (multimodal endpoint)" if images else
            "text-only prompts (the images are not sent; generated problems state the netlist)"))
    notes.append("open answers: (BLEU-4 + ROUGE + MiniLM cosine" + (" + 2 x LLM judge)/5" if judge else ")/3, no LLM judge")
                 + "; closed types exact (single/multi) or 1 % numeric (blank); score = mean graded value")
    settings = RunSettings("mmcircuiteval", source, oracle=oracle, model=None if oracle else model,
                           base_url=None if oracle else base_url, max_tokens=max_tokens, notes=notes,
                           extra={"images": images, "judge": judge})
    if client is None and not oracle and (api_key or base_url or model):
        from eda.llm.client import LLMClient
        client = LLMClient(base_url, model, api_key, concurrency=jobs)
    judge_fn = None
    if judge:
        from benchmarks.mmcircuiteval.openscore import LLMJudge
        if judge_client is None:
            from eda.llm.client import LLMClient
            judge_client = client if client is not None else LLMClient(base_url, model, api_key, concurrency=jobs)
        judge_fn = LLMJudge(judge_client)
    return run_batch(MMCircuitEvalAdapter(images=images, judge=judge_fn), items, out, settings, jobs=jobs,
                     client=client, progress=progress, log=log)
