"""The dependency_manager option: pip, Poetry 2 and uv each bake, lock and install `.venv`."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    Baker,
    PathBaker,
    bin_dir,
    choices,
    clean_env,
    default_answers,
    load_hook,
    outcome,
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
else:
    pathlib.Path(".venv", "bin").mkdir(parents=True, exist_ok=True)
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
def test_pyproject_is_one_pep621_project_with_a_dev_extra(baked: Baker, manager: str) -> None:
    """It keeps the metadata in [project] for every manager, dev tools as the `dev` extra."""
    project = baked(dependency_manager=manager)
    pyproject = project.toml("pyproject.toml")

    meta = pyproject["project"]
    assert meta["name"] == project.answers["project_slug"]
    assert meta["version"]
    assert meta["requires-python"] == f">={min(choices('python_version'), key=version_key)}"
    assert meta["dependencies"]
    assert any(dep.startswith("ruff") for dep in meta["optional-dependencies"]["dev"])
    assert meta["scripts"][project.answers["project_slug"]] == f"{project.package}.cli:app"
    # Hatchling builds for pip, uv and Poetry 2 (which installs it editable, too).
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    # No second copy of the metadata: Poetry's table only marks dependency groups optional.
    poetry_groups = pyproject.get("tool", {}).get("poetry", {"group": {}})
    assert set(poetry_groups) == {"group"}
    assert all(group == {"optional": True} for group in poetry_groups["group"].values())
    assert project.has_file("poetry.toml") == (manager == "poetry")
    if manager == "poetry":
        assert project.toml("poetry.toml")["virtualenvs"]["in-project"] is True
    assert not {"poetry.lock", "uv.lock"} & project.files()  # only the hook's lock makes one


@pytest.mark.parametrize("manager", MANAGERS)
def test_makefile_readme_and_ci_install_with_the_chosen_manager(baked: Baker, manager: str) -> None:
    """`make venv`, the README, CI and pyproject state the manager's install, no other's."""
    project = baked(dependency_manager=manager)
    dry_run = project.make("-n", "venv")
    assert dry_run.returncode == 0, outcome(dry_run)
    stated = {
        "make -n venv": dry_run.stdout,
        "README.md": project.read("README.md"),
        "ci.yml": project.read(".github/workflows/ci.yml"),
        "pyproject.toml": project.read("pyproject.toml"),
    }
    for other in MANAGERS:
        line = FACTS[other]["__dev_install"]
        for where, text in stated.items():
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
    if manager == "poetry":
        assert args == [["lock"], ["env", "use", args[1][-1]], install]
        assert {call["POETRY_VIRTUALENVS_IN_PROJECT"] for call in calls} == {"true"}
    else:
        assert args == [["lock"], [*install, *args[1][len(install) :]]]
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
