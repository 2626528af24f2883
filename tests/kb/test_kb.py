"""Component knowledge base: the shared library merged with our electrical data, lookup and resolution."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eda.kb import PIN_TYPES, KbError, load_library

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
pytestmark = pytest.mark.skipif(not (DATA / "components").is_dir(), reason="shared data root not available")


@pytest.fixture(scope="module")
def lib():
    return load_library(DATA)


def test_every_shared_part_loads_with_typed_pins(lib):
    shared = json.loads((DATA / "components" / "circuitlm_component_library.json").read_text())
    assert set(shared) <= set(lib.ids)
    for pid, rec in shared.items():
        part = lib.get(pid)
        assert [p.name for p in part.pins] == rec["pins"]          # order and duplicates kept
        assert part.unique_pins == list(dict.fromkeys(rec["pins"]))
        assert all(p.type in PIN_TYPES for p in part.pins), pid
    # electrical data (a non-passive pin type, a level or a current limit) for at least 50 parts
    typed = [p for p in lib if any(x.type not in ("passive",) or x.voltage or x.max_current_ma for x in p.pins)]
    assert len(typed) >= 50


def test_pin_data_matches_datasheet_facts(lib):
    uno, esp = lib.get("arduino-uno"), lib.get("esp32-devkit-v1")
    assert uno.pin("D13").type == "gpio" and uno.pin("D13").voltage == 5.0 and uno.pin("D13").max_current_ma == 20
    assert uno.pin("A4").type == "i2c_sda" and uno.pin("A5").type == "i2c_scl"
    assert uno.pin("GND").type == "ground" and uno.pin("5V").type == "power_out"
    assert esp.logic_voltage == 3.3 and not esp.five_v_tolerant
    assert esp.pin("D34").direction == "in"                      # input-only pin
    assert lib.get("hc-sr04").pin("ECHO").direction == "out"
    assert lib.get("led").extra["vf"] == 2.0 and lib.get("nrf24l01").pin("VCC").vmax == 3.6
    assert lib.get("ssd1306").logic_follows_supply and lib.get("ssd1306").internal_pullups
    assert lib.get("74hc595").decoupling == "100n"


def test_unknown_id_is_a_clear_error(lib):
    with pytest.raises(KbError, match="unknown part id 'arduino-unoo'.*arduino-uno"):
        lib.get("arduino-unoo")


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(KbError, match="component library not found"):
        load_library(tmp_path)


def test_additions_folder_adds_parts_and_aliases(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"parts": {
        "lm7805": {"kind": "regulator", "aliases": ["7805 regulator"], "pin_order": ["IN", "GND", "OUT"],
                   "pins": {"IN": {"type": "power_in", "vmax": 35}, "GND": {"type": "ground"},
                            "OUT": {"type": "power_out", "voltage": 5.0}}},
        "led": {"aliases": ["blinkenlight"]}}}))
    lib = load_library(DATA, extra_dirs=[tmp_path])
    assert lib.get("lm7805").pin("OUT").voltage == 5.0
    assert lib.resolve("7805 regulator").id == "lm7805"
    assert lib.resolve("blinkenlight", embeddings=False).id == "led"


@pytest.mark.parametrize("query,pid,method", [
    ("arduino-uno", "arduino-uno", "exact"),
    ("HC SR04", "hc-sr04", "exact"),
    ("ultrasonic sensor", "hc-sr04", "exact"),
    ("2 LEDs", "led", "exact"),
    ("two red LEDs", "led", "exact"),
    ("HC-SR04 ultrasonic sensor module", "hc-sr04", "exact"),
    ("stepper motor 28BYJ-48", "stepper-motor", "phrase"),
    ("220 ohm resistor", "resistor", "exact"),
    ("arduino unoo", "arduino-uno", "fuzzy"),
    ("ESP32-S3", "esp32-devkit-v1", "family"),
    ("dht11", "dht22", "family"),
    ("Arduino Nano", "arduino-uno", "family"),
])
def test_resolve_without_embeddings(lib, query, pid, method):
    r = lib.resolve(query, embeddings=False)
    assert r is not None and r.id == pid and r.method == method
    assert (r.note is None) == (method == "exact")
    if method == "family":
        assert "not in the library" in r.note and pid in r.note


@pytest.mark.parametrize("query", ["LM7805", "Raspberry Pi 5", "breadboard"])
def test_resolve_without_embeddings_refuses_unrelated_names(lib, query):
    assert lib.resolve(query, embeddings=False) is None


def test_resolve_and_search_with_minilm(lib):
    assert lib.resolve("Raspberry Pi 5") is None                    # nothing close: the caller stops
    soil = lib.resolve("soil sensor")
    assert soil.id == "soil-moisture-sensor" and soil.method == "embedding" and soil.note
    top = [p.id for p, _ in lib.search("ultrasonic distance measurement", 3)]
    assert top[0] == "hc-sr04"
