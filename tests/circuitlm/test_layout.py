"""Layout: no overlapping parts, every net drawn connected (wires or labels), quality figures."""
from __future__ import annotations

import random

import pytest

from agents.circuitlm.design import Design, Net, Part, split_pin
from agents.circuitlm.layout import Layout, PlacedPart, Trace, layout_quality, place
from agents.circuitlm.symbols import symbol_for
from eda.kb import load_library
from eda.unionfind import UnionFind


@pytest.fixture(scope="module")
def lib():
    return load_library()


def design(title, parts, nets) -> Design:
    return Design(title=title, parts=[Part(ref=r, part=p, value=v) for r, p, v in parts],
                  nets=[Net(name=n, pins=ps) for n, ps in nets.items()])


BLINK = design("Blink an LED", [("U1", "arduino-uno", None), ("R1", "resistor", "220"), ("LED1", "led", None)],
               {"D13": ["U1:D13", "R1:1"], "LED_A": ["R1:2", "LED1:+"], "GND": ["LED1:-", "U1:GND"]})
ESP_I2C = design(
    "ESP32 + BME280 + SSD1306",
    [("U1", "esp32-devkit-v1", None), ("U2", "bme280", None), ("U3", "ssd1306", None),
     ("R1", "resistor", "4.7k"), ("R2", "resistor", "4.7k"), ("C1", "capacitor", "100n")],
    {"SDA": ["U1:D21", "U2:SDA", "U3:SDA", "R1:2"], "SCL": ["U1:D22", "U2:SCL", "U3:SCL", "R2:2"],
     "3V3": ["U1:3V3", "U2:3.3V", "U3:VCC", "R1:1", "R2:1", "C1:+"],
     "GND": ["U1:GND", "U2:GND", "U3:GND", "C1:-"]})
TEN = design(
    "Ten parts",
    [("U1", "arduino-uno", None), ("R1", "resistor", "220"), ("LED1", "led", None), ("R2", "resistor", "10k"),
     ("SW1", "push-button", None), ("Q1", "npn-transistor", None), ("R3", "resistor", "1k"),
     ("M1", "dc-motor", None), ("D1", "diode", None), ("U2", "hc-sr04", None)],
    {"D13": ["U1:D13", "R1:1"], "LEDA": ["R1:2", "LED1:+"], "BTN": ["U1:D2", "SW1:1", "R2:1"],
     "BASE_DRV": ["U1:D9", "R3:1"], "B": ["R3:2", "Q1:B"], "MOTOR_N": ["Q1:C", "M1:-", "D1:+"],
     "5V": ["U1:5V", "SW1:2", "M1:+", "D1:-", "U2:VCC"],
     "GND": ["U1:GND", "LED1:-", "R2:2", "Q1:E", "U2:GND"], "TRIG": ["U1:D7", "U2:TRIG"],
     "ECHO": ["U1:D8", "U2:ECHO"]})
DESIGNS = {"blink": BLINK, "esp_i2c": ESP_I2C, "ten": TEN}


def random_design(lib, rng: random.Random, n_parts: int) -> Design:
    """A random but well-formed design: library parts, nets over distinct pins."""
    ids = sorted(lib.ids)
    parts = []
    for i in range(n_parts):
        pid = rng.choice(ids)
        parts.append(Part(ref=f"X{i + 1}", part=pid, value="1k" if pid == "resistor" else None))
    free = [f"{p.ref}:{n}" for p in parts for n in lib.get(p.part).unique_pins]
    rng.shuffle(free)
    nets = []
    names = ["GND", "5V", "SIG1", "SIG2", "SIG3", "SIG4", "BUS_A", "BUS_B", "OUT"]
    for name in names:
        k = rng.choice([2, 2, 3, 4, 6]) if name not in ("GND", "5V") else rng.randint(2, 5)
        pins, free = free[:k], free[k:]
        if len(pins) >= 2:
            nets.append(Net(name=name, pins=pins))
    return Design(title="random", parts=parts, nets=nets)


def check_drawn_connectivity(d: Design, lay: Layout) -> None:
    """Every net is drawn connected: its wires join all its pins, or each pin carries its label."""
    for net in d.nets:
        pins = [p for p in net.pins if split_pin(p)[0] in lay.parts]
        if net.name in lay.labelled_nets:
            labelled = {lb.pin for lb in lay.labels if lb.net == net.name}
            assert set(pins) <= labelled, (net.name, set(pins) - labelled)
            continue
        traces = [t for t in lay.traces if t.net == net.name]
        uf = UnionFind()
        points = {}
        for p in pins:
            x, y, _ = lay.pins[p]
            points[(x, y)] = p
            uf.find(p)
        for t in traces:
            # orthogonal, on the grid
            for (x1, y1), (x2, y2) in zip(t.points, t.points[1:]):
                assert x1 == x2 or y1 == y2, t
                assert float(x1).is_integer() and float(y1).is_integer()
            ends = [t.points[0], t.points[-1]]
            assert ends[0] in points and points[ends[0]] == t.pins[0]
            nodes = [("pt", pt) for pt in t.points]
            for a in nodes[1:]:
                uf.union(nodes[0], a)
            for pt in t.points:
                if pt in points:
                    uf.union(points[pt], nodes[0])
        # wires of one net that touch are one node: join traces sharing a point
        for i, a in enumerate(traces):
            for b in traces[i + 1:]:
                if set(a.points) & set(b.points) or any(_on(pt, b) for pt in a.points) or \
                        any(_on(pt, a) for pt in b.points):
                    uf.union(("pt", a.points[0]), ("pt", b.points[0]))
        if len(pins) >= 2:
            roots = {uf.find(p) for p in pins}
            assert len(roots) == 1, f"net {net.name} drawn in {len(roots)} pieces"


