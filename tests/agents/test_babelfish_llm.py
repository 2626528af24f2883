"""Babel Fish on the real parts: the bundled SmolLM2 model and the bundled MiniLM embeddings."""
from __future__ import annotations

import pytest

from agents.babelfish.convert import convert_text
from agents.babelfish.kinds import KINDS
from agents.babelfish.prepass import tokenize
from agents.babelfish.retrieval import Retriever, card_cache_file
from eda.formats import write_text
from eda.formats.spice import read_spice
from tests.agents.test_babelfish import SNIPPETS


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EDA_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("EDA_LLM_BASE_URL", "EDA_LLM_MODEL", "EDA_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_embedding_retrieval_with_the_bundled_minilm():
    r = Retriever(method="embedding")
    for dialect in ("qucs", "verilog", "kicad"):
        top = r.search(SNIPPETS[dialect], k=3)
        assert top[0][0].id == dialect, (dialect, [(c.id, round(s, 3)) for c, s in top])
        assert -1.0 <= top[0][1] <= 1.0                      # cosine similarities
    assert card_cache_file(r.cards).is_file()                 # card embeddings cached once
    hybrid = Retriever()                                      # auto: embeddings fused with BM25
    assert [c.id for c, _ in hybrid.search(SNIPPETS["spectre"], k=1)] == ["spectre"]
    assert hybrid.used == "hybrid"


def test_local_model_converts_an_unknown_dialect_end_to_end():
    """No reader knows this text: Babel Fish asks the bundled model and builds an IR circuit."""
    text = "R4 resistor n=out p=in value=2.2k\nC1 capacitor p=out n=0 value=1n\n"
    circuit, rep = convert_text(text, "rc.txt", retriever=Retriever(method="bm25"))
    assert rep.method == "babelfish" and rep.reason == "no registered reader recognises the input"
    assert rep.format == "portlist" and rep.lines == 2
    # the model was really asked: a kind question per line, a record question
    # per component line (more after repairs)
    assert rep.usage["requests"] + rep.usage["cached"] >= 2 and rep.usage["completion_tokens"] > 0
    comps = circuit.components
    assert len(comps) + len(rep.unresolved) <= 2               # a line labelled none adds neither
    assert rep.inferred == [c.name for c in comps] and rep.components == len(comps)
    tokens = set(tokenize(text.replace("=", " ")))
    for c in comps:                                           # grounded: kinds valid, nets from the text
        assert c.kind in KINDS and set(c.nets) <= tokens
    assert 0.0 <= rep.confidence <= 1.0
    # whatever the model got right, the deterministic writer writes it and our reader reads it back
    back = read_spice(write_text(circuit, "spice")[0], "back.sp")
    assert [(c.kind, c.nets) for c in back.components] == [(c.kind, c.nets) for c in comps]
