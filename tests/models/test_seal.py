"""SEAL building blocks: DRNL labels, batched extraction vs a networkx reference, learning."""
from __future__ import annotations

import math
import random

import networkx as nx
import pytest
import torch

from models.seal.extract import INF, drnl, enclosing_subgraphs
from models.seal.graph import LinkGraph, _csr, name_flags, pin_net_graph, rail_flags
from models.seal.train import (Config, auc, evaluate_ours, pin_queries, ranking_metrics,
                               row_softmax_ce, split_circuits, train_ours)


def graph_of(edges: list[tuple[int, int]], n: int) -> LinkGraph:
    e = torch.tensor(edges, dtype=torch.long).t()
    rowptr, col = _csr(torch.cat([e, e.flip(0)], 1), n)
    z = torch.zeros(n, dtype=torch.long)
    return LinkGraph(torch.zeros((n, 1)), rowptr, col, torch.zeros(n, dtype=torch.bool),
                     torch.full((n,), -1), z, z.clone(), [str(i) for i in range(n)], ["g"])


def labels_by_node(sb, q: int) -> dict[int, int]:
    m = sb.batch == q
    return dict(zip(sb.node[m].tolist(), sb.z[m].tolist()))


def test_drnl_on_a_hand_graph() -> None:
    # a=0, b=1, c=2 joined to both, d=3 behind c, e=4 hangs off a only
    g = graph_of([(0, 2), (2, 1), (2, 3), (0, 4)], 5)
    sb = enclosing_subgraphs(g, torch.tensor([0]), torch.tensor([1]), num_hops=2,
                             max_degree=None)
    z = labels_by_node(sb, 0)
    # targets 1; c at (1,1) -> 2; d at (2,2) -> 5; e reaches b only through a -> 0
    assert z == {0: 1, 1: 1, 2: 2, 3: 5, 4: 0}
    assert drnl(torch.tensor([1, 1, 2, 3]), torch.tensor([2, 3, 2, INF]), 50).tolist() == [3, 4, 5, 0]


def naive(G: nx.Graph, a: int, b: int, drop, k: int, max_dist: int):
    """Reference: networkx balls, induced subgraph, distances with the other target removed."""
    H = G.copy()
    if drop is not None and H.has_edge(*drop):
        H.remove_edge(*drop)
    nodes = set(nx.single_source_shortest_path_length(H, a, cutoff=k)) | \
        set(nx.single_source_shortest_path_length(H, b, cutoff=k))
    S = H.subgraph(nodes)
    da = nx.single_source_shortest_path_length(S.subgraph(nodes - {b}), a, cutoff=max_dist)
    db = nx.single_source_shortest_path_length(S.subgraph(nodes - {a}), b, cutoff=max_dist)
    z = {}
    for u in nodes:
        x, y = da.get(u, INF), db.get(u, INF)
        z[u] = int(drnl(torch.tensor([x]), torch.tensor([y]), 50)[0])
    z[a] = z[b] = 1
    return nodes, {frozenset(e) for e in S.edges()}, z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_extraction_matches_networkx(seed: int) -> None:
    rng = random.Random(seed)
    G = nx.gnm_random_graph(40, 70, seed=seed)
    g = graph_of(list(G.edges()), 40)
    qs = []
    for _ in range(12):
        a, b = rng.sample(range(40), 2)
        drop = rng.choice(list(G.edges())) if rng.random() < 0.5 else (a, b)
        qs.append((a, b, drop))
    k = 2
    sb = enclosing_subgraphs(g, torch.tensor([q[0] for q in qs]), torch.tensor([q[1] for q in qs]),
                             torch.tensor([q[2][0] for q in qs]), torch.tensor([q[2][1] for q in qs]),
                             num_hops=k, max_nodes_per_hop=None, max_degree=None)
    for i, (a, b, drop) in enumerate(qs):
        nodes, edges, z = naive(G, a, b, drop, k, 2 * k + 2)
        m = sb.batch == i
        pos = torch.nonzero(m).flatten()
        got_nodes = sb.node[pos].tolist()
        assert set(got_nodes) == nodes
        emask = m[sb.edge_index[0]]
        got_edges = {frozenset((int(sb.node[u]), int(sb.node[v])))
                     for u, v in sb.edge_index[:, emask].t().tolist()}
        assert got_edges == edges
        assert labels_by_node(sb, i) == z
        assert int(sb.node[sb.center[0, i]]) == a and int(sb.node[sb.center[1, i]]) == b


def test_hubs_are_bounded() -> None:
    # a star of 500 leaves: with max_degree 20 a query touching the hub stays small
    g = graph_of([(0, i) for i in range(1, 501)], 501)
    sb = enclosing_subgraphs(g, torch.tensor([1, 2]), torch.tensor([3, 4]), num_hops=2,
                             max_degree=20, max_nodes_per_hop=None)
    assert int(sb.sizes().max()) <= 2 + 1 + 2 * 20
    full = enclosing_subgraphs(g, torch.tensor([1]), torch.tensor([3]), num_hops=2, max_degree=None)
    assert int(full.sizes()[0]) == 501