def _on(pt, t: Trace) -> bool:
    x, y = pt
    for (x1, y1), (x2, y2) in zip(t.points, t.points[1:]):
        if min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2) and (x1 == x2 or y1 == y2):
            return True
    return False


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_layout_quality_of_reference_designs(lib, name):
    d = DESIGNS[name]
    lay = place(d, lib, seed=0)
    q = layout_quality(lay)
    print(name, q)  # the crossing count is reported (pytest -s shows it)
    assert q["parts"] == len(d.parts)
    assert q["overlaps"] == 0
    assert q["label_part_overlaps"] == 0 and q["label_overlaps"] == 0
    assert q["label_trace_overlaps"] == 0
    assert q["trace_part_overlaps"] == 0 and q["trace_overlaps"] == 0
    assert isinstance(q["crossings"], int) and q["crossings"] <= 4
    assert q["traces"] >= 2  # signal nets are wires, not only labels
    check_drawn_connectivity(d, lay)
    # rails are labels: ground symbols and supply flags, not wires across the sheet
    assert "GND" in lay.labelled_nets and not any(t.net == "GND" for t in lay.traces)


def test_pins_on_grid_and_parts_snapped(lib):
    lay = place(TEN, lib)
    for x, y, facing in lay.pins.values():
        assert float(x).is_integer() and float(y).is_integer()
        assert facing in ("left", "right", "up", "down")


def test_deterministic_for_a_seed(lib):
    a = place(ESP_I2C, lib, seed=3)
    b = place(ESP_I2C, lib, seed=3)
    assert {r: (p.x, p.y, p.rotation) for r, p in a.parts.items()} == \
        {r: (p.x, p.y, p.rotation) for r, p in b.parts.items()}
    assert [t.points for t in a.traces] == [t.points for t in b.traces]


def test_random_designs_never_overlap_and_stay_connected(lib):
    rng = random.Random(7)
    worst = 0
    for i in range(8):
        d = random_design(lib, rng, rng.randint(2, 9))
        lay = place(d, lib, seed=i)
        q = layout_quality(lay)
        assert q["overlaps"] == 0, (i, q)
        assert q["trace_part_overlaps"] == 0 and q["trace_overlaps"] == 0, (i, q)
        check_drawn_connectivity(d, lay)
        worst = max(worst, q["crossings"])
    print("worst crossings over random designs:", worst)


def test_quality_counts_what_it_claims():
    """layout_quality on a hand-made layout: one overlap, one crossing, one label over a wire."""
    from agents.circuitlm.layout import NetLabel, label_geometry

    r = symbol_for("resistor", ["1", "2"])
    a = PlacedPart("R1", "resistor", r, 0, 0)
    b = PlacedPart("R2", "resistor", r, 4, 0)      # overlaps R1
    c = PlacedPart("R3", "resistor", r, 40, 40)
    t1 = Trace("A", ("R1:1", "R3:1"), [(0.0, 20.0), (30.0, 20.0)])
    t2 = Trace("B", ("R1:2", "R3:2"), [(10.0, 10.0), (10.0, 30.0)])
    lb = NetLabel("C", "R3:2", 5, 19, "right", "signal", "C", label_geometry("signal", "C", 5, 19, "right"))
    lay = Layout({"R1": a, "R2": b, "R3": c}, {}, [t1, t2], [lb], {}, {"C"})
    q = layout_quality(lay)
    assert q["overlaps"] == 1
    assert q["crossings"] == 1
    assert q["label_trace_overlaps"] >= 1


def test_unknown_part_and_pin_still_drawn_as_box(lib):
    d = design("odd", [("U1", "flux-capacitor", None), ("R1", "resistor", "1k")],
               {"N1": ["U1:FLUX", "R1:1"], "GND": ["U1:GND", "R1:2"]})
    lay = place(d, lib)
    assert lay.parts["U1"].symbol.is_box and "FLUX" in lay.parts["U1"].symbol.pins
    assert layout_quality(lay)["overlaps"] == 0
    check_drawn_connectivity(d, lay)


def test_empty_design(lib):
    lay = place(Design(title="empty"), lib)
    assert lay.parts == {} and layout_quality(lay)["overlaps"] == 0
