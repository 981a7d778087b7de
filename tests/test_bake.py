"""Fast tier: the answers that shape no files (names, text, versions, licence, git)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bakery import BakedProject, Baker, each_value, ruff_errors, workflow_errors

TRICKY_NAME = 'Café "Churn" \\ Ünïcode'
TRICKY_AUTHOR = 'O\'Brien "Bob" \\ Zoë'
TRICKY_DESCRIPTION = 'Scores "churn" risk \\ with """triple quotes""", {braces} and ünïcode ☕'

#: Every offered Python version and licence, plus the free-text answers users really give.
VARIANTS = [
    pytest.param({}, id="default"),
    *each_value("python_version", "open_source_license"),
    pytest.param({"project_name": TRICKY_NAME}, id="unicode-project-name"),
    pytest.param(
        {"author_name": TRICKY_AUTHOR, "author_email": "o.brien@example.org"}, id="quoted-author"
    ),
    pytest.param({"description": TRICKY_DESCRIPTION}, id="quoted-description"),
    pytest.param(
        {"project_slug": "acme-churn", "package_name": "acme_model"}, id="custom-slug-and-package"
    ),
    pytest.param({"package_name": "acme_churn"}, id="package-differs-from-slug"),
    pytest.param(
        {"project_slug": "churn-" + "x" * 38, "package_name": "c" * 50}, id="longest-package-name"
    ),
]

LICENSE_MARKERS = {
    "MIT": "Permission is hereby granted",
    "BSD-3-Clause": "Redistribution and use in source and binary forms",
    "Apache-2.0": "Apache License",
}


@pytest.mark.parametrize("answers", VARIANTS)
def test_it_bakes_a_complete_clean_project(baked: Baker, answers: dict[str, Any]) -> None:
    """It writes exactly the expected files, all rendered, parseable, ruff and schema clean."""
    project = baked(**answers)

    project.check()
    assert project.path.name == project.answers["project_slug"]
    assert ruff_errors([project.path], cwd=project.path) == []
    workflows = sorted((project.path / ".github" / "workflows").glob("*.y*ml"))
    assert workflow_errors(workflows, cwd=project.path) is None


@pytest.mark.parametrize("answers", VARIANTS)
def test_answers_survive_into_the_project(baked: Baker, answers: dict[str, Any]) -> None:
    """It keeps names, description and author verbatim in pyproject, README, answers."""
    project = baked(**answers)
    answers = project.answers

    meta = project.toml("pyproject.toml")["project"]
    assert meta["name"] == answers["project_slug"]
    assert meta["description"] == answers["description"]
    assert {"name": answers["author_name"], "email": answers["author_email"]} in meta["authors"]
    assert answers["project_name"] in project.read("README.md")

    saved = project.json(".cookiecutter.json")
    for key in ("project_name", "author_name", "description", "package_name"):
        assert saved[key] == answers[key]
    assert "_template" in saved
    assert not {key for key in saved if key.startswith("_")} - {"_template", "_checkout"}

    license_text = project.read("LICENSE")
    chosen = answers["open_source_license"]
    for name, marker in LICENSE_MARKERS.items():
        assert (marker in license_text) == (name == chosen), f"{chosen}: {name} text"


def test_derived_names_follow_the_project_name(baked: Baker) -> None:
    """It derives a kebab-case slug and a snake_case package from a unicode name."""
    project = baked(project_name=TRICKY_NAME)
    assert project.answers["project_slug"] == "cafe-churn-unicode"
    assert project.package == "cafe_churn_unicode"
    assert project.has_file("src/cafe_churn_unicode/__init__.py")


@pytest.mark.parametrize("init_git", [True, False], ids=["git", "no-git"])
def test_init_git_commits_the_project_on_main(fresh: Baker, init_git: bool) -> None:
    """With init_git it makes one clean commit on main; without, there is no repository."""
    project = fresh(init_git=init_git)
    if init_git:
        project.assert_committed_once()
    else:
        assert not (project.path / ".git").exists()


def test_the_leftover_check_flags_jinja_and_spares_the_outputs_own_templating(
    tmp_path: Path,
) -> None:
    """It reports unrendered Jinja, not Actions, Grafana or Prometheus placeholders."""
    (tmp_path / "{{cookiecutter.x}}").mkdir()
    (tmp_path / "{{cookiecutter.x}}" / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "ok.yml").write_text(
        'run: echo ${{ matrix.python }}\nlegendFormat: "{{version}}"\n'
        "summary: {{ $labels.instance }} is down\nsee cookiecutter.json\n",
        encoding="utf-8",
    )
    (tmp_path / "bad.txt").write_text(
        "{{ cookiecutter.package_name }}\n{% if x %}\n{# note #}\n{{ _cookiecutter }}\n",
        encoding="utf-8",
    )
    hits = BakedProject(tmp_path, {}).leftover_jinja()
    assert [hit.split(":")[:2] for hit in hits[:4]] == [["bad.txt", str(n)] for n in range(1, 5)]
    assert hits[4:] == ["path: {{cookiecutter.x}}/empty.txt"]


@pytest.mark.parametrize("use_dvc", [False, True], ids=["plain", "dvc"])
def test_make_clean_keeps_the_raw_data_and_the_model_registry(fresh: Baker, use_dvc: bool) -> None:
    """It removes caches, reports, the split and predictions, never models or the user's files."""
    project = fresh(use_dvc=use_dvc)
    kept = [
        "data/raw/telco_churn.csv",
        "data/interim/fresh.csv",
        "models/production.json",
        "models/history.jsonl",
        "models/versions/v1/model.onnx",
    ]
    removed = [
        "reports/metrics.json",
        "reports/figures/roc_curve.png",
        "reports/drift/summary.json",
        "data/processed/test.csv",
        "data/processed/predictions.csv",
    ]
    for name in kept + removed:
        (project.path / name).parent.mkdir(parents=True, exist_ok=True)
        (project.path / name).write_text("x", encoding="utf-8")
    project.make("clean")
    assert [name for name in kept if not (project.path / name).is_file()] == []
    assert [name for name in removed if (project.path / name).exists()] == []
