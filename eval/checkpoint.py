"""A JSON-lines checkpoint of an evaluation, so an interrupted run resumes where it stopped.

The first line records what the run is (its config, model and template); every later line is
one `ExampleRecord`, appended and flushed as soon as it is made. A run resumed with the same
checkpoint reuses those records and computes only the rest; a checkpoint written for another
config is refused, and a last line cut short by a kill is ignored.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from eval.records import ExampleRecord

__all__ = ["Checkpoint"]


class Checkpoint:
    """Append-only record log for one evaluation; `None` path disables it."""

    def __init__(self, path: str | Path | None, header: dict[str, Any]):
        self.path = Path(path) if path is not None else None
        self.done: dict[tuple[str, str], ExampleRecord] = {}
        if self.path is None:
            return
        if self.path.is_file() and self.path.stat().st_size > 0:
            self._load(header)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"header": header}, sort_keys=True) + "\n")

    def _load(self, header: dict[str, Any]) -> None:
        lines = self.path.read_text().splitlines()
        try:
            saved = json.loads(lines[0])["header"]
        except (ValueError, KeyError, IndexError) as error:
            raise EvalError(f"{self.path} is not an evaluation checkpoint; remove it") from error
        if saved != json.loads(json.dumps(header, sort_keys=True)):
            raise EvalError(
                f"{self.path} was written by another evaluation (config, model, template or "
                "encoder weights differ); remove it or choose another --out folder"
            )
        for line in lines[1:]:
            try:
                data = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was killed
            record = ExampleRecord.from_dict(data)
            self.done[(record.method, record.example_id)] = record

    def get(self, method: str, example_id: str) -> ExampleRecord | None:
        return self.done.get((method, example_id))

    def append(self, record: ExampleRecord) -> None:
        if self.path is None:
            return
        with self.path.open("a") as handle:
            handle.write(json.dumps(asdict(record), sort_keys=True) + "\n")
            handle.flush()

    def remove(self) -> None:
        """Delete the checkpoint once the results are written."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
