"""The GraphStore contract: every test runs on each backend (``store`` fixture) and expects the
same results.  Expectations are backend-neutral: search asserts which records are found, not
their exact scores; neighbours are compared as sets.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest

from graph.model import (
    Area,
    Collaboration,
    Interest,
    Need,
    Offer,
    Organization,
    Participant,
    PartnerEvaluation,
    Record,
    ResourceKind,
    Suggestion,
    relationships_of,
)
from graph.store import (
    FilterError,
    GraphStore,
    IdConflictError,
    NodeWrite,
    NotFoundError,
    ReferenceError_,
    StoreError,
    UniqueError,
    VersionConflict,
    embeddings_key,
    flat_props,
)

# Vectors as long as the default model's (all-MiniLM-L6-v2), so a Neo4j vector index created
# for that model accepts them too.
DIM = 384
MODEL = "test-model"


# -- a small real city ------------------------------------------------------------------------


def organizations() -> list[Organization]:
    return [
        Organization(
            id="org-midori",
            name="みどり川を守る会",
            name_kana="みどりかわをまもるかい",
            sector="NPO法人",
            area="中央区",
            fields=["環境保全", "まちづくり"],
            description="河川清掃と水辺の自然観察会を続ける市民団体。",
        ),
        Organization(
            id="org-sakura",
            name="さくら町自治会",
            sector="自治会",
            area="東区",
            fields=["地域安全"],
            description="防犯パトロールと高齢者の見守り活動。",
        ),
        Organization(
            id="org-tsunagu",
            name="株式会社つなぐ建設",
            sector="企業",
            area="中央区",
            fields=["まちづくり"],
            corporate_number="1234567890123",
            description="地域貢献として重機と人手を提供します。We support river cleanup days.",
        ),
        Organization(
            id="org-school",
            name="市立第一中学校",
            sector="中学校",
            area="東区",
            fields=["子どもの健全育成", "社会教育"],
            description="総合的な学習の時間で地域と協働する中学校。",
        ),
        Organization(
            id="org-city",
            name="市民協働推進課",
            sector="市役所",
            area="中央区",
            description="協働のまちづくりを進める市の担当課。",
        ),
    ]


def needs() -> list[Need]:
    return [
        Need(
            id="need-river",
            org_id="org-midori",
            title="河川清掃の人手が足りない",
            description="毎月第2日曜の河川清掃に参加するボランティアを募集しています。",
            fields=["環境保全"],
            resource_kinds=["人"],
            skills=["草刈り", "安全管理"],
            area="中央区",
        ),
        Need(
            id="need-vests",
            org_id="org-sakura",
            title="防犯パトロール用の反射ベスト",
            description="夜間パトロールの安全のため反射ベストを20着",
            fields=["地域安全"],
            resource_kinds=["モノ", "資金"],
            area="東区",
            status="matched",
        ),
    ]


def offers() -> list[Offer]:
    return [
        Offer(
            id="offer-machines",
            org_id="org-tsunagu",
            title="重機と作業員の派遣",
            description="草刈り機と作業員を年2回まで無償で派遣します。",
            fields=["まちづくり"],
            resource_kinds=["人", "モノ"],
            skills=["重機操作", "草刈り"],
            area="中央区",
        )
    ]


def collaborations() -> list[Collaboration]:
    return [
        Collaboration(
            id="collab-2022-river",
            title="みどり川クリーン作戦2022",
            form="共催",
            starts=date(2022, 6, 5),
            ends=date(2022, 6, 5),
            status="終了",
            participants=[
                {"org_id": "org-midori", "role": "lead"},
                {"org_id": "org-tsunagu", "role": "partner"},
                {"org_id": "org-city", "role": "endorser"},
            ],
            need_ids=["need-river"],
        ),
        Collaboration(
            id="collab-2023-river",
            title="みどり川クリーン作戦2023",
            form="共催",
            starts=date(2023, 6, 4),
            participants=[
                {"org_id": "org-tsunagu", "role": "partner"},
                {"org_id": "org-midori", "role": "lead"},
            ],
        ),
        Collaboration(
            id="collab-2024-patrol",
            title="中学生と歩く防犯パトロール",
            form="事業協力",
            starts=date(2024, 4, 10),
            participants=[{"org_id": "org-sakura"}, {"org_id": "org-school"}],
        ),
    ]


def city() -> list[Record]:
    return [*organizations(), *needs(), *offers(), *collaborations()]


@pytest.fixture
def filled(store: GraphStore) -> GraphStore:
    result = store.upsert(city())
    assert len(result.created) == len(city())
    return store


def vec(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=DIM).astype(np.float32)


def edges_of(store: GraphStore, id: str, rel_types: list[str] | None = None) -> set[tuple]:
    return {
        (n.rel_type, n.direction, n.kind, n.id, tuple(sorted(n.props.items())))
        for n in store.neighbours(id, rel_types)
    }


def node_write(rec: Record, props: dict[str, Any] | None = None) -> NodeWrite:
    """A NodeWrite prepared the way GraphStore.upsert prepares one."""
    now = datetime.now(UTC)
    stored = rec.model_copy(update={"created_at": now, "updated_at": now})
    return NodeWrite(
        kind=rec.kind,
        id=rec.id,
        doc=stored.model_dump_json(),
        props=flat_props(stored) if props is None else props,
        hash=rec.content_hash(),
        text=stored.text(),
        created_at=now.isoformat(),
        updated_at=now.isoformat(),
        edges=relationships_of(stored),
    )


# -- upsert -----------------------------------------------------------------------------------


def test_upsert_reports_created_updated_unchanged(store: GraphStore) -> None:
    first = store.upsert(organizations())
    assert sorted(first.created) == sorted(o.id for o in organizations())
    assert first.updated == [] and first.unchanged == []

    again = store.upsert(organizations())
    assert again.written == 0
    assert sorted(again.unchanged) == sorted(o.id for o in organizations())

    changed = organizations()[0].model_copy(update={"description": "河川清掃を30年続けています。"})
    third = store.upsert([changed, organizations()[1]])
    assert third.updated == ["org-midori"]
    assert third.unchanged == ["org-sakura"]
    assert store.require("Organization", "org-midori").description == "河川清掃を30年続けています。"  # type: ignore[attr-defined]
    assert store.upsert([]).written == 0


def test_last_version_in_a_batch_wins(store: GraphStore) -> None:
    a = organizations()[0]
    b = a.model_copy(update={"name": "みどり川を守る会(新)"})
    result = store.upsert([a, b])
    assert result.created == ["org-midori"]
    assert store.require("Organization", "org-midori").name == "みどり川を守る会(新)"  # type: ignore[attr-defined]


def test_created_at_kept_and_updated_at_bumped(store: GraphStore) -> None:
    store.upsert(organizations())
    before = store.require("Organization", "org-sakura")
    assert before.created_at is not None and before.updated_at is not None

    store.upsert(organizations())  # unchanged: timestamps untouched
    same = store.require("Organization", "org-sakura")
    assert same.updated_at == before.updated_at

    changed = organizations()[1].model_copy(update={"description": "見守りと防災訓練。"})
    store.upsert([changed])
    after = store.require("Organization", "org-sakura")
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at  # type: ignore[operator]


def test_created_at_given_by_the_source_is_kept(store: GraphStore) -> None:
    founded = datetime(2019, 4, 1, 9, 0, tzinfo=UTC)
    org = organizations()[0].model_copy(update={"created_at": founded})
    store.upsert([org])
    assert store.require("Organization", "org-midori").created_at == founded


# -- one id, one record -----------------------------------------------------------------------


def test_an_id_names_one_record_across_kinds(filled: GraphStore) -> None:
    # a need that takes an organization's id is refused, and nothing of its batch is written
    clash = needs()[0].model_copy(update={"id": "org-sakura"})
    harmless = offers()[0].model_copy(update={"id": "offer-new"})
    with pytest.raises(IdConflictError, match="org-sakura") as err:
        filled.upsert([harmless, clash])
    assert "Organization" in str(err.value) and "別の種類" in str(err.value)
    assert filled.get("Need", "org-sakura", include_inactive=True) is None
    assert filled.get("Offer", "offer-new") is None
    # inside one batch too
    twin = Area(id="area-twin", name="双子")
    with pytest.raises(IdConflictError, match="area-twin"):
        filled.upsert([twin, needs()[0].model_copy(update={"id": "area-twin"})])
    assert filled.get("Area", "area-twin") is None
    # a soft-deleted record still owns its id
    filled.soft_delete("Offer", "offer-machines")
    with pytest.raises(IdConflictError):
        filled.upsert([needs()[0].model_copy(update={"id": "offer-machines"})])
    # the same id of the same kind is an update, as before
    assert filled.upsert([needs()[0].model_copy(update={"title": "新しい件名"})]).updated


def test_a_corporate_number_belongs_to_one_organization(filled: GraphStore) -> None:
    # org-tsunagu holds 1234567890123: another organization may not take it
    taker = organizations()[1].model_copy(update={"corporate_number": "1234567890123"})
    new = organizations()[0].model_copy(update={"id": "org-new", "name": "新しい団体"})
    with pytest.raises(UniqueError, match="1234567890123") as err:
        filled.upsert([new, taker])
    assert "org-tsunagu" in str(err.value) and "法人番号" in str(err.value)
    assert filled.require("Organization", "org-sakura").corporate_number is None  # type: ignore[attr-defined]
    assert filled.get("Organization", "org-new") is None
    # nor two organizations of one batch
    a = new.model_copy(update={"corporate_number": "9999999999999"})
    b = new.model_copy(update={"id": "org-new-2", "corporate_number": "9999999999999"})
    with pytest.raises(UniqueError, match="9999999999999"):
        filled.upsert([a, b])
    # a soft-deleted organization keeps its number
    filled.soft_delete("Organization", "org-tsunagu")
    with pytest.raises(UniqueError):
        filled.upsert([taker])
    # the holder itself may change; a number cleared is free for another
    holder = filled.get("Organization", "org-tsunagu", include_inactive=True)
    assert holder is not None
    filled.upsert([holder.model_copy(update={"corporate_number": None})])
    assert filled.upsert([taker]).updated == ["org-sakura"]
    assert filled.upsert([new, new.model_copy(update={"id": "org-new-2"})]).created


def test_the_backend_itself_refuses_a_second_corporate_number(filled: GraphStore) -> None:
    """Below the shared check (two writers at once): the store's own unique index refuses."""
    taker = organizations()[1].model_copy(update={"corporate_number": "1234567890123"})
    with pytest.raises(StoreError):
        filled._write([node_write(taker)])
    assert filled.require("Organization", "org-sakura").corporate_number is None  # type: ignore[attr-defined]


