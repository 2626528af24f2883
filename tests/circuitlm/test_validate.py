"""DMCV validator on hand-written circuits: every rule fires on its bad case and is silent on the good one."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.circuitlm.design import Design, Net, Part
from agents.circuitlm.validate import RULES, validate
from eda.kb import load_library

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
pytestmark = pytest.mark.skipif(not (DATA / "components").is_dir(), reason="shared data root not available")


@pytest.fixture(scope="module")
def lib():
    return load_library(DATA)


def good_design() -> Design:
    """An Arduino Uno with an LED, an I2C BME280 on 3.3 V, a switched motor, a button, a shift
    register and an ultrasonic sensor, all wired as a careful engineer would."""
    P = Part
    parts = [P(ref="U1", part="arduino-uno"), P(ref="R1", part="resistor", value="220"), P(ref="LED1", part="led"),
             P(ref="U2", part="bme280"), P(ref="R2", part="resistor", value="4.7k"),
             P(ref="R3", part="resistor", value="4.7k"), P(ref="C1", part="capacitor", value="100n"),
             P(ref="Q1", part="mosfet"), P(ref="R4", part="resistor", value="220"),
             P(ref="R5", part="resistor", value="10k"), P(ref="M1", part="dc-motor"), P(ref="D1", part="diode"),
             P(ref="SW1", part="push-button"), P(ref="R6", part="resistor", value="10k"),
             P(ref="U3", part="74hc595"), P(ref="C2", part="capacitor", value="100n"),
             P(ref="U4", part="hc-sr04")]
    nets = [Net(name="D13", pins=["U1:D13", "R1:1"]), Net(name="LED_A", pins=["R1:2", "LED1:+"]),
            Net(name="GND", pins=["U1:GND", "LED1:-", "U2:GND", "C1:-", "Q1:S", "R5:2", "R6:2", "U3:GND",
                                  "U3:OE", "C2:-", "U4:GND"]),
            Net(name="3V3", pins=["U1:3.3V", "U2:3.3V", "R2:2", "R3:2", "C1:+"]),
            Net(name="SDA", pins=["U1:A4", "U2:SDA", "R2:1"]), Net(name="SCL", pins=["U1:A5", "U2:SCL", "R3:1"]),
            Net(name="5V", pins=["U1:5V", "M1:+", "D1:-", "SW1:1", "U3:VCC", "U3:MR", "C2:+", "U4:VCC"]),
            Net(name="GATE_DRV", pins=["U1:D5", "R4:1"]), Net(name="GATE", pins=["R4:2", "Q1:G", "R5:1"]),
            Net(name="MOTOR_LOW", pins=["M1:-", "Q1:D", "D1:+"]),
            Net(name="BUTTON", pins=["U1:D2", "SW1:2", "R6:1"]),
            Net(name="DS", pins=["U1:D8", "U3:DS"]), Net(name="SHCP", pins=["U1:D9", "U3:SHCP"]),
            Net(name="STCP", pins=["U1:D10", "U3:STCP"]),
            Net(name="TRIG", pins=["U1:D3", "U4:TRIG"]), Net(name="ECHO", pins=["U1:D4", "U4:ECHO"])]
    return Design(title="test bench", prompt="a careful test circuit", parts=parts, nets=nets)


def net(d: Design, name: str) -> Net:
    return next(n for n in d.nets if n.name == name)


def drop(d: Design, pin: str) -> Design:
    for n in d.nets:
        if pin in n.pins:
            n.pins.remove(pin)
    return d


def add_part(d: Design, ref: str, part: str, value: str | None = None) -> Design:
    d.parts.append(Part(ref=ref, part=part, value=value))
    return d


def _unknown_part(d):
    return add_part(d, "X1", "flux-capacitor")


def _duplicate_ref(d):
    return add_part(d, "R1", "resistor", "1k")


def _unknown_pin(d):
    net(d, "ECHO").pins.append("U1:D99")
    return d


def _pin_on_several_nets(d):
    net(d, "TRIG").pins.append("U1:D8")
    return d


def _single_pin_net(d):
    d.nets.append(Net(name="LONELY", pins=["U1:D7"]))
    return d


def _open_terminal(d):
    return drop(d, "LED1:-")


def _idle_part(d):
    add_part(d, "U5", "dht22")
    net(d, "5V").pins.append("U5:VCC")
    net(d, "GND").pins.append("U5:GND")
    return d


def _split_ground(d):
    drop(d, "U4:GND")
    d.nets.append(Net(name="GND2", pins=["U4:GND"]))
    return d


def _dangling_power(d):
    return drop(d, "U4:VCC")


def _output_conflict(d):
    add_part(d, "U5", "hc-sr04")
    net(d, "ECHO").pins.append("U5:ECHO")
    net(d, "5V").pins.append("U5:VCC")
    net(d, "GND").pins.append("U5:GND")
    return d


def _shorted_supply(d):
    add_part(d, "BT1", "battery-9v")
    net(d, "GND").pins += ["BT1:VCC", "BT1:GND"]
    return d


def _supply_range(d):
    drop(d, "U2:3.3V")
    net(d, "5V").pins.append("U2:3.3V")
    return d


def _led_series_resistor(d):
    drop(d, "R1:1")
    drop(d, "LED1:+")
    net(d, "D13").pins.append("LED1:+")
    return d


def _led_polarity(d):
    drop(d, "LED1:+")
    drop(d, "LED1:-")
    net(d, "LED_A").pins.append("LED1:-")
    net(d, "GND").pins.append("LED1:+")
    return d


def _logic_level(d):
    add_part(d, "U5", "hc05")
    net(d, "5V").pins.append("U5:VCC")
    net(d, "GND").pins.append("U5:GND")
    d.nets.append(Net(name="BT_RX", pins=["U1:TX0", "U5:RX"]))
    return d


def _flyback_diode(d):
    d.parts = [p for p in d.parts if p.ref != "D1"]
    drop(d, "D1:+")
    return drop(d, "D1:-")


def _pullups(d):
    d.parts = [p for p in d.parts if p.ref not in ("R2", "R3")]
    for p in ("R2:1", "R2:2", "R3:1", "R3:2"):
        drop(d, p)
    return d


def _floating_input(d):
    return drop(d, "U3:MR")


def _decoupling(d):
    d.parts = [p for p in d.parts if p.ref != "C2"]
    drop(d, "C2:+")
    return drop(d, "C2:-")


def _led_current(d):
    next(p for p in d.parts if p.ref == "R1").value = "47"
    return d


def _current_budget(d):
    add_part(d, "M2", "servo")
    d.nets.append(Net(name="SERVO_PWR", pins=["U1:D7", "M2:VCC"]))
    net(d, "GND").pins.append("M2:GND")
    net(d, "D13").pins.append("M2:DATA")
    return d


BAD = {
    "unknown_part": (_unknown_part, "fatal"), "duplicate_ref": (_duplicate_ref, "fatal"),
    "unknown_pin": (_unknown_pin, "fatal"), "pin_on_several_nets": (_pin_on_several_nets, "major"),
    "single_pin_net": (_single_pin_net, "minor"), "open_terminal": (_open_terminal, "major"),
    "idle_part": (_idle_part, "minor"), "split_ground": (_split_ground, "major"), "dangling_power": (_dangling_power, "major"),
    "output_conflict": (_output_conflict, "major"), "shorted_supply": (_shorted_supply, "fatal"),
    "supply_range": (_supply_range, "fatal"), "led_series_resistor": (_led_series_resistor, "major"),
    "led_polarity": (_led_polarity, "major"), "logic_level": (_logic_level, "major"),
    "flyback_diode": (_flyback_diode, "major"), "pullups": (_pullups, "major"),
    "floating_input": (_floating_input, "major"), "decoupling": (_decoupling, "major"),
    "led_current": (_led_current, "major"), "current_budget": (_current_budget, "major"),
}


def test_every_registered_rule_has_a_bad_case():
    assert set(BAD) == set(RULES)


def test_good_design_is_silent_on_every_rule(lib):
    report = validate(good_design(), lib, spice=False)
    assert report.findings == [] and report.passed
    assert report.structural_score == 1.0 and report.electrical_score == 1.0
    assert set(report.rules_run) == set(RULES)


@pytest.mark.parametrize("rule", sorted(BAD))
def test_rule_fires_on_its_bad_case(lib, rule):
    make, severity = BAD[rule]
    report = validate(make(good_design()), lib, spice=False)
    mine = [f for f in report.findings if f.rule == rule]
    assert mine, f"{rule} silent on its bad case; got {[(f.rule, f.message) for f in report.findings]}"
    assert any(f.severity == severity for f in mine)
    assert not report.passed or severity == "minor"
    assert (report.structural_score if RULES[rule].category == "structural" else report.electrical_score) < 1.0


def test_good_design_passes_spice_at_the_operating_point(lib):
    report = validate(good_design(), lib)
    assert report.passed, report.to_markdown()
    assert "spice" in report.rules_run and report.spice is not None
    assert 0.0 < report.spice["node_voltages"]["LED_A"] < 2.5        # an LED's forward drop
    led = next(e for e in report.spice["elements"] if e["name"] == "Vam_LED1_p")
    assert 8.0 < led["current_ma"] < 15.0                             # (5 V - Vf) / (220 + 25 ohm)


def test_spice_flags_overcurrent_that_rules_only_estimate(lib):
    report = validate(_led_current(good_design()), lib, rules=["led_series_resistor"])
    spice = [f for f in report.findings if f.category == "spice"]
    assert {f.pins[0] for f in spice} >= {"LED1:+", "U1:D13"} and not report.passed


def test_spice_flags_5v_module_output_on_3v3_input(lib):
    d = Design(title="echo", parts=[Part(ref="U1", part="esp32-devkit-v1"), Part(ref="U2", part="hc-sr04")],
               nets=[Net(name="VIN", pins=["U1:VIN", "U2:VCC"]), Net(name="GND", pins=["U1:GND", "U2:GND"]),
                     Net(name="ECHO", pins=["U2:ECHO", "U1:D18"]), Net(name="TRIG", pins=["U1:D5", "U2:TRIG"])])
    # VIN is not a rail here (nothing supplies it): give it one
    d.parts.append(Part(ref="BT1", part="battery-generic", value="5V"))
    d.nets[0].pins.append("BT1:+")
    d.nets[1].pins.append("BT1:-")
    report = validate(d, lib)
    assert any(f.rule == "logic_level" and "U1:D18" in f.pins for f in report.findings)
    assert any(f.rule == "spice_voltage" and f.pins == ["U1:D18"] for f in report.findings)


def test_report_markdown_lists_findings(lib):
    report = validate(_pullups(good_design()), lib, spice=False)
    md = report.to_markdown()
    assert "FAIL" in md and "| major | electrical | pullups |" in md


class _ScriptedJudge:
    """Stands in for an LLMClient in a unit test of the judge's bookkeeping (the real model is tested below)."""

    def __init__(self, answer):
        self.answer, self.prompts = answer, []

    def ask_json(self, prompt, schema, **kw):
        self.prompts.append(prompt)
        return self.answer


