"""The usual tutorial service: a pydantic model per customer, a DataFrame into the Pipeline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
from {{ cookiecutter.package_name }}.registry.artifacts import load_model


class Customer(BaseModel):
    """One customer, typed the way most tutorials do it."""

    customerID: str | None = None  # noqa: N815
    gender: str
    SeniorCitizen: int
    Partner: str
    Dependents: str
    tenure: int
    PhoneService: str
    MultipleLines: str
    InternetService: str
    OnlineSecurity: str
    OnlineBackup: str
    DeviceProtection: str
    TechSupport: str
    StreamingTV: str
    StreamingMovies: str
    Contract: str
    PaperlessBilling: str
    PaymentMethod: str
    MonthlyCharges: float
    TotalCharges: float | str | None


class Batch(BaseModel):
    """A list of customers."""

    customers: list[Customer]


def _frame(customers: list[Customer]) -> pd.DataFrame:
    """Return the customers as a DataFrame of the model's input columns."""
    frame = pd.DataFrame([customer.model_dump() for customer in customers])
    frame["TotalCharges"] = pd.to_numeric(frame["TotalCharges"], errors="coerce")
    return frame[list(FEATURE_COLUMNS)]


def create_app() -> FastAPI:
    """Load the scikit-learn Pipeline (checksummed) and serve it the tutorial way."""
    pipeline = load_model(Path(os.environ.get("CHURN_MODELS_DIR", "models"))).pipeline
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/predict")
    def predict(customer: Customer) -> dict[str, Any]:
        probability = float(pipeline.predict_proba(_frame([customer]))[0, 1])
        return {"churn_probability": probability, "churn": probability >= 0.5}

    @app.post("/predict/batch")
    def predict_batch(batch: Batch) -> dict[str, Any]:
        probabilities = pipeline.predict_proba(_frame(batch.customers))[:, 1]
        return {
            "predictions": [
                {"customerID": c.customerID, "churn_probability": float(p), "churn": bool(p >= 0.5)}
                for c, p in zip(batch.customers, probabilities, strict=True)
            ]
        }

    return app
