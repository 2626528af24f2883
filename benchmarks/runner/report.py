"""Summary, Markdown report and bar chart of a batch run's item records."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from eda.fileio import atomic_write


def _acc(c: int, n: int) -> float | None:
    return c / n if n else None


def _value(rec: dict) -> float:
    """An item's graded value: its `score` when it has one, else 1/0 for right/wrong."""
    return float(rec["score"]) if "score" in rec else float(bool(rec.get("correct")))


def summarize(settings, recs: list[dict], usage: dict | None = None, seconds: float | None = None) -> dict:
    """Accuracy (fraction) overall and per category value; errors counted as wrong."""
    n = len(recs)
    c = sum(1 for r in recs if r.get("correct"))
    graded = any("score" in r for r in recs)
    per: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0.0]))
    for r in recs:
        for cat, val in (r.get("categories") or {}).items():
            cell = per[cat][str(val)]
            cell[0] += 1
            cell[1] += bool(r.get("correct"))
            cell[2] += _value(r)
    summary = {"bench": settings.bench, "data": settings.data,
               "model": "oracle (labels)" if settings.oracle else (settings.model or "default"),
               "oracle": settings.oracle, "items": n, "correct": c, "accuracy": _acc(c, n),
               "errors": sum(1 for r in recs if r.get("status") != "ok"),
               "per_category": {cat: {v: {"n": a, "correct": b, "accuracy": _acc(b, a),
                                          **({"score": _acc(sc, a)} if graded else {})}
                                      for v, (a, b, sc) in sorted(vals.items())}
                                for cat, vals in per.items()},
               "notes": list(settings.notes)}
    if graded:                          # open answers carry a graded value: the mean is the score
        summary["score"] = _acc(sum(_value(r) for r in recs), n)
    if usage:
        summary["llm_usage"] = usage
    if seconds is not None:
        summary["seconds"] = round(seconds, 2)
    return summary


def report_markdown(summary: dict) -> str:
    acc = summary["accuracy"]
    lines = [f"# Benchmark: {summary['bench']}", "", f"- model: {summary['model']}",
             f"- data: `{summary['data']}`",
             f"- items: {summary['items']}, correct: {summary['correct']}, errors: {summary['errors']}",
             f"- accuracy: {'n/a' if acc is None else f'{acc:.4f}'}"]
    graded = "score" in summary
    if graded:
        sc = summary["score"]
        lines.append(f"- score (mean graded value; closed types 1/0): {'n/a' if sc is None else f'{sc:.4f}'}")
    lines += [f"- note: {n}" for n in summary.get("notes", [])]
    for cat, vals in summary["per_category"].items():
        head = f"| {cat} | items | correct | accuracy |" + (" score |" if graded else "")
        lines += ["", f"## By {cat}", "", head, "|---|---|---|---|" + ("---|" if graded else "")]
        for v, cell in vals.items():
            lines.append(f"| {v} | {cell['n']} | {cell['correct']} | {cell['accuracy']:.4f} |"
                         + (f" {cell['score']:.4f} |" if graded else ""))
    if summary.get("llm_usage"):
        u = summary["llm_usage"]
        lines += ["", f"LLM usage: {u.get('requests', 0)} requests ({u.get('cached', 0)} cached), "
                      f"{u.get('completion_tokens', 0)} completion tokens, {u.get('seconds', 0):.1f} s."]
    return "\n".join(lines) + "\n"


def bar_chart(summary: dict, path: Path) -> Path | None:
    """accuracy per category value as a bar chart PNG (None when there is nothing to draw)."""
    key = "score" if "score" in summary else "accuracy"
    bars = [(f"{cat}={v}", cell[key]) for cat, vals in summary["per_category"].items()
            for v, cell in vals.items()]
    if not bars:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(max(4, 0.7 * len(bars) + 1), 3))
    ax.bar([b[0] for b in bars], [b[1] for b in bars], color="#4477aa")
    ax.set_ylim(0, 1)
    ax.set_ylabel(key)
    ax.set_title(f"{summary['bench']}: {summary['model']}")
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)
    return path


def write_reports(out: Path, summary: dict) -> None:
    atomic_write(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    atomic_write(out / "report.md", report_markdown(summary))
    bar_chart(summary, out / "accuracy.png")
