"""MMCircuitEval harness: open-answer scores, generated problems checked against ngspice, oracle run,
image content for multimodal endpoints, parquet splits, judge weighting and the CLI's one-line errors."""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.mmcircuiteval.adapter import MMCircuitEvalAdapter
from benchmarks.mmcircuiteval.load import load_mmcircuiteval
from benchmarks.mmcircuiteval.openscore import LLMJudge, score_open
from benchmarks.mmcircuiteval.run import run_mmcircuiteval
from benchmarks.runner.core import BenchRunError, read_jsonl, run_batch, RunSettings
from eda.llm import LLMError


@pytest.fixture(scope="module")
def gen_run(tmp_path_factory):
    """An oracle run of a small generated set (drawn schematics, shipped decks)."""
    out = tmp_path_factory.mktemp("mm") / "run"
    summary = run_mmcircuiteval(out, generate=4, seed=3, oracle=True, progress=False)
    return out, summary


def test_open_scores_rank_answers_and_weight_the_judge() -> None:
    ref = "A low-pass response: the gain is 1 at low frequency and falls to 0.01 at 1 MHz."
    same = score_open(ref, ref)
    para = score_open("It is a low-pass filter; its gain falls from 1 to about 0.01 at 1 MHz.", ref)
    other = score_open("The transistor has three pins: emitter, base and collector.", ref)
    assert same.value == pytest.approx(1.0, abs=1e-6)
    assert 0.2 < para.value < 0.95 and other.value < 0.2 and para.value > other.value + 0.2
    assert set(para.parts) >= {"bleu", "rouge", "rouge1", "rouge2", "rougeL", "emb"}
    assert para.parts["rouge"] == pytest.approx((para.parts["rouge1"] + para.parts["rouge2"] + para.parts["rougeL"]) / 3)
    assert score_open("", ref).value == 0.0

    class Scripted:
        def __init__(self, reply):
            self.reply, self.prompts = reply, []

        def ask_json(self, prompt, schema, **kw):
            self.prompts.append(prompt)
            if self.reply is None:
                raise LLMError("no schema-valid JSON answer after 3 attempts: not valid JSON")
            return {"score": self.reply}
    judged = score_open(para_text := "It is a low-pass filter; its gain falls from 1 to about 0.01 at 1 MHz.", ref,
                        "Describe it.", LLMJudge(Scripted(0.9)))
    p = judged.parts
    assert judged.value == pytest.approx((p["bleu"] + p["rouge"] + p["emb"] + 2 * 0.9) / 5)
    assert para_text and p["llm"] == 0.9
    with pytest.raises(LLMError):                 # a judge without a score is an error, not a silent 0.5
        score_open(ref, ref, "q", LLMJudge(Scripted(None)))


def test_generated_oracle_run_is_100_percent_with_every_table(gen_run) -> None:
    out, s = gen_run
    assert s["accuracy"] == 1.0 and s["score"] == 1.0 and s["errors"] == 0 and s["items"] >= 15
    cats = s["per_category"]
    assert set(cats) == {"split", "type", "ability", "difficulty", "modality"}
    assert set(cats["split"]) == {"generated", "shipped"}
    assert {"single", "multi", "blank", "open"} <= set(cats["type"])
    assert sum(c["n"] for c in cats["ability"].values()) == s["items"]
    report = (out / "report.md").read_text()
    assert "## By ability" in report and "| open |" in report and (out / "accuracy.png").stat().st_size > 1000
    imgs = sorted((out / "dataset" / "images").glob("*.png"))
    assert len(imgs) == 4 and all(p.read_bytes()[:4] == b"\x89PNG" for p in imgs)
    assert all(p.with_suffix(".svg").read_text().lstrip().startswith("<svg") for p in imgs)


def test_generated_answers_agree_with_an_independent_simulation_of_the_statement(gen_run) -> None:
    """The blank DC answers are re-derived by simulating the netlist printed in the statement."""
    from eda.sim import simulate
    out, _ = gen_run
    checked = 0
    for line in (out / "dataset" / "generated.jsonl").read_text().splitlines():
        p = json.loads(line)
        deck = p["statement"].split("\n", 1)[1] + "\n.options rshunt=1e12\n.end\n"
        op = None
        for q, t, a in zip(p["questions"], p["question_types"], p["answers"]):
            m = re.match(r"What is the DC voltage of node (\S+), in volts\?", q)
            if m:
                op = op or simulate(deck, op=True).op
                got = float(np.real(op[f"v({m.group(1)})"][0]))
                assert abs(got - float(a.split()[0])) <= 1e-3 * max(abs(got), 1e-3), (q, a, got)
                checked += 1
    assert checked >= 1


