"""CircuitSense-style harness: ngspice-checked labels, the scorer, oracle and resumed runs, the loaders."""
from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from benchmarks.circuitsense.adapter import CircuitSenseAdapter, circuit_items
from benchmarks.circuitsense.generate import iter_circuits
from benchmarks.circuitsense.labels import agrees, label_circuits
from benchmarks.circuitsense.official import load_folders, load_official, write_official
from benchmarks.circuitsense.score import symbolic_equal
from benchmarks.runner.core import BenchRunError, RunSettings, read_jsonl, run_batch
from eda.formats.datasets import default_root

DATA = default_root()
SAMPLES = None if DATA is None else DATA / "circuitsense"


@pytest.fixture(scope="module")
def labelled():
    kept, stats = label_circuits(iter_circuits(5), want=4, timeout=20)
    return kept, stats


@pytest.fixture(scope="module")
def all_items(labelled):
    return [it for c, label in labelled[0] for it in circuit_items(c, label)]


@pytest.fixture(scope="module")
def items(all_items):
    """The analysis and perception items (two per circuit)."""
    return [it for it in all_items if it.data["kind"] in ("symbolic", "counts")]


def test_every_label_is_checked_by_ngspice_and_a_wrong_label_is_caught(labelled) -> None:
    kept, stats = labelled
    assert stats.labelled == len(kept) == 4
    assert stats.checked == stats.labelled + stats.dropped["mismatch"]   # no label kept unchecked
    assert stats.candidates == stats.labelled + sum(stats.dropped.values())
    for c, label in kept:
        assert agrees(label, c)
        assert not agrees(f"-({label})", c)                      # sign flip
        assert not agrees(f"({label})*1.01", c)                  # 1 % off
        assert not agrees(f"({label})*(1 + 1e-5*s)", c)           # wrong frequency dependence


def test_scorer_accepts_equivalent_forms_and_rejects_sign_flips_and_wrong_answers(labelled) -> None:
    rejected = 0
    for _c, label in labelled[0]:
        expr = sympy.sympify(label)
        num, den = sympy.fraction(sympy.together(expr))
        assert symbolic_equal(f"({sympy.expand(num)})/({sympy.expand(den)})", label)[0]
        first = sorted(expr.free_symbols, key=str)[0]
        scaled = f"H(s) = (({num})*(1 + {first}))/(({den})*({first} + 1))".replace("**", "^")
        assert symbolic_equal(scaled, label) == (True, "sympy-equal")
        assert not symbolic_equal(f"-({label})", label)[0]
        assert not symbolic_equal(f"({label}) + 1/100", label)[0]           # exact: rational functions differ
        assert not symbolic_equal(f"({label})*1.01", label)[0]              # numeric: 1 % off
        names = sorted(str(s) for s in expr.free_symbols if str(s) != "s")
        if len(names) >= 2:                                      # two elements swapped
            a, b = sympy.Symbol(names[0]), sympy.Symbol(names[1])
            swapped = expr.subs({a: b, b: a}, simultaneous=True)
            if sympy.cancel(sympy.together(swapped - expr)) != 0:
                assert not symbolic_equal(str(swapped), label)[0]
                rejected += 1
    assert rejected >= 1
    label = "(s/(C1*R1))/(s**2 + s*(C1*R1*R2 + L1)/(C1*L1*R1) + (R1 + R2)/(C1*L1*R1))"
    assert symbolic_equal("s L1/(C1 L1 R1 s^2 + (C1 R1 R2 + L1) s + R1 + R2)", label)[0]   # implicit products
    assert symbolic_equal(str(sympy.apart(sympy.sympify(label), sympy.Symbol("s"))), label)[0]
    assert not symbolic_equal("-s*L1/(C1*L1*R1*s**2 + (C1*R1*R2 + L1)*s + R1 + R2)", label)[0]
    assert symbolic_equal("s*X", label) == (False, "unknown symbols: X")
    assert not symbolic_equal("((", label)[0]


def test_oracle_run_scores_100_percent(all_items, tmp_path) -> None:
    s = run_batch(CircuitSenseAdapter(), all_items, tmp_path / "run",
                  RunSettings("circuitsense", "test", oracle=True), jobs=2, progress=False)
    kinds = collections.Counter(it.data["kind"] for it in all_items)
    assert kinds["symbolic"] == kinds["counts"] == 4 and kinds["design"] >= 1 and kinds["nodes"] >= 1
    assert s["accuracy"] == 1.0 and s["items"] == len(all_items)
    assert set(s["per_category"]["task"]) == {"Analysis", "Perception", "Design"}
    saved = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert saved["accuracy"] == 1.0
    n_analysis = kinds["symbolic"] + kinds["equation"]
    assert f"| Analysis | {n_analysis} | {n_analysis} | 1.0000 |" in (tmp_path / "run" / "report.md").read_text()
    assert (tmp_path / "run" / "accuracy.png").stat().st_size > 1000


