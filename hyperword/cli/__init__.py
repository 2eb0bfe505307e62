"""The `hyperword` command line: a thin layer over the library.

Each sub-command lives in its own module and is registered here. Errors that the toolkit
raises on purpose (`HyperwordError` and its subclasses in every package) become one line on
stderr and exit code 1.
"""

from __future__ import annotations

from hyperword.cli.demo_command import demo_command
from hyperword.cli.main import cli
from hyperword.cli.models_command import models_command

cli.add_command(demo_command)
cli.add_command(models_command)

__all__ = ["cli"]
