"""One router per resource: health, predictions, model and metrics."""
