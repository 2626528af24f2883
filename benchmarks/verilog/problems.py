"""Verilog benchmark problems: VerilogEval v1/v2 and RTLLM v1.1/v2.0, by name or folder (autodetected).

A `Problem` knows its prompt, the module name a solution must define, its reference solution
(renamed to that module, so `--oracle` can run it as the DUT) and how to assemble the files its
testbench compiles with a candidate.  Layouts (see ../shared/data/verilog/README.md):

- VerilogEval v2: `ProbNNN_name_prompt.txt`, `_ref.sv` (RefModule), `_test.sv` (module tb), and in
  code-complete-iccad2023 `_ifc.txt` (the TopModule header the prompt ends with).
- VerilogEval v1: JSONL `{task_id, prompt (top_module header), canonical_solution, test}`, one
  evaluation file = test + header + body; descriptions JSONL beside it gives the spec.
- RTLLM: `<design>/design_description.txt`, `testbench.v`, `verified_*.v`, stimulus files.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from eda.errors import EdaError
from eda.verilog_sim import RTLLM, VERILOGEVAL, VERILOGEVAL_V1, SimLimits, SimResult, simulate


class BenchError(EdaError):
    """A benchmark name or folder that cannot be loaded, or an unknown problem id."""


# name -> path under the data root
BENCHES = {
    "verilogeval-v2": "verilog/verilogeval_v2/spec-to-rtl",
    "verilogeval-v2-cc": "verilog/verilogeval_v2/code-complete-iccad2023",
    "verilogeval-v1": "verilog/verilogeval_v1/data/VerilogEval_Human.jsonl",
    "verilogeval-v1-machine": "verilog/verilogeval_v1/data/VerilogEval_Machine.jsonl",
    "rtllm-v2": "verilog/rtllm_v2.0",
    "rtllm-v1.1": "verilog/rtllm_v1.1",
}

# Reference solutions known to fail under Icarus Verilog 11 (the data README), with the reason.
KNOWN_ORACLE_FAILURES = {
    "Prob099_m2014_q6c": "dataset inconsistency: the testbench connects ports Y2/Y4, the spec and "
                         "reference use Y1/Y3",
    "Prob151_review2015_fsm": "enum cast States'(...) is not supported by Icarus Verilog 11",
    "Prob156_review2015_fancytimer": "enum cast States'(...) is not supported by Icarus Verilog 11",
    "asyn_fifo": "`break` is not supported by Icarus Verilog 11",
    "adder_pipe_64bit": "the reference module has a different name from the one the testbench uses",
    "multi_pipe_4bit": "the reference module has a different name from the one the testbench uses",
    "ring_counter": "the testbench assigns to a whole array, which Icarus rejects",
    "div_16bit": "the v1.1 testbench declares expected_result twice, which Icarus rejects",
    "radix2_div": "the testbench prints Failed for the reference under Icarus",
    "clkgenerator": "the testbench reports 20 failures for the reference under Icarus",
}

SYSTEM_PROMPT = "You are a Verilog RTL designer that only writes code using correct Verilog syntax."


@dataclass
class Problem:
    """One benchmark problem (see the module doc)."""
    id: str
    bench: str                       # benchmark kind: verilogeval-v2 | verilogeval-v1 | rtllm
    rule: str                        # pass rule for eda.verilog_sim
    spec: str                        # natural-language task (with the header, when there is one)
    top: str                         # module name a solution must define
    reference: str                   # reference solution, already named `top`
    testbench: dict[str, str]        # files compiled after the DUT: name -> text
    header: str | None = None        # module header a completion continues (v1, v2 code-complete)
    sim_top: str | None = None       # root module of the simulation (-s), None: let iverilog pick
    data_files: list[Path] = field(default_factory=list)
    dut_prefix: str = ""             # text put before the DUT (RTLLM: a `timescale, as VCS would)
    joined: bool = False             # v1: testbench and DUT in one file, testbench first

    def messages(self) -> list[dict]:
        """Chat messages asking a model for a solution."""
        if self.header:
            ask = (f"{self.spec.rstrip()}\n\nComplete the Verilog module {self.top} above. Answer with the "
                   f"complete module, from `module {self.top}` to `endmodule`, in one ```verilog code block.")
        else:
            ask = (f"{self.spec.rstrip()}\n\nAnswer with the complete Verilog code of module {self.top} in "
                   "one ```verilog code block.")
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": ask}]

    def solution_code(self, code: str) -> str:
        """A candidate made whole: a bare body after the problem's header gets the header (and endmodule)."""
        if self.header and not re.search(rf"\bmodule\s+{re.escape(self.top)}\b", code):
            body = code if re.search(r"\bendmodule\b", code) else code.rstrip() + "\nendmodule\n"
            return self.header.rstrip() + "\n" + body
        return code

    def sources(self, code: str) -> dict[str, str]:
        """The files to compile, in order, with `code` as the design under test."""
        dut = self.dut_prefix + self.solution_code(code)
        if self.joined:
            return {"test.sv": "\n".join([*self.testbench.values(), dut]) + "\n"}
        return {"dut.sv": dut, **self.testbench}

    def check(self, code: str, limits: SimLimits | None = None) -> SimResult:
        """Run `code` against this problem's testbench."""
        return simulate(self.sources(code), rule=self.rule, top=self.sim_top, data_files=self.data_files,
                        limits=limits)


