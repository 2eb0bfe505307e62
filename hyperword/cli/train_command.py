"""`hyperword train --config FILE`: train (or resume) the scene/concept encoder."""

from __future__ import annotations

import json

import click

__all__ = ["train_command"]


@click.command("train")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="A JSON or YAML file of EncoderTrainingConfig settings (see docs/encoder.md).",
)
@click.option("--steps", type=click.IntRange(min=1), help="Override the config's step count.")
@click.option("--no-eval", is_flag=True, help="Skip the periodic held-out F1 evaluation.")
def train_command(config_path: str, steps: int | None, no_eval: bool) -> None:
    """Train the encoder's projectors, markers and decoder LoRA; resumes from a checkpoint."""
    from adapters.encoder_config import CONTEXT_LEVELS, EncoderTrainingConfig
    from adapters.encoder_curve import plot_curve
    from adapters.encoder_data import read_squad_items, split_articles
    from adapters.encoder_eval import QaEvaluator, sample_items
    from adapters.encoder_trainer import train_encoder
    from adapters.exceptions import TrainingError
    from eval.metrics import f1_score

    config = EncoderTrainingConfig.from_dict(_read_config(config_path), source=config_path)
    if steps is not None:
        config.steps = steps
    evaluator = None
    if config.squad and not no_eval:
        _, heldout = split_articles(config.squad, config.heldout_articles)
        items = sample_items(read_squad_items(heldout), config.eval_questions, seed=config.seed)
        levels = [level for level in CONTEXT_LEVELS if level in config.levels]
        evaluator = QaEvaluator(
            items, f1_score, levels=levels, max_context_tokens=config.max_context_tokens
        )
    result = train_encoder(config, evaluator=evaluator)
    click.echo(
        f"trained {result.steps} steps (resumed at {result.resumed_from}) in "
        f"{result.seconds:.0f} s; encoder: {result.encoder_dir}"
    )
    if result.curve:
        click.echo(f"last point: {result.curve[-1]}")
        try:
            png = plot_curve(result.output_dir / "curve.json", result.output_dir / "curve.png")
            click.echo(f"curve: {png}")
        except TrainingError as error:
            click.echo(f"no curve plot: {error}", err=True)


def _read_config(path: str) -> dict:
    """The settings in a `.json` or `.yaml` file, read under the reading rule."""
    from adapters.exceptions import TrainingConfigError
    from hyperword.text_files import TextFileError, read_text

    try:
        text = read_text(path, max_chars=1_000_000)
    except FileNotFoundError:
        raise TrainingConfigError(f"config {path} does not exist") from None
    except (OSError, TextFileError) as error:
        raise TrainingConfigError(f"cannot read config {path}: {error}") from None
    try:
        if path.endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as error:  # json and yaml raise different types (RecursionError too)
        raise TrainingConfigError(f"cannot parse {path}: {error}") from None
    if not isinstance(data, dict):
        raise TrainingConfigError(f"{path} must hold a mapping of settings")
    return data
