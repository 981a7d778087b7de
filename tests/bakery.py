"""Helpers for the template tests: load hooks, compute expected files, check a bake."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from cookiecutter.utils import create_env_with_context

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
HOOKS_DIR = TEMPLATE_ROOT / "hooks"

# Folders a bake may hold that are not part of the generated file set.
IGNORED_PARTS = frozenset({".git", ".venv", "__pycache__", ".ruff_cache", ".pytest_cache"})

# Paths every generated project must have, whatever the template tree holds.
CONTRACT_FILES = (
    "README.md",
    "LICENSE",
    "Makefile",
    "pyproject.toml",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".cookiecutter.json",
    "configs/config.yaml",
    "notebooks/01_exploration.ipynb",
    ".github/workflows/ci.yml",
    "tests/conftest.py",
    "src/{pkg}/__init__.py",
    "src/{pkg}/__main__.py",
    "src/{pkg}/cli.py",
    "src/{pkg}/config.py",
    "src/{pkg}/data/__init__.py",
    "src/{pkg}/features/__init__.py",
    "src/{pkg}/models/__init__.py",
    "src/{pkg}/pipelines/__init__.py",
)
CONTRACT_DIRS = (
    "docs",
    "data/raw",
    "data/interim",
    "data/processed",
    "data/external",
    "models",
    "reports/figures",
    "tests/unit",
    "tests/integration",
)

# Jinja left unrendered, or a cookiecutter variable that leaked into the output.
# `${{ ... }}` (GitHub Actions), `${#var}` (shell) and `cookiecutter.json` are allowed.
LEFTOVER_RE = re.compile(r"(?<!\$)\{\{|\{%|(?<!\$)\{#|cookiecutter\.(?!json\b)")


def load_hook(name: str) -> ModuleType:
    """Import `hooks/<name>.py` (unrendered) as a module, without running main()."""
    path = HOOKS_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"template_hooks_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_hook(name: str, answers: Mapping[str, Any], dest: Path) -> Path:
    """Render `hooks/<name>.py` with cookiecutter's Jinja environment, as it does."""
    context = {"cookiecutter": dict(answers)}
    env = create_env_with_context(context)
    source = (HOOKS_DIR / f"{name}.py").read_text(encoding="utf-8")
    dest.write_text(env.from_string(source).render(**context), encoding="utf-8")
    return dest


def default_answers(**overrides: Any) -> dict[str, Any]:
    """Return the --no-input answers from cookiecutter.json, with overrides applied."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(
        context_file=str(TEMPLATE_ROOT / "cookiecutter.json"), extra_context=overrides
    )
    return dict(prompt_for_config(context, no_input=True))


def is_ignored(relative: Path) -> bool:
    """Tell whether a project-relative path lies in a folder outside the file set."""
    return any(part in IGNORED_PARTS for part in relative.parts)


def baked_files(project: Path) -> set[str]:
    """Return the project's files as POSIX relative paths, skipping ignored folders."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if (path.is_file() or path.is_symlink()) and not is_ignored(path.relative_to(project))
    }


def expected_files(answers: Mapping[str, Any]) -> set[str]:
    """Render the template tree's file paths as cookiecutter would for `answers`."""
    post_gen = load_hook("post_gen_project")
    context = {"cookiecutter": dict(answers)}
    env = create_env_with_context(context)
    rendered = set()
    for path in PROJECT_TEMPLATE.rglob("*"):
        relative = path.relative_to(PROJECT_TEMPLATE)
        if not path.is_file() or is_ignored(relative):
            continue
        rendered.add(env.from_string(relative.as_posix()).render(**context))
    rendered.add(post_gen.ANSWERS_FILE)
    removed = post_gen.paths_to_remove(answers)
    kept = {
        path
        for path in rendered
        if not any(path == gone or path.startswith(f"{gone}/") for gone in removed)
    }
    for source, dest in post_gen.paths_to_move(answers):
        if source in kept:
            kept.remove(source)
            kept.add(dest)
    return kept


def text_files(project: Path) -> list[Path]:
    """Return the project's files that decode as UTF-8 text (skipping ignored dirs)."""
    found = []
    for relative in sorted(baked_files(project)):
        path = project / relative
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found.append(path)
    return found


def leftover_jinja(project: Path) -> list[str]:
    """Return `file:line: text` for every unrendered Jinja or cookiecutter reference."""
    hits = []
    for path in text_files(project):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LEFTOVER_RE.search(line):
                hits.append(f"{path.relative_to(project)}:{number}: {line.strip()}")
    for relative in baked_files(project):
        if LEFTOVER_RE.search(relative):
            hits.append(f"path: {relative}")
    return hits


