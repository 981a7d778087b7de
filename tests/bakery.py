"""The template tests' one harness: options, hooks, and a BakedProject to check and run."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from cookiecutter.utils import create_env_with_context

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
HOOKS_DIR = TEMPLATE_ROOT / "hooks"

#: cookiecutter.json as written: every option, its default and (for a choice) its values.
OPTIONS: dict[str, Any] = json.loads(
    (TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8")
)
#: Answers every bake starts from unless a test says otherwise: no git, no environment.
QUIET = {"init_git": False, "create_env": False}

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
    "notebooks/01_exploration.ipynb",
    ".github/workflows/ci.yml",
    "tests/conftest.py",
    "src/{package_name}/__init__.py",
    "src/{package_name}/__main__.py",
    "src/{package_name}/cli.py",
    "src/{package_name}/config.py",
    "src/{package_name}/data/__init__.py",
    "src/{package_name}/features/__init__.py",
    "src/{package_name}/models/__init__.py",
    "src/{package_name}/pipelines/__init__.py",
    "{__config_file}",
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

# Jinja left unrendered, or a cookiecutter variable that leaked into the output. Other
# `{{ ... }}` are the output's own templating (GitHub Actions `${{ }}`, Grafana legends,
# Prometheus annotations, written with `{% raw %}`); `${#var}` (shell) is allowed too.
LEFTOVER_RE = re.compile(r"\{%|(?<!\$)\{#|\{\{[^}]*cookiecutter|cookiecutter\.(?!json\b)")

SLOW_TIMEOUT = 1500  # seconds per slow-tier command: 2 cores and possibly a cold cache


# --- options and combinations ----------------------------------------------------------------


def choices(option: str) -> list[Any]:
    """Return every value cookiecutter.json offers for a choice or boolean option."""
    declared = OPTIONS[option]
    if isinstance(declared, bool):
        return [False, True]
    assert isinstance(declared, list), f"{option} is not a choice or a boolean"
    return list(declared)


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a dotted version: `3.10` after `3.9`."""
    return tuple(int(part) for part in version.split("."))


def value_id(option: str, value: Any) -> str:
    """Name one answer readably: `uv`, `dvc` / `no-dvc`, `python-3.12`."""
    if isinstance(value, bool):
        name = option.removeprefix("use_").replace("_", "-")
        return name if value else f"no-{name}"
    if option == "python_version":
        return f"python-{value}"
    return str(value)


def combinations(*options: str, **fixed: Any) -> list[Any]:
    """Every combination of the options' offered values, as pytest params with readable ids."""
    params = []
    for values in itertools.product(*(choices(option) for option in options)):
        answers = dict(zip(options, values, strict=True))
        name = "-".join(value_id(option, value) for option, value in answers.items())
        params.append(pytest.param({**fixed, **answers}, id=name))
    return params


def each_value(*options: str) -> list[Any]:
    """One pytest param per offered value of each option (not their product)."""
    return [param for option in options for param in combinations(option)]


# --- hooks -----------------------------------------------------------------------------------


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
    context = {"cookiecutter": dict(answers), "_cookiecutter": OPTIONS}
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


# --- commands ---------------------------------------------------------------------------------


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
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output (never raising on a non-zero exit)."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def tool(module: str, *args: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    """Return the command that runs a dev tool with this interpreter (`python -m`)."""
    return [sys.executable, "-m", module, *args]


def outcome(proc: subprocess.CompletedProcess[str]) -> str:
    """Describe a finished command for an assertion message."""
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def assert_ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """Assert a command exited 0 (showing its output if not) and return it."""
    assert proc.returncode == 0, outcome(proc)
    return proc


def git(cwd: Path, *args: str) -> list[str]:
    """Run git in a folder and return its stdout lines (asserting success)."""
    return assert_ok(run(["git", *args], cwd=cwd)).stdout.splitlines()


def workflow_errors(paths: Sequence[Path], cwd: Path) -> str | None:
    """Validate GitHub workflow files offline; return the report if any is invalid."""
    proc = run(
        tool("check_jsonschema", "--builtin-schema", "vendor.github-workflows", *paths),
        cwd=cwd,
    )
    return None if proc.returncode == 0 else outcome(proc)


def validate_k8s(*args: str | Path, cwd: Path, stdin: str | None = None) -> str:
    """Run `kubernetes-validate --strict`; fail unless every resource passed cleanly."""
    proc = assert_ok(
        run(tool("kubernetes_validate", "--strict", *args), cwd=cwd, stdin=stdin, timeout=120)
    )
    # A kind without a schema is only a WARN with exit 0: treat it as a failure too.
    assert not [line for line in proc.stdout.splitlines() if not line.startswith("INFO ")], outcome(
        proc
    )
    return proc.stdout


def bin_dir(path: Path, *names: str) -> Path:
    """Fill a folder with `python` (this interpreter) and the named host commands."""
    path.mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3", *names):
        found = sys.executable if name.startswith("python") else shutil.which(name)
        assert found is not None, f"{name} is needed on PATH for this test"
        if not (path / name).exists():
            (path / name).symlink_to(found)
    return path


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- slow tier: real tools and installs, with one cache root shared by every run ------------


def cache_root() -> Path:
    """One folder for the pip, uv and Poetry caches, shared by every slow run."""
    if os.environ.get("TEMPLATE_PIP_CACHE"):
        return Path(os.environ["TEMPLATE_PIP_CACHE"]).parent
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def tool_env(**overrides: str) -> dict[str, str]:
    """This environment with the template venv's bin (poetry, uv) first and shared caches."""
    root = cache_root()
    tools = str(Path(sys.executable).parent)
    return clean_env(
        PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}",
        PIP_CACHE_DIR=str(root / "pip"),
        UV_CACHE_DIR=str(root / "uv"),
        POETRY_CACHE_DIR=str(root / "pypoetry"),
        **overrides,
    )


