"""SFT warm start and REINFORCE++ updates with VeriRL's reward handling, on generated Verilog tasks.

Why by hand rather than TRL's GRPOTrainer: VeriRL's sample-balanced weighting scales each
sample's policy-gradient term by the rarity of its reward bucket in the batch, which needs the
per-sample update that TRL does not expose; REINFORCE++ itself is a short loop. The update is
on-policy (one gradient step per batch of samples, so the PPO ratio is 1): advantages are the
rewards less each prompt's group mean, divided by the whole batch's std (REINFORCE++-baseline; no
critic), plus a k3 KL penalty to the frozen starting policy. Each group's prompt runs once in the
update (`group_logprobs`), which with `train_layers` is what makes twenty steps fit on one CPU core.

The training set refreshes every `refresh_every` steps: tasks whose last group all passed leave
the pool and fresh generated ones (never a held-out signature) take their place.
"""
from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from .policy import completion_logprobs, group_logprobs, prompt_text, sample
from .reward import Scored, score_batch
from .tasks import LEVELS, VerilogTask, generate_tasks

Log = Callable[[str], None]


@dataclass
class RLConfig:
    steps: int = 20
    tasks_per_step: int = 4
    group: int = 4                 # samples per task
    lr: float = 1e-5
    beta: float = 0.02             # KL penalty weight (0: no reference model)
    temperature: float = 0.8
    max_new_tokens: int = 160
    balance: bool = True           # VeriRL sample-balanced weighting
    rescore: bool = True           # VeriRL trace-back rescoring
    refresh_every: int = 5         # steps between training-set refreshes (0: never)
    reference_mix: float = 0.0     # probability a group gets the reference as one sample (guided RL)
    baseline: str = "group"        # group: REINFORCE++-baseline (group mean off, batch std); global: batch mean
    train_layers: int = 0          # train only the top N decoder layers (0: all); cheaper backward on CPU
    jobs: int = 2                  # parallel simulations
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StepLog:
    step: int
    mean_reward: float
    pass_rate: float
    loss: float
    kl: float
    updated: bool
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0


def reference_completion(task: VerilogTask) -> str:
    return task.ref_body.rstrip() + "\nendmodule\n"


def evaluate(lm, tok, tasks: list[VerilogTask], batch: int = 16, max_new_tokens: int = 160,
             jobs: int = 2) -> dict:
    """Greedy pass@1, compile rate and mean reward over `tasks` (rewards from real simulations)."""
    lm.eval()
    completions: list[str] = []
    for i in range(0, len(tasks), batch):
        chunk = tasks[i:i + batch]
        outs = sample(lm, tok, [prompt_text(t, tok) for t in chunk], greedy=True, max_new_tokens=max_new_tokens)
        completions += [o[0] for o in outs]
    scored = score_batch(list(zip(tasks, completions)), jobs=jobs, rescore=True)
    n = max(1, len(tasks))
    by_level: dict[int, list[float]] = {}
    for t, s in zip(tasks, scored):
        by_level.setdefault(t.level, []).append(1.0 if s.status == "pass" else 0.0)
    return {"pass@1": sum(s.status == "pass" for s in scored) / n,
            "compile_rate": sum(s.status in ("pass", "mismatch") for s in scored) / n,
            "mean_reward": sum(s.reward for s in scored) / n,
            "by_level": {str(k): sum(v) / len(v) for k, v in sorted(by_level.items())},
            "items": [{"id": t.id, "status": s.status, "reward": s.reward, "completion": c}
                      for t, s, c in zip(tasks, scored, completions)]}


