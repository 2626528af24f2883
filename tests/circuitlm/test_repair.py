"""Deterministic repair: each fix on its broken case, re-validated; idempotent; ambiguity left alone."""
from __future__ import annotations

import pytest

from agents.circuitlm.design import Design, Net, Part
from agents.circuitlm.repair import repair
from agents.circuitlm.validate import validate
from tests.circuitlm.test_validate import (DATA, _decoupling, _flyback_diode, _led_series_resistor, _pullups,
                                           _split_ground, good_design)

from eda.kb import load_library

pytestmark = pytest.mark.skipif(not (DATA / "components").is_dir(), reason="shared data root not available")


@pytest.fixture(scope="module")
def lib():
    return load_library(DATA)


def _rules(report):
    return {f.rule for f in report.findings}


def test_good_design_needs_no_repair(lib):
    d = good_design()
    fixed, actions = repair(d, lib)
    assert actions == [] and fixed == d


@pytest.mark.parametrize("broken,rule,expect", [
    (_led_series_resistor, "led_series_resistor", "series resistor"),
    (_pullups, "pullups", "pull-up"),
    (_decoupling, "decoupling", "decoupling capacitor"),
    (_flyback_diode, "flyback_diode", "flyback diode"),
    (_split_ground, "split_ground", "merged ground nets GND2 into GND"),
])
def test_each_fix_clears_its_rule_and_is_idempotent(lib, broken, rule, expect):
    d = broken(good_design())
    assert rule in _rules(validate(d, lib, spice=False))
    fixed, actions = repair(d, lib)
    assert actions and all(expect in a for a in actions), actions
    assert rule not in _rules(validate(fixed, lib, spice=False))
    again, more = repair(fixed, lib)
    assert more == [] and again == fixed
    assert d != fixed                                   # the input is not modified in place
    assert broken(good_design()) == d


def test_blink_without_resistor_or_ground_is_fixed_and_passes_spice(lib):
    d = Design(title="blink", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="LED1", part="led")],
               nets=[Net(name="D13", pins=["U1:D13", "LED1:+"])])
    fixed, actions = repair(d, lib)
    assert any("LED1:-" in a and "ground" in a for a in actions)
    r = next(p for p in fixed.parts if p.part == "resistor")
    assert r.value == "220"                                     # (5 V - 2 V) / 15 mA = 200 -> E12 220
    report = validate(fixed, lib)
    assert report.passed, report.to_markdown()


def test_resistor_value_follows_the_logic_level(lib):
    d = Design(title="blink32", parts=[Part(ref="U1", part="esp32-devkit-v1"), Part(ref="LED1", part="led")],
               nets=[Net(name="D2", pins=["U1:D2", "LED1:+"]), Net(name="GND", pins=["U1:GND", "LED1:-"])])
    fixed, _ = repair(d, lib)
    assert next(p for p in fixed.parts if p.part == "resistor").value == "100"   # 1.3 V / 15 mA -> 100


def test_sensor_power_joins_the_one_fitting_rail(lib):
    # a BME280 takes at most 3.6 V: of an Uno's 5V and 3.3V outputs only 3.3V fits
    d = Design(title="bme", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="U2", part="bme280")],
               nets=[Net(name="SDA", pins=["U1:A4", "U2:SDA"]), Net(name="SCL", pins=["U1:A5", "U2:SCL"])])
    fixed, actions = repair(d, lib)
    rail = next(n for n in fixed.nets if "U2:3.3V" in n.pins)
    assert "U1:3.3V" in rail.pins
    assert any("U2:GND" in n.pins and "U1:GND" in n.pins for n in fixed.nets)
    pullups = [a for a in actions if "pull-up" in a]
    assert len(pullups) == 2 and all(rail.name in a for a in pullups)
    assert validate(fixed, lib, spice=False).passed


def test_ambiguous_rail_is_left_for_the_validator(lib):
    # a 3.3-5.5 V sensor with an Uno: 5 V is its nominal supply, so 5V is chosen; with two 5 V
    # rails (a board and a separate battery pack) nothing is guessed
    d = Design(title="pir", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="S1", part="ir-receiver"),
                                   Part(ref="B1", part="battery-generic", value="5V")],
               nets=[Net(name="SIG", pins=["U1:D2", "S1:D"]), Net(name="5V", pins=["U1:5V", "U1:5V"]),
                     Net(name="VBAT", pins=["B1:+"]), Net(name="GND", pins=["U1:GND", "B1:-"])])
    fixed, actions = repair(d, lib)
    assert not any("S1:VCC" in a for a in actions)
    assert "dangling_power" in _rules(validate(fixed, lib, spice=False))


def _random_design(rng, lib) -> Design:
    parts = [Part(ref=f"X{i}", part=rng.choice(lib.ids), value=rng.choice([None, "220", "10k", "5V", "100n", "junk"]))
             for i in range(rng.randint(1, 7))]
    if rng.random() < 0.1:
        parts.append(Part(ref="Z", part="no-such-part"))
    pins = [f"{p.ref}:{n}" for p in parts if p.part in lib for n in lib.get(p.part).unique_pins]
    pins += ["bad", "X0:NOPE"] if rng.random() < 0.1 else []
    nets = [Net(name=rng.choice(["GND", "5V", "3V3", "VCC", "12V", f"N{j}"]) + rng.choice(["", f"_{j}"]),
                pins=rng.sample(pins, min(rng.randint(1, 4), len(pins)))) for j in range(rng.randint(0, 8))]
    return Design(title="random", parts=parts, nets=nets)


def test_random_designs_validate_and_repair_idempotently(lib):
    import random
    for seed in range(60):
        d = _random_design(random.Random(seed), lib)
        report = validate(d, lib)                      # SPICE too: never an exception, always a report
        assert 0.0 <= report.structural_score <= 1.0 and 0.0 <= report.electrical_score <= 1.0
        fixed, actions = repair(d, lib)
        again, more = repair(fixed, lib)
        assert more == [] and again == fixed, (seed, more)
        validate(fixed, lib)
