"""Label a design with real static timing: yosys (for RTL) then OpenSTA, written as pin/arc tables.

The tables are the shared timing data's (`../shared/data/timing/README.md`, "Exact recipe"): one
row per timing-graph vertex (`pin level is_driver is_port at_r at_f rat_r rat_f slack_r slack_f
slew_r slew_f load_cap pin_cap`, late/max, SI units, `nan` where unconstrained) and one per timing
arc (`from to role sense arc delay_max delay_min`), in OpenSTA's own vertex and edge order. The
output folder follows the same layout (`DIR/designs/NAME/NAME.{v.xz,sdc,pins.tsv.xz,arcs.tsv.xz}`
plus `DIR/lib/` linking the Liberty), so `eda timing train --data-root DIR` reads it directly.

Debian's OpenSTA (2019) neither reads gzip nor reports errors through its exit status, so the
Liberty is unpacked to the work folder and the log is scanned for `Error:` lines and cells it had
to black-box (a netlist cell missing from the Liberty).
"""
from __future__ import annotations

import gzip
import lzma
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import EdaError
from .fileio import atomic_write

# Cells the shared recipe keeps out of synthesis (power, fill, delay and special-purpose cells).
SYNTH_EXCLUDE = r"lpflow|probe|sparecell|clkdlybuf|dlygate|dlymetal|einv|ebufn|diode|decap|fill|tap|_0$"
PIN_COLUMNS = ("pin", "level", "is_driver", "is_port", "at_r", "at_f", "rat_r", "rat_f", "slack_r",
               "slack_f", "slew_r", "slew_f", "load_cap", "pin_cap")
ARC_COLUMNS = ("from", "to", "role", "sense", "arc", "delay_max", "delay_min")

# Tcl run after link + SDC: one row per vertex, one per arc of its out-edges.
_DUMP_TCL = r"""
proc fmt {x} { if {$x eq "" || ![string is double -strict $x] || abs($x) > 1e29} { return nan }; return [format %e $x] }
proc pathval {v tr what} {
  set path [sta::vertex_worst_arrival_path_tr $v $tr max]
  if {$path eq "NULL" || $path eq ""} { return nan }
  return [fmt [$path $what]]
}
sta::find_requireds
set f [open {PINS} w]
puts $f "HEADER_PINS"
set g [open {ARCS} w]
puts $g "HEADER_ARCS"
set corner [sta::cmd_corner]
set vi [sta::vertex_iterator]
while {[$vi has_next]} {
  set v [$vi next]
  set p [$v pin]
  set row [list [get_full_name $p] [$v level] [expr {[$p is_driver] ? 1 : 0}] [expr {[$p is_top_level_port] ? 1 : 0}]]
  foreach w {arrival required slack} { foreach tr {rise fall} { lappend row [pathval $v $tr $w] } }
  foreach tr {rise fall} { lappend row [fmt [$v slew $tr max]] }
  if {[$p is_driver]} { lappend row [fmt [$p capacitance rise $corner max]] } else { lappend row nan }
  set lp [$p liberty_port]
  if {$lp eq "NULL" || $lp eq ""} { lappend row nan } else { lappend row [fmt [sta::LibertyPort_capacitance $lp rise max]] }
  puts $f [join $row "\t"]
  set ei [$v out_edge_iterator]
  while {[$ei has_next]} {
    set e [$ei next]
    set ai [$e timing_arc_iterator]
    while {[$ai has_next]} {
      set a [$ai next]
      set d [$e arc_delays $a]
      puts $g [join [list [get_full_name $p] [get_full_name [$e to_pin]] [$e role] [$e sense] "[$a from_trans_name][$a to_trans_name]" [fmt [lindex $d 0]] [fmt [lindex $d 1]]] "\t"]
    }
    $ai finish
  }
  $ei finish
}
$vi finish
close $f
close $g
"""


class LabelError(EdaError):
    """yosys or OpenSTA could not label the design."""


@dataclass
class LabelResult:
    """What one labelling run wrote and measured."""

    name: str
    top: str
    synthesized: bool
    pins: int
    arcs: int
    wns_ns: float
    tns_ns: float
    synth_s: float
    sta_s: float
    folder: str

    def to_dict(self) -> dict:
        return asdict(self)


def have_tools() -> bool:
    """True when both `yosys` and OpenSTA's `sta` are on PATH."""
    return shutil.which("yosys") is not None and shutil.which("sta") is not None


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise LabelError(f"`{name}` not found on PATH (install the Debian package: make setup)")
    return exe


