"""Batched k-hop enclosing subgraphs with DRNL labels, in tensor operations only.

A batch of B queries (a_i, b_i) on one CSR graph is processed at once: the node set of query i is
kept as keys ``i * N + node`` in one sorted tensor, a hop expands every (query, node) pair of the
frontier through the CSR arrays (`repeat_interleave` + gathers), and membership tests are
`searchsorted` on the sorted keys. No Python loop runs per node or per query, only per hop and
per BFS step, so the same code runs on CPU and CUDA.

Each query may name one undirected edge (drop_a_i, drop_b_i) that does not exist in its world:
the hidden connection (our protocol) or the target link itself (SEAL removes a positive link from
its own subgraph). Hubs are bounded: a node of degree above `max_degree` contributes at most
`max_degree` sampled neighbours per hop, and `max_nodes_per_hop` caps each query's new nodes per
hop (sampled). Edges between two such hubs are left out of the subgraphs.

DRNL (Zhang & Chen, SEAL, 2018): with d_a the distance to a in the subgraph without b and d_b the
distance to b without a, d = d_a + d_b, z = 1 + min(d_a, d_b) + (d//2) * (d//2 + d%2 - 1),
z = 1 at a and b, z = 0 where either distance is unreachable (capped at `max_dist` steps).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .graph import LinkGraph

INF = 1 << 30


@dataclass
class SubgraphBatch:
    """Disjoint union of the enclosing subgraphs of a batch of queries.

    `node[j]` is the original node index of subgraph node j, `batch[j]` its query, `z[j]` its
    DRNL label; `edge_index` indexes subgraph nodes (both directions); `center` (2, B) the
    positions of a_i and b_i.
    """

    node: torch.Tensor
    batch: torch.Tensor
    z: torch.Tensor
    edge_index: torch.Tensor
    center: torch.Tensor
    num_graphs: int

    def sizes(self) -> torch.Tensor:
        return torch.bincount(self.batch, minlength=self.num_graphs)


def _expand(rowptr: torch.Tensor, col: torch.Tensor, nodes: torch.Tensor,
            max_degree: int | None, gen: torch.Generator | None):
    """(position in `nodes`, neighbour) for the neighbours of `nodes` (hubs sampled)."""
    dev = nodes.device
    start = rowptr[nodes]
    deg = rowptr[nodes + 1] - start
    cnt = deg.clamp(max=max_degree) if max_degree else deg
    total = int(cnt.sum())
    rep = torch.repeat_interleave(torch.arange(nodes.numel(), device=dev), cnt,
                                  output_size=total)
    first = torch.cumsum(cnt, 0) - cnt
    off = torch.arange(total, device=dev) - first[rep]
    if max_degree:
        big = (deg > max_degree)[rep]
        if bool(big.any()):
            r = torch.rand(int(big.sum()), generator=gen, device="cpu").to(dev)
            off[big] = (r * deg[rep][big]).long().clamp(max=deg[rep][big] - 1)
    return rep, col[start[rep] + off]


def _dropped(q, u, v, drop_a, drop_b) -> torch.Tensor:
    da, db = drop_a[q], drop_b[q]
    return ((u == da) & (v == db)) | ((u == db) & (v == da))


def _cap_per_query(keys: torch.Tensor, n: int, cap: int, gen) -> torch.Tensor:
    """At most `cap` random keys per query (keys = query * n + node)."""
    q = keys // n
    counts = torch.bincount(q)
    if int(counts.max()) <= cap:
        return keys
    r = torch.rand(keys.numel(), generator=gen, device="cpu").to(keys.device)
    order = torch.argsort(r)
    order = order[torch.argsort(q[order], stable=True)]
    qs = q[order]
    starts = torch.cumsum(torch.bincount(qs, minlength=int(q.max()) + 1), 0)
    rank = torch.arange(keys.numel(), device=keys.device) - (starts - torch.bincount(
        qs, minlength=int(q.max()) + 1))[qs]
    return torch.sort(keys[order][rank < cap]).values


def _bfs(t: int, s: torch.Tensor, d: torch.Tensor, sources: torch.Tensor, blocked: torch.Tensor,
         max_dist: int) -> torch.Tensor:
    """Hop distance of every node to its own query's source (INF if not reached)."""
    dev = s.device
    dist = torch.full((t,), INF, dtype=torch.long, device=dev)
    dist[sources] = 0
    frontier = torch.zeros(t, dtype=torch.bool, device=dev)
    frontier[sources] = True
    free = torch.ones(t, dtype=torch.bool, device=dev)
    free[blocked] = False
    for step in range(1, max_dist + 1):
        nxt = torch.zeros(t, dtype=torch.bool, device=dev)
        nxt[d[frontier[s]]] = True
        nxt &= (dist == INF) & free
        if not bool(nxt.any()):
            break
        dist[nxt] = step
        frontier = nxt
    return dist


