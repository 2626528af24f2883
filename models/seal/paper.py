"""The GNN-ACLP paper's protocol, reproduced for comparison (not our headline).

All circuits of a dataset form one graph (the clique port graph, `graph.clique_graph`); its
positive links are the net edges between pins. 5-fold cross-validation over those edges: the
test fold's edges are removed from the graph, the other folds are training positives (each
removed from its own enclosing subgraph). Negatives are pin pairs drawn uniformly from the whole
multi-circuit graph that are not linked (almost always two different circuits: the leak recorded
in REFERENCES), as many as positives. Scores: accuracy at 0.5 and ROC-AUC. We also score the
same test positives against same-circuit negatives, which shows how much of the paper's figure
the global negatives give away.
"""
from __future__ import annotations

import torch

from .graph import LinkGraph, without_edges
from .train import Config, LinkModel, auc, fit_pairs, k_percentile_pairs


def folds(g: LinkGraph, n_folds: int = 5, seed: int = 0) -> list[torch.Tensor]:
    """Indices into `g.net_edges` of each fold (a seeded permutation cut in `n_folds`)."""
    k = g.net_edges.shape[1]
    perm = torch.randperm(k, generator=torch.Generator().manual_seed(seed))
    return list(torch.tensor_split(perm, n_folds))


def _edge_keys(g: LinkGraph) -> torch.Tensor:
    n = g.num_nodes
    return torch.sort(g.src * n + g.col).values


def global_negatives(g: LinkGraph, count: int, gen, keys: torch.Tensor | None = None
                     ) -> torch.Tensor:
    """(2, count) random unlinked pin pairs anywhere in the graph (the paper's negatives)."""
    keys = _edge_keys(g) if keys is None else keys
    n = g.num_nodes
    out = []
    have = 0
    while have < count:
        m = 2 * (count - have) + 16
        u = torch.randint(0, n, (m,), generator=gen)
        v = torch.randint(0, n, (m,), generator=gen)
        ok = (u != v) & ~torch.isin(u * n + v, keys)
        pair = torch.stack([u[ok], v[ok]])[:, :count - have]
        out.append(pair)
        have += pair.shape[1]
    return torch.cat(out, 1)


def same_circuit_negatives(g: LinkGraph, count: int, gen, keys: torch.Tensor | None = None
                           ) -> torch.Tensor:
    """(2, count) random unlinked pin pairs inside one circuit (the harder, fair negatives)."""
    keys = _edge_keys(g) if keys is None else keys
    n = g.num_nodes
    counts = torch.bincount(g.circuit, minlength=len(g.circuit_names))
    start = torch.cumsum(counts, 0) - counts
    big = torch.nonzero(counts >= 2).flatten()
    out, have = [], 0
    while have < count:
        m = 2 * (count - have) + 16
        c = big[torch.randint(0, big.numel(), (m,), generator=gen)]
        u = start[c] + (torch.rand(m, generator=gen) * counts[c]).long()
        v = start[c] + (torch.rand(m, generator=gen) * counts[c]).long()
        ok = (u != v) & ~torch.isin(u * n + v, keys)
        pair = torch.stack([u[ok], v[ok]])[:, :count - have]
        out.append(pair)
        have += pair.shape[1]
    return torch.cat(out, 1)


def _pairs(pos: torch.Tensor, neg: torch.Tensor, drop_pos: bool):
    a = torch.cat([pos[0], neg[0]])
    b = torch.cat([pos[1], neg[1]])
    none = torch.full((neg.shape[1],), -1, dtype=torch.long)
    da = torch.cat([pos[0] if drop_pos else torch.full_like(pos[0], -1), none])
    db = torch.cat([pos[1] if drop_pos else torch.full_like(pos[1], -1), none])
    y = torch.cat([torch.ones(pos.shape[1]), torch.zeros(neg.shape[1])])
    return a, b, da, db, y


def train_paper(g: LinkGraph, train_pos: torch.Tensor, cfg: Config, device="cpu",
                progress=None, log=None) -> LinkModel:
    """Fit on `train_pos` (edges present in `g`) against fresh global negatives each epoch."""
    gen = torch.Generator().manual_seed(cfg.seed)
    keys = _edge_keys(g)
    k = None
    if cfg.model == "seal":
        sample = train_pos[:, torch.randperm(train_pos.shape[1], generator=gen)[:500]]
        k = k_percentile_pairs(g, *_pairs(sample, global_negatives(g, sample.shape[1], gen,
                                                                     keys), True)[:4], cfg, gen)
    model = LinkModel(cfg, g.x.shape[1], k, device)
    model.world = "graph"

    def epoch(ep, gen):
        pos = train_pos
        if cfg.max_queries and pos.shape[1] > cfg.max_queries:
            pos = pos[:, torch.randperm(pos.shape[1], generator=gen)[:cfg.max_queries]]
        neg = global_negatives(g, pos.shape[1], gen, keys)
        return (*_pairs(pos, neg, True), 1)

    fit_pairs(model, g.to(model.device), epoch, cfg.epochs, progress, log)
    return model


def evaluate_paper(model: LinkModel, g: LinkGraph, test_pos: torch.Tensor, seed: int = 0,
                   max_pairs: int | None = None, full: LinkGraph | None = None) -> dict:
    """Accuracy at 0.5 and AUC of `test_pos` (already removed from `g`) against global and
    against same-circuit negatives (unlinked in `full`, the graph with every edge)."""
    gen = torch.Generator().manual_seed(seed + 7)
    if max_pairs and test_pos.shape[1] > max_pairs:
        test_pos = test_pos[:, torch.randperm(test_pos.shape[1], generator=gen)[:max_pairs]]
    keys = _edge_keys(full if full is not None else g)
    model.world = "graph"
    out = {"test_positives": int(test_pos.shape[1])}
    gd = g.to(model.device)
    for tag, neg in (("", global_negatives(g, test_pos.shape[1], gen, keys)),
                     ("_same_circuit", same_circuit_negatives(g, test_pos.shape[1], gen, keys))):
        a, b, da, db, y = _pairs(test_pos, neg, False)
        s = model.score(gd, a.to(model.device), b.to(model.device), da.to(model.device),
                        db.to(model.device))
        out["accuracy" + tag] = float(((s >= 0.5).float() == y).float().mean())
        out["auc" + tag] = auc(s, y)
    return out


def run_fold(g: LinkGraph, fold_list: list[torch.Tensor], f: int, cfg: Config, device="cpu",
             max_test: int | None = None, progress=None) -> tuple[LinkModel, dict, LinkGraph,
                                                                  torch.Tensor]:
    """Train on every fold but `f`, test on fold `f`; returns (model, metrics, fold graph,
    test positives)."""
    test_pos = g.net_edges[:, fold_list[f]]
    train_idx = torch.cat([fold_list[i] for i in range(len(fold_list)) if i != f])
    gf = without_edges(g, test_pos)
    model = train_paper(gf, g.net_edges[:, train_idx], cfg, device, progress)
    res = evaluate_paper(model, gf, test_pos, cfg.seed, max_test, full=g)
    return model, res, gf, test_pos
