"""Run a Verilog testbench under Icarus Verilog in a sandbox and classify the outcome.

    from eda.verilog_sim import simulate, VERILOGEVAL
    r = simulate({"dut.sv": code, "tb.sv": tb}, rule=VERILOGEVAL, top="tb")
    r.status      # 'pass' | 'compile' | 'mismatch' | 'timeout' | 'error'

Each run gets its own temporary directory, a CPU-time limit (RLIMIT_CPU, so a busy machine does not
turn slow runs into timeouts) under a looser wall-clock cap (the whole process group is killed),
address-space and file-size limits (`resource.setrlimit` in the child), a cap on the output kept,
an empty environment, and no network (a fresh network namespace via `unshare -rn` where the
kernel allows it; Verilog has no sockets anyway). `iverilog -g2012` compiles, `vvp -n` runs.

Pass rules are the benchmarks' own:
- VERILOGEVAL (v2): pass iff the output shows `Mismatches: 0 in M samples` and vvp ended by itself
  within the time limit.  The testbench's own `TIMEOUT` line (printed at 1,000,000 ps) is not a
  failure by itself: two reference solutions (Prob082, Prob141) end their stimulus in that very
  time step, and the final block still prints the full mismatch count.
- VERILOGEVAL_V1: the same, and nothing on the simulator's stderr.
- RTLLM: pass iff the simulation output contains "pass" / "Pass".
"""
from __future__ import annotations

import math
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from eda.errors import EdaError

STATUSES = ("pass", "compile", "mismatch", "timeout", "error")
VERILOGEVAL, VERILOGEVAL_V1, RTLLM = "verilogeval", "verilogeval-v1", "rtllm"
RULES = (VERILOGEVAL, VERILOGEVAL_V1, RTLLM)
IVERILOG_FLAGS = ("-Wall", "-Winfloop", "-Wno-timescale", "-g2012")
_MISMATCH = re.compile(r"^Mismatches:\s*(\d+)\s+in\s+(\d+)\s+samples", re.M)


class VerilogSimError(EdaError):
    """Icarus Verilog is missing, or a simulation request is malformed."""


@dataclass
class SimLimits:
    """Resource limits of one compile + run."""
    seconds: float = 30.0              # CPU seconds for the simulation (compile gets the same again)
    wall_factor: float = 4.0           # wall-clock cap = wall_factor * seconds + 5 (a busy machine is slow)
    memory_mb: int = 2048              # address space of iverilog / vvp
    file_mb: int = 64                  # largest file the run may write (VCD dumps, logs)
    output_chars: int = 20000          # output kept per stream (head + tail)


@dataclass
class SimResult:
    """Outcome of one testbench run."""
    status: str                        # one of STATUSES
    detail: str = ""                   # one line: why it is not a pass
    mismatches: int | None = None      # VerilogEval: mismatched samples
    samples: int | None = None         # VerilogEval: samples compared
    compile_log: str = ""
    output: str = ""                   # vvp stdout (capped)
    stderr: str = ""                   # vvp stderr (capped)
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def compiled(self) -> bool:
        return self.status != "compile"

    @property
    def score(self) -> float:
        """1 for a pass, else the fraction of matching samples when known (partial credit), else 0."""
        if self.status == "pass":
            return 1.0
        if self.status == "mismatch" and self.mismatches is not None and self.samples:
            return max(0.0, 1.0 - self.mismatches / self.samples)
        return 0.0

    def to_dict(self, full: bool = False) -> dict:
        d = asdict(self)
        if not full:
            for k in ("compile_log", "output", "stderr"):
                d[k] = _clip(d[k], 2000)
        return d


def have_iverilog() -> bool:
    return shutil.which("iverilog") is not None and shutil.which("vvp") is not None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + f"\n... [{len(text) - limit} chars cut] ...\n" + text[-half:]


