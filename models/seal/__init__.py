"""SEAL link prediction on analog netlists (GNN-ACLP), with the paper's protocol and ours.

Modules: `graph` (pin-net and clique graphs of circuits), `data` (PyG datasets of the three
public sets), `extract` (batched enclosing subgraphs + DRNL), `model` (DGCNN, GAE baseline),
`train` (fitting, scoring, our ranking protocol), `paper` (the paper's 5-fold protocol),
`predict` (rank nets for one pin), `cli_app` (the `eda linkpred` commands).
Importing this package loads nothing heavy.
"""
