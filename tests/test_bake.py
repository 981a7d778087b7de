"""Fast tier: bake varied answers and check each project is complete and clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    CONTRACT_DIRS,
    CONTRACT_FILES,
    baked_files,
    expected_files,
    git_lines,
    leftover_jinja,
    outcome,
    parse_errors,
    run,
    tomllib,
    tool,
    workflow_errors,
)

TRICKY_NAME = 'Café "Churn" \\ Ünïcode'
TRICKY_AUTHOR = 'O\'Brien "Bob" \\ Zoë'
TRICKY_DESCRIPTION = 'Scores "churn" risk \\ with """triple quotes""", {braces} and ünïcode ☕'

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "python-3.10": {"python_version": "3.10"},
    "python-3.11": {"python_version": "3.11"},
    "python-3.12": {"python_version": "3.12"},
    "python-3.13": {"python_version": "3.13"},
    "license-MIT": {"open_source_license": "MIT"},
    "license-BSD-3-Clause": {"open_source_license": "BSD-3-Clause"},
    "license-Apache-2.0": {"open_source_license": "Apache-2.0"},
    "license-Proprietary": {"open_source_license": "Proprietary"},
    "no-git": {"init_git": False},
    "unicode-project-name": {"project_name": TRICKY_NAME},
    "quoted-author": {"author_name": TRICKY_AUTHOR, "author_email": "o.brien@example.org"},
    "quoted-description": {"description": TRICKY_DESCRIPTION},
    "custom-slug-and-package": {"project_slug": "acme-churn", "package_name": "acme_model"},
    "longest-package-name": {"project_slug": "churn-" + "x" * 44, "package_name": "c" * 50},
}

LICENSE_MARKERS = {
    "MIT": "Permission is hereby granted",
    "BSD-3-Clause": "Redistribution and use in source and binary forms",
    "Apache-2.0": "Apache License",
}


@pytest.fixture(params=list(VARIANTS.values()), ids=list(VARIANTS))
def variant(request: pytest.FixtureRequest, base_context: dict[str, Any]) -> dict[str, Any]:
    """The base answers with one variant's overrides applied."""
    return {**base_context, **request.param}


def test_it_bakes_a_complete_clean_project(cookies: Any, variant: dict[str, Any]) -> None:
    """It exits 0 and writes exactly the expected files, all rendered and parseable."""
    result = cookies.bake(extra_context=variant)

    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0
    project: Path = result.project_path
    answers = result.context
    package = answers["package_name"]
    assert project.name == answers["project_slug"]

    assert baked_files(project) == expected_files(answers)
    missing = [
        path.format(pkg=package)
        for path in CONTRACT_FILES
        if not (project / path.format(pkg=package)).is_file()
    ]
    # A folder must hold a file: git does not keep empty folders, so a clone would lose it.
    missing += [
        f"{path}/ (with a file)"
        for path in CONTRACT_DIRS
        if not any(child.is_file() for child in (project / path).rglob("*"))
    ]
    assert missing == [], f"contract paths missing: {missing}"

    assert leftover_jinja(project) == []
    assert parse_errors(project) == []

    if variant["init_git"]:
        assert (project / ".git").is_dir()
        assert len(git_lines(project, "rev-list", "HEAD")) == 1
        assert git_lines(project, "status", "--porcelain") == []
        assert git_lines(project, "branch", "--show-current") == ["main"]
    else:
        assert not (project / ".git").exists()

    for command in (("check", "--no-cache", "."), ("format", "--check", "--no-cache", ".")):
        proc = run(tool("ruff", *command), cwd=project)
        assert proc.returncode == 0, outcome(proc)

    workflows = sorted((project / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, "the project has no GitHub workflow"
    assert workflow_errors(workflows, cwd=project) is None


def test_answers_survive_into_the_project(cookies: Any, variant: dict[str, Any]) -> None:
    """It keeps names, description and author verbatim in pyproject, README, answers."""
    result = cookies.bake(extra_context=variant)
    assert result.exception is None, repr(result.exception)
    project: Path = result.project_path
    answers = result.context

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["name"] == answers["project_slug"]
    assert pyproject["project"]["description"] == answers["description"]
    authors = pyproject["project"]["authors"]
    assert {"name": answers["author_name"], "email": answers["author_email"]} in authors
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert answers["project_name"] in readme

    saved = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    for key in ("project_name", "author_name", "description", "package_name"):
        assert saved[key] == answers[key]
    assert "_template" in saved
    assert not {key for key in saved if key.startswith("_")} - {"_template", "_checkout"}

    license_text = (project / "LICENSE").read_text(encoding="utf-8")
    chosen = answers["open_source_license"]
    for name, marker in LICENSE_MARKERS.items():
        assert (marker in license_text) == (name == chosen), f"{chosen}: {name} text"


def test_derived_names_follow_the_project_name(cookies: Any, base_context: dict) -> None:
    """It derives a kebab-case slug and a snake_case package from a unicode name."""
    result = cookies.bake(extra_context={**base_context, "project_name": TRICKY_NAME})
    assert result.exception is None, repr(result.exception)
    assert result.context["project_slug"] == "cafe-churn-unicode"
    assert result.context["package_name"] == "cafe_churn_unicode"
    assert (result.project_path / "src" / "cafe_churn_unicode" / "__init__.py").is_file()
