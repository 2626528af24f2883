"""CircuitLM stages without a model: the prompt scan, part retrieval, plan grounding and the wiring rules.

The LLM here is a scripted stand-in (a fixed answer) so that the code around the model is tested
exactly; the bundled model runs in test_pipeline.py.
"""
from __future__ import annotations

import json

import pytest

from agents.circuitlm.identify import PromptError, identify, scan
from agents.circuitlm.llm import StageLog
from agents.circuitlm.pinout import UnknownPartError, retrieve
from agents.circuitlm.plan import compatible, plan
from agents.circuitlm.repair import repair
from agents.circuitlm.synthesize import e12_ohms, rail_name, synthesize
from agents.circuitlm.validate import validate
from eda.kb import load_library


@pytest.fixture(scope="module")
def lib():
    return load_library()


class Scripted:
    """Answers every chat with the next fixed text; counts usage like LLMClient."""

    def __init__(self, *answers: str) -> None:
        self.answers, self.asked = list(answers), []
        self.usage = {"requests": 0, "cached": 0, "prompt_tokens": 0, "completion_tokens": 0}

    def chat(self, messages, **params):
        self.asked.append((messages, params))
        self.usage["requests"] += 1
        self.usage["prompt_tokens"] += 10
        self.usage["completion_tokens"] += 5
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def parts_of(found):
    return {r.part: r.qty for r in found}


def test_scan_reads_parts_counts_and_values(lib):
    assert parts_of(scan("Blink a single LED using an Arduino Uno. Include a current limiting resistor.", lib)) == \
        {"led": 1, "arduino-uno": 1, "resistor": 1}
    robot = parts_of(scan("Use an ESP32 to read 2 analog joysticks and control 4 separate servo motors. "
                          "Include an HC-SR04 ultrasonic sensor.", lib))
    assert robot == {"esp32-devkit-v1": 1, "analog-joystick": 2, "servo": 4, "hc-sr04": 1}
    assert parts_of(scan("Connect four BME280 sensors to an Arduino Uno", lib))["bme280"] == 4
    assert parts_of(scan("Arduino Uno with LEDs and dual 7-segment displays", lib)) == \
        {"arduino-uno": 1, "led": 2, "7-segment-display": 2}
    res = scan("Arduino Nano with a 220 ohm resistor", lib)
    assert [r.value for r in res if r.part == "resistor"] == ["220ohm"]


def test_a_model_variant_maps_to_its_family_with_a_warning(lib):
    found = scan("ESP32-S3 with LEDs, pushbutton, photoresistor", lib)
    mcu = next(r for r in found if r.part == "esp32-devkit-v1")
    assert mcu.name == "ESP32-S3" and mcu.note and "esp32-devkit-v1" in mcu.note
    assert parts_of(found) == {"esp32-devkit-v1": 1, "led": 2, "push-button": 1, "photo-resistor": 1}


def test_an_unknown_part_stops_with_its_name(lib):
    client = Scripted('{"parts": ["capacitor"]}')
    found = identify("a Raspberry Pi 5 with a flux capacitor", client, lib)
    assert client.asked == []                      # the run stops anyway: no question asked
    with pytest.raises(UnknownPartError, match="Raspberry Pi 5"):
        retrieve(found, lib)
    with pytest.raises(PromptError, match="empty prompt"):
        identify("   ", client, lib)


def test_identify_keeps_llm_parts_only_when_the_prompt_supports_them(lib):
    log = StageLog()
    client = Scripted(json.dumps({"parts": ["arduino-uno", "potentiometer", "capacitor"]}))
    found = identify("Arduino Uno dimmer: the knob of a potentiometer sets the brightness", client, lib, log=log)
    assert "potentiometer" in parts_of(found)       # named: from the scan
    assert "capacitor" not in parts_of(found)        # the LLM's guess, not in the prompt: ignored
    rec = next(r for r in log.records if r["stage"] == "identify" and r["kind"] == "llm")
    assert rec["answer"] and rec["prompt_tokens"] == 10 and "enum" in json.dumps(client.asked[0][1])
    det = next(r for r in log.records if r["stage"] == "identify" and r["kind"] == "deterministic")
    assert det["llm_ignored"] == ["capacitor"]


