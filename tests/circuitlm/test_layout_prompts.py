"""Layout quality on designs of the shared benchmark prompts, built without an LLM.

The designs come from the pipeline's deterministic path (lexical part scan, rule wiring,
repair), so they are the kind of circuits `eda schematic` draws: MCUs with sensors, displays,
LEDs, drivers, pull-ups and decoupling. Every 20th prompt of the 100 is laid out.
"""
from __future__ import annotations

import json

import pytest

from agents.circuitlm.layout import layout_quality, place
from eda.kb import default_data_root, load_library

from .test_layout import check_drawn_connectivity


def prompt_designs(lib, step: int = 20):
    from agents.circuitlm.identify import scan
    from agents.circuitlm.pinout import retrieve
    from agents.circuitlm.plan import Plan, assign_refs
    from agents.circuitlm.repair import repair
    from agents.circuitlm.synthesize import synthesize

    data = json.loads((default_data_root() / "components/circuitlm_prompts_by_difficulty.json").read_text())
    prompts = [p for diff in ("easy", "medium", "hard") for p in data[diff]][::step]
    out = []
    for text in prompts:
        req = scan(text, lib)
        plan = Plan(prompt=text, parts=assign_refs(req, retrieve(req, lib)))
        design, _ = synthesize(plan, lib)
        design, _ = repair(design, lib)
        out.append(design)
    return out


@pytest.fixture(scope="module")
def lib():
    return load_library()


def test_prompt_designs_are_drawn_cleanly(lib):
    designs = prompt_designs(lib)
    assert len(designs) == 5
    totals = {"crossings": 0, "traces": 0, "labels": 0, "parts": 0}
    for d in designs:
        lay = place(d, lib)
        q = layout_quality(lay)
        assert q["overlaps"] == 0, (d.title, q)
        assert q["label_trace_overlaps"] == 0 and q["label_part_overlaps"] == 0, (d.title, q)
        assert q["label_overlaps"] == 0, (d.title, q)
        assert q["trace_part_overlaps"] == 0 and q["trace_overlaps"] == 0, (d.title, q)
        check_drawn_connectivity(d, lay)
        for k in totals:
            totals[k] += q[k]
    print("prompt designs:", totals)  # crossings reported (pytest -s)
    assert totals["traces"] >= totals["parts"] // 2     # short signal nets are wires
    assert totals["crossings"] <= totals["traces"] // 3  # crossings stay rare
