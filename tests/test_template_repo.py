"""The template repository's own tooling: workflow, CI script, pre-commit hooks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

from bakery import TEMPLATE_ROOT, choices, outcome, run, tomllib, version_key, workflow_errors


def test_template_workflows_validate_against_the_github_schema() -> None:
    """It ships workflow files that check-jsonschema accepts offline."""
    workflows = sorted((TEMPLATE_ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert [path.name for path in workflows] == [
        "template-dependencies.yml",
        "template-tests.yml",
    ]
    assert workflow_errors(workflows, cwd=TEMPLATE_ROOT) is None


def test_workflow_runs_the_fast_tier_on_every_supported_python() -> None:
    """It matrixes the fast tier over every Python cookiecutter.json offers, slow tier once."""
    text = (TEMPLATE_ROOT / ".github" / "workflows" / "template-tests.yml").read_text()
    jobs = yaml.safe_load(text)["jobs"]
    offered = sorted(choices("python_version"), key=version_key)
    assert jobs["fast"]["strategy"]["matrix"]["python-version"] == offered
    pyproject = tomllib.loads((TEMPLATE_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    claimed = SpecifierSet(pyproject["project"]["requires-python"])
    assert all(claimed.contains(version) for version in offered)
    assert any("-m slow" in step.get("run", "") for step in jobs["slow"]["steps"])


def test_weekly_workflow_bakes_each_manager_newest_and_uv_lowest() -> None:
    """Weekly and on demand: every offered manager on the newest releases, then uv on the
    lowest versions the ranges allow, each running the generated `make test`."""
    text = (TEMPLATE_ROOT / ".github" / "workflows" / "template-dependencies.yml").read_text()
    workflow = yaml.safe_load(text)
    triggers = workflow[True]  # PyYAML reads the `on:` key as True
    assert triggers["schedule"]
    assert "workflow_dispatch" in triggers
    assert workflow["env"]["PYTHON_VERSION"] == choices("python_version")[0]  # the default
    newest, lowest = workflow["jobs"]["newest"], workflow["jobs"]["lowest"]
    assert newest["strategy"]["matrix"]["manager"] == choices("dependency_manager")
    assert lowest["env"]["UV_RESOLUTION"] == "lowest-direct"
    for job in (newest, lowest):
        scripts = [step.get("run", "") for step in job["steps"]]
        assert any(script.startswith("cookiecutter . --no-input") for script in scripts)
        assert any(script.endswith(" test") and "make -C" in script for script in scripts)
    bake = next(step["run"] for step in lowest["steps"] if "cookiecutter" in step.get("run", ""))
    assert "dependency_manager=uv" in bake


def test_ci_script_is_strict_bash() -> None:
    """It parses as bash, stops on the first error and runs `make test`."""
    script = TEMPLATE_ROOT / ".ci" / "run"
    proc = run(["bash", "-n", script], cwd=TEMPLATE_ROOT)
    assert proc.returncode == 0, outcome(proc)
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert "make test" in text


def test_pytest_registers_the_slow_marker() -> None:
    """It declares the `slow` marker so `-m "not slow"` selects the fast tier."""
    config = tomllib.loads((TEMPLATE_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = config["tool"]["pytest"]["ini_options"]["markers"]
    assert any(marker.startswith("slow:") for marker in markers)


def test_pre_commit_hooks_are_local_and_pass(template_snapshot: Path, tmp_path: Path) -> None:
    """It runs only local hooks, and they pass on a committed copy of the template."""
    config = yaml.safe_load((TEMPLATE_ROOT / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]

    tools = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    proc = run([sys.executable, "-m", "pre_commit", "run", "--all-files"], template_snapshot, env)
    assert proc.returncode == 0, outcome(proc)