def test_plan_accepts_type_compatible_pin_choices_and_rejects_the_rest(lib):
    prompt = "Arduino Uno with MPU6050 using I2C and an LED"
    found = scan(prompt, lib)
    parts = retrieve(found, lib)
    answer = {"reasoning": "I2C on A4/A5, LED on D9", "U2:SDA": "U1:D13", "U2:SCL": "U1:A5", "LED1:+": "U1:D9"}
    client = Scripted(json.dumps(answer))
    p = plan(prompt, found, parts, client)
    refs = {x.ref: x.part for x in p.parts}
    assert refs["U1"] == "arduino-uno" and p.mcu == "U1"
    schema = client.asked[0][1]["response_format"]["json_schema"]["schema"]
    assert "U2:SDA" in schema["required"] and "U1:A4" in schema["properties"]["U2:SDA"]["enum"]
    assert {(c.a, c.b) for c in p.connections} == {("U2:SCL", "U1:A5"), ("LED1:+", "U1:D9")}
    assert any(r.startswith("U2:SDA -> U1:D13") and "I2C" in r for r in p.rejected)
    assert p.reasoning.startswith("I2C")
    design, _ = synthesize(p, lib)
    led_net = design.net_of("U1:D9")
    assert led_net is not None and any(pin.startswith("R") for pin in led_net.pins)   # LED1 on D9, via R
    assert design.net_of("U1:A4") is design.net_of("U2:SDA") or design.net_of("U1:A4").name == "SDA"


def test_compatible_checks_pin_types(lib):
    uno, esp, hc = lib.get("arduino-uno"), lib.get("esp32-devkit-v1"), lib.get("gps")
    assert compatible(hc, "TX", uno, "RX0") is None
    assert "RX" in compatible(hc, "TX", uno, "D5")
    assert compatible(lib.get("led"), "+", esp, "D34") == "D34 is input-only"
    assert "ground" in compatible(lib.get("led"), "+", uno, "GND") or compatible(lib.get("led"), "+", uno, "GND")


def design_for(prompt: str, lib, client=None):
    found = scan(prompt, lib)
    p = plan(prompt, found, retrieve(found, lib), client)
    design, notes = synthesize(p, lib)
    return design, notes


@pytest.mark.parametrize("prompt", [
    "Blink a single LED using an Arduino Uno. Include a current limiting resistor.",
    "Arduino Uno with MPU6050 using I2C",
    "ESP32 with two pushbuttons and pull-down resistors",
    "ESP32 with ultrasonic sensor, RGB LED, and buzzer",
    "Create a security system. An Arduino Uno fires a 12V solenoid using an N-channel MOSFET.",
    "Build a drone payload release system. An ESP32 reads a pressure-sensor via SPI and a GPS module via UART, "
    "drives a servo and logs to a micro-sd-card. Power it from a 9V battery stepped down using an LM2596 buck "
    "converter.",
])
def test_wiring_rules_give_designs_that_pass_validation(lib, prompt):
    design, _ = design_for(prompt, lib)
    fixed, _ = repair(design, lib)
    report = validate(fixed, lib, spice=False)
    bad = [f"{f.rule}: {f.message}" for f in report.findings if f.severity in ("fatal", "major")]
    assert report.passed, bad


def test_wiring_rules_details(lib):
    blink, _ = design_for("Blink a single LED using an Arduino Uno. Include a current limiting resistor.", lib)
    r = next(p for p in blink.parts if p.part == "resistor")
    assert r.value == "220"                       # (5 V - 2 V) / 15 mA = 200 -> E12 220
    assert blink.net_of("LED1:-").name == "GND"
    i2c, _ = design_for("Arduino Uno with MPU6050 using I2C", lib)
    sda = i2c.net_of("U2:SDA")
    assert "U1:A4" in sda.pins and any(p.startswith("R") for p in sda.pins)          # pull-up on SDA
    sol, _ = design_for("An Arduino Uno fires a 12V solenoid using an N-channel MOSFET.", lib)
    kinds = {p.part for p in sol.parts}
    assert {"mosfet", "diode"} <= kinds                  # low-side switch with a flyback diode
    d = next(p.ref for p in sol.parts if p.part == "diode")
    assert sol.net_of(f"{d}:-").name == "12V"            # cathode on the supply
    esp, notes = design_for("ESP32 with HC-SR04 ultrasonic sensor", lib)
    assert any("divided" in n for n in notes)            # 5 V ECHO into a 3.3 V input: divider


def test_small_helpers():
    assert rail_name(5.0) == "5V" and rail_name(3.3) == "3V3" and rail_name(12) == "12V"
    assert e12_ohms(200) == "220" and e12_ohms(86.7) == "100" and e12_ohms(4600) == "4.7k"
