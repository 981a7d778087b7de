"""Flows that chain the stages: training, evaluation and batch inference."""
