"""Customer churn prediction: data, features, training, evaluation and batch scoring."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("{{ cookiecutter.project_slug }}")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
