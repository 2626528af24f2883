"""CircuitSense-style symbolic circuit reasoning: our own seeded generator, labels checked by ngspice, a scorer.

- `generate`: random circuits on an m x n node grid (IR -> SPICE), by difficulty level
- `labels`:   V(out)/V(in) from lcapy in a worker with a timeout, cross-checked by ngspice AC
- `score`:    sympy equivalence, then numeric comparison at random points (a sign flip is wrong)
- `official`: the official `Domain/Level/qN/` layout and the shared sample `items.jsonl`
- `adapter`:  items, prompts and scorers for the batch runner (`benchmarks.runner`)
"""
