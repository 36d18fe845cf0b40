"""What a user installs: the built wheel holds every package and data file the tool loads."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a clean copy: setuptools reuses a stale build/ folder, which would hide a missing package.
    source = tmp_path_factory.mktemp("source") / "summarizer"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__",
                                                                 ".pytest_cache", ".venv", "devset"))
    # No build isolation: the test extra installs a recent setuptools, and tests stay off the network.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, cwd=out)
    wheel = next(out.glob("summarizer-*.whl"))
    return set(zipfile.ZipFile(wheel).namelist())


def test_every_package_under_summarizer_is_in_the_wheel(wheel_names):
    packages = sorted(p.parent.relative_to(ROOT) for p in (ROOT / "summarizer").rglob("__init__.py"))
    assert packages, "no packages found: the test is looking in the wrong place"
    missing = [str(p) for p in packages if f"{p.as_posix()}/__init__.py" not in wheel_names]
    assert missing == []


def test_top_level_schema_and_prompt_packages_are_installed_under_summarizer(wheel_names):
    assert "summarizer/schemas/__init__.py" in wheel_names
    assert {"summarizer/prompts/system.md", "summarizer/prompts/examples.json"} <= wheel_names


def test_data_files_and_templates_are_in_the_wheel(wheel_names):
    data = [p.relative_to(ROOT).as_posix() for p in (ROOT / "summarizer" / "data").iterdir()
            if p.is_file() and p.suffix != ".py"]  # every data file the tool loads, whatever its kind
    templates = [p.relative_to(ROOT).as_posix() for p in (ROOT / "summarizer" / "templates").glob("*.j2")]
    assert data and templates
    assert [n for n in data + templates if n not in wheel_names] == []
