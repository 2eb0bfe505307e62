"""The root `hyperword` group and its error handling."""

from __future__ import annotations

import logging
import sys

import click

from hyperword import __version__
from hyperword.cli.quiet import quiet_third_party
from hyperword.exceptions import HyperwordError

__all__ = ["HyperwordGroup", "cli"]

# The packages this distribution installs (pyproject's packages.find): their loggers' notes.
OUR_PACKAGES = ("hyperword", "mnemonic", "orchestrator", "adapters", "eval")


class HyperwordGroup(click.Group):
    """A click group that turns toolkit errors into one clear line and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HyperwordError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)


@click.group(cls=HyperwordGroup)
@click.version_option(__version__, prog_name="hyperword")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Log progress details, and third-party warnings and progress bars, to stderr.",
)
def cli(verbose: bool) -> None:
    """Hyperword: compress text into fewer, denser tokens."""
    quiet_third_party(verbose=verbose)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # Our own notes (e.g. "dequantizing once", "resuming from step 200", "scene/concept levels
    # off: ...") are worth seeing without -v, from every package of ours; -v adds the details.
    for package in OUR_PACKAGES:
        logging.getLogger(package).setLevel(logging.DEBUG if verbose else logging.INFO)
