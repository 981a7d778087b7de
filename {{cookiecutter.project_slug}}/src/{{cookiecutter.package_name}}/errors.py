"""Errors a user can cause and fix; the CLI prints them as one line."""


class ChurnError(Exception):
    """Base class for expected, user-facing errors."""


class ConfigError(ChurnError):
    """The configuration file is missing, malformed or holds a bad value."""


class DataError(ChurnError):
    """An input data file is missing or does not match the raw schema."""


class ModelError(ChurnError):
    """A model artifact is missing, unreadable or inconsistent with its metadata."""


class OutputError(ChurnError):
    """An output file or folder cannot be written (a folder, no permission, a full disk)."""


class ExplainError(ChurnError):
    """A model version cannot be explained here: a library is missing, or its terms are."""
