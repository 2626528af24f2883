"""Babel Fish without the real model: cards, retrieval (BM25), pre-pass, checker, deterministic
path, and the repair loop against a stand-in server (the real model is in test_babelfish_llm.py)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agents.babelfish.cards import load_cards
from agents.babelfish.check import Record, check_all, check_record
from agents.babelfish.convert import babelfish, convert_file, convert_text, recognise
from agents.babelfish.prepass import prepass, tokenize
from agents.babelfish.retrieval import Retriever
from eda.llm.client import LLMClient
from tests.llm.conftest import StubServer, completion

ROOT = Path(__file__).resolve().parents[2]
EDA = [sys.executable, "-c", "import cli; cli.main()"]

SNIPPETS = {
    "qucs": '# Qucs 24.1.0 amp.sch\nVdc:V2 vcc gnd U="12 V"\nR:R5 vcc c1 R="4.7 kOhm"\n'
            '_BJT:T1 b1 c1 gnd gnd Type="npn" Is="1e-16"\nC:C9 c1 out C="100 nF" V=""\n.TR:TR1 Type="lin"\n',
    "pspice": "* source AMP\nR_R2         N0012 OUT  10k TC=0,0\nC_C4         OUT 0  1uF  TC=0,0\n"
              "V_V3         N0012 0 12Vdc\nQ_Q1         OUT N0015 0 Q2N3904\n",
    "spectre": "simulator lang=spectre\nR5 (vdd out) resistor r=2k\nC1 (out 0) capacitor c=3p\n"
               "M0 (out in 0 0) nch w=1u l=100n\n",
    "portlist": "L3 inductor n=b p=a value=10u\nQ4 bjt b=x e=0 c=y model=npn1\nC8 capacitor p=y n=0 value=1p\n",
    "verilog": "module top (a, b, y);\n  input a, b;\n  output y;\n  wire n1;\n"
               "  NOR2X1 U3 (.A(a), .B(b), .Y(n1));\n  INVX1 U4 (.A(n1), .Y(y));\nendmodule\n",
    "cdl": ".SUBCKT buf a y vdd vss\n*.PININFO a:I y:O vdd:B vss:B\nMM1 n1 a vss vss nch_lvt W=300n L=40n m=1\n"
           "XI2 n1 y vdd vss / inv_x2\n.ENDS\n",
    "kicad": '(export (version "E")\n  (components\n    (comp (ref "C7")\n      (value "100n"))\n  (nets\n'
             '    (net (code "3") (name "/vin")\n      (node (ref "C7") (pin "1")))))\n',
    "image2net": "{'ckt_type': 'LNA', 'ckt_netlist': [{'component_type': 'NMOS',\n"
                 " 'port_connection': {'Drain': 'out', 'Gate': 'in', 'Source': 'GND'}}]}\n",
}


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EDA_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("EDA_LLM_BASE_URL", "EDA_LLM_MODEL", "EDA_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_cards_cover_the_issue_formats_with_valid_examples():
    cards = {c.id: c for c in load_cards()}
    for fmt in ("ngspice", "hspice", "ltspice", "spectre", "cdl", "xyce", "pspice", "qucs", "kicad", "eagle",
                "spicenetlist", "image2net", "masala-chai", "verilog"):
        assert fmt in cards and cards[fmt].grammar and cards[fmt].examples
    # every component example is a record the checker accepts for its own line
    for c in cards.values():
        for e in c.examples:
            pp = prepass(e.line)
            if not pp.lines:
                continue
            line = pp.lines[0]
            rec = Record.from_answer(line, e.record)
            errors = [i for i in check_record(rec, line) if i.severity == "error"]
            assert not errors, (c.id, e.line, errors)


@pytest.mark.parametrize("dialect", sorted(SNIPPETS))
def test_bm25_retrieval_finds_the_dialect_card(dialect):
    top = Retriever(method="bm25").search(SNIPPETS[dialect], k=2)
    assert top[0][0].id == dialect, [(c.id, s) for c, s in top]


def test_tokenize_and_prepass():
    assert tokenize('R:R1 in out R = "1 kOhm"') == ["R:R1", "in", "out", 'R="1 kOhm"']
    assert tokenize("M2 (out in vss vss) nch w=2u") == ["M2", "out", "in", "vss", "vss", "nch", "w=2u"]
    pp = prepass("title line\nR1 a b\n+ 1k\n* note\n.subckt inv a y\nM1 y a 0 0 n\n.ends\n.tran 1n 1u\n")
    assert [ln.no for ln in pp.lines] == [1, 2, 6]
    assert pp.lines[1].text.split() == ["R1", "a", "b", "1k"]
    assert pp.lines[2].body == "inv" and pp.blocks[0].ports == ["a", "y"]
    assert {k for _, k, _, _ in pp.statements} == {"comment", "directive"}
    # pin=net keys give net candidates, long property keys (Temp=) do not
    line = prepass('R:R1 in out R="1 kOhm" Temp="26.85"\nM7 mosfet s=vss d=out\n').lines
    assert "26.85" not in line[0].nets and "1 kOhm" not in line[0].nets
    assert {"vss", "out"} <= set(line[1].nets)


def _line(text: str):
    return prepass(text).lines[0]


def test_checker_catches_bad_records():
    m = _line("M1 out in 0 0 nch W=1u")
    ok = Record.from_answer(m, {"kind": "M", "name": "M1", "d": "out", "g": "in", "s": "0", "b": "0",
                                "value": "", "model": "nch"})
    assert check_record(ok, m) == []
    short = Record.from_answer(m, {"kind": "M", "name": "M1", "d": "out", "g": "in", "s": "0", "model": "nch"})
    (issue,) = check_record(short, m)
    assert issue.severity == "error" and "expected 4" in issue.message
    unknown = Record.from_answer(m, {"kind": "Z9", "name": "M1"})
    assert "unknown kind" in check_record(unknown, m)[0].message
    invented = Record.from_answer(m, {"kind": "M", "name": "M1", "d": "out", "g": "in", "s": "0", "b": "vdd"})
    assert any("'vdd'" in i.message and i.severity == "error" for i in check_record(invented, m))
    r = _line("R1 a b 1k")
    shorted = Record.from_answer(r, {"kind": "R", "name": "R1", "p": "a", "n": "a", "value": "1k"})
    assert [i.severity for i in check_record(shorted, r)] == ["suspect"]
    # whole input: a line without a record, a name used twice, nets spelled in two cases
    lines = prepass("R1 a b 1k\nR2 B c 2k\nC1 c 0 1n\n").lines
    recs = {1: Record.from_answer(lines[0], {"kind": "R", "name": "R1", "p": "a", "n": "b", "value": "1k"}),
            2: Record.from_answer(lines[1], {"kind": "R", "name": "R1", "p": "B", "n": "c", "value": "2k"})}
    s = check_all(recs, lines)
    msgs = [(i.line, i.severity, i.message) for i in s.issues]
    assert (3, "error", "line not converted (no valid record)") in msgs
    assert any(no == 2 and "already used" in m for no, _, m in msgs)
    assert s.net_renames == {"B": "b"} and 0 < s.confidence < 1


def test_recognise_uses_sniffers_and_extensions_only(tmp_path):
    assert recognise("deck.cir", "R1 a b 1k\n").name == "spice"
    assert recognise("x.txt", "* t\nR1 a b 1k\n.end\n").name == "spice"          # sniffed
    assert recognise("x.txt", SNIPPETS["image2net"]).name == "image2net"
    assert recognise("x.txt", SNIPPETS["qucs"]) is None
    assert recognise("x.txt", SNIPPETS["portlist"]) is None


def test_deterministic_path_makes_no_llm_call(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the deterministic path called the LLM")
    monkeypatch.setattr(LLMClient, "chat", boom)
    circuit, rep = convert_file(ROOT / "netlists" / "cmos_inverter.sp")
    assert rep.method == "deterministic" and rep.format == "spice" and rep.usage == {}
    assert any(c.kind == "M" for _, c in circuit.all_components())
    circuit, rep = convert_text(SNIPPETS["image2net"], "lna.txt")
    assert rep.method == "deterministic" and rep.format == "image2net" and len(circuit.components) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_deterministic_ignores_a_dead_endpoint_and_bad_endpoint_is_one_line(tmp_path):
    dead = f"http://127.0.0.1:{_closed_port()}/v1"
    env = {"EDA_LLM_BASE_URL": dead, "EDA_LLM_MODEL": "m", "EDA_CACHE_DIR": str(tmp_path / "c"),
           "PATH": "/usr/bin:/bin"}
    r = subprocess.run([*EDA, "convert", str(ROOT / "netlists" / "rc_lowpass.sp"), "-o", str(tmp_path / "rc.scs")],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Babel Fish" not in r.stderr and (tmp_path / "rc.scs").read_text().startswith("simulator lang=spectre")
    unknown = tmp_path / "amp.txt"
    unknown.write_text(SNIPPETS["portlist"])
    r = subprocess.run([*EDA, "convert", str(unknown), "-o", str(tmp_path / "amp.sp")],
                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert "translating it with Babel Fish (LLM)" in lines[0]
    assert len(lines) == 2 and "cannot reach LLM endpoint" in lines[1] and dead in lines[1]
    assert not (tmp_path / "amp.sp").exists()


def test_repair_loop_feeds_the_checker_message_back():
    """Stand-in server: kind R, then a shorted record (a suspect), then the right one."""
    replies = [(200, completion("OK")),
               (200, completion(json.dumps({"kind": "R"}))),
               (200, completion(json.dumps({"kind": "R", "name": "R_R7", "p": "N1", "n": "N1",
                                            "value": "4.7k", "model": ""}))),
               (200, completion(json.dumps({"kind": "R", "name": "R_R7", "p": "N1", "n": "OUT",
                                            "value": "4.7k", "model": ""}))),
               (200, completion(json.dumps({"kind": "C"}))),
               (200, completion(json.dumps({"kind": "C", "name": "C_C2", "p": "OUT", "n": "vdd",
                                            "value": "1n", "model": ""})))]
    stub = StubServer(replies)
    try:
        client = LLMClient(stub.base_url, "stub", cache=False)
        text = "* source X\nR_R7 N1 OUT 4.7k TC=0,0\nC_C2 OUT 0 1n TC=0,0\n"
        circuit, rep = babelfish(text, "x.txt", client=client, retriever=Retriever(method="bm25"), workers=1,
                                 repairs=1)
    finally:
        stub.close()
    assert len(stub.requests) == 7
    repair = stub.requests[3]["messages"]
    assert "both pins of R R_R7 are on net 'N1'" in repair[-1]["content"]
    assert json.loads(repair[-2]["content"])["n"] == "N1"           # the rejected answer is shown back
    # every record question is constrained to the line's tokens
    schema = stub.requests[2]["response_format"]["json_schema"]["schema"]
    assert "vdd" not in schema["properties"]["n"]["enum"] and "OUT" in schema["properties"]["n"]["enum"]
    r7 = next(c for c in circuit.components if c.name == "R_R7")
    assert (r7.kind, r7.nets, r7.value) == ("R", ["N1", "OUT"], "4.7k")
    # the capacitor's invented net 'vdd' fails the check after its one repair: line 3 unconverted
    assert [u["line"] for u in rep.unresolved] == [3] and "'vdd'" in rep.unresolved[0]["problem"]
    assert rep.repaired == 1 and rep.first_pass_ok == 0 and rep.inferred == ["R_R7"]
    assert rep.retrieval[0][0] == "pspice" and rep.confidence < 1
    assert rep.usage["requests"] == 7      # the endpoint check, 2 kind and 4 record questions