# -- versions: no lost update ------------------------------------------------------------------


def test_every_write_bumps_the_version(store: GraphStore) -> None:
    store.upsert(organizations())
    assert store.require("Organization", "org-midori").version == 1
    store.upsert(organizations())  # unchanged: not rewritten
    assert store.require("Organization", "org-midori").version == 1
    changed = organizations()[0].model_copy(update={"description": "新しい説明"})
    store.upsert([changed])
    assert store.require("Organization", "org-midori").version == 2
    store.soft_delete("Organization", "org-midori")
    gone = store.get("Organization", "org-midori", include_inactive=True)
    assert gone is not None and gone.version == 3 and not gone.active


def test_a_write_based_on_a_stale_version_is_refused(filled: GraphStore) -> None:
    read = filled.require("Organization", "org-sakura")  # version 1
    filled.upsert([read.model_copy(update={"description": "先に保存"})])
    stale = read.model_copy(update={"website": "https://sakura.example.jp"})
    other = filled.require("Organization", "org-midori").model_copy(update={"name": "巻き添え"})
    with pytest.raises(VersionConflict, match="org-sakura"):
        filled.upsert([other, stale])  # the batch lands whole or not at all
    now = filled.require("Organization", "org-sakura")
    assert now.description == "先に保存" and now.website is None and now.version == 2  # type: ignore[attr-defined]
    assert filled.require("Organization", "org-midori").name == "みどり川を守る会"  # type: ignore[attr-defined]
    # version 0 means "not stored yet": a second creation is refused
    new = Area(id="area-new", name="新地区", version=0)
    filled.upsert([new])
    with pytest.raises(VersionConflict):
        filled.upsert([new.model_copy(update={"name_kana": "しんちく"})])
    # a record given without a version is written whatever is stored (as before)
    fresh = organizations()[1].model_copy(update={"description": "上書き"})
    assert filled.upsert([fresh]).updated == ["org-sakura"]
    assert filled.require("Organization", "org-sakura").version == 3


def test_update_merges_on_the_latest_version(filled: GraphStore) -> None:
    def add_website(org: Record) -> Record:
        return org.model_copy(update={"website": "https://midori.example.jp"})

    updated = filled.update("Organization", "org-midori", add_website)
    assert updated.website == "https://midori.example.jp" and updated.version == 2  # type: ignore[attr-defined]
    with pytest.raises(VersionConflict):
        filled.update("Organization", "org-midori", add_website, expected_version=1)
    with pytest.raises(NotFoundError):
        filled.update("Organization", "org-nowhere", add_website)


def test_simultaneous_evaluations_lose_nothing(filled: GraphStore) -> None:
    """20 pairs of partners evaluate the same collaboration at the same moment: both read the
    same version before either writes (a barrier makes sure), and both evaluations stay."""
    base = filled.require("Collaboration", "collab-2023-river")
    collabs = [
        base.model_copy(update={"id": f"collab-pair-{i}", "version": None}) for i in range(20)
    ]
    filled.upsert(collabs)

    def evaluate(cid: str, org_id: str, barrier: threading.Barrier) -> None:
        first = [True]

        def add(collab: Record) -> Record:
            if first[0]:  # only the first attempt waits for the other partner
                first[0] = False
                barrier.wait(timeout=30)
            assert isinstance(collab, Collaboration)
            mine = PartnerEvaluation(
                org_id=org_id, targets=4, form=4, strengths=5, selection=3, relationship=4
            )
            others = [e for e in collab.evaluations if e.org_id != org_id]
            return collab.model_copy(update={"evaluations": [*others, mine]})

        filled.update("Collaboration", cid, add)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for c in collabs:
            barrier = threading.Barrier(2)
            jobs = [
                pool.submit(evaluate, c.id, org, barrier) for org in ("org-midori", "org-tsunagu")
            ]
            for job in jobs:
                job.result(timeout=60)
    for c in collabs:
        stored = filled.require("Collaboration", c.id)
        assert isinstance(stored, Collaboration)
        assert sorted(e.org_id for e in stored.evaluations) == ["org-midori", "org-tsunagu"], c.id
        assert stored.version == 3


