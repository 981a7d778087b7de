"""Customer churn prediction: data, features, training, evaluation and batch scoring."""

import os
from importlib.metadata import PackageNotFoundError, version

# ONNX Runtime 1.32 writes a device id and a queued telemetry event under ~/.cache/Microsoft
# when it loads, unless ORT_DISABLE_TELEMETRY is set; ORT_TELEMETRY_DISABLED is its
# documented opt-out, complete in releases after 1.32. Set before any module imports it.
for _opt_out in ("ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED"):
    os.environ.setdefault(_opt_out, "1")

try:
    __version__ = version("{{ cookiecutter.project_slug }}")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
