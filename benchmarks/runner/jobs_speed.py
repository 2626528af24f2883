"""How `--jobs` scales a batch run against a slow endpoint: a local OpenAI-compatible server that sleeps.

    .venv/bin/python -m benchmarks.runner.jobs_speed [--items 16] [--delay 0.3] [--jobs 1,2,4,8]

Each request sleeps `delay` seconds (a remote model's latency) and answers with the label
that the question quotes (so scoring is cheap and the endpoint's latency is what is measured); the same CircuitSense-format items are run with each --jobs value (no cache) and the
wall time and speed-up over --jobs 1 are printed (ideal: equal to --jobs).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _handler(delay: float):
    class Sleepy(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            question = req["messages"][-1]["content"]
            time.sleep(delay)
            body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "sleepy",
                               "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                   "role": "assistant", "content": json.dumps({"answer": question.split("answer: ")[-1]})}}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass
    return Sleepy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=16)
    ap.add_argument("--delay", type=float, default=0.3)
    ap.add_argument("--jobs", default="1,2,4,8")
    a = ap.parse_args()
    from benchmarks.circuitsense.adapter import CircuitSenseAdapter
    from benchmarks.runner.core import Item, RunSettings, run_batch
    from eda.llm.client import LLMClient
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(a.delay))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    items = [Item(f"q{i}", {"task": "Analysis"}, f"R{i}/(R{i} + s)", {"question": f"q{i} answer: R{i}/(R{i} + s)", "kind": "symbolic"})
             for i in range(a.items)]
    base = None
    with tempfile.TemporaryDirectory() as tmp:        # warm-up: imports, first connection
        run_batch(CircuitSenseAdapter(), items[:2], Path(tmp) / "run", RunSettings("jobs-speed", "w", model="sleepy"),
                  jobs=2, client=LLMClient(url, "sleepy", "none", cache=False), progress=False)
    print(f"{a.items} items, endpoint sleeps {a.delay} s per request")
    print("| jobs | seconds | speed-up vs jobs=1 |\n|---|---|---|")
    for jobs in [int(j) for j in a.jobs.split(",")]:
        client = LLMClient(url, "sleepy", "none", cache=False, concurrency=jobs)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            s = run_batch(CircuitSenseAdapter(), items, Path(tmp) / "run",
                          RunSettings("jobs-speed", "sleepy", model="sleepy"),
                      jobs=jobs, client=client, progress=False)
            dt = time.perf_counter() - t0
        assert s["accuracy"] == 1.0, s
        base = base or dt
        print(f"| {jobs} | {dt:.2f} | {base / dt:.2f}x |")
    server.shutdown()


if __name__ == "__main__":
    main()
