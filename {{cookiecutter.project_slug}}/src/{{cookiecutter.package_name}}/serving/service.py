"""The model behind the service: loaded at start-up, swapped when production changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

from ..errors import ChurnError
from ..inference.predictor import load_predictor
from ..registry.store import production_version

logger = logging.getLogger(__name__)


class ScoringModel(Protocol):
    """What the service needs from a loaded model (``inference.predictor.Predictor`` has it)."""

    @property
    def version(self) -> str:
        """Return the model version."""

    @property
    def threshold(self) -> float:
        """Return the decision threshold saved with the model."""

    @property
    def backend(self) -> str:
        """Return the inference backend name."""

    @property
    def metadata(self) -> dict[str, Any]:
        """Return the saved model metadata."""

    def predict_columns(self, columns: Mapping[str, Any]) -> Any:
        """Return one churn probability per row of the feature columns."""

    def predict_row(self, row: Mapping[str, Any]) -> float:
        """Return the churn probability of one customer (feature name -> value)."""


Loader = Callable[[Path], ScoringModel]
#: Called with the model about to serve (None: none loaded) before requests can see it.
Publisher = Callable[[ScoringModel | None], None]
Outcome = Literal["reloaded", "unchanged", "refused"]


def _reason(exc: Exception) -> str:
    if isinstance(exc, ChurnError):
        return str(exc)
    return f"cannot load model: {type(exc).__name__}: {exc}"


class ModelService:
    """Holds the loaded model, or why loading failed, and swaps in a new production version.

    ``model`` is replaced by one assignment once the new version is fully loaded, so a
    request that read it keeps a whole model: the old one or the new one, never a mix.
    ``publish`` (the metrics that describe the model) runs just before that assignment:
    once ``/ready`` names a version, a scrape of ``/metrics`` describes the same one.
    """

    def __init__(
        self,
        models_dir: Path,
        threshold: float | None,
        loader: Loader = load_predictor,
        publish: Publisher | None = None,
    ) -> None:
        """Remember where the model is; nothing is loaded until ``load``."""
        self.models_dir = models_dir
        self.threshold_override = threshold
        self.loader = loader
        self.publish: Publisher = publish or (lambda _model: None)
        self.model: ScoringModel | None = None
        self.error: str | None = "model not loaded yet"
        self.reload_error: str | None = None
        self._refused: str | None = None
        self._reloading = threading.Lock()

    def load(self) -> None:
        """Load the production model; on failure keep the reason, never raise."""
        if self.reload(forced=True) != "reloaded":
            self.publish(self.model)

    def wanted_version(self) -> str | None:
        """Return the version the production pointer names (None: no pointer or unreadable).

        An unreadable pointer (a hand edit, a torn copy) is logged once and shown as
        ``reload_error``; the loaded model keeps serving until the pointer reads again.
        """
        try:
            wanted = production_version(self.models_dir)
        except ChurnError as exc:
            reason = f"production pointer unreadable ({exc})"
            if self.model is not None and self.reload_error != reason:
                self.reload_error = reason
                logger.error("%s, still serving %s", reason, self.model.version)
            return None
        if self.reload_error is not None and self.reload_error.startswith("production pointer"):
            self.reload_error = None
        return wanted

    def stale(self) -> bool:
        """Return True if production names another version than the loaded one.

        A version that failed to load is not retried until the pointer moves again (or a
        forced reload): the service keeps serving what it has.
        """
        wanted = self.wanted_version()
        loaded = self.model.version if self.model is not None else None
        return wanted is not None and wanted not in (loaded, self._refused)

    def reload(self, *, forced: bool = False) -> Outcome:
        """Load the production version and swap it in; on failure keep serving the old one.

        Runs in a worker thread: requests keep being answered by the current model meanwhile.
        """
        with self._reloading:
            if not forced and not self.stale():
                return "unchanged"
            wanted = self.wanted_version()
            try:
                model = self.loader(self.models_dir)
            except Exception as exc:  # a broken version must never take the service down
                return self._refuse(wanted, _reason(exc))
            current = self.model
            if current is not None and model.version == current.version:
                self._refused, self.reload_error = None, None
                return "unchanged"
            self.publish(model)
            self.model = model
            self.error, self.reload_error, self._refused = None, None, None
            replaced = f", replacing {current.version}" if current is not None else ""
            logger.info("model %s loaded (%s backend)%s", model.version, model.backend, replaced)
            return "reloaded"

    def _refuse(self, version: str | None, reason: str) -> Outcome:
        self._refused = version
        if self.model is None:
            self.error = reason
            logger.error("model not loaded: %s", reason)
        else:
            self.reload_error = f"{version or 'the new model'} refused ({reason})"
            logger.error(
                "model %s not loaded, still serving %s: %s", version, self.model.version, reason
            )
        return "refused"

    def threshold_for(self, model: ScoringModel) -> float:
        """Return the decision threshold: the override if set, else the model's own."""
        return model.threshold if self.threshold_override is None else self.threshold_override
