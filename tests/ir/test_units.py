"""SI values are parsed exactly, SPICE style (m = milli, meg = mega, units ignored)."""
from decimal import Decimal

import pytest

from eda.ir import format_value, parse_decimal, parse_value


@pytest.mark.parametrize("text,expected", [
    ("1k", "1000"), ("1meg", "1000000"), ("10pF", "1.0E-11"), ("1e-6", "0.000001"),
    ("2.2u", "0.0000022"), ("4k7", "4700"), ("5V", "5"), ("1M", "0.001"), ("3MEG", "3000000"),
    ("-1.5n", "-1.5E-9"), (".5", "0.5"), ("100", "100"), ("1mil", "0.0000254"), ("2R", "2"),
])
def test_values_are_exact(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


def test_float_value_matches_decimal() -> None:
    assert parse_value("2.2u") == 2.2e-6
    assert parse_value("4k7") == 4700.0


@pytest.mark.parametrize("text", ["abc", "{w*2}", "'x'", "", "1.5k7", "k1"])
def test_non_numbers_are_none(text: str) -> None:
    assert parse_value(text) is None


def test_format_value_round_trips() -> None:
    for v in (1.5e3, 47e-9, 1e6, 2.2e-6, 0.0, 330.0):
        assert parse_value(format_value(v)) == pytest.approx(v)
