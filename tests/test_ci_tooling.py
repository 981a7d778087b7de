"""The generated CI, Dependabot and pre-commit configs: valid, per manager, per Python."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from bakery import Baker, choices, clean_env, outcome, run, tool, version_key, workflow_errors

PYTHONS = choices("python_version")
MANAGERS = choices("dependency_manager")
LOCK_CHECKS = {"pip": None, "poetry": "poetry check --lock", "uv": "uv lock --locked"}
ECOSYSTEMS = {"pip": "pip", "poetry": "pip", "uv": "uv"}
# Where each manager's CI cache takes its key (setup-python keys `poetry` on poetry.lock).
CACHE_KEYS = {
    "pip": ("cache-dependency-path", "pyproject.toml"),
    "poetry": ("cache", "poetry"),
    "uv": ("cache-dependency-glob", "uv.lock"),
}


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the steps of the workflow's one job."""
    return list(workflow["jobs"]["test"]["steps"])


@pytest.mark.parametrize("python", PYTHONS)
def test_ci_tests_every_offered_python_within_requires_python(baked: Baker, python: str) -> None:
    """The matrix is every offered version requires-python admits, its floor included; the
    checks run on the chosen one."""
    project = baked(python_version=python)
    workflow = project.yaml(".github/workflows/ci.yml")
    matrix = workflow["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    claimed = SpecifierSet(project.toml("pyproject.toml")["project"]["requires-python"])
    assert matrix == sorted(filter(claimed.contains, PYTHONS), key=version_key)
    assert all(claimed.contains(version) for version in PYTHONS)
    floor = min(claimed, key=lambda spec: version_key(spec.version))
    assert floor.version in matrix
    named = {step["name"]: step for step in steps(workflow)}
    precommit = named["Run pre-commit on every file"]
    assert precommit["run"].startswith("pre-commit run --all-files")
    assert precommit["if"] == f"matrix.python-version == '{python}'"


@pytest.mark.parametrize("manager", MANAGERS)
def test_ci_checks_the_lock_file_and_caches_by_it(baked: Baker, manager: str) -> None:
    """It fails on a stale lock, keys its caches on the lock and passes the workflow schema."""
    project = baked(dependency_manager=manager)
    path = project.path / ".github" / "workflows" / "ci.yml"
    assert workflow_errors([path], cwd=project.path) is None
    workflow = project.yaml(".github/workflows/ci.yml")
    scripts = "\n".join(step.get("run", "") for step in steps(workflow))
    check = LOCK_CHECKS[manager]
    if check is not None:
        assert check in scripts
    setups = ("actions/setup-python", "astral-sh/setup-uv")
    (options,) = [
        step["with"] for step in steps(workflow) if step.get("uses", "").startswith(setups)
    ]
    key, value = CACHE_KEYS[manager]
    assert options[key] == value


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize("docker", [True, False], ids=["docker", "no-docker"])
def test_dependabot_watches_the_manager_actions_and_base_image(
    baked: Baker, manager: str, docker: bool
) -> None:
    """It passes Dependabot's schema and lists the manager, Actions and (with Docker) Docker."""
    project = baked(dependency_manager=manager, use_docker=docker)
    config = project.path / ".github" / "dependabot.yml"
    schema = ("--builtin-schema", "vendor.dependabot")
    checked = run(tool("check_jsonschema", *schema, config), cwd=project.path)
    assert checked.returncode == 0, outcome(checked)
    updates = project.yaml(".github/dependabot.yml")["updates"]
    ecosystems = [update["package-ecosystem"] for update in updates]
    assert ecosystems == [ECOSYSTEMS[manager], "github-actions", *(["docker"] if docker else [])]


def test_precommit_runs_every_hook_from_the_venv(baked: Baker) -> None:
    """It validates, clones nothing, and each hook is a tool from .venv/bin."""
    project = baked()
    proc = run(tool("pre_commit", "validate-config", ".pre-commit-config.yaml"), cwd=project.path)
    assert proc.returncode == 0, outcome(proc)
    (repo,) = project.yaml(".pre-commit-config.yaml")["repos"]
    assert repo["repo"] == "local"
    hooks = repo["hooks"]
    assert all(hook["entry"].startswith(".venv/bin/") for hook in hooks)
    assert all(hook["language"] == "system" for hook in hooks)
    # The lock file is committed whatever its size (a uv.lock is 1.4-2 MB): the large-file
    # check lets it through and still stops anything else.
    (large,) = [hook for hook in hooks if hook["id"] == "check-added-large-files"]
    skipped = re.compile(large["exclude"])
    names = ("uv.lock", "poetry.lock", "data/raw/telco_churn.csv", "src/uv.lock.py")
    assert [bool(skipped.search(name)) for name in names] == [True, True, False, False]


def test_precommit_passes_on_a_fresh_bake(fresh: Baker) -> None:
    """It runs every hook but mypy (which needs the project installed) cleanly, offline."""
    project = fresh().path
    for args in (["init", "-q"], ["add", "-A"]):
        proc = run(["git", *args], cwd=project)
        assert proc.returncode == 0, outcome(proc)
    # The template's own tools stand in for the project's .venv.
    tools = Path(sys.executable).parent
    (project / ".venv").mkdir()
    (project / ".venv" / "bin").symlink_to(tools)
    env = clean_env(SKIP="mypy", PRE_COMMIT_HOME=str(project.parent / "pre-commit-home"))
    env["PATH"] = f"{tools}{os.pathsep}{env['PATH']}"
    proc = run(tool("pre_commit", "run", "--all-files"), project, env)
    assert proc.returncode == 0, outcome(proc)
    assert "nbstripout" in proc.stdout