def _rename(text: str, old: str, new: str) -> str:
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


# -- VerilogEval v2 ----------------------------------------------------------------------------
def load_verilogeval_v2(folder: Path) -> list[Problem]:
    out = []
    for test in sorted(folder.glob("*_test.sv")):
        pid = test.name[: -len("_test.sv")]
        prompt, ref, ifc = (folder / f"{pid}_{s}" for s in ("prompt.txt", "ref.sv", "ifc.txt"))
        if not prompt.is_file() or not ref.is_file():
            raise BenchError(f"{folder}: {pid} lacks {prompt.name if not prompt.is_file() else ref.name}")
        ref_text = ref.read_text()
        out.append(Problem(pid, "verilogeval-v2", VERILOGEVAL, prompt.read_text(), "TopModule",
                           _rename(ref_text, "RefModule", "TopModule"),
                           {"test.sv": test.read_text(), "ref.sv": ref_text},
                           header=ifc.read_text() if ifc.is_file() else None, sim_top="tb"))
    return out


# -- VerilogEval v1 ----------------------------------------------------------------------------
def _jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise BenchError(f"{path}:{n}: not JSON ({e.msg})") from None
    return rows


def _v1_descriptions(data_file: Path) -> dict[str, str]:
    kind = "Machine" if "Machine" in data_file.name else "Human"
    for cand in (data_file.parent.parent / "descriptions" / f"VerilogDescription_{kind}.jsonl",
                 data_file.parent / f"VerilogDescription_{kind}.jsonl"):
        if cand.is_file():
            return {r["task_id"]: r["detail_description"] for r in _jsonl(cand)}
    return {}


def load_verilogeval_v1(data_file: Path) -> list[Problem]:
    desc = _v1_descriptions(data_file)
    out = []
    for r in _jsonl(data_file):
        try:
            tid, header, body, test = r["task_id"], r["prompt"], r["canonical_solution"], r["test"]
        except KeyError as e:
            raise BenchError(f"{data_file}: a record lacks {e.args[0]!r}") from None
        spec = (desc.get(tid, "").rstrip() + "\n\n" + header) if tid in desc else header
        out.append(Problem(tid, "verilogeval-v1", VERILOGEVAL_V1, spec, "top_module", header + body,
                           {"test.sv": test}, header=header, sim_top="tb", joined=True))
    return out


# -- RTLLM -------------------------------------------------------------------------------------
_MODNAME = re.compile(r"Module name:\s*(\w+)", re.I)


