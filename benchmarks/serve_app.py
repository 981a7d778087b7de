"""Serve a comparison app with the project's own `serve` command, so every server option is ours.

    python serve_app.py PACKAGE APP_MODULE serve [options of serve]

`serve` hands Granian the import string of its app factory; this swaps that string for
APP_MODULE:create_app (a module next to this file, told PACKAGE by BENCH_PACKAGE) and runs
the command, so the server, its workers and every option stay those of `serve`.
bench_serving.py checks each app's answer before measuring it.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import granian

HERE = str(Path(__file__).resolve().parent)


def main() -> None:
    """Point Granian at the comparison app, then run the project's command line."""
    package, app_module, *command = sys.argv[1:]
    os.environ["BENCH_PACKAGE"] = package
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, os.environ.get("PYTHONPATH")]))

    class Swapped(granian.Granian):  # type: ignore[misc]
        def __init__(self, _target: str, **options: Any) -> None:
            super().__init__(f"{app_module}:create_app", **options)

    granian.Granian = Swapped  # `serve` imports it by this name when it runs
    importlib.import_module(f"{package}.cli").app(command, prog_name=package)


if __name__ == "__main__":
    main()
