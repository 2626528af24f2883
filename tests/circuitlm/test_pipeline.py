"""CircuitLM end to end: three easy prompts on the bundled model, atomic output, and the benchmark harness."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from agents.circuitlm.pipeline import FILES, run_prompt
from eda.kb import default_data_root, load_library
from eda.llm import LLMError
from eda.llm.client import LLMClient
from tests.llm.conftest import StubServer, completion

SCHEMA = default_data_root() / "components" / "circuit-json" / "circuit_element.schema.json"


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EDA_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("EDA_LLM_BASE_URL", "EDA_LLM_MODEL", "EDA_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def lib():
    return load_library()


def easy_prompts(n: int) -> list[str]:
    data = json.loads((default_data_root() / "components" / "circuitlm_prompts_by_difficulty.json").read_text())
    return data["easy"][:n]


def check_outputs(out: Path) -> None:
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator({"$ref": "#/definitions/AnyCircuitElement",
                                            "definitions": schema["definitions"]})
    elements = json.loads((out / "circuit.json").read_text())
    assert isinstance(elements, list) and elements
    for el in elements:
        errs = list(validator.iter_errors(el))
        assert not errs, (el.get("type"), errs[0].message)
    types = {el["type"] for el in elements}
    assert {"source_component", "source_port", "schematic_component", "schematic_port"} <= types
    assert (out / "schematic.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "schematic.svg").read_text().lstrip().startswith(("<svg", "<?xml"))


def test_three_easy_prompts_end_to_end_on_the_bundled_model(tmp_path, lib):
    with LLMClient() as client:
        for i, prompt in enumerate(easy_prompts(3)):
            out = tmp_path / f"p{i}"
            res = run_prompt(prompt, out, client, lib, max_connections=3)
            check_outputs(out)
            stages = [json.loads(x) for x in (out / "stages.jsonl").read_text().splitlines()]
            asked = [s for s in stages if s.get("kind") == "llm"]
            assert {s["stage"] for s in asked} == {"identify", "plan"}       # the model was asked twice
            assert all(s["answer"] and s["messages"][1]["content"] for s in asked)
            assert res.tokens["completion_tokens"] > 0
            assert res.report.structural_score > 0.8, res.report.to_markdown()
            design = json.loads((out / "design.json").read_text())
            assert {p["part"] for p in design["parts"]} >= {"led", "arduino-uno"} if i == 0 else True
            assert "Prompt: " + prompt in (out / "report.md").read_text()
        assert client.usage["requests"] >= 6
    # the first prompt's design is sound whatever the model answered: the wiring rules carry it
    assert res is not None
    first = json.loads((tmp_path / "p0" / "design.json").read_text())
    assert any(n["name"] == "GND" and "LED1:-" in n["pins"] for n in first["nets"])


def test_a_failed_run_leaves_the_folder_untouched(tmp_path, lib):
    out = tmp_path / "run"
    with LLMClient("http://127.0.0.1:9/v1", "none", max_retries=0) as client:
        with pytest.raises(LLMError, match="cannot reach"):
            run_prompt("Blink a single LED using an Arduino Uno", out, client, lib)
    assert not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with LLMClient("http://127.0.0.1:9/v1", "none", max_retries=0) as client:
        with pytest.raises(LLMError):
            run_prompt("Blink a single LED using an Arduino Uno", out, client, lib)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_benchmark_runs_scores_and_resumes(tmp_path):
    """The harness around the model (a stand-in endpoint whose answers are unusable: the rules carry on)."""
    from benchmarks.circuitlm import report_markdown, run_bench
    stub = StubServer([(200, completion("not json"))])
    try:
        out = tmp_path / "bench"
        s1 = run_bench(out, difficulty="easy", limit=2, base_url=stub.base_url, model="stub", spice=False,
                       progress=False)
        assert s1["prompts"] == 2 and s1["finished"] == 2
        easy = s1["per_difficulty"]["easy"]
        assert easy["n"] == 2 and 0 <= easy["pass_rate"] <= 1 and easy["structural"] > 0.5
        assert easy["prompt_tokens"] > 0
        recs = [json.loads(x) for x in (out / "items.jsonl").read_text().splitlines()]
        assert [r["id"] for r in recs] == ["easy-00", "easy-01"]
        assert (out / "designs" / "easy-00" / "circuit.json").is_file()
        asked = len(stub.requests)
        s2 = run_bench(out, difficulty="easy", limit=2, base_url=stub.base_url, model="stub", spice=False,
                       progress=False)
        assert len(stub.requests) == asked and s2["overall"] == s1["overall"]   # resumed: nothing re-asked
        assert "| easy | 2 |" in report_markdown(s2)
        s3 = run_bench(tmp_path / "fresh", difficulty="easy", limit=1, base_url=stub.base_url, model="stub",
                       spice=False, progress=False, cache=False)
        assert len(stub.requests) > asked and s3["overall"]["cached"] == 0    # --no-cache asks the model again
        assert "LLM cache off" in report_markdown(s3)
    finally:
        stub.close()
