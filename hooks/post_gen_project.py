"""Finish the generated project: save answers, drop unselected files, git, venv."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Jinja only inside this string: the hook stays valid Python and importable by tests.
# `tojson` escapes every `"`, so no answer can close the raw triple-quoted string.
CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""

COMMIT_MESSAGE = "Initial commit from the churn template"
DVC_COMMIT_MESSAGE = "Initialise DVC"
ANSWERS_FILE = ".cookiecutter.json"
KEPT_PRIVATE_KEYS = ("_template", "_checkout")
GIT_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")
# Variables that would send the environment elsewhere than the project's `.venv`, or
# make the generated Makefile behave as a sub-make of whatever ran cookiecutter.
ENV_REDIRECTS = (
    "VIRTUAL_ENV",
    "UV_PROJECT_ENVIRONMENT",
    "POETRY_ACTIVE",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
)
MAKE_HINT = (
    "install GNU make (`apt-get install make`, `brew install make`, `xcode-select --install`)"
)


def as_bool(value: Any) -> bool:
    """Read a cookiecutter boolean that may arrive as bool or as text."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def is_choice(expected: str) -> Callable[[Any], bool]:
    """Return a keep(value) test that holds when the answer is `expected`."""

    def keep(value: Any) -> bool:
        return str(value) == expected

    return keep


# One row per option that owns files: (option, keep(value) -> bool, owned paths).
# The paths are removed when keep(answer) is false, then any folder they leave empty
# (e.g. `infra/` once `infra/k8s` is gone). Only options in cookiecutter.json belong here.
# The LICENSE file is always kept: its text is chosen inside the file by Jinja.
OwnedPaths = tuple[str, Callable[[Any], bool], tuple[str, ...]]
OPTION_PATHS: tuple[OwnedPaths, ...] = (
    (
        "use_docker",
        as_bool,
        (
            "Dockerfile",
            ".dockerignore",
            "docker-compose.yml",
            "docs/docker.md",
        ),
    ),
    ("use_kubernetes", as_bool, ("infra/k8s", "docs/kubernetes.md")),
    ("dependency_manager", is_choice("poetry"), ("poetry.toml",)),
    ("use_dvc", as_bool, ("dvc.yaml", ".dvcignore", "docs/dvc.md", "configs/tuned.yaml")),
    (
        "experiment_tracking",
        is_choice("mlflow"),
        (
            "src/{package_name}/pipelines/tracking_mlflow.py",
            "tests/mlflow_store.py",
            "tests/unit/test_tracking_mlflow.py",
            "docs/experiment-tracking.md",
        ),
    ),
    (
        "use_spark",
        as_bool,
        (
            "src/{package_name}/cli_spark.py",
            "src/{package_name}/data/spark_io.py",
            "src/{package_name}/pipelines/spark_scoring.py",
            "tests/integration/test_spark_scoring.py",
            "benchmarks/bench_spark.py",
            "jobs",
            "infra/k8s/spark-application.yaml",
            "docs/spark.md",
            "docs/databricks-job.json",
        ),
    ),
)

# Variant files the hook moves into place, after the removals: when keep(answer) holds,
# each source replaces its destination (`{answer}` is filled in from the answers).
OPTION_MOVES: tuple[tuple[str, Callable[[Any], bool], tuple[tuple[str, str], ...]], ...] = (
    # The settings file is cookiecutter.json's __config_file (params.yaml with DVC).
    ("use_dvc", as_bool, (("configs/config.yaml", "{__config_file}"),)),
    (
        "experiment_tracking",
        is_choice("mlflow"),
        (
            (
                "src/{package_name}/pipelines/tracking_mlflow.py",
                "src/{package_name}/pipelines/tracking.py",
            ),
        ),
    ),
)


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


def fill(path: str, answers: Mapping[str, Any]) -> str:
    """Replace each `{answer}` in a table path with that answer (e.g. `{package_name}`)."""
    return re.sub(r"\{(\w+)\}", lambda match: str(answers.get(match[1], match[0])), path)


def paths_to_remove(answers: Mapping[str, Any]) -> list[str]:
    """Return the project-relative paths owned by options that were not selected."""
    removed: list[str] = []
    for option, keep, paths in OPTION_PATHS:
        if not keep(answers.get(option)):
            removed.extend(fill(path, answers) for path in paths)
    return removed