# -- get / list -------------------------------------------------------------------------------


def test_get_get_many_require(filled: GraphStore) -> None:
    org = filled.get("Organization", "org-tsunagu")
    assert isinstance(org, Organization)
    assert org.name == "株式会社つなぐ建設" and org.sector.value == "business"
    assert org.corporate_number == "1234567890123"
    assert filled.get("Organization", "org-nowhere") is None
    assert filled.get("Need", "org-tsunagu") is None  # ids are looked up within their kind

    many = filled.get_many("Organization", ["org-midori", "org-nowhere", "org-city", "org-city"])
    assert sorted(many) == ["org-city", "org-midori"]

    need = filled.require("Need", "need-river")
    assert isinstance(need, Need)
    assert need.resource_kinds == [ResourceKind.PEOPLE]
    assert need.skills == ["安全管理", "草刈り"]
    collab = filled.require("Collaboration", "collab-2022-river")
    assert isinstance(collab, Collaboration)
    assert collab.org_ids() == ["org-midori", "org-tsunagu", "org-city"]
    assert collab.ends == date(2022, 6, 5)

    with pytest.raises(NotFoundError, match="org-nowhere"):
        filled.require("Organization", "org-nowhere")


def ids(page: Any) -> list[str]:
    return [r.id for r in page.items]


def test_list_scalar_filters(filled: GraphStore) -> None:
    assert ids(filled.list("Organization", {"sector": "business"})) == ["org-tsunagu"]
    assert ids(filled.list("Organization", {"area": "東区"})) == ["org-sakura", "org-school"]
    both = filled.list("Organization", {"sector": ["school", "association"]})
    assert ids(both) == ["org-sakura", "org-school"] and both.total == 2
    assert ids(filled.list("Organization", {"area": "中央区", "sector": "npo"})) == ["org-midori"]
    assert ids(filled.list("Organization", {"corporate_number": "1234567890123"})) == [
        "org-tsunagu"
    ]
    assert ids(filled.list("Need", {"status": "matched"})) == ["need-vests"]
    assert ids(filled.list("Need", {"org_id": "org-midori"})) == ["need-river"]
    assert filled.list("Organization", {"area": "西区"}).total == 0
    starts = filled.list("Collaboration", {"starts": date(2023, 6, 4)})
    assert ids(starts) == ["collab-2023-river"]
    assert ids(filled.list("Collaboration", {"form": "project_cooperation"})) == [
        "collab-2024-patrol"
    ]
    # a None value means "no filter"
    assert filled.list("Organization", {"area": None}).total == 5


def test_list_contains_filters(filled: GraphStore) -> None:
    assert ids(filled.list("Organization", {"fields": "03"})) == ["org-midori", "org-tsunagu"]
    assert ids(filled.list("Organization", {"fields": ["13", "09"]})) == [
        "org-sakura",
        "org-school",
    ]
    assert ids(filled.list("Need", {"resource_kinds": ResourceKind.GOODS})) == ["need-vests"]
    assert ids(filled.list("Need", {"resource_kinds": ["people", "funds"]})) == [
        "need-river",
        "need-vests",
    ]
    assert ids(filled.list("Offer", {"skills": "草刈り"})) == ["offer-machines"]
    assert ids(filled.list("Need", {"skills": "草刈り", "area": "中央区"})) == ["need-river"]
    assert filled.list("Need", {"skills": "重機操作"}).total == 0


def test_typed_reads_by_record_class(filled: GraphStore) -> None:
    org = filled.get_of(Organization, "org-midori")
    assert isinstance(org, Organization) and org == filled.get("Organization", "org-midori")
    assert filled.get_of(Organization, "no-such-id") is None
    assert filled.get_of(Need, "org-midori") is None  # an id names one record of one kind
    many = filled.get_many_of(Organization, ["org-sakura", "org-school", "need-river"])
    assert sorted(many) == ["org-sakura", "org-school"]
    assert all(isinstance(o, Organization) for o in many.values())


def test_list_by_id_with_other_filters_and_pages(filled: GraphStore) -> None:
    chosen = ["org-tsunagu", "org-sakura", "org-school", "no-such-id"]
    assert ids(filled.list("Organization", {"id": chosen})) == [
        "org-sakura",
        "org-school",
        "org-tsunagu",
    ]
    east = filled.list("Organization", {"id": chosen, "area": "東区"}, limit=1)
    assert ids(east) == ["org-sakura"] and east.total == 2 and east.has_more
    assert filled.list("Organization", {"id": "org-midori"}).total == 1
    assert filled.list("Need", {"id": ["org-midori"]}).total == 0  # an id names one kind


def test_list_rejects_unknown_filters_orders_and_pages(filled: GraphStore) -> None:
    with pytest.raises(FilterError, match="colour"):
        filled.list("Organization", {"colour": "green"})
    with pytest.raises(FilterError):
        filled.list("Organization", {"description": "河川"})  # not filterable
    with pytest.raises(FilterError):
        filled.list("Organization", order_by="name")
    with pytest.raises(FilterError):
        filled.list("Organization", limit=0)
    with pytest.raises(FilterError):
        filled.list("Organization", offset=-1)


def test_pagination_and_order(filled: GraphStore) -> None:
    all_ids = sorted(o.id for o in organizations())
    first = filled.list("Organization", limit=2)
    assert ids(first) == all_ids[:2] and first.total == 5 and first.has_more
    second = filled.list("Organization", offset=2, limit=2)
    assert ids(second) == all_ids[2:4] and second.has_more
    last = filled.list("Organization", offset=4, limit=2)
    assert ids(last) == all_ids[4:] and not last.has_more
    beyond = filled.list("Organization", offset=10, limit=2)
    assert beyond.items == [] and beyond.total == 5 and not beyond.has_more
    assert ids(filled.list("Organization", order_by="-id")) == all_ids[::-1]
    assert [r.id for r in filled.iter_all("Organization")] == all_ids
    assert filled.count("Organization") == 5
    assert filled.count("Organization", {"area": "中央区"}) == 3


def test_order_by_timestamps(store: GraphStore) -> None:
    orgs = organizations()
    # created_at given by the source; ids deliberately not in creation order
    for day, org in zip([3, 1, 5, 2, 4], orgs, strict=True):
        store.upsert([org.model_copy(update={"created_at": datetime(2024, 1, day, tzinfo=UTC)})])
    by_created = ids(store.list("Organization", order_by="created_at"))
    assert by_created == [orgs[i].id for i in (1, 3, 0, 4, 2)]
    assert ids(store.list("Organization", order_by="-created_at")) == by_created[::-1]

    touched = orgs[0].model_copy(update={"description": "更新しました"})
    store.upsert([touched])
    assert ids(store.list("Organization", order_by="-updated_at", limit=1)) == [touched.id]


# -- soft delete ------------------------------------------------------------------------------


