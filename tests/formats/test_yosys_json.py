"""Yosys JSON: corpus reads (trailing commas tolerated), round trips, errors, fuzz."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import read
from eda.formats.yosys_json import read_yosys_json, strip_trailing_commas, write_yosys_json

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
CORPUS = DATA / "netlists" / "real" / "netlistsvg-yosys-json"
needs_data = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def view(c) -> list:
    return [(p, x.kind, x.name, x.model, tuple(zip(x.pins, x.nets))) for p, x in c.all_components()]


def nets(c) -> dict:
    return {(p, n): sorted((comp.name, pin) for comp, pin in m)
            for p, b in c.walk() for n, m in b.nets().items()}


@needs_data
def test_corpus_reads_and_round_trips() -> None:
    fs = sorted(CORPUS.rglob("*.json"))
    assert len(fs) >= 5
    for f in fs:
        c = read(f)
        assert c.format == "yosys-json", f
        back = read_yosys_json(write_yosys_json(c), "rt.json")
        assert view(back) == view(c), f
        assert nets(back) == nets(c), f


def test_trailing_commas() -> None:
    text = '{"modules": {"m": {"ports": {"a": {"direction": "input", "bits": [2],},},\n' \
           ' "cells": {"c,]": {"type": "BUF", "connections": {"A": [2,], "Y": [3]}}},},},}'
    c = read_yosys_json(text)
    assert c.subcircuits[0].components[0].name == "c,]"
    assert strip_trailing_commas('{"a": "x,}", "b": [1,],}') == '{"a": "x,}", "b": [1]}'


def test_bad_json_reports_original_error() -> None:
    with pytest.raises(NetlistError) as e:
        read_yosys_json('{"modules": {\n  "m": {"ports": {,}}\n}}', "bad.json")
    assert (e.value.line, e.value.col) == (2, 19)
    with pytest.raises(NetlistError) as e:
        read_yosys_json('[1, 2]', "bad.json")
    assert e.value.line == 1


def test_foreign_net_names_survive() -> None:
    """Nets named like the reader's unnamed bits (`n5`) keep their names through a write."""
    text = '{"modules": {"m": {"ports": {}, "cells": {"r": {"type": "R", "connections": ' \
           '{"A": [5], "B": [7]}}}, "netnames": {}}}}'
    c = read_yosys_json(text)
    sub = c.subcircuits[0]
    sub.attrs.pop("yosys")
    back = read_yosys_json(write_yosys_json(c))
    assert back.subcircuits[0].components[0].nets == ["n5", "n7"]


TOKENS = ['{', '}', '[', ']', ',', ':', '"modules"', '"m"', '"ports"', '"cells"', '"netnames"',
          '"bits"', '"connections"', '"type"', '"A"', '1', '"0"', '"x"', 'true', 'null', '"offset"']


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.text(max_size=60)))
def test_fuzz_raises_only_netlist_error(text: str) -> None:
    try:
        read_yosys_json(text, "f.json")
    except NetlistError:
        pass


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(5)
    for f in sorted(CORPUS.rglob("*.json")):
        lines = f.read_text().splitlines()
        for _ in range(10):
            ls = mutate_lines(lines, rng, most=3)
            try:
                read_yosys_json("\n".join(ls), "m.json")
            except NetlistError:
                pass
