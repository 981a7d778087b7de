"""The template works through the cookiecutter command and through cruft."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bakery import QUIET, TEMPLATE_ROOT, git, outcome, run, tool

DEFAULT_SLUG = "customer-churn-prediction"


def test_cookiecutter_command_generates_the_default_project(
    tmp_path: Path, cookiecutter_cli: Callable[..., Any]
) -> None:
    """It bakes with `cookiecutter <path> --no-input` and key=value extra context."""
    proc = cookiecutter_cli(*(f"{key}={str(value).lower()}" for key, value in QUIET.items()))

    assert proc.returncode == 0, outcome(proc)
    project = tmp_path / "out" / DEFAULT_SLUG
    saved = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert saved["init_git"] is False
    assert saved["create_env"] is False
    assert saved["_template"] == str(TEMPLATE_ROOT)
    assert (project / "pyproject.toml").is_file()
    assert not (project / ".git").exists()
    assert not (project / ".venv").exists()


def test_cruft_creates_a_project_it_can_check(
    tmp_path: Path, template_snapshot: Path, cookiecutter_config: Path
) -> None:
    """It bakes with `cruft create --no-input` and `cruft check` finds it up to date."""
    output = tmp_path / "out"
    output.mkdir()
    proc = run(
        tool(
            "cruft",
            "create",
            str(template_snapshot),
            "--no-input",
            "--output-dir",
            str(output),
            "--config-file",
            str(cookiecutter_config),
            "--extra-context",
            json.dumps(QUIET),
        ),
        cwd=tmp_path,
    )

    assert proc.returncode == 0, outcome(proc)
    project = output / DEFAULT_SLUG
    cruft_state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert cruft_state["template"] == str(template_snapshot)
    assert cruft_state["commit"] == git(template_snapshot, "rev-parse", "HEAD")[0]
    assert (project / ".cookiecutter.json").is_file()
    assert (project / "pyproject.toml").is_file()

    check = run(tool("cruft", "check"), cwd=project)
    assert check.returncode == 0, outcome(check)
