"""eda.sim: ngspice runs (shared library), measurements, results, batch."""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from eda.errors import SimulationError
from eda.sim import (f3db, dc_gain_db, phase_margin, plot, prepare_deck, simulate,
                     simulate_many, unity_gain_frequency)

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("EDA_DATA") or (REPO / ".." / "shared" / "data")).resolve()

R, C = 1.5e3, 47e-9
F3DB = 1 / (2 * math.pi * R * C)
TAU = R * C

RC_AC = f"""RC low-pass
r1 in out {R}
c1 out 0 {C}
v1 in 0 dc 0 ac 1
.ac dec 200 10 1meg
.meas ac f3db when vdb(out)=-3.0103
.control
run
.endc
.end
"""

RC_TRAN = f"""RC step
r1 in out {R}
c1 out 0 {C}
v1 in 0 pulse(0 1 10u 1n 1n 1 2)
.tran 0.1u 400u 0 0.1u
.end
"""

DIVIDER = """divider
v1 in 0 dc 5
r1 in out 10k
r2 out 0 30k
.op
.end
"""


def test_prepare_deck_rewrites(tmp_path):
    (tmp_path / "models.inc").write_text("* nothing\n")
    deck = tmp_path / "d.cir"
    deck.write_text("t\n.include models.inc\nr1 a 0\n+ 1k\n.tran 1n 1u\n.control\nrun\n.endc\n"
                    ".end\nignored after end\n")
    p = prepare_deck(deck, ac="dec 10 1 1k")
    inc = str((tmp_path / "models.inc").resolve())
    assert p.lines[1] == "* nothing" and p.origin[1] == (inc, 1)  # the include is inlined
    assert "r1 a 0 1k" in p.lines
    assert not any(line.startswith((".tran", "run", ".control")) for line in p.lines)
    assert p.lines[-3:] == [".options num_threads=1", ".ac dec 10 1 1k", ".end"]
    assert p.origin[p.lines.index("r1 a 0 1k")] == 3
    with pytest.raises(SimulationError, match="no analysis"):
        prepare_deck("t\nr1 a 0 1k\n.end\n")


def test_rc_ac_f3db(tmp_path):
    r = simulate(RC_AC)
    assert abs(r.measures["f3db"] / F3DB - 1) < 0.01
    ac = r.ac
    assert ac.scale == "frequency" and len(ac.x) == 1001
    assert np.iscomplexobj(ac["v(out)"])
    assert abs(f3db(ac.x, ac["out"]) / F3DB - 1) < 0.01
    assert abs(dc_gain_db(ac.x, ac["out"])) < 1e-3
    d = json.loads(r.to_json(tmp_path / "rc.json"))
    assert d["f3db"] == r.measures["f3db"] and d["measures"]["f3db"] == d["f3db"]
    assert set(d["analyses"]["ac"]["vectors"]["out"]) == {"re", "im"}
    assert json.loads((tmp_path / "rc.json").read_text())["f3db"] == d["f3db"]
    [csv] = r.to_csv(tmp_path / "rc.csv")
    assert csv.read_text().splitlines()[0].startswith("frequency,")
    png = plot(r, tmp_path / "rc.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_ac_option_replaces_deck_analysis():
    r = simulate(RC_TRAN, ac="dec 10 1 1meg")
    assert list(r.analyses) == ["ac"] and len(r.ac.x) == 61


def test_rc_tran_tau(tmp_path):
    r = simulate(RC_TRAN)
    t, v = r.tran.x, np.real(r.tran["out"])
    level = 1 - math.exp(-1)
    i = int(np.argmax(v >= level))
    t63 = t[i - 1] + (level - v[i - 1]) * (t[i] - t[i - 1]) / (v[i] - v[i - 1])
    assert abs((t63 - 10e-6) / TAU - 1) < 0.02
    assert v[-1] == pytest.approx(1 - math.exp(-(t[-1] - 10e-6) / TAU), abs=2e-3)
    assert plot(r, tmp_path / "tran.png").exists()


def test_divider_op(tmp_path):
    r = simulate(DIVIDER)
    assert r.op["out"][0] == pytest.approx(3.75, rel=1e-9)
    assert r.op["i(v1)"][0] == pytest.approx(-5 / 40e3, rel=1e-6)
    [csv] = r.to_csv(tmp_path / "op.csv")
    assert "out,3.75" in csv.read_text()
    assert plot(r, tmp_path / "op.png").exists()


def test_dc_sweep_option():
    r = simulate(DIVIDER, dc="v1 0 5 1")
    assert np.allclose(r.dc["out"], 0.75 * np.arange(6))


def test_deck_from_path_with_relative_include(tmp_path):
    sub = tmp_path / "lib"
    sub.mkdir()
    (sub / "load.inc").write_text("r2 out 0 30k\n")
    deck = tmp_path / "top.cir"
    deck.write_text("top\nv1 in 0 dc 5\nr1 in out 10k\n.include lib/load.inc\n.op\n.end\n")
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        assert simulate(deck).op["out"][0] == pytest.approx(3.75)
        assert simulate(str(deck)).op["out"][0] == pytest.approx(3.75)
    finally:
        os.chdir(cwd)


def test_bad_decks_raise_one_line(tmp_path):
    deck = tmp_path / "bad.cir"
    deck.write_text("bad\nv1 in 0 1\nr1 in out 1k\nm1 out in 0 0 nomodel w=1u l=1u\n.op\n.end\n")
    with pytest.raises(SimulationError) as ei:
        simulate(deck)
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"{deck}:4:") and "nomodel" in msg
    with pytest.raises(SimulationError, match=r"<deck>:4: unknown parameter"):
        simulate("t\nv1 in 0 1\nr1 in out 1k\nc1 out 0 47n foo\n.op\n.end\n")
    with pytest.raises(SimulationError, match="unknown subckt"):
        simulate("t\nv1 in 0 1\nx1 in out nosuch\n.op\n.end\n")
    with pytest.raises(SimulationError, match="include file"):
        simulate("t\n.include /no/such/file.inc\nv1 in 0 1\n.op\n.end\n")
    # the engine is still usable afterwards
    assert simulate(DIVIDER).op["out"][0] == pytest.approx(3.75)


