"""A gymnasium environment for transistor sizing with ngspice in the loop (L2DC).

Observation: the normalised parameters (in [-1, 1]), each hard spec's signed margin
(m - b) / (|m| + |b|) in [-1, 1] (positive when met; -1 when unmeasured) and each soft target's
term, and the hard-spec targets coded in [-1, 1] against the problem's target ranges (so one
policy can serve several targets, as in AutoCkt). Action: a move of every parameter, in [-1, 1]
times `max_step` of its normalised range (`action_mode="move"`), or the normalised design itself
(`action_mode="absolute"`, L2DC's formulation). Reward: `agents.sizing.reward.score` (hard constraints
first, then soft targets). An episode ends when the hard specs are met (`terminate_on_met`) or
after `horizon` moves.

`step` simulates through an `Evaluator`; agents that run several environments in parallel use
`propose` / `observe` around one batched `Evaluator.evaluate` instead.
"""
from __future__ import annotations

import math

import gymnasium as gym
import numpy as np

from .reward import Score, score, soft_term


def margin(value: float | None, lo: float | None, hi: float | None) -> float:
    """Signed normalised margin to a bound: > 0 inside, < 0 outside, -1 when unmeasured."""
    if value is None or not math.isfinite(value):
        return -1.0
    ms = []
    if lo is not None:
        ms.append((value - lo) / (abs(value) + abs(lo) or 1.0))
    if hi is not None:
        ms.append((hi - value) / (abs(value) + abs(hi) or 1.0))
    return float(max(-1.0, min(1.0, min(ms))))


class SizingEnv(gym.Env):
    """Sizing as an MDP: see the module docstring."""

    metadata = {"render_modes": []}

    def __init__(self, problem, evaluator=None, *, max_step: float = 0.25, horizon: int = 30,
                 terminate_on_met: bool = True, action_mode: str = "move") -> None:
        if action_mode not in ("move", "absolute"):
            raise ValueError(f"action_mode must be move or absolute, not {action_mode!r}")
        self.problem, self.evaluator, self.action_mode = problem, evaluator, action_mode
        self.max_step, self.horizon, self.terminate_on_met = max_step, horizon, terminate_on_met
        d, n, s = problem.dim, len(problem.hard), len(problem.soft)
        self.obs_dim = d + 2 * n + s
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (self.obs_dim,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (d,), dtype=np.float32)
        self.x = np.zeros(d)
        self.t = 0
        self.obs = np.zeros(self.obs_dim, dtype=np.float32)

    # -- pieces shared by step() and batched agents -----------------------------------------
    def target_code(self) -> np.ndarray:
        code = []
        for name, b in self.problem.hard.items():
            bound = b.min if b.min is not None else b.max
            lo, hi = self.problem.spec.targets.get(name, (bound, bound))
            code.append(0.0 if hi <= lo else 2.0 * (bound - lo) / (hi - lo) - 1.0)
        return np.clip(np.array(code, dtype=float), -1.0, 1.0)

    def observation(self, x: np.ndarray, metrics: dict | None) -> np.ndarray:
        m = metrics or {}
        margins = [margin(m.get(k), b.min, b.max) for k, b in self.problem.hard.items()]
        soft = [soft_term(m.get(k), s.goal, s.ref) for k, s in self.problem.soft.items()]
        return np.concatenate([x, margins, soft, self.target_code()]).astype(np.float32)

    def snap(self, x: np.ndarray) -> np.ndarray:
        """The grid point the simulator will see, in normalised coordinates."""
        return self.problem.encode(self.problem.decode(x))

    def propose(self, action: np.ndarray) -> np.ndarray:
        """Normalised design after this move (snapped to the parameter grid)."""
        a = np.clip(np.asarray(action, dtype=float), -1.0, 1.0)
        if self.action_mode == "absolute":  # L2DC's own form: the action is the design
            return self.snap(a)
        return self.snap(np.clip(self.x + self.max_step * a, -1.0, 1.0))

    def start(self, x: np.ndarray, metrics: dict | None) -> np.ndarray:
        """Begin an episode at a design whose metrics are known; returns the observation."""
        self.x, self.t = np.asarray(x, dtype=float), 0
        self.obs = self.observation(self.x, metrics)
        return self.obs

    def observe(self, x: np.ndarray, record: dict) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Move to `x` with its simulation record: (obs, reward, terminated, truncated, info)."""
        sc: Score = score(record.get("metrics"), self.problem.hard, self.problem.soft)
        self.x, self.t = np.asarray(x, dtype=float), self.t + 1
        self.obs = self.observation(self.x, record.get("metrics"))
        terminated = bool(sc.met and self.terminate_on_met)
        truncated = self.t >= self.horizon and not terminated
        return self.obs, sc.reward, terminated, truncated, {"met": sc.met, "record": record}

    # -- gymnasium API -----------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = options or {}
        x = options.get("x")
        if x is None:
            x = self.np_random.uniform(-1.0, 1.0, self.problem.dim)
        x = self.snap(np.asarray(x, dtype=float))
        metrics = options.get("metrics")
        record = None
        if metrics is None and self.evaluator is not None:
            record = self.evaluator.evaluate([self.problem.decode(x)])[0]
            metrics = record["metrics"]
        return self.start(x, metrics), {"record": record}

    def step(self, action):
        if self.evaluator is None:
            raise RuntimeError("SizingEnv.step needs an evaluator")
        x = self.propose(action)
        record = self.evaluator.evaluate([self.problem.decode(x)])[0]
        return self.observe(x, record)
