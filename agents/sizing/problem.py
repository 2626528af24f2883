"""Sizing problems: a YAML file naming a netlist template, its parameters, metrics and specs.

    name: two_stage_opamp
    template: two_stage_opamp.sp          # relative to the YAML file; sized values are .param lines
    includes:                              # model files, relative to the data root
      - sizing/models/ptm45/45nm_bulk_ckappa_fixed.txt
      - {lib: sizing/models/sky130_fd_pr_continuous/sky130.lib.spice, section: tt}
    parameters:                            # a .param of the template each
      mp1: {min: 1, max: 100, step: 1}
      cc:  {min: 0.1e-12, max: 10.0e-12, step: 0.1e-12, scale: linear}   # or scale: log
    analyses: [op, ac dec 10 1 10g]        # optional: replace the template's analyses
    metrics:                               # see agents.sizing.metrics
      gain:  {ac: v(out), measure: gain}
      ibias: {op: i(vdd), scale: -1, unit: A}
    specs:
      hard:  {gain: {min: 200}, ibias: {max: 10.0e-3}}
      soft:  {ibias: {goal: min, ref: 1.0e-3, weight: 1}}
    targets: {gain: [200, 400], ibias: [0.1e-3, 10.0e-3]}   # AutoCkt protocol: target ranges

`load_problem` validates all of it (pydantic) and raises `SizingError` with one line naming the
file and the field; `Problem` maps normalised points in [-1, 1]^d to parameter values and back.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from eda.errors import EdaError

from .metrics import MetricSpec


class SizingError(EdaError):
    """A sizing problem or run the user gave cannot be used (one line, names the file)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParamSpec(_Strict):
    min: float
    max: float
    step: Optional[float] = None
    scale: Literal["linear", "log"] = "linear"
    unit: str = ""

    @model_validator(mode="after")
    def _check(self) -> "ParamSpec":
        if not self.max > self.min:
            raise ValueError(f"max ({self.max:g}) must be greater than min ({self.min:g})")
        if self.scale == "log" and self.min <= 0:
            raise ValueError("a log-scale parameter needs min > 0")
        if self.step is not None and not 0 < self.step <= self.max - self.min:
            raise ValueError("step must be > 0 and at most max - min")
        return self


class Bound(_Strict):
    min: Optional[float] = None
    max: Optional[float] = None

    @model_validator(mode="after")
    def _check(self) -> "Bound":
        if self.min is None and self.max is None:
            raise ValueError("a hard spec needs min or max")
        return self


class Soft(_Strict):
    goal: Literal["min", "max"]
    ref: float = Field(gt=0)
    weight: float = Field(default=1.0, gt=0)


class Specs(_Strict):
    hard: dict[str, Bound]
    soft: dict[str, Soft] = {}

    @field_validator("hard")
    @classmethod
    def _nonempty(cls, v):
        if not v:
            raise ValueError("at least one hard spec is needed")
        return v


class Include(_Strict):
    lib: Optional[str] = None
    include: Optional[str] = None
    section: Optional[str] = None


class ProblemSpec(_Strict):
    name: str
    description: str = ""
    template: str
    includes: list[Union[str, Include]] = []
    parameters: dict[str, ParamSpec]
    analyses: Optional[list[str]] = None
    metrics: dict[str, MetricSpec]
    specs: Specs
    targets: dict[str, tuple[float, float]] = {}

    @field_validator("parameters")
    @classmethod
    def _params(cls, v):
        if not v:
            raise ValueError("at least one parameter is needed")
        return v


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
    msg = err["msg"].removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