class ScriptedClient:
    """A stand-in endpoint answering from a table (the runner's bookkeeping is what is under test)."""

    def __init__(self, answers: dict) -> None:
        self.answers, self.calls = answers, []
        self.usage = {"requests": 0}

    def ask_json(self, prompt, schema, **params):
        item = next(i for i, q in self.answers.items() if q[0] == prompt)
        self.calls.append(item)
        return {"answer": self.answers[item][1]}


def test_killed_run_resumes_without_repeating_finished_items(items, tmp_path) -> None:
    adapter = CircuitSenseAdapter()
    # right answers for even items, sign-flipped transfer functions / wrong counts for odd ones
    answers = {}
    for n, it in enumerate(items):
        if n % 2 == 0:
            ans = it.label
        elif it.data["kind"] == "symbolic":
            ans = f"-({it.label})"
        else:
            ans = {**it.label, "R": it.label["R"] + 1}
        answers[it.id] = (adapter.prompt(it), ans)
    settings = RunSettings("circuitsense", "test", model="scripted")
    client = ScriptedClient(answers)

    def kill_after_three(rec, seen=[]):
        seen.append(rec["id"])
        if len(seen) == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run_batch(adapter, items, tmp_path / "run", settings, jobs=1, client=client, progress=False,
                  on_record=kill_after_three)
    first = [r["id"] for r in read_jsonl(tmp_path / "run" / "items.jsonl")]
    assert len(first) == 3
    client2 = ScriptedClient(answers)
    s = run_batch(adapter, items, tmp_path / "run", settings, jobs=2, client=client2, progress=False)
    assert sorted(client2.calls) == sorted(set(answers) - set(first))       # nothing asked twice
    recs = read_jsonl(tmp_path / "run" / "items.jsonl")
    assert sorted(r["id"] for r in recs) == sorted(answers)                  # one line per item
    assert s["items"] == 8 and s["correct"] == 4 and s["accuracy"] == 0.5
    with pytest.raises(BenchRunError, match="other settings"):
        run_batch(adapter, items, tmp_path / "run", RunSettings("circuitsense", "test", model="other"),
                  client=client2, progress=False)


@pytest.mark.skipif(SAMPLES is None or not SAMPLES.is_dir(), reason="needs the shared data (EDA_DATA)")
def test_loader_reads_the_shared_samples_and_the_oracle_scores_them(tmp_path) -> None:
    items = load_official(SAMPLES)
    assert len(items) == 5
    kinds = {it.id: it.data["kind"] for it in items}
    assert kinds["cs_q748_curated"] == "numeric" and kinds["cs_q16_smallsignal"] == "symbolic"
    assert next(it for it in items if it.id == "cs_q748_curated").data["value"] == 50000.0
    assert all(Path(it.data["image"]).is_file() for it in items if it.data["image"])
    s = run_batch(CircuitSenseAdapter(), items, tmp_path / "run",
                  RunSettings("circuitsense", str(SAMPLES), oracle=True), progress=False)
    assert s["accuracy"] == 1.0
    adapter = CircuitSenseAdapter()
    q16 = next(it for it in items if it.id == "cs_q16_smallsignal")
    assert adapter.score(q16, "s*C1*R2/(s*C1*R2 + 1)").correct
    assert not adapter.score(q16, "-s*C1*R2/(s*C1*R2 + 1)").correct


def test_official_folder_layout_round_trip_and_malformed_items(items, tmp_path) -> None:
    write_official([it for it in items if it.data["kind"] == "symbolic"], tmp_path / "cs")
    back = load_folders(tmp_path / "cs")
    assert len(back) == 4 and all(it.data["kind"] == "symbolic" for it in back)
    assert {it.categories["task"] for it in back} == {"Analysis"}
    ta = sorted((tmp_path / "cs").glob("Analysis/*/q2/q2_ta.txt"))[0]
    ta.unlink()
    with pytest.raises(BenchRunError, match=rf"item Analysis/{ta.parent.parent.name}/q2: missing q2_ta.txt"):
        load_official(tmp_path / "cs")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "task": "Analysis", "question": "q", "answer": "1", "answer_kind": "numeric"}\n'
                   '{"id": "b", "task": "Analysis", "question": "q", "answer_kind": "symbolic"}\n')
    with pytest.raises(BenchRunError, match=r"bad.jsonl:2 \(item b\): missing answer"):
        load_official(bad)
    r = subprocess.run([sys.executable, "-m", "cli", "bench", "circuitsense", "--data", str(bad), "--oracle",
                        "-o", str(tmp_path / "o")], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 2 and "item b" in r.stderr and "Traceback" not in r.stderr
