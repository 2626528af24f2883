"""Fuzzing: whatever the text, readers raise only NetlistError (never a crash).

Hypothesis generates SPICE-flavoured text; line-level mutations (drop, duplicate, swap, truncate,
insert junk) of real decks from the corpus feed every text reader through format detection.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from tests.formats.fuzzing import mutate_lines
from eda.formats import get
from eda.formats.spice import read_spice

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
REAL = DATA / "netlists" / "real"

TOKENS = ["R1", "C2", "M3", "X4", "Q5", "D6", "E7", "V8", "K9", "A1", "U2", "n1", "0", "vdd",
          "1k", "4k7", "w=1u", "=", "(", ")", "{", "}", "'", '"', "+", "*", ";", "$", ".subckt",
          ".ends", ".model", ".param", ".control", ".endc", ".end", ".include", "params:", "/",
          "POLY(2)", "sin(0 1 1k)", "[", "]", "\\", "*@eda {\"n\":2}", "*@eda {\"kind\":\"cell\"}"]

line = st.lists(st.sampled_from(TOKENS), max_size=8).map(" ".join)
deck = st.lists(st.one_of(line, st.text(max_size=30)), max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deck)
def test_spice_reader_raises_only_netlist_errors(text: str) -> None:
    try:
        read_spice(text, "fuzz.sp")
    except NetlistError:
        pass


@settings(max_examples=150, deadline=None)
@given(deck)
def test_spectre_and_json_readers_raise_only_netlist_errors(text: str) -> None:
    for fmt in ("spectre", "json"):
        try:
            get(fmt).reader(text, "fuzz.x")
        except NetlistError:
            pass


def _mutate(lines: list[str], rng: random.Random) -> list[str]:
    return mutate_lines(lines, rng, [f"{rng.choice(TOKENS)} {rng.choice(TOKENS)}" for _ in range(4)])


@pytest.mark.skipif(not REAL.is_dir(), reason="no corpus")
def test_mutated_real_files_raise_only_netlist_errors(tmp_path: Path) -> None:
    from eda.formats import read
    rng = random.Random(7)
    files = sorted(p for p in REAL.rglob("*") if p.is_file() and p.stat().st_size < 60_000
                   and p.suffix.lower() in {".sp", ".cir", ".net", ".cdl", ".spice", ".scs", ".v",
                                            ".json", ".edf", ".asc", ".bench"})
    rng.shuffle(files)
    for f in files[:120]:
        lines = f.read_text(errors="replace").splitlines()
        for k in range(3):
            out = tmp_path / f"m{k}{f.suffix}"
            out.write_text("\n".join(_mutate(lines, rng)) + "\n")
            try:
                read(out)
            except NetlistError:
                pass