def test_ranking_metrics_and_auc() -> None:
    q = torch.tensor([0, 0, 0, 1, 1])
    s = torch.tensor([0.9, 0.5, 0.1, 0.3, 0.3])
    y = torch.tensor([1.0, 0, 0, 1, 0])
    r = ranking_metrics(q, s, y)
    assert r["hits@1"] == 0.5 and r["mrr"] == pytest.approx(0.75)   # tie counts against
    assert auc(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])) == 0.75
    assert rail_flags("0") == (1.0, 0.0) and rail_flags("VDD") == (0.0, 1.0)
    assert rail_flags("net3") == (0.0, 0.0)


def test_net_name_flags() -> None:
    # (low rail, high rail, input, output, no-connect)
    assert name_flags("GND") == (1, 0, 0, 0, 0) and name_flags("sub/vss") == (1, 0, 0, 0, 0)
    for high in ("VDD", "5V_L", "3.3V", "+12V", "/12V+", "vcc"):
        assert name_flags(high) == (0, 1, 0, 0, 0), high
    assert name_flags("IN") == (0, 0, 1, 0, 0) and name_flags("vin1") == (0, 0, 1, 0, 0)
    assert name_flags("OUT4") == (0, 0, 0, 1, 0) and name_flags("Vout") == (0, 0, 0, 1, 0)
    assert name_flags("NC_07") == (0, 0, 0, 0, 1)
    for plain in ("N001", "Net-_C1-Pad1_", "2", "A", "input_bias"):
        assert name_flags(plain) == (0, 0, 0, 0, 0), plain
    assert name_flags("GND", 2) == rail_flags("GND")


def test_row_softmax_ce_matches_cross_entropy() -> None:
    torch.manual_seed(0)
    out = torch.randn(12)
    # equal rows of 4, target first: the same as F.cross_entropy
    rep = torch.arange(3).repeat_interleave(4)
    ref = torch.nn.functional.cross_entropy(out.view(3, 4), torch.zeros(3, dtype=torch.long))
    assert float(row_softmax_ce(out, rep, torch.tensor([0, 4, 8]), 3)) == pytest.approx(float(ref))
    # ragged rows (5, 2, 5) and label smoothing, against a per-row loop
    rep = torch.tensor([0] * 5 + [1] * 2 + [2] * 5)
    first = torch.tensor([0, 5, 7])
    want = []
    for r, (lo, hi) in enumerate([(0, 5), (5, 7), (7, 12)]):
        want.append(torch.nn.functional.cross_entropy(out[lo:hi][None], torch.tensor([0]),
                                                      label_smoothing=0.1))
    got = row_softmax_ce(out, rep, first, 3, smoothing=0.1)
    assert float(got) == pytest.approx(float(torch.stack(want).mean()), rel=1e-5)


def test_pin_queries_hide_one_connection(tmp_path) -> None:
    from models.seal.data import NetlistLinks
    from models.seal.synth import write_dataset
    ds = NetlistLinks(write_dataset(tmp_path / "d", 3), cache=False)
    g = ds.merged()
    q = pin_queries(g)
    # every query's true net is among its candidates and has another pin
    deg = g.rowptr[1:] - g.rowptr[:-1]
    assert q.pin.numel() > 0 and bool((deg[q.net] >= 2).all())
    assert bool((g.pin_net[q.pin] == q.net).all())


def test_small_seal_beats_trivial_baselines(tmp_path) -> None:
    torch.set_num_threads(1)
    from models.seal.data import NetlistLinks
    from models.seal.synth import write_dataset
    ds = NetlistLinks(write_dataset(tmp_path / "d", 30, seed=3), cache=False)
    g = ds.merged()
    tr, te = split_circuits(len(ds), 0, 0.25)
    cfg = Config(model="seal", epochs=5, hidden=16, num_hops=2, readout="center", seed=0, lr=3e-3,
                 max_queries=300)
    seal = evaluate_ours(train_ours(g, tr, cfg), g, te)
    # trivial baselines on the same queries: random order (expected Hits@1 = mean 1/candidates)
    # and the most-connected net first
    q = pin_queries(g, te)
    from models.seal.train import all_candidates
    qi, cand, y = all_candidates(q, g)
    deg = (g.rowptr[1:] - g.rowptr[:-1]).double()
    by_degree = ranking_metrics(qi, deg[cand] - y.double(), y)
    random_h1 = float((1.0 / torch.bincount(qi).double()).mean())
    assert seal["hits@1"] > max(by_degree["hits@1"], random_h1) + 0.1, (seal, by_degree, random_h1)
    print(seal, by_degree, random_h1)
    assert seal["auc"] > 0.7


def test_heldout_benchmark_overrides() -> None:
    import typer

    from benchmarks.linkpred_heldout import parse_overrides
    assert parse_overrides("loss=rank, name_flags=2,max_candidates=16,lr=1e-3,net_names=0") == {
        "loss": "rank", "name_flags": 2, "max_candidates": 16, "lr": 1e-3, "net_names": False}
    with pytest.raises(typer.BadParameter):
        parse_overrides("nope=1")
