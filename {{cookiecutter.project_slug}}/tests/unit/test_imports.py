"""The import graph: no cycle, and no module imports from a higher layer."""

import ast
import graphlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import {{ cookiecutter.package_name }}

PACKAGE_DIR = Path({{ cookiecutter.package_name }}.__file__).parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, name: str) -> set[str]:
    """Every module ``path`` imports, at any depth (lazy and TYPE_CHECKING imports count)."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            anchor = base[: len(base) - node.level + 1] if node.level else []
            target = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Map each module of the package at ``root`` to the package modules it imports."""
    imports = {
        module_name(path, root): imported_modules(path, module_name(path, root))
        for path in root.rglob("*.py")
    }
    return {name: (found & set(imports)) - {name} for name, found in imports.items()}


def cycle_in(root: Path) -> list[str] | None:
    try:
        tuple(graphlib.TopologicalSorter(import_graph(root)).static_order())
    except graphlib.CycleError as error:
        cycle: list[str] = error.args[1]
        return cycle
    return None


def test_the_package_has_no_import_cycle() -> None:
    assert cycle_in(PACKAGE_DIR) is None


def test_training_receives_its_tracker_instead_of_importing_one() -> None:
    graph = import_graph(PACKAGE_DIR)
    package = PACKAGE_DIR.name
    assert f"{package}.pipelines.tracking" not in graph[f"{package}.pipelines.training"]


@pytest.mark.parametrize("lazy", [False, True])
def test_the_check_finds_a_cycle_even_through_a_lazy_import(tmp_path: Path, lazy: bool) -> None:
    package = tmp_path / "demo"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "a.py").write_text("from ..b import run\n")
    back = "def f() -> None:\n    from .sub import a\n" if lazy else "from .sub.a import x\n"
    (package / "b.py").write_text(back)
    assert cycle_in(package) is not None


#: The package's layers, bottom-up: a module imports only from its own layer or lower ones.
#: A name is a subpackage or a module of the package; ``""`` is the package itself.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("", "errors", "files", "logs"),
    ("data",),
    ("monitoring",),  # drift statistics, reports and score logs: numbers in, files out
    ("config",),  # the settings file, with monitoring's drift thresholds
    ("features",),
    ("models",),  # fitting and judging a model
    ("registry",),  # the version store
    ("inference",),  # encoding, ONNX export, the predictor
    ("pipelines",),  # the flows the commands run
    ("serving",),
    ("cli_io", "cli_lifecycle",{% if cookiecutter.use_spark %} "cli_spark",{% endif %} "cli", "__main__"),
)


def layer_of(module: str, package: str) -> int:
    """Return the layer index of a package module (its longest listed name counts)."""
    relative = module.removeprefix(package).removeprefix(".")
    for index, names in enumerate(LAYERS):
        if relative in names or relative.split(".")[0] in names:
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def upward_imports(root: Path) -> list[str]:
    """Return ``importer -> imported`` for each import of a module from a higher layer."""
    package = root.name
    return sorted(
        f"{module} -> {target}"
        for module, targets in import_graph(root).items()
        for target in targets
        if layer_of(target, package) > layer_of(module, package)
    )


def test_no_module_imports_from_a_higher_layer() -> None:
    assert upward_imports(PACKAGE_DIR) == []


@pytest.mark.parametrize(
    "body",
    [
        "from ..pipelines.flow import run\n",
        "def f() -> None:\n    from ..pipelines import flow\n",
        "import typing\nif typing.TYPE_CHECKING:\n    from ..pipelines.flow import run\n",
    ],
    ids=["top", "lazy", "type-checking"],
)
def test_the_check_finds_an_upward_import_wherever_it_is(tmp_path: Path, body: str) -> None:
    package = tmp_path / "demo"
    for folder in ("data", "pipelines"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "pipelines" / "flow.py").write_text("from ..data.parse import x\n")
    (package / "data" / "parse.py").write_text(body)
    assert "demo.data.parse -> demo.pipelines.flow" in upward_imports(package)


def test_importing_the_package_keeps_onnx_runtime_from_writing_under_home(
    tmp_path: Path,
) -> None:
    """ONNX Runtime 1.32 writes a device id under ~/.cache unless opted out: the package is."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORT_")}
    script = "import {{ cookiecutter.package_name }}, onnxruntime"
    subprocess.run([sys.executable, "-c", script], env={**env, "HOME": str(tmp_path)}, check=True)
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
