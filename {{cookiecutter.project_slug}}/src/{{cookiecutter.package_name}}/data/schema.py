"""The raw IBM Telco Customer Churn schema, defined once for the whole project."""

from __future__ import annotations

from typing import Final

ID_COLUMN: Final = "customerID"
TARGET_COLUMN: Final = "Churn"

YES: Final = "Yes"
NO: Final = "No"
NO_INTERNET: Final = "No internet service"
NO_PHONE: Final = "No phone service"

YES_NO: Final = (NO, YES)
INTERNET_ADDONS: Final = (
    "OnlineSecurity",
    "OnlineBackup",
    "DeviceProtection",
    "TechSupport",
    "StreamingTV",
    "StreamingMovies",
)

#: Allowed levels of every text column that is a feature.
CATEGORICAL_LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "gender": ("Female", "Male"),
    "Partner": YES_NO,
    "Dependents": YES_NO,
    "PhoneService": YES_NO,
    "MultipleLines": (NO, YES, NO_PHONE),
    "InternetService": ("DSL", "Fiber optic", NO),
    **{column: (NO, YES, NO_INTERNET) for column in INTERNET_ADDONS},
    "Contract": ("Month-to-month", "One year", "Two year"),
    "PaperlessBilling": YES_NO,
    "PaymentMethod": (
        "Electronic check",
        "Mailed check",
        "Bank transfer (automatic)",
        "Credit card (automatic)",
    ),
}

#: Numeric features with the closed range a valid value must lie in.
NUMERIC_RANGES: Final[dict[str, tuple[float, float]]] = {
    "SeniorCitizen": (0, 1),
    "tenure": (0, 1200),
    "MonthlyCharges": (0.0, 100_000.0),
    "TotalCharges": (0.0, 100_000_000.0),
}
INTEGER_COLUMNS: Final = ("SeniorCitizen", "tenure")
#: Numeric columns that may be blank in the raw file (new customers with tenure 0).
BLANK_ALLOWED: Final = ("TotalCharges",)

#: The 21 columns of the raw file, in file order.
RAW_COLUMNS: Final = (
    ID_COLUMN,
    "gender",
    "SeniorCitizen",
    "Partner",
    "Dependents",
    "tenure",
    "PhoneService",
    "MultipleLines",
    "InternetService",
    *INTERNET_ADDONS,
    "Contract",
    "PaperlessBilling",
    "PaymentMethod",
    "MonthlyCharges",
    "TotalCharges",
    TARGET_COLUMN,
)

CATEGORICAL_FEATURES: Final = tuple(c for c in RAW_COLUMNS if c in CATEGORICAL_LEVELS)
NUMERIC_FEATURES: Final = tuple(c for c in RAW_COLUMNS if c in NUMERIC_RANGES)
FEATURE_COLUMNS: Final = tuple(c for c in RAW_COLUMNS if c not in (ID_COLUMN, TARGET_COLUMN))