def test_soft_delete_hides_everywhere_but_include_inactive(filled: GraphStore) -> None:
    filled.put_embeddings(
        "Organization", MODEL, {o.id: vec(i) for i, o in enumerate(organizations())}
    )
    gone = filled.soft_delete("Organization", "org-midori")
    assert gone.active is False

    assert filled.get("Organization", "org-midori") is None
    with pytest.raises(NotFoundError):
        filled.require("Organization", "org-midori")
    kept = filled.get("Organization", "org-midori", include_inactive=True)
    assert kept is not None and kept.active is False and kept.name == "みどり川を守る会"  # type: ignore[attr-defined]
    assert "org-midori" not in ids(filled.list("Organization"))
    assert filled.count("Organization") == 4
    assert "org-midori" in ids(filled.list("Organization", include_inactive=True))
    inactive = filled.list("Organization", {"active": False}, include_inactive=True)
    assert ids(inactive) == ["org-midori"]
    hits = [r.id for r, _ in filled.search_text("みどり川")]
    assert "org-midori" not in hits
    near = [i for i, _ in filled.nearest("Organization", MODEL, vec(0), k=5)]
    assert "org-midori" not in near and len(near) == 4
    assert "org-midori" not in filled.collaboration_graph()
    with pytest.raises(NotFoundError):
        filled.soft_delete("Organization", "org-nowhere")


def test_records_stored_inactive_are_hidden(store: GraphStore) -> None:
    """``active=False`` in the record itself counts, for kinds that do not filter by it too."""
    store.upsert(
        [
            Area(id="中央区", name="中央区"),
            Area(id="旧北区", name="旧北区", active=False),
            Organization(id="org-old", name="解散した会", sector="NPO", active=False),
        ]
    )
    assert store.get("Area", "旧北区") is None
    assert ids(store.list("Area")) == ["中央区"]
    assert ids(store.list("Area", include_inactive=True)) == ["中央区", "旧北区"]
    assert store.get("Organization", "org-old") is None
    assert store.search_text("解散") == []


def test_reupserting_a_soft_deleted_record_brings_it_back(filled: GraphStore) -> None:
    filled.soft_delete("Need", "need-river")
    assert filled.get("Need", "need-river") is None
    result = filled.upsert([needs()[0]])
    assert result.updated == ["need-river"]
    assert filled.require("Need", "need-river").active is True
    assert "need-river" in [r.id for r, _ in filled.search_text("河川清掃")]


# -- relationships ----------------------------------------------------------------------------


def test_organization_relationships(filled: GraphStore) -> None:
    assert edges_of(filled, "org-midori") == {
        ("HAS_NEED", "out", "Need", "need-river", ()),
        ("IN_FIELD", "out", "Field", "03", ()),
        ("IN_FIELD", "out", "Field", "07", ()),
        ("LOCATED_IN", "out", "Area", "中央区", ()),
        ("PARTICIPATED_IN", "out", "Collaboration", "collab-2022-river", (("role", "lead"),)),
        ("PARTICIPATED_IN", "out", "Collaboration", "collab-2023-river", (("role", "lead"),)),
    }
    assert edges_of(filled, "org-tsunagu", ["OFFERS"]) == {
        ("OFFERS", "out", "Offer", "offer-machines", ())
    }


def test_need_offer_and_collaboration_relationships(filled: GraphStore) -> None:
    assert edges_of(filled, "need-river") == {
        ("HAS_NEED", "in", "Organization", "org-midori", ()),
        ("REQUIRES", "out", "Skill", "安全管理", ()),
        ("REQUIRES", "out", "Skill", "草刈り", ()),
        ("IN_FIELD", "out", "Field", "07", ()),
        ("LOCATED_IN", "out", "Area", "中央区", ()),
        ("ADDRESSES", "in", "Collaboration", "collab-2022-river", ()),
    }
    assert edges_of(filled, "offer-machines", ["PROVIDES"]) == {
        ("PROVIDES", "out", "Skill", "草刈り", ()),
        ("PROVIDES", "out", "Skill", "重機操作", ()),
    }
    # a skill is a node too: who needs it and who offers it
    assert edges_of(filled, "草刈り") == {
        ("REQUIRES", "in", "Need", "need-river", ()),
        ("PROVIDES", "in", "Offer", "offer-machines", ()),
    }
    assert edges_of(filled, "collab-2022-river") == {
        ("PARTICIPATED_IN", "in", "Organization", "org-midori", (("role", "lead"),)),
        ("PARTICIPATED_IN", "in", "Organization", "org-tsunagu", (("role", "partner"),)),
        ("PARTICIPATED_IN", "in", "Organization", "org-city", (("role", "endorser"),)),
        ("ADDRESSES", "out", "Need", "need-river", ()),
    }


def test_suggestion_interest_and_area_relationships(filled: GraphStore) -> None:
    suggestion = Suggestion(
        id="sug-1",
        suggestion_kind="need-org",
        subject_id="org-midori",
        candidate_id="org-tsunagu",
        need_id="need-river",
        offer_id="offer-machines",
        score=0.87,
        features={"semantic": 0.8},
        explanation={"ja": "草刈りの技術が合う", "en": "Mowing skills match"},
    )
    collab = Collaboration(
        id="collab-2025-river",
        title="みどり川クリーン作戦2025",
        form="共催",
        starts=date(2025, 6, 1),
        participants=[{"org_id": "org-midori"}, {"org_id": "org-tsunagu"}],
        suggestion_id="sug-1",
    )
    interest = Interest(
        id="int-1", org_id="org-tsunagu", need_id="need-vests", message="協力できます"
    )
    areas = [
        Area(id="中央区", name="中央区", neighbours=["東区"]),
        Area(id="東区", name="東区", neighbours=["中央区"]),
    ]
    filled.upsert([suggestion, collab, interest, *areas])

    assert edges_of(filled, "sug-1") == {
        ("SUGGESTS", "out", "Organization", "org-tsunagu", ()),
        ("SUGGESTS", "out", "Need", "need-river", ()),
        ("FROM_SUGGESTION", "in", "Collaboration", "collab-2025-river", ()),
    }
    assert edges_of(filled, "collab-2025-river", ["FROM_SUGGESTION"]) == {
        ("FROM_SUGGESTION", "out", "Suggestion", "sug-1", ())
    }
    assert edges_of(filled, "org-tsunagu", ["INTERESTED_IN"]) == {
        ("INTERESTED_IN", "out", "Need", "need-vests", (("interest", "int-1"),))
    }
    assert ("INTERESTED_IN", "in", "Organization", "org-tsunagu", (("interest", "int-1"),)) in (
        edges_of(filled, "need-vests")
    )
    assert edges_of(filled, "東区", ["NEIGHBOUR_OF"]) == {
        ("NEIGHBOUR_OF", "out", "Area", "中央区", ()),
        ("NEIGHBOUR_OF", "in", "Area", "中央区", ()),
    }
    located = {n.id for n in filled.neighbours("中央区", ["LOCATED_IN"]) if n.direction == "in"}
    assert located == {"org-midori", "org-tsunagu", "org-city", "need-river", "offer-machines"}

    # rewriting the organization replaces only the ties it owns (its district and fields):
    # its offers', collaborations', the suggestion's and the interest's ties to it stay, the
    # interest's too although neither end owns it
    before = edges_of(filled, "org-tsunagu")
    assert {e[0] for e in before} >= {
        "OFFERS",
        "PARTICIPATED_IN",
        "SUGGESTS",
        "INTERESTED_IN",
        "LOCATED_IN",
    }
    moved = filled.require("Organization", "org-tsunagu").model_copy(update={"area": "東区"})
    assert filled.upsert([moved]).updated == ["org-tsunagu"]
    assert edges_of(filled, "org-tsunagu") == {e for e in before if e[0] != "LOCATED_IN"} | {
        ("LOCATED_IN", "out", "Area", "東区", ())
    }
    # and rewriting the interest replaces its tie, which neither end owns
    filled.upsert([interest.model_copy(update={"need_id": "need-river"})])
    assert edges_of(filled, "org-tsunagu", ["INTERESTED_IN"]) == {
        ("INTERESTED_IN", "out", "Need", "need-river", (("interest", "int-1"),))
    }