def sft(lm, tok, tasks: list[VerilogTask], epochs: int = 1, lr: float = 2e-4, batch: int = 4,
        seed: int = 0, log: Log | None = None) -> list[float]:
    """Teacher forcing on the references (VeriRL's cold start): mean token NLL per batch."""
    import torch
    rnd = random.Random(seed)
    opt = torch.optim.AdamW(lm.parameters(), lr=lr)
    lm.train()
    losses = []
    for ep in range(epochs):
        order = tasks[:]
        rnd.shuffle(order)
        for i in range(0, len(order), batch):
            chunk = order[i:i + batch]
            s, n, _, _ = completion_logprobs(lm, tok, [prompt_text(t, tok) for t in chunk],
                                             [reference_completion(t) + "```" for t in chunk])
            loss = -(s.sum() / n.sum())
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            opt.step()
            losses.append(float(loss.detach()))
        if log:
            log(f"sft epoch {ep + 1}/{epochs}: loss {sum(losses[-math.ceil(len(order) / batch):]) / max(1, math.ceil(len(order) / batch)):.3f}")
    return losses


def balanced_weights(rewards: list[float]) -> list[float]:
    """Inverse frequency of each sample's reward bucket (0, low, high, pass), scaled to mean 1."""
    def bucket(r: float) -> int:
        return 0 if r <= 0 else 3 if r >= 1 else 1 if r < 0.5 else 2
    b = [bucket(r) for r in rewards]
    counts = {k: b.count(k) for k in set(b)}
    w = [1.0 / counts[k] for k in b]
    scale = len(w) / sum(w)
    return [x * scale for x in w]


def advantages(rewards: list[float], group: int = 0) -> list[float] | None:
    """REINFORCE++ advantages; None when they are all zero (no signal).

    `group` 0: the batch mean is the baseline (REINFORCE++). `group` g > 0: each run of g samples of
    one prompt has its own mean subtracted first (REINFORCE++-baseline), so an easy task's samples do
    not all look good next to a hard task's; either way the result is divided by the batch's std.
    """
    if group > 0:
        centred = []
        for i in range(0, len(rewards), group):
            g = rewards[i:i + group]
            m = sum(g) / len(g)
            centred += [r - m for r in g]
    else:
        m = sum(rewards) / len(rewards)
        centred = [r - m for r in rewards]
    var = sum(c * c for c in centred) / len(centred)
    if var < 1e-12:
        return None
    sd = math.sqrt(var)
    return [c / sd for c in centred]


def trainable_parameters(lm, top_layers: int = 0) -> list:
    """All parameters (0), or only the top `top_layers` decoder layers and the final norm, the rest frozen.

    With the lower layers and the embeddings frozen, backpropagation stops at the first trained
    layer, which on a CPU halves an RL step's cost for a small loss in reach.
    """
    params = list(lm.parameters())
    layers = getattr(getattr(lm, "model", None), "layers", None)
    if top_layers <= 0 or layers is None or top_layers >= len(layers):
        for q in params:
            q.requires_grad_(True)
        return params
    for q in params:
        q.requires_grad_(False)
    train = [q for layer in layers[-top_layers:] for q in layer.parameters()]
    norm = getattr(lm.model, "norm", None)
    if norm is not None:
        train += list(norm.parameters())
    for q in train:
        q.requires_grad_(True)
    return train


