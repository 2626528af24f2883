"""The netlist IR (see `circuit.py`) and SI-unit values (`units.py`)."""
from .circuit import (GROUND_NAMES, KIND_NAMES, PIN_NAMES, Body, Circuit, Component, Model,
                      Statement, Subcircuit, pin_names)
from .units import format_value, parse_decimal, parse_value

__all__ = ["GROUND_NAMES", "KIND_NAMES", "PIN_NAMES", "Body", "Circuit", "Component", "Model",
           "Statement", "Subcircuit", "pin_names", "format_value", "parse_decimal", "parse_value"]
