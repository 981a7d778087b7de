"""The model lifecycle: compare a candidate with production on the same data, promote, roll back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError, ModelError
from ..registry.store import (
    HOLDOUT_FILE,
    list_versions,
    newest_version,
    production_version,
    rollback_target,
    set_production,
    version_dir,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Config, PromotionConfig
    from .outcome import Tracker

#: Metrics where a smaller value is the better model.
LOWER_IS_BETTER = frozenset({"brier", "log_loss"})


@dataclass(frozen=True)
class Comparison:
    """Two models' metrics on the same data, and the gate's verdict on the candidate."""

    candidate: str
    baseline: str | None
    data: str
    candidate_metrics: dict[str, float]
    baseline_metrics: dict[str, float] | None
    gate: PromotionConfig
    rows: int | None = None  # labelled rows scored (None: metrics read from files)
    #: Per metric, the 95% interval of how much better the candidate scores (a paired
    #: bootstrap; positive is better, also where lower values are; None: metrics files).
    gains: dict[str, tuple[float, float]] | None = None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Return the 95% interval of the candidate's gain in the gate's metric."""
        return None if self.gains is None else self.gains[self.gate.metric]

    @property
    def too_few_rows(self) -> bool:
        """Return True if the models were scored on fewer rows than the gate needs."""
        return self.rows is not None and self.rows < self.gate.min_rows

    @property
    def passed(self) -> bool:
        """Return True if the candidate is not worse than the baseline beyond the tolerance."""
        if self.baseline_metrics is None:
            return True
        if self.too_few_rows:
            return False
        metric, tolerance = self.gate.metric, self.gate.tolerance
        if self.interval is not None:
            return self.interval[0] >= -tolerance
        new, old = self.candidate_metrics[metric], self.baseline_metrics[metric]
        if metric in LOWER_IS_BETTER:
            return new <= old + tolerance
        return new >= old - tolerance

    @property
    def verdict(self) -> str:
        """Return one line saying what the gate compared and decided."""
        metric, tolerance = self.gate.metric, self.gate.tolerance
        if self.baseline_metrics is None:
            return f"no {metric} to compare with: {self.candidate} passes"
        if self.too_few_rows:
            return (
                f"{self.candidate} is refused: {self.rows} labelled rows, fewer than the "
                f"{self.gate.min_rows} the gate needs (promotion.min_rows)"
            )
        new, old = self.candidate_metrics[metric], self.baseline_metrics[metric]
        word = "passes" if self.passed else "is refused"
        gain = ""
        if self.interval is not None:
            gain = f", 95% interval of the gain [{self.interval[0]:+.4f}, {self.interval[1]:+.4f}]"
        return (
            f"{self.candidate} {word}: {metric} {new:.4f} against {old:.4f} for "
            f"{self.baseline}{gain} (tolerance {tolerance:g})"
        )


@dataclass(frozen=True)
class Promotion:
    """The outcome of ``promote``: the comparison, and the history record if it switched."""

    comparison: Comparison
    record: dict[str, Any] | None

    @property
    def promoted(self) -> bool:
        """Return True if production now names the candidate."""
        return self.record is not None


def score_version(models_dir: Path, version: str, features: pd.DataFrame) -> tuple[Any, float]:
    """Return a version's churn probabilities for parsed features, and its threshold."""
    from ..inference.predictor import load_predictor

    predictor = load_predictor(version_dir(models_dir, version))
    return predictor.predict_frame(features), predictor.threshold


def default_candidate(models_dir: Path) -> str:
    """Return the newest version, which must not already be production."""
    newest = newest_version(models_dir)
    if newest == production_version(models_dir):
        raise ModelError(f"the newest version {newest} is already production")
    return newest


def compare(
    config: Config, candidate: str, data_path: Path | None, baseline: str | None
) -> Comparison:
    """Score ``candidate`` and ``baseline`` (None: the candidate alone) on the same rows.

    The rows are ``data_path``, else the candidate's hold-out set.
    """
    # Scoring imports pandas and scikit-learn: here, not at the top, so that `models list`,
    # `models history` and `rollback` answer without loading either.
    from ..data.load import load_labelled, split_xy
    from ..models.evaluate import bootstrap_intervals, compute_metrics

    models_dir, gate = config.paths.models_dir, config.promotion
    path = data_path or version_dir(models_dir, candidate) / HOLDOUT_FILE
    features, target = split_xy(load_labelled(path))
    scored = [score_version(models_dir, name, features) for name in (candidate, baseline) if name]
    gains = None
    if len(scored) == 2 and len(target) >= gate.min_rows:
        differences = bootstrap_intervals(target, scored, gate.resamples, config.seed)
        gains = {
            name: (0.0 - high, 0.0 - low) if name in LOWER_IS_BETTER else (low, high)
            for name, (low, high) in differences.items()
        }
    metrics = [compute_metrics(target, *version) for version in scored]
    return Comparison(
        candidate=candidate,
        baseline=baseline,
        data=f"{path} ({len(target)} rows)",
        candidate_metrics=metrics[0],
        baseline_metrics=metrics[1] if baseline else None,
        gate=gate,
        rows=len(target),
        gains=gains,
    )


