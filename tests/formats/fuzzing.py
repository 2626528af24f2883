"""Line-level mutations of real files, shared by the readers' fuzz tests."""
from __future__ import annotations

import random
from collections.abc import Sequence


def mutate_lines(lines: Sequence[str], rng: random.Random, junk: Sequence[str] = (),
                 most: int = 4) -> list[str]:
    """1..`most` random edits: drop, duplicate, swap or truncate a line, insert a `junk` line,
    or insert a bracket/quote/operator character inside a line."""
    out = list(lines)
    for _ in range(rng.randint(1, most)):
        if not out:
            break
        i = rng.randrange(len(out))
        op = rng.randrange(6 if junk else 5)
        if op == 0:
            del out[i]
        elif op == 1:
            out.insert(i, out[rng.randrange(len(out))])
        elif op == 2:
            j = rng.randrange(len(out))
            out[i], out[j] = out[j], out[i]
        elif op == 3:
            out[i] = out[i][: rng.randrange(len(out[i]) + 1)]
        elif op == 4:
            k = rng.randrange(len(out[i]) + 1)
            out[i] = out[i][:k] + rng.choice("(){}'\"=;$+*\\[]") + out[i][k:]
        else:
            out.insert(i, rng.choice(list(junk)))
    return out
