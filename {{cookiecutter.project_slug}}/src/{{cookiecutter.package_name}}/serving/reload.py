"""Hot reload: follow the production pointer, on a timer, on SIGHUP or from the admin route."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from .service import ModelService, Outcome

logger = logging.getLogger(__name__)


class Reloader:
    """Checks the production pointer every ``interval`` seconds (0: never) or when woken."""

    def __init__(self, service: ModelService, interval: float) -> None:
        """Watch ``service``'s models folder (the service publishes each swap itself)."""
        self.service = service
        self.interval = interval
        self.wake: asyncio.Event | None = None  # made in the app's event loop by `running`

    async def reload(self, *, forced: bool) -> Outcome:
        """Load the production version in a worker thread and swap it in if it loads."""
        return await asyncio.to_thread(self.service.reload, forced=forced)

    async def reload_now(self) -> Outcome:
        """Reload now, whatever the pointer says (SIGHUP, the admin route)."""
        return await self.reload(forced=True)

    async def _next(self, wake: asyncio.Event) -> bool:
        """Wait for the next check; return True if it was asked for (forced)."""
        woken = asyncio.ensure_future(wake.wait())
        timeout = self.interval if self.interval > 0 else None
        done, _ = await asyncio.wait({woken}, timeout=timeout)
        if not done:
            woken.cancel()
            return False
        wake.clear()
        return True

    async def watch(self, wake: asyncio.Event) -> None:
        """Reload whenever the pointer moves or ``wake`` is set, until cancelled."""
        while True:
            forced = await self._next(wake)
            try:
                await self.reload(forced=forced)
            except Exception:  # keep watching whatever one attempt did
                logger.exception("model reload failed")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Watch while the app runs; SIGHUP asks for a reload where signals can be handled."""
        loop = asyncio.get_running_loop()
        wake = self.wake = asyncio.Event()
        hangup = getattr(signal, "SIGHUP", None)
        try:
            if hangup is None:
                raise NotImplementedError
            loop.add_signal_handler(hangup, wake.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            hangup = None
        task = asyncio.create_task(self.watch(wake))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if hangup is not None:
                loop.remove_signal_handler(hangup)
