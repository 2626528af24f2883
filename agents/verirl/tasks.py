"""Graded Verilog training tasks with reference solutions and testbenches, generated from a seed.

Each task has the VerilogEval v2 shape: a spec that names `TopModule` and its ports, the module
header a completion continues, a `RefModule` and a testbench (`tb`) that drives random stimulus
into both, compares every output on both clock edges and prints `Mismatches: N in M samples`, so
`eda.verilog_sim` scores it with the VerilogEval rule and its mismatch count gives partial credit.

Levels grow with the state a solution must keep:
1. gates and multiplexers; 2. adders, comparators, decoders, parity; 3. counters, shift registers,
truth tables; 4. sequence-detector state machines. Families and parameters are drawn from a
seeded RNG; `split_tasks` keeps held-out tasks distinct from training ones by their signature.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from eda.verilog_sim import VERILOGEVAL, SimLimits, SimResult, simulate

LEVELS = (1, 2, 3, 4)


@dataclass(frozen=True)
class Port:
    name: str
    width: int = 1
    output: bool = False

    def decl(self, reg: bool = False) -> str:
        kind = "output" if self.output else "input"
        if reg:
            kind += " reg"
        rng = f" [{self.width - 1}:0]" if self.width > 1 else ""
        return f"{kind}{rng} {self.name}"

    def describe(self) -> str:
        kind = "output" if self.output else "input "
        size = f" ({self.width} bits)" if self.width > 1 else ""
        return f" - {kind} {self.name}{size}"


@dataclass
class VerilogTask:
    """One generated problem: spec, header, reference body and testbench."""

    id: str
    level: int
    family: str
    signature: str                   # family + parameters: equal signatures are the same task
    ports: list[Port]
    behaviour: str                   # the spec's description of what the module does
    ref_body: str                    # the reference module's body (after the header)
    sequential: bool = False
    reg_outputs: tuple[str, ...] = ()
    cycles: int = 200
    extra: dict = field(default_factory=dict)

    @property
    def top(self) -> str:
        return "TopModule"

    def header(self, name: str = "TopModule") -> str:
        decls = [p.decl(reg=p.name in self.reg_outputs) for p in self.ports]
        return f"module {name} (\n  " + ",\n  ".join(decls) + "\n);\n"

    @property
    def spec(self) -> str:
        ports = "\n".join(p.describe() for p in self.ports)
        return ("I would like you to implement a module named TopModule with the following\n"
                "interface. All input and output ports are one bit unless otherwise\nspecified.\n\n"
                f"{ports}\n\n{self.behaviour.strip()}\n")

    @property
    def reference(self) -> str:
        return self.header() + self.ref_body.rstrip() + "\nendmodule\n"

    def solution_code(self, code: str) -> str:
        """A completion made whole: a bare body gets the header and, if missing, `endmodule`."""
        import re
        if re.search(r"\bmodule\s+TopModule\b", code):
            return code
        body = code if re.search(r"\bendmodule\b", code) else code.rstrip() + "\nendmodule\n"
        return self.header() + body

    def testbench(self, seed: int = 1) -> str:
        return _testbench(self, seed)

    def sources(self, code: str, seed: int = 1) -> dict[str, str]:
        ref = self.header("RefModule") + self.ref_body.rstrip() + "\nendmodule\n"
        return {"dut.sv": self.solution_code(code), "ref.sv": ref, "test.sv": self.testbench(seed)}

    def check(self, code: str, seed: int = 1, limits: SimLimits | None = None) -> SimResult:
        """Run `code` (a whole module or a body after the header) against this task's testbench."""
        return simulate(self.sources(code, seed), rule=VERILOGEVAL, top="tb",
                        limits=limits or SimLimits(seconds=10))

    def to_dict(self) -> dict:
        return {"id": self.id, "level": self.level, "family": self.family, "signature": self.signature,
                "spec": self.spec, "header": self.header(), "reference": self.reference}


