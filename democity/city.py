"""The demo city as records: :class:`DemoCity`, what :func:`democity.generate` returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from graph.model import Area, Collaboration, Interest, Need, Offer, Organization, Record, Suggestion


@dataclass
class DemoCity:
    """Every record of the demo city, by kind, in the order they can be loaded."""

    seed: int
    areas: list[Area] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    collaborations: list[Collaboration] = field(default_factory=list)
    interests: list[Interest] = field(default_factory=list)
    #: the themes (``democity.texts.THEMES`` keys) each organization works on
    org_themes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    #: kinds in valid reference order (a record only points at kinds listed before it)
    KINDS = (
        "areas",
        "organizations",
        "needs",
        "offers",
        "suggestions",
        "collaborations",
        "interests",
    )

    def by_kind(self) -> dict[str, list[Record]]:
        """{attribute name: records} in load order."""
        return {k: list(getattr(self, k)) for k in self.KINDS}

    def records(self) -> list[Record]:
        """All records in valid reference order."""
        return [r for recs in self.by_kind().values() for r in recs]

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in self.KINDS}

    def neighbours(self) -> dict[str, set[str]]:
        """{area name: neighbouring area names}."""
        return {a.id: set(a.neighbours) for a in self.areas}

    def to_json(self) -> str:
        """The whole city as one canonical JSON text (equal seeds give equal bytes)."""
        data = {k: [r.model_dump(mode="json") for r in recs] for k, recs in self.by_kind().items()}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)
