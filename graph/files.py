"""File modes for what Tsunagu writes: the data directory is its own user's only."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

#: what a process that holds Tsunagu's data creates is for its own user only
PRIVATE_UMASK = 0o077


def keep_files_private(data_dir: Path) -> None:
    """From now on this process creates folders 0700 and files 0600 (the data directory, the
    embedded store and its journal, snapshots, models, exports: contacts and token hashes
    are in there), and an existing data directory open to others is closed to them (0700)."""
    os.umask(PRIVATE_UMASK)
    try:
        mode = data_dir.stat().st_mode
        if stat.S_ISDIR(mode) and mode & 0o077:
            data_dir.chmod(stat.S_IMODE(mode) & 0o700)
    except FileNotFoundError:
        pass  # created 0700 when first needed
    except PermissionError:
        warnings.warn(
            f"{data_dir} は他のユーザーも読めます（権限を変更できません） / "
            f"{data_dir} is readable by others and could not be changed to 0700",
            stacklevel=2,
        )
