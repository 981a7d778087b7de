"""Experiment tracking: off (the project was generated without a tracker)."""

from __future__ import annotations

from .outcome import Tracker


def make_tracker() -> Tracker | None:
    """Return None: no experiment tracker was chosen for this project."""
    return None
