"""Predicted-vs-true scatter plots (PNG bytes) for `eda timing predict` when labels are available."""
from __future__ import annotations

import io

import numpy as np


def scatter_png(panels: list[tuple[str, np.ndarray, np.ndarray, float]]) -> bytes:
    """One panel per (title, true, predicted, R2): points, the y = x line, R2 in the title."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.0), squeeze=False)
    for ax, (title, y, p, r2) in zip(axes[0], panels):
        m = np.isfinite(y) & np.isfinite(p)
        y, p = y[m], p[m]
        ax.scatter(y, p, s=3, alpha=0.4, linewidths=0)
        if len(y):
            lo, hi = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
            ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        ax.set_title(f"{title} (R2 {r2:.3f}, n={len(y)})", fontsize=9)
        ax.set_xlabel("OpenSTA (ns)")
        ax.set_ylabel("predicted (ns)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
