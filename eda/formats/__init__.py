"""Netlist formats: one module per format, registered by name and extension (see registry)."""
from .registry import (FORMATS, Format, detect, format_for_output, formats, get, names, read,
                       read_text, register, write_text)

__all__ = ["FORMATS", "Format", "detect", "format_for_output", "formats", "get", "names", "read",
           "read_text", "register", "write_text"]