def test_updating_a_record_replaces_its_edges(filled: GraphStore) -> None:
    moved = needs()[0].model_copy(
        update={"org_id": "org-city", "skills": ["安全管理"], "area": "東区", "fields": ["03"]}
    )
    assert filled.upsert([moved]).updated == ["need-river"]
    assert edges_of(filled, "need-river") == {
        ("HAS_NEED", "in", "Organization", "org-city", ()),
        ("REQUIRES", "out", "Skill", "安全管理", ()),
        ("IN_FIELD", "out", "Field", "03", ()),
        ("LOCATED_IN", "out", "Area", "東区", ()),
        ("ADDRESSES", "in", "Collaboration", "collab-2022-river", ()),  # owned by the collab
    }
    assert edges_of(filled, "org-midori", ["HAS_NEED"]) == set()
    assert edges_of(filled, "草刈り") == {("PROVIDES", "in", "Offer", "offer-machines", ())}

    fewer = collaborations()[0].model_copy(
        update={
            "participants": [
                Participant(org_id="org-midori", role="lead"),
                Participant(org_id="org-city"),
            ]
        }
    )
    filled.upsert([fewer])
    assert {n.id for n in filled.neighbours("collab-2022-river", ["PARTICIPATED_IN"])} == {
        "org-midori",
        "org-city",
    }
    roles = {
        n.id: n.props["role"] for n in filled.neighbours("collab-2022-river", ["PARTICIPATED_IN"])
    }
    assert roles == {"org-midori": "lead", "org-city": "partner"}
    # re-upserting an unchanged record must not duplicate its edges
    filled.upsert(city())
    assert len(filled.neighbours("offer-machines")) == 5


def test_one_batch_of_updates_new_and_inactive_records(filled: GraphStore) -> None:
    """A batch mixing stored and new records of several kinds is written by one statement per
    table (embedded) / per label (Neo4j): every update replaces its search text and edges,
    every new record lands with its own, and an inactive record is stored inactive."""
    river = needs()[0].model_copy(
        update={"title": "水辺の見回り", "description": "刈払機を使います", "skills": ["通訳"]}
    )
    vests = needs()[1].model_copy(update={"active": False})
    new = Need(id="need-boat", org_id="org-sakura", title="ボートの貸し出し", skills=["草刈り"])
    result = filled.upsert([river, vests, new])
    assert sorted(result.updated) == ["need-river", "need-vests"]
    assert result.created == ["need-boat"]
    assert "need-river" not in hit_ids(filled, "河川清掃", kinds=["Need"])
    assert hit_ids(filled, "刈払機") == ["need-river"]
    assert hit_ids(filled, "ボート") == ["need-boat"]
    assert hit_ids(filled, "反射ベスト", kinds=["Need"]) == []  # inactive: not searched
    assert filled.get("Need", "need-vests") is None
    assert filled.require("Need", "need-river").version == 2
    assert filled.require("Need", "need-boat").version == 1
    assert edges_of(filled, "need-river", ["REQUIRES"]) == {
        ("REQUIRES", "out", "Skill", "通訳", ())
    }
    assert edges_of(filled, "need-boat", ["REQUIRES", "HAS_NEED"]) == {
        ("REQUIRES", "out", "Skill", "草刈り", ()),
        ("HAS_NEED", "in", "Organization", "org-sakura", ()),
    }
    assert ("REQUIRES", "in", "Need", "need-river", ()) not in edges_of(filled, "草刈り")


def test_neighbours_of_many_in_one_read(filled: GraphStore) -> None:
    ids = ["org-midori", "collab-2022-river", "offer-machines", "中央区", "草刈り", "no-such"]
    for rel_types in (None, ["PARTICIPATED_IN", "OFFERS"]):
        many = filled.neighbours_many([*ids, "org-midori"], rel_types)  # a repeat is read once
        assert list(many) == ids
        for i in ids:
            assert many[i] == filled.neighbours(i, rel_types), i  # same neighbours, same order
    assert many["no-such"] == [] and many["org-midori"]
    assert filled.neighbours_many([]) == {}


# -- collaboration history and graph ----------------------------------------------------------


def test_collaboration_history(filled: GraphStore) -> None:
    history = filled.collaboration_history("org-midori", "org-tsunagu")
    assert [c.id for c in history] == ["collab-2022-river", "collab-2023-river"]
    assert [c.id for c in filled.collaboration_history("org-tsunagu", "org-midori")] == [
        "collab-2022-river",
        "collab-2023-river",
    ]
    assert filled.collaboration_history("org-midori", "org-sakura") == []
    assert [c.id for c in filled.collaborations_of("org-city")] == ["collab-2022-river"]

    filled.soft_delete("Collaboration", "collab-2022-river")
    assert [c.id for c in filled.collaboration_history("org-midori", "org-tsunagu")] == [
        "collab-2023-river"
    ]


def test_collaboration_graph(filled: GraphStore) -> None:
    g = filled.collaboration_graph()
    assert set(g.nodes) == {o.id for o in organizations()}
    assert g.nodes["org-tsunagu"]["sector"] == "business"
    assert g.nodes["org-school"]["fields"] == ["02", "13"]
    assert g.number_of_edges() == 4
    ties = g.edges["org-midori", "org-tsunagu"]
    assert ties["count"] == 2
    assert ties["first"] == date(2022, 6, 5) and ties["last"] == date(2023, 6, 4)
    assert ties["collaborations"] == ["collab-2022-river", "collab-2023-river"]
    assert g.edges["org-city", "org-midori"]["count"] == 1
    assert g.edges["org-sakura", "org-school"]["first"] == date(2024, 4, 10)

    early = filled.collaboration_graph(until=date(2022, 12, 31))
    assert early.edges["org-midori", "org-tsunagu"]["count"] == 1
    assert not early.has_edge("org-sakura", "org-school")
    assert set(early.nodes) == set(g.nodes)  # isolated organizations stay

    # callers may change what they get without changing the store's answer
    g.remove_node("org-midori")
    ties["collaborations"].append("x")
    again = filled.collaboration_graph()
    assert again.edges["org-midori", "org-tsunagu"]["collaborations"] == [
        "collab-2022-river",
        "collab-2023-river",
    ]


def test_collaboration_graph_equals_the_shared_definition(filled: GraphStore) -> None:
    """A backend may build the graph its own way, but the result must equal GraphStore's."""
    filled.soft_delete("Organization", "org-city")
    filled.upsert(
        [
            Collaboration(
                id="collab-2024-school",
                title="中学生の川の学習",
                form="事業協力",
                starts=date(2024, 9, 1),
                participants=[{"org_id": "org-school"}, {"org_id": "org-midori"}],
            )
        ]
    )
    for until in (None, date(2023, 1, 1), date(2024, 6, 30)):
        fast = filled.collaboration_graph(until)
        shared = GraphStore.collaboration_graph(filled, until)
        assert dict(fast.nodes(data=True)) == dict(shared.nodes(data=True))
        assert {frozenset((a, b)): d for a, b, d in fast.edges(data=True)} == {
            frozenset((a, b)): d for a, b, d in shared.edges(data=True)
        }
    # and it follows writes
    filled.upsert([organizations()[4]])  # org-city back
    assert "org-city" in filled.collaboration_graph()


