"""Issue 17 item 9: 1000-deep subcircuit nesting is never a RecursionError."""
from __future__ import annotations

import pytest

from eda.check import run_erc
from eda.errors import FormatError
from eda.formats import registry
from eda.formats.registry import MAX_WRITE_NESTING


def _deep_instances(n: int) -> str:
    lines = ["* deep instance chain"]
    for i in range(n):
        lines += [f".subckt s{i} a b", f"x1 a b s{i + 1}" if i < n - 1 else "r1 a b 1k", ".ends"]
    return "\n".join(lines + ["v1 in 0 1", "x0 in 0 s0", ".end"]) + "\n"


def _deep_definitions(n: int) -> str:
    lines = ["* deep nested definitions", "v1 in 0 1", "x0 in 0 s0"]
    for i in range(n):
        lines += [f".subckt s{i} a b", f"r{i} a b 1k"]
    return "\n".join(lines + [".ends"] * n + [".end"]) + "\n"


def _read(tmp_path, text):
    p = tmp_path / "deep.sp"
    p.write_text(text)
    return registry.read(p)


def test_1000_deep_instance_chain_walks_checks_and_writes(tmp_path):
    c = _read(tmp_path, _deep_instances(1000))
    assert len(list(c.walk())) == 1001
    run_erc(c)  # was RecursionError in check.visit
    for fmt in ("spice", "json", "spectre"):
        text, _ = registry.write_text(c, fmt)
        assert "s999" in text


def test_1000_nested_definitions_walk_and_erc(tmp_path):
    c = _read(tmp_path, _deep_definitions(1000))
    paths = [p for p, _ in c.walk()]  # was RecursionError in Circuit.walk
    assert len(paths) == 1001 and paths[1] == "s0/"
    run_erc(c)


def test_1000_nested_definitions_write_is_one_line_error(tmp_path):
    c = _read(tmp_path, _deep_definitions(1000))
    with pytest.raises(FormatError, match="nested 1000 deep"):
        registry.write_text(c, "spice")


def test_nesting_at_the_limit_still_writes(tmp_path):
    c = _read(tmp_path, _deep_definitions(MAX_WRITE_NESTING))
    for fmt in ("spice", "json", "spectre"):
        registry.write_text(c, fmt)
