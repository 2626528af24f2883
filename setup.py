"""Builds the optional C extension (the SPICE reader's hot loop); the rest is in pyproject.toml.

`optional=True`: without a C compiler or Python headers the install still succeeds and
`eda.formats.spice` uses its pure-Python fast path (same output, about a third of the speed).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("eda.formats._spicefast", ["eda/formats/_spicefast.c"],
                             optional=True)])