def test_judge_counts_become_findings(lib):
    client = _ScriptedJudge({"fatal": 0, "major": 2, "minor": 0,
                             "issues": [{"severity": "major", "message": "no flyback diode"}]})
    report = validate(good_design(), lib, spice=False, judge=client)
    judged = [f for f in report.findings if f.category == "judge"]
    assert len(judged) == 2 and judged[0].message == "no flyback diode" and not report.passed
    assert report.judge == {"fatal": 0, "major": 2, "minor": 0}
    assert "U1:D13" in client.prompts[0] and "arduino-uno" in client.prompts[0]


def test_judge_with_the_bundled_model(lib):
    from eda.llm import LLMError
    from eda.llm.client import LLMClient
    from eda.llm.local import bundled_model_path
    try:
        bundled_model_path()
    except LLMError as e:
        pytest.skip(str(e))
    d = Design(title="blink", prompt="Blink an LED", parts=[Part(ref="U1", part="arduino-uno"),
               Part(ref="LED1", part="led")],
               nets=[Net(name="D13", pins=["U1:D13", "LED1:+"]), Net(name="GND", pins=["U1:GND", "LED1:-"])])
    with LLMClient() as client:   # cached: a rerun asks nothing
        report = validate(d, lib, spice=False, judge=client, rules=[])
    assert report.judge is not None and set(report.judge) == {"fatal", "major", "minor"}
    assert all(v >= 0 for v in report.judge.values()) and "llm_judge" in report.rules_run


