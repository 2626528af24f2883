"""Child-process hygiene: children that die with their parent, and resource caps.

Untrusted work (ngspice on a downloaded deck, vvp on an LLM's Verilog) runs in child processes.
`die_with_parent` makes the kernel kill a child when the process that started it dies, even by
kill -9, so no worker or simulator outlives the command; `limit_resources` caps what one child
may take (memory, CPU, file size, open files) so a hostile input costs only itself.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys

_PR_SET_PDEATHSIG = 1
_libc = None


def _prctl():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc.prctl


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send `sig` to this process when its parent dies (Linux only).

    Safe in a `preexec_fn` (no allocation beyond ctypes' call) and in a pool initializer.
    Returns False where unsupported. If the parent is already gone (we were reparented between
    fork and this call), the process exits at once.
    """
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        ok = _prctl()(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if ok and os.getppid() != parent:
        os._exit(1)
    return ok


def _cap(kind: int, value: int | None) -> None:
    if value is None:
        return
    soft, hard = resource.getrlimit(kind)
    value = int(value)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value if hard == resource.RLIM_INFINITY else hard))


def limit_resources(*, memory_mb: int | None = None, cpu_seconds: float | None = None,
                    file_mb: int | None = None, nofile: int | None = None,
                    core: bool = False) -> None:
    """Cap this process (and what it starts): address space, CPU time, file size, open files.

    Each limit is lowered only (never raised above the current hard limit). Core dumps are
    disabled unless `core=True`, so a crashing simulator leaves no core file behind.
    """
    if memory_mb is not None:
        _cap(resource.RLIMIT_AS, int(memory_mb) * 1024 * 1024)
    if cpu_seconds is not None:
        _cap(resource.RLIMIT_CPU, max(1, int(cpu_seconds + 0.999)))
    if file_mb is not None:
        _cap(resource.RLIMIT_FSIZE, int(file_mb) * 1024 * 1024)
    if nofile is not None:
        _cap(resource.RLIMIT_NOFILE, int(nofile))
    if not core:
        _cap(resource.RLIMIT_CORE, 0)