def paths_to_move(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the (source, destination) moves of the variant files that were selected."""
    moves: list[tuple[str, str]] = []
    for option, keep, pairs in OPTION_MOVES:
        if keep(answers.get(option)):
            moves.extend((fill(source, answers), fill(dest, answers)) for source, dest in pairs)
    return moves


def move_selected(project: Path, answers: Mapping[str, Any]) -> None:
    """Move each selected variant file into place, then prune the folders it leaves empty."""
    for source, dest in paths_to_move(answers):
        origin = project / source
        if origin.exists():
            os.replace(origin, project / dest)
            prune_empty_parents(project, origin)


def remove_unselected(project: Path, answers: Mapping[str, Any]) -> None:
    """Delete every file or folder owned by an unselected option."""
    for relative in paths_to_remove(answers):
        path = project / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        prune_empty_parents(project, path)


def note_kept(project: Path, answers: Mapping[str, Any]) -> None:
    """On a bake over an existing project, say which unselected paths were left in place."""
    kept = [path for path in paths_to_remove(answers) if (project / path).exists()]
    if kept:
        print(
            "NOTE: baked over an existing project, so nothing was deleted; these belong to "
            f"options not chosen, delete them if you no longer need them: {', '.join(kept)}"
        )


def prune_empty_parents(project: Path, path: Path) -> None:
    """Remove the folders above `path` that are left empty, stopping at the project."""
    for parent in path.parents:
        if parent == project or project not in parent.parents:
            return
        if not parent.is_dir() or any(parent.iterdir()):
            return
        parent.rmdir()


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


def dvc_command(project: Path) -> str | None:
    """Return the `dvc` on PATH, else the one in the project's `.venv`, else None."""
    found = shutil.which("dvc")
    if found is not None:
        return found
    local = venv_python(project).parent / ("dvc.exe" if os.name == "nt" else "dvc")
    return str(local) if local.is_file() else None


def init_dvc(project: Path, answers: Mapping[str, Any]) -> bool:
    """Run `dvc init` inside the project's git repository and commit what it writes."""
    cd = f"cd {shlex.quote(str(project))}"
    commit = ['git add -A && git commit -m "Initialise DVC"']
    if not (project / ".git").is_dir():
        why = "git init did not run" if as_bool(answers.get("init_git")) else "init_git is false"
        warn(
            "DVC initialisation",
            f"there is no git repository ({why})",
            [cd, "git init -b main", "dvc init", *commit],
        )
        return False
    dvc = dvc_command(project)
    if dvc is None:
        reason = (
            "dvc was not found on PATH or in .venv; install it with `pipx install dvc`, "
            "or `make venv` (the dev extra has it)"
        )
        warn("DVC initialisation", reason, [cd, "dvc init", *commit])
        return False
    try:
        done = subprocess.run(
            [dvc, "init", "-q"], cwd=project, capture_output=True, text=True, check=False
        )
    except OSError as error:
        warn("DVC initialisation", str(error), [cd, "dvc init", *commit])
        return False
    if done.returncode != 0:
        reason = done.stderr.strip() or "dvc init failed"
        warn("DVC initialisation", reason, [cd, "dvc init", *commit])
        return False
    _git(project, "add", "-A")
    identity = _git_identity(project, answers)
    committed = _git(project, *identity, "commit", "-q", "-m", DVC_COMMIT_MESSAGE)
    if committed.returncode != 0:
        warn("the DVC commit", committed.stderr.strip() or "git commit failed", [cd, *commit])
        return False
    return True


def venv_python(project: Path) -> Path:
    """Return the interpreter inside the project's `.venv` (POSIX or Windows)."""
    if os.name == "nt":
        return project / ".venv" / "Scripts" / "python.exe"
    return project / ".venv" / "bin" / "python"


def make_env() -> dict[str, str]:
    """Return this environment minus any active virtualenv or make state, for `make`."""
    return {key: value for key, value in os.environ.items() if key not in ENV_REDIRECTS}


def manual_steps(project: Path, lock_file: str, commit_lock: bool) -> list[str]:
    """Return the shell lines that lock (if the manager locks), then create `.venv`."""
    lines = [f"cd {shlex.quote(str(project))}"]
    if lock_file:
        lines.append("make lock")
        if commit_lock:
            lines.append(f'git add {lock_file} && git commit -m "Add {lock_file}"')
    return [*lines, "make venv"]


def make(project: Path, target: str, step: str, manual: list[str]) -> bool:
    """Run the generated Makefile's `target` (its output streams to the user)."""
    found = shutil.which("make")
    if found is None:
        warn(step, f"make was not found on PATH; {MAKE_HINT}", manual)
        return False
    try:
        done = subprocess.run([found, target], cwd=project, env=make_env(), check=False)
    except OSError as error:
        warn(step, str(error), manual)
        return False
    if done.returncode != 0:
        warn(step, f"make {target} failed", manual)
        return False
    return True


def lock_dependencies(project: Path, lock_file: str, commit_lock: bool = False) -> bool:
    """Write the manager's lock file with `make lock` (before the first commit holds it)."""
    if not lock_file:
        return True
    print(f"Locking the dependencies into {lock_file}...", flush=True)
    manual = manual_steps(project, lock_file, commit_lock)
    return make(project, "lock", "locking the dependencies", manual)


def create_env(project: Path, manager: str, lock_file: str) -> bool:
    """Create `.venv` with the project's own `make venv` (the one home of the recipe)."""
    print(f"Creating .venv with {manager} and installing the project (a few minutes)...")
    sys.stdout.flush()
    manual = manual_steps(project, lock_file, commit_lock=False)
    return make(project, "venv", "environment creation", [manual[0], manual[-1]])


def in_cruft_render(project: Path, answers: Mapping[str, Any]) -> bool:
    """Tell whether cruft renders the template to compare (update, diff, check), not create.

    cruft adds `_commit` to the answers, and renders for comparison alone in a fresh
    temporary folder; `cruft create` renders where the user asked.
    """
    if "_commit" not in answers:
        return False
    parent = project.resolve().parent
    return (
        parent.parent == Path(tempfile.gettempdir()).resolve()
        and parent.name.startswith("tmp")
        and [child.name for child in parent.iterdir()] == [project.name]
    )


def run_step(name: str, step: Callable[[], object]) -> object:
    """Run one step and return its result; an unexpected error becomes a warning."""
    try:
        return step()
    except Exception as error:  # noqa: BLE001 - a failed hook deletes the project
        warn(name, f"{type(error).__name__}: {error}", [])
        return None


def main() -> int:
    """Run every step in order; always return 0 so the project is never deleted."""
    project = Path.cwd()
    try:
        answers: dict[str, Any] = json.loads(CONTEXT_JSON)
    except ValueError as error:
        warn("reading the answers", str(error), [])
        return 0
    # cookiecutter --overwrite-if-exists over a project: its files are the user's to keep.
    rebake = (project / ANSWERS_FILE).exists() or (project / ".git").exists()
    run_step("saving the answers", lambda: write_answers(project, answers))
    if rebake:
        note_kept(project, answers)
    else:
        run_step("removing unselected files", lambda: remove_unselected(project, answers))
    run_step("moving the selected variants", lambda: move_selected(project, answers))
    if in_cruft_render(project, answers):
        return 0  # a scratch render: no repository, no environment, no message
    manager = str(answers.get("dependency_manager", ""))
    lock_file = str(answers.get("__lock_file", ""))
    with_git = as_bool(answers.get("init_git"))
    ready = False
    if as_bool(answers.get("create_env")):
        # Lock before the first commit, so that the commit holds poetry.lock / uv.lock.
        locked = run_step(
            "locking the dependencies", lambda: lock_dependencies(project, lock_file, with_git)
        )
        ready = locked is True
    if with_git and (project / ".git").exists():  # only a re-bake has one at this point
        print("NOTE: the project has a git repository already: nothing was committed.")
    elif with_git:
        run_step("git initialisation", lambda: init_git(project, answers))
    if ready:
        run_step("environment creation", lambda: create_env(project, manager, lock_file))
    if as_bool(answers.get("use_dvc")):
        # After the environment, so that a `dvc` installed into `.venv` can be used. Without
        # git it only says how to run `git init` and `dvc init`, which `make repro` needs.
        run_step("DVC initialisation", lambda: init_dvc(project, answers))
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
