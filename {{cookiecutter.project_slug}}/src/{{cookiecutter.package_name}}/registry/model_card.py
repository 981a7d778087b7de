"""Render a model card in Markdown from the training metadata."""

from __future__ import annotations

from typing import Any

_METRIC_HELP = {
    "roc_auc": "ranking quality: chance a churner scores above a stayer",
    "pr_auc": "average precision over all thresholds",
    "f1": "harmonic mean of precision and recall at the threshold",
    "precision": "share of flagged customers who churned",
    "recall": "share of churners who were flagged",
    "accuracy": "share of correct labels at the threshold",
    "brier": "mean squared error of the probabilities (lower is better)",
    "log_loss": "cross-entropy of the probabilities (lower is better)",
    "expected_profit": "calls at the threshold: saved churners' value minus the calls' cost",
    "profit_call_everyone": "the same if every customer were called (calling no one: 0)",
    "contacted_share": "share of customers called at the threshold",
    "lift_top_decile": "churn rate among the top 10% of scores over the overall churn rate",
    "capture_top_decile": "share of all churners found in the top 10% of scores",
    "lift_at_budget": "lift among the customers the contact budget allows",
    "capture_at_budget": "share of all churners the contact budget reaches",
    "predicted_churn_share": "share predicted to churn at the threshold (the service's alert "
    "compares live traffic with it)",
}


_THRESHOLD_SOURCES = {
    "campaign_out_of_fold": "the `campaign` settings: the largest expected profit on "
    "out-of-fold predictions of the training split (the hold-out set never chose it)",
    "config": "`model.threshold` in the settings",
}


def _backend(metadata: dict[str, Any]) -> str:
    export = metadata.get("onnx") or {}
    if export.get("file"):
        return (
            f"ONNX Runtime (`{export['file']}`, {export['precision']} inputs; largest difference "
            f"from scikit-learn on the hold-out set {export['max_abs_diff']:.2g}, "
            f"tolerance {export['tolerance']:g})."
        )
    reason = export.get("reason", "no ONNX export was made")
    return f"scikit-learn (`{metadata['model_file']}`, skops format): {reason}."


def render_model_card(metadata: dict[str, Any]) -> str:
    """Return the model card of a trained model as Markdown."""
    metrics = metadata["metrics"]
    data = metadata["data"]
    source = metadata.get("threshold_source", "config")
    rows = "\n".join(
        f"| {name} | {metrics[name]:.4f} | {help_text} |"
        for name, help_text in _METRIC_HELP.items()
        if name in metrics
    )
    params = "\n".join(f"  - `{key}`: `{value!r}`" for key, value in metadata["params"].items())
    versions = ", ".join(
        f"{name} {version}" for name, version in metadata["library_versions"].items()
    )
    return f"""# Model card: churn model {metadata["model_version"]}

## Model details
- Estimator: `{metadata["estimator"]}` in a scikit-learn Pipeline (imputation, scaling,
  one-hot encoding of the schema's levels).
- Created: {metadata["created_at"]}; libraries: {versions}.
- Serving backend: {_backend(metadata)}
- Decision threshold: {metadata["threshold"]:.4f} (a customer is flagged when the churn
  probability is at least this), from {_THRESHOLD_SOURCES.get(source, source)}.
- Hyper-parameters:
{params}

## Intended use
Rank existing customers by their probability of cancelling so that retention offers reach
the likeliest churners first. Not for decisions about individuals without human review, and
not for customers unlike those in the training data.

## Training data
- File: `{data["path"]}` (SHA-256 `{data["sha256"][:16]}…`), {data["rows"]} rows,
  churn rate {data["churn_rate"]:.1%}.
- Stratified hold-out split: {metadata["split"]["test_size"]:.0%} test,
  seed {metadata["split"]["seed"]}; {metrics["n_train"]} training and {metrics["n_test"]}
  test rows.

## Hold-out metrics
| metric | value | meaning |
|---|---|---|
{rows}

Figures: `reports/figures/` in this version's folder (ROC, precision-recall, confusion
matrix, calibration, permutation feature importance, cumulative gains and lift, profit by
threshold), unless `evaluation.figures` was off. Profit figures are expected values: the
churners reached times `campaign.save_rate` times `campaign.retained_value`, minus
`campaign.contact_cost` per call; they are only as good as those three numbers.

## Caveats
- Metrics of a model trained on the bundled synthetic data say nothing about real
  customers; retrain on your own data before use.
- Gender and senior-citizen status are inputs. Check error rates per group before acting on
  the scores, and drop those columns if your use forbids them.
- Customer behaviour drifts: compare live churn with these figures and retrain regularly.
"""
