"""Write the drift check as one self-contained HTML page: a verdict, a table and plots."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..files import write_text

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
    "table{border-collapse:collapse}td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd}"
    ".drift{color:#b00020;font-weight:bold}.ok{color:#1b5e20}"
    "img{max-width:100%}"
)
_COLORS = ("#4c72b0", "#dd8452")


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _draw(
    axes: Axes, name: str, entry: dict[str, Any], reference: pd.Series, current: pd.Series
) -> None:
    """Draw overlaid histograms (numeric) or side-by-side level shares (categorical)."""
    if entry["kind"] == "categorical":
        levels = list(entry["reference"])
        at = np.arange(len(levels))
        for offset, label in enumerate(("reference", "current")):
            values = [entry[label][level] for level in levels]
            axes.bar(at + (offset - 0.5) * 0.4, values, 0.4, label=label, color=_COLORS[offset])
        axes.set_xticks(at, [level[:12] for level in levels], fontsize=7)
    else:
        ref, cur = reference.dropna().to_numpy(float), current.dropna().to_numpy(float)
        both = np.concatenate([ref, cur])
        bins = list(np.histogram_bin_edges(both, bins=30)) if both.size else 10
        for offset, (label, values) in enumerate((("reference", ref), ("current", cur))):
            axes.hist(
                values, bins=bins, density=True, alpha=0.55, label=label, color=_COLORS[offset]
            )
    flag = " (drift)" if entry["drift"] else ""
    axes.set_title(
        f"{name}: {entry['score']:.3f}{flag}", fontsize=9, color="#b00020" if flag else "black"
    )
    axes.tick_params(labelsize=7)


def _plots(
    features: dict[str, dict[str, Any]], reference: pd.DataFrame, current: pd.DataFrame
) -> str:
    """Return one base64 PNG with a panel per feature (one figure: one render)."""
    columns = 4
    rows = -(-len(features) // columns)
    figure = Figure(figsize=(4 * columns, 2.6 * rows))
    figure.subplots_adjust(left=0.04, right=0.99, top=0.96, bottom=0.04, hspace=0.55, wspace=0.25)
    for index, (name, entry) in enumerate(features.items()):
        axes = figure.add_subplot(rows, columns, index + 1)
        _draw(axes, name, entry, reference[name], current[name])
        if index == 0:
            axes.legend(fontsize=7)
    return _png(figure)


def _row(name: str, entry: dict[str, Any]) -> str:
    verdict = '<span class="drift">drift</span>' if entry["drift"] else '<span class="ok">ok</span>'
    return (
        f"<tr><td>{html.escape(name)}</td><td>{entry['kind']}</td><td>{entry['method']}</td>"
        f"<td>{entry['score']:.4f}</td><td>{entry['threshold']:g}</td><td>{verdict}</td></tr>"
    )


def render_report(summary: dict[str, Any], reference: pd.DataFrame, current: pd.DataFrame) -> str:
    """Return the HTML page of a drift summary, with a plot panel per feature."""
    detected = summary["drift_detected"]
    verdict = "DRIFT DETECTED" if detected else "No drift detected"
    features: dict[str, dict[str, Any]] = summary["features"]
    rows = [_row(name, entry) for name, entry in features.items()]
    prediction = summary["prediction"]
    if "skipped" in prediction:
        predicted = f"<p>Prediction drift skipped: {html.escape(prediction['skipped'])}</p>"
    else:
        rows.append(
            _row("churn_probability (model " + prediction["model_version"] + ")", prediction)
        )
        predicted = (
            f"<p>Share predicted to churn: reference {prediction['reference']['churn_share']:.1%}, "
            f"current {prediction['current']['churn_share']:.1%}.</p>"
        )
    plots = (
        f'<img alt="reference and current distribution of each feature" '
        f'src="data:image/png;base64,{_plots(features, reference, current)}">'
    )
    ref, cur = summary["reference"], summary["current"]
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Drift report</h1>"
        f'<p class="{"drift" if detected else "ok"}">{verdict}: '
        f"{len(summary['drifted_features'])} of {len(features)} features drifted "
        f"(share {summary['drifted_share']:.2f}, limit {summary['thresholds']['drift_share']:g})"
        f"{'; predictions drifted' if summary['prediction_drift'] else ''}.</p>"
        f"<p>Reference: {html.escape(ref['path'])} ({ref['rows']:,} rows). "
        f"Current: {html.escape(cur['path'])} ({cur['rows']:,} rows). "
        f"Created {summary['created_at']}.</p>{predicted}"
        "<table><tr><th>column</th><th>kind</th><th>method</th><th>score</th>"
        f"<th>threshold</th><th>verdict</th></tr>{''.join(rows)}</table>"
        f"<h2>Distributions</h2>{plots}</body></html>\n"
    )


def write_report(
    path: Path, summary: dict[str, Any], reference: pd.DataFrame, current: pd.DataFrame
) -> None:
    """Write the HTML report of a drift summary atomically."""
    write_text(path, render_report(summary, reference, current))
