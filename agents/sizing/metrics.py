"""Metrics of a sizing problem, measured on one simulation's vectors.

Each metric is one of:
  {ac: v(out), measure: gain|gain_db|ugbw|pm|f3db|peak_db|mag, at: FREQ}  # eda.sim.measure
  {op: i(vdd), scale: -1}                                          # an operating-point value
  {noise: inoise_total}  or  {noise: onoise_spectrum, at: FREQ}    # .noise analysis vectors
  {meas: name}                                                     # a .meas line of the template
  {expr: "2*w1*l1 + w2*l2"}                                        # parameters and earlier metrics
`scale` multiplies the value. A metric that cannot be measured (no unity-gain crossing, a vector
the run did not produce, a failed .meas) is None: the reward counts it as a fully missed spec.
"""
from __future__ import annotations

import ast
import math
import operator
from typing import Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

_AC_MEASURES = ("gain", "gain_db", "ugbw", "pm", "f3db", "peak_db", "mag")


class MetricSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ac: Optional[str] = None
    op: Optional[str] = None
    noise: Optional[str] = None
    meas: Optional[str] = None
    expr: Optional[str] = None
    measure: Optional[Literal["gain", "gain_db", "ugbw", "pm", "f3db", "peak_db", "mag"]] = None
    at: Optional[float] = None
    scale: float = 1.0
    unit: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> "MetricSpec":
        given = [k for k in ("ac", "op", "noise", "meas", "expr") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("a metric needs exactly one of ac, op, noise, meas, expr")
        if self.ac and not self.measure:
            raise ValueError(f"an ac metric needs measure: one of {', '.join(_AC_MEASURES)}")
        if self.measure == "mag" and self.at is None:
            raise ValueError("measure: mag needs at: FREQUENCY")
        if self.expr:
            _parse(self.expr)
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("ac", "op", "noise", "meas", "expr") if getattr(self, k))


def wanted_vectors(metrics: dict[str, MetricSpec]) -> dict[str, list[str]]:
    """What a Session must read back: {'ac': ['v(out)'], 'op': ['i(vdd)']} (noise plots whole)."""
    want: dict[str, list[str]] = {}
    for m in metrics.values():
        if m.ac:
            want.setdefault("ac", []).append(m.ac)
        elif m.op:
            want.setdefault("op", []).append(m.op)
    return want


# -- expressions ---------------------------------------------------------------------------
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCS = {"abs": abs, "min": min, "max": max, "sqrt": math.sqrt, "log10": math.log10,
          "log": math.log, "exp": math.exp}


def _parse(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"expression {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name,
                               ast.Call, ast.Load, *_BIN, *_UNARY))
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in _FUNCS and not node.keywords):
            ok = False
        if not ok:
            raise ValueError(f"expression {text!r}: only numbers, names, + - * / ** and "
                             f"{', '.join(_FUNCS)} are allowed")
    return tree


def _names(text: str) -> set[str]:
    return {n.id for n in ast.walk(_parse(text)) if isinstance(n, ast.Name) and n.id not in _FUNCS}


def eval_expr(text: str, env: dict[str, float | None]) -> float | None:
    """Evaluate a metric expression; None if a name it uses is None (unmeasured)."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            v = env[node.id]
            if v is None:
                raise _Missing
            return v
        if isinstance(node, ast.BinOp):
            return _BIN[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Call):
            return _FUNCS[node.func.id](*[ev(a) for a in node.args])
        raise ValueError("bad expression")
    try:
        v = ev(_parse(text))
    except (_Missing, ZeroDivisionError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


class _Missing(Exception):
    pass


def check_expressions(metrics: dict[str, MetricSpec], params: set[str]) -> None:
    """Every name in an expression is a parameter or a metric defined before it."""
    seen = set(params)
    for name, m in metrics.items():
        if m.expr:
            unknown = sorted(_names(m.expr) - seen)
            if unknown:
                raise ValueError(f"metrics.{name}.expr: unknown name {unknown[0]} "
                                 "(parameters and earlier metrics only)")
        seen.add(name)


# -- measuring ----------------------------------------------------------------------------
def _ac_value(m: MetricSpec, ac: dict[str, np.ndarray]) -> float | None:
    from eda.sim import measure
    from eda.sim.session import vector_key
    key = vector_key(m.ac or "")
    if "frequency" not in ac or key not in ac:
        return None
    f, h = ac["frequency"].real, ac[key]
    if m.measure == "gain":
        return measure.dc_gain(f, h)
    if m.measure == "gain_db":
        return measure.dc_gain_db(f, h)
    if m.measure == "ugbw":
        return measure.unity_gain_frequency(f, h)
    if m.measure == "pm":
        return measure.phase_margin(f, h)
    if m.measure == "f3db":
        return measure.f3db(f, h)
    if m.measure == "peak_db":  # gain peaking: the response's maximum over its low-frequency value
        mag = np.abs(h)
        return float(20.0 * math.log10(mag.max() / mag[0])) if mag[0] > 0 else None
    if m.measure == "mag":
        return float(np.interp(math.log10(m.at), np.log10(np.maximum(f, 1e-300)), np.abs(h)))
    return None


def _noise_value(m: MetricSpec, plots: dict[str, dict[str, np.ndarray]]) -> float | None:
    key = (m.noise or "").lower()
    for name, vecs in plots.items():
        if name.startswith("noise") and key in vecs:
            arr = vecs[key]
            if m.at is not None and "frequency" in vecs and len(arr) > 1:
                f = vecs["frequency"].real
                return float(np.interp(math.log10(m.at), np.log10(np.maximum(f, 1e-300)),
                                       np.abs(arr)))
            return float(np.abs(arr[0]))
    return None


def measure_all(metrics: dict[str, MetricSpec], plots: dict[str, dict[str, np.ndarray]],
                measures: dict[str, float | None], params: dict[str, float]) -> dict[str, float | None]:
    """Every metric's value for one run (None where it cannot be measured)."""
    from eda.sim.session import vector_key
    out: dict[str, float | None] = {}
    for name, m in metrics.items():
        v: float | None
        if m.ac:
            v = _ac_value(m, plots.get("ac", {}))
        elif m.op:
            arr = plots.get("op", {}).get(vector_key(m.op))
            v = float(np.real(arr[0])) if arr is not None and len(arr) else None
        elif m.noise:
            v = _noise_value(m, plots)
        elif m.meas:
            v = measures.get(m.meas.lower())
        else:
            v = eval_expr(m.expr or "", {**params, **out})
        if v is not None:
            v = float(v) * m.scale
            if not math.isfinite(v):
                v = None
        out[name] = v
    return out
