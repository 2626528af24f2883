"""Every dataset record (SpiceNetlist, Image2Net, Masala-CHAI) converts to SPICE that reads back
with the same components, kinds and connections."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from eda.formats import read, write_text
from eda.formats.spice import read_spice

DATA = Path(os.environ.get("EDA_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
SETS = {"spicenetlist": "netlists/spicenetlist/JSON/*.json", "image2net": "netlists/image2net/net/*",
        "masala-chai": "netlists/masala-chai-analoggenie/records/*.json"}


def sig(c) -> set:
    return {(p, x.kind, x.name, tuple(zip(x.pins, x.nets))) for p, x in c.all_components()}


@pytest.mark.parametrize("name", sorted(SETS))
def test_records_convert_to_spice_and_back(name: str) -> None:
    files = sorted(DATA.glob(SETS[name]))
    if not files:
        pytest.skip(f"no {name} data under {DATA}")
    bad = []
    for f in files:
        c = read(f)
        back = read_spice(write_text(c, "spice")[0], f"{f.name}.sp")
        if sig(back) != sig(c):
            bad.append(f.name)
    assert not bad, bad[:10]