# -- full-text search -------------------------------------------------------------------------


def hit_ids(store: GraphStore, query: str, **kw: Any) -> list[str]:
    hits = store.search_text(query, **kw)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    return [r.id for r, _ in hits]


def test_search_japanese(filled: GraphStore) -> None:
    two = hit_ids(filled, "清掃")  # two characters: shorter than a trigram
    assert {"need-river", "org-midori"} <= set(two)
    longer = hit_ids(filled, "河川清掃")
    assert {"need-river", "org-midori"} <= set(longer)
    assert "org-sakura" not in longer
    assert "org-sakura" in hit_ids(filled, "見守り")
    assert "need-vests" in hit_ids(filled, "反射ベスト")
    assert "org-midori" in hit_ids(filled, "みどりかわ")  # the kana reading is searchable
    assert hit_ids(filled, "宇宙開発") == []


def test_search_english_kinds_and_limit(filled: GraphStore) -> None:
    assert "org-tsunagu" in hit_ids(filled, "river")
    assert "org-tsunagu" in hit_ids(filled, "Cleanup")  # case does not matter
    assert hit_ids(filled, "清掃", kinds=["Need"]) == ["need-river"]
    assert set(hit_ids(filled, "草刈り", kinds=["Offer"])) == {"offer-machines"}
    assert len(filled.search_text("清掃", limit=1)) == 1
    assert filled.search_text("   ") == []
    with pytest.raises(FilterError):
        filled.search_text("中央区", kinds=["Area"])  # areas have no searchable text
    hits = filled.search_text("河川清掃", kinds=["Need", "Organization"])
    assert all(isinstance(r, Need | Organization) for r, _ in hits)


def test_search_follows_updates(filled: GraphStore) -> None:
    renamed = needs()[0].model_copy(
        update={"title": "水辺の草刈り", "description": "刈払機を使います"}
    )
    filled.upsert([renamed])
    assert "need-river" not in hit_ids(filled, "河川清掃", kinds=["Need"])
    assert hit_ids(filled, "刈払機") == ["need-river"]


def test_one_search_language_on_every_store(filled: GraphStore) -> None:
    """Issue 9 item 10: words all required, "quotes" for phrases, every other character
    literal (no FTS5 or Lucene syntax), the same records on both stores."""
    extra = [
        Need(
            id="need-fest",
            org_id="org-sakura",
            title="夏祭りの手伝い",
            description="祭り（夏）の設営",
        ),
        Need(
            id="need-star", org_id="org-sakura", title="祭り*特集の取材", description="+祭りの記事"
        ),
        Need(id="need-paren", org_id="org-sakura", title="(祭り)の写真", description="AND OR NOT"),
    ]
    filled.upsert(extra)
    everything = {"need-fest", "need-star", "need-paren"}
    assert set(hit_ids(filled, "祭り")) == everything
    assert set(hit_ids(filled, '"祭り"')) == everything  # a quoted phrase is the same word
    assert hit_ids(filled, "祭り*") == ["need-star"]  # * is a character, not a wildcard
    assert hit_ids(filled, "(祭り)") == ["need-paren"]
    assert hit_ids(filled, "+祭り") == ["need-star"]
    assert hit_ids(filled, "AND OR") == ["need-paren"]  # words, not operators
    # every word is required; a phrase keeps its words together and in order
    assert hit_ids(filled, "河川 清掃", kinds=["Need"]) == ["need-river"]
    assert hit_ids(filled, "河川 パトロール") == []
    assert hit_ids(filled, "river cleanup") == ["org-tsunagu"]
    assert hit_ids(filled, '"river cleanup"') == ["org-tsunagu"]
    assert hit_ids(filled, '"cleanup river"') == []
    assert hit_ids(filled, "leanu") == ["org-tsunagu"]  # inside a word, any case
    assert hit_ids(filled, "夏　祭り") == ["need-fest"]  # a full-width space separates words
    # the matcher's candidate retrieval may ask for any of the terms
    anyhits = {r.id for r, _ in filled.search_text("パトロール 河川", any_term=True, limit=50)}
    assert {"need-river", "need-vests", "org-sakura"} <= anyhits
    for junk in ['"', "*", "\\", "title:x", "~!^", "(", "清掃 AND (", "-", "NEAR/2", "{}[]"]:
        filled.search_text(junk)  # no syntax error reaches the user


# -- embeddings -------------------------------------------------------------------------------


def test_embeddings_put_get_and_replace(filled: GraphStore) -> None:
    vectors = {o.id: vec(i) for i, o in enumerate(organizations())}
    filled.put_embeddings("Organization", MODEL, vectors)
    got = filled.get_embeddings("Organization", MODEL)
    assert sorted(got) == sorted(vectors)
    for i, v in vectors.items():
        assert got[i].dtype == np.float32 and np.allclose(got[i], v, atol=1e-6)
    some = filled.get_embeddings("Organization", MODEL, ["org-city", "org-nowhere"])
    assert list(some) == ["org-city"]
    assert filled.get_embeddings("Organization", "other-model") == {}

    filled.put_embeddings("Organization", MODEL, {"org-city": vec(99)})
    assert np.allclose(
        filled.get_embeddings("Organization", MODEL, ["org-city"])["org-city"], vec(99)
    )
    with pytest.raises(StoreError):
        filled.put_embeddings("Organization", MODEL, {"org-nowhere": vec(1)})
    with pytest.raises(StoreError):
        filled.put_embeddings("Organization", MODEL, {"org-city": [float("nan")] * DIM})
    with pytest.raises(StoreError):  # cosine is undefined for a zero vector
        filled.put_embeddings("Organization", MODEL, {"org-city": np.zeros(DIM)})
    with pytest.raises(StoreError):
        filled.nearest("Organization", MODEL, np.zeros(DIM))
    # a rejected batch changes nothing
    assert np.allclose(
        filled.get_embeddings("Organization", MODEL, ["org-city"])["org-city"], vec(99)
    )


def test_nearest(filled: GraphStore) -> None:
    base = vec(0)
    noise = vec(1)
    # similarity to ``base`` falls steadily from org-city to org-tsunagu
    mix = {
        "org-city": base,
        "org-midori": base + 0.3 * noise,
        "org-sakura": base + 1.0 * noise,
        "org-school": base + 3.0 * noise,
        "org-tsunagu": -base,
    }
    filled.put_embeddings("Organization", MODEL, mix)
    order = ["org-city", "org-midori", "org-sakura", "org-school", "org-tsunagu"]

    top = filled.nearest("Organization", MODEL, base, k=10)
    assert [i for i, _ in top] == order
    for i, sim in top:
        v = mix[i]
        cos = float(v @ base / (np.linalg.norm(v) * np.linalg.norm(base)))
        assert sim == pytest.approx((1 + cos) / 2, abs=1e-3)
    assert top[0][1] == pytest.approx(1.0, abs=1e-4) and top[-1][1] == pytest.approx(0.0, abs=1e-4)

    assert [i for i, _ in filled.nearest("Organization", MODEL, base, k=2)] == order[:2]
    excluded = filled.nearest("Organization", MODEL, base, k=2, exclude=["org-city"])
    assert [i for i, _ in excluded] == order[1:3]
    assert filled.nearest("Need", MODEL, base, k=3) == []  # no need vectors stored


