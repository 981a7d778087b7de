"""Shared fixtures: the template path, the base answers and a cookiecutter config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bakery import TEMPLATE_ROOT, outcome, run


def pytest_configure(config: pytest.Config) -> None:
    """Point pytest-cookies at this template whatever directory pytest runs from."""
    if config.getoption("template", default=".") == ".":
        config.option.template = str(TEMPLATE_ROOT)


@pytest.fixture
def base_context() -> dict[str, Any]:
    """Answers every fast bake starts from: git on, no environment install."""
    return {"init_git": True, "create_env": False}


@pytest.fixture
def cookiecutter_config(tmp_path: Path) -> Path:
    """A user config file that keeps replay files and clones inside tmp_path."""
    config = tmp_path / "cookiecutter-config.yaml"
    settings = {
        "cookiecutters_dir": str(tmp_path / "cookiecutters"),
        "replay_dir": str(tmp_path / "replay"),
    }
    config.write_text(json.dumps(settings) + "\n", encoding="utf-8")  # JSON is YAML
    return config


SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info"
)


@pytest.fixture(scope="session")
def template_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the template's current files in one commit (for cruft)."""
    snapshot = tmp_path_factory.mktemp("snapshot") / "template"
    listing = run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=TEMPLATE_ROOT,
    )
    if listing.returncode == 0 and listing.stdout:
        for relative in filter(None, listing.stdout.split("\0")):
            source = TEMPLATE_ROOT / relative
            if source.is_file():
                (snapshot / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, snapshot / relative)
    else:  # not a git checkout (e.g. an unpacked archive)
        shutil.copytree(TEMPLATE_ROOT, snapshot, ignore=SNAPSHOT_IGNORE)
    identity = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]
    for args in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", "snapshot"]):
        proc = run(["git", *args], cwd=snapshot)
        assert proc.returncode == 0, outcome(proc)
    return snapshot
