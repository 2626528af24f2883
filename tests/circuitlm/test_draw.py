"""Drawing: real symbols for passives/semiconductors, labelled boxes, SVG that renders to PNG."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from agents.circuitlm.draw import render_svg, svg_to_png
from agents.circuitlm.layout import layout_quality, place
from agents.circuitlm.symbols import SYMBOL_KINDS, symbol_for
from eda.kb import load_library

from .test_layout import DESIGNS, design


@pytest.fixture(scope="module")
def lib():
    return load_library()


DRAWN = {"resistor": "resistor", "capacitor": "capacitor", "inductor": "inductor", "led": "led",
         "diode": "diode", "npn-transistor": "npn", "pnp-transistor": "pnp", "mosfet": "mosfet",
         "push-button": "push-button", "potentiometer": "potentiometer", "battery-9v": "battery",
         "18650-battery": "battery", "dc-motor": "motor"}


@pytest.mark.parametrize("pid", sorted(DRAWN))
def test_library_parts_get_their_symbol(lib, pid):
    kp = lib.get(pid)
    sym = symbol_for(pid, kp.unique_pins)
    assert sym.kind == DRAWN[pid] and not sym.is_box
    assert set(sym.pins) == set(kp.unique_pins)
    # every pin tip on the grid, in every orientation
    for rot in (0, 90, 180, 270):
        for p in sym.rotated(rot).pins.values():
            assert float(p.x).is_integer() and float(p.y).is_integer()
    assert pid in SYMBOL_KINDS


def test_modules_are_labelled_boxes_with_pin_names(lib):
    kp = lib.get("esp32-devkit-v1")
    sym = symbol_for("esp32-devkit-v1", kp.unique_pins, ["U1", kp.name])
    assert sym.is_box
    texts = {p[3] for p in sym.prims if p[0] == "text"}
    assert set(kp.unique_pins) <= texts and "U1" in texts
    # pins of one side are on distinct rows
    rows = [p.y for p in sym.pins.values() if p.facing == "left"]
    assert len(rows) == len(set(rows))


def test_pins_that_do_not_fit_a_symbol_fall_back_to_a_box():
    assert symbol_for("led", ["A", "K", "X"]).is_box


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_svg_is_valid_and_renders_to_png(lib, tmp_path, name):
    from PIL import Image

    d = DESIGNS[name]
    lay = place(d, lib)
    svg = render_svg(d, lib, lay)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = {el.text for el in root.iter() if el.tag.endswith("text")}
    assert {p.ref for p in d.parts} <= texts          # every part is named on the sheet
    assert {n.name for n in d.nets if n.name in lay.labelled_nets and n.name != "GND"} <= texts
    wires = [el for el in root.iter() if el.tag.endswith("polyline") and el.find("{*}title") is not None]
    assert len(wires) == len(lay.traces)
    out = svg_to_png(svg, tmp_path / "s.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data)).convert("L")
    w, h = img.size
    assert w > 300 and h > 300
    dark = sum(img.histogram()[:128])
    assert dark > 0.005 * w * h       # something is drawn, not a blank sheet
    assert layout_quality(lay)["label_trace_overlaps"] == 0


def test_value_and_text_escaped(lib, tmp_path):
    d = design("R & <C>", [("R1", "resistor", "4.7k"), ("C1", "capacitor", "100n")],
               {"A&B": ["R1:1", "C1:+"], "GND": ["R1:2", "C1:-"]})
    svg = render_svg(d, lib, place(d, lib))
    root = ET.fromstring(svg)
    texts = {el.text for el in root.iter() if el.tag.endswith("text")}
    assert "R & <C>" in texts and "4.7kΩ" in texts and "100nF" in texts
    svg_to_png(svg, tmp_path / "x.png")


def test_long_title_wraps_inside_the_sheet(lib):
    title = "Blink an LED with an Arduino Uno, with a current-limiting resistor " * 3
    d = design(title, [("R1", "resistor", "1k")], {"A": ["R1:1"], "GND": ["R1:2"]})
    svg = render_svg(d, lib, place(d, lib))
    root = ET.fromstring(svg)
    width = float(root.get("width"))
    lines = [el for el in root.iter() if el.tag.endswith("text") and el.get("font-weight") == "bold"
             and float(el.get("font-size")) > 1.5]
    assert 2 <= len(lines) <= 3
    from agents.circuitlm.draw import SCALE
    from agents.circuitlm.symbols import text_width
    for el in lines:  # each line fits the sheet
        assert text_width(el.text, float(el.get("font-size"))) * SCALE < width
    assert " ".join(el.text for el in lines).rstrip("…").split()[:8] == title.split()[:8]


def test_unused_box_pins_are_grey(lib):
    from agents.circuitlm.draw import UNUSED

    d = DESIGNS["blink"]
    root = ET.fromstring(render_svg(d, lib, place(d, lib)))
    fill = {el.text: el.get("fill") for el in root.iter() if el.tag.endswith("text")}
    assert fill["D13"] != UNUSED and fill["D12"] == UNUSED and fill["A0"] == UNUSED
