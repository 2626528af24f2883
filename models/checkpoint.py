"""Model files that load without running code: `torch.save` of tensors and plain values only.

Checkpoints are read with ``torch.load(weights_only=True)``, which refuses pickled objects (a
crafted `.pt` whose unpickling calls `os.system` raises instead of running). Saving converts
numpy values and paths to plain types first so every file we write loads under that rule.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from eda.errors import EdaError
from eda.fileio import atomic_write


def plain(obj: Any) -> Any:
    """`obj` with numpy values, paths and tuples turned into types `weights_only` accepts."""
    import numpy as np
    import torch
    if isinstance(obj, torch.Tensor) or obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, (int, str)) else k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)


def save_checkpoint(path: Path, state: dict) -> None:
    """Write `state` (tensors and plain values) atomically to `path`."""
    import torch
    buf = io.BytesIO()
    torch.save(plain(state), buf)
    atomic_write(path, buf.getvalue())


def load_checkpoint(path: Path, what: str) -> dict:
    """The dict saved in `path`; a one-line `EdaError` for a missing, foreign or unsafe file."""
    import torch
    if not Path(path).is_file():
        raise EdaError(f"{path}: model file not found")
    try:
        st = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated, foreign, or holding pickled objects (refused, not run)
        raise EdaError(f"{path}: not {what} (unreadable or not a plain-tensor checkpoint: "
                       f"{type(e).__name__})") from None
    if not isinstance(st, dict):
        raise EdaError(f"{path}: not {what}")
    return st
