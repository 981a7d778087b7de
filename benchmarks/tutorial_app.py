"""The usual tutorial service: a pydantic model per customer, a DataFrame into the Pipeline."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel


class Customer(BaseModel):
    """One customer, typed the way most tutorials do it."""

    customerID: str | None = None
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


def create_app() -> FastAPI:
    """Load the project's scikit-learn Pipeline and serve it the tutorial way."""
    package = os.environ["BENCH_PACKAGE"]
    columns = list(importlib.import_module(f"{package}.data.schema").FEATURE_COLUMNS)
    artifacts = importlib.import_module(f"{package}.registry.artifacts")
    models_dir = Path(os.environ.get("CHURN_PATHS__MODELS_DIR", "models"))
    pipeline = artifacts.load_model(models_dir).pipeline
    app = FastAPI()

    def frame(customers: list[Customer]) -> pd.DataFrame:
        rows = pd.DataFrame([customer.model_dump() for customer in customers])
        rows["TotalCharges"] = pd.to_numeric(rows["TotalCharges"], errors="coerce")
        return rows[columns]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/predict")
    def predict(customer: Customer) -> dict[str, Any]:
        probability = float(pipeline.predict_proba(frame([customer]))[0, 1])
        return {
            "churn_probability": probability,
            "churn": probability >= 0.5,
            "model_version": "tutorial",
        }

    @app.post("/predict/batch")
    def predict_batch(batch: Batch) -> dict[str, Any]:
        probabilities = pipeline.predict_proba(frame(batch.customers))[:, 1]
        predictions = [
            {"customerID": c.customerID, "churn_probability": float(p), "churn": bool(p >= 0.5)}
            for c, p in zip(batch.customers, probabilities, strict=True)
        ]
        return {"model_version": "tutorial", "predictions": predictions}

    return app
