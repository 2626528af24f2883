"""SPEF reader: units, name map, escapes, coupling attribution, errors, and the real OpenRCX files."""
import csv
import os
from pathlib import Path

import pytest

from eda.errors import EdaError, NetlistError
from eda.formats.spef import SpefMismatch, check_nets, read_spef, unescape

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")) / "parasitic"

SMALL = """*SPEF "IEEE 1481-1998"
*DESIGN "tiny"
*DIVIDER /
*DELIMITER :
*BUS_DELIMITER [ ]
*C_UNIT 1 FF
*R_UNIT 1 OHM

*NAME_MAP
*1 a\\.b\\[0\\]
*2 n2
*3 u1

*D_NET *1 3.5
*CONN
*P in I
*I *3:A I *D INV_X1
*CAP
1 *1:1 1.0
2 *3:A 0.5
3 *1:1 *2:2 2.0
*RES
1 *1:1 *3:A 1.0
*END

*D_NET *2 4.0
*CONN
*I *3:ZN O *D INV_X1
*CAP
1 *2:2 1.0
2 *2:2 *1:1 3.0
*END
"""


def test_small_spef_units_names_and_couplings(tmp_path):
    s = read_spef(tmp_path / "t.spef", SMALL)
    assert s.design == "tiny" and s.c_unit == pytest.approx(1e-15)
    assert set(s.nets) == {"a.b[0]", "n2"}            # name map resolved, escapes removed
    a, b = s.nets["a.b[0]"], s.nets["n2"]
    assert a.total_cap == pytest.approx(3.5e-15)
    assert a.ground_cap == pytest.approx(1.5e-15) and a.coupling_cap == pytest.approx(2e-15)
    assert b.ground_cap == pytest.approx(1e-15) and b.coupling_cap == pytest.approx(3e-15)
    assert a.conns == [("in", "I", ""), ("u1:A", "I", "INV_X1")] and a.n_res == 1
    # both nets list the same coupling: the two listings (2 fF, 3 fF) are averaged
    assert s.couplings == {("a.b[0]", "n2"): pytest.approx(2.5e-15)}


def test_unescape():
    assert unescape(r"ctrl\.state\.out\[2\]") == "ctrl.state.out[2]"
    assert unescape("plain[3]") == "plain[3]"


def test_gzip_file_reads(tmp_path):
    import gzip
    p = tmp_path / "t.spef.gz"
    p.write_bytes(gzip.compress(SMALL.encode()))
    assert set(read_spef(p).nets) == {"a.b[0]", "n2"}


@pytest.mark.parametrize("text,msg", [
    ("*DESIGN x\n", "not a SPEF"),
    (SMALL.replace("*D_NET *2 4.0\n", "*D_NET *9 4.0\n"), "*9 is not in the *NAME_MAP"),
    (SMALL.replace("2 *2:2 *1:1 3.0\n*END\n", "2 *2:2 *1:1 3.0\n"), "has no *END"),
    (SMALL.replace("1 *1:1 1.0", "1 *1:1 1.x0"), "bad number"),
    (SMALL.replace("*C_UNIT 1 FF", "*C_UNIT 1 QQ"), "C_UNIT"),
])
def test_bad_spef_is_a_located_error(tmp_path, text, msg):
    with pytest.raises(NetlistError) as e:
        read_spef(tmp_path / "bad.spef", text)
    assert msg in str(e.value) and "bad.spef:" in str(e.value)


def test_missing_file():
    with pytest.raises(EdaError, match="not found"):
        read_spef("/nonexistent/x.spef")


def test_check_nets_lists_a_few_mismatches(tmp_path):
    s = read_spef(tmp_path / "t.spef", SMALL)
    assert check_nets(s, ["a.b[0]", "n2", "other"]) == []
    with pytest.raises(SpefMismatch) as e:
        check_nets(s, ["a_b_0", "n2_x"], "design.v")
    msg = str(e.value)
    assert "2 of 2 SPEF nets are not in design.v" in msg and "a.b[0]" in msg and "n2" in msg
    assert "netlist has e.g. a_b_0" in msg


@pytest.mark.skipif(not (DATA / "sky130_gcd_openrcx").is_dir(), reason="needs ../shared/data/parasitic")
def test_real_openrcx_spef_matches_the_derived_tsv():
    """The derived per-net and per-pair tables in the data folder were made by another reader:
    ours gives the same numbers for every net and every pair."""
    d = DATA / "sky130_gcd_openrcx"
    s = read_spef(d / "gcd_sky130hd.spef.gz")
    assert s.c_unit == pytest.approx(1e-12) and len(s.nets) == 288
    with open(d / "gcd_sky130hd.netcaps.tsv") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        n = s.nets[unescape(r["net"])]
        assert n.ground_cap == pytest.approx(float(r["ground_cap"]) * 1e-12, rel=1e-6, abs=1e-24)
        assert n.coupling_cap == pytest.approx(float(r["coupling_cap"]) * 1e-12, rel=1e-4, abs=1e-24)
        assert n.total_cap == pytest.approx(float(r["total_cap"]) * 1e-12, rel=1e-4)
    with open(d / "gcd_sky130hd.coupling_pairs.tsv") as f:
        pairs = {tuple(sorted((unescape(r["net_a"]), unescape(r["net_b"])))): float(r["coupling_cap"]) * 1e-12
                 for r in csv.DictReader(f, delimiter="\t")}
    assert len(pairs) == len(s.couplings) == 974
    for k, v in pairs.items():
        assert s.couplings[k] == pytest.approx(v, rel=1e-3, abs=1e-24)
