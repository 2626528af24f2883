"""ngspice in shared-library mode, through PySpice's low-level `NgSpiceShared`.

One ngspice per process (the library is not reentrant); `get_engine()` loads it on first use.
PySpice 1.5 raises `NgSpiceCommandError` on any stderr line that does not start with
"Warning:", which aborts runs on harmless notes (ngspice's gmin-stepping notes, BSIM parameter
checks, "out of interval" from a failed `.meas`). `_Shared` replaces its output callback and
command wrapper so that nothing raises there: this module reads the captured stdout/stderr after
each step and turns real failures into one `SimulationError` naming the deck line if ngspice did.
"""
from __future__ import annotations

import logging
import re
import threading
import time

import numpy as np

from ..errors import SimulationError
from .deck import PreparedDeck

_engine = None
_engine_lock = threading.Lock()

_FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_MEAS_RE = re.compile(rf"^\s*([A-Za-z_][\w.\[\]]*)\s*=\s*({_FLOAT})(?:\s|$)")
_MEAS_FAIL_RE = re.compile(r"^\s*\.?meas\w*\s+\w+\s+(\S+)\s.*failed", re.I)
_FATAL_RE = re.compile(r"^(error\b|.*\baborted\b|doAnalyses:|.*\btimestep too small\b)", re.I)


def _make_shared_class():
    from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi

    class _Shared(NgSpiceShared):
        """NgSpiceShared that records output and never raises on it (see module docstring)."""

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            message = ffi.string(message_c).decode("utf-8", "replace")
            prefix, _, content = message.partition(" ")
            (self._stderr if prefix == "stderr" else self._stdout).append(content.rstrip("\r"))
            return 0

        def exec_command(self, command, join_lines=True):
            self.clear_output()
            rc = self._ngspice_shared.ngSpice_Command(command.encode("ascii"))
            if rc:
                raise SimulationError(f"ngspice command {command!r} returned {rc}")
            return self.stdout if join_lines else list(self._stdout)

    return _Shared, ffi


class Engine:
    """One loaded ngspice: `run(prepared_deck)` -> (plots, measures, warnings)."""

    def __init__(self) -> None:
        cls, self._ffi = _make_shared_class()
        from PySpice.Spice.NgSpice.Shared import FFI
        self._null = FFI.NULL
        log = logging.getLogger("PySpice")
        level = log.level
        log.setLevel(logging.ERROR)  # "Unsupported Ngspice version 39": harmless
        try:
            self._ng = cls(ngspice_id=0, send_data=False)
        except OSError as exc:
            raise SimulationError(f"cannot load the ngspice shared library: {exc}") from None
        finally:
            log.setLevel(level)
        self.version = self._ng.ngspice_version
        self.lock = threading.Lock()
        self.owner: object | None = None  # the Session whose circuit is loaded (eda.sim.session)

    # -- low level -------------------------------------------------------------------------
    def _command(self, command: str) -> tuple[list[str], list[str]]:
        self._ng.exec_command(command)
        return list(self._ng._stdout), list(self._ng._stderr)

    def _load(self, lines: list[str]) -> tuple[list[str], list[str]]:
        ng = self._ng
        ng.clear_output()
        keep = [self._ffi.new("char[]", line.encode("utf-8")) for line in lines + [""]]
        keep.append(self._null)
        array = self._ffi.new("char *[]", keep)
        rc = ng._ngspice_shared.ngSpice_Circ(array)
        out, err = list(ng._stdout), list(ng._stderr)
        if rc:
            err.append(f"Error: ngSpice_Circ returned {rc}")
        return out, err

    def plot_names(self) -> list[str]:
        return self._ng.plot_names

    def _vectors(self, plot: str) -> dict[str, np.ndarray]:
        ng, ffi = self._ng, self._ffi
        names_c = ng._ngspice_shared.ngSpice_AllVecs(plot.encode("utf-8"))
        out: dict[str, np.ndarray] = {}
        i = 0
        while names_c[i] != self._null:
            name = ffi.string(names_c[i]).decode("utf-8", "replace")
            i += 1
            info = ng._ngspice_shared.ngGet_Vec_Info(f"{plot}.{name}".encode("utf-8"))
            if info == self._null:
                continue
            n = info.v_length
            if info.v_compdata == self._null:
                if info.v_realdata == self._null:
                    continue
                arr = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
            else:
                raw = np.frombuffer(ffi.buffer(info.v_compdata, n * 16), dtype=np.float64)
                arr = raw[0::2] + 1j * raw[1::2]
            out[name.lower()] = arr
        return out

    def _missing_measures(self, lines: list[str], have: dict, plots: list[str]) -> dict:
        """Evaluate `.meas` lines ngspice skipped on the plot of their own analysis.

        With several analyses in one deck, ngspice evaluates every `.meas` against the last
        plot only, so an AC measure after a transient is lost: run it as a `meas` command
        after `setplot` to the matching plot.
        """
        found: dict[str, float | None] = {}
        for line in lines:
            words = line.split()
            if len(words) < 3 or words[0].lower() not in (".meas", ".measure"):
                continue
            kind, name = words[1].lower(), words[2].lower()
            if name in have:
                continue
            plot = next((p for p in plots if p.rstrip("0123456789").lower() == kind), None)
            if plot is None:
                continue
            self._command(f"setplot {plot}")
            out, err = self._command(" ".join(["meas"] + words[1:]))
            got, _ = _parse_measures(["Measurements for"] + out, err)
            if name in got:
                found[name] = got[name]
        return found

    # -- one simulation --------------------------------------------------------------------
    def run(self, deck: PreparedDeck) -> tuple[dict[str, dict[str, np.ndarray]], dict, list[str]]:
        with self.lock:
            self.owner = None  # a Session's circuit is replaced: it reloads on its next run
            self._command("destroy all")
            out, err = self._load(deck.lines)
            _check(deck, out + err, stage="load")
            t0 = time.perf_counter()
            run_out, run_err = self._command("run")
            elapsed = time.perf_counter() - t0
            try:
                _check(deck, run_out + run_err, stage="run")
                plots: dict[str, dict[str, np.ndarray]] = {}
                for name in reversed(self.plot_names()):  # oldest first
                    if name != "const":
                        plots[name] = self._vectors(name)
                measures, warnings = _parse_measures(run_out, run_err)
                measures.update(self._missing_measures(deck.lines, measures, list(plots)))
            finally:
                self._command("destroy all")
                self._command("remcirc")
        if not plots:
            raise SimulationError(_where(deck) + "ngspice produced no results")
        warnings = [w for w in err if w.lower().startswith("warning")
                    or _NONFATAL_RE.match(w.strip())] + warnings
        return plots, {"measures": measures, "sim_s": elapsed}, warnings


