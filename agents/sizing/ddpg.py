"""DDPG (Lillicrap et al. 2016), the actor-critic L2DC trains, in PyTorch (CPU or CUDA).

A deterministic actor a = mu(s) in [-1, 1]^d and a critic Q(s, a), both small MLPs, trained from a
replay buffer with target networks (Polyak averaging). Sample efficiency matters more than
anything here (each transition is an ngspice run), so the defaults do many gradient steps per
transition and use a short horizon (small gamma).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


def pick_device(device: str = "auto") -> torch.device:
    """`auto` -> CUDA when present, else CPU; otherwise the named device."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _mlp(n_in: int, n_out: int, hidden: int, out_act: nn.Module | None = None) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(n_in, hidden), nn.LayerNorm(hidden), nn.ReLU(),
                               nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_out)]
    if out_act is not None:
        layers.append(out_act)
    return nn.Sequential(*layers)


@dataclass
class DDPGConfig:
    hidden: int = 128
    actor_lr: float = 1e-3
    critic_lr: float = 2e-3
    gamma: float = 0.5
    tau: float = 0.05
    batch: int = 64
    buffer: int = 100_000


class Replay:
    """A ring buffer of transitions (s, a, r, s', done) as float32 numpy arrays."""

    def __init__(self, obs_dim: int, act_dim: int, size: int) -> None:
        self.s = np.zeros((size, obs_dim), np.float32)
        self.a = np.zeros((size, act_dim), np.float32)
        self.r = np.zeros((size, 1), np.float32)
        self.s2 = np.zeros((size, obs_dim), np.float32)
        self.d = np.zeros((size, 1), np.float32)
        self.size, self.n, self.i = size, 0, 0

    def add(self, s, a, r, s2, done) -> None:
        self.s[self.i], self.a[self.i], self.r[self.i] = s, a, r
        self.s2[self.i], self.d[self.i] = s2, float(done)
        self.i = (self.i + 1) % self.size
        self.n = min(self.n + 1, self.size)

    def sample(self, rng: np.random.Generator, k: int):
        idx = rng.integers(0, self.n, size=k)
        return self.s[idx], self.a[idx], self.r[idx], self.s2[idx], self.d[idx]


class DDPG:
    """Actor, critic, their targets and optimisers; `act` and `update`."""

    def __init__(self, obs_dim: int, act_dim: int, cfg: DDPGConfig | None = None, *,
                 seed: int = 0, device: str = "auto") -> None:
        self.cfg = cfg or DDPGConfig()
        self.device = pick_device(device)
        torch.manual_seed(seed)
        h = self.cfg.hidden
        self.actor = _mlp(obs_dim, act_dim, h, nn.Tanh()).to(self.device)
        self.critic = _mlp(obs_dim + act_dim, 1, h).to(self.device)
        self.actor_t = _mlp(obs_dim, act_dim, h, nn.Tanh()).to(self.device)
        self.critic_t = _mlp(obs_dim + act_dim, 1, h).to(self.device)
        self.actor_t.load_state_dict(self.actor.state_dict())
        self.critic_t.load_state_dict(self.critic.state_dict())
        self.opt_a = torch.optim.Adam(self.actor.parameters(), lr=self.cfg.actor_lr)
        self.opt_c = torch.optim.Adam(self.critic.parameters(), lr=self.cfg.critic_lr)
        self.buffer = Replay(obs_dim, act_dim, self.cfg.buffer)
        self.rng = np.random.default_rng(seed)

    def _t(self, x) -> torch.Tensor:
        return torch.as_tensor(np.asarray(x), dtype=torch.float32, device=self.device)

    @torch.no_grad()
    def act(self, obs: np.ndarray) -> np.ndarray:
        """The actor's action(s) for one observation or a batch."""
        o = self._t(obs)
        a = self.actor(o if o.ndim == 2 else o[None])
        return a.cpu().numpy() if o.ndim == 2 else a[0].cpu().numpy()

    @torch.no_grad()
    def q(self, obs: np.ndarray, act: np.ndarray) -> np.ndarray:
        return self.critic(torch.cat([self._t(obs), self._t(act)], -1)).cpu().numpy()[:, 0]

    def update(self, steps: int = 1, extra=None) -> float:
        """`steps` gradient steps on critic and actor; returns the last critic loss.

        `extra(k)`, when given, returns k more transitions (s, a, r, s', done) per step to train
        on beside the replay buffer's (for instance exact relabelled ones).
        """
        cfg, loss_v = self.cfg, 0.0
        if self.buffer.n < 2:
            return 0.0
        for _ in range(steps):
            batch = self.buffer.sample(self.rng, cfg.batch)
            more = extra(cfg.batch) if extra is not None else None
            if more is not None:
                batch = tuple(np.concatenate([x, y.astype(np.float32)]) for x, y in zip(batch, more))
            s, a, r, s2, d = (self._t(x) for x in batch)
            with torch.no_grad():
                q2 = self.critic_t(torch.cat([s2, self.actor_t(s2)], -1))
                y = r + cfg.gamma * (1.0 - d) * q2
            q = self.critic(torch.cat([s, a], -1))
            loss = nn.functional.mse_loss(q, y)
            self.opt_c.zero_grad()
            loss.backward()
            self.opt_c.step()
            pi_loss = -self.critic(torch.cat([s, self.actor(s)], -1)).mean()
            self.opt_a.zero_grad()
            pi_loss.backward()
            self.opt_a.step()
            with torch.no_grad():
                for net, tgt in ((self.actor, self.actor_t), (self.critic, self.critic_t)):
                    for p, pt in zip(net.parameters(), tgt.parameters()):
                        pt.mul_(1.0 - cfg.tau).add_(p, alpha=cfg.tau)
            loss_v = float(loss.detach())
        return loss_v
