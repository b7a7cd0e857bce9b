"""Writing a file so that it is either whole or not there: a full disk never leaves half a file."""

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _


class WriteError(Exception):
    """A file could not be written (full disk, no permission); nothing was left behind."""


def is_regular_target(path: Path) -> bool:
    """True unless the path is a device, pipe or socket (/dev/full, /dev/stdout), written in place."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return True
    return stat.S_ISREG(mode)


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside `path` and move it into place only when everything was written.

    On any error the temporary file is removed and WriteError names the file and the reason, so
    the caller can tell the person plainly; an existing file at `path` is left as it was.
    """
    path = Path(path)
    binary = "b" in mode
    if not is_regular_target(path):
        try:
            with open(path, mode, encoding=None if binary else encoding) as handle:
                yield handle
        except OSError as error:
            raise WriteError(write_failed(path, error)) from error
        return
    folder = path.parent if str(path.parent) else Path(".")
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise WriteError(write_failed(path, error)) from error
    try:
        with os.fdopen(descriptor, mode, encoding=None if binary else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise WriteError(write_failed(path, error)) from error
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_failed(path: Path, error: OSError) -> str:
    return _("Could not write %(path)s: %(reason)s. Nothing was written.") % {
        "path": path,
        "reason": error.strerror or str(error),
    }
