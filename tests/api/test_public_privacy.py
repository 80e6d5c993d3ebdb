"""Per record kind: what is private never appears in any public response — the public JSON
(every list, filter and detail), the public pages in both languages, the XLSX, and the errors.

Each private value is a unique marker string, so a leak anywhere is found by a plain search of
everything the public site answers.  Alongside private data the graph holds published data
that must appear (so the crawl is known to reach the places where a leak would show).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest

from graph.model import (
    Collaboration,
    HelpOffer,
    Interest,
    Need,
    Offer,
    Organization,
    Participant,
    PartnerEvaluation,
    Suggestion,
)
from tests.api.conftest import API, Env
from workflows.publication import FormGuard

PUB = f"{API}/public"

#: record kind -> the private markers planted in it
PRIVATE: dict[str, list[str]] = {
    "Organization": [
        "PRIV-contact-name",
        "priv-contact@example.jp",
        "000-PRIV-0000",
        "PRIV-desc-at-name-level",
        "PRIV-hidden-org-name",
    ],
    "Need": ["PRIV-coordinator-need", "PRIV-closed-need", "PRIV-deleted-need"],
    "Offer": ["PRIV-offer-title"],
    "Collaboration": ["PRIV-unpublished-collab", "PRIV-unconsented-collab", "PRIV-active-collab"],
    "PartnerEvaluation": ["PRIV-comment-not-chosen"],
    "CasePublication": ["PRIV-unpublished-summary"],
    "Suggestion": ["PRIV-suggestion-note", "PRIV-suggestion-why"],
    "Interest": ["PRIV-interest-message"],
    "HelpOffer": ["PRIV-helper-name", "priv-helper@example.jp", "PRIV-helper-message"],
    "User": ["PRIV-user-name"],
}
#: published values that must be found (the crawl reaches the case, the need, the directory)
PUBLIC = [
    "PUB-case-title",
    "PUB-chosen-comment",
    "PUB-summary",
    "子ども食堂の食材が足りない",
    "PUB-listed-org",
    "PUB-partner-org",
]


def plant(env: Env) -> None:
    s = env.store
    created = datetime(2026, 1, 1, tzinfo=UTC)
    s.upsert(
        [
            Organization(
                id="o-listed",
                name="PUB-listed-org",
                sector="npo",
                area="中央",
                description="PRIV-desc-at-name-level",
                contact_name="PRIV-contact-name",
                contact_email="priv-contact@example.jp",
                contact_phone="000-PRIV-0000",
            ),
            # a partner of the published case: named there (it agreed), though not in the directory
            Organization(id="o-hidden", name="PUB-partner-org", sector="business", area="中央"),
            Organization(id="o-secret", name="PRIV-hidden-org-name", sector="business", area="東"),
            Need(
                id="n-coord",
                org_id="o-listed",
                title="PRIV-coordinator-need",
                visibility="coordinators",
            ),
            Need(id="n-closed", org_id="o-listed", title="PRIV-closed-need", status="closed"),
            Need(id="n-deleted", org_id="o-listed", title="PRIV-deleted-need"),
            Offer(id="of-1", org_id="o-listed", title="PRIV-offer-title"),
            Collaboration(
                id="c-pub",
                title="PUB-case-title",
                form="co_hosting",
                starts=date(2025, 5, 1),
                ends=date(2025, 6, 1),
                status="ended",
                need_ids=["n-coord"],
                participants=[Participant(org_id="o-listed"), Participant(org_id="o-hidden")],
                evaluations=[
                    PartnerEvaluation(
                        org_id="o-listed",
                        targets=4,
                        form=4,
                        strengths=4,
                        selection=4,
                        relationship=4,
                        comment="PUB-chosen-comment",
                        evaluated_by="PRIV-user-name",
                    ),
                    PartnerEvaluation(
                        org_id="o-hidden",
                        targets=3,
                        form=3,
                        strengths=3,
                        selection=3,
                        relationship=3,
                        comment="PRIV-comment-not-chosen",
                    ),
                ],
            ),
            Collaboration(
                id="c-unpub",
                title="PRIV-unpublished-collab",
                form="grant",
                starts=date(2025, 5, 1),
                ends=date(2025, 7, 1),
                status="ended",
                participants=[Participant(org_id="o-listed")],
            ),
            Collaboration(
                id="c-unconsented",
                title="PRIV-unconsented-collab",
                form="grant",
                starts=date(2025, 5, 1),
                ends=date(2025, 7, 1),
                status="ended",
                participants=[Participant(org_id="o-listed"), Participant(org_id="o-secret")],
            ),
            Collaboration(
                id="c-active",
                title="PRIV-active-collab",
                form="grant",
                starts=date(2025, 5, 1),
                participants=[Participant(org_id="o-listed")],
            ),
            Suggestion(
                id="s-1",
                subject_id="o-listed",
                candidate_id="o-secret",
                score=0.5,
                note="PRIV-suggestion-note",
                explanation={"ja": "PRIV-suggestion-why"},
            ),
            Interest(
                id="i-1", org_id="biz-food", need_id="need-food", message="PRIV-interest-message"
            ),
            HelpOffer(
                id="h-1",
                need_id="need-food",
                name="PRIV-helper-name",
                email="priv-helper@example.jp",
                message="PRIV-helper-message",
                created_at=created,
            ),
        ]
    )
    s.soft_delete("Need", "n-deleted")
    from graph.model import Role
    from workflows.tokens import create_user

    create_user(s, "PRIV-user-name", Role.STAFF)
    put = env.client.put
    staff = env.auth("staff")
    assert (
        put(
            f"{API}/publication/organizations/o-listed", headers=staff, json={"level": "name"}
        ).status_code
        == 200
    )
    assert (
        put(
            f"{API}/publication/organizations/biz-food",
            headers=staff,
            json={"level": "profile", "contributions": True},
        ).status_code
        == 200
    )
    assert (
        put(
            f"{API}/publication/collaborations/c-pub",
            headers=staff,
            json={
                "consents": ["o-listed", "o-hidden"],
                "published": True,
                "summary": "PUB-summary",
                "public_comments": ["o-listed"],
                "recognised": True,
            },
        ).status_code
        == 200
    )
    # unpublished: consented but never published; its summary stays private
    assert (
        put(
            f"{API}/publication/collaborations/c-unpub",
            headers=staff,
            json={"consents": ["o-listed"], "summary": "PRIV-unpublished-summary"},
        ).status_code
        == 200
    )
    # published once, then a partner withdrew its consent
    assert (
        put(
            f"{API}/publication/collaborations/c-unconsented",
            headers=staff,
            json={"consents": ["o-listed", "o-secret"], "published": True},
        ).status_code
        == 200
    )
    assert (
        put(
            f"{API}/publication/collaborations/c-unconsented",
            headers=staff,
            json={"consents": ["o-listed"], "published": False},
        ).status_code
        == 200
    )
    # and the indicator sheet: an entered indicator whose note is not part of the report
    assert (
        put(
            f"{API}/indicators/ind-x",
            headers=staff,
            json={
                "name_ja": "指標",
                "baseline_year": 2020,
                "baseline_value": 1,
                "targets": [{"year": 2025, "value": 2}],
            },
        ).status_code
        == 200
    )


def public_answers(env: Env) -> str:
    """Everything the public site answers, as one text (bodies of JSON, pages, XLSX, errors)."""
    c = env.client
    env.client.app.state.form_guard = FormGuard(b"k", min_seconds=0)  # type: ignore[attr-defined]
    out: list[str] = []
    urls = [
        f"{PUB}/needs",
        f"{PUB}/needs?q=PRIV",
        f"{PUB}/cases",
        f"{PUB}/recognised",
        f"{PUB}/businesses",
        f"{PUB}/organizations",
        f"{PUB}/organizations?q=PRIV",
        f"{PUB}/indicators",
        f"{PUB}/form-token",
        f"{PUB}/cases?form=grant",
        f"{PUB}/cases?year=2025",
        f"{PUB}/cases?area=中央",
    ]
    ids = ["c-pub", "c-unpub", "c-unconsented", "c-active", "collab-old", "nope"]
    urls += [f"{PUB}/cases/{i}" for i in ids]
    needs = ["need-food", "need-map", "need-private", "n-coord", "n-closed", "n-deleted", "nope"]
    urls += [f"{PUB}/needs/{i}" for i in needs]
    pages = [
        "/public",
        "/public/needs",
        "/public/cases",
        "/public/recognised",
        "/public/businesses",
        "/public/organizations",
        "/public/indicators",
        "/public/needs?q=PRIV",
        "/public/organizations?q=PRIV",
    ]
    pages += [f"/public/cases/{i}" for i in ids] + [f"/public/needs/{i}" for i in needs]
    for url in urls + pages + [p + ("&" if "?" in p else "?") + "lang=en" for p in pages]:
        got = c.get(url)
        assert got.status_code in (200, 404), (url, got.status_code, got.text[:200])
        out.append(got.text)
    for lang in ("ja", "en"):
        xlsx = c.get(f"{PUB}/indicators.xlsx", params={"lang": lang}).content
        with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
            out += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    # the offer form's answers and errors (a private need, bad input)
    token = c.get(f"{PUB}/form-token").json()["token"]
    for need in ("n-coord", "need-food"):
        got = c.post(
            f"{PUB}/needs/{need}/offers", json={"name": "x", "email": "bad", "token": token}
        )
        out.append(got.text)
    return "\n".join(out)


@pytest.mark.parametrize("kind", sorted(PRIVATE))
def test_private_fields_never_appear_in_public_responses(env: Env, kind: str) -> None:
    plant(env)
    text = public_answers(env)
    for value in PUBLIC:
        assert value in text, f"the crawl did not reach {value!r}"
    leaked = [m for m in PRIVATE[kind] if m in text]
    assert not leaked, f"{kind}: private values in public responses: {leaked}"


def test_the_public_site_needs_no_token_and_ignores_one(env: Env) -> None:
    plant(env)
    anonymous = env.client.get(f"{PUB}/organizations").json()
    as_admin = env.get("admin", f"{PUB}/organizations").json()
    assert anonymous == as_admin  # a token shows no more on the public site
    assert {o["id"] for o in anonymous} == {"o-listed", "biz-food"}
