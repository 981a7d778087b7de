"""Shared fixtures: baked projects (cached or fresh), a cookiecutter config, a snapshot."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.register_assert_rewrite("bakery")  # show the harness's failed checks in full

from bakery import (  # noqa: E402 - after the rewrite hook
    QUIET,
    TEMPLATE_ROOT,
    BakedProject,
    Baker,
    PathBaker,
    default_answers,
    outcome,
    run,
    tool,
)


def pytest_configure(config: pytest.Config) -> None:
    """Point pytest-cookies at this template whatever directory pytest runs from."""
    if config.getoption("template", default=".") == ".":
        config.option.template = str(TEMPLATE_ROOT)


@pytest.fixture(scope="session")
def baked(cookies_session: Any) -> Baker:
    """Bake once per distinct set of answers in the session: for tests that only read."""
    cache: dict[str, BakedProject] = {}

    def bake(**answers: Any) -> BakedProject:
        full = default_answers(**{**QUIET, **answers})
        key = json.dumps({k: v for k, v in full.items() if not k.startswith("_")}, sort_keys=True)
        if key not in cache:
            cache[key] = BakedProject.bake(cookies_session, **answers)
        return cache[key]

    return bake


@pytest.fixture
def fresh(cookies: Any) -> Baker:
    """Bake a new project for this test alone: for tests that change it or run the hook."""

    def bake(**answers: Any) -> BakedProject:
        return BakedProject.bake(cookies, **answers)

    return bake


@pytest.fixture
def bake_on_path(fresh: Baker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PathBaker:
    """Bake with only the host commands a test names on PATH (to watch the hook cope)."""
    return PathBaker(fresh, tmp_path / "bin", monkeypatch)


@pytest.fixture
def cookiecutter_cli(
    tmp_path: Path, cookiecutter_config: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the `cookiecutter` command on this template into tmp_path/out, no prompts."""

    def bake(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(TEMPLATE_ROOT), "--no-input", "-o", str(tmp_path / "out")]
        command += ["--config-file", str(cookiecutter_config), *args]
        return run(tool("cookiecutter", *command), cwd=tmp_path)

    return bake


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
