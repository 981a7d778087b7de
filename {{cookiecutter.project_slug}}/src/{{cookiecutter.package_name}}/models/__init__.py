"""Models: fit a pipeline and judge it (metrics, figures, feature importance)."""
