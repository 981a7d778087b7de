import pandas as pd
import pandera.pandas as pa
import pytest

from {{ cookiecutter.package_name }}.data import validate
from {{ cookiecutter.package_name }}.data.load import parse_raw
from {{ cookiecutter.package_name }}.errors import DataError


def test_an_unknown_level_is_named_with_the_allowed_ones(raw_frame: pd.DataFrame) -> None:
    bad = raw_frame.copy()
    bad.loc[[2, 5], "Contract"] = "Monthly"
    with pytest.raises(DataError) as error:
        parse_raw(bad)
    message = str(error.value)
    assert "column 'Contract'" in message
    assert f"2 of {len(bad)} rows" in message
    assert "'Monthly'" in message
    assert "'Month-to-month'" in message


def test_a_number_out_of_range_is_named(raw_frame: pd.DataFrame) -> None:
    bad = raw_frame.copy()
    bad.loc[0, "MonthlyCharges"] = "-5"
    with pytest.raises(DataError, match=r"column 'MonthlyCharges'.*-5"):
        parse_raw(bad)


def test_it_counts_the_other_invalid_columns(raw_frame: pd.DataFrame) -> None:
    bad = raw_frame.copy()
    bad.loc[0, "gender"] = "X"
    bad.loc[0, "Contract"] = "Y"
    with pytest.raises(DataError, match=r"\+1 more invalid column"):
        parse_raw(bad)


def test_an_empty_customer_id_is_rejected(raw_frame: pd.DataFrame) -> None:
    bad = raw_frame.copy()
    bad.loc[1, "customerID"] = ""
    with pytest.raises(DataError, match="column 'customerID'"):
        parse_raw(bad)


def test_a_failed_check_of_the_whole_frame_is_one_line_naming_it(
    raw_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check without a column (a column the schema expects is absent) says which."""
    schema = validate.raw_schema(require_target=True)
    expecting = schema.add_columns({"Region": pa.Column(str)})
    monkeypatch.setattr(validate, "raw_schema", lambda require_target: expecting)
    with pytest.raises(DataError, match=r"^data: failed column_in_dataframe: Region$"):
        parse_raw(raw_frame)
