"""The generated CI, Dependabot and pre-commit configs: valid, per manager, per Python."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from bakery import Baker, choices, clean_env, outcome, run, tool, version_key, workflow_errors

PYTHONS = choices("python_version")
MANAGERS = choices("dependency_manager")
LOCK_CHECKS = {"pip": None, "poetry": "poetry check --lock", "uv": "uv lock --locked"}
ECOSYSTEMS = {"pip": "pip", "poetry": "pip", "uv": "uv"}
UPSTREAM_HOOKS = {
    "https://github.com/pre-commit/pre-commit-hooks",
    "https://github.com/astral-sh/ruff-pre-commit",
    "https://github.com/kynan/nbstripout",
}
OFFLINE_CONFIG = ".pre-commit-config.offline.yaml"


def run_steps(workflow: dict[str, Any]) -> str:
    """Return every `run:` script of the workflow's test job, joined."""
    return "\n".join(step.get("run", "") for step in workflow["jobs"]["test"]["steps"])


@pytest.mark.parametrize("python", PYTHONS)
def test_ci_tests_every_supported_python_from_the_chosen_one_up(baked: Baker, python: str) -> None:
    """It runs the matrix over the offered versions >= the choice, the checks on the choice."""
    workflow = baked(python_version=python).yaml(".github/workflows/ci.yml")
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    newer = [v for v in PYTHONS if version_key(v) >= version_key(python)]
    assert matrix == sorted(newer, key=version_key)
    steps = {step["name"]: step for step in workflow["jobs"]["test"]["steps"]}
    precommit = steps["Run pre-commit on every file"]
    assert precommit["run"].startswith("pre-commit run --all-files")
    assert precommit["if"] == f"matrix.python-version == '{python}'"


@pytest.mark.parametrize("manager", MANAGERS)
def test_ci_checks_the_lock_file_and_caches_by_it(baked: Baker, manager: str) -> None:
    """It fails on a stale lock, keys its caches on the lock and passes the workflow schema."""
    baked_project = baked(dependency_manager=manager)
    project = baked_project.path
    path = project / ".github" / "workflows" / "ci.yml"
    assert workflow_errors([path], cwd=project) is None
    workflow = baked_project.yaml(".github/workflows/ci.yml")
    scripts = run_steps(workflow)
    check = LOCK_CHECKS[manager]
    if check is not None:
        assert check in scripts
    setup = [
        step["with"]
        for step in workflow["jobs"]["test"]["steps"]
        if str(step.get("uses", "")).startswith(("actions/setup-python", "astral-sh/setup-uv"))
    ]
    (options,) = setup
    cache_key = {
        "pip": ("cache-dependency-path", "pyproject.toml"),
        "poetry": ("cache", "poetry"),  # setup-python keys the poetry cache on poetry.lock
        "uv": ("cache-dependency-glob", "uv.lock"),
    }[manager]
    assert options[cache_key[0]] == cache_key[1]
    cached = [step for step in workflow["jobs"]["test"]["steps"] if "actions/cache" in str(step)]
    assert "hashFiles('.pre-commit-config.yaml')" in cached[0]["with"]["key"]


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("docker", [True, False], ids=["docker", "no-docker"])
def test_dependabot_watches_the_manager_actions_and_base_image(
    baked: Baker, manager: str, docker: bool
) -> None:
    """It passes Dependabot's schema and lists the manager, Actions and (with Docker) Docker."""
    baked_project = baked(dependency_manager=manager, use_docker=docker)
    project = baked_project.path
    config = project / ".github" / "dependabot.yml"
    checked = run(
        tool("check_jsonschema", "--builtin-schema", "vendor.dependabot", config), project
    )
    assert checked.returncode == 0, outcome(checked)
    updates = baked_project.yaml(".github/dependabot.yml")["updates"]
    ecosystems = [update["package-ecosystem"] for update in updates]
    expected = [ECOSYSTEMS[manager], "github-actions", *(["docker"] if docker else [])]
    assert ecosystems == expected


def test_precommit_defaults_to_upstream_hooks_and_keeps_an_offline_twin(baked: Baker) -> None:
    """Both configs validate; the default clones upstream repos, the offline one uses .venv."""
    baked_project = baked()
    project = baked_project.path
    for name in (".pre-commit-config.yaml", OFFLINE_CONFIG):
        proc = run(tool("pre_commit", "validate-config", name), cwd=project)
        assert proc.returncode == 0, outcome(proc)
    default = baked_project.yaml(".pre-commit-config.yaml")["repos"]
    offline = baked_project.yaml(OFFLINE_CONFIG)["repos"]
    assert {repo["repo"] for repo in default} == {*UPSTREAM_HOOKS, "local"}
    assert all(repo["rev"] for repo in default if repo["repo"] != "local")
    assert {repo["repo"] for repo in offline} == {"local"}
    # The offline twin runs the same hooks, each from a tool in .venv/bin.
    ids = {hook["id"] for repo in default for hook in repo["hooks"]}
    offline_hooks = [hook for repo in offline for hook in repo["hooks"]]
    assert {hook["id"] for hook in offline_hooks} == ids
    assert all(hook["entry"].startswith(".venv/bin/") for hook in offline_hooks)


def test_offline_precommit_passes_on_a_fresh_bake(fresh: Baker) -> None:
    """It runs every offline hook but mypy (which needs the project installed) cleanly."""
    project = fresh(init_git=True).path
    # The template's own tools stand in for the project's .venv.
    (project / ".venv").mkdir()
    (project / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    env = clean_env(SKIP="mypy", PRE_COMMIT_HOME=str(project.parent / "pre-commit-home"))
    env.pop("PYTHONPATH", None)
    proc = run(
        [*tool("pre_commit", "run", "--all-files", "-c", OFFLINE_CONFIG)],
        cwd=project,
        env={**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"},
    )
    assert proc.returncode == 0, outcome(proc)
    assert "nbstripout" in proc.stdout
