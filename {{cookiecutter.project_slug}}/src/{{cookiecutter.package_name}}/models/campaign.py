"""A retention campaign's economics: expected profit, its best threshold, lift and capture."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..config import CampaignConfig


def max_contacts(campaign: CampaignConfig, rows: int) -> int:
    """Return how many of ``rows`` customers the budget lets the campaign call."""
    budget = campaign.budget
    if budget is None:
        return rows
    return min(rows, math.floor(budget * rows) if budget < 1 else int(budget))


def profit_curve(
    target: pd.Series, probabilities: np.ndarray, campaign: CampaignConfig
) -> pd.DataFrame:
    """Return, for each threshold, the customers called, churners reached and expected profit.

    Calling the k highest scores reaches c churners; the offer saves ``save_rate`` of them,
    each worth ``retained_value``, and every call costs ``contact_cost``.
    """
    order = np.argsort(-np.asarray(probabilities), kind="stable")
    scores = np.asarray(probabilities)[order]
    reached = np.cumsum(np.asarray(target)[order])
    called = np.arange(1, len(scores) + 1)
    profit = reached * campaign.save_rate * campaign.retained_value - called * campaign.contact_cost
    last_of_ties = np.r_[scores[1:] < scores[:-1], True]
    return pd.DataFrame(
        {"threshold": scores, "contacted": called, "churners": reached, "profit": profit}
    )[last_of_ties]


def best_threshold(target: pd.Series, probabilities: np.ndarray, campaign: CampaignConfig) -> float:
    """Return the threshold of the largest expected profit within the contact budget."""
    curve = profit_curve(target, probabilities, campaign)
    curve = curve[curve["contacted"] <= max(1, max_contacts(campaign, len(target)))]
    best = float(curve.loc[curve["profit"].idxmax(), "threshold"])
    return min(max(best, 1e-6), 1 - 1e-6)  # a threshold lies strictly between 0 and 1


def _reach(curve: pd.DataFrame, contacts: int, churners: int, rows: int) -> tuple[float, float]:
    """Return the lift and the capture rate of calling the ``contacts`` highest scores."""
    reached = curve.loc[curve["contacted"] <= contacts, "churners"].max()
    reached = 0 if pd.isna(reached) else reached
    share = contacts / rows
    capture = reached / churners
    return (capture / share if share else 0.0), capture


def campaign_metrics(
    target: pd.Series, probabilities: np.ndarray, threshold: float, campaign: CampaignConfig
) -> dict[str, float]:
    """Return the expected profit at ``threshold`` against calling everyone, lift and capture."""
    curve = profit_curve(target, probabilities, campaign)
    rows, churners = len(target), int(np.sum(target))
    at = curve[curve["threshold"] >= threshold]
    lift, capture = _reach(curve, math.ceil(0.1 * rows), churners, rows)
    budget_lift, budget_capture = _reach(curve, max_contacts(campaign, rows), churners, rows)
    metrics = {
        "expected_profit": at["profit"].iloc[-1] if len(at) else 0.0,
        "profit_call_everyone": curve["profit"].iloc[-1],
        "contacted_share": (at["contacted"].iloc[-1] if len(at) else 0) / rows,
        "lift_top_decile": lift,
        "capture_top_decile": capture,
        "lift_at_budget": budget_lift,
        "capture_at_budget": budget_capture,
    }
    return {name: round(float(value), 6) for name, value in metrics.items()}
