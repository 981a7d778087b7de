"""Time and weigh the template: bakes, environments, the serving runtime, `make test`.

Prints, measured in this run on this machine:
  - bake time without an environment, against a one-file cookiecutter template (the floor of
    any bake) and, given its template (--ccds DIR or URL), cookiecutter-data-science, baked
    with its own `ccds` command as its users do (its v2 template needs ccds' patches);
  - per manager: bake time with its environment (lock, .venv, git) and the .venv size, the
    default (pip) bake against its targets (TARGETS) and against a venv of the runtime alone
    (the project without its dev tools), and the size `make test` adds when it installs the
    `ops` group (MkDocs, the API fuzzer and the infrastructure linters);
  - the serving runtime the Dockerfile builds (its lean and full builder stages, run in plain
    folders as the slow tier does) and its size against the project's .venv, and the API's
    start-up imports from it, read-only as in the image, with its bytecode and without;
  - the generated project's first `make test` time (it writes the tests' bytecode, and with
    uv, which installs none, the libraries'), the bake-to-green sum per manager, and a second
    `make test`, the time of every later run;
  - with uv, the part of its bake that is the package index: the same lock made again from
    the index and from uv's cache alone (an index that sends no cache headers, as a mirror
    may, is asked for every page on every lock, however warm the cache).
Run with the template's tools: `make bench-template` (or `.venv/bin/python benchmarks/...`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_docker_k8s import build_stage, stage_env, stages, tree_size_mb  # noqa: E402

from bakery import outcome, render_hook, run, running_python, tool_env  # noqa: E402

MANAGERS = ("pip", "uv", "poetry")
# Poetry 2 asks the index for PEP 691 JSON, which the mirror here does not serve: the slow
# tier's workaround (an explicit HTML source) is applied before the hook runs.
POETRY_SOURCE = ["poetry", "source", "add", "--priority=primary", "pypi-html"]
POETRY_INDEX = "https://pypi.org/simple/"
# The default bake's targets: seconds to bake with the environment, .venv in MB (10**6 bytes).
TARGETS = {"pip": (120.0, 700.0)}


def timed(args: list[str], cwd: Path) -> tuple[float, str | None]:
    """Run a command with the template's tools; return seconds and an error (None if ok)."""
    start = time.perf_counter()
    proc = run(args, cwd=cwd, env=tool_env(), timeout=1800)
    elapsed = time.perf_counter() - start
    return elapsed, None if proc.returncode == 0 else outcome(proc)[-1500:]


def bake_command(
    template: Path | str, out: Path, *answers: str, cli: str = "cookiecutter"
) -> list[str]:
    """Return the command line that bakes `template` into `out` (`cli`: the module to run)."""
    return [
        sys.executable,
        "-m",
        cli,
        str(template),
        "--no-input",
        "--default-config",
        "-o",
        str(out),
        *answers,
    ]