def load_rtllm(folder: Path) -> list[Problem]:
    out = []
    for desc in sorted(folder.rglob("design_description.txt"), key=lambda p: p.parent.name):
        d = desc.parent
        text = desc.read_text(errors="replace")
        m = _MODNAME.search(text)
        top = m.group(1) if m else d.name
        tb = d / "testbench.v"
        if not tb.is_file():
            raise BenchError(f"{d}: no testbench.v")
        refs = sorted(d.glob("verified_*.v"))
        ref = refs[0].read_text(errors="replace") if refs else ""
        ref = _rename(ref, f"verified_{top}", top)
        data = sorted(p for p in d.iterdir() if p.is_file() and p.suffix in (".txt", ".dat")
                      and p.name != "design_description.txt")
        out.append(Problem(d.name, "rtllm", RTLLM, text, top, ref, {"testbench.v": tb.read_text(errors="replace")},
                           data_files=data, dut_prefix="`timescale 1ns/1ns\n"))
    return out


# -- names, folders, autodetection ---------------------------------------------------------------
def detect(path: Path) -> str:
    """The layout of a folder or file: verilogeval-v2 | verilogeval-v1 | rtllm."""
    if path.is_file() and path.suffix == ".jsonl":
        return "verilogeval-v1"
    if path.is_dir():
        if any(path.glob("*_test.sv")):
            return "verilogeval-v2"
        if any(path.glob("**/VerilogEval_*.jsonl")):
            return "verilogeval-v1"
        if any(path.rglob("design_description.txt")):
            return "rtllm"
    raise BenchError(f"{path}: not a VerilogEval v1/v2 or RTLLM layout (no *_test.sv, VerilogEval_*.jsonl "
                     "or */design_description.txt)")


def resolve_bench(bench: str, data_root: str | Path | None = None) -> tuple[str, Path]:
    """(label, path) of a benchmark name or folder."""
    if bench in BENCHES:
        root = Path(data_root) if data_root else _default_root()
        if root is None:
            raise BenchError(f"benchmark {bench!r}: no data root (give --data-root or set EDA_DATA)")
        path = root / BENCHES[bench]
        if not path.exists():
            raise BenchError(f"benchmark {bench!r}: {path} does not exist (wrong --data-root / EDA_DATA?)")
        return bench, path
    path = Path(bench)
    if not path.exists():
        raise BenchError(f"--bench {bench}: no such benchmark name or folder (names: {', '.join(BENCHES)})")
    return f"{path.name} ({detect(path)})", path


def _default_root() -> Path | None:
    from eda.formats.datasets import default_root
    return default_root()


def load_bench(bench: str, data_root: str | Path | None = None) -> tuple[str, list[Problem]]:
    """(label, problems) of a benchmark name (see BENCHES) or a folder/file in one of the layouts."""
    label, path = resolve_bench(bench, data_root)
    kind = detect(path)
    if kind == "verilogeval-v2":
        probs = load_verilogeval_v2(path)
    elif kind == "verilogeval-v1":
        if path.is_dir():
            files = sorted(path.glob("**/VerilogEval_Human.jsonl")) or sorted(path.glob("**/VerilogEval_*.jsonl"))
            path = files[0]
        probs = load_verilogeval_v1(path)
    else:
        probs = load_rtllm(path)
    if not probs:
        raise BenchError(f"{path}: no problems found")
    ids = [p.id for p in probs]
    if len(set(ids)) != len(ids):
        raise BenchError(f"{path}: duplicate problem ids")
    return label, probs


def find_problem(problems: list[Problem], pid: str) -> Problem:
    """The problem with id `pid` (or the only one whose id starts with it, e.g. 'Prob001')."""
    exact = [p for p in problems if p.id == pid]
    if exact:
        return exact[0]
    pre = [p for p in problems if p.id.startswith(pid)]
    if len(pre) == 1:
        return pre[0]
    hint = f" ({len(pre)} match that prefix)" if pre else ""
    raise BenchError(f"no problem {pid!r} in this benchmark{hint}")