def rl(lm, tok, pool: list[VerilogTask], cfg: RLConfig, *, exclude: set[str] = frozenset(),
       log: Log | None = None, progress: Callable[[StepLog], None] | None = None) -> list[StepLog]:
    """`cfg.steps` REINFORCE++ updates of `lm` on tasks drawn from `pool` (refreshed as they are solved)."""
    import torch
    torch.manual_seed(cfg.seed)
    rnd = random.Random(cfg.seed)
    ref = None
    if cfg.beta > 0:
        ref = copy.deepcopy(lm).eval()
        for p in ref.parameters():
            p.requires_grad_(False)
    params = trainable_parameters(lm, cfg.train_layers)
    opt = torch.optim.AdamW(params, lr=cfg.lr)
    pool = pool[:]
    seen = {t.signature for t in pool} | set(exclude)
    solved: set[str] = set()
    history: list[StepLog] = []
    cursor, fresh_seed = 0, 1_000 + cfg.seed
    for step in range(1, cfg.steps + 1):
        t0 = time.perf_counter()
        batch_tasks = [pool[(cursor + i) % len(pool)] for i in range(cfg.tasks_per_step)]
        cursor += cfg.tasks_per_step
        lm.eval()
        prompts = [prompt_text(t, tok) for t in batch_tasks]
        groups = sample(lm, tok, prompts, n=cfg.group, max_new_tokens=cfg.max_new_tokens,
                        temperature=cfg.temperature)
        for t, g in zip(batch_tasks, groups):
            if cfg.reference_mix > 0 and rnd.random() < cfg.reference_mix:
                g[-1] = reference_completion(t)
        flat_tasks = [t for t, g in zip(batch_tasks, groups) for _ in g]
        flat_prompts = [p for p, g in zip(prompts, groups) for _ in g]
        flat = [c for g in groups for c in g]
        scored: list[Scored] = score_batch(list(zip(flat_tasks, flat)), jobs=cfg.jobs, rescore=cfg.rescore)
        rewards = [s.reward for s in scored]
        for t, g_start in zip(batch_tasks, range(0, len(flat), cfg.group)):
            if all(s.status == "pass" for s in scored[g_start:g_start + cfg.group]):
                solved.add(t.signature)
        adv = advantages(rewards, cfg.group if cfg.baseline == "group" else 0)
        loss_v, kl_v, updated = 0.0, 0.0, False
        if adv is not None:
            w = balanced_weights(rewards) if cfg.balance else [1.0] * len(rewards)
            coefs = [a * x for a, x in zip(adv, w)]
            lm.train()
            opt.zero_grad()
            pg_v, kls = 0.0, []
            live = [i for i in range(0, len(flat), cfg.group) if any(abs(c) > 1e-9 for c in coefs[i:i + cfg.group])]
            for i in live:                  # one prompt's group at a time: the prompt runs once
                comps = flat[i:i + cfg.group]
                s, n, tok_logp, m = group_logprobs(lm, tok, flat_prompts[i], comps)
                coef = torch.tensor(coefs[i:i + cfg.group], device=s.device)
                pg = -(coef * s / n.clamp(min=1)).sum() / len(flat)
                kl = torch.zeros((), device=s.device)
                if ref is not None:
                    with torch.no_grad():
                        _, _, ref_logp, _ = group_logprobs(ref, tok, flat_prompts[i], comps)
                    d = (ref_logp - tok_logp) * m
                    kl = ((torch.exp(d) - d - 1) * m).sum() / m.sum()
                (pg + cfg.beta * kl / len(live)).backward()
                pg_v += float(pg.detach())
                kls.append(float(kl.detach()))
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            kl_v = sum(kls) / len(kls)
            loss_v, updated = pg_v + cfg.beta * kl_v, True
        statuses: dict[str, int] = {}
        for sc in scored:
            statuses[sc.status] = statuses.get(sc.status, 0) + 1
        entry = StepLog(step, sum(rewards) / len(rewards), statuses.get("pass", 0) / len(rewards), loss_v, kl_v,
                        updated, statuses, round(time.perf_counter() - t0, 2))
        history.append(entry)
        if log:
            log(f"rl step {step}/{cfg.steps}: reward {entry.mean_reward:.3f} pass {entry.pass_rate:.2f} "
                f"{'update' if updated else 'no signal'} {statuses}")
        if progress:
            progress(entry)
        if cfg.refresh_every and step % cfg.refresh_every == 0 and solved:
            keep = [t for t in pool if t.signature not in solved]
            new = generate_tasks(len(pool) - len(keep), seed=fresh_seed, levels=LEVELS, exclude=seen)
            fresh_seed += 1
            seen |= {t.signature for t in new}
            pool = keep + new
            solved.clear()
            if log:
                log(f"refresh: {len(new)} solved task(s) replaced")
    trainable_parameters(lm, 0)
    return history