def test_shared_spi_miso_is_not_a_conflict_but_two_echo_outputs_are(lib):
    d = Design(title="spi", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="U2", part="mfrc522"),
                                   Part(ref="U3", part="micro-sd-card")],
               nets=[Net(name="MISO", pins=["U1:D12", "U2:MISO", "U3:DO"])])
    assert not [f for f in validate(d, lib, spice=False, rules=["output_conflict"]).findings]
    bad = validate(_output_conflict(good_design()), lib, spice=False, rules=["output_conflict"])
    assert [f.pins for f in bad.findings] == [["U4:ECHO", "U5:ECHO"]]


def test_driver_enable_jumpers_are_not_floating_but_direction_inputs_are(lib):
    d = Design(title="l298n", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="U2", part="l298n")],
               nets=[Net(name="IN1", pins=["U1:D5", "U2:IN1"]), Net(name="IN2", pins=["U1:D6", "U2:IN2"])])
    pins = {p for f in validate(d, lib, spice=False, rules=["floating_input"]).findings for p in f.pins}
    assert pins == {"U2:IN3", "U2:IN4"}


def test_spice_sees_a_rail_sagging_below_a_module_minimum(lib):
    # a 4.8 V pack (4 NiMH cells, 0.5 ohm inside) is in range for a relay module (4.5-5.5 V) on paper,
    # but two SIM800L-class loads (~0.5 A each) pull it below 4.5 V
    d = Design(title="sag", parts=[Part(ref="BT1", part="battery-generic", value="4.8V"),
                                   Part(ref="K1", part="relay-module"), Part(ref="U2", part="sim800l"),
                                   Part(ref="U3", part="sim800l")],
               nets=[Net(name="VBAT", pins=["BT1:+", "K1:VCC", "U2:5V", "U3:5V"]),
                     Net(name="GND", pins=["BT1:-", "K1:GND", "U2:GND", "U3:GND"])])
    report = validate(d, lib, rules=["supply_range"])
    assert not [f for f in report.findings if f.rule == "supply_range"]
    sag = [f for f in report.findings if f.rule == "spice_supply"]
    assert {f.pins[0] for f in sag} == {"K1:VCC", "U2:5V", "U3:5V"}
    assert 4.0 < report.spice["node_voltages"]["VBAT"] < 4.5


def test_spice_flags_a_resistor_burning_more_than_its_rating(lib):
    d = Design(title="hot", parts=[Part(ref="BT1", part="battery-9v"), Part(ref="R1", part="resistor", value="100")],
               nets=[Net(name="V9", pins=["BT1:VCC", "R1:1"]), Net(name="GND", pins=["BT1:GND", "R1:2"])])
    report = validate(d, lib, rules=[])
    hot = [f for f in report.findings if f.rule == "spice_power"]
    assert [f.pins for f in hot] == [["R1"]] and "mW" in hot[0].message        # ~0.8 W in a 0.25 W part
    d.parts[1].value = "1k"                                                      # 81 mW: fine
    assert not [f for f in validate(d, lib, rules=[]).findings if f.rule == "spice_power"]


def test_unused_rail_label_is_not_a_dangling_net(lib):
    d = good_design()
    d.nets.append(Net(name="VIN", pins=["U1:Vin"]))          # a supply input alone: dangling
    d.nets.append(Net(name="IOREF", pins=["U1:IOREF"]))      # a supply output alone: an unused rail
    found = validate(d, lib, spice=False, rules=["single_pin_net"]).findings
    assert [f.pins for f in found] == [["U1:Vin"]]
