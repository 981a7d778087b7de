"""Seeded synthetic customers in the exact raw Telco format, with a learnable churn signal."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..errors import DataError
from ..files import atomic_path
from .io import file_format
from .schema import (
    CATEGORICAL_LEVELS,
    INTEGER_COLUMNS,
    INTERNET_ADDONS,
    NO,
    NO_INTERNET,
    NO_PHONE,
    NUMERIC_RANGES,
    RAW_COLUMNS,
    YES,
)

#: Share of churners in the published data set (1,869 of 7,043).
CHURN_RATE = 0.2654
#: Share of customers with tenure 0 and a blank ``TotalCharges`` (11 of 7,043).
NEW_CUSTOMER_RATE = 11 / 7043

#: Each internet add-on's take-up rate and monthly price.
_ADDONS = {
    "OnlineSecurity": (0.37, 5.0),
    "OnlineBackup": (0.44, 5.0),
    "DeviceProtection": (0.44, 5.0),
    "TechSupport": (0.37, 5.0),
    "StreamingTV": (0.49, 10.0),
    "StreamingMovies": (0.50, 10.0),
}


@dataclass(frozen=True)
class _Population:
    """The shares and scales that set who the customers are."""

    contract: tuple[float, float, float] = (0.55, 0.21, 0.24)
    internet: tuple[float, float, float] = (0.344, 0.44, 0.216)
    payment: tuple[float, float, float, float] = (0.39, 0.17, 0.22, 0.22)
    senior: float = 0.162
    tenure_scale: float = 17.0
    price_shift: float = 0.0
    churn_shift: float = 0.0


_BASE = _Population()
#: The ``drift=True`` population: more month-to-month fibre customers paying by electronic
#: check, more seniors, newer and paying more, with a higher churn rate.
_DRIFTED = _Population(
    contract=(0.75, 0.15, 0.10),
    internet=(0.25, 0.62, 0.13),
    payment=(0.55, 0.13, 0.16, 0.16),
    senior=0.25,
    tenure_scale=9.0,
    price_shift=8.0,
    churn_shift=0.5,
)


def _choice(
    rng: np.random.Generator, levels: tuple[str, ...], p: Sequence[float], n: int
) -> np.ndarray:
    return rng.choice(np.array(levels, dtype=object), size=n, p=p)


def _yes(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    return np.where(rng.random(n) < p, YES, NO).astype(object)


def _money(values: np.ndarray) -> list[str]:
    """Format amounts as the raw file does: two decimals at most, no trailing zeros."""
    return [f"{value:.2f}".rstrip("0").rstrip(".") for value in values]


def _customer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    letters = np.array(list(string.ascii_uppercase))
    ids: set[str] = set()
    while len(ids) < n:
        need = n - len(ids)
        digits = rng.integers(0, 10_000, size=need)
        tails = rng.choice(letters, size=(need, 5))
        ids.update(f"{d:04d}-{''.join(t)}" for d, t in zip(digits, tails, strict=True))
    return rng.permutation(np.array(sorted(ids), dtype=object))


def _tenure(rng: np.random.Generator, contract: np.ndarray, scale: float) -> np.ndarray:
    n = len(contract)
    monthly = np.ceil(rng.exponential(scale, size=n))
    one_year = np.rint(rng.triangular(1, 45, 72, size=n))
    two_year = np.rint(rng.triangular(1, 72, 72, size=n))
    tenure = np.select(
        [contract == "Month-to-month", contract == "One year"], [monthly, one_year], two_year
    )
    return np.asarray(np.clip(tenure, 1, 72), dtype=np.int64)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def _intercept(logit: np.ndarray, rate: float) -> float:
    """Find the intercept that makes the mean churn probability equal ``rate``."""
    return float(brentq(lambda shift: _sigmoid(logit + shift).mean() - rate, -20.0, 20.0))


def generate(rows: int = 7043, seed: int = 42, *, drift: bool = False) -> pd.DataFrame:
    """Return ``rows`` synthetic customers as text columns in raw Telco order and format.

    The file's quirks are kept: ``SeniorCitizen`` is 0/1, the other flags are "Yes"/"No"
    with "No internet service" / "No phone service" levels, ``Churn`` is "Yes"/"No", and
    new customers (tenure 0) have a single space in ``TotalCharges``. With ``drift`` the
    population is shifted (see ``_DRIFTED``), as when the customer base changes.
    """
    mix = _DRIFTED if drift else _BASE
    if rows < 1:
        raise DataError(f"rows must be at least 1, got {rows}")
    rng = np.random.default_rng(seed)
    n = rows
    gender = _choice(rng, CATEGORICAL_LEVELS["gender"], [0.495, 0.505], n)
    senior = (rng.random(n) < mix.senior).astype(np.int64)
    partner = _yes(rng, 0.483, n)
    dependents = _yes(rng, np.where(partner == YES, 0.52, 0.10), n)
    contract = _choice(rng, CATEGORICAL_LEVELS["Contract"], mix.contract, n)
    tenure = _tenure(rng, contract, mix.tenure_scale)

    internet = _choice(rng, CATEGORICAL_LEVELS["InternetService"], mix.internet, n)
    # As in the published file, every customer without phone service has DSL (682 of its
    # 2,421 DSL customers): each customer has at least one service.
    phone = np.where(internet == "DSL", _yes(rng, 1 - 682 / 2421, n), YES).astype(object)
    multiple = np.where(phone == NO, NO_PHONE, _yes(rng, 0.47, n)).astype(object)
    has_internet = internet != NO
    loyalty = np.clip(tenure / 72.0, 0.0, 1.0)
    addons = {}
    for column in INTERNET_ADDONS:
        p = np.clip(_ADDONS[column][0] - 0.15 + 0.3 * loyalty, 0.02, 0.98)
        addons[column] = np.where(has_internet, _yes(rng, p, n), NO_INTERNET).astype(object)

    paperless = _yes(rng, np.where(internet == "Fiber optic", 0.72, 0.52), n)
    payment = np.where(
        has_internet,
        _choice(rng, CATEGORICAL_LEVELS["PaymentMethod"], mix.payment, n),
        _choice(rng, CATEGORICAL_LEVELS["PaymentMethod"], [0.10, 0.48, 0.21, 0.21], n),
    ).astype(object)

    charges = np.where(phone == YES, 20.0, 0.0) + np.where(multiple == YES, 5.0, 0.0)
    charges += np.select([internet == "DSL", internet == "Fiber optic"], [25.0, 50.0], 0.0)
    for column in INTERNET_ADDONS:
        charges += np.where(addons[column] == YES, _ADDONS[column][1], 0.0)
    charges += rng.normal(mix.price_shift, 0.04 * charges)  # 18.25, the floor, stays rare
    monthly = np.clip(np.round(charges * 20) / 20, 18.25, 118.75)
    total = np.round(tenure * monthly * rng.uniform(0.93, 1.07, size=n) * 20) / 20
    total = np.maximum(total, monthly)

    logit = (
        np.select([contract == "Month-to-month", contract == "One year"], [1.2, -0.1], -1.4)
        - 0.55 * np.log1p(tenure)
        + 0.75 * (internet == "Fiber optic")
        - 0.35 * (internet == NO)
        + 0.45 * (payment == "Electronic check")
        + 0.30 * (paperless == YES)
        + 0.30 * senior
        - 0.15 * (partner == YES)
        - 0.15 * (dependents == YES)
        + 0.30 * (addons["OnlineSecurity"] == NO)
        + 0.30 * (addons["TechSupport"] == NO)
        + 0.12 * (addons["StreamingTV"] == YES)
        + 0.012 * (monthly - 65.0)
        + rng.normal(0.0, 0.6, size=n)
    )
    churn = rng.random(n) < _sigmoid(logit + _intercept(logit, CHURN_RATE) + mix.churn_shift)

    new = np.zeros(n, dtype=bool)
    long_contract = np.flatnonzero(contract != "Month-to-month")
    n_new = min(len(long_contract), max(1 if n >= 10 else 0, round(n * NEW_CUSTOMER_RATE)))
    new[rng.choice(long_contract, size=n_new, replace=False)] = True
    tenure[new] = 0
    churn[new] = False
    total_text = np.array(_money(total), dtype=object)
    total_text[new] = " "

    frame = pd.DataFrame(
        {
            "customerID": _customer_ids(rng, n),
            "gender": gender,
            "SeniorCitizen": senior.astype(str),
            "Partner": partner,
            "Dependents": dependents,
            "tenure": tenure.astype(str),
            "PhoneService": phone,
            "MultipleLines": multiple,
            "InternetService": internet,
            **addons,
            "Contract": contract,
            "PaperlessBilling": paperless,
            "PaymentMethod": payment,
            "MonthlyCharges": _money(monthly),
            "TotalCharges": total_text,
            "Churn": np.where(churn, YES, NO),
        }
    )
    for column in RAW_COLUMNS:  # a column added to data/schema.py: drawn from the schema
        if column not in frame:
            frame[column] = _from_schema(column, rng, n)
    return frame.loc[:, list(RAW_COLUMNS)].astype(object)


def _from_schema(column: str, rng: np.random.Generator, n: int) -> list[str]:
    """Return text values of a column this generator does not model: no churn signal."""
    if column in CATEGORICAL_LEVELS:
        return [str(level) for level in rng.choice(CATEGORICAL_LEVELS[column], size=n)]
    low, high = NUMERIC_RANGES[column]
    if column in INTEGER_COLUMNS:
        return [str(value) for value in rng.integers(int(low), int(high), endpoint=True, size=n)]
    return _money(rng.uniform(low, high, size=n))


def write_synthetic(path: Path, rows: int = 7043, seed: int = 42, *, drift: bool = False) -> Path:
    """Write a synthetic raw file atomically, CSV or Parquet by extension (text columns both)."""
    kind = file_format(path)
    frame = generate(rows, seed, drift=drift)
    with atomic_path(path) as tmp:
        if kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return path
