"""Synthetic SPICE decks for parser benchmarks: flat and hierarchical, of any element count.

Flat: R, C, M and X lines over a pool of nets, two `.subckt` definitions, MOSFET parameters on
`+` continuation lines, `.param` values used in `{expressions}`.  Hierarchical: the same element mix spread over many small subcircuit
definitions, each instanced from the top.  Deterministic for a given size and seed.
"""
from __future__ import annotations

import random
from pathlib import Path

VERSION = 2  # bump when the decks change: cached decks are named by it

HEADER = """* generated benchmark deck ({kind}, {n} elements)
.param rload=1k cload=10f
.model nch nmos level=1 vto=0.5 kp=200u
.model pch pmos level=1 vto=-0.5 kp=80u
.subckt inv a y vdd vss
M1 y a vdd vdd pch w=2u l=0.18u
M2 y a vss vss nch w=1u l=0.18u
.ends inv
.subckt rcload a b
R1 a m {{rload}}
C1 m b {{cload*2}}
.ends rcload
"""


def _element(i: int, rng: random.Random, nets: int, prefix: str = "") -> str:
    a, b = f"n{rng.randrange(nets)}", f"n{rng.randrange(nets)}"
    k = i % 4
    if k == 0:
        return f"R{prefix}{i} {a} {b} {rng.randint(1, 999)}k"
    if k == 1:
        return f"C{prefix}{i} {a} {b} {rng.randint(1, 99)}f"
    if k == 2:
        return f"M{prefix}{i} {a} {b} n{rng.randrange(nets)} 0 nch\n+ w={rng.randint(1, 9)}u l=0.18u"
    return f"X{prefix}{i} {a} {b} vdd 0 inv" if i % 8 == 3 else f"X{prefix}{i} {a} {b} rcload"


def flat_deck(n: int, seed: int = 1) -> str:
    """`n` elements at top level."""
    rng = random.Random(seed)
    nets = max(10, n // 5)
    lines = [HEADER.format(kind="flat", n=n), "VDD vdd 0 1.8"]
    lines += [_element(i, rng, nets) for i in range(n - 1)]
    lines += [".op", ".end", ""]
    return "\n".join(lines)


def hierarchical_deck(n: int, seed: int = 1, per_cell: int = 20) -> str:
    """About `n` elements spread over subcircuit definitions of `per_cell` elements each."""
    rng = random.Random(seed)
    cells = max(1, n // (per_cell + 1))
    lines = [HEADER.format(kind="hierarchical", n=n), "VDD vdd 0 1.8"]
    for c in range(cells):
        lines.append(f".subckt cell{c} n0 n1 n2 n3 vdd")
        lines += [_element(i, rng, 12, f"c{c}_") for i in range(per_cell)]
        lines.append(f".ends cell{c}")
    for c in range(cells):
        lines.append(f"Xtop{c} t{rng.randrange(n // 10 + 4)} t{rng.randrange(n // 10 + 4)} "
                     f"t{c} t{c + 1} vdd cell{c}")
    lines += [".op", ".end", ""]
    return "\n".join(lines)


def write_decks(folder: str | Path, sizes: list[int]) -> list[tuple[str, int, Path]]:
    """(kind, size, path) of every deck, generating the ones not already there."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in sizes:
        for kind, make in (("flat", flat_deck), ("hier", hierarchical_deck)):
            path = folder / f"{kind}_{n}.v{VERSION}.sp"
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                tmp.write_text(make(n))
                tmp.replace(path)
            out.append((kind, n, path))
    return out