def drnl(dist_a: torch.Tensor, dist_b: torch.Tensor, max_z: int) -> torch.Tensor:
    """Double-radius node labels from the two distance vectors (INF = unreachable)."""
    unreachable = (dist_a >= INF) | (dist_b >= INF)
    da = dist_a.clamp(max=INF // 4)
    db = dist_b.clamp(max=INF // 4)
    d = da + db
    half, odd = d // 2, d % 2
    z = 1 + torch.minimum(da, db) + half * (half + odd - 1)
    z = torch.where(unreachable, torch.zeros_like(z), z)
    z = torch.where((da == 0) | (db == 0), torch.ones_like(z), z)
    return z.clamp(max=max_z)


def enclosing_subgraphs(g: LinkGraph, a: torch.Tensor, b: torch.Tensor,
                        drop_a: torch.Tensor | None = None, drop_b: torch.Tensor | None = None,
                        num_hops: int = 2, max_nodes_per_hop: int | None = None,
                        max_degree: int | None = 200, max_z: int = 50,
                        gen: torch.Generator | None = None) -> SubgraphBatch:
    """The k-hop enclosing subgraphs of the queries (a_i, b_i) (see module doc).

    `drop_a`/`drop_b` (default: a/b, i.e. the target link is removed) name the edge each query
    must not see; -1 means none.
    """
    dev = g.rowptr.device
    a = a.to(dev).long()
    b = b.to(dev).long()
    bq = a.numel()
    drop_a = a if drop_a is None else drop_a.to(dev).long()
    drop_b = b if drop_b is None else drop_b.to(dev).long()
    n = g.num_nodes
    rowptr, col = g.rowptr, g.col
    qidx = torch.arange(bq, device=dev)
    visited = torch.unique(torch.cat([qidx * n + a, qidx * n + b]))
    frontier = visited
    for _ in range(num_hops):
        if frontier.numel() == 0:
            break
        fq, fu = frontier // n, frontier % n
        rep, v = _expand(rowptr, col, fu, max_degree, gen)
        q, u = fq[rep], fu[rep]
        keep = ~_dropped(q, u, v, drop_a, drop_b)
        new = torch.unique(q[keep] * n + v[keep])
        new = new[~torch.isin(new, visited)]
        if max_nodes_per_hop and new.numel():
            new = _cap_per_query(new, n, max_nodes_per_hop, gen)
        visited = torch.cat([visited, new])
        frontier = new
    keys = torch.sort(visited).values
    kq, ku = keys // n, keys % n
    # induced edges: expand from non-hub nodes; hub-side edges come by reversal
    deg = rowptr[ku + 1] - rowptr[ku]
    small = deg <= max_degree if max_degree else torch.ones_like(deg, dtype=torch.bool)
    spos = torch.nonzero(small).flatten()
    rep, v = _expand(rowptr, col, ku[spos], None, None)
    src_pos = spos[rep]
    q = kq[src_pos]
    tk = q * n + v
    pos = torch.searchsorted(keys, tk).clamp(max=keys.numel() - 1)
    found = (keys[pos] == tk) & ~_dropped(q, ku[src_pos], v, drop_a, drop_b)
    s, d = src_pos[found], pos[found]
    if max_degree:
        hub = ~small[d]
        s, d = torch.cat([s, d[hub]]), torch.cat([d, s[hub]])
    pa = torch.searchsorted(keys, qidx * n + a)
    pb = torch.searchsorted(keys, qidx * n + b)
    t = keys.numel()
    max_dist = 2 * num_hops + 2
    dist_a = _bfs(t, s, d, pa, pb, max_dist)
    dist_b = _bfs(t, s, d, pb, pa, max_dist)
    z = drnl(dist_a, dist_b, max_z)
    return SubgraphBatch(ku, kq, z, torch.stack([s, d]), torch.stack([pa, pb]), bq)
