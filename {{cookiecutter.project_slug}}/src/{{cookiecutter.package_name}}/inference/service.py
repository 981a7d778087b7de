"""The model behind the service: loaded at start-up, swapped when the production pointer moves."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import ChurnError
from ..registry.store import production_version
from .predictor import Predictor

logger = logging.getLogger(__name__)

Loader = Callable[[Path], Predictor]


class ModelService:
    """Holds the loaded model, or why loading failed, and follows the production pointer.

    ``model`` is replaced by one assignment once the new version is fully loaded, so a
    request that read it keeps a whole model: the old one or the new one, never a mix. A
    version that fails to load is refused, logged once, and the old one keeps serving. With
    no model to serve, the refused version is tried again at each check, so a pod whose files
    arrive late or are mended becomes ready without a restart.
    """

    def __init__(
        self,
        models_dir: Path,
        loader: Loader,
        publish: Callable[[Predictor | None], None],
        refusing: Callable[[bool], None] = lambda _: None,
    ) -> None:
        """Remember where the models are; ``publish`` describes a model before it serves.

        ``refusing`` is told after each check whether ``reload_error`` is set (a metric).
        """
        self.models_dir = models_dir
        self.loader = loader
        self.publish = publish
        self.refusing = refusing
        self.model: Predictor | None = None
        self.error: str | None = "model not loaded yet"
        self.reload_error: str | None = None
        self._refused: str | None = None
        self._lock = threading.Lock()

    def _wanted(self) -> str | None:
        """Return the version production names, or None when the pointer cannot be read."""
        try:
            wanted = production_version(self.models_dir)
        except ChurnError as exc:
            if self.model is not None and self.reload_error != str(exc):
                self.reload_error = str(exc)
                logger.error("%s; still serving %s", exc, self.model.version)
            return None
        if self._refused is None:  # the pointer reads again: forget its error
            self.reload_error = None
        return wanted

    def reload(self, *, forced: bool = False) -> None:
        """Load the production version if it is new (or ``forced``); never raises."""
        with self._lock:
            self._reload(forced)
            self.refusing(self.reload_error is not None)

    def _reload(self, forced: bool) -> None:
        wanted = self._wanted()
        loaded = self.model.version if self.model is not None else None
        if wanted is not None and wanted == loaded:  # back to the version that serves
            self._refused, self.reload_error = None, None
        refused = self._refused if self.model is not None else None
        if not forced and (wanted is None or wanted in (loaded, refused)):
            return
        try:
            model = self.loader(self.models_dir)
        except Exception as exc:  # a broken version must never take the service down
            self._refuse(wanted, exc)
            return
        self._refused, self.reload_error = None, None
        if model.version == loaded:
            return
        self.publish(model)
        self.model, self.error = model, None
        logger.info(
            "model %s loaded (%s backend), replacing %s", model.version, model.backend, loaded
        )

    def _refuse(self, version: str | None, exc: Exception) -> None:
        reason = str(exc) if isinstance(exc, ChurnError) else f"cannot load model: {exc!r}"
        self._refused = version
        if self.model is None:
            if reason != self.error:  # retried at each check: logged when the reason changes
                logger.error("model not loaded: %s", reason)
            self.error = reason
            self.publish(None)
        else:
            self.reload_error = f"{version} refused ({reason})"
            logger.error(
                "model %s refused, still serving %s: %s", version, self.model.version, reason
            )

    async def follow(self, interval: float) -> None:
        """Reload whenever the production pointer moves, checking every ``interval`` seconds."""
        while interval > 0:
            await asyncio.sleep(interval)
            await asyncio.to_thread(self.reload)
