"""One training run: held-out evaluation before, after the SFT warm start and after RL; results on disk.

`eda verilog train` and `benchmarks/verilog_rl.py` both call `run_training`. The output folder
gets `results.json` (settings, the three evaluations, the RL history), `report.md`, `history.jsonl`
(one line per RL step, appended as it runs) and `policy/` (the trained model, a Hugging Face
folder `eda verilog train --model` can start from again).
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from eda.fileio import atomic_write

from .tasks import LEVELS, split_tasks
from .train import RLConfig, StepLog, evaluate, rl, sft

Log = Callable[[str], None]


@dataclass
class TrainSettings:
    model: str | None = None           # None: the bundled SmolLM2; else a Hugging Face folder
    n_train: int = 24
    n_test: int = 16
    levels: tuple[int, ...] = LEVELS
    sft_epochs: int = 2
    sft_lr: float = 2e-4   # 5e-5 (8 tasks, 2 epochs): 0 of 8 held-out compiled; 2e-4 (48 tasks, 3 epochs): 5 of 8 passed
    rl: RLConfig = field(default_factory=RLConfig)
    device: str = "auto"
    seed: int = 0
    threads: int | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["levels"] = list(self.levels)
        return d


_BASE_KEYS = ("pass@1", "compile_rate", "mean_reward", "by_level", "items")


def report_markdown(res: dict) -> str:
    rows = [("before", res["before"]), ("after SFT", res["after_sft"]), ("after SFT + RL", res["after_rl"])]
    lines = ["# Verilog RL run", "", f"Model: `{res['model']}`, device {res['device']}, seed {res['settings']['seed']}; "
             f"{res['settings']['n_train']} training / {res['settings']['n_test']} held-out generated tasks "
             "(no signature shared).", "",
             "| stage | held-out pass@1 | compile rate | mean reward |" + "".join(
                 f" {k} |" for k in res.get("extra_keys", [])), "|---|---|---|---|" + "---|" * len(res.get("extra_keys", []))]
    for name, ev in rows:
        extra = "".join(f" {ev.get(k, float('nan')):.3f} |" for k in res.get("extra_keys", []))
        lines.append(f"| {name} | {ev['pass@1']:.3f} | {ev['compile_rate']:.3f} | {ev['mean_reward']:.3f} |{extra}")
    h = res["history"]
    if h:
        lines += ["", f"RL: {len(h)} steps, {sum(x['updated'] for x in h)} updates; mean training reward "
                  f"{h[0]['mean_reward']:.3f} (first step) -> {h[-1]['mean_reward']:.3f} (last step)."]
    lines += ["", f"Wall time {res['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def run_training(s: TrainSettings, out: Path | None = None, log: Log | None = None,
                 extra_eval: Callable[[object, object], dict] | None = None, save_policy: bool = True) -> dict:
    """Evaluate, SFT, evaluate, RL, evaluate; `extra_eval(lm, tok)` adds figures (e.g. VerilogEval) per stage."""
    import torch
    from .policy import load_policy
    t0 = time.perf_counter()
    if s.threads:
        torch.set_num_threads(s.threads)
    torch.manual_seed(s.seed)
    from eda.device import resolve_device
    device = str(resolve_device(s.device))
    say = log or (lambda _m: None)
    train, test = split_tasks(s.n_train, s.n_test, seed=s.seed, levels=s.levels)
    say(f"loading policy {s.model or 'bundled SmolLM2-135M'} on {device}")
    lm, tok = load_policy(s.model, device)
    hist_path = out / "history.jsonl" if out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
        if hist_path.exists():
            hist_path.unlink()

    def stage(name: str) -> dict:
        ev = evaluate(lm, tok, test, max_new_tokens=s.rl.max_new_tokens, jobs=s.rl.jobs)
        if extra_eval:
            ev.update(extra_eval(lm, tok))
        say(f"{name}: held-out pass@1 {ev['pass@1']:.3f}, compile {ev['compile_rate']:.3f}, "
            f"reward {ev['mean_reward']:.3f}")
        return ev

    before = stage("before")
    if s.sft_epochs > 0:
        sft(lm, tok, train, epochs=s.sft_epochs, lr=s.sft_lr, seed=s.seed, log=say)
    after_sft = stage("after SFT")

    def on_step(e: StepLog) -> None:
        if hist_path:
            with open(hist_path, "a") as f:
                f.write(json.dumps(asdict(e)) + "\n")

    history = rl(lm, tok, train, s.rl, exclude={t.signature for t in test}, log=say, progress=on_step)
    after_rl = stage("after SFT + RL")
    res = {"model": s.model or "bundled SmolLM2-135M-Instruct", "device": device, "settings": s.to_dict(),
           "before": before, "after_sft": after_sft, "after_rl": after_rl,
           "history": [asdict(h) for h in history], "seconds": round(time.perf_counter() - t0, 1),
           "extra_keys": [k for k, v in after_rl.items() if k not in _BASE_KEYS and isinstance(v, (int, float))]}
    res["summary"] = {"pass@1": after_rl["pass@1"], "pass@1_before": before["pass@1"],
                      "pass@1_after_sft": after_sft["pass@1"]}
    if out:
        if save_policy:
            tmp = out / "policy.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            lm.save_pretrained(tmp)
            tok.save_pretrained(tmp)
            shutil.rmtree(out / "policy", ignore_errors=True)
            tmp.rename(out / "policy")
        atomic_write(out / "results.json", json.dumps(res, indent=1))
        atomic_write(out / "report.md", report_markdown(res))
    return res