class Problem:
    """A validated sizing problem: the deck text for ngspice, parameters, metrics and specs."""

    def __init__(self, spec: ProblemSpec, path: Path, data_root: Path | None) -> None:
        self.spec, self.path, self.data_root = spec, path, data_root
        self.name = spec.name
        self.names = list(spec.parameters)
        self.params = spec.parameters
        self.metrics = spec.metrics
        self.hard = spec.specs.hard
        self.soft = spec.specs.soft
        self.template_path = (path.parent / spec.template).resolve()
        if not self.template_path.is_file():
            raise SizingError(f"{path}: template {spec.template} not found ({self.template_path})")
        self.template = self.template_path.read_text(encoding="utf-8", errors="replace")
        self._check_names()
        self.deck = self._deck()

    # -- validation against the template ------------------------------------------------
    def _check_names(self) -> None:
        from eda.formats.spice_lex import logical_lines
        from eda.sim.session import deck_params
        title, _, body = self.template.partition("\n")
        defined = deck_params(line for _, line in logical_lines(body, 2))
        where = f"{self.path}"
        for name in self.names:
            if name.lower() not in defined:
                raise SizingError(f"{where}: parameters.{name}: the template "
                                  f"{self.template_path.name} has no .param {name} "
                                  f"(it defines {', '.join(sorted(defined)) or 'none'})")
        known = set(self.metrics)
        for section, names in (("hard", self.hard), ("soft", self.soft), ("targets", self.spec.targets)):
            for m in names:
                if m not in known:
                    raise SizingError(f"{where}: specs.{section}.{m}: no metric named {m} "
                                      f"(metrics: {', '.join(known)})")
        for m, (lo, hi) in self.spec.targets.items():
            if m not in self.hard:
                raise SizingError(f"{where}: targets.{m}: a target range needs a hard spec on {m}")
            if hi < lo:
                raise SizingError(f"{where}: targets.{m}: [{lo:g}, {hi:g}] is not a range")
        from .metrics import check_expressions
        try:
            check_expressions(self.metrics, set(self.names))
        except ValueError as exc:
            raise SizingError(f"{where}: {exc}") from None

    def _include_lines(self) -> list[str]:
        lines = []
        for inc in self.spec.includes:
            if isinstance(inc, str):
                inc = Include(include=inc)
            rel = inc.lib or inc.include
            if not rel:
                raise SizingError(f"{self.path}: includes: an entry needs 'include' or 'lib'")
            p = Path(rel).expanduser()
            if not p.is_absolute():
                if self.data_root is None:
                    raise SizingError(f"{self.path}: includes {rel}: no data root "
                                      "(pass --data-root or set EDA_DATA)")
                p = self.data_root / p
            if not p.is_file():
                raise SizingError(f"{self.path}: include {rel} not found under the data root "
                                  f"{self.data_root} ({p})")
            if inc.lib:
                lines.append(f'.lib "{p.resolve()}" {inc.section or ""}'.rstrip())
            else:
                lines.append(f'.include "{p.resolve()}"')
        return lines

    def _deck(self) -> str:
        """The template with the model includes after its title (and analyses replaced)."""
        title, _, body = self.template.partition("\n")
        lines = [title] + self._include_lines()
        if self.spec.analyses is not None:
            from eda.sim.deck import ANALYSIS_DIRECTIVES
            kept = []
            for line in body.splitlines():
                w = line.strip().split(None, 1)[0].lower() if line.strip() else ""
                if w not in ANALYSIS_DIRECTIVES:
                    kept.append(line)
            body = "\n".join(kept)
            extra = ["." + a.strip().lstrip(".") for a in self.spec.analyses]
            body = re.sub(r"(?im)^\s*\.end\s*$", "\n".join(extra) + "\n.end", body, count=1) \
                if re.search(r"(?im)^\s*\.end\s*$", body) else body + "\n" + "\n".join(extra)
        return "\n".join(lines) + "\n" + body

    # -- parameter space ---------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return len(self.names)

    def decode(self, x: np.ndarray) -> dict[str, float]:
        """Normalised point in [-1, 1]^d -> parameter values (snapped to each step)."""
        x = np.clip(np.asarray(x, dtype=float), -1.0, 1.0)
        out = {}
        for xi, name in zip(x, self.names):
            p = self.params[name]
            u = (xi + 1.0) / 2.0
            if p.scale == "log":
                v = math.exp(math.log(p.min) + u * (math.log(p.max) - math.log(p.min)))
            else:
                v = p.min + u * (p.max - p.min)
            out[name] = self.snap(name, v)
        return out

    def snap(self, name: str, v: float) -> float:
        p = self.params[name]
        v = min(max(float(v), p.min), p.max)
        if p.step:
            k = round((v - p.min) / p.step)
            v = min(p.min + k * p.step, p.max)
            v = float(f"{v:.12g}")
        return v

    def encode(self, values: dict[str, float]) -> np.ndarray:
        """Parameter values -> normalised point in [-1, 1]^d."""
        x = []
        for name in self.names:
            p, v = self.params[name], float(values[name])
            if p.scale == "log":
                u = (math.log(v) - math.log(p.min)) / (math.log(p.max) - math.log(p.min))
            else:
                u = (v - p.min) / (p.max - p.min)
            x.append(2.0 * u - 1.0)
        return np.clip(np.array(x), -1.0, 1.0)

    def netlist(self, values: dict[str, float]) -> str:
        """The full deck with these values written into its `.param` lines."""
        out = []
        for line in self.deck.splitlines():
            if line.strip().lower().startswith(".param"):
                for name, v in values.items():
                    line = re.sub(rf"(?i)(\b{re.escape(name)}\s*=\s*)(\{{[^}}]*\}}|[^\s]+)",
                                  lambda m, v=v: f"{m.group(1)}{v:.9g}", line)
            out.append(line)
        return "\n".join(out) + "\n"

    def with_hard(self, hard: dict[str, Bound]) -> "Problem":
        """A copy whose hard specs are replaced (AutoCkt protocol: one target per run)."""
        clone = object.__new__(Problem)
        clone.__dict__.update(self.__dict__)
        clone.hard = hard
        return clone


def load_problem(path: str | Path, data_root: str | Path | None = None) -> Problem:
    """Read and validate a sizing YAML; `data_root` defaults to $EDA_DATA or ../shared/data."""
    import yaml
    path = Path(path)
    if not path.is_file():
        raise SizingError(f"{path}: no such file")
    from eda.fileio import read_utf8
    try:
        text = read_utf8(path)
    except EdaError as exc:
        raise SizingError(str(exc)) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise SizingError(f"{path}{loc}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise SizingError(f"{path}: expected a mapping at the top level")
    try:
        spec = ProblemSpec.model_validate(raw)
    except ValidationError as exc:
        raise SizingError(f"{path}: {_first_error(exc)}") from None
    if data_root is None:
        from eda.formats.datasets import default_root
        root = default_root()
    else:
        root = Path(data_root)
        if not root.is_dir():
            raise SizingError(f"data root {root} is not a directory")
    return Problem(spec, path.resolve(), root.resolve() if root else None)
