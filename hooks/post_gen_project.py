"""Finish the generated project: save answers, drop unselected files, git, venv."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Jinja only inside this string: the hook stays valid Python and importable by tests.
# `tojson` escapes every `"`, so no answer can close the raw triple-quoted string.
CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""

COMMIT_MESSAGE = "Initial commit from the churn template"
ANSWERS_FILE = ".cookiecutter.json"
KEPT_PRIVATE_KEYS = ("_template", "_checkout")
INSTALLED_STAMP = Path(".venv") / ".installed"
GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")

# One row per option that owns files: (option, keep(value) -> bool, owned paths).
# The paths are removed when keep(answer) is false. Only options that exist in
# cookiecutter.json belong here; e.g. a later `use_docker` row would read
#     ("use_docker", as_bool, ("Dockerfile", ".dockerignore", "docker-compose.yml")),
# The LICENSE file is always kept: its text is chosen inside the file by Jinja.
OwnedPaths = tuple[str, Callable[[Any], bool], tuple[str, ...]]
OPTION_PATHS: tuple[OwnedPaths, ...] = ()


def as_bool(value: Any) -> bool:
    """Read a cookiecutter boolean that may arrive as bool or as text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def warn(step: str, reason: str, commands: list[str]) -> None:
    """Print one paragraph on stderr: what failed, and what to run by hand."""
    lines = [f"WARNING: {step} did not complete ({reason})."]
    if commands:
        lines.append("The project was generated and left in place; to finish this step, run:")
        lines += [f"    {command}" for command in commands]
    else:
        lines.append("The project was generated and left in place; finish this step by hand.")
    print("\n".join(lines), file=sys.stderr, flush=True)


def saved_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers worth replaying: public keys plus template and checkout."""
    return {
        key: value
        for key, value in answers.items()
        if not key.startswith("_") or key in KEPT_PRIVATE_KEYS
    }


def write_answers(project: Path, answers: Mapping[str, Any]) -> None:
    """Write the answers to `.cookiecutter.json` so the project can be regenerated."""
    text = json.dumps(saved_answers(answers), indent=2, ensure_ascii=False)
    (project / ANSWERS_FILE).write_text(text + "\n", encoding="utf-8")


def paths_to_remove(answers: Mapping[str, Any]) -> list[str]:
    """Return the project-relative paths owned by options that were not selected."""
    removed: list[str] = []
    for option, keep, paths in OPTION_PATHS:
        if not keep(answers.get(option)):
            removed.extend(paths)
    return removed


def remove_unselected(project: Path, answers: Mapping[str, Any]) -> None:
    """Delete every file or folder owned by an unselected option."""
    for relative in paths_to_remove(answers):
        path = project / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one git command in the project, capturing its output."""
    # A hook run from inside another git command must not act on that repository.
    env = {k: v for k, v in os.environ.items() if k not in GIT_REDIRECTS}
    return subprocess.run(
        ["git", *args], cwd=project, env=env, capture_output=True, text=True, check=False
    )


def _git_identity(project: Path, answers: Mapping[str, Any]) -> list[str]:
    """Return `-c user.*=` options for whatever identity git has not configured."""
    fallback = {
        "user.name": str(answers.get("author_name") or "Churn Template"),
        "user.email": str(answers.get("author_email") or "churn@example.com"),
    }
    options: list[str] = []
    for key, value in fallback.items():
        configured = _git(project, "config", key)
        if configured.returncode != 0 or not configured.stdout.strip():
            options += ["-c", f"{key}={value}"]
    return options


def init_git(project: Path, answers: Mapping[str, Any]) -> bool:
    """Create a git repository on `main` with one commit of the generated files."""
    manual = [
        f"cd {shlex.quote(str(project))}",
        "git init -b main",
        "git add -A",
        f'git commit -m "{COMMIT_MESSAGE}"',
    ]
    if shutil.which("git") is None:
        warn("git initialisation", "git was not found on PATH", manual)
        return False
    if _git(project, "init", "-q", "-b", "main").returncode != 0:
        # git older than 2.28 has no -b: initialise, then point HEAD at main.
        fallback = _git(project, "init", "-q")
        if fallback.returncode != 0:
            warn("git initialisation", fallback.stderr.strip() or "git init failed", manual)
            return False
        _git(project, "symbolic-ref", "HEAD", "refs/heads/main")
    added = _git(project, "add", "-A")
    if added.returncode != 0:
        warn("git initialisation", added.stderr.strip() or "git add failed", manual[2:])
        return False
    identity = _git_identity(project, answers)
    committed = _git(project, *identity, "commit", "-q", "-m", COMMIT_MESSAGE)
    if committed.returncode != 0:
        reason = committed.stderr.strip() or "git commit failed"
        warn("the first git commit", reason, manual[:1] + manual[3:])
        return False
    return True


def venv_python(project: Path) -> Path:
    """Return the interpreter inside the project's `.venv` (POSIX or Windows)."""
    if os.name == "nt":
        return project / ".venv" / "Scripts" / "python.exe"
    return project / ".venv" / "bin" / "python"


def create_env(project: Path) -> bool:
    """Create `.venv` with this interpreter and install the project with dev tools."""
    python = venv_python(project)
    relative_python = python.relative_to(project)
    manual = [
        f"cd {shlex.quote(str(project))}",
        f"{shlex.quote(sys.executable)} -m venv .venv",
        f'{relative_python} -m pip install -e ".[dev]"',
    ]
    print("Creating .venv and installing the project (this can take a few minutes)...")
    sys.stdout.flush()
    try:
        created = subprocess.run([sys.executable, "-m", "venv", ".venv"], cwd=project, check=False)
        if created.returncode != 0:
            warn("environment creation", "python -m venv failed", manual)
            return False
        # Output is not captured, so pip's progress streams to the user's terminal.
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "-e", ".[dev]"],
            cwd=project,
            check=False,
        )
    except OSError as error:
        warn("environment creation", str(error), manual)
        return False
    if installed.returncode != 0:
        warn("environment creation", "pip install failed", [manual[0], manual[2]])
        return False
    # The generated Makefile's stamp: `make train`/`make test` then skip a second install.
    (project / INSTALLED_STAMP).touch()
    return True


def run_step(name: str, step: Callable[[], object]) -> None:
    """Run one step; an unexpected error becomes a warning, never a failed hook."""
    try:
        step()
    except Exception as error:  # noqa: BLE001 - a failed hook deletes the project
        warn(name, f"{type(error).__name__}: {error}", [])


def main() -> int:
    """Run every step in order; always return 0 so the project is never deleted."""
    project = Path.cwd()
    try:
        answers: dict[str, Any] = json.loads(CONTEXT_JSON)
    except ValueError as error:
        warn("reading the answers", str(error), [])
        return 0
    run_step("saving the answers", lambda: write_answers(project, answers))
    run_step("removing unselected files", lambda: remove_unselected(project, answers))
    if as_bool(answers.get("init_git")):
        run_step("git initialisation", lambda: init_git(project, answers))
    if as_bool(answers.get("create_env")):
        run_step("environment creation", lambda: create_env(project))
    print(
        textwrap.dedent(
            f"""
            Created {project}
            Next:  cd {shlex.quote(project.name)} && make train && make test
            """
        ).rstrip()
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
