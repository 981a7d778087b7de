"""Two customers in the raw Telco columns (without Churn): the API's documented examples."""

from __future__ import annotations

from typing import Any

EXAMPLE_CUSTOMER: dict[str, Any] = {
    "customerID": "7590-VHVEG",
    "gender": "Female",
    "SeniorCitizen": 0,
    "Partner": "Yes",
    "Dependents": "No",
    "tenure": 1,
    "PhoneService": "No",
    "MultipleLines": "No phone service",
    "InternetService": "DSL",
    "OnlineSecurity": "No",
    "OnlineBackup": "Yes",
    "DeviceProtection": "No",
    "TechSupport": "No",
    "StreamingTV": "No",
    "StreamingMovies": "No",
    "Contract": "Month-to-month",
    "PaperlessBilling": "Yes",
    "PaymentMethod": "Electronic check",
    "MonthlyCharges": 29.85,
    "TotalCharges": 29.85,
}
#: A new customer (tenure 0): TotalCharges is blank, as in the raw file.
NEW_CUSTOMER = {**EXAMPLE_CUSTOMER, "customerID": "NEW-0001", "tenure": 0, "TotalCharges": " "}
