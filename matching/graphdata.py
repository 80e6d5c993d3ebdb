"""What the matcher reads from the graph, fetched lazily through a GraphStore (or given whole).

Every graph fact can be asked "as of" a date: ``partners(org, before=d)`` counts only
collaborations that started before ``d``.  Training asks at each positive's own date, so a
feature never sees the collaboration it is meant to predict (no leakage); serving asks with no
date (everything known now).

A request touches only the organizations it names and their neighbourhood: batched
``store.neighbours_many`` and ``get_many`` reads, never a scan of all organizations.  The
matcher shares one GraphData between requests while the store's generation token is unchanged
(:meth:`matching.service.Matcher.served`); everything here is safe to call from several
threads at once (at worst two threads read the same organization twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from graph.model import (
    Area,
    Collaboration,
    CollaborationStatus,
    Need,
    NeedStatus,
    Offer,
    Organization,
    Record,
    Suggestion,
    SuggestionStatus,
)
from graph.store import GraphStore, NotFoundError

#: an ended collaboration with no end date is taken to have lasted this long
ASSUMED_DURATION = timedelta(days=365)


@dataclass(frozen=True)
class Tie:
    """One pair of organizations that took part in the same collaboration."""

    a: str
    b: str
    starts: date
    collaboration_id: str


def is_tie(collab: Collaboration) -> bool:
    """Cancelled collaborations never happened; every other one ties its participants."""
    return collab.active and collab.status != CollaborationStatus.CANCELLED


def is_running(collab: Collaboration, on: date) -> bool:
    """Whether the collaboration was under way on ``on`` (judged by its dates)."""
    if not is_tie(collab) or collab.starts > on:
        return False
    if collab.ends is not None:
        return collab.ends >= on
    if collab.status == CollaborationStatus.ENDED:
        return collab.starts + ASSUMED_DURATION >= on
    return True


class GraphData:
    """Organizations, their needs, offers and collaborations, and areas, read on demand."""

    def __init__(self, store: GraphStore | None = None, until: date | None = None) -> None:
        self.store = store
        #: default cut-off for graph facts: only collaborations starting before it count
        self.until = until
        self._orgs: dict[str, Organization | None] = {}
        self._needs: dict[str, list[Need]] = {}
        self._offers: dict[str, list[Offer]] = {}
        self._collabs: dict[str, list[Collaboration]] = {}
        self._areas: dict[str, Area | None] = {}
        self._suggestions: list[Suggestion] | None = None
        self._partners: dict[tuple[str, date | None], dict[str, list[Collaboration]]] = {}
        #: when True everything is in memory and a miss means "does not exist"
        self.complete = store is None
        #: the store's generation token this view is read under (set by the matcher's serving
        #: cache; None for a view of its own)
        self.token: tuple[int, ...] | None = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_records(cls, records: Iterable[Record], until: date | None = None) -> GraphData:
        """A complete in-memory view of ``records`` (tests, training, evaluation)."""
        data = cls(None, until)
        data._fill(records)
        return data

    @classmethod
    def load_all(cls, store: GraphStore, until: date | None = None) -> GraphData:
        """Everything in ``store``, read once (training and evaluation)."""
        records: list[Record] = []
        for kind in ("Organization", "Need", "Offer", "Collaboration", "Area", "Suggestion"):
            records += list(store.iter_all(kind))
        data = cls.from_records(records, until)
        return data

    def _fill(self, records: Iterable[Record]) -> None:
        self.complete = True
        self._suggestions = []
        for rec in records:
            if not rec.active:
                continue
            if isinstance(rec, Organization):
                self._orgs[rec.id] = rec
            elif isinstance(rec, Need):
                self._needs.setdefault(rec.org_id, []).append(rec)
            elif isinstance(rec, Offer):
                self._offers.setdefault(rec.org_id, []).append(rec)
            elif isinstance(rec, Collaboration):
                for oid in rec.org_ids():
                    self._collabs.setdefault(oid, []).append(rec)
            elif isinstance(rec, Area):
                self._areas[rec.id] = rec
            elif isinstance(rec, Suggestion):
                self._suggestions.append(rec)
        for lst in self._collabs.values():
            lst.sort(key=lambda c: (c.starts, c.id))

    # -- lazy loading from the store ----------------------------------------------------------

    def prefetch(self, org_ids: Sequence[str]) -> None:
        """Read the given organizations with their needs, offers and collaborations, batched."""
        if self.complete or self.store is None:
            return
        if len(org_ids) == 1 and org_ids[0] in self._collabs:
            return  # the common case: every read of one organization's lists comes here
        todo = [o for o in dict.fromkeys(org_ids) if o not in self._collabs]
        if not todo:
            return
        found, around, fetched = self.store.records_around(
            "Organization", todo, ["HAS_NEED", "OFFERS", "PARTICIPATED_IN"]
        )
        for oid in todo:
            if oid not in self._orgs:
                org = found.get(oid)
                self._orgs[oid] = org if isinstance(org, Organization) else None
        wanted: dict[str, dict[str, list[str]]] = {}
        present = [oid for oid in todo if self._orgs.get(oid) is not None]
        for oid in present:
            per = wanted.setdefault(oid, {"Need": [], "Offer": [], "Collaboration": []})
            for nb in around.get(oid, []):
                if nb.direction == "out" and nb.kind in per:
                    per[nb.kind].append(nb.id)
        for oid in todo:
            wanted.setdefault(oid, {"Need": [], "Offer": [], "Collaboration": []})
        needs = {i: r for i, r in fetched.get("Need", {}).items() if isinstance(r, Need)}
        offers = {i: r for i, r in fetched.get("Offer", {}).items() if isinstance(r, Offer)}
        collabs_by_id = fetched.get("Collaboration", {})
        for oid, per in wanted.items():
            self._needs[oid] = [needs[i] for i in per["Need"] if i in needs]
            self._offers[oid] = [offers[i] for i in per["Offer"] if i in offers]
            collabs = [collabs_by_id[i] for i in per["Collaboration"] if i in collabs_by_id]
            typed = [c for c in collabs if isinstance(c, Collaboration)]
            self._collabs[oid] = sorted(typed, key=lambda c: (c.starts, c.id))
        # (list() copies the keys at once: requests may share this GraphData across threads)
        for key in [k for k in list(self._partners) if k[0] in wanted]:
            self._partners.pop(key, None)

    def size(self) -> int:
        """How many organizations have been read (the matcher bounds a shared GraphData)."""
        return len(self._orgs)

    # -- reads --------------------------------------------------------------------------------

    def org(self, org_id: str) -> Organization | None:
        if org_id not in self._orgs and not self.complete and self.store is not None:
            self._orgs[org_id] = self.store.get_of(Organization, org_id)
        return self._orgs.get(org_id)

    def known_org(self, org_id: str) -> Organization | None:
        """The organization if it has been read already (never a store call)."""
        return self._orgs.get(org_id)

    def require_org(self, org_id: str) -> Organization:
        org = self.org(org_id)
        if org is None:
            raise NotFoundError(
                f"no Organization with id {org_id!r} / 団体 {org_id!r} はありません"
            )
        return org

    def org_ids(self) -> list[str]:
        """Every organization id (complete views only: serving never lists all)."""
        if not self.complete:
            raise RuntimeError("org_ids() needs a complete GraphData (load_all/from_records)")
        return sorted(o for o, r in self._orgs.items() if r is not None)

    def needs_of(self, org_id: str, open_only: bool = False) -> list[Need]:
        self.prefetch([org_id])
        needs = self._needs.get(org_id, [])
        if open_only:
            needs = [n for n in needs if n.status == NeedStatus.OPEN]
        return needs

    def offers_of(self, org_id: str) -> list[Offer]:
        self.prefetch([org_id])
        return self._offers.get(org_id, [])

    def collaborations_of(self, org_id: str, before: date | None = None) -> list[Collaboration]:
        """Collaborations the organization took part in that started before the cut-off."""
        self.prefetch([org_id])
        cut = before or self.until
        return [
            c
            for c in self._collabs.get(org_id, [])
            if is_tie(c) and (cut is None or c.starts < cut)
        ]

    def partners(self, org_id: str, before: date | None = None) -> dict[str, list[Collaboration]]:
        """{partner id: shared collaborations} as of the cut-off (memoised: treat as read-only)."""
        key = (org_id, before or self.until)
        out = self._partners.get(key)
        if out is None:
            out = {}
            for c in self.collaborations_of(org_id, before):
                for other in c.org_ids():
                    if other != org_id:
                        out.setdefault(other, []).append(c)
            self._partners[key] = out
        return out

    def busy(self, org_id: str, on: date, before: date | None = None) -> int:
        """How many collaborations the organization was running on ``on`` (counting only those
        that started before ``before`` when given, so a training pair never sees itself)."""
        cut = before or self.until or on + timedelta(days=1)
        return sum(1 for c in self.collaborations_of(org_id, cut) if is_running(c, on))

    def area(self, name: str | None) -> Area | None:
        if not name:
            return None
        if name not in self._areas and not self.complete and self.store is not None:
            self._areas[name] = self.store.get_of(Area, name)
        return self._areas.get(name)

    def are_neighbours(self, a: str | None, b: str | None) -> bool:
        """Whether districts ``a`` and ``b`` are listed as neighbours (either way round)."""
        if not a or not b or a == b:
            return False
        area_a, area_b = self.area(a), self.area(b)
        return bool((area_a and b in area_a.neighbours) or (area_b and a in area_b.neighbours))

    def need(self, need_id: str) -> Need | None:
        if self.complete:
            for lst in self._needs.values():
                for n in lst:
                    if n.id == need_id:
                        return n
            return None
        assert self.store is not None
        rec = self.store.get("Need", need_id)
        return rec if isinstance(rec, Need) else None

    def decided_suggestions(self) -> list[Suggestion]:
        """Accepted and rejected suggestions (training signal from coordinators)."""
        if self._suggestions is None:
            assert self.store is not None
            found = self.store.iter_all("Suggestion", {"status": ["accepted", "rejected"]})
            self._suggestions = [s for s in found if isinstance(s, Suggestion)]
        return [
            s
            for s in self._suggestions
            if s.status in (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED)
        ]

    def all_collaborations(self) -> list[Collaboration]:
        """Every collaboration (complete views), oldest first."""
        if not self.complete:
            raise RuntimeError("all_collaborations() needs a complete GraphData")
        seen: dict[str, Collaboration] = {}
        for lst in self._collabs.values():
            for c in lst:
                seen[c.id] = c
        return sorted(seen.values(), key=lambda c: (c.starts, c.id))

    def ties(self) -> list[Tie]:
        """Every pairwise tie of every collaboration, oldest first (complete views)."""
        out: list[Tie] = []
        for c in self.all_collaborations():
            if not is_tie(c):
                continue
            ids = [o for o in c.org_ids() if self._orgs.get(o) is not None]
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    out.append(Tie(a, b, c.starts, c.id))
        return out

    def first_ties(self) -> dict[frozenset[str], date]:
        """{pair: date of the pair's first collaboration} (complete views)."""
        first: dict[frozenset[str], date] = {}
        for t in self.ties():
            key = frozenset((t.a, t.b))
            if key not in first or t.starts < first[key]:
                first[key] = t.starts
        return first