def promote(
    config: Config,
    version: str | None = None,
    data_path: Path | None = None,
    *,
    reason: str | None = None,
    force: bool = False,
    tracker: Tracker | None = None,
) -> Promotion:
    """Gate ``version`` (default: the newest) against production and switch if it passes.

    ``force`` switches whatever the gate says and needs a ``reason``; both are recorded. It
    also replaces a production that no longer loads (damaged files, or trained before a
    change of the data schema), which the gate cannot score.
    """
    models_dir = config.paths.models_dir
    if force and not (reason and reason.strip()):
        raise ModelError("--force needs --reason TEXT saying why the gate is overridden")
    candidate = version or default_candidate(models_dir)
    production = production_version(models_dir)
    if candidate == production:
        raise ModelError(f"{candidate} is already the production version")
    broken = load_problem(version_dir(models_dir, production)) if production else None
    if broken and not force:
        raise ModelError(
            f"production {production} cannot be scored, so the gate cannot compare: {broken} "
            f"(promote {candidate} --force --reason TEXT replaces it)"
        )
    if tracker is not None:  # before the switch, so a broken store leaves production as it is
        tracker.open()
    comparison = compare(config, candidate, data_path, None if broken else production)
    if not (comparison.passed or force):
        return Promotion(comparison, None)
    metric = config.promotion.metric
    record = set_production(
        models_dir,
        candidate,
        "promote" if comparison.passed and not broken else "force",
        reason or comparison.verdict,
        metric=metric,
        candidate_value=comparison.candidate_metrics[metric],
        production_value=(comparison.baseline_metrics or {}).get(metric),
        gain_interval=comparison.interval,
        data=comparison.data,
    )
    if tracker is not None:
        tracker.promoted(candidate)
    return Promotion(comparison, record)


def roll_back(config: Config, reason: str | None, tracker: Tracker | None = None) -> dict[str, Any]:
    """Return production to the version before the current one; record who and why.

    A version that would not load (the check of ``serve``) is refused: rolling back to it
    would take the service down.
    """
    models_dir = config.paths.models_dir
    target = rollback_target(models_dir)
    problem = load_problem(version_dir(models_dir, target))
    if problem:
        raise ModelError(
            f"cannot roll back to {target}, which would not load: {problem} "
            "(promote VERSION --force --reason TEXT switches to another)"
        )
    record = set_production(models_dir, target, "rollback", reason)
    if tracker is not None:
        tracker.promoted(str(record["version"]))
    return record


def load_problem(folder: Path) -> str | None:
    """Return why serving would refuse the version in ``folder``, or None if it loads."""
    from ..inference.predictor import load_predictor

    try:
        load_predictor(folder)
    except ModelError as exc:
        return str(exc)
    return None


def version_summaries(models_dir: Path) -> list[dict[str, Any]]:
    """Return each version's name, estimator, threshold and hold-out metrics.

    Each version is loaded as serving loads it (``load_predictor``); one that fails is
    listed with the reason instead.
    """
    from ..inference.predictor import load_predictor

    summaries = []
    for name in list_versions(models_dir):
        try:
            metadata = load_predictor(version_dir(models_dir, name)).metadata
        except ModelError as exc:
            summaries.append({"version": name, "problem": str(exc)})
            continue
        summaries.append(
            {
                "version": name,
                "metrics": metadata["metrics"],
                "estimator": metadata["estimator"],
                "threshold": metadata["threshold"],
            }
        )
    return summaries


def read_metrics(path: Path) -> dict[str, float]:
    """Read a ``metrics.json`` written by train or evaluate."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"metrics file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise DataError(f"{path}: expected a JSON object of metrics")
    return {str(key): value for key, value in payload.items() if isinstance(value, int | float)}


def compare_files(config: Config, baseline: Path, current: Path) -> Comparison:
    """Gate the metrics in ``current`` against ``baseline`` (CI: a PR against its base)."""
    old, new = read_metrics(baseline), read_metrics(current)
    for path, metrics in ((baseline, old), (current, new)):
        if config.promotion.metric not in metrics:
            raise DataError(f"{path}: no {config.promotion.metric}")
    return Comparison(
        str(current),
        str(baseline),
        "the hold-outs of the two metrics files",
        new,
        old,
        config.promotion,
    )
