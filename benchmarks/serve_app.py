"""Serve a comparison app with the project's own `serve` command, so every server option is ours.

    python serve_app.py PACKAGE APP_MODULE serve [options of serve]

`serve` builds its app from PACKAGE.serving.app:create_app; this points that name at
APP_MODULE.create_app (given the package and the service's own factory) and runs the command.
It holds while the server builds the app in this process: bench_serving.py checks each app's
answer before measuring it.
"""

from __future__ import annotations

import importlib
import sys
from functools import partial


def main() -> None:
    """Swap the app factory, then run the project's command line."""
    package, app_module, *command = sys.argv[1:]
    service = importlib.import_module(f"{package}.serving.app")
    factory = importlib.import_module(app_module).create_app
    service.create_app = partial(factory, package, service.create_app)
    importlib.import_module(f"{package}.cli").app(command, prog_name=package)


if __name__ == "__main__":
    main()