def parse_errors(project: Path) -> list[str]:
    """Compile every .py and parse every TOML/YAML/JSON/notebook; return failures."""
    errors = []
    for path in text_files(project):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(project))
        try:
            if path.suffix == ".py":
                compile(text, name, "exec")
            elif path.suffix == ".toml":
                tomllib.loads(text)
            elif path.suffix in {".yaml", ".yml"}:
                list(yaml.safe_load_all(text))
            elif path.suffix in {".json", ".ipynb"}:
                json.loads(text)
        except Exception as error:  # noqa: BLE001 - report every broken file at once
            errors.append(f"{name}: {type(error).__name__}: {error}")
    return errors


def clean_env(**overrides: str) -> dict[str, str]:
    """Return os.environ without make's and git's redirections, plus overrides."""
    dropped = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GIT_DIR", "GIT_WORK_TREE", "VIRTUAL_ENV"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(overrides)
    return env


def run(
    args: Sequence[str | os.PathLike[str]],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output (never raising on a non-zero exit)."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def tool(module: str, *args: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    """Return the command that runs a dev tool with this interpreter (`python -m`)."""
    return [sys.executable, "-m", module, *args]


def outcome(proc: subprocess.CompletedProcess[str]) -> str:
    """Describe a finished command for an assertion message."""
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def workflow_errors(paths: Sequence[Path], cwd: Path) -> str | None:
    """Validate GitHub workflow files offline; return the report if any is invalid."""
    proc = run(
        tool("check_jsonschema", "--builtin-schema", "vendor.github-workflows", *paths),
        cwd=cwd,
    )
    return None if proc.returncode == 0 else outcome(proc)


def git_lines(project: Path, *args: str) -> list[str]:
    """Run git in the project and return its stdout lines (asserting success)."""
    proc = run(["git", *args], cwd=project)
    assert proc.returncode == 0, outcome(proc)
    return proc.stdout.splitlines()


def validate_k8s(*args: str | Path, cwd: Path, stdin: str | None = None) -> str:
    """Run `kubernetes-validate --strict`; fail unless every resource passed cleanly."""
    proc = subprocess.run(
        [*map(str, tool("kubernetes_validate", "--strict", *args))],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),
    )
    assert proc.returncode == 0, outcome(proc)
    # A kind without a schema is only a WARN with exit 0: treat it as a failure too.
    assert not [line for line in proc.stdout.splitlines() if not line.startswith("INFO ")], outcome(
        proc
    )
    return proc.stdout


# Slow tier: real tools and installs, with one cache root shared by every run ----------

LOCK_FILES = {"poetry": "poetry.lock", "uv": "uv.lock"}
SLOW_TIMEOUT = 1500  # seconds per command: 2 cores and possibly a cold cache


def cache_root() -> Path:
    """One folder for the pip, uv and Poetry caches, shared by every slow run."""
    if os.environ.get("TEMPLATE_PIP_CACHE"):
        return Path(os.environ["TEMPLATE_PIP_CACHE"]).parent
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def tool_env() -> dict[str, str]:
    """This environment with the template venv's bin (poetry, uv) first and shared caches."""
    root = cache_root()
    tools = str(Path(sys.executable).parent)
    return clean_env(
        PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        PIP_CACHE_DIR=str(root / "pip"),
        UV_CACHE_DIR=str(root / "uv"),
        POETRY_CACHE_DIR=str(root / "pypoetry"),
    )


def running_python() -> dict[str, str]:
    """The python_version answer matching this interpreter (the hook builds .venv with it)."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"python_version": running} if running in {"3.10", "3.11", "3.12", "3.13"} else {}


def timed(label: str, args: list[Any], cwd: Path) -> Any:
    """Run a command with the tool environment and print how long it took."""
    start = time.perf_counter()
    proc = run(args, cwd=cwd, env=tool_env(), timeout=SLOW_TIMEOUT)
    print(f"[slow] {label}: exit {proc.returncode} in {time.perf_counter() - start:.1f}s")
    return proc


def assert_ready_with_lock(project: Path, manager: str) -> None:
    """Assert `.venv` and its stamp exist, the lock file is committed and the tree is clean."""
    python = project / ".venv" / "bin" / "python"
    assert python.is_file()
    assert (project / ".venv" / ".installed").is_file()
    lock = LOCK_FILES[manager]
    assert git_lines(project, "ls-files", lock) == [lock]
    assert git_lines(project, "status", "--porcelain") == []
