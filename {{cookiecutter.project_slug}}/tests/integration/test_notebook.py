import json
import os
from pathlib import Path

import matplotlib
import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_exploration.ipynb"


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
    for index, cell in enumerate(code_cells):
        source = "".join(cell["source"])
        exec(compile(source, f"{NOTEBOOK.name}[{index}]", "exec"), namespace)
    assert (tmp_path / "data" / "raw" / "telco_churn.csv").is_file()
    assert os.getcwd() == str(tmp_path)