def floor_template(root: Path) -> Path:
    """Write a one-file template: the cost of starting cookiecutter and rendering anything."""
    template = root / "floor"
    (template / "{{cookiecutter.name}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text('{"name": "floor"}\n', encoding="utf-8")
    (template / "{{cookiecutter.name}}" / "README.md").write_text("# {{ cookiecutter.name }}\n")
    return template


def median_bake(
    template: Path | str,
    work: Path,
    label: str,
    repeats: int,
    *answers: str,
    cli: str = "cookiecutter",
) -> float:
    """Bake `repeats` times into fresh folders; return the median seconds."""
    times = []
    for index in range(repeats):
        command = bake_command(template, work / f"{label}-{index}", *answers, cli=cli)
        seconds, error = timed(command, work)
        if error:
            raise SystemExit(f"{label} bake failed:\n{error}")
        times.append(seconds)
    return statistics.median(times)


def bake_with_env(work: Path, manager: str) -> tuple[Path, float, str | None]:
    """Bake, then run the post-gen hook with git and create_env; return project, seconds."""
    out = work / f"env-{manager}"
    python = running_python().get("python_version", "3.12")
    answers = [f"dependency_manager={manager}", f"python_version={python}"]
    seconds, error = timed(
        bake_command(ROOT, out, *answers, "init_git=false", "create_env=false"), work
    )
    (project,) = out.iterdir()
    if error:
        return project, seconds, error
    if manager == "poetry":
        extra, error = timed([*POETRY_SOURCE, POETRY_INDEX], project)
        seconds += extra
    context = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    hook = render_hook(
        "post_gen_project",
        {**context, "init_git": True, "create_env": True},
        work / f"hook-{manager}.py",
    )
    extra, error = timed([sys.executable, str(hook)], project)
    return project, seconds + extra, error


def index_share(project: Path, work: Path) -> tuple[float, float]:
    """Lock the project's uv answers again in a scratch folder: from the index, then offline.

    Returns both seconds. uv asks the index for every page whose cache entry has no freshness
    left; the offline lock, from the same cache, resolves to the same uv.lock.
    """
    scratch = work / "index-share"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (project / name).exists():
            shutil.copy(project / name, scratch / name)
    online, error = timed(["uv", "lock"], scratch)
    if error:
        raise SystemExit(f"uv lock failed:\n{error}")
    (scratch / "uv.lock").unlink()
    offline, error = timed(["uv", "lock", "--offline"], scratch)
    if error:
        raise SystemExit(f"uv lock --offline failed:\n{error}")
    return online, offline


def start_imports(venv: Path, package: str, work: Path) -> tuple[float, float]:
    """Time the API's imports from `venv` as a read-only container runs them (best of 3).

    Returns the seconds with the bytecode the build wrote, then without it: the same imports
    once the environment's `__pycache__` folders are deleted (the scratch build is measured
    already), as if the build had written none.
    """
    python = venv / "bin" / "python"
    code = f"import granian, {package}.cli, {package}.serving.app"
    env = {**tool_env(), "PYTHONDONTWRITEBYTECODE": "1"}
    found = []
    for cold in (False, True):
        if cold:
            for cache in list(venv.glob("lib/python*/site-packages/**/__pycache__")):
                shutil.rmtree(cache)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            proc = run([python, "-c", code], cwd=work, env=env)
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise SystemExit(f"the API's imports failed:\n{outcome(proc)[-1500:]}")
        found.append(min(times))
    return found[0], found[1]


def serving_runtime(project: Path, work: Path) -> dict[str, float]:
    """Run the Dockerfile's lean and full builder stages in folders; return .venv MiB.

    Also the lean runtime's start-up imports with and without the bytecode (`start`,
    `start_cold`), in seconds.
    """
    found = stages(project / "Dockerfile")
    sizes = {}
    shim = work / "shim"
    shim.mkdir(parents=True, exist_ok=True)
    if not (shim / "python").exists():
        (shim / "python").symlink_to(sys.executable)
    for name in ("lean", "full"):
        app = work / f"{project.parent.name}-{name}" / "app"
        env = stage_env(found["tools"] + found[f"{name}-env"], app, tool_env())
        env.pop("PIP_NO_CACHE_DIR", None)
        env.pop("UV_NO_CACHE", None)
        env["PATH"] = f"{shim}:{tool_env()['PATH']}"
        build_stage(found[f"{name}-env"], project, app, env)
        sizes[name] = tree_size_mb(app / ".venv")
        if name == "lean":
            package = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
            start = start_imports(app / ".venv", package["package_name"], work)
            sizes["start"], sizes["start_cold"] = start
    return sizes


def runtime_only(project: Path, work: Path) -> float:
    """Return the MiB of a venv holding only the project and its runtime dependencies.

    The floor of any `.venv` of the project: the dev tools come on top of it.
    """
    venv = work / "runtime-only"
    for args in (
        [sys.executable, "-m", "venv", str(venv)],
        [venv / "bin" / "python", "-m", "pip", "install", "--no-compile", "--quiet", project],
    ):
        proc = run(args, cwd=work, env=tool_env(), timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(outcome(proc)[-1500:])
    return tree_size_mb(venv)


def verdict(manager: str, seconds: float, mib: float) -> str:
    """Return the bake against its targets (TARGETS), or nothing for a manager without any."""
    if manager not in TARGETS:
        return ""
    most_seconds, most_mb = TARGETS[manager]
    megabytes = mib * 2**20 / 10**6
    met = seconds <= most_seconds and megabytes <= most_mb
    return (
        f" ({megabytes:.0f} MB)   targets <= {most_seconds:.0f} s, <= {most_mb:.0f} MB:"
        f" {'met' if met else 'MISSED'}"
    )


def main() -> None:
    """Measure and print every figure, each against its baseline from this run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ccds",
        help="cookiecutter-data-science's template: a local checkout, or"
        " gh:drivendataorg/cookiecutter-data-science where GitHub is reachable",
    )
    parser.add_argument("--repeats", type=int, default=3, help="bakes per template (median)")
    parser.add_argument("--managers", nargs="+", default=list(MANAGERS), choices=MANAGERS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-template-") as tmp:
        work = Path(tmp)
        print("== bake without an environment (median of", args.repeats, "runs)")
        floor = median_bake(floor_template(work), work, "floor", args.repeats)
        ours = median_bake(ROOT, work, "ours", args.repeats, "init_git=false", "create_env=false")
        print(f"  one-file template (floor)     {floor:6.2f} s")
        print(f"  this template                 {ours:6.2f} s   x{ours / floor:.1f} the floor")
        if args.ccds is not None:
            ccds = median_bake(args.ccds, work, "ccds", args.repeats, cli="ccds")
            print(f"  cookiecutter-data-science     {ccds:6.2f} s   ours/ccds x{ours / ccds:.2f}")
        else:
            print(
                "  cookiecutter-data-science     not measured: its `ccds` command clones the"
                " template from GitHub (PyPI's wheel and sdist hold none); pass --ccds with a"
                " local checkout or gh:drivendataorg/cookiecutter-data-science"
            )

        print("== bake with the environment (lock, .venv, git), per manager")
        projects = {}
        bakes: dict[str, float] = {}
        for manager in args.managers:
            project, seconds, error = bake_with_env(work, manager)
            if error:
                print(f"  {manager:6} FAILED after {seconds:.1f} s:\n{error}")
                continue
            size = tree_size_mb(project / ".venv")
            checked = verdict(manager, seconds, size)
            print(f"  {manager:6} {seconds:6.1f} s   .venv {size:5.0f} MiB{checked}")
            if manager == "pip":
                floor_mib = runtime_only(project, work)
                print(
                    f"  {'':6} its runtime alone (`pip install .`, no dev tools): .venv"
                    f" {floor_mib:5.0f} MiB ({floor_mib * 2**20 / 10**6:.0f} MB)"
                )
            projects[manager] = (project, size)
            bakes[manager] = seconds
        index = 0.0
        if "uv" in projects:
            online, offline = index_share(projects["uv"][0], work)
            index = max(online - offline, 0.0)
            print(
                f"  uv: its lock from the index {online:.1f} s, from its cache alone"
                f" {offline:.2f} s: the index's share of the bake {index:.1f} s"
            )

        print("== the serving runtime (the Dockerfile's builder stages, run in folders)")
        for manager, (project, venv_size) in projects.items():
            sizes = serving_runtime(project, work / "runtime")
            print(
                f"  {manager:6} API (lean) {sizes['lean']:5.0f} MiB   batch (full)"
                f" {sizes['full']:5.0f} MiB   lean/full x{sizes['lean'] / sizes['full']:.2f}"
                f"   lean/dev .venv x{sizes['lean'] / venv_size:.2f}"
            )
            print(
                f"  {manager:6} API start-up imports, read-only as in the image:"
                f" {sizes['start']:.2f} s with the built bytecode, {sizes['start_cold']:.2f} s"
                f" without (x{sizes['start_cold'] / sizes['start']:.1f})"
            )

        print("== the generated `make test` (the first installs the ops group)")
        for manager, (project, size) in projects.items():
            seconds, error = timed(["make", "test"], project)
            status = "ok" if error is None else f"FAILED\n{error}"
            grown = tree_size_mb(project / ".venv") - size
            print(f"  {manager:6} {seconds:6.1f} s   {status}   .venv +{grown:.0f} MiB")
            if error is None:
                green = bakes[manager] + seconds
                print(f"  {manager:6} bake to a green make test: {green:6.1f} s")
                if manager == "uv" and index:
                    without = green - index
                    print(f"  {manager:6} the same without the index's share: {without:6.1f} s")
                again, error = timed(["make", "test"], project)
                status = "ok" if error is None else f"FAILED\n{error}"
                print(f"  {manager:6} {again:6.1f} s   again (as every later run): {status}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
