"""Prometheus metrics across uvicorn worker processes (prometheus_client multiprocess mode)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

#: Set (to an empty, writable folder) before the workers start to share their metrics.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: How to combine one process metric over the live workers (the rest are summed).
_COMBINE = {"process_start_time_seconds": min, "process_max_fds": max}


def multiprocess_dir() -> Path | None:
    """Return the shared metrics folder when multiprocess mode is on, else None."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def prepare_multiprocess_dir(path: Path) -> Path:
    """Create the shared folder and remove a previous run's metric files from it."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


def _live_pids(path: Path) -> list[int]:
    """Return the ids of the workers that wrote metric files and still run."""
    pids = set()
    for db in path.glob("*_*.db"):
        tail = db.stem.rsplit("_", 1)[-1]
        if tail.isdigit() and Path(f"/proc/{tail}").exists():
            pids.add(int(tail))
    return sorted(pids)


class WorkerProcessCollector(Collector):
    """The standard ``process_*`` metrics of all live workers, combined into one service."""

    def __init__(self, path: Path) -> None:
        """Read worker ids from the metric files in ``path``."""
        self.path = path

    def collect(self) -> Iterable[Metric]:
        """Sum CPU, memory and descriptors over the workers; the earliest start time."""
        families: dict[str, Metric] = {}
        values: dict[str, list[float]] = {}
        for pid in _live_pids(self.path):
            collector = ProcessCollector(pid=partial(int, pid), registry=None)
            for family in collector.collect():
                families.setdefault(family.name, family)
                values.setdefault(family.name, []).extend(s.value for s in family.samples)
        for name, family in families.items():
            combined = Metric(name, family.documentation, family.type)
            sample = family.samples[0]
            combine = _COMBINE.get(name, sum)
            combined.add_sample(sample.name, {}, float(combine(values[name])))
            yield combined


def multiprocess_registry(path: Path) -> CollectorRegistry:
    """Return a registry of every worker's metrics, aggregated from the files in ``path``."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(path))
    registry.register(WorkerProcessCollector(path))
    return registry
