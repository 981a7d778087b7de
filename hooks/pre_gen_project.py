"""Refuse answers that would generate a broken project, before anything is written."""

from __future__ import annotations

import json
import keyword
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any

# Jinja only inside this string: the hook stays valid Python and importable by tests.
# `tojson` escapes every `"`, so no answer can close the raw triple-quoted string.
CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""

PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")
LICENSES = ("MIT", "BSD-3-Clause", "Apache-2.0", "Proprietary")
DEPENDENCY_MANAGERS = ("pip", "poetry", "uv")
EXPERIMENT_TRACKERS = ("none", "mlflow")

# Import names the generated project (or its tooling) imports: a package with one of
# these names would shadow the real library inside the project.
SHADOWED_IMPORTS = frozenset(
    {
        "click",
        "cookiecutter",
        "dvc",
        "fastapi",
        "httpx",
        "hypothesis",
        "jinja2",
        "joblib",
        "matplotlib",
        "mlflow",
        "numpy",
        "onnx",
        "onnxruntime",
        "pandas",
        "pandera",
        "pip",
        "pydantic",
        "pydantic_settings",
        "pytest",
        "rich",
        "scipy",
        "seaborn",
        "setuptools",
        "skl2onnx",
        "sklearn",
        "src",
        "starlette",
        "test",
        "tests",
        "typer",
        "uvicorn",
        "yaml",
    }
)

PACKAGE_HINT = "use a lowercase identifier such as 'churn_model'"
# Longer names push `from <package>.x import y` lines past the generated 100-column limit,
# and the generated code must pass `ruff format --check` whatever the name.
MAX_PACKAGE_LENGTH = 50


def check_package_name(name: str) -> str | None:
    """Return why `name` cannot be the importable package, or None if it can."""
    if not PACKAGE_RE.match(name):
        return (
            f"package_name {name!r} is not a lowercase Python identifier "
            f"(letters, digits, underscores; not starting with a digit); {PACKAGE_HINT}"
        )
    if len(name) > MAX_PACKAGE_LENGTH:
        return (
            f"package_name {name!r} is {len(name)} characters long; "
            f"use at most {MAX_PACKAGE_LENGTH}"
        )
    if keyword.iskeyword(name):
        return f"package_name {name!r} is a Python keyword; {PACKAGE_HINT}"
    if name in sys.stdlib_module_names:
        return (
            f"package_name {name!r} is a standard-library module and would shadow it; "
            f"{PACKAGE_HINT}"
        )
    if name in SHADOWED_IMPORTS:
        return (
            f"package_name {name!r} is the import name of a dependency and would "
            f"shadow it; {PACKAGE_HINT}"
        )
    return None


def check_project_slug(slug: str) -> str | None:
    """Return why `slug` cannot be the directory/distribution name, or None."""
    if not SLUG_RE.match(slug):
        return (
            f"project_slug {slug!r} is not kebab-case; use lowercase letters and "
            "digits joined by single dashes, such as 'customer-churn'"
        )
    return None


def check_python_version(version: str) -> str | None:
    """Return why `version` is not a supported Python version, or None."""
    if version not in PYTHON_VERSIONS:
        return (
            f"python_version {version!r} is not supported; "
            f"choose one of {', '.join(PYTHON_VERSIONS)}"
        )
    return None


def check_author_email(email: str) -> str | None:
    """Return why `email` does not look like an email address, or None."""
    if not EMAIL_RE.match(email):
        return f"author_email {email!r} is not an email address; use the form 'name@example.com'"
    return None


def check_license(license_name: str) -> str | None:
    """Return why `license_name` is not an offered licence, or None."""
    if license_name not in LICENSES:
        return (
            f"open_source_license {license_name!r} is not offered; "
            f"choose one of {', '.join(LICENSES)}"
        )
    return None


def check_dependency_manager(manager: str) -> str | None:
    """Return why `manager` is not a supported dependency manager, or None."""
    if manager not in DEPENDENCY_MANAGERS:
        return (
            f"dependency_manager {manager!r} is not supported; "
            f"choose one of {', '.join(DEPENDENCY_MANAGERS)}"
        )
    return None


def check_experiment_tracking(tracker: str) -> str | None:
    """Return why `tracker` is not an offered experiment tracker, or None."""
    if tracker not in EXPERIMENT_TRACKERS:
        return (
            f"experiment_tracking {tracker!r} is not supported; "
            f"choose one of {', '.join(EXPERIMENT_TRACKERS)}"
        )
    return None


CHECKS: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("project_slug", check_project_slug),
    ("package_name", check_package_name),
    ("python_version", check_python_version),
    ("dependency_manager", check_dependency_manager),
    ("experiment_tracking", check_experiment_tracking),
    ("author_email", check_author_email),
    ("open_source_license", check_license),
)


def validate(answers: Mapping[str, Any]) -> list[str]:
    """Return one message per refused answer, in a stable order (empty when all ok)."""
    errors = []
    for name, check in CHECKS:
        error = check(str(answers.get(name, "")))
        if error is not None:
            errors.append(error)
    return errors


def format_refusal(errors: list[str]) -> str:
    """Return the single stderr line that reports the first refused answer."""
    line = f"ERROR: {errors[0]}"
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more refused answer(s); fix this one first)"
    return line


def main() -> int:
    """Validate the rendered answers; print one line and return 1 on refusal."""
    answers = json.loads(CONTEXT_JSON)
    errors = validate(answers)
    if errors:
        print(format_refusal(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
