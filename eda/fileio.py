"""Safe file output: atomic writes (a temporary file beside the target, renamed over it) and an
output lock so that two runs never write the same result at once."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to `path` so that readers see the old file or the whole new one, never half.

    The file gets the usual permissions for new files (0666 less the umask), not mkstemp's 0600.
    """
    from .errors import EdaError
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise EdaError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise EdaError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(path: str | Path, folder: bool | None = None) -> Path:
    """The lock file guarding `path`: `DIR/.eda.lock` for a folder, `FILE.lock` beside a file.

    `folder=None` guesses: an existing folder, or a new path without a suffix, is a folder."""
    path = Path(path)
    if folder is None:
        folder = path.is_dir() or not path.suffix
    if folder:
        return path / ".eda.lock"
    return path.with_name(path.name + ".lock")


@contextmanager
def output_lock(path: str | Path, folder: bool | None = None) -> Iterator[Path]:
    """Hold `path` (an output file or folder) for this run; a second live run is refused.

    The lock is a file made with O_EXCL holding our pid. A lock whose pid is gone (a run killed
    by -9) is stale and taken over. Raises `EdaError` in one line when another run holds it.
    """
    from .errors import EdaError
    lock = lock_path(path, folder)
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EdaError(f"{lock.parent}: cannot create the output folder: {exc.strerror or exc}") from None
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _pid_alive(pid):
                raise EdaError(f"{path}: another eda run (pid {pid}) is writing here; wait for it "
                               f"to finish, or delete {lock} if it is gone") from None
            lock.unlink(missing_ok=True)  # stale: its run died without cleaning up
            continue
        except OSError as exc:
            raise EdaError(f"{lock}: cannot create the lock file: {exc.strerror or exc}") from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        break
    else:
        raise EdaError(f"{path}: cannot take the output lock {lock}")
    try:
        yield lock
    finally:
        try:
            if lock.read_text().strip() == str(os.getpid()):
                lock.unlink()
        except OSError:
            pass


def read_utf8(path: str | Path) -> str:
    """A data file's text, strictly UTF-8 (BOM allowed); bad bytes or an unreadable file are a
    one-line `EdaError` at FILE:LINE:COL, never a UnicodeDecodeError traceback."""
    from .errors import EdaError
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EdaError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise EdaError(f"{path}:{line}:{col}: not UTF-8 text (byte 0x{data[exc.start]:02x})") from None
