"""Models: training, evaluation, prediction and artifact storage."""