def _where(deck: PreparedDeck, line=None) -> str:
    return deck.where(line)


#: ngspice "Error:" lines that `ngspice -b` reports and then runs on regardless (an option of
#: another simulator, e.g. Xyce's `.options timeint method=8`): warnings here, not failures.
_NONFATAL_RE = re.compile(r"^error:?\s*(bad type given for option|unknown option|"
                          r"no such option|.*option.*(ignored|not supported))", re.I)


def _find_origin(deck: PreparedDeck, messages: list[str]):
    """The origin of the first deck line that ngspice echoes in `messages`, or None."""
    for m in messages:
        cands = [m]
        parts = m.split(":")
        cands += [":".join(parts[k:]) for k in range(1, len(parts))]
        cands += re.findall(r"[`'\"]([^`'\"]+)[`'\"]", m)
        for c in cands:
            if len(c.split()) >= 2:
                got = deck.locate(c)
                if got is not None:
                    return got
    return None


def _check(deck: PreparedDeck, messages: list[str], stage: str) -> None:
    """Raise SimulationError with one line when ngspice's output says the step failed."""
    msgs = [m.strip() for m in messages if m.strip()]
    keep = []
    skip_next = False
    for m in msgs:  # drop non-fatal option errors and their "type given was" detail line
        if skip_next and m.lower().startswith("type given was"):
            skip_next = False
            continue
        skip_next = bool(_NONFATAL_RE.match(m))
        if not skip_next:
            keep.append(m)
    msgs = keep
    low = [m.lower() for m in msgs]
    for i, m in enumerate(low):
        if m.startswith("error on line"):  # "Error on line N or its substitute:", text, reason
            text = msgs[i + 1] if i + 1 < len(msgs) else ""
            reason = msgs[i + 2] if i + 2 < len(msgs) else "error"
            hints = [h for h in msgs[:i] if h.lower().startswith("warning")]
            hint = re.sub(r"^warning[,:]?\s*|\s*from line\s*$", "", hints[-1].rstrip(" :"),
                          flags=re.I) if hints else ""
            extra = f" ({hint})" if hint else ""
            line = deck.locate(text)
            raise SimulationError(f"{_where(deck, line)}{reason.rstrip()}{extra}: `{text}`")
    fatal = [msgs[i] for i, m in enumerate(low)
             if _FATAL_RE.match(m) and "circuit not parsed" not in m
             and "aren't any circuits loaded" not in m]
    if not fatal:
        if any("circuit not parsed" in m or "aren't any circuits loaded" in m for m in low):
            fatal = ["ngspice could not parse the circuit"]
        elif stage == "load" and not any(m.startswith("circuit:") for m in low) and msgs:
            fatal = [msgs[-1]]
    if not fatal:
        return
    first = re.sub(r"^error:?\s*", "", fatal[0], flags=re.I)
    # "unknown subckt: x1 in out foo": locate the element line
    line = None
    if ":" in first:
        line = deck.locate(first.split(":", 1)[1])
    if line is None:
        line = _find_origin(deck, fatal + msgs)
    nodes = [m.split("check node", 1)[1].strip() for m in msgs if "check node" in m]
    hint = f" (singular matrix at node {nodes[-1]})" if nodes else ""
    detail = [f for f in fatal[1:2] if f.lower() != fatal[0].lower()]
    tail = f"; {detail[0]}" if detail and "aborted" not in detail[0] else ""
    raise SimulationError(f"{_where(deck, line)}ngspice {stage} failed: {first}{tail}{hint}")


def _parse_measures(out: list[str], err: list[str]) -> tuple[dict[str, float | None], list[str]]:
    """`.meas` results ngspice printed after "Measurements for ..." headers; failed ones -> None."""
    measures: dict[str, float | None] = {}
    in_block = False
    for line in out:
        if line.strip().lower().startswith("measurements for"):
            in_block = True
            continue
        if in_block:
            m = _MEAS_RE.match(line)
            if m:
                measures[m.group(1).lower()] = float(m.group(2))
            elif line.strip():
                in_block = False
    warnings = []
    for line in err:
        m = _MEAS_FAIL_RE.match(line)
        if m:
            measures.setdefault(m.group(1).lower(), None)
            warnings.append(line.strip())
    return measures, warnings


def get_engine() -> Engine:
    """The process's ngspice (loaded on first call)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = Engine()
    return _engine


def engine_loaded() -> bool:
    return _engine is not None
