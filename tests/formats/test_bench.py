"""ISCAS .bench: corpus reads, same-format round trips, Verilog output, errors, fuzz."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.formats.fuzzing import mutate_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eda.errors import NetlistError
from eda.formats import read, write_text
from eda.formats.bench import read_bench, write_bench

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
CORPUS = DATA / "netlists" / "real" / "iscas-ispras"
needs_data = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")

C17 = """# c17
INPUT(1)
INPUT(2)
INPUT(3)
INPUT(6)
INPUT(7)
OUTPUT(22)
OUTPUT(23)

10 = NAND(1, 3)
11 = NAND(3, 6)
16 = NAND(2, 11)
19 = NAND(11, 7)
22 = NAND(10, 16)
23 = NAND(16, 19)
"""


def view(c) -> list:
    return [(x.kind, x.name, x.model, tuple(zip(x.pins, x.nets))) for x in c.components]


def nets(c) -> dict:
    return {n: sorted((comp.name, pin) for comp, pin in m) for n, m in c.nets().items()}


def test_read_small() -> None:
    c = read_bench(C17, "c17.bench")
    assert c.ports == ["1", "2", "3", "6", "7", "22", "23"]
    g = c.components[0]
    assert (g.kind, g.name, g.model, g.pins, g.nets) == ("cell", "nand_10", "NAND", ("Y", "A", "B"),
                                                         ["10", "1", "3"])
    assert c.statements[0].kind == "comment"
    assert write_bench(c).split() == C17.split()


def test_dff_pins() -> None:
    c = read_bench("INPUT(a)\nOUTPUT(q)\nq = DFF(d)\nd = NOT(a)\n")
    assert c.components[0].pins == ("Q", "D")


@needs_data
def test_corpus_reads_and_round_trips() -> None:
    fs = sorted(CORPUS.rglob("*.bench"))
    assert len(fs) >= 20
    for f in fs:
        c = read(f)
        assert c.format == "bench" and c.components, f
        back = read_bench(write_bench(c), "rt.bench")
        assert view(back) == view(c), f
        assert nets(back) == nets(c) and back.ports == c.ports, f


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="no iverilog")
def test_verilog_of_bench_compiles(tmp_path: Path) -> None:
    text, _ = write_text(read_bench(C17), "verilog")
    p = tmp_path / "c17.v"
    p.write_text(text)
    r = subprocess.run(["iverilog", "-g2012", "-o", os.devnull, str(p)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr + text


@pytest.mark.parametrize("text,line,col", [
    ("INPUT(a)\nOUTPUT(b\nb = NOT(a)\n", 2, 1),
    ("INPUT(a)\n  b = NOT(a\n", 2, 3),
    ("INPUT(a)\nb = NOT(a)\nb = BUFF(a)\n", 3, 1),
    ("INPUT(a)\nb = AND(a, , a)\n", 2, 12),
    ("INPUT(a)\njunk here\n", 2, 1),
])
def test_bad_input_is_located(text: str, line: int, col: int) -> None:
    with pytest.raises(NetlistError) as e:
        read_bench(text, "bad.bench")
    assert (e.value.line, e.value.col) == (line, col)


TOKENS = ["INPUT", "OUTPUT", "(", ")", "=", ",", "#", "G1", "G2", "NAND", "DFF", " ", "\n", "x"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.text(max_size=60)))
def test_fuzz_raises_only_netlist_error(text: str) -> None:
    try:
        read_bench(text, "f.bench")
    except NetlistError:
        pass


@needs_data
def test_mutated_corpus_raises_only_netlist_error() -> None:
    rng = random.Random(3)
    for f in sorted(CORPUS.rglob("*.bench"))[:5]:
        lines = f.read_text().splitlines()
        for _ in range(10):
            ls = mutate_lines(lines, rng, most=3)
            try:
                read_bench("\n".join(ls), "m.bench")
            except NetlistError:
                pass
