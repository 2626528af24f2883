"""Verilog code out of a model's answer: kept here for the harness, implemented in `eda.verilog_extract`."""
from eda.verilog_extract import extract_code

__all__ = ["extract_code"]
