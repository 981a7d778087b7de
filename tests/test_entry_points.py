"""The template works through the cookiecutter command and through cruft."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bakery import QUIET, TEMPLATE_ROOT, bin_dir, clean_env, git, outcome, run, tool

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


FAKE_MAKE = """#!/bin/sh
# A stand-in for make: logs the targets it was asked for (the environment is not built).
echo "$PWD $*" >> "$FAKE_MAKE_LOG"
"""
IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def test_cruft_update_with_the_default_answers_keeps_both_changes(
    tmp_path: Path, template_snapshot: Path, cookiecutter_config: Path
) -> None:
    """It creates with git and env on, then updates to a newer template: no .rej, both kept.

    A fake `make` records what the hook asks for: `make venv` once, at creation, and
    nothing during the update, whose renders must stay bare.
    """
    template = tmp_path / "template"
    git(tmp_path, "clone", "-q", str(template_snapshot), str(template))
    tools = bin_dir(tmp_path / "bin", "git")
    (tools / "make").write_text(FAKE_MAKE, encoding="utf-8")
    (tools / "make").chmod(0o755)
    log = tmp_path / "make.log"
    env = clean_env(PATH=str(tools), FAKE_MAKE_LOG=str(log), **IDENTITY)
    output = tmp_path / "out"
    output.mkdir()

    create = ["create", template, "--no-input", "--output-dir", output]
    created = run(
        tool("cruft", *create, "--config-file", cookiecutter_config), cwd=tmp_path, env=env
    )
    assert created.returncode == 0, outcome(created)
    project = output / DEFAULT_SLUG
    assert log.read_text().split() == [str(project), "venv"]
    saved = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["context"]
    assert saved["cookiecutter"]["init_git"] is True
    assert saved["cookiecutter"]["create_env"] is True
    git(project, "add", ".cruft.json")
    git(project, "commit", "-q", "-m", "Link the project to its template")

    # The user's change, and the template's change to another generated file.
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nOur own note.\n", "utf-8")
    git(project, "commit", "-q", "-am", "Add our note")
    makefile = template / "{{cookiecutter.project_slug}}" / "Makefile"
    lines = makefile.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, "# A line the newer template adds.\n")
    makefile.write_text("".join(lines), encoding="utf-8")
    git(template, "commit", "-q", "-am", "Change the generated Makefile")

    updated = run(tool("cruft", "update", "--skip-apply-ask"), cwd=project, env=env)

    assert updated.returncode == 0, outcome(updated)
    assert "# A line the newer template adds." in (project / "Makefile").read_text("utf-8")
    assert readme.read_text(encoding="utf-8").endswith("\nOur own note.\n")
    assert list(project.rglob("*.rej")) == []
    assert log.read_text().split() == [str(project), "venv"]  # no hook side effect in renders
    state = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert state["commit"] == git(template, "rev-parse", "HEAD")[0]