def test_embedding_cache(store: GraphStore) -> None:
    store.cache_embeddings(MODEL, {"hash-a": vec(1), "hash-b": vec(2)})
    got = store.cached_embeddings(MODEL, ["hash-a", "hash-c"])
    assert list(got) == ["hash-a"] and np.allclose(got["hash-a"], vec(1))
    assert store.cached_embeddings("other-model", ["hash-a"]) == {}
    store.cache_embeddings(MODEL, {"hash-a": vec(3)})
    assert np.allclose(store.cached_embeddings(MODEL, ["hash-a"])["hash-a"], vec(3))


# -- whole batches ----------------------------------------------------------------------------


def test_unknown_reference_writes_nothing(store: GraphStore) -> None:
    org = organizations()[0]
    orphan = Need(id="need-orphan", org_id="org-ghost", title="幽霊団体のニーズ")
    with pytest.raises(ReferenceError_, match="org-ghost"):
        store.upsert([org, needs()[0], orphan])
    assert store.get("Organization", "org-midori") is None
    assert store.get("Need", "need-river") is None
    assert store.count("Organization") == 0

    # references may point into the same batch, or to stored records
    store.upsert([org, needs()[0]])
    store.upsert([Interest(id="int-1", org_id="org-midori", need_id="need-river")])
    assert store.require("Interest", "int-1").need_id == "need-river"  # type: ignore[attr-defined]


def test_write_is_one_transaction(store: GraphStore) -> None:
    """A batch whose last node fails inside the backend leaves none of the batch written."""
    store.upsert([organizations()[0]])
    before = store.require("Organization", "org-midori")

    changed = organizations()[0].model_copy(update={"description": "書き換え途中"})
    bad = node_write(organizations()[2], props={"name": "株式会社つなぐ建設", "bad": {"a": 1}})
    batch = [node_write(changed), node_write(organizations()[1]), bad]
    with pytest.raises(StoreError):
        store._write(batch)

    assert store.get("Organization", "org-sakura") is None
    assert store.get("Organization", "org-tsunagu") is None
    assert store.require("Organization", "org-midori").description == before.description  # type: ignore[attr-defined]
    assert store.count("Organization") == 1
    assert hit_ids(store, "書き換え途中") == []
    # and the store still works
    assert store.upsert(organizations()[1:3]).created == ["org-sakura", "org-tsunagu"]


def test_large_batch_round_trip(store: GraphStore) -> None:
    """More records than one page (1,000) and than any backend's internal chunk."""
    many = [
        Organization(
            id=f"org-{i:04d}",
            name=f"地域団体{i}",
            sector=["NPO", "企業", "学校"][i % 3],
            area=["中央区", "東区"][i % 2],
            fields=[f"{i % 20 + 1:02d}"],
        )
        for i in range(1_200)
    ]
    assert len(store.upsert(many).created) == 1_200
    assert store.count("Organization") == 1_200
    assert [o.id for o in store.iter_all("Organization")] == [o.id for o in many]
    east = [o.id for o in many if o.area == "東区"]
    assert [o.id for o in store.iter_all("Organization", {"area": "東区"})] == east
    assert len(store.get_many("Organization", [o.id for o in many])) == 1_200
    assert store.count("Organization", {"sector": "school", "area": "東区"}) == 200
    assert store.count("Organization", {"fields": ["01", "02"]}) == 120
    assert len(store.upsert(many).unchanged) == 1_200
    store.soft_delete("Organization", "org-1100")  # on the second page
    assert len(list(store.iter_all("Organization"))) == 1_199
    assert len(list(store.iter_all("Organization", include_inactive=True))) == 1_200


def test_unusual_ids_and_text(store: GraphStore) -> None:
    odd = [
        "みどり川を守る会 (旧・中央地区)",
        'it\'s "quoted"',
        "a/b\\c%_*?",
        "x" * 190,
    ]
    orgs = [Organization(id=i, name=f"団体 {i}", sector="NPO", area="中央区") for i in odd]
    store.upsert(orgs)
    store.upsert([Need(id=f"need:{i}", org_id=i, title='手伝い募集 100% "急ぎ"') for i in odd])
    for i in odd:
        assert store.require("Organization", i).id == i
        assert edges_of(store, i, ["HAS_NEED"]) == {("HAS_NEED", "out", "Need", f"need:{i}", ())}
    assert store.list("Need", {"org_id": odd[2]}).total == 1
    assert len(store.search_text('"急ぎ"', kinds=["Need"])) == 4
    assert len(store.search_text("100%", kinds=["Need"])) == 4


def test_filters_agree_with_a_reference_implementation(store: GraphStore) -> None:
    """Random records and random filters (seeded): list() must return exactly what the
    documented semantics select (scalar: equals any value; list field: contains any value)."""
    rng = np.random.default_rng(7)
    areas = ["中央区", "東区", "西区", None]
    skills = ["草刈り", "調理", "運転", "翻訳", "IT支援"]
    kinds = ["people", "goods", "funds", "venue"]
    store.upsert([Organization(id=f"org-{i}", name=f"団体{i}", sector="NPO") for i in range(5)])
    recs = [
        Need(
            id=f"need-{i:03d}",
            org_id=f"org-{i % 5}",
            title=f"ニーズ{i}",
            area=areas[int(rng.integers(len(areas)))],
            skills=list(rng.choice(skills, size=int(rng.integers(0, 3)), replace=False)),
            resource_kinds=list(rng.choice(kinds, size=int(rng.integers(0, 3)), replace=False)),
            fields=[f"{int(f):02d}" for f in rng.choice(20, size=int(rng.integers(0, 3))) + 1],
            status=["open", "matched", "closed"][int(rng.integers(3))],
        )
        for i in range(80)
    ]
    store.upsert(recs)
    for name in ("need-003", "need-040"):
        store.soft_delete("Need", name)
    choices: dict[str, list[Any]] = {
        "area": ["中央区", "東区", "西区"],
        "skills": skills,
        "resource_kinds": kinds,
        "fields": [f"{i:02d}" for i in range(1, 21)],
        "status": ["open", "matched", "closed"],
        "org_id": [f"org-{i}" for i in range(5)],
    }
    list_fields = {"skills", "resource_kinds", "fields"}
    found = 0
    for _ in range(40):
        names = rng.choice(sorted(choices), size=int(rng.integers(1, 3)), replace=False)
        filters = {
            str(n): [str(v) for v in rng.choice(choices[n], size=int(rng.integers(1, 3)))]
            for n in names
        }
        include_inactive = bool(rng.integers(2))

        def matches(rec: Need, filters: dict[str, list[str]] = filters) -> bool:
            for name, values in filters.items():
                have = getattr(rec, name)
                if name in list_fields:
                    have_values = {getattr(h, "value", h) for h in have}
                    if not have_values & set(values):
                        return False
                elif getattr(have, "value", have) not in values:
                    return False
            return True

        stored = {r.id: r for r in store.iter_all("Need", include_inactive=True)}
        want = sorted(i for i, r in stored.items() if (include_inactive or r.active) and matches(r))
        page = store.list("Need", filters, limit=1000, include_inactive=include_inactive)
        assert ids(page) == want, filters
        assert page.total == len(want)
        found += bool(want)
    assert found >= 15  # the random filters do select records, not only empty pages


