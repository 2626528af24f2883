"""Scale benchmark of SEAL on one big netlist: enclosing subgraphs and inference per second.

    python -m benchmarks.linkpred_scale [--components 100000] [--queries 1000] [--device auto]

Generates a netlist of `--components` components (`models.seal.synth.large_circuit`: small cells
sharing the rails vdd and 0, so the rails are hubs with tens of thousands of pins), builds its
pin-net graph, and times, for `--queries` random (pin, net) queries with the pin's connection
hidden: batched extraction (subgraphs/s), SEAL inference including extraction (subgraphs/s) and
the seconds per 1,000 queries. The same queries extracted one at a time with PyG's
`k_hop_subgraph` (the PyG SEAL example's way) on a sample give the baseline ratio, measured in
the same run. Writes OUT/scale.json and OUT/scale.md. Only stdlib and typer at import.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer


def run_scale(components: int = 100_000, queries: int = 1000, batch: int = 256,
              device: str = "auto", naive_sample: int = 50, out: Path = Path("out/bench_linkpred"),
              echo=print) -> dict:
    """Run the scale benchmark (see module doc) and return its figures."""
    import torch

    from models.seal.extract import enclosing_subgraphs
    from models.seal.graph import pin_net_graph
    from models.seal.synth import large_circuit
    from eda.device import resolve_device
    from models.seal.train import Config, LinkModel

    torch.set_num_threads(1)
    dev = resolve_device(device)
    t0 = time.perf_counter()
    c = large_circuit(components)
    t1 = time.perf_counter()
    g = pin_net_graph(c, "big")
    t2 = time.perf_counter()
    gen = torch.Generator().manual_seed(0)
    pins = torch.nonzero(~g.is_net).flatten()
    nets = torch.nonzero(g.is_net).flatten()
    p = pins[torch.randint(0, pins.numel(), (queries,), generator=gen)]
    n = nets[torch.randint(0, nets.numel(), (queries,), generator=gen)]
    t = g.pin_net[p]
    cfg = Config()
    res = {"components": len(c.items), "pins": int(pins.numel()), "nets": int(nets.numel()),
           "edges": g.num_edges // 2, "max_net_pins": int((g.rowptr[1:] - g.rowptr[:-1])[nets].max()),
           "generate_s": round(t1 - t0, 2), "graph_s": round(t2 - t1, 2), "queries": queries,
           "num_hops": cfg.num_hops, "max_degree": cfg.max_degree,
           "max_nodes_per_hop": cfg.max_nodes_per_hop, "threads": 1}
    for name, d in [("cpu", torch.device("cpu"))] + ([("cuda", dev)] if dev.type == "cuda" else []):
        gd = g.to(d)
        pd, nd, td = p.to(d), n.to(d), t.to(d)

        def sync():
            if d.type == "cuda":
                torch.cuda.synchronize()

        # warm-up (CUDA kernels, allocator)
        enclosing_subgraphs(gd, pd[:64], nd[:64], pd[:64], td[:64], cfg.num_hops,
                            cfg.max_nodes_per_hop, cfg.max_degree, cfg.max_z, gen)
        sync()
        ts = time.perf_counter()
        nodes = 0
        for i in range(0, queries, batch):
            s = slice(i, i + batch)
            sb = enclosing_subgraphs(gd, pd[s], nd[s], pd[s], td[s], cfg.num_hops,
                                     cfg.max_nodes_per_hop, cfg.max_degree, cfg.max_z, gen)
            nodes += sb.node.numel()
        sync()
        ext = time.perf_counter() - ts
        model = LinkModel(cfg, g.x.shape[1], 30, d)
        model.score(gd, pd[:64], nd[:64], pd[:64], td[:64], batch_size=batch)
        sync()
        ts = time.perf_counter()
        model.score(gd, pd, nd, pd, td, batch_size=batch)
        sync()
        inf = time.perf_counter() - ts
        res[name] = {"extract_subgraphs_per_s": round(queries / ext, 1),
                     "extract_s_per_1000": round(1000 * ext / queries, 3),
                     "mean_subgraph_nodes": round(nodes / queries, 1),
                     "inference_subgraphs_per_s": round(queries / inf, 1),
                     "inference_s_per_1000": round(1000 * inf / queries, 3)}
    # baseline: one query at a time with PyG's k_hop_subgraph (no hub cap, no hidden edge)
    from torch_geometric.utils import k_hop_subgraph
    ei = torch.stack([g.src, g.col])
    m = min(naive_sample, queries)
    ts = time.perf_counter()
    sizes = 0
    for i in range(m):
        sub, _, _, _ = k_hop_subgraph(torch.stack([p[i], n[i]]), cfg.num_hops, ei,
                                      num_nodes=g.num_nodes)
        sizes += sub.numel()
    naive = (time.perf_counter() - ts) / m
    res["pyg_k_hop_per_query"] = {"queries": m, "subgraphs_per_s": round(1 / naive, 1),
                                  "s_per_1000": round(1000 * naive, 2),
                                  "mean_subgraph_nodes": round(sizes / m, 1)}
    res["speedup_vs_pyg_k_hop_cpu"] = round(res["cpu"]["extract_subgraphs_per_s"] * naive, 1)
    out.mkdir(parents=True, exist_ok=True)
    from eda.fileio import atomic_write
    atomic_write(out / "scale.json", json.dumps(res, indent=1) + "\n")
    md = _markdown(res)
    atomic_write(out / "scale.md", md)
    echo(md)
    return res


def _markdown(r: dict) -> str:
    lines = [f"# SEAL scale benchmark: {r['components']:,} components, {r['pins']:,} pins, "
             f"{r['nets']:,} nets (largest net {r['max_net_pins']:,} pins)", "",
             f"{r['queries']} queries, {r['num_hops']} hops, hub cap {r['max_degree']}, "
             f"{r['max_nodes_per_hop']} new nodes per hop; 1 CPU thread; netlist generated in "
             f"{r['generate_s']} s, graph built in {r['graph_s']} s.", "",
             "| device | extraction subgraphs/s | s per 1,000 | inference (incl. extraction) "
             "subgraphs/s | s per 1,000 | mean nodes |", "|---|---|---|---|---|---|"]
    for d in ("cpu", "cuda"):
        if d in r:
            x = r[d]
            lines.append(f"| {d} | {x['extract_subgraphs_per_s']:,} | {x['extract_s_per_1000']} | "
                         f"{x['inference_subgraphs_per_s']:,} | {x['inference_s_per_1000']} | "
                         f"{x['mean_subgraph_nodes']} |")
    b = r["pyg_k_hop_per_query"]
    lines.append(f"| cpu, PyG k_hop_subgraph one query at a time | {b['subgraphs_per_s']:,} | "
                 f"{b['s_per_1000']} | | | {b['mean_subgraph_nodes']} |")
    lines += ["", f"Batched extraction is {r['speedup_vs_pyg_k_hop_cpu']}x the per-query "
              "k_hop_subgraph rate on CPU (same run)."]
    return "\n".join(lines) + "\n"


def bench_linkpred_scale_command(
        components: int = typer.Option(100_000, "--components"),
        queries: int = typer.Option(1000, "--queries"),
        batch: int = typer.Option(256, "--batch"),
        device: str = typer.Option("auto", "--device", help="auto | cpu | cuda (CPU always runs)."),
        out: Path = typer.Option(Path("out/bench_linkpred"), "-o", "--output")) -> None:
    """Extraction and inference speed of SEAL on a generated 100k-component netlist."""
    run_scale(components, queries, batch, device, out=out, echo=typer.echo)


if __name__ == "__main__":
    app = typer.Typer(add_completion=False)
    app.command()(bench_linkpred_scale_command)
    sys.exit(app())
