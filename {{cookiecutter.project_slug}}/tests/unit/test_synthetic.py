import re
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.data.load import parse_raw
from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    INTERNET_ADDONS,
    RAW_COLUMNS,
)
from {{ cookiecutter.package_name }}.data.synthetic import (
    generate,
    write_synthetic,
)
from {{ cookiecutter.package_name }}.errors import DataError


def test_it_writes_the_raw_columns_as_text() -> None:
    frame = generate(300, seed=1)
    assert tuple(frame.columns) == RAW_COLUMNS
    assert all(isinstance(value, str) for value in frame.iloc[0])


def test_it_is_reproducible_for_a_seed_and_differs_across_seeds() -> None:
    assert generate(200, seed=3).equals(generate(200, seed=3))
    assert not generate(200, seed=3).equals(generate(200, seed=4))


def test_it_keeps_the_quirks_of_the_published_file() -> None:
    frame = generate(2000, seed=5)
    new = frame["tenure"] == "0"
    assert new.any()
    assert (frame.loc[new, "TotalCharges"] == " ").all()
    assert (frame.loc[~new, "TotalCharges"] != " ").all()
    assert set(frame["SeniorCitizen"]) == {"0", "1"}
    assert set(frame["Churn"]) == {"Yes", "No"}
    assert frame["customerID"].is_unique
    assert frame["customerID"].map(lambda v: bool(re.fullmatch(r"\d{4}-[A-Z]{5}", v))).all()
    no_internet = frame["InternetService"] == "No"
    for column in INTERNET_ADDONS:
        assert (frame.loc[no_internet, column] == "No internet service").all()
        assert (frame.loc[~no_internet, column] != "No internet service").all()
    no_phone = frame["PhoneService"] == "No"
    assert (frame.loc[no_phone, "MultipleLines"] == "No phone service").all()
    assert (frame.loc[no_phone, "InternetService"] == "DSL").all()  # no one without a service
    assert (frame["MonthlyCharges"].astype(float) == 18.25).mean() < 0.01  # the file's minimum
    for column, levels in CATEGORICAL_LEVELS.items():
        assert set(frame[column]) <= set(levels)


def test_it_has_a_realistic_churn_signal() -> None:
    frame = parse_raw(generate(7043, seed=42))
    assert 0.22 < frame["Churn"].mean() < 0.31
    by_contract = frame.groupby("Contract", observed=True)["Churn"].mean()
    assert by_contract["Month-to-month"] > 3 * by_contract["Two year"]
    fibre = frame.groupby("InternetService", observed=True)["Churn"].mean()
    assert fibre["Fiber optic"] > fibre["DSL"]
    assert (
        frame.loc[frame["tenure"] < 12, "Churn"].mean()
        > frame.loc[frame["tenure"] > 48, "Churn"].mean()
    )


def test_the_drift_option_shifts_the_population_reproducibly() -> None:
    base = parse_raw(generate(4000, seed=9))
    drifted = parse_raw(generate(4000, seed=9, drift=True))
    assert generate(300, seed=2, drift=True).equals(generate(300, seed=2, drift=True))
    month_to_month = (drifted["Contract"] == "Month-to-month").mean()
    assert month_to_month > (base["Contract"] == "Month-to-month").mean() + 0.1
    assert drifted["tenure"].mean() < base["tenure"].mean()
    assert drifted["MonthlyCharges"].mean() > base["MonthlyCharges"].mean()
    assert drifted["Churn"].mean() > base["Churn"].mean()


def test_a_parquet_name_gets_parquet_with_the_same_text_columns(tmp_path: Path) -> None:
    path = write_synthetic(tmp_path / "raw.parquet", rows=30, seed=2)
    assert path.read_bytes()[:4] == b"PAR1"
    pd.testing.assert_frame_equal(pd.read_parquet(path), generate(30, seed=2), check_dtype=False)


def test_an_unknown_extension_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"raw\.txt: unknown extension '\.txt'"):
        write_synthetic(tmp_path / "raw.txt", rows=30)
    assert list(tmp_path.iterdir()) == []
