import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.data.load import (
    parse_raw,
    split_xy,
)
from {{ cookiecutter.package_name }}.features.build import build_preprocessor


def test_blank_total_charges_become_zero_and_levels_are_fixed(raw_frame: pd.DataFrame) -> None:
    features, _ = split_xy(parse_raw(raw_frame))
    transformer = build_preprocessor().fit(features)
    names = list(transformer.get_feature_names_out())
    assert "Contract_Two year" in names
    assert "TotalCharges" in names
    matrix = transformer.transform(features)
    assert matrix.shape == (len(features), len(names))
    assert not pd.isna(matrix).any()


def test_an_unseen_level_is_encoded_as_all_zeros(raw_frame: pd.DataFrame) -> None:
    features, _ = split_xy(parse_raw(raw_frame))
    transformer = build_preprocessor().fit(features)
    odd = features.head(1).copy()
    odd["Contract"] = "Weekly"
    names = list(transformer.get_feature_names_out())
    row = transformer.transform(odd)[0]
    contract = [i for i, name in enumerate(names) if name.startswith("Contract_")]
    assert all(row[i] == 0 for i in contract)


def test_the_skewed_numbers_are_logged_unless_switched_off(raw_frame: pd.DataFrame) -> None:
    features, _ = split_xy(parse_raw(raw_frame))
    total = features["TotalCharges"].fillna(0.0)
    assert total.skew() > 0.8  # right-skewed, as in the IBM file (0.96)
    for log_numbers, expected in ((True, np.log1p(total)), (False, total)):
        transformer = build_preprocessor(log_numbers).fit(features)
        names = list(transformer.get_feature_names_out())
        column = transformer.transform(features)[:, names.index("TotalCharges")]
        scaled = (expected - expected.mean()) / expected.std(ddof=0)
        assert column == pytest.approx(scaled.to_numpy())