def test_failed_measure_is_none_not_error():
    deck = RC_AC.replace("-3.0103", "-300")
    r = simulate(deck)
    assert r.measures["f3db"] is None and r.warnings
    assert json.loads(r.to_json())["f3db"] is None


def test_measure_helpers_one_pole():
    f = np.logspace(0, 9, 901)
    a0, p = 1000.0, 1e4
    h = a0 / (1 + 1j * f / p) / (1 + 1j * f / 1e8)
    assert dc_gain_db(f, h) == pytest.approx(60, abs=1e-3)
    ugf_exact = p * math.sqrt(a0 ** 2 - 1)  # second pole far away: small shift only
    assert unity_gain_frequency(f, h) == pytest.approx(ugf_exact, rel=0.01)
    assert f3db(f, h) == pytest.approx(p, rel=0.01)
    pm = phase_margin(f, h)
    assert pm == pytest.approx(90 - math.degrees(math.atan(ugf_exact / 1e8)), abs=0.5)
    assert phase_margin(f, -h) == pytest.approx(pm)  # inverting: same margin
    assert unity_gain_frequency(f, h / 1e4) is None


@pytest.mark.skipif(not (DATA / "sizing" / "smoke" / "two_stage_10t_ptm45.inc").exists(),
                    reason="shared data not present")
def test_two_stage_opamp_ptm45(tmp_path):
    card = DATA / "sizing" / "models" / "ptm45" / "45nm_bulk_ckappa_fixed.txt"
    body = DATA / "sizing" / "smoke" / "two_stage_10t_ptm45.inc"
    tb = tmp_path / "tb.cir"
    tb.write_text(f"opamp tb\n.include {card}\n.include {body}\n.ac dec 20 1 1g\n"
                  ".meas ac gain find vdb(out) at=1\n.meas ac ugbw when vdb(out)=0 fall=1\n.end\n")
    r = simulate(tb)
    f, h = r.ac.x, r.ac["out"]
    assert dc_gain_db(f, h) == pytest.approx(49.23, abs=1.0)
    assert r.measures["gain"] == pytest.approx(49.23, abs=1.0)
    assert unity_gain_frequency(f, h) == pytest.approx(40.7e6, rel=0.10)
    assert r.measures["ugbw"] == pytest.approx(40.7e6, rel=0.10)
    assert 30 < phase_margin(f, h) < 90


def test_simulate_many_in_order(tmp_path):
    decks = []
    for k, r2 in enumerate([10e3, 30e3, 90e3, 1e3]):
        p = tmp_path / f"div{k}.cir"
        p.write_text(DIVIDER.replace("30k", str(r2)))
        decks.append(p)
    bad = tmp_path / "bad.cir"
    bad.write_text("bad\nv1 in 0 1\nx1 in out nosuch\n.op\n.end\n")
    res = simulate_many(decks[:2] + [bad] + decks[2:], jobs=2)
    assert [r["deck"] for r in res] == [str(p) for p in decks[:2] + [bad] + decks[2:]]
    outs = [r["analyses"]["op"]["vectors"]["out"][0] for r in res if r["ok"]]
    assert outs == pytest.approx([5 * r2 / (10e3 + r2) for r2 in [10e3, 30e3, 90e3, 1e3]])
    assert res[2]["ok"] is False and "unknown subckt" in res[2]["error"]
    # analysis options pass through, measures only
    res = simulate_many([RC_AC, RC_AC], jobs=2, keep_vectors=False, ac="dec 100 10 1meg")
    assert all(abs(r["f3db"] / F3DB - 1) < 0.01 and "analyses" not in r for r in res)
