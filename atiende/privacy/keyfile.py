"""Key files kept in ATIENDE_HOME (the vault's keys, the audit seal's key): made once, readable by their owner only.

Plain Python: the callers turn :class:`KeyFileError` into their own error, with their own advice.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path


class KeyFileError(RuntimeError):
    """A key file that may not be used: others can read it."""


def read_private(path: Path, *, make: Callable[[], str] | None, what: str) -> str | None:
    """The text of the key file at ``path``, made with ``make()`` (mode 0600) when it is missing.

    Without ``make`` a missing file gives None. Two processes making it at once both read the one that was
    written first. A file that group or others may read is refused, naming the fix.
    """
    if not path.exists():
        if make is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make() + "\n")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"the {what} file {path} is readable by others (mode {mode:o}); run chmod 600 {path}")
    return path.read_text("ascii")
