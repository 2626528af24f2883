"""DDPG (Lillicrap et al. 2016), the actor-critic L2DC trains, in PyTorch (CPU or CUDA), with
TD3's fixes (Fujimoto et al. 2018) on by default (`twin`): two critics and the smaller target
(few samples make a single critic over-optimistic where it has seen nothing, and the actor runs
there), target-policy smoothing and delayed actor updates. `twin=False` is plain DDPG.

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

from eda.device import resolve_device


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
    twin: bool = True            # TD3: two critics, the smaller target, delayed actor, smoothing
    policy_delay: int = 2
    target_noise: float = 0.1


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
        self.device = resolve_device(device)
        torch.manual_seed(seed)
        h = self.cfg.hidden
        self.actor = _mlp(obs_dim, act_dim, h, nn.Tanh()).to(self.device)
        self.critic = _mlp(obs_dim + act_dim, 1, h).to(self.device)
        self.actor_t = _mlp(obs_dim, act_dim, h, nn.Tanh()).to(self.device)
        self.critic_t = _mlp(obs_dim + act_dim, 1, h).to(self.device)
        self.actor_t.load_state_dict(self.actor.state_dict())
        self.critic_t.load_state_dict(self.critic.state_dict())
        critic_params = list(self.critic.parameters())
        if self.cfg.twin:
            self.critic2 = _mlp(obs_dim + act_dim, 1, h).to(self.device)
            self.critic2_t = _mlp(obs_dim + act_dim, 1, h).to(self.device)
            self.critic2_t.load_state_dict(self.critic2.state_dict())
            critic_params += list(self.critic2.parameters())
        self.opt_a = torch.optim.Adam(self.actor.parameters(), lr=self.cfg.actor_lr)
        self.opt_c = torch.optim.Adam(critic_params, lr=self.cfg.critic_lr)
        self.steps = 0
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
        """Q(s, a) for a batch (with twin critics, the smaller of the two: pessimistic)."""
        sa = torch.cat([self._t(obs), self._t(act)], -1)
        q = self.critic(sa)
        if self.cfg.twin:
            q = torch.minimum(q, self.critic2(sa))
        return q.cpu().numpy()[:, 0]

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
                a2 = self.actor_t(s2)
                if cfg.twin:
                    a2 = (a2 + (cfg.target_noise * torch.randn_like(a2)).clamp(-0.5, 0.5)).clamp(-1, 1)
                s2a2 = torch.cat([s2, a2], -1)
                q2 = self.critic_t(s2a2)
                if cfg.twin:
                    q2 = torch.minimum(q2, self.critic2_t(s2a2))
                y = r + cfg.gamma * (1.0 - d) * q2
            sa = torch.cat([s, a], -1)
            loss = nn.functional.mse_loss(self.critic(sa), y)
            if cfg.twin:
                loss = loss + nn.functional.mse_loss(self.critic2(sa), y)
            self.opt_c.zero_grad()
            loss.backward()
            self.opt_c.step()
            self.steps += 1
            if cfg.twin and self.steps % cfg.policy_delay:
                loss_v = float(loss.detach())
                continue
            pi_loss = -self.critic(torch.cat([s, self.actor(s)], -1)).mean()
            self.opt_a.zero_grad()
            pi_loss.backward()
            self.opt_a.step()
            pairs = [(self.actor, self.actor_t), (self.critic, self.critic_t)]
            if cfg.twin:
                pairs.append((self.critic2, self.critic2_t))
            with torch.no_grad():
                for net, tgt in pairs:
                    for p, pt in zip(net.parameters(), tgt.parameters()):
                        pt.mul_(1.0 - cfg.tau).add_(p, alpha=cfg.tau)
            loss_v = float(loss.detach())
        return loss_v
