"""Feature engineering: the preprocessing applied before the estimator."""
