"""Cost of one RL update of the policy, the old way and the new, on the same samples, side by side.

    python -m benchmarks.verirl_step_speed [--tasks 2] [--group 8] [--threads 1]

The samples are the references of generated tasks (one per level and up, as long as real answers),
each repeated `--group` times. Rows: every sequence run whole with logits everywhere (before), the
prompt run once per group with logits only over completions, and that with only the top 6 decoder
layers trained. Forward and backward seconds are printed with the ratio to the first row.
"""
from __future__ import annotations

import time
from typing import Optional

import typer


def main(tasks: int = typer.Option(2, "--tasks"), group: int = typer.Option(8, "--group"),
         threads: int = typer.Option(1, "--threads"), model: Optional[str] = typer.Option(None, "--model", help="Hugging Face folder (default: bundled SmolLM2).")) -> None:
    import torch

    from agents.verirl.policy import completion_logprobs, group_logprobs, load_policy, prompt_text
    from agents.verirl.tasks import generate_tasks
    from agents.verirl.train import reference_completion, trainable_parameters
    torch.set_num_threads(threads)
    lm, tok = load_policy(model, "cpu")
    picked = [t for t in generate_tasks(40, seed=0) if t.level >= 3][:tasks]
    prompts = [prompt_text(t, tok) for t in picked]
    comps = [reference_completion(t) for t in picked]
    n_p = sum(len(tok(p)["input_ids"]) for p in prompts) / len(prompts)
    n_c = sum(len(tok(c)["input_ids"]) for c in comps) / len(comps)
    typer.echo(f"{tasks} task(s) x {group} samples; prompt {n_p:.0f} tokens, completion {n_c:.0f} tokens; "
               f"{threads} thread(s)")

    def whole():
        s, n, _, _ = completion_logprobs(lm, tok, [p for p in prompts for _ in range(group)],
                                         [c for c in comps for _ in range(group)])
        return [(s / n).sum()]

    def grouped():
        out = []
        for p, c in zip(prompts, comps):
            s, n, _, _ = group_logprobs(lm, tok, p, [c] * group)
            out.append((s / n).sum())
        return out

    rows = [("whole sequences, all layers", whole, 0), ("prompt once, all layers", grouped, 0),
            ("prompt once, top 6 layers", grouped, 6)]
    base = None
    typer.echo("| update | forward s | backward s | total s | vs first |\n|---|---|---|---|---|")
    for name, fn, layers in rows:
        trainable_parameters(lm, layers)
        lm.train()
        t0 = time.perf_counter()
        losses = fn()
        t1 = time.perf_counter()
        for loss in losses:
            (-loss).backward()
        t2 = time.perf_counter()
        lm.zero_grad(set_to_none=True)
        total = t2 - t0
        base = base or total
        typer.echo(f"| {name} | {t1 - t0:.1f} | {t2 - t1:.1f} | {total:.1f} | {base / total:.2f}x |")
    trainable_parameters(lm, 0)


if __name__ == "__main__":
    typer.run(main)
