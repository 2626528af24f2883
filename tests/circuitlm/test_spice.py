"""The analog part of a design as SPICE, simulated by ngspice at the operating point."""
from __future__ import annotations

import pytest

from agents.circuitlm.design import Design, Net, Part
from agents.circuitlm.spice import GPIO_R_OUT, operating_point, to_spice
from tests.circuitlm.test_validate import DATA, good_design

from eda.kb import load_library

pytestmark = pytest.mark.skipif(not (DATA / "components").is_dir(), reason="shared data root not available")


@pytest.fixture(scope="module")
def lib():
    return load_library(DATA)


def blink(r: str = "220") -> Design:
    return Design(title="blink", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="R1", part="resistor", value=r),
                                        Part(ref="LED1", part="led")],
                  nets=[Net(name="D13", pins=["U1:D13", "R1:1"]), Net(name="LED_A", pins=["R1:2", "LED1:+"]),
                        Net(name="GND", pins=["U1:GND", "LED1:-"])])


def meter(op: dict, ref: str, what: str) -> dict:
    return next(m for m in op["meters"] if m["ref"] == ref and m["what"] == what)


def test_deck_has_the_analog_parts(lib):
    deck = to_spice(blink(), lib)
    assert "V_U1_D13 g_u1_d13 0 DC 5" in deck
    assert f"R_U1_D13_out g_u1_d13 n_d13 {GPIO_R_OUT:g}" in deck
    assert "R_R1 n_d13 n_led_a 220" in deck
    assert ".model DLED_2p0 D(" in deck and deck.rstrip().endswith(".end") and ".op" in deck


def test_led_current_obeys_kcl_and_the_forward_drop(lib):
    op = operating_point(blink(), lib)
    v = op["node_voltages"]
    assert v["GND"] == 0.0 and 1.8 < v["LED_A"] < 2.2                       # the LED's Vf near 15 mA
    i_led = meter(op, "LED1", "led")["current_ma"]
    i_gpio = meter(op, "U1", "gpio")["current_ma"]
    i_r = (v["D13"] - v["LED_A"]) / 220 * 1000
    assert i_led == pytest.approx(i_gpio, rel=1e-3) == pytest.approx(i_r, rel=1e-3)
    assert (5.0 - v["D13"]) / GPIO_R_OUT * 1000 == pytest.approx(i_gpio, rel=1e-3)
    assert 10.0 < i_led < 14.0                                             # (5 - ~2 V) / 245 ohm
    # a smaller resistor gives more current, the limit the validator checks
    assert meter(operating_point(blink("47"), lib), "LED1", "led")["current_ma"] > 20.0


def test_transistor_switch_saturates(lib):
    d = Design(title="npn", parts=[Part(ref="U1", part="arduino-uno"), Part(ref="RB", part="resistor", value="1k"),
                                   Part(ref="Q1", part="npn-transistor"), Part(ref="RC", part="resistor", value="220"),
                                   Part(ref="LED1", part="led")],
               nets=[Net(name="BASE_DRV", pins=["U1:D9", "RB:1"]), Net(name="BASE", pins=["RB:2", "Q1:B"]),
                     Net(name="5V", pins=["U1:5V", "RC:1"]), Net(name="A", pins=["RC:2", "LED1:+"]),
                     Net(name="COL", pins=["LED1:-", "Q1:C"]), Net(name="GND", pins=["U1:GND", "Q1:E"])])
    op = operating_point(d, lib)
    v = op["node_voltages"]
    assert 0.6 < v["BASE"] < 0.9 and v["COL"] < 0.3                        # on, saturated
    ic = meter(op, "Q1", "collector")["current_ma"]
    assert 10.0 < ic < 14.5 and meter(op, "U1", "supply")["current_ma"] == pytest.approx(ic, rel=0.02)


def test_battery_and_potentiometer_divider(lib):
    d = Design(title="pot", parts=[Part(ref="BT1", part="battery-9v"), Part(ref="RV1", part="potentiometer",
                                                                              value="10k")],
               nets=[Net(name="VBAT", pins=["BT1:VCC", "RV1:VCC"]), Net(name="GND", pins=["BT1:GND", "RV1:GND"]),
                     Net(name="WIPER", pins=["RV1:OUT"])])
    op = operating_point(d, lib)
    assert op["node_voltages"]["WIPER"] == pytest.approx(4.5, abs=0.01)
    assert meter(op, "BT1", "supply")["current_ma"] == pytest.approx(0.9, rel=0.01)   # 9 V / 10 k


def test_modules_load_their_rail_and_drive_their_outputs(lib):
    op = operating_point(good_design(), lib)
    v = op["node_voltages"]
    assert v["ECHO"] == pytest.approx(5.0, abs=0.01)              # HC-SR04 output into a high-impedance input
    assert v["3V3"] == pytest.approx(3.3, abs=0.01) and v["5V"] == pytest.approx(5.0, abs=0.05)
    loads = {m["ref"]: m["current_ma"] for m in op["meters"] if m["what"] == "load"}
    assert loads["U4"] == pytest.approx(15.0, rel=0.01)           # the library's typical draw
    assert loads["M1"] > 0 and v["MOTOR_LOW"] < 0.5               # motor switched on through the MOSFET


def test_button_input_is_not_driven_by_the_mcu(lib):
    op = operating_point(good_design(), lib)
    v = op["node_voltages"]
    assert v["BUTTON"] == pytest.approx(0.0, abs=1e-3)           # open button, 10k pull-down: reads low
    assert not [m for m in op["meters"] if m["what"] == "gpio" and m["pin"] == "D2"]
