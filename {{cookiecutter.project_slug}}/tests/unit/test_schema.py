from {{ cookiecutter.package_name }}.data import schema


def test_raw_columns_are_the_21_published_columns_in_order() -> None:
    assert len(schema.RAW_COLUMNS) == 21
    assert schema.RAW_COLUMNS[0] == "customerID"
    assert schema.RAW_COLUMNS[-1] == "Churn"
    assert schema.RAW_COLUMNS[-3:-1] == ("MonthlyCharges", "TotalCharges")


def test_every_feature_is_either_categorical_or_numeric() -> None:
    categorical = set(schema.CATEGORICAL_FEATURES)
    numeric = set(schema.NUMERIC_FEATURES)
    assert not categorical & numeric
    assert categorical | numeric == set(schema.FEATURE_COLUMNS)
    assert len(schema.FEATURE_COLUMNS) == 19


def test_every_column_given_levels_or_a_range_is_a_raw_column() -> None:
    """A column added to the level or range table but not to RAW_COLUMNS would be left out
    of the model without a word: add it to RAW_COLUMNS (docs/architecture.md, Extending)."""
    described = {*schema.CATEGORICAL_LEVELS, *schema.NUMERIC_RANGES, *schema.INTEGER_COLUMNS}
    assert sorted(described - set(schema.RAW_COLUMNS)) == []
    assert set(schema.BLANK_ALLOWED) <= set(schema.NUMERIC_RANGES)


def test_service_columns_have_the_third_levels_of_the_raw_file() -> None:
    for column in schema.INTERNET_ADDONS:
        assert schema.CATEGORICAL_LEVELS[column] == ("No", "Yes", "No internet service")
    assert "No phone service" in schema.CATEGORICAL_LEVELS["MultipleLines"]