def _read_capped(path: Path, limit: int) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return ""
    with open(path, "rb") as f:
        if size <= limit:
            data = f.read()
        else:
            head = f.read(limit // 2)
            f.seek(size - limit // 2)
            data = head + f"\n... [{size - limit} bytes cut] ...\n".encode() + f.read()
    return data.decode("utf-8", "replace")


def _unshare_prefix() -> list[str]:
    """`unshare -rn` when this kernel lets an unprivileged user make a network namespace."""
    global _UNSHARE
    if _UNSHARE is None:
        exe = shutil.which("unshare")
        ok = False
        if exe:
            try:
                ok = subprocess.run([exe, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ok = False
        _UNSHARE = [exe, "-rn"] if ok else []
    return list(_UNSHARE)


_UNSHARE: list[str] | None = None


def _limiter(limits: SimLimits):
    mem = limits.memory_mb * 1024 * 1024
    fsz = limits.file_mb * 1024 * 1024
    cpu = max(1, math.ceil(limits.seconds))

    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsz, fsz))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _wait(p: subprocess.Popen, wall: float) -> tuple[int | None, float]:
    """(exit code, CPU seconds) of the child, or (None, CPU seconds) after killing its group at `wall`."""
    deadline, nap = time.monotonic() + wall, 0.001
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru.ru_utime + ru.ru_stime
        if time.monotonic() > deadline:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            return None, ru.ru_utime + ru.ru_stime
        time.sleep(nap)
        nap = min(nap * 2, 0.02)


def _run(cmd: list[str], cwd: Path, limits: SimLimits, tag: str) -> tuple[int | None, str, str, float]:
    """Run `cmd` in `cwd` under the limits; (returncode or None on timeout, stdout, stderr, seconds)."""
    out, err = cwd / f".{tag}.out", cwd / f".{tag}.err"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LC_ALL": "C"}
    t0 = time.perf_counter()
    with open(out, "wb") as fo, open(err, "wb") as fe:
        try:
            p = subprocess.Popen(_unshare_prefix() + cmd, cwd=cwd, stdout=fo, stderr=fe,
                                 stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                                 preexec_fn=_limiter(limits))
        except OSError as e:
            raise VerilogSimError(f"cannot run {cmd[0]}: {e}") from None
        rc, cpu = _wait(p, limits.wall_factor * limits.seconds + 5)
        if rc == -signal.SIGXCPU or (rc == -signal.SIGKILL and cpu >= math.ceil(limits.seconds)):
            rc = None                      # ran out of CPU time: RLIMIT_CPU sends SIGXCPU, then SIGKILL
    return (rc, _read_capped(out, limits.output_chars), _read_capped(err, limits.output_chars),
            time.perf_counter() - t0)


def classify(rule: str, rc: int | None, output: str, stderr: str) -> tuple[str, str, int | None, int | None]:
    """(status, detail, mismatches, samples) of a finished simulation under a benchmark's rule."""
    if rule not in RULES:
        raise VerilogSimError(f"unknown pass rule {rule!r} ({', '.join(RULES)})")
    if rc is None:
        return "timeout", "simulation ran past the time limit", None, None
    text = output + "\n" + stderr
    if rule in (VERILOGEVAL, VERILOGEVAL_V1):
        m = _MISMATCH.findall(output)
        if not m and re.search(r"^TIMEOUT\b", output, re.M):
            return "timeout", "testbench reported TIMEOUT", None, None
        if rc < 0:
            return "error", f"simulator killed by signal {-rc}", None, None
        if not m:
            return "error", f"no 'Mismatches:' line (vvp exit {rc})", None, None
        mis, samples = int(m[-1][0]), int(m[-1][1])
        if mis:
            return "mismatch", f"Mismatches: {mis} in {samples} samples", mis, samples
        if rc != 0:
            return "error", f"vvp exited with {rc}", mis, samples
        if rule == VERILOGEVAL_V1 and stderr.strip():
            return "error", "simulator wrote to stderr: " + stderr.strip().splitlines()[0][:160], mis, samples
        return "pass", "", mis, samples
    if "pass" in text or "Pass" in text:
        return "pass", "", None, None
    if rc < 0:
        return "error", f"simulator killed by signal {-rc}", None, None
    last = next((ln.strip() for ln in reversed(output.splitlines()) if ln.strip()), "")
    return "mismatch", f"no 'pass' in the output (last line: {last[:120]!r})", None, None


def simulate(sources: dict[str, str], *, rule: str = VERILOGEVAL, top: str | None = None,
             data_files: list[str | Path] = (), limits: SimLimits | None = None,
             flags: tuple[str, ...] = IVERILOG_FLAGS) -> SimResult:
    """Compile `sources` (file name -> text, compiled in that order) and run the testbench.

    `top` names the root module (`-s`), `data_files` are copied into the run directory (stimulus
    or golden files a testbench reads by relative path).
    """
    if not have_iverilog():
        raise VerilogSimError("Icarus Verilog not found (install the 'iverilog' package: make setup)")
    limits = limits or SimLimits()
    with tempfile.TemporaryDirectory(prefix="eda-vsim-") as tmp:
        work = Path(tmp)
        for f in data_files:
            shutil.copy(f, work / Path(f).name)
        names = []
        for name, text in sources.items():
            if Path(name).name != name or name.startswith("."):
                raise VerilogSimError(f"bad source file name {name!r}")
            (work / name).write_text(text)
            names.append(name)
        cmd = ["iverilog", *flags, *(["-s", top] if top else []), "-o", "sim.vvp", *names]
        rc, cout, cerr, t_c = _run(cmd, work, limits, "compile")
        log = (cout + cerr).strip()
        if rc is None:
            return SimResult("timeout", "compiler ran past the time limit", compile_log=log, seconds=t_c)
        if rc != 0 or not (work / "sim.vvp").exists():
            lines = log.splitlines()
            first = next((ln for ln in lines if re.search(r":\d+: (error|sorry|syntax error)", ln)),
                         next((ln for ln in lines if "error" in ln.lower()),
                              lines[0] if lines else f"iverilog exited with {rc}"))
            return SimResult("compile", _strip_dir(first, work)[:200], compile_log=_strip_dir(log, work),
                             seconds=t_c)
        rc, out, err, t_r = _run(["vvp", "-n", "sim.vvp"], work, limits, "run")
        status, detail, mis, samples = classify(rule, rc, out, err)
        return SimResult(status, detail, mis, samples, compile_log=_strip_dir(log, work), output=out,
                         stderr=err, seconds=t_c + t_r)


def _strip_dir(text: str, work: Path) -> str:
    return text.replace(str(work) + "/", "")
