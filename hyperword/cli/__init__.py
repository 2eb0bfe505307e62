"""The `hyperword` command line: a thin layer over the library.

Each sub-command lives in its own module and is registered here. Errors that the toolkit
raises on purpose (`HyperwordError` and its subclasses in every package) become one line on
stderr and exit code 1.
"""

from __future__ import annotations

from hyperword.cli.ask_command import ask_command
from hyperword.cli.demo_command import demo_command
from hyperword.cli.eval_command import eval_command
from hyperword.cli.main import cli
from hyperword.cli.models_command import models_command
from hyperword.cli.serve_command import serve_command
from hyperword.cli.store_check_command import store_group
from hyperword.cli.store_commands import ingest_command, search_command
from hyperword.cli.tokenizer_command import tokenizer_group
from hyperword.cli.train_command import train_command
from hyperword.cli.vram_command import vram_command

cli.add_command(demo_command)
cli.add_command(eval_command)
cli.add_command(models_command)
cli.add_command(vram_command)
cli.add_command(ingest_command)
cli.add_command(search_command)
cli.add_command(store_group)
cli.add_command(tokenizer_group)
cli.add_command(train_command)
cli.add_command(ask_command)
cli.add_command(serve_command)

__all__ = ["cli"]
