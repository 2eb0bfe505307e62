"""The store's writer lock: one process writes at a time; readers take no lock.

Taking the lock also checks that the store can be written at all (the folder and every
table folder accept a new file), so a read-only or immutable store fails up front with one
`StoreReadOnlyError` instead of half-way through a write; searching it still works.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from hyperword.exceptions import HyperwordError
from mnemonic.exceptions import StoreBusyError, StoreError, StoreReadOnlyError

__all__ = ["LOCK_FILE", "WriterLock", "writing_errors"]

LOCK_FILE = ".writer.lock"


class WriterLock:
    """An exclusive `flock` on `<folder>/.writer.lock`, re-entrant within one object.

    Threads of one process that share the object take turns (a thread lock inside).

    Args:
        folder: The store folder.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._depth = 0
        self._file: IO[str] | None = None
        self._thread_lock = threading.RLock()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the block.

        Raises:
            StoreBusyError: Another process holds it.
            StoreReadOnlyError: The store cannot be written.
        """
        with self._thread_lock:
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
        try:
            handle = (self.folder / LOCK_FILE).open("a+")
        except OSError as error:
            raise _read_only(self.folder, self.folder / LOCK_FILE, error) from None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                handle.close()
                raise StoreBusyError(
                    f"another process is writing to {self.folder}; wait for it to finish"
                ) from error
        try:
            check_writable(self.folder)
        except StoreReadOnlyError:
            handle.close()
            raise
        return handle


def check_writable(folder: Path) -> None:
    """`StoreReadOnlyError` unless a file can be made in `folder` and its table folders."""
    folders = [folder]
    for table in sorted(folder.glob("*.lance")):
        folders += [table, *(p for p in sorted(table.iterdir()) if p.is_dir())]
    for path in folders:
        probe = path / f".write-probe-{uuid.uuid4().hex[:8]}"
        try:
            fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            raise _read_only(folder, path, error) from None


def _read_only(folder: Path, path: Path, error: OSError) -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"store {folder} cannot be written ({path}: {error.strerror or error}); it can "
        "still be searched: make it writable to add or delete documents"
    )


@contextlib.contextmanager
def writing_errors(folder: Path) -> Iterator[None]:
    """Turn a failed write (disk full, permissions changed mid-way) into one `StoreError`."""
    try:
        yield
    except HyperwordError:
        raise
    except (OSError, RuntimeError) as error:
        from mnemonic.integrity import short_error

        raise StoreError(f"cannot write to store {folder}: {short_error(error)}") from error
