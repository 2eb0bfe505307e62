"""`python -m hyperword ...`: the command line, where the `hyperword` script is not installed."""

from hyperword.cli import cli

if __name__ == "__main__":
    cli()
