"""Shared fixtures for the benchmark tests."""
import pytest

from eda.llm import LLMError


@pytest.fixture
def client(tmp_path, monkeypatch):
    """An LLM client on the real bundled model, with a fresh cache and no endpoint from the environment."""
    monkeypatch.setenv("EDA_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("EDA_LLM_BASE_URL", "EDA_LLM_MODEL", "EDA_LLM_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    from eda.llm.local import bundled_model_path
    try:
        bundled_model_path()
    except LLMError as e:
        pytest.skip(str(e))
    from eda.llm.client import LLMClient
    c = LLMClient()
    yield c
    c.close()
