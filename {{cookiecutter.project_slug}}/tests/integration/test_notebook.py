import ast
import json
import os
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_exploration.ipynb"
# What a cell may leave as its displayed value: tables, text and numbers, not artists.
SHOWN = (pd.DataFrame, pd.Series, str, int, float)


def run_cell(source: str, name: str, namespace: dict[str, object]) -> object:
    """Run a cell as Jupyter does; return the value its last expression would display."""
    tree = ast.parse(source, name)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and not source.rstrip().endswith(";"):
        body = ast.Module(body=tree.body[:-1], type_ignores=[])
        exec(compile(body, name, "exec"), namespace)
        return eval(compile(ast.Expression(last.value), name, "eval"), namespace)
    exec(compile(tree, name, "exec"), namespace)
    return None


def test_the_exploration_notebook_runs_top_to_bottom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "config.yaml").write_text("data:\n  synthetic_rows: 500\n")
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    namespace: dict[str, object] = {"__name__": "__main__"}
    code_cells = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code_cells
    stray = []
    for index, cell in enumerate(code_cells):
        name = f"{NOTEBOOK.name}[{index}]"
        shown = run_cell("".join(cell["source"]), name, namespace)
        if shown is not None and not isinstance(shown, SHOWN):
            stray.append(f"{name}: {shown!r}")
    assert stray == [], "cells that would display a stray object repr"
    assert (tmp_path / "data" / "raw" / "telco_churn.csv").is_file()
    assert os.getcwd() == str(tmp_path)


def test_the_notebook_is_committed_without_outputs() -> None:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code_cells = [cell for cell in cells if cell["cell_type"] == "code"]
    assert [cell["outputs"] for cell in code_cells] == [[] for _ in code_cells]
    assert {cell["execution_count"] for cell in code_cells} == {None}
