"""The torch device a `--device` option names: `auto` = CUDA when present, else CPU (torch imported lazily)."""
from __future__ import annotations


def resolve_device(device: str = "auto"):
    """`auto` -> CUDA when available, else CPU; otherwise the named device (`cpu`, `cuda`, `cuda:1`)."""
    import torch
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
