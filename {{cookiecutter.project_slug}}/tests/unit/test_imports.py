import ast
import graphlib
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