# -- the testbench -------------------------------------------------------------------------------
def _testbench(t: VerilogTask, seed: int) -> str:
    ins = [p for p in t.ports if not p.output and p.name != "clk"]
    outs = [p for p in t.ports if p.output]
    has_reset = any(p.name == "reset" for p in ins)
    data_ins = [p for p in ins if p.name != "reset"]

    def rng(p: Port) -> str:
        return f"[{p.width - 1}:0] " if p.width > 1 else ""

    lines = ["`timescale 1 ps/1 ps", "module tb();", "  reg clk = 0;", "  initial forever #5 clk = ~clk;"]
    lines += [f"  reg {rng(p)}{p.name};" for p in ins]
    for p in outs:
        lines += [f"  wire {rng(p)}{p.name}_ref;", f"  wire {rng(p)}{p.name}_dut;"]
    conn_ref = ", ".join([".clk(clk)"] * t.sequential + [f".{p.name}({p.name})" for p in ins]
                         + [f".{p.name}({p.name}_ref)" for p in outs])
    conn_dut = conn_ref.replace("_ref)", "_dut)")
    lines += [f"  RefModule good1 ({conn_ref});", f"  TopModule top_module1 ({conn_dut});"]
    ref_vec = ", ".join(f"{p.name}_ref" for p in outs)
    dut_vec = ", ".join(f"{p.name}_dut" for p in outs)
    lines += [
        f"  wire tb_match = ({{ {ref_vec} }} === ({{ {ref_vec} }} ^ {{ {dut_vec} }} ^ {{ {ref_vec} }}));",
        "  integer errors = 0, clocks = 0, seed = " + str(seed) + ";",
        "  always @(posedge clk, negedge clk) begin",
        "    clocks = clocks + 1;",
        "    if (!tb_match) errors = errors + 1;",
        "  end",
        "  initial begin",
    ]
    for p in data_ins:
        lines.append(f"    {p.name} = 0;")
    if has_reset:
        lines += ["    reset = 1;", "    repeat (2) @(posedge clk);", "    @(negedge clk) reset = 0;"]
    lines.append(f"    repeat ({t.cycles}) @(negedge clk) begin")
    for p in data_ins:
        lines.append(f"      {p.name} = $random(seed);")
    if has_reset:
        lines.append("      reset = (($random(seed) & 31) == 0);")
    lines += [
        "    end",
        "    #1;",
        '    $display("Mismatches: %1d in %1d samples", errors, clocks);',
        "    $finish;",
        "  end",
        '  initial begin #1000000 $display("TIMEOUT"); $finish; end',
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


# -- task families -------------------------------------------------------------------------------
def _w(rnd: random.Random, lo: int = 1, hi: int = 8) -> int:
    return rnd.randint(lo, hi)


def _gate(rnd: random.Random) -> VerilogTask:
    op, sym, neg = rnd.choice([("AND", "&", False), ("OR", "|", False), ("XOR", "^", False),
                               ("NAND", "&", True), ("NOR", "|", True), ("XNOR", "^", True)])
    w = _w(rnd)
    expr = f"~(a {sym} b)" if neg else f"a {sym} b"
    what = "bitwise" if w > 1 else ""
    return VerilogTask("", 1, "gate", f"gate:{op}:{w}", [Port("a", w), Port("b", w), Port("out", w, True)],
                       f"The module should compute the {what} {op} of a and b and drive it on out.".replace("  ", " "),
                       f"  assign out = {expr};")


def _mux(rnd: random.Random) -> VerilogTask:
    w, n = _w(rnd), rnd.choice([2, 4])
    if n == 2:
        ports = [Port("a", w), Port("b", w), Port("sel"), Port("out", w, True)]
        return VerilogTask("", 1, "mux2", f"mux2:{w}", ports,
                           "Create a 2-to-1 multiplexer. When sel=0, choose a. When sel=1, choose b.",
                           "  assign out = sel ? b : a;")
    ports = [Port("a", w), Port("b", w), Port("c", w), Port("d", w), Port("sel", 2), Port("out", w, True)]
    return VerilogTask("", 1, "mux4", f"mux4:{w}", ports,
                       "Create a 4-to-1 multiplexer: sel=0 chooses a, sel=1 chooses b, sel=2 chooses c and "
                       "sel=3 chooses d.",
                       "  assign out = sel == 2'd0 ? a : sel == 2'd1 ? b : sel == 2'd2 ? c : d;")


def _adder(rnd: random.Random) -> VerilogTask:
    w = _w(rnd, 2, 16)
    ports = [Port("a", w), Port("b", w), Port("cin"), Port("sum", w, True), Port("cout", 1, True)]
    return VerilogTask("", 2, "adder", f"adder:{w}", ports,
                       f"The module should add the {w}-bit numbers a and b and the carry-in cin, producing the "
                       f"{w}-bit sum and the carry-out cout.",
                       "  assign {cout, sum} = a + b + cin;")


def _compare(rnd: random.Random) -> VerilogTask:
    w = _w(rnd, 2, 12)
    ports = [Port("a", w), Port("b", w), Port("lt", 1, True), Port("eq", 1, True), Port("gt", 1, True)]
    return VerilogTask("", 2, "compare", f"compare:{w}", ports,
                       f"The module compares the unsigned {w}-bit numbers a and b: lt is 1 when a < b, eq is 1 "
                       "when a == b and gt is 1 when a > b.",
                       "  assign lt = a < b;\n  assign eq = a == b;\n  assign gt = a > b;")


def _decoder(rnd: random.Random) -> VerilogTask:
    n = rnd.randint(2, 4)
    en = rnd.random() < 0.5
    ports = [Port("in", n)] + ([Port("en")] if en else []) + [Port("out", 2 ** n, True)]
    cond = " when en is 1; when en is 0 all outputs are 0" if en else ""
    body = f"  assign out = {'en ? ' if en else ''}({2 ** n}'d1 << in){' : 0' if en else ''};"
    return VerilogTask("", 2, "decoder", f"decoder:{n}:{en}", ports,
                       f"Create a {n}-to-{2 ** n} decoder: output bit out[in] is 1 and every other output bit "
                       f"is 0{cond}.", body)


def _parity(rnd: random.Random) -> VerilogTask:
    w, odd = _w(rnd, 3, 16), rnd.random() < 0.5
    kind = "odd" if odd else "even"
    body = f"  assign p = {'~' if odd else ''}(^in);"
    return VerilogTask("", 2, "parity", f"parity:{w}:{kind}", [Port("in", w), Port("p", 1, True)],
                       f"The module computes a parity bit p for the {w}-bit input in, for {kind} parity: p is "
                       f"chosen so that in and p together have an {kind} number of 1 bits.", body)


def _counter(rnd: random.Random) -> VerilogTask:
    n = rnd.randint(3, 20)
    w = max(1, (n - 1).bit_length())
    en = rnd.random() < 0.5
    ports = [Port("clk"), Port("reset")] + ([Port("ena")] if en else []) + [Port("q", w, True)]
    step = "when ena is 1 (holding its value when ena is 0)" if en else "every clock cycle"
    inc = f"    else if (ena) q <= (q == {w}'d{n - 1}) ? {w}'d0 : q + 1'b1;" if en else \
          f"    else q <= (q == {w}'d{n - 1}) ? {w}'d0 : q + 1'b1;"
    return VerilogTask("", 3, "counter", f"counter:{n}:{en}", ports,
                       f"Build a counter that counts from 0 through {n - 1}, inclusive, with a period of {n}, "
                       f"advancing {step}. Assume all sequential logic is triggered on the positive edge of the "
                       "clock. The reset input is active high synchronous, and should reset the counter to 0.",
                       f"  always @(posedge clk)\n    if (reset) q <= 0;\n{inc}", sequential=True,
                       reg_outputs=("q",))


def _shift(rnd: random.Random) -> VerilogTask:
    w, left = _w(rnd, 3, 12), rnd.random() < 0.5
    ports = [Port("clk"), Port("reset"), Port("in"), Port("q", w, True)]
    side = "q[0]" if left else f"q[{w - 1}]"
    nxt = f"{{q[{w - 2}:0], in}}" if left else f"{{in, q[{w - 1}:1]}}"
    return VerilogTask("", 3, "shift", f"shift:{w}:{left}", ports,
                       f"Build a {w}-bit shift register. On every positive clock edge it shifts "
                       f"{'left' if left else 'right'} by one position and the serial input in enters at {side}. "
                       "The reset input is active high synchronous, and clears the register to 0.",
                       f"  always @(posedge clk)\n    if (reset) q <= 0;\n    else q <= {nxt};",
                       sequential=True, reg_outputs=("q",))


def _truth(rnd: random.Random) -> VerilogTask:
    minterms = sorted(rnd.sample(range(8), rnd.randint(2, 6)))
    ports = [Port("x3"), Port("x2"), Port("x1"), Port("f", 1, True)]
    terms = ", ".join(str(m) for m in minterms)
    body = "  always @(*)\n    case ({x3, x2, x1})\n" + "".join(
        f"      3'd{m}: f = 1'b1;\n" for m in minterms) + "      default: f = 1'b0;\n    endcase"
    return VerilogTask("", 3, "truth", f"truth:{terms}", ports,
                       f"Implement the combinational function f(x3, x2, x1) that is 1 exactly for the input "
                       f"combinations whose value {{x3,x2,x1}} (as a 3-bit number) is one of: {terms}; f is 0 "
                       "otherwise.", body, reg_outputs=("f",))


def _detector(rnd: random.Random) -> VerilogTask:
    n = rnd.randint(2, 4)
    pattern = "".join(rnd.choice("01") for _ in range(n))
    ports = [Port("clk"), Port("reset"), Port("in"), Port("z", 1, True)]
    body = (f"  reg [{n - 1}:0] hist;\n  reg [{n - 1}:0] seen;\n"
            "  always @(posedge clk)\n"
            "    if (reset) begin hist <= 0; seen <= 0; end\n"
            f"    else begin hist <= {{hist[{max(n - 2, 0)}:0], in}}; seen <= {{seen[{max(n - 2, 0)}:0], 1'b1}}; end\n"
            f"  assign z = (&seen) && hist == {n}'b{pattern};")
    return VerilogTask("", 4, "detector", f"detector:{pattern}", ports,
                       f"Build a Moore state machine that recognises the serial bit sequence {pattern} (first bit "
                       f"first) on input in, one bit per positive clock edge. Output z is 1 during the cycle after "
                       f"the last {n} bits received were {pattern} (overlapping occurrences count), else 0. The "
                       "reset input is active high synchronous and returns the machine to its initial state, "
                       "where no bits have been received.", body, sequential=True)


FAMILIES = {1: (_gate, _mux), 2: (_adder, _compare, _decoder, _parity), 3: (_counter, _shift, _truth),
            4: (_detector,)}


def generate_tasks(n: int, seed: int = 0, levels: tuple[int, ...] = LEVELS,
                   exclude: set[str] | None = None) -> list[VerilogTask]:
    """`n` distinct tasks (by signature) from the given levels, cycling through them; deterministic in `seed`."""
    rnd = random.Random(seed)
    seen = set(exclude or ())
    out: list[VerilogTask] = []
    tries = 0
    while len(out) < n and tries < 50 * n + 100:
        tries += 1
        level = levels[len(out) % len(levels)]
        t = rnd.choice(FAMILIES[level])(rnd)
        if t.signature in seen:
            continue
        seen.add(t.signature)
        t.id = f"gen{seed}_{len(out):03d}_{t.family}"
        out.append(t)
    return out


def split_tasks(n_train: int, n_test: int, seed: int = 0,
                levels: tuple[int, ...] = LEVELS) -> tuple[list[VerilogTask], list[VerilogTask]]:
    """Training and held-out tasks with no signature in common."""
    test = generate_tasks(n_test, seed=10_000 + seed, levels=levels)
    train = generate_tasks(n_train, seed=seed, levels=levels, exclude={t.signature for t in test})
    return train, test