def test_wrong_answers_are_wrong_and_images_are_sent_only_to_multimodal_runs(gen_run, tmp_path) -> None:
    out, _ = gen_run
    items = load_mmcircuiteval(out / "dataset" / "generated.jsonl")
    adapter = MMCircuitEvalAdapter()
    for it in items:
        kind = it.data["kind"]
        if kind == "single":
            wrong = next(x for x in "ABCD" if x != it.label)
            assert not adapter.score(it, wrong).correct
            assert adapter.schema(it)["properties"]["answer"]["enum"] == ["A", "B", "C", "D"]
        elif kind == "multi":
            assert not adapter.score(it, "A, B, C, D").correct or it.label == "A, B, C, D"
        elif kind == "blank":
            v = float(it.label.split()[0])
            assert not adapter.score(it, f"{v * 1.05:.6g}").correct and adapter.score(it, f"{v:.6g}").correct
        else:
            assert adapter.score(it, "I do not know.").value < 0.3

    class Recorder:
        def __init__(self):
            self.contents = []

        def ask_json(self, content, schema, **kw):
            self.contents.append(content)
            return {"answer": "A"}
    pick = items[:3]
    for images, tag in ((True, "mm"), (False, "text")):
        rec = Recorder()
        run_batch(MMCircuitEvalAdapter(images=images), pick, tmp_path / tag,
                  RunSettings("mmcircuiteval", "t", model="x", extra={"images": images}), client=rec, progress=False)
        assert len(rec.contents) == 3
        if images:
            parts = rec.contents[0]
            assert parts[0]["type"] == "text" and parts[1]["type"] == "image_url"
            url = parts[1]["image_url"]["url"]
            assert url.startswith("data:image/png;base64,") and base64.b64decode(url.split(",", 1)[1])[:4] == b"\x89PNG"
        else:
            assert all(isinstance(c, str) and "not shown" in c and "Vin" in c for c in rec.contents)


def test_parquet_splits_load_with_image_bytes_and_name_bad_rows(tmp_path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    good = {"statement": "A datasheet.", "questions": ["Max V_CEO? (A) 30 V (B) 40 V", "Pins?"],
            "question_types": ["single", "open"], "images": [{"bytes": png, "path": "p1.png"}],
            "answers": ["B", "1: Emitter, 2: Base, 3: Collector"], "explanations": ["", ""],
            "difficulties": ["easy", "medium"], "abilities": ["perception", "knowledge"],
            "ic_type": "analog", "source": "datasheet", "extra": ""}
    (tmp_path / "data").mkdir()
    pq.write_table(pa.Table.from_pylist([good, good]), tmp_path / "data" / "spec-00000-of-00001.parquet")
    items = load_mmcircuiteval(tmp_path / "data")
    assert [it.categories["split"] for it in items] == ["spec"] * 4
    assert items[0].data["images"][0]["bytes"] == png and items[0].categories["modality"] == "image"
    parts = MMCircuitEvalAdapter(images=True).content(items[0])
    assert base64.b64decode(parts[1]["image_url"]["url"].split(",", 1)[1]) == png
    pq.write_table(pa.Table.from_pylist([good, {**good, "difficulties": ["easy"]}]),
                   tmp_path / "data" / "spec-00000-of-00001.parquet")
    with pytest.raises(BenchRunError, match=r"spec-00000-of-00001.parquet\[1\]: difficulties must be a list"):
        load_mmcircuiteval(tmp_path / "data")


def test_cli_bad_input_is_one_line(tmp_path) -> None:
    cmd = [sys.executable, "-c", "import cli; cli.main()", "bench", "mmcircuiteval", "-o", str(tmp_path / "o")]
    r = subprocess.run(cmd + ["--data", str(tmp_path / "missing.json")], capture_output=True, text=True)
    assert r.returncode == 2 and "no such file or folder" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2 and "exactly one of --data PATH or --generate N" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_rerun_with_other_image_mode_is_refused(gen_run) -> None:
    out, _ = gen_run
    with pytest.raises(BenchRunError, match="other settings"):
        run_mmcircuiteval(out, generate=4, seed=3, oracle=True, images=True, progress=False)
    assert len({r["id"] for r in read_jsonl(out / "items.jsonl")}) == gen_run[1]["items"]
