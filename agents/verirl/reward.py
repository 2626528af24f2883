"""Rewards for Verilog completions, from real Icarus Verilog testbench runs.

reward = 0 for a compile failure, a timeout or an empty answer; 1 for a pass; otherwise
0.1 + 0.8 * credit, where credit is the fraction of matching samples *above what an all-zero
answer gets on the same testbench* (a state machine whose output is mostly 0 would otherwise pay
0.8 for `assign z = 0`). VeriRL's trace-back rescoring: an answer that passes (or nearly) is run
again under a second stimulus seed and keeps the lower score, so a lucky random testbench does not
pay for a wrong design.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from eda.verilog_extract import extract_code

from .tasks import VerilogTask

COMPILE_BONUS = 0.1
RESCORE_ABOVE = 0.9
_trivial_cache: dict[str, float] = {}


@dataclass
class Scored:
    """One completion's reward and the simulator's verdict behind it."""

    reward: float
    status: str            # pass | mismatch | compile | timeout | error | empty
    score: float           # raw fraction of matching samples (1 for a pass)
    credit: float          # score above the all-zero baseline, in [0, 1]
    rescored: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _zero_body(task: VerilogTask) -> str:
    lines = []
    for p in task.ports:
        if p.output:
            lines.append(f"  always @(*) {p.name} = 0;" if p.name in task.reg_outputs else f"  assign {p.name} = 0;")
    return "\n".join(lines) + "\nendmodule\n"


def trivial_score(task: VerilogTask) -> float:
    """Fraction of samples an answer tying every output to 0 matches (cached per task signature)."""
    if task.signature not in _trivial_cache:
        _trivial_cache[task.signature] = task.check(_zero_body(task)).score
    return _trivial_cache[task.signature]


def _credit(score: float, base: float) -> float:
    if score >= 1.0:
        return 1.0
    return max(0.0, (score - base) / (1.0 - base)) if base < 1.0 else 0.0


def score_completion(task: VerilogTask, completion: str, rescore: bool = True) -> Scored:
    """The reward of one completion (a body after the header, a whole module or a fenced answer)."""
    code = extract_code(completion)
    if not code.strip():
        return Scored(0.0, "empty", 0.0, 0.0)
    r = task.check(code)
    if not r.compiled or r.status in ("timeout", "error"):
        return Scored(0.0, r.status, 0.0, 0.0)
    score, status, rescored = r.score, r.status, False
    if rescore and score >= RESCORE_ABOVE:
        r2 = task.check(code, seed=2)
        rescored = True
        if r2.score < score:
            score, status = r2.score, r2.status
    credit = _credit(score, trivial_score(task))
    reward = 1.0 if status == "pass" else COMPILE_BONUS + 0.8 * credit
    return Scored(round(reward, 6), status, round(score, 6), round(credit, 6), rescored)


def score_batch(pairs: list[tuple[VerilogTask, str]], jobs: int = 2, rescore: bool = True) -> list[Scored]:
    """Score many (task, completion) pairs; simulations run in `jobs` parallel subprocesses."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        return list(ex.map(lambda p: score_completion(p[0], p[1], rescore), pairs))