def read_text(path: Path) -> str:
    """A text file, transparently un-gzipped / un-xz'd by suffix."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt").read()
    if path.suffix == ".xz":
        return lzma.open(path, "rt").read()
    return path.read_text()


def filter_liberty(text: str, exclude: str = SYNTH_EXCLUDE) -> str:
    """The Liberty text without the `cell (...) { ... }` groups whose names match `exclude`."""
    pat = re.compile(exclude)
    out, pos = [], 0
    for m in re.finditer(r'\bcell\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{', text):
        if m.start() < pos or not pat.search(m.group(1)):
            continue
        depth, i, in_str = 0, m.end() - 1, False
        while i < len(text):
            c = text[i]
            if c == '"':
                in_str = not in_str
            elif not in_str and c == "{":
                depth += 1
            elif not in_str and c == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out.append(text[pos:m.start()])
        pos = i + 1
    out.append(text[pos:])
    return "".join(out)


def liberty_cells(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r'\bcell\s*\(\s*"?([^")\s]+)"?\s*\)', text)}


def _modules(verilog: str) -> tuple[list[str], set[str]]:
    """Module names defined, and cell/module types instantiated (`type [#(...)] name (`)."""
    body = re.sub(r"//[^\n]*|/\*.*?\*/", " ", verilog, flags=re.S)
    defined = re.findall(r"\bmodule\s+([A-Za-z_][\w$]*)", body)
    used = set(re.findall(r"^\s*([A-Za-z_][\w$]*)\s+(?:#\s*\(.*?\)\s*)?\\?[\w$\[\].]+\s*\(", body, re.M | re.S))
    keywords = {"module", "input", "output", "inout", "wire", "reg", "assign", "always", "initial", "function",
                "task", "parameter", "localparam", "generate", "if", "else", "for", "case", "begin", "end"}
    return defined, used - keywords


def is_gate_level(verilog: str, cells: set[str]) -> bool:
    """A netlist only instantiating Liberty cells (no behavioural code) needs no synthesis."""
    if re.search(r"\b(always|always_ff|always_comb|initial)\b", verilog):
        return False
    defined, used = _modules(verilog)
    used -= set(defined)
    return bool(used) and used <= cells


def top_module(verilog: str, path: Path) -> str:
    """The one module no other module instantiates."""
    defined, used = _modules(verilog)
    tops = [m for m in defined if m not in used]
    if len(tops) != 1:
        found = ", ".join(tops[:5]) or "none"
        raise LabelError(f"{path}: cannot tell the top module (candidates: {found}); pass --top")
    return tops[0]


def clock_period_ns(sdc: str) -> float | None:
    m = re.search(r"create_clock\b[^\n]*-period\s+([0-9.eE+-]+)", sdc)
    return float(m.group(1)) if m else None


def _run(cmd: list[str], cwd: Path, what: str, timeout: float) -> str:
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabelError(f"{what} took longer than {timeout:.0f} s") from None
    log = p.stdout + p.stderr
    if p.returncode != 0:
        last = next((ln for ln in reversed(log.splitlines()) if ln.strip()), "")
        raise LabelError(f"{what} failed (exit {p.returncode}): {last.strip()[:300]}")
    return log


def synthesize(rtl: Path, top: str, lib_text: str, period_ns: float, work: Path, timeout: float) -> str:
    """The shared recipe's yosys flow: RTL -> flat sky130-style gate-level Verilog text."""
    syn = work / "syn.lib"
    syn.write_text(filter_liberty(lib_text))
    out = work / "netlist.v"
    script = "\n".join([
        f"read_verilog -sv -I{rtl.parent} {rtl}",
        f"hierarchy -check -top {top}",
        f"synth -top {top} -flatten",
        f"dfflibmap -liberty {syn}",
        f"abc -liberty {syn} -D {period_ns * 1000:g}",
        "opt_clean -purge",
        "hilomap -hicell sky130_fd_sc_hd__conb_1 HI -locell sky130_fd_sc_hd__conb_1 LO",
        "setundef -zero",
        "splitnets -ports -format __",
        "insbuf -buf sky130_fd_sc_hd__buf_2 A X",
        "opt_clean -purge",
        f"write_verilog -noattr -noexpr -nohex -nodec {out}",
    ])
    (work / "synth.ys").write_text(script + "\n")
    _run([_tool("yosys"), "-q", "-l", "synth.log", "synth.ys"], work, "yosys synthesis", timeout)
    return out.read_text()


