"""Plots of a SimResult (matplotlib, Agg backend; imported only when plotting)."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..fileio import atomic_write
from .result import SimResult



def plot(result: SimResult, path_png: str | Path, *, vectors: list[str] | None = None,
         max_traces: int = 8) -> Path:
    """Draw every analysis of `result` into one PNG: AC as magnitude (dB) and phase (degrees)
    against log frequency, transient/DC as waveforms, operating point as a table."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    panels = []
    for key, a in result.analyses.items():
        names = [n for n in a.vectors if n != a.scale and not n.startswith("@")]
        if vectors:
            names = [n for n in names if n in {v.lower() for v in vectors}] or names
        else:  # node voltages first, then branch currents
            names = sorted(names, key=lambda n: ("#" in n, n))[:max_traces]
        if a.kind == "ac" and a.scale:
            panels += [("acmag", key, a, names), ("acph", key, a, names)]
        elif a.scale:
            panels.append(("wave", key, a, names))
        else:
            panels.append(("table", key, a, names))
    if not panels:
        panels.append(("empty", "", None, []))
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3.2 * len(panels)), squeeze=False)
    for ax, (what, key, a, names) in zip(axes[:, 0], panels):
        if what == "acmag":
            for n in names:
                with np.errstate(divide="ignore"):
                    ax.semilogx(a.x, 20 * np.log10(np.abs(a.vectors[n])), label=n)
            ax.set_ylabel("magnitude (dB)")
            ax.set_title(f"{key}: magnitude")
        elif what == "acph":
            for n in names:
                ax.semilogx(a.x, np.degrees(np.unwrap(np.angle(a.vectors[n]))), label=n)
            ax.set_ylabel("phase (deg)")
            ax.set_xlabel("frequency (Hz)")
            ax.set_title(f"{key}: phase")
        elif what == "wave":
            for n in names:
                ax.plot(a.x, np.real(a.vectors[n]), label=n)
            ax.set_xlabel(a.scale)
            ax.set_ylabel("value")
            ax.set_title(key)
        elif what == "table":
            rows = [[n, f"{float(np.real(a.vectors[n][0])):.6g}"] for n in
                    sorted(a.vectors, key=lambda n: ("#" in n, n)) if len(a.vectors[n])]
            ax.axis("off")
            ax.set_title(f"{key}: operating point")
            if rows:
                ax.table(cellText=rows, colLabels=["vector", "value"], loc="center")
        else:
            ax.axis("off")
            ax.text(0.5, 0.5, "no analyses", ha="center")
        if what in ("acmag", "acph", "wave") and names:
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize="small", loc="best")
    if result.measures:
        text = ", ".join(f"{k} = {v:.4g}" if v is not None else f"{k} = failed"
                         for k, v in result.measures.items())
        fig.suptitle(text, fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return atomic_write(path_png, buf.getvalue())
