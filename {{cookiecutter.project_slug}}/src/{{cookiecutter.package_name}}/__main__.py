"""Entry point for ``python -m {{ cookiecutter.package_name }}``."""

from .cli import app

app(prog_name="{{ cookiecutter.package_name }}")
