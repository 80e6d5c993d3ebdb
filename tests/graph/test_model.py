"""The domain model: enums read Japanese and English labels, fields parse, bad values give
errors that say what and where, and the relationships each record implies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from graph.model import (
    NPO_FIELDS,
    Area,
    Collaboration,
    CollaborationForm,
    CollaborationStatus,
    Edge,
    Intensity,
    Interest,
    Need,
    NeedStatus,
    Offer,
    Organization,
    ResourceKind,
    Sector,
    Suggestion,
    User,
    Visibility,
    parse_field,
    record_type,
    referenced_ids,
    relationships_of,
)


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("NPO法人", Sector.NPO),
        ("特定非営利活動法人", Sector.NPO),
        ("自治会", Sector.ASSOCIATION),
        ("区・自治会", Sector.ASSOCIATION),
        ("企業", Sector.BUSINESS),
        ("Business", Sector.BUSINESS),
        (" business ", Sector.BUSINESS),
        ("City government", Sector.GOVERNMENT),
        ("市役所", Sector.GOVERNMENT),
        ("社協", Sector.WELFARE),
        ("中学校", Sector.SCHOOL),
        (Sector.OTHER, Sector.OTHER),
    ],
)
def test_sector_parses_labels_and_aliases(text: object, member: Sector) -> None:
    assert Sector.parse(text) is member


def test_every_enum_member_parses_its_own_labels() -> None:
    for enum in (
        Sector,
        ResourceKind,
        CollaborationForm,
        CollaborationStatus,
        Intensity,
        NeedStatus,
        Visibility,
    ):
        for member in enum:
            assert enum.parse(member.label_ja) is member
            assert enum.parse(member.label_en) is member
            assert enum.parse(member.value) is member


def test_the_nine_collaboration_forms() -> None:
    assert len(CollaborationForm) == 9
    assert CollaborationForm.parse("実行委員会") is CollaborationForm.JOINT_COMMITTEE
    assert CollaborationForm.parse("委託") is CollaborationForm.COMMISSIONING
    assert CollaborationForm.parse("Information exchange") is CollaborationForm.INFORMATION_EXCHANGE
    assert CollaborationForm.GRANT.label_ja == "補助・助成"
    assert CollaborationForm.CO_HOSTING.label_en == "Co-hosting"


def test_unknown_enum_value_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown Sector '宇宙人'") as err:
        Sector.parse("宇宙人")
    assert "npo (NPO・市民活動団体)" in str(err.value)


def test_resource_kinds_parse_in_needs_and_offers() -> None:
    need = Need(id="n", org_id="o", title="t", resource_kinds="人・モノ、資金")
    assert need.resource_kinds == [ResourceKind.FUNDS, ResourceKind.GOODS, ResourceKind.PEOPLE]
    offer = Offer(id="f", org_id="o", title="t", resource_kinds=["場所", "Skills", "知識"])
    assert set(offer.resource_kinds) == {
        ResourceKind.VENUE,
        ResourceKind.SKILLS,
        ResourceKind.KNOWLEDGE,
    }
    with pytest.raises(ValidationError, match="resource_kinds"):
        Offer(id="f", org_id="o", title="t", resource_kinds=["魔法"])


def test_npo_fields_are_the_twenty_of_the_law() -> None:
    assert [f.code for f in NPO_FIELDS] == [f"{i:02d}" for i in range(1, 21)]
    assert len({f.name_ja for f in NPO_FIELDS}) == 20
    assert (
        NPO_FIELDS[6].name_ja == "環境保全"
        and NPO_FIELDS[6].name_en == "Environmental conservation"
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("7", "07"),
        (7, "07"),
        ("07", "07"),
        ("環境保全", "07"),
        ("Environmental conservation", "07"),
        ("environmental conservation", "07"),
        ("子育て", "13"),
        ("高齢者の福祉活動", "01"),  # contains a field word
        ("20", "20"),
    ],
)
def test_parse_field(value: object, code: str) -> None:
    assert parse_field(value) == code


@pytest.mark.parametrize("value", ["0", "21", "宇宙開発", ""])
def test_parse_field_rejects_unknown(value: str) -> None:
    with pytest.raises(ValueError, match="unknown activity field"):
        parse_field(value)


def test_organization_parses_and_validates() -> None:
    org = Organization(
        id="  org-1 ",
        name="みどり川を守る会",
        sector="NPO法人",
        fields="環境保全、まちづくり",
        corporate_number="1234567890123",
    )
    assert org.id == "org-1"
    assert org.sector is Sector.NPO
    assert org.fields == ["03", "07"]
    assert "みどり川を守る会" in org.text()

    with pytest.raises(ValidationError, match="corporate_number"):
        Organization(id="o", name="n", sector="NPO", corporate_number="123")
    with pytest.raises(ValidationError, match="id"):
        Organization(id="   ", name="n", sector="NPO")
    with pytest.raises(ValidationError, match="sector"):
        Organization(id="o", name="n", sector="宇宙人")
    with pytest.raises(ValidationError, match="fields"):
        Organization(id="o", name="n", sector="NPO", fields=["宇宙開発"])
    with pytest.raises(ValidationError, match="colour"):
        Organization(id="o", name="n", sector="NPO", colour="green")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://kids.example.jp/about?x=1#top", "https://kids.example.jp/about?x=1#top"),
        ("  HTTP://Example.jp ", "HTTP://Example.jp"),
        ("mailto:info@example.jp", "mailto:info@example.jp"),
        ("www.example.jp/katsudo", "https://www.example.jp/katsudo"),  # as registers write it
        ("example.jp", "https://example.jp"),
        ("", None),
        (None, None),
    ],
)
def test_website_keeps_web_and_mail_addresses(given: str | None, kept: str | None) -> None:
    assert Organization(id="o", name="n", sector="npo", website=given).website == kept


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "https://",
        "https://exa mple.jp",
        "mailto:",
        "file:///etc/passwd",
    ],
)
def test_website_refuses_other_schemes(bad: str) -> None:
    with pytest.raises(ValidationError, match="website"):
        Organization(id="o", name="n", sector="npo", website=bad)


def test_need_dates_and_skills() -> None:
    need = Need(id="n", org_id="o", title="t", skills="草刈り、 安全管理,草刈り")
    assert need.skills == ["安全管理", "草刈り"]
    with pytest.raises(ValidationError, match="ends must not be before starts"):
        Need(id="n", org_id="o", title="t", starts=date(2024, 5, 2), ends=date(2024, 5, 1))
    with pytest.raises(ValidationError, match="status"):
        Need(id="n", org_id="o", title="t", status="maybe")


def collab(**kw: object) -> Collaboration:
    base: dict[str, object] = {
        "id": "c",
        "title": "クリーン作戦",
        "form": "共催",
        "starts": "2024-06-01",
        "participants": [{"org_id": "a", "role": "lead"}, {"org_id": "b"}],
    }
    return Collaboration(**{**base, **kw})  # type: ignore[arg-type]


def test_collaboration_parses() -> None:
    c = collab(status="終了", intensity="調整", ends="2024-06-30")
    assert c.form is CollaborationForm.CO_HOSTING
    assert c.status is CollaborationStatus.ENDED
    assert c.intensity is Intensity.COORDINATION
    assert c.starts == date(2024, 6, 1) and c.ends == date(2024, 6, 30)
    assert c.org_ids() == ["a", "b"]
    assert c.participants[1].role == "partner"


def test_collaboration_checks() -> None:
    with pytest.raises(ValidationError, match="ends must not be before starts"):
        collab(ends="2024-05-31")
    with pytest.raises(ValidationError, match="listed twice"):
        collab(participants=[{"org_id": "a"}, {"org_id": "a", "role": "partner"}])
    with pytest.raises(ValidationError, match="participants"):
        collab(participants=[])
    with pytest.raises(ValidationError, match="starts"):
        collab(starts="2024-13-01")
    with pytest.raises(ValidationError, match="form"):
        collab(form="合併")


def test_collaboration_evaluations() -> None:
    scores = {"targets": 4, "form": 5, "strengths": 3, "selection": 4, "relationship": 4}
    c = collab(evaluations=[{"org_id": "a", **scores}, {"org_id": "b", **{**scores, "targets": 2}}])
    assert c.evaluations[0].mean() == pytest.approx(4.0)
    assert c.mean_evaluation() == pytest.approx((4.0 + 3.6) / 2)
    assert collab().mean_evaluation() is None
    with pytest.raises(ValidationError, match="targets"):
        collab(evaluations=[{"org_id": "a", **{**scores, "targets": 6}}])


def test_business_user_needs_an_organization() -> None:
    with pytest.raises(ValidationError, match="business user must be bound"):
        User(id="u", name="田中", role="business", token_hash="x")
    assert User(id="u", name="田中", role="coordinator", token_hash="x").org_id is None


def test_content_hash_ignores_timestamps_only() -> None:
    org = Organization(id="o", name="n", sector="NPO")
    stamped = org.model_copy(update={"created_at": datetime(2020, 1, 1, tzinfo=UTC)})
    assert org.content_hash() == stamped.content_hash()
    assert org.content_hash() != org.model_copy(update={"name": "m"}).content_hash()
    assert org.content_hash() != org.model_copy(update={"active": False}).content_hash()


def test_record_type() -> None:
    assert record_type("Need") is Need
    with pytest.raises(ValueError, match="unknown record kind 'Nope'"):
        record_type("Nope")


def same(got: list[Edge], want: list[Edge]) -> bool:
    """Equal as multisets (edges hold dicts, so they cannot go in a set)."""
    return sorted(got, key=repr) == sorted(want, key=repr)


def test_relationships_of_each_kind() -> None:
    org = Organization(id="o", name="n", sector="NPO", area="中央区", fields=["07"])
    assert same(
        relationships_of(org),
        [
            Edge("o", "LOCATED_IN", "Area", "中央区", {}),
            Edge("o", "IN_FIELD", "Field", "07", {}),
        ],
    )
    need = Need(id="n", org_id="o", title="t", skills=["草刈り"], fields=["07"], area="東区")
    assert same(
        relationships_of(need),
        [
            Edge("o", "HAS_NEED", "Need", "n", {}),
            Edge("n", "REQUIRES", "Skill", "草刈り", {}),
            Edge("n", "IN_FIELD", "Field", "07", {}),
            Edge("n", "LOCATED_IN", "Area", "東区", {}),
        ],
    )
    offer = Offer(id="f", org_id="o", title="t", skills=["調理"])
    assert same(
        relationships_of(offer),
        [
            Edge("o", "OFFERS", "Offer", "f", {}),
            Edge("f", "PROVIDES", "Skill", "調理", {}),
        ],
    )
    c = collab(need_ids=["n"], suggestion_id="s")
    edges = relationships_of(c)
    assert Edge("a", "PARTICIPATED_IN", "Collaboration", "c", {"role": "lead"}) in edges
    assert Edge("b", "PARTICIPATED_IN", "Collaboration", "c", {"role": "partner"}) in edges
    assert Edge("c", "ADDRESSES", "Need", "n", {}) in edges
    assert Edge("c", "FROM_SUGGESTION", "Suggestion", "s", {}) in edges
    s = Suggestion(id="s", subject_id="a", candidate_id="b", need_id="n", score=0.5)
    assert same(
        relationships_of(s),
        [
            Edge("s", "SUGGESTS", "Organization", "b", {}),
            Edge("s", "SUGGESTS", "Need", "n", {}),
        ],
    )
    i = Interest(id="i", org_id="b", need_id="n")
    assert relationships_of(i) == [Edge("b", "INTERESTED_IN", "Need", "n", {"interest": "i"})]


def test_referenced_ids() -> None:
    assert referenced_ids(Need(id="n", org_id="o", title="t")) == [("Organization", "o")]
    assert referenced_ids(Interest(id="i", org_id="b", need_id="n")) == [
        ("Organization", "b"),
        ("Need", "n"),
    ]
    assert referenced_ids(collab(need_ids=["n"])) == [
        ("Organization", "a"),
        ("Organization", "b"),
        ("Need", "n"),
    ]
    s = Suggestion(id="s", subject_id="a", candidate_id="b", score=0.5)
    assert referenced_ids(s) == [("Organization", "a"), ("Organization", "b")]
    assert referenced_ids(Organization(id="o", name="n", sector="NPO")) == []
    assert referenced_ids(Offer(id="f", org_id="o", title="t")) == [("Organization", "o")]
    assert referenced_ids(Area(id="a", name="a")) == []

    class Request(Need):  # a kind's subclass is answered by the type tests, as before
        pass

    assert referenced_ids(Request(id="r", org_id="o", title="t")) == [("Organization", "o")]
    # the kinds an import does not bring (built unvalidated: only the fields read here)
    import graph.model as m

    assert referenced_ids(m.HelpOffer.model_construct(need_id="n")) == [("Need", "n")]
    case = m.CasePublication.model_construct(collaboration_id="c")
    assert referenced_ids(case) == [("Collaboration", "c")]
    assert referenced_ids(m.PublicProfile.model_construct(org_id="o")) == [("Organization", "o")]
    assert referenced_ids(m.User.model_construct(org_id="o")) == [("Organization", "o")]
    assert referenced_ids(m.User.model_construct(org_id=None)) == []
    assert referenced_ids(m.Indicator.model_construct()) == []


def test_a_planned_writes_doc_is_the_record_with_its_stamps() -> None:
    """PlannedWrite.write makes the doc from the content JSON the hash was computed on (not a
    second serialisation): it must read back as the record with its timestamps and version,
    text with quotes, backslashes, line breaks and Japanese included."""
    from graph.store import PlannedWrite, content_hashes

    need = Need(
        id='n "1"',
        org_id="o\\1",
        title='子ども食堂 "はらぺこ"',
        description="一行目\n二行目\t終わり",
        skills=["調理"],
        starts=date(2026, 4, 1),
    )
    content, digest, text = content_hashes({("Need", need.id): need})[("Need", need.id)]
    assert digest == need.content_hash()
    at = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC)
    later = datetime(2026, 12, 3, tzinfo=UTC)
    w = PlannedWrite("Need", need.id, digest, 2, need, content, at, later, text).write()
    stored = need.model_copy(update={"created_at": at, "updated_at": later, "version": 3})
    assert json.loads(w.doc) == json.loads(stored.model_dump_json())
    assert Need.model_validate_json(w.doc) == stored
    assert (w.created_at, w.updated_at) == (at.isoformat(), later.isoformat())
