import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer

from {{ cookiecutter.package_name }}.models.plots import (
    FIGURE_NAMES,
    draw_figures,
)


def drawn() -> dict[str, object]:
    rng = np.random.default_rng(0)
    target = pd.Series(rng.integers(0, 2, 200))
    probabilities = np.clip(target * 0.4 + rng.uniform(0, 0.6, 200), 0, 1)
    importances = pd.DataFrame(
        {"importance": [0.1, 0.02], "importance_std": [0.01, 0.005]}, index=["tenure", "gender"]
    )
    return dict(draw_figures(target, probabilities, 0.5, importances))


def test_every_figure_is_drawn() -> None:
    assert tuple(drawn()) == FIGURE_NAMES


def test_the_curves_name_the_positive_class_churn() -> None:
    figures = drawn()
    for name in ("roc_curve", "precision_recall_curve", "calibration_curve"):
        (axes,) = figures[name].axes  # type: ignore[attr-defined]
        assert "Churn" in axes.get_xlabel() + axes.get_ylabel(), name
        assert "label: 1" not in axes.get_xlabel() + axes.get_ylabel(), name


def test_the_precision_recall_baseline_is_in_the_legend() -> None:
    (axes,) = drawn()["precision_recall_curve"].axes  # type: ignore[attr-defined]
    entries = [text.get_text() for text in axes.get_legend().get_texts()]
    assert len(entries) == 2
    assert any("chance" in entry.lower() for entry in entries), entries


def test_the_importances_show_their_spread() -> None:
    (axes,) = drawn()["feature_importance"].axes  # type: ignore[attr-defined]
    (bars,) = [item for item in axes.containers if isinstance(item, BarContainer)]
    assert bars.errorbar is not None
    (segments,) = bars.errorbar.lines[2]
    widths = sorted(abs(x1 - x0) for (x0, _), (x1, _) in segments.get_segments())
    assert widths == pytest.approx([0.01, 0.02])
