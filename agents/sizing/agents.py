"""Sizing agents on one ask/tell interface: DDPG (L2DC), Bayesian optimisation, random search.

    xs = agent.ask(n)                  # n normalised designs in [-1, 1]^d (one per worker)
    agent.tell(xs, scores, records)    # their rewards (agents.sizing.reward.Score) and records

Every agent is deterministic for a seed (a killed run resumes by replaying its log).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .env import SizingEnv
from .reward import Score

AGENTS = ("ddpg", "bo", "random")


class RandomAgent:
    """Uniform random search over the normalised box (snapped to the parameter grid)."""

    name = "random"

    def __init__(self, problem, *, seed: int = 0, **_) -> None:
        self.problem, self.rng = problem, np.random.default_rng(seed)

    def ask(self, n: int) -> list[np.ndarray]:
        return [self.rng.uniform(-1.0, 1.0, self.problem.dim) for _ in range(n)]

    def tell(self, xs, scores, records) -> None:
        pass


class BOAgent:
    """Bayesian optimisation with optuna's multivariate TPE sampler (maximises the reward).

    Parameters on a grid are given to optuna as integer grid indices, log-scale ones as
    log-uniform floats; with several workers the sampler uses the constant liar.
    """

    name = "bo"

    def __init__(self, problem, *, seed: int = 0, n_envs: int = 1, startup: int = 10, **_) -> None:
        import optuna
        from optuna.distributions import FloatDistribution, IntDistribution
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.problem = problem
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True,
                                                 n_startup_trials=startup,
                                                 constant_liar=n_envs > 1)
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self.dists: dict = {}
        self._grid: set[str] = set()
        for name, p in problem.params.items():
            if p.step and p.scale == "linear":
                self._grid.add(name)
                self.dists[name] = IntDistribution(0, int(math.floor((p.max - p.min) / p.step + 1e-9)))
            else:
                self.dists[name] = FloatDistribution(p.min, p.max, log=p.scale == "log")
        self._trials: list = []

    def _values(self, params: dict) -> dict[str, float]:
        """optuna's parameters (grid indices or floats) -> parameter values."""
        out = {}
        for name, p in self.problem.params.items():
            v = params[name]
            if name in self._grid:
                v = p.min + v * p.step
            out[name] = self.problem.snap(name, v)
        return out

    def ask(self, n: int) -> list[np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._trials = [self.study.ask(self.dists) for _ in range(n)]
        return [self.problem.encode(self._values(t.params)) for t in self._trials]

    def tell(self, xs, scores: list[Score], records) -> None:
        for t, s in zip(self._trials, scores):
            self.study.tell(t, s.reward)
        self._trials = []


class DDPGAgent:
    """DDPG on `SizingEnv`, one environment per worker, with the changes that make it frugal:

    - warm-up: the first `warmup` simulations are random (episodes start at random designs and
      move by random actions) before the actor acts;
    - action noise: Gaussian, decaying linearly from `noise[0]` to `noise[1]` over `decay` steps,
      and directed: of `candidates` noisy actions the critic's favourite is taken;
    - restarts: after warm-up an episode starts, with probability `p_elite`, at one of the best
      designs found so far (its metrics are known: no simulation), else at a random design;
    - `updates` gradient steps per simulation (the simulations are the scarce resource);
    - relabelling (`relabel`): the simulator is deterministic and a move's outcome depends only
      on where it lands, so any simulated design within one move of another simulated design's
      state is an exact transition (s_i, (x_j - x_i) / max_step, r_j, s_j): each gradient step
      also trains on a batch of those, drawn from the archive of every design simulated.
    """

    name = "ddpg"

    def __init__(self, problem, *, seed: int = 0, n_envs: int = 1, device: str = "auto",
                 goal: str = "meet", budget: int = 2000, warmup: int | None = None,
                 max_step: float = 0.3, horizon: int = 4, updates: int = 4,
                 noise: tuple[float, float] = (0.5, 0.1), decay: int | None = None,
                 p_elite: float = 0.8, n_elite: int = 5, relabel: bool = True,
                 action_mode: str = "move", gamma: float | None = None, candidates: int = 32,
                 twin: bool = True, **_) -> None:
        import torch
        from .ddpg import DDPG
        torch.set_num_threads(1)  # small nets; also keeps replays deterministic
        self.problem = problem
        from .ddpg import DDPGConfig
        self.absolute = action_mode == "absolute"
        self.envs = [SizingEnv(problem, max_step=max_step, horizon=horizon,
                               terminate_on_met=goal == "meet", action_mode=action_mode)
                     for _ in range(max(1, n_envs))]
        cfg = DDPGConfig(gamma=(0.0 if self.absolute else 0.5) if gamma is None else gamma,
                         twin=twin)
        self.agent = DDPG(self.envs[0].obs_dim, problem.dim, cfg, seed=seed, device=device)
        self.rng = np.random.default_rng(seed + 1)
        self.warmup = warmup if warmup is not None else max(20, 3 * problem.dim)
        self.noise, self.decay = noise, decay or max(100, min(600, budget // 2))
        self.updates, self.p_elite, self.n_elite = updates, p_elite, n_elite
        self.needs_reset = [True] * len(self.envs)
        self.pending: list = [None] * len(self.envs)
        self.elite: list[tuple[float, tuple, np.ndarray, dict]] = []
        self.seen = 0
        self.relabel, self.max_step = relabel and not self.absolute, max_step
        self.candidates = max(1, candidates)
        self.goal_terminates = goal == "meet"
        self._X: list[np.ndarray] = []
        self._O: list[np.ndarray] = []
        self._R: list[float] = []
        self._D: list[float] = []

    def _archive(self, x: np.ndarray, obs: np.ndarray, sc: Score) -> None:
        self._X.append(np.asarray(x, dtype=np.float32))
        self._O.append(np.asarray(obs, dtype=np.float32))
        self._R.append(sc.reward)
        self._D.append(float(sc.met and self.goal_terminates))

    def _relabelled(self, k: int):
        """k exact transitions between archived designs one move apart (None if too few)."""
        n = len(self._X)
        if n < 4:
            return None
        X = np.stack(self._X)
        i = self.rng.integers(0, n, size=k)
        dist = np.abs(X[None, :, :] - X[i][:, None, :]).max(-1)  # (k, n)
        ok = (dist <= self.max_step + 1e-9) & (dist > 0)
        rows = np.flatnonzero(ok.any(1))
        if len(rows) == 0:
            return None
        pick = np.where(ok[rows], self.rng.random((len(rows), n)), -1.0).argmax(1)
        si, sj = i[rows], pick
        O = np.stack(self._O)
        a = (X[sj] - X[si]) / self.max_step
        r = np.array(self._R, dtype=np.float32)[sj, None]
        d = np.array(self._D, dtype=np.float32)[sj, None]
        return O[si], a, r, O[sj], d

    def _explore(self, obs: np.ndarray) -> np.ndarray:
        """The actor's action plus Gaussian noise; with `candidates` > 1, the noisy variant
        (the actor's own action among them) the critic rates best: directed exploration."""
        mu = self.agent.act(obs)
        k, d = self.candidates, self.problem.dim
        acts = np.clip(mu[None] + self.rng.normal(0.0, self._sigma(), (k, d)), -1.0, 1.0)
        if k == 1:
            return acts[0]
        acts[0] = mu
        q = self.agent.q(np.repeat(obs[None], k, 0), acts)
        return acts[int(np.argmax(q))]

    def _sigma(self) -> float:
        f = min(1.0, max(0.0, (self.seen - self.warmup) / self.decay))
        return self.noise[0] + f * (self.noise[1] - self.noise[0])

    def _note(self, x: np.ndarray, sc: Score, rec: dict) -> None:
        if rec.get("metrics") is None:
            return
        key = tuple(np.round(x, 6))
        if any(k == key for _, k, _, _ in self.elite):
            return
        self.elite.append((sc.reward, key, np.array(x), rec["metrics"]))
        self.elite.sort(key=lambda e: -e[0])
        del self.elite[self.n_elite:]

    def ask(self, n: int) -> list[np.ndarray]:
        xs = []
        for k in range(n):
            env = self.envs[k]
            if self.needs_reset[k] and self.absolute:  # no episodes to restart: start anywhere
                env.start(np.zeros(self.problem.dim), None)
                self.needs_reset[k] = False
            if self.needs_reset[k]:
                if self.seen >= self.warmup and self.elite and self.rng.random() < self.p_elite:
                    _, _, x0, metrics = self.elite[self.rng.integers(len(self.elite))]
                    env.start(x0, metrics)
                    self.needs_reset[k] = False
                else:
                    x0 = env.snap(self.rng.uniform(-1.0, 1.0, self.problem.dim))
                    self.pending[k] = ("reset", x0, None, None)
                    xs.append(x0)
                    continue
            obs = env.obs
            if self.seen < self.warmup:
                a = self.rng.uniform(-1.0, 1.0, self.problem.dim)
            else:
                a = self._explore(obs)
            a = np.clip(a, -1.0, 1.0)
            x = env.propose(a)
            self.pending[k] = ("step", x, a, obs)
            xs.append(x)
        return xs

    def tell(self, xs, scores: list[Score], records: list[dict]) -> None:
        for k, (x, sc, rec) in enumerate(zip(xs, scores, records)):
            kind, _, a, obs = self.pending[k]
            self._note(x, sc, rec)
            env = self.envs[k]
            if kind == "reset":
                env.start(x, rec.get("metrics"))
                self.needs_reset[k] = False
            else:
                obs2, r, term, trunc, _ = env.observe(x, rec)
                self.agent.buffer.add(obs, a, r, obs2, term)
                if (term or trunc) and not self.absolute:
                    self.needs_reset[k] = True
            self._archive(x, env.obs, sc)
            self.seen += 1
        if self.seen >= self.warmup:
            self.agent.update(self.updates * len(xs),
                              extra=self._relabelled if self.relabel else None)


def make_agent(name: str, problem, **kw):
    """An agent by name (ddpg, bo, random)."""
    cls = {"ddpg": DDPGAgent, "bo": BOAgent, "random": RandomAgent}.get(name)
    if cls is None:
        from .problem import SizingError
        raise SizingError(f"unknown agent {name!r} (known: {', '.join(AGENTS)})")
    return cls(problem, **kw)
