"""CircuitGCL parasitic estimation: the paper's label transform and buckets, the graph, the losses."""
import numpy as np
import pytest
import torch

from eda.formats.verilog import read_verilog
from models.parasitic import labels as L
from models.parasitic.graph import FAMILIES, build_graph, candidate_pairs, cell_family, output_pins, pair_hops
from models.parasitic.model import bmc_loss, bsce_loss, scatter_loss


def test_label_transform_is_the_papers():
    c = np.array([1e-21, 1.0001e-21, 1e-18, 1e-16, 9.99e-16, 1e-15, 2e-15, 0.0])
    y = L.transform(c)
    # keep strictly 1e-21 < C < 1e-15
    assert np.isnan(y[[0, 5, 6, 7]]).all() and not np.isnan(y[1:5]).any()
    # y = log10(C * 1e21) / 6
    assert y[2] == pytest.approx(np.log10(1000) / 6) and y[3] == pytest.approx(5 / 6)
    assert ((y[1:5] > 0) & (y[1:5] < 1)).all()
    np.testing.assert_allclose(L.inverse(y[1:5]), c[1:5], rtol=1e-12)


def test_buckets_match_torch_bucketize():
    y = np.array([0.0, 0.1, 0.2, 0.2000001, 0.4, 0.5, 0.6, 0.79, 0.8, 0.81, 1.0])
    want = torch.bucketize(torch.tensor(y), torch.tensor([0.2, 0.4, 0.6, 0.8], dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(L.bucket(y), want)
    np.testing.assert_array_equal(L.bucket(y), [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    assert L.N_CLASSES == 5
    lo, hi = L.class_range(4)
    assert lo == pytest.approx(10 ** 4.8 * 1e-21) and hi == pytest.approx(1e-15)


NETLIST = """
module top (a, b, clk, y);
  input a, b, clk; output y;
  wire n1, n2, q;
  sky130_fd_sc_hd__nand2_1 u1 (.A(a), .B(b), .Y(n1));
  sky130_fd_sc_hd__inv_2 u2 (.A(n1), .Y(n2));
  sky130_fd_sc_hd__dfxtp_1 r1 (.CLK(clk), .D(n2), .Q(q));
  sky130_fd_sc_hd__mux2_1 m1 (.A0(q), .A1(a), .S(b), .X(y));
  sky130_fd_sc_hd__fill_1 f1 ();
  sky130_fd_sc_hd__tapvpwrvgnd_1 t1 ();
endmodule
"""


def test_graph_of_a_small_netlist():
    g = build_graph(read_verilog(NETLIST, "t.v"), "t")
    assert g.cell_names == ["u1", "u2", "r1", "m1"]          # fill/tap cells left out
    assert set(g.net_names) == {"a", "b", "clk", "y", "n1", "n2", "q"}
    idx = g.net_index()
    # each net has exactly one driver: a cell output or an input port
    drv = np.zeros(g.num_nets)
    np.add.at(drv, g.pin_net[g.pin_out], 1)
    ports_in = g.x_pin[:, 4] > 0
    np.add.at(drv, g.pin_net[ports_in], 1)
    assert (drv == 1).all()
    assert g.x_net[idx["a"], 0] == pytest.approx(np.log1p(2))   # fanout of a: u1.A and m1.A1
    fam = {n: FAMILIES[int(np.argmax(g.x_cell[i, 5:]))] for i, n in enumerate(g.cell_names)}
    assert fam == {"u1": "nand", "u2": "inv", "r1": "flop", "m1": "mux"}
    pairs = candidate_pairs(g, hops=1)
    assert {tuple(sorted((g.net_names[a], g.net_names[b]))) for a, b in pairs} >= {("a", "b"), ("n1", "n2")}
    assert (pairs[:, 0] < pairs[:, 1]).all()
    hp = pair_hops(g, np.array([[idx["a"], idx["n1"]], [idx["a"], idx["n2"]], [idx["a"], idx["clk"]]]))
    assert hp.tolist() == [1, 2, 2]          # a-clk: a -m1- q -r1- clk


def test_cell_names_across_libraries():
    assert cell_family("gf180mcu_fd_sc_mcu7t5v0__aoi21_2") == "aoi"
    assert cell_family("sky130_fd_sc_hd__a21oi_1") == "aoi"
    assert cell_family("sky130_fd_sc_hd__o21ai_0") == "oai"
    assert cell_family("NAND2_X2") == "nand" and cell_family("DFFR_X1") == "flop"
    assert cell_family("sky130_fd_sc_hd__dlygate4sd3_1") == "buf"
    assert cell_family("gf180mcu_fd_sc_mcu7t5v0__fillcap_4") is None
    assert output_pins(("A0", "A1", "S", "X")) == {"X"} and output_pins(("A", "B", "CI", "CO", "S")) == {"CO", "S"}


def test_bmc_loss_is_the_correct_form():
    pred, y, s = torch.tensor([0.1, 0.5, 0.9]), torch.tensor([0.2, 0.4, 0.95]), 0.3
    logits = -(pred[:, None] - y[None, :]) ** 2 / (2 * s * s)
    want = -torch.log_softmax(logits, 1).diagonal().mean() * 2 * s * s
    assert bmc_loss(pred, y, s).item() == pytest.approx(want.item(), rel=1e-6)
    # a perfect, well-separated prediction costs less than a shuffled one
    assert bmc_loss(y, y, 0.05) < bmc_loss(y.flip(0), y, 0.05)


def test_bsce_adds_the_log_prior():
    logits, y = torch.randn(6, 5), torch.tensor([0, 1, 4, 4, 4, 3])
    prior = torch.log(torch.tensor([0.01, 0.04, 0.05, 0.1, 0.8]))
    want = torch.nn.functional.cross_entropy(logits + prior, y)
    assert bsce_loss(logits, y, prior).item() == pytest.approx(want.item())


def test_scatter_loss_prefers_spread_representations():
    together = torch.ones(10, 4) + 0.01 * torch.randn(10, 4)
    spread = torch.randn(10, 4)
    assert scatter_loss(spread) < scatter_loss(together)
    assert scatter_loss(together).item() == pytest.approx(0.0, abs=1e-3)
