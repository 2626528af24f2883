"""Run `eda` in-process through `cli.main` (the console entry point), as a user's shell would call it."""
from __future__ import annotations

import contextlib
import io
import sys


def run_eda(*args) -> tuple[int, str]:
    """(exit code, stdout + stderr) of `eda ARGS...`."""
    import cli
    argv, sys.argv = sys.argv, ["eda", *map(str, args)]
    buf, code = io.StringIO(), 0
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            cli.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
    return code, buf.getvalue()