def run_sta(netlist: Path, top: str, lib: Path, sdc: Path, work: Path,
            timeout: float) -> tuple[str, str, str, tuple[float, float]]:
    """OpenSTA on a gate-level netlist: (pins table, arcs table, report_checks text, (WNS, TNS) in ns)."""
    pins, arcs = work / "pins.tsv", work / "arcs.tsv"
    dump = (_DUMP_TCL.replace("{PINS}", "{" + str(pins) + "}").replace("{ARCS}", "{" + str(arcs) + "}")
            .replace("HEADER_PINS", "\\t".join(PIN_COLUMNS)).replace("HEADER_ARCS", "\\t".join(ARC_COLUMNS)))
    (work / "dump.tcl").write_text(dump)
    (work / "sta.tcl").write_text("\n".join([
        f"read_liberty {{{lib}}}", f"read_verilog {{{netlist}}}", f"link_design {top}", f"read_sdc {{{sdc}}}",
        "set_wire_load_model -name Small", "set_wire_load_mode top",
        "puts \"@@REPORT\"", "report_checks", "puts \"@@END\"",
        "puts \"@@WNS [sta::worst_slack -max]\"", "puts \"@@TNS [sta::total_negative_slack -max]\"",
        "source dump.tcl", ""]))
    log = _run([_tool("sta"), "-no_splash", "-exit", "sta.tcl"], work, "OpenSTA", timeout)
    missing = re.findall(r"module (\S+) not found", log)
    if missing:
        raise LabelError(f"{netlist.name}: {len(missing)} cell(s) not in the Liberty, e.g. {', '.join(missing[:3])}")
    errors = [ln.strip() for ln in log.splitlines() if ln.lstrip().startswith("Error")
              or ln.lstrip().startswith(f"Warning: {sdc.name},")]   # an SDC naming what is not there times nothing
    if errors:
        raise LabelError(f"OpenSTA rejected the input: {errors[0][:300]}")
    if not pins.exists() or not arcs.exists():
        raise LabelError("OpenSTA wrote no tables (see its log: " + log.strip().splitlines()[-1][:200] + ")")
    report = log.split("@@REPORT", 1)[-1].split("@@END", 1)[0].strip() + "\n"
    return pins.read_text(), arcs.read_text(), report, _summary(log)


def _summary(log: str) -> tuple[float, float]:
    """Worst (clamped at 0) and total negative slack in ns, as OpenSTA reports them."""
    wns = re.search(r"@@WNS (\S+)", log)
    tns = re.search(r"@@TNS (\S+)", log)
    if not wns or not tns:
        raise LabelError("OpenSTA printed no slack summary (no constrained paths?)")
    return min(0.0, float(wns.group(1))), float(tns.group(1))


def _xz(path: Path, text: str) -> None:
    atomic_write(path, lzma.compress(text.encode()))


def label(design: Path, lib: Path, sdc: Path, out: Path, *, top: str | None = None,
          synth: bool | None = None, name: str | None = None, timeout: float = 3600.0) -> LabelResult:
    """Label `design` (RTL or gate-level Verilog, plain/.gz/.xz) with OpenSTA; write the shared layout under `out`."""
    for p, what in ((design, "design"), (lib, "Liberty"), (sdc, "SDC")):
        if not p.is_file():
            raise LabelError(f"{p}: {what} file not found")
    verilog = read_text(design)
    lib_text = read_text(lib)
    sdc_text = sdc.read_text()
    top = top or top_module(verilog, design)
    name = name or top
    if synth is None:
        synth = not is_gate_level(verilog, liberty_cells(lib_text))
    with tempfile.TemporaryDirectory(prefix="eda-sta-") as tmp:
        work = Path(tmp)
        lib_plain = work / "lib.lib"
        lib_plain.write_text(lib_text)
        t0 = time.perf_counter()
        if synth:
            period = clock_period_ns(sdc_text)
            if period is None:
                raise LabelError(f"{sdc}: no `create_clock -period` to give synthesis a target")
            src = work / ("rtl.sv" if ".sv" in design.suffixes else "rtl.v")
            src.write_text(verilog)
            netlist_text = synthesize(src, top, lib_text, period, work, timeout)
        else:
            netlist_text = verilog
        synth_s = time.perf_counter() - t0
        netlist = work / "design.v"
        netlist.write_text(netlist_text)
        t0 = time.perf_counter()
        pins, arcs, report, (wns, tns) = run_sta(netlist, top, lib_plain, sdc.resolve(), work, timeout)
        sta_s = time.perf_counter() - t0
    folder = out / "designs" / name
    folder.mkdir(parents=True, exist_ok=True)
    _xz(folder / f"{name}.v.xz", netlist_text)
    atomic_write(folder / f"{name}.sdc", sdc_text)
    atomic_write(folder / f"{name}.report_checks.txt", report)
    _xz(folder / f"{name}.arcs.tsv.xz", arcs)
    _xz(folder / f"{name}.pins.tsv.xz", pins)
    libdir = out / "lib"
    libdir.mkdir(exist_ok=True)
    link = libdir / lib.name
    if not link.exists():
        link.symlink_to(lib.resolve())
    return LabelResult(name=name, top=top, synthesized=synth, pins=pins.count("\n") - 1,
                       arcs=arcs.count("\n") - 1, wns_ns=round(wns, 4), tns_ns=round(tns, 4),
                       synth_s=round(synth_s, 2), sta_s=round(sta_s, 2), folder=str(folder))
