"""PyG datasets of the GNN-ACLP netlist sets, read through the IR readers of `eda.formats`.

Sources (see `eda.formats.datasets` for the formats):

* ``spicenetlist``: SpiceNetlist, github.com/guanyuanpeterpan/GNN_ACLP (`SpiceNetlist.zip`),
  under ``<data root>/netlists/spicenetlist/JSON``;
* ``image2net``: github.com/24Hoursss/Image2Net folder ``net/``, under
  ``<data root>/netlists/image2net/net``;
* ``masala-chai``: github.com/jitendra-bhandari/Masala-CHAI ``analoggenie.jsonl`` one record per
  file, under ``<data root>/netlists/masala-chai-analoggenie/records``.

Component types are normalised by the readers to the paper's 10 classes (`CLASSES`): Res and
Resistor are one class, so are Cap/Capacitor, diode/Diode, NMOS/PMOS/MOSFET, Op_amp/Diso_amp/...
The node features carry the IR kind, the canonical pin role and the polarity (see `graph`).

A source is a dataset name or a folder in any of the three layouts (a folder holding ``JSON/``,
``net/`` or ``records/``, or the files themselves; each file's format is detected). Each item of
a dataset is one circuit's graph (`pin-net` or `clique`, see `graph`); processed graphs are cached
under ``$EDA_CACHE_DIR/linkpred`` (default ``~/.cache/eda/linkpred``), keyed by the files' names,
sizes and modification times.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch
from torch_geometric.data import Data, InMemoryDataset

from eda.errors import EdaError
from eda.formats.datasets import CLASSES, DATASETS, dataset_files, default_root

from .graph import LinkGraph, clique_graph, merge, pin_net_graph

__all__ = ["CLASSES", "NAMES", "NetlistLinks", "SpiceNetlistLinks", "Image2NetLinks",
           "MasalaChaiLinks", "source_files", "load_graph"]

NAMES = tuple(DATASETS)          # spicenetlist, image2net, masala-chai
_LAYOUT = {"JSON": "spicenetlist", "net": "image2net", "records": "masala-chai"}
_VERSION = "1"


def source_files(source: str | Path, data_root: str | Path | None = None
                 ) -> tuple[str, list[Path], str | None]:
    """(label, files, reader name or None = detect) of a dataset name or folder."""
    s = str(source)
    if s in DATASETS:
        root = Path(data_root) if data_root is not None else default_root()
        if root is not None and not (root / DATASETS[s][0]).is_dir() \
                and (root.parent / DATASETS[s][0]).is_dir():
            root = root.parent           # --data-root may name the netlists/ folder itself
        try:
            files = dataset_files(s, root)
        except (FileNotFoundError, ValueError) as e:
            raise EdaError(f"dataset {s}: {e}") from None
        return s, files, None
    if s.replace("_", "-").lower() in ("masala-chai-analoggenie", "masala_chai"):
        return source_files("masala-chai", data_root)
    p = Path(s)
    if not p.is_dir():
        raise EdaError(f"unknown dataset '{s}' (known: {', '.join(DATASETS)}, or a folder)")
    for sub, name in _LAYOUT.items():
        if (p / sub).is_dir():
            folder, pattern, _ = DATASETS[name]
            files = sorted((f for f in (p / sub).glob(pattern) if f.is_file()
                            and not f.name.startswith(".")), key=_natural)
            return name, files, None
    files = sorted((f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                    and not f.name.lower().startswith("readme")), key=_natural)
    return p.name, files, None


def _natural(p: Path):
    import re
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]


def _cache_root() -> Path:
    root = os.environ.get("EDA_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "eda") / "linkpred"


def _fingerprint(files: list[Path], extra: str) -> str:
    h = hashlib.sha1(f"{_VERSION}|{extra}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _read(path: Path):
    from eda.formats import read
    return read(path)


def _to_data(g: LinkGraph) -> Data:
    src = g.src
    d = Data(x=g.x, edge_index=torch.stack([src, g.col]), num_nodes=g.num_nodes)
    d.is_net, d.pin_net, d.group = g.is_net, g.pin_net, g.group
    if g.net_edges is not None:
        d.net_edge_index = g.net_edges
    d.node_names = g.names
    d.circuit_name = g.circuit_names[0] if g.circuit_names else ""
    return d


def _from_data(d: Data) -> LinkGraph:
    n = int(d.num_nodes)
    rowptr = torch.zeros(n + 1, dtype=torch.long)
    rowptr[1:] = torch.cumsum(torch.bincount(d.edge_index[0], minlength=n), 0)
    return LinkGraph(d.x, rowptr, d.edge_index[1].contiguous(), d.is_net, d.pin_net, d.group,
                     torch.zeros(n, dtype=torch.long), list(d.node_names), [d.circuit_name],
                     getattr(d, "net_edge_index", None))


class NetlistLinks(InMemoryDataset):
    """Circuits of a dataset name or folder as link-prediction graphs (one `Data` each).

    `view`: ``pin-net`` (pins + net nodes, our protocol) or ``clique`` (the paper's port graph).
    Circuits with no pins are skipped (their ids in `skipped`); unreadable files raise the
    reader's one-line error.
    """

    def __init__(self, source: str | Path, data_root: str | Path | None = None,
                 view: str = "pin-net", net_names: bool = True, cache: bool = True,
                 limit: int | None = None, name_flags: int = 5) -> None:
        if view not in ("pin-net", "clique"):
            raise ValueError(f"view must be 'pin-net' or 'clique', not {view!r}")
        self.label, files, _ = source_files(source, data_root)
        if limit is not None:
            files = files[:limit]
        if not files:
            raise EdaError(f"dataset {source}: no netlist files found")
        self.files, self.view, self.net_names = files, view, net_names
        self.name_flags = name_flags
        key = _fingerprint(files, f"{view}|{net_names}|{name_flags}")
        self._key = key
        root = _cache_root() / f"{self.label}-{key}" if cache else None
        super().__init__(str(root) if root else None, log=False)
        if cache and Path(self.processed_paths[0]).exists():
            self.load(self.processed_paths[0])
            self.ids, self.skipped = self._meta()
        else:
            self._build(save=cache)

    @property
    def raw_file_names(self) -> list[str]:
        return []

    @property
    def processed_file_names(self) -> list[str]:
        return [f"{self.view}.pt"]

    def download(self) -> None:
        pass

    def process(self) -> None:   # built in __init__ (PyG would call this before files are set)
        pass

    @property
    def has_download(self) -> bool:
        """No PyG download/process steps: without a cache root PyG would create a '???' folder."""
        return False

    @property
    def has_process(self) -> bool:
        return False

    def _meta(self):
        ids = [str(n) for n in self._data.circuit_name] if hasattr(self._data, "circuit_name") \
            else []
        meta = Path(self.processed_paths[0]).with_suffix(".skipped")
        skipped = meta.read_text().split() if meta.exists() else []
        return ids, skipped

    def _build(self, save: bool) -> None:
        items, skipped = [], []
        for f in self.files:
            c = _read(f)
            g = (pin_net_graph(c, f.stem, self.net_names, self.name_flags) if self.view == "pin-net"
                 else clique_graph(c, f.stem))
            if not bool((~g.is_net).any()) or g.num_nodes == 0:
                skipped.append(f.stem)
                continue
            items.append(_to_data(g))
        if not items:
            raise EdaError(f"dataset {self.label}: no circuit with pins")
        self.ids, self.skipped = [d.circuit_name for d in items], skipped
        if save:
            from eda.fileio import atomic_write
            Path(self.processed_dir).mkdir(parents=True, exist_ok=True)
            self.save(items, self.processed_paths[0])
            atomic_write(Path(self.processed_paths[0]).with_suffix(".skipped"), " ".join(skipped))
            self.load(self.processed_paths[0])
        else:
            self._data, self.slices = self.collate(items)

    def graphs(self, indices=None) -> list[LinkGraph]:
        idx = range(len(self)) if indices is None else indices
        return [_from_data(self[int(i)]) for i in idx]

    def merged(self, indices=None) -> LinkGraph:
        """The selected circuits (all by default) as one disjoint `LinkGraph`."""
        return merge(self.graphs(indices))


class SpiceNetlistLinks(NetlistLinks):
    """SpiceNetlist (GNN-ACLP public release) under ``<root>/netlists/spicenetlist``."""

    def __init__(self, data_root=None, **kw) -> None:
        super().__init__("spicenetlist", data_root, **kw)


class Image2NetLinks(NetlistLinks):
    """Image2Net netlists under ``<root>/netlists/image2net``."""

    def __init__(self, data_root=None, **kw) -> None:
        super().__init__("image2net", data_root, **kw)


class MasalaChaiLinks(NetlistLinks):
    """Masala-CHAI / AnalogGenie records under ``<root>/netlists/masala-chai-analoggenie``."""

    def __init__(self, data_root=None, **kw) -> None:
        super().__init__("masala-chai", data_root, **kw)


def load_graph(source, data_root=None, view: str = "pin-net", **kw) -> tuple[NetlistLinks,
                                                                              LinkGraph]:
    """(dataset, merged graph of all its circuits)."""
    ds = NetlistLinks(source, data_root, view=view, **kw)
    return ds, ds.merged()


def data_root_or_default(data_root):
    """The data root to use: the given one, else `eda.formats.datasets.default_root()`."""
    return data_root if data_root is not None else default_root()
