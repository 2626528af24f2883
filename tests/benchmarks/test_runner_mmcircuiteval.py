"""MMCircuitEval slice: the official schema loader (demo item, malformed records) and the closed-type scorers."""
from __future__ import annotations

import json

import pytest

from benchmarks.mmcircuiteval.load import load_mmcircuiteval
from benchmarks.mmcircuiteval.score import choices, score_closed
from benchmarks.runner.core import BenchRunError
from eda.formats.datasets import default_root

DATA = default_root()
DEMO = None if DATA is None else DATA / "mmcircuiteval" / "schema_example" / "demo_corpus.json"


@pytest.mark.skipif(DEMO is None or not DEMO.is_file(), reason="needs the shared data (EDA_DATA)")
def test_demo_problem_loads_as_three_sub_questions() -> None:
    items = load_mmcircuiteval(DEMO)
    assert [it.categories["type"] for it in items] == ["single", "open", "blank"]
    assert [it.categories["ability"] for it in items] == ["perception", "inference", "computation"]
    assert [it.label for it in items] == ["B", "1: Emitter, 2: Base, 3: Collector", "5 W"]
    assert all(len(it.data["images"]) == 3 for it in items)
    assert all(p.endswith(".png") and (DEMO.parent / p.rsplit("/", 1)[1]).is_file() for p in items[0].data["images"])
    assert score_closed("single", "(B) 40 V", items[0].label)[0]
    assert score_closed("blank", "P = 5000 mW", items[2].label)[0]


def test_malformed_problems_are_named(tmp_path) -> None:
    good = {"statement": "s", "questions": ["q1", "q2"], "question_types": ["single", "blank"],
            "answers": ["A", "3 V"], "difficulties": ["easy", "hard"], "abilities": ["knowledge", "computation"]}
    f = tmp_path / "spec.jsonl"
    f.write_text(json.dumps(good) + "\n" + json.dumps({**good, "answers": ["A"]}) + "\n")
    with pytest.raises(BenchRunError, match=r"spec.jsonl:2: answers must be a list as long as questions \(2\)"):
        load_mmcircuiteval(f)
    f.write_text(json.dumps({**good, "abilities": ["knowledge", "guessing"]}) + "\n")
    with pytest.raises(BenchRunError, match=r"spec.jsonl:1: abilities\[1\] 'guessing' is not one of"):
        load_mmcircuiteval(f)
    f.write_text(json.dumps(good) + "\n")
    items = load_mmcircuiteval(f)
    assert [it.categories["split"] for it in items] == ["spec", "spec"] and items[1].label == "3 V"


def test_closed_scorers() -> None:
    assert choices("B") == {"B"} and choices("(A) and (C)") == {"A", "C"} and choices("A, D") == {"A", "D"}
    assert choices("C. 75 V") == {"C"} and choices("I think so") == set()
    assert not score_closed("single", "A", "B")[0]
    assert not score_closed("single", "A, B", "B")[0]                 # two choices for a single answer
    assert score_closed("multi", "C and A", "A, C")[0]
    assert not score_closed("multi", "A", "A, C")[0]
    assert score_closed("blank", "5.02 W", "5 W")[0] and not score_closed("blank", "-5 W", "5 W")[0]
    assert not score_closed("blank", "5.2 W", "5 W")[0]
    assert score_closed("blank", "Collector", "collector")[0]
    with pytest.raises(ValueError):
        score_closed("open", "x", "y")
