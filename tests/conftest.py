import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gold_answers import seed_paths  # noqa: E402

from summarizer.clean import clean  # noqa: E402
from summarizer.reader import read_document  # noqa: E402


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    return seed_paths()


@pytest.fixture(scope="session")
def cleaned_seeds(seeds):
    return {p.stem: clean(read_document(str(p)).text) for p in seeds}


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """No test touches the user's real cache or a real API key."""
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("SUMMARIZER_MODEL", raising=False)
