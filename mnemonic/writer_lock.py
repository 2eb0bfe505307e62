"""The store's writer lock: one process writes at a time; readers take no lock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from mnemonic.exceptions import StoreBusyError

__all__ = ["LOCK_FILE", "WriterLock"]

LOCK_FILE = ".writer.lock"


class WriterLock:
    """An exclusive `flock` on `<folder>/.writer.lock`, re-entrant within one object.

    Args:
        folder: The store folder.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._depth = 0
        self._file: IO[str] | None = None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the block; `StoreBusyError` when another process holds it."""
        if self._depth == 0:
            self._file = self._acquire()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.release()

    def release(self) -> None:
        """Release the lock if held (closing the file releases the flock)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._depth = 0

    def _acquire(self) -> IO[str]:
        try:
            import fcntl
        except ImportError:  # not POSIX: no inter-process lock
            fcntl = None
        handle = (self.folder / LOCK_FILE).open("a+")
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                handle.close()
                raise StoreBusyError(
                    f"another process is writing to {self.folder}; wait for it to finish"
                ) from error
        return handle