def test_nearest_agrees_with_brute_force(store: GraphStore) -> None:
    rng = np.random.default_rng(11)
    store.upsert([Organization(id="org-0", name="本部", sector="行政")])
    store.upsert([Offer(id=f"offer-{i:03d}", org_id="org-0", title=f"提供{i}") for i in range(150)])
    matrix = rng.normal(size=(150, DIM)).astype(np.float32)
    store.put_embeddings("Offer", MODEL, {f"offer-{i:03d}": matrix[i] for i in range(150)})
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    for _ in range(5):
        query = rng.normal(size=DIM).astype(np.float32)
        cos = unit @ (query / np.linalg.norm(query))
        best = np.argsort(-cos)[:10]
        got = store.nearest("Offer", MODEL, query, k=10)
        assert [i for i, _ in got] == [f"offer-{b:03d}" for b in best]
        assert [s for _, s in got] == pytest.approx([(1 + cos[b]) / 2 for b in best], abs=1e-4)


# -- the generation token (caches of what was read) -------------------------------------------


def another_handle(store: GraphStore) -> GraphStore:
    """A second, independent connection to the same database (as another process has)."""
    if store.backend == "embedded":
        from graph.embedded import EmbeddedStore

        assert isinstance(store, EmbeddedStore)
        return EmbeddedStore(store.path)
    from graph.neo4j_store import Neo4jStore

    assert isinstance(store, Neo4jStore)
    env = os.environ.get
    user, password = env("TSUNAGU_TEST_NEO4J_USER", "neo4j"), env("TSUNAGU_TEST_NEO4J_PASSWORD", "")
    return Neo4jStore(store.uri, user, password, store.database)


def test_generation_moves_with_writes_of_its_own_kind_only(store: GraphStore) -> None:
    keys = ["Organization", "Need", embeddings_key("Organization")]
    t0 = store.generation(keys)
    store.upsert(organizations())
    t1 = store.generation(keys)
    # (any write, Organization, Need, Organization vectors): only Organization moved
    assert t1[1] > t0[1] and (t1[0], t1[2], t1[3]) == (t0[0], t0[2], t0[3])
    store.upsert(organizations())  # unchanged records write nothing
    assert store.generation(keys) == t1
    store.upsert(
        [
            Suggestion(
                id="sug-g",
                suggestion_kind="org-org",
                subject_id="org-midori",
                candidate_id="org-sakura",
                score=0.5,
            )
        ]
    )
    assert store.generation(keys) == t1  # another kind
    store.put_embeddings("Organization", MODEL, {"org-midori": np.ones(DIM)})
    t2 = store.generation(keys)
    assert t2[:3] == t1[:3] and t2[3] > t1[3]
    store.soft_delete("Organization", "org-sakura")
    t3 = store.generation(keys)
    assert t3[1] > t2[1] and (t3[0], t3[2], t3[3]) == (t2[0], t2[2], t2[3])


def test_generation_moves_when_a_journaled_import_commits(store: GraphStore) -> None:
    from graph import journal

    t0 = store.generation(["Organization"])
    many = [
        Organization(id=f"org-j{i}", name=f"団体{i}", sector="NPO法人", description="")
        for i in range(7)
    ]
    journal.import_records(store, many, batch_size=3)  # three batches and a commit
    t1 = store.generation(["Organization"])
    assert t1 != t0 and t1[0] > t0[0]
    assert store.count("Organization") == 7


def test_generation_never_returns_to_an_earlier_token_after_clear(store: GraphStore) -> None:
    store.upsert(organizations())
    before = store.generation(["Organization", "Need"])
    store.clear()
    store.upsert(organizations())  # the same writes again on an empty store
    after = store.generation(["Organization", "Need"])
    # (any write, Organization, Need): the counters went on from where they were
    assert after[0] > before[0] and after[1] > before[1] and after[2] >= before[2]


def test_generation_sees_writes_by_another_connection(store: GraphStore) -> None:
    other = another_handle(store)
    try:
        t0 = store.generation(["Need"])
        other.upsert([organizations()[0]])
        assert store.generation(["Need"]) == t0
        other.upsert([needs()[0]])
        assert store.generation(["Need"])[1] == t0[1] + 1
    finally:
        other.close()


def test_get_many_kinds_equals_get_many_per_kind(store: GraphStore) -> None:
    store.upsert([*organizations(), *needs()])
    store.soft_delete("Organization", "org-sakura")
    org_ids = ["org-midori", "org-sakura", "org-missing"]
    need_ids = [n.id for n in needs()]
    got = store.get_many_kinds({"Organization": org_ids, "Need": need_ids, "Offer": []})
    assert set(got) == {"Organization", "Need", "Offer"}
    assert got["Offer"] == {}
    assert got["Organization"] == store.get_many("Organization", org_ids)
    assert set(got["Organization"]) == {"org-midori"}  # inactive and missing left out
    assert got["Need"] == store.get_many("Need", need_ids) and len(got["Need"]) == len(need_ids)
    with_inactive = store.get_many_kinds({"Organization": org_ids}, include_inactive=True)
    assert set(with_inactive["Organization"]) == {"org-midori", "org-sakura"}
    with pytest.raises(ValueError, match="unknown record kind"):
        store.get_many_kinds({"NoSuchKind": []})


def test_stored_ids_names_stored_records_of_the_kind_only(store: GraphStore) -> None:
    store.upsert([*organizations(), *needs()])
    store.soft_delete("Organization", "org-sakura")
    need = needs()[0].id
    asked = ["org-midori", "org-sakura", "org-missing", need, "org-midori"]
    assert store.stored_ids("Organization", asked) == {"org-midori", "org-sakura"}
    assert store.stored_ids("Need", asked) == {need}
    assert store.stored_ids("Offer", asked) == set()
    assert store.stored_ids("Organization", []) == set()
    with pytest.raises(ValueError, match="unknown record kind"):
        store.stored_ids("NoSuchKind", ["x"])


def test_records_around_equals_its_three_reads(store: GraphStore) -> None:
    """One call (one round trip on Neo4j) gives what get_many, neighbours_many and
    get_many_kinds give together; inactive records on either end are left out."""
    store.upsert(city())
    store.soft_delete("Organization", "org-sakura")
    store.soft_delete("Need", needs()[0].id)
    ids = ["org-midori", "org-sakura", "org-tsunagu", "org-missing"]
    types = ["HAS_NEED", "OFFERS", "PARTICIPATED_IN"]
    found, around, records = store.records_around("Organization", ids, types)
    assert found == store.get_many("Organization", ids)
    assert set(around) == set(found)
    assert around == store.neighbours_many(list(found), types)
    ends: dict[str, set[str]] = {}
    for nbs in around.values():
        for nb in nbs:
            ends.setdefault(nb.kind, set()).add(nb.id)
    want = store.get_many_kinds({k: sorted(v) for k, v in ends.items()})
    # (a kind whose records are all inactive may be absent or empty)
    assert {k: v for k, v in records.items() if v} == {k: v for k, v in want.items() if v}
    assert needs()[0].id not in records.get("Need", {})
    assert records and any(records.values())