def running_python() -> dict[str, str]:
    """The python_version answer matching this interpreter, when the template offers it."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    return {"python_version": running} if running in choices("python_version") else {}


def timed(
    label: str, args: Sequence[Any], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command with the tool environment and print how long it took."""
    start = time.perf_counter()
    proc = run(args, cwd=cwd, env=env or tool_env(), timeout=SLOW_TIMEOUT)
    print(f"[slow] {label}: exit {proc.returncode} in {time.perf_counter() - start:.1f}s")
    return proc


# --- the baked project ------------------------------------------------------------------------


def is_ignored(relative: Path) -> bool:
    """Tell whether a project-relative path lies in a folder outside the file set."""
    return any(part in IGNORED_PARTS for part in relative.parts)


def expected_files(answers: Mapping[str, Any]) -> set[str]:
    """Render the template tree's paths for `answers`, then apply the hook's option tables."""
    post_gen = load_hook("post_gen_project")
    context = {"cookiecutter": dict(answers)}
    env = create_env_with_context(context)
    rendered = {
        env.from_string(path.relative_to(PROJECT_TEMPLATE).as_posix()).render(**context)
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file() and not is_ignored(path.relative_to(PROJECT_TEMPLATE))
    }
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


class BakedProject:
    """One generated project: its answers, its files, and commands run inside it."""

    def __init__(self, path: Path, answers: Mapping[str, Any]) -> None:
        """Wrap the project at `path`, generated from `answers`."""
        self.path = Path(path)
        self.answers = dict(answers)

    @classmethod
    def bake(cls, cookies: Any, **answers: Any) -> BakedProject:
        """Bake with the QUIET answers plus `answers`, asserting cookiecutter succeeded."""
        result = cookies.bake(extra_context={**QUIET, **answers})
        assert result.exception is None, repr(result.exception)
        assert result.exit_code == 0
        return cls(result.project_path, result.context)

    def __repr__(self) -> str:
        """Show where the project is, for assertion messages."""
        return f"BakedProject({self.path})"

    @property
    def package(self) -> str:
        """The importable package name."""
        return str(self.answers["package_name"])

    def fill(self, path: str) -> str:
        """Replace `{answer}` placeholders in a project-relative path."""
        return re.sub(r"\{(\w+)\}", lambda match: str(self.answers[match[1]]), path)

    # files -------------------------------------------------------------------------------------

    def files(self) -> set[str]:
        """The project's files as POSIX relative paths, skipping ignored folders."""
        return {
            path.relative_to(self.path).as_posix()
            for path in self.path.rglob("*")
            if (path.is_file() or path.is_symlink()) and not is_ignored(path.relative_to(self.path))
        }

    @cached_property
    def expected(self) -> set[str]:
        """The files the template tree and the hook's option tables promise for these answers."""
        return expected_files(self.answers)

    def has_file(self, relative: str) -> bool:
        """Tell whether the project holds this file (placeholders filled)."""
        return (self.path / self.fill(relative)).is_file()

    def read(self, relative: str) -> str:
        """Return a project file's text (placeholders filled)."""
        return (self.path / self.fill(relative)).read_text(encoding="utf-8")

    def toml(self, relative: str) -> dict[str, Any]:
        """Parse a TOML file of the project."""
        return tomllib.loads(self.read(relative))

    def yaml(self, relative: str) -> Any:
        """Parse a YAML file of the project."""
        return yaml.safe_load(self.read(relative))

    def json(self, relative: str) -> Any:
        """Parse a JSON file of the project."""
        return json.loads(self.read(relative))

    def text_files(self) -> list[Path]:
        """The project's files that decode as UTF-8 text (skipping ignored folders)."""
        found = []
        for relative in sorted(self.files()):
            path = self.path / relative
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            found.append(path)
        return found

    def grep(self, pattern: str) -> list[str]:
        """Return `file:line` for every line of every text file matching the regex."""
        regex = re.compile(pattern)
        return [
            f"{path.relative_to(self.path)}:{number}: {line.strip()}"
            for path in self.text_files()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if regex.search(line)
        ]

    def leftover_jinja(self) -> list[str]:
        """Every unrendered Jinja or cookiecutter reference, in file contents or paths."""
        hits = self.grep(LEFTOVER_RE.pattern)
        return hits + [f"path: {path}" for path in sorted(self.files()) if LEFTOVER_RE.search(path)]

    def parse_errors(self) -> list[str]:
        """Compile every .py and parse every TOML/YAML/JSON/notebook; return the failures."""
        errors = []
        for path in self.text_files():
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(self.path))
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

    def whitespace_errors(self) -> list[str]:
        """Lines with trailing whitespace, and files not ending in exactly one newline.

        The generated pre-commit hooks (trailing-whitespace, end-of-file-fixer) would
        rewrite these on the user's first run.
        """
        errors = []
        for path in self.text_files():
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(self.path))
            if text and (not text.endswith("\n") or text.endswith("\n\n")):
                errors.append(f"{name}: does not end with exactly one newline")
            errors += [
                f"{name}:{number}: trailing whitespace"
                for number, line in enumerate(text.splitlines(), 1)
                if line != line.rstrip()
            ]
        return errors

    def missing_contract_paths(self) -> list[str]:
        """The contract files absent, and contract folders holding no file (git drops them)."""
        missing = [path for path in map(self.fill, CONTRACT_FILES) if not self.has_file(path)]
        return missing + [
            f"{path}/ (with a file)"
            for path in CONTRACT_DIRS
            if not any(child.is_file() for child in (self.path / path).rglob("*"))
        ]

    def check(self) -> None:
        """Exactly the expected files, the contract paths, no leftover Jinja, all parse, tidy."""
        assert self.files() == self.expected
        assert self.missing_contract_paths() == []
        assert self.leftover_jinja() == []
        assert self.parse_errors() == []
        assert self.whitespace_errors() == []

    # commands ----------------------------------------------------------------------------------

    def run(self, *args: str | os.PathLike[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run a command in the project (see `run` for the keyword arguments)."""
        return run(args, cwd=self.path, **kwargs)

    def make(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run the project's Makefile with `args` (targets and VAR=value)."""
        return self.run("make", *args, **kwargs)

    def git(self, *args: str) -> list[str]:
        """Run git in the project and return its stdout lines (asserting success)."""
        return git(self.path, *args)

    @property
    def venv_bin(self) -> Path:
        """The project's `.venv/bin`."""
        return self.path / ".venv" / "bin"

    def assert_committed_once(self) -> None:
        """Assert one commit on `main` and a clean work tree."""
        assert len(self.git("rev-list", "HEAD")) == 1
        assert self.git("status", "--porcelain") == []
        assert self.git("branch", "--show-current") == ["main"]

    def use_html_index(self) -> None:
        """With Poetry, add PyPI's simple index as the primary source (a test workaround).

        The mirror here serves Poetry no PEP 691 JSON; generated projects carry no such line.
        """
        if self.answers["dependency_manager"] == "poetry":
            source = ["poetry", "source", "add", "--priority=primary", "pypi-html"]
            assert_ok(timed("poetry source add", [*source, "https://pypi.org/simple/"], self.path))

    def install(self, scratch: Path) -> None:
        """Run the post-gen hook again with git and create_env on: a real bake's finish.

        See `use_html_index` for Poetry.
        """
        self.use_html_index()
        answers = {**self.answers, "init_git": True, "create_env": True}
        hook = render_hook("post_gen_project", answers, scratch / "post_gen_project.py")
        manager = answers["dependency_manager"]
        proc = assert_ok(timed(f"post-gen hook with {manager}", [sys.executable, hook], self.path))
        assert "WARNING" not in proc.stderr, outcome(proc)
        self.answers = answers
        self.assert_ready()

    def assert_ready(self) -> None:
        """Assert `.venv` works, with its stamp, and the lock file (if any) is committed."""
        assert (self.venv_bin / "python").is_file()
        assert (self.path / ".venv" / ".installed").is_file()
        lock = str(self.answers["__lock_file"])
        if lock:
            assert self.git("ls-files", lock) == [lock]
        assert self.git("status", "--porcelain") == []


def ruff_errors(paths: Iterable[Path], cwd: Path) -> list[str]:
    """Run `ruff check` and `ruff format --check` on paths; return the failed reports."""
    reports = []
    for args in (("check", "--no-cache"), ("format", "--check", "--no-cache")):
        proc = run(tool("ruff", *args, *paths), cwd=cwd)
        if proc.returncode != 0:
            reports.append(outcome(proc))
    return reports


#: A fixture that bakes a project from answers (see conftest: `baked`, `fresh`).
Baker = Callable[..., BakedProject]


class PathBaker:
    """Bakes with a PATH of `python` plus chosen host commands (and any fakes put in `bin`)."""

    def __init__(self, fresh: Baker, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Prepare the folder that will be the whole PATH."""
        self.bin = bin_dir(folder)
        self._fresh = fresh
        self._monkeypatch = monkeypatch

    def __call__(
        self, *commands: str, env: dict[str, str] | None = None, **answers: Any
    ) -> BakedProject:
        """Bake with PATH = `bin` holding `commands`, plus `env`, restored afterwards."""
        bin_dir(self.bin, *commands)
        with self._monkeypatch.context() as patch:
            patch.setenv("PATH", str(self.bin))
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            return self._fresh(**answers)
