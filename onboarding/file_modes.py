"""Files the app creates with secrets or sessions in them are readable by their owner only (0600).

Standard library only: settings and scripts/dev_env.py use it before Django is set up.
"""

from __future__ import annotations

import os
import stat

OWNER_ONLY = 0o600


def owner_only_file(path: str) -> None:
    """Create `path` empty with mode 0600 if it is missing; take group and other access away if not.

    Skips what is not a plain file path (":memory:", "file:...?mode=memory" URIs).
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        return  # nothing to protect yet; Django reports a missing directory itself
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY)
    except FileExistsError:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
        return
    os.close(descriptor)


def write_owner_only(path: str, text: str) -> None:
    """Write a new file that is 0600 from its first byte (no window in which others could read it)."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
