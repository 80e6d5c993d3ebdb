"""The demo city's generator: deterministic, the right size and shape, learnable structure."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from datetime import date

from democity import DemoCity, generate
from democity.generate import REFERENCE_DATE
from graph.model import (
    NPO_FIELDS,
    CollaborationStatus,
    Need,
    NeedStatus,
    Organization,
    Sector,
    SuggestionStatus,
    Visibility,
)
from ingest.convert import corporate_number_check_ok


def _fy(d: date) -> int:
    return d.year if d.month >= 4 else d.year - 1


def _orgs(city: DemoCity) -> dict[str, Organization]:
    return {o.id: o for o in city.organizations}


def _ties(city: DemoCity) -> dict[tuple[str, str], date]:
    """Every pair of organizations that worked together, with the first day they did."""
    first: dict[tuple[str, str], date] = {}
    for c in sorted(city.collaborations, key=lambda c: c.starts):
        if c.status == CollaborationStatus.CANCELLED:
            continue
        for a, b in itertools.combinations(sorted(c.org_ids()), 2):
            first.setdefault((a, b), c.starts)
    return first


# -- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_identical_city_and_other_seed_differs(city: DemoCity) -> None:
    again = generate(42)
    assert again == city
    assert again.to_json() == city.to_json()
    other = generate(43)
    assert other.to_json() != city.to_json()
    # the cast is the same, its activity differs
    assert {o.name for o in other.organizations} & {o.name for o in city.organizations}
    assert [c.model_dump() for c in other.collaborations] != [
        c.model_dump() for c in city.collaborations
    ]


def test_generation_does_not_touch_the_global_random_state() -> None:
    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    generate(5)
    assert random.random() == expected


# -- size and shape ----------------------------------------------------------------------------


def test_sizes_and_sectors_are_within_the_issue_ranges(city: DemoCity) -> None:
    assert 8 <= len(city.areas) <= 12
    sectors = Counter(o.sector for o in city.organizations)
    assert 50 <= sectors[Sector.ASSOCIATION] <= 70
    assert sectors[Sector.NPO] == 40
    assert sectors[Sector.BUSINESS] == 40
    assert sectors[Sector.SCHOOL] == 20
    assert sectors[Sector.GOVERNMENT] == 10
    assert sectors[Sector.WELFARE] == 1
    assert any(o.name.endswith("社会福祉協議会") for o in city.organizations)
    school_types = {o.subtype for o in city.organizations if o.sector == Sector.SCHOOL}
    assert {"幼稚園", "小学校", "中学校", "高等学校", "大学"} <= school_types
    # every district has associations
    assoc_areas = {o.area for o in city.organizations if o.sector == Sector.ASSOCIATION}
    assert assoc_areas == {a.id for a in city.areas}
    years = {_fy(c.starts) for c in city.collaborations}
    assert set(range(2020, 2026)) <= years
    assert len(city.needs) >= 150 and len(city.offers) >= 100
    assert len(city.suggestions) >= 20 and len(city.interests) >= 5


def test_areas_form_a_symmetric_connected_adjacency_with_coordinates(city: DemoCity) -> None:
    nb = city.neighbours()
    for a, ns in nb.items():
        assert ns, f"{a} has no neighbours"
        assert a not in ns
        for n in ns:
            assert a in nb[n], f"{a}–{n} is not symmetric"
    seen, todo = set(), [next(iter(nb))]
    while todo:
        a = todo.pop()
        if a not in seen:
            seen.add(a)
            todo += nb[a]
    assert seen == set(nb)
    for a in city.areas:
        assert a.lat is not None and a.lon is not None
        assert 35.5 < a.lat < 37.0 and 138.0 < a.lon < 139.0


def test_records_are_complete_and_well_formed(city: DemoCity) -> None:
    codes = {f.code for f in NPO_FIELDS}
    for org in city.organizations:
        assert org.fields and set(org.fields) <= codes, org.id
        assert org.description and org.subtype and org.area
    with_number = [o for o in city.organizations if o.corporate_number]
    assert len(with_number) >= 40
    assert all(corporate_number_check_ok(o.corporate_number or "") for o in with_number)
    assert len({o.corporate_number for o in with_number}) == len(with_number)
    businesses = [o for o in city.organizations if o.sector == Sector.BUSINESS]
    assert sum(1 for o in businesses if o.corporate_number) >= 30
    assert sum(1 for o in city.organizations if o.name_kana) >= 100
    # texts are Japanese sentences, not codes
    for rec in [*city.needs, *city.offers]:
        assert rec.title and rec.description.endswith("。"), rec.id
        assert "{" not in rec.title + rec.description, rec.id
        assert rec.fields and rec.resource_kinds, rec.id
    words = " ".join(n.title + n.description for n in city.needs)
    for word in (
        "見守り",
        "子ども食堂",
        "河川清掃",
        "防災マップ",
        "花街道",
        "薪能",
        "認知症予防講座",
        "アレチウリ",
    ):
        assert word in words, word


def test_needs_mostly_open_and_public_offers_mostly_from_businesses(city: DemoCity) -> None:
    status = Counter(n.status for n in city.needs)
    assert status[NeedStatus.OPEN] > len(city.needs) / 2
    assert status[NeedStatus.MATCHED] > 0 and status[NeedStatus.CLOSED] > 0
    upcoming = [
        n
        for n in city.needs
        if n.status == NeedStatus.OPEN and n.starts and n.ends and n.starts > REFERENCE_DATE
    ]
    assert len(upcoming) >= 10  # dated needs for the coming year
    vis = Counter(n.visibility for n in city.needs)
    assert vis[Visibility.PUBLIC] > 0.8 * len(city.needs) and vis[Visibility.COORDINATORS] > 0
    orgs = _orgs(city)
    needs_by = Counter(orgs[n.org_id].sector for n in city.needs)
    offers_by = Counter(orgs[o.org_id].sector for o in city.offers)
    assert offers_by[Sector.BUSINESS] > needs_by[Sector.BUSINESS] * 3
    assert needs_by[Sector.ASSOCIATION] > offers_by[Sector.ASSOCIATION] * 3
    assert needs_by[Sector.NPO] > offers_by[Sector.NPO]
    assert needs_by[Sector.SCHOOL] > 0 and offers_by[Sector.SCHOOL] > 0


def test_referential_integrity(city: DemoCity) -> None:
    orgs = _orgs(city)
    areas = {a.id for a in city.areas}
    needs = {n.id for n in city.needs}
    suggestions = {s.id for s in city.suggestions}
    for kind, recs in city.by_kind().items():
        ids = [r.id for r in recs]
        assert len(ids) == len(set(ids)), f"duplicate ids in {kind}"
    assert {o.area for o in orgs.values()} <= areas
    for rec in [*city.needs, *city.offers]:
        assert rec.org_id in orgs
        assert rec.area is None or rec.area in areas
    for c in city.collaborations:
        assert set(c.org_ids()) <= set(orgs), c.id
        assert set(c.need_ids) <= needs, c.id
        assert c.suggestion_id is None or c.suggestion_id in suggestions
        assert {e.org_id for e in c.evaluations} <= set(c.org_ids()), c.id
        for o in c.org_ids():  # nobody collaborates before it joined the register
            assert orgs[o].created_at is not None and orgs[o].created_at.date() <= c.starts, c.id
    for s in city.suggestions:
        assert s.subject_id in orgs and s.candidate_id in orgs
        assert s.need_id is None or s.need_id in needs
    for i in city.interests:
        assert i.org_id in orgs and orgs[i.org_id].sector == Sector.BUSINESS
        assert i.need_id in needs


def test_collaboration_status_dates_and_evaluations(city: DemoCity) -> None:
    ref = REFERENCE_DATE
    evaluated = ended = 0
    for c in city.collaborations:
        assert c.participants and c.participants[0].role in ("主催", "事務局", "委託者", "受託者")
        if c.status == CollaborationStatus.PLANNED:
            assert c.starts > ref
        elif c.ends and c.ends <= ref:
            assert c.status in (CollaborationStatus.ENDED, CollaborationStatus.CANCELLED), c.id
        else:
            assert c.status == CollaborationStatus.ACTIVE, c.id
        if c.evaluations:
            assert c.status == CollaborationStatus.ENDED
            for e in c.evaluations:
                assert 1 <= e.mean() <= 5 and e.comment and e.trust and e.value
        if c.status == CollaborationStatus.ENDED:
            ended += 1
            evaluated += bool(c.evaluations)
    assert evaluated > 0.6 * ended
    statuses = Counter(c.status for c in city.collaborations)
    assert statuses[CollaborationStatus.ACTIVE] > 0
    forms = {c.form for c in city.collaborations}
    assert len(forms) >= 6
    roles = {p.role for c in city.collaborations for p in c.participants}
    assert {"主催", "協力"} <= roles and len(roles) >= 5
    assert any(r in roles for r in ("助成", "協賛"))  # funding ties (the 360Giving file)


def test_review_queue_has_decided_and_open_items(city: DemoCity) -> None:
    status = Counter(s.status for s in city.suggestions)
    assert status[SuggestionStatus.PROPOSED] >= 5
    assert status[SuggestionStatus.ACCEPTED] >= 5 and status[SuggestionStatus.REJECTED] >= 3
    for s in city.suggestions:
        if s.status == SuggestionStatus.PROPOSED:
            assert not s.history and s.reviewer is None
        else:
            assert s.history and s.history[-1].status == s.status and s.note and s.reviewer
        assert s.explanation["ja"] and s.explanation["en"]
        for text in s.explanation.values():  # sentences with names: no ids, no raw numbers
            assert "demo-" not in text and not re.search(r"\d\.\d", text), text
        assert 0 <= s.score <= 1
    from_suggestion = [c for c in city.collaborations if c.suggestion_id]
    assert from_suggestion
    accepted = {s.id for s in city.suggestions if s.status == SuggestionStatus.ACCEPTED}
    assert {c.suggestion_id for c in from_suggestion} <= accepted
    assert any(i.status.value == "open" for i in city.interests)


# -- structure a matcher can learn -------------------------------------------------------------


def test_network_grows_over_time(city: DemoCity) -> None:
    per_year = Counter(_fy(c.starts) for c in city.collaborations)
    counts = [per_year[y] for y in range(2020, 2026)]
    assert counts[-1] > 2 * counts[0]
    assert sum(counts[3:]) > 1.5 * sum(counts[:3])
    ties = _ties(city)
    tied_by_year = []
    for y in range(2020, 2026):
        end = date(y + 1, 3, 31)
        tied_by_year.append(len({o for pair, d in ties.items() if d <= end for o in pair}))
    assert tied_by_year == sorted(tied_by_year) and tied_by_year[-1] > 1.3 * tied_by_year[0]
    joined = Counter(_fy(o.created_at.date()) for o in city.organizations if o.created_at)
    assert all(joined[y] > 0 for y in range(2021, 2026)), joined


def test_same_or_neighbouring_district_ties_beat_random_pairing(city: DemoCity) -> None:
    orgs, nb = _orgs(city), city.neighbours()

    def near(a: str, b: str) -> bool:
        return orgs[a].area == orgs[b].area or orgs[b].area in nb[orgs[a].area]

    ties = list(_ties(city))
    observed = sum(near(a, b) for a, b in ties) / len(ties)
    ids = sorted(orgs)
    pairs = list(itertools.combinations(ids, 2))
    expected = sum(near(a, b) for a, b in pairs) / len(pairs)
    assert observed > expected + 0.12, (observed, expected)


def test_partners_share_fields_and_their_texts_fit_each_other(city: DemoCity) -> None:
    orgs = _orgs(city)

    def jaccard(a: str, b: str) -> float:
        fa, fb = set(orgs[a].fields), set(orgs[b].fields)
        return len(fa & fb) / len(fa | fb)

    ties = list(_ties(city))
    observed = sum(jaccard(a, b) for a, b in ties) / len(ties)
    pairs = list(itertools.combinations(sorted(orgs), 2))
    expected = sum(jaccard(a, b) for a, b in pairs) / len(pairs)
    assert observed > 1.3 * expected, (observed, expected)
    # a need answered by a collaboration shares skills with its partners' offers more often
    # than with offers of organizations drawn at random
    needs = {n.id: n for n in city.needs}
    skills_of: dict[str, set[str]] = {}
    for o in city.offers:
        skills_of.setdefault(o.org_id, set()).update(o.skills)
    rng = random.Random(0)
    hit = hit_random = total = 0
    offering = sorted(skills_of)
    for c in city.collaborations:
        for nid in c.need_ids:
            need: Need = needs[nid]
            for p in c.org_ids():
                if p == need.org_id or p not in skills_of:
                    continue
                total += 1
                hit += bool(set(need.skills) & skills_of[p])
                hit_random += bool(set(need.skills) & skills_of[rng.choice(offering)])
    assert total > 50
    assert hit > 1.4 * hit_random, (hit, hit_random, total)


def test_repeat_partners_and_partners_of_partners(city: DemoCity) -> None:
    pair_counts = Counter()
    for c in city.collaborations:
        for a, b in itertools.combinations(sorted(c.org_ids()), 2):
            pair_counts[(a, b)] += 1
    repeated = sum(1 for n in pair_counts.values() if n >= 2)
    assert repeated > 0.1 * len(pair_counts)


def test_some_organizations_never_collaborate(city: DemoCity) -> None:
    tied = {o for pair in _ties(city) for o in pair}
    isolated = [o for o in city.organizations if o.id not in tied]
    assert 5 <= len(isolated) <= 0.35 * len(city.organizations)
    # isolated organizations still post needs or offers (so the matcher has something to say)
    posting = {r.org_id for r in [*city.needs, *city.offers]}
    assert sum(1 for o in isolated if o.id in posting) >= len(isolated) / 2


def test_flat_props_read_from_content_data_equal_those_read_field_by_field(city: DemoCity) -> None:
    """The store's write path takes a record's filterable props from its content data (JSON
    values, computed once for the content hash); they must be exactly the props converted
    value by value, for every record of every kind the city has."""
    from graph.store import flat_props

    kinds = set()
    for rec in city.records():
        assert flat_props(rec, rec.content_data()) == flat_props(rec), (rec.kind, rec.id)
        kinds.add(rec.kind)
    assert {"Organization", "Need", "Offer", "Collaboration", "Suggestion", "Area"} <= kinds


def test_planned_writes_store_the_records_node_write_would(city: DemoCity) -> None:
    """A planned write makes its doc from the record's content JSON (not a copy serialised
    again): read back, it is the very record :func:`graph.store.node_write` stores, and the
    rest of the write is the same, for every record the city has."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from graph.model import RECORD_TYPES, STORED, content_json, digest_of
    from graph.store import PlannedWrite, node_write

    created = datetime(2024, 4, 1, 9, 30, 15, 120, tzinfo=UTC)
    updated = datetime(2026, 12, 1, tzinfo=UTC)
    for n, rec in enumerate(city.records()):
        content = rec.content_data()
        text = content_json(content)
        base = n % 3
        plan = PlannedWrite(
            rec.kind, rec.id, digest_of(text), base, rec, content, created, updated, text
        )
        stored = rec.model_copy(
            update={"created_at": created, "updated_at": updated, "version": base + 1}
        )
        fast, slow = plan.write(), node_write(stored, base)
        rtype = RECORD_TYPES[rec.kind]
        read = rtype.model_validate_json(fast.doc, context=STORED)
        assert read == rtype.model_validate_json(slow.doc, context=STORED), (rec.kind, rec.id)
        assert read.created_at == created and read.version == base + 1
        assert replace(fast, doc="") == replace(slow, doc=""), (rec.kind, rec.id)
