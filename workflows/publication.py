"""Openness (公開の原則): what the public site shows, and the acts that publish it.

Publication is a deliberate act by staff, a coordinator or an admin (:func:`set_case`,
:func:`set_profile`), never a side effect: a collaboration, an organization's public profile and
a business's contribution list are private until published, and unpublishing takes them down at
once, because every public answer is computed from the store on each request.

Public answers are built field by field from allow-lists (the ``Public*`` models), never by
copying a record and removing what is private, so a field added to a record later stays private
until someone adds it here.  A thing that is not public answers exactly like a thing that does
not exist.

The anonymous offer of help (:func:`offer_help`) is guarded without an outside service: a
honeypot field that people never see, a minimum time between fetching the form and sending it
(signed in the form token, so it cannot be forged), and a per-address limit kept in memory
(:class:`RateLimit`).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import date

from pydantic import BaseModel

from graph.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph.model import (
    CasePublication,
    Collaboration,
    CollaborationForm,
    CollaborationStatus,
    DisclosureLevel,
    HelpOffer,
    InterestStatus,
    Need,
    NeedStatus,
    Organization,
    PublicProfile,
    Record,
    ResourceKind,
    Sector,
    User,
    Visibility,
    utcnow,
)
from graph.store import GraphStore, NotFoundError
from workflows.access import check_publishing, coordinating

#: the levels at which an organization appears in the directory, and what each adds
_SHOWS_PROFILE = (DisclosureLevel.PROFILE, DisclosureLevel.CONTACT)
EVALUATION_ITEMS = ("targets", "form", "strengths", "selection", "relationship")


# --------------------------------------------------------------------------------------------
# What the public sees
# --------------------------------------------------------------------------------------------


class PublicOrganization(BaseModel):
    """An organization in the public directory, at its disclosure level."""

    id: str
    name: str
    sector: Sector
    area: str | None = None
    level: DisclosureLevel
    description: str | None = None
    fields: list[str] = []
    website: str | None = None
    founded: date | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


class PublicNeed(BaseModel):
    """An open public need, with the way to offer help."""

    id: str
    title: str
    description: str
    fields: list[str]
    resource_kinds: list[ResourceKind]
    skills: list[str]
    area: str | None
    starts: date | None
    ends: date | None
    #: the organization's name, only when its profile is published
    org_name: str | None = None


class PublicPartner(BaseModel):
    id: str
    name: str
    sector: Sector
    role: str


class PublicComment(BaseModel):
    org_name: str
    comment: str


class PublicEvaluation(BaseModel):
    """The evaluation's summary: how many partners evaluated, the mean of each of Saku's five
    items and overall (1–5), the published summary and the comments chosen for publication."""

    count: int
    means: dict[str, float]
    overall: float | None
    summary: str
    comments: list[PublicComment]


class PublicCase(BaseModel):
    """A collaboration in the case collection (事例集)."""

    id: str
    title: str
    description: str
    form: CollaborationForm
    starts: date
    ends: date | None
    year: int  # the fiscal year it started in
    fields: list[str]
    areas: list[str]
    partners: list[PublicPartner]
    evaluation: PublicEvaluation
    recognised: bool
    recognised_year: int | None
    recognition_note: str


class Contribution(BaseModel):
    case_id: str
    title: str
    form: CollaborationForm
    year: int
    role: str


class PublicBusiness(BaseModel):
    """A cooperating business and what it contributed (its published cases)."""

    id: str
    name: str
    area: str | None
    description: str | None
    website: str | None
    contributions: list[Contribution]


def fiscal_year(day: date) -> int:
    """The fiscal year (年度, April to March) that ``day`` falls in."""
    return day.year if day.month >= 4 else day.year - 1


def _profiles(store: GraphStore) -> dict[str, PublicProfile]:
    out: dict[str, PublicProfile] = {}
    for p in store.iter_all("PublicProfile"):
        assert isinstance(p, PublicProfile)
        out[p.org_id] = p
    return out


def _listed(profile: PublicProfile | None) -> bool:
    return profile is not None and profile.level != DisclosureLevel.HIDDEN


def public_organization(org: Organization, level: DisclosureLevel) -> PublicOrganization:
    """``org`` as the directory shows it at ``level``."""
    out = PublicOrganization(
        id=org.id, name=org.name, sector=org.sector, area=org.area, level=level
    )
    if level in _SHOWS_PROFILE:
        out.description = org.description
        out.fields = list(org.fields)
        out.website = org.website
        out.founded = org.founded
    if level == DisclosureLevel.CONTACT:
        out.contact_name = org.contact_name
        out.contact_email = org.contact_email
        out.contact_phone = org.contact_phone
    return out


def _text_hit(q: str | None, *texts: str | None) -> bool:
    if not q:
        return True
    needle = q.strip().casefold()
    return any(needle in (t or "").casefold() for t in texts)


def directory(
    store: GraphStore,
    q: str | None = None,
    sector: Sector | None = None,
    area: str | None = None,
    field: str | None = None,
) -> list[PublicOrganization]:
    """The organizations a coordinator listed, at their levels, by name."""
    profiles = {k: p for k, p in _profiles(store).items() if _listed(p)}
    orgs = store.get_many("Organization", sorted(profiles))
    out = []
    for org_id, org in orgs.items():
        assert isinstance(org, Organization)
        shown = public_organization(org, profiles[org_id].level)
        if sector and shown.sector != sector:
            continue
        if area and shown.area != area:
            continue
        if field and field not in shown.fields:
            continue
        if not _text_hit(q, shown.name, shown.description):
            continue
        out.append(shown)
    return sorted(out, key=lambda o: (o.name, o.id))


def _is_public_need(need: Need | None) -> bool:
    return (
        need is not None
        and need.active
        and need.status == NeedStatus.OPEN
        and need.visibility == Visibility.PUBLIC
    )


def _public_need(need: Need, org_names: dict[str, str]) -> PublicNeed:
    return PublicNeed(
        id=need.id,
        title=need.title,
        description=need.description,
        fields=list(need.fields),
        resource_kinds=list(need.resource_kinds),
        skills=list(need.skills),
        area=need.area,
        starts=need.starts,
        ends=need.ends,
        org_name=org_names.get(need.org_id),
    )


def _listed_names(store: GraphStore, org_ids: Iterable[str]) -> dict[str, str]:
    profiles = _profiles(store)
    listed = sorted({i for i in org_ids if _listed(profiles.get(i))})
    return {
        i: o.name
        for i, o in store.get_many("Organization", listed).items()
        if isinstance(o, Organization)
    }


def public_needs(
    store: GraphStore,
    q: str | None = None,
    field: str | None = None,
    area: str | None = None,
    resource_kind: ResourceKind | None = None,
) -> list[PublicNeed]:
    """Open public needs, searchable, newest first."""
    filters: dict[str, object] = {"status": NeedStatus.OPEN, "visibility": Visibility.PUBLIC}
    if field:
        filters["fields"] = field
    if area:
        filters["area"] = area
    if resource_kind:
        filters["resource_kinds"] = resource_kind
    needs = [n for n in store.iter_all("Need", filters) if isinstance(n, Need)]
    needs = [
        n
        for n in needs
        if _is_public_need(n) and _text_hit(q, n.title, n.description, " ".join(n.skills))
    ]
    names = _listed_names(store, (n.org_id for n in needs))
    needs.sort(key=lambda n: (n.created_at or utcnow(), n.id), reverse=True)
    return [_public_need(n, names) for n in needs]


def _no_public_need(need_id: str) -> NotFound:
    return NotFound(f"公開中のニーズ {need_id!r} はありません", f"no open public need {need_id!r}")


def public_need(store: GraphStore, need_id: str) -> PublicNeed:
    """One open public need; any other need answers as if it did not exist."""
    need = store.get("Need", need_id)
    if not isinstance(need, Need) or not _is_public_need(need):
        raise _no_public_need(need_id)
    return _public_need(need, _listed_names(store, [need.org_id]))


def _published(pub: CasePublication | None, collab: Collaboration | None) -> bool:
    """Whether a case is public now: published, ended, and agreed to by every partner."""
    return (
        pub is not None
        and pub.active
        and pub.published
        and collab is not None
        and collab.active
        and collab.status == CollaborationStatus.ENDED
        and set(collab.org_ids()) <= set(pub.consents)
    )


def _cases(store: GraphStore) -> list[PublicCase]:
    pubs = {
        p.collaboration_id: p
        for p in store.iter_all("CasePublication", {"published": True})
        if isinstance(p, CasePublication)
    }
    collabs = store.get_many("Collaboration", sorted(pubs))
    live = [
        (pubs[i], c)
        for i, c in collabs.items()
        if isinstance(c, Collaboration) and _published(pubs[i], c)
    ]
    org_ids = sorted({o for _, c in live for o in c.org_ids()})
    orgs = {
        i: o
        for i, o in store.get_many("Organization", org_ids, include_inactive=True).items()
        if isinstance(o, Organization)
    }
    need_ids = sorted({n for _, c in live for n in c.need_ids})
    needs = {
        i: n
        for i, n in store.get_many("Need", need_ids, include_inactive=True).items()
        if isinstance(n, Need)
    }
    out = [_case(p, c, orgs, needs) for p, c in live]
    return sorted(out, key=lambda c: (c.ends or c.starts, c.id), reverse=True)


def _case(
    pub: CasePublication,
    collab: Collaboration,
    orgs: dict[str, Organization],
    needs: dict[str, Need],
) -> PublicCase:
    partners = [
        PublicPartner(
            id=p.org_id, name=orgs[p.org_id].name, sector=orgs[p.org_id].sector, role=p.role
        )
        for p in collab.participants
        if p.org_id in orgs
    ]
    fields = {f for n in collab.need_ids if n in needs for f in needs[n].fields}
    if not fields:
        fields = {f for p in partners for f in orgs[p.id].fields}
    areas = sorted({a for p in partners if (a := orgs[p.id].area)})
    evals = collab.evaluations
    means = (
        {
            item: round(sum(getattr(e, item) for e in evals) / len(evals), 2)
            for item in EVALUATION_ITEMS
        }
        if evals
        else {}
    )
    comments = [
        PublicComment(org_name=orgs[e.org_id].name, comment=e.comment)
        for e in evals
        if e.org_id in pub.public_comments and e.comment and e.org_id in orgs
    ]
    overall = collab.mean_evaluation()
    return PublicCase(
        id=collab.id,
        title=collab.title,
        description=collab.description,
        form=collab.form,
        starts=collab.starts,
        ends=collab.ends,
        year=fiscal_year(collab.starts),
        fields=sorted(fields),
        areas=areas,
        partners=partners,
        evaluation=PublicEvaluation(
            count=len(evals),
            means=means,
            overall=None if overall is None else round(overall, 2),
            summary=pub.summary,
            comments=comments,
        ),
        recognised=pub.recognised,
        recognised_year=pub.recognised_year,
        recognition_note=pub.recognition_note if pub.recognised else "",
    )


def case_collection(
    store: GraphStore,
    field: str | None = None,
    area: str | None = None,
    form: CollaborationForm | None = None,
    year: int | None = None,
    recognised: bool | None = None,
) -> list[PublicCase]:
    """The published cases, most recently ended first, filtered by field, district, form,
    fiscal year and recognition."""
    return [
        c
        for c in _cases(store)
        if (field is None or field in c.fields)
        and (area is None or area in c.areas)
        and (form is None or c.form == form)
        and (year is None or c.year == year)
        and (recognised is None or c.recognised == recognised)
    ]


def public_case(store: GraphStore, case_id: str) -> PublicCase:
    """One published case; any other collaboration answers as if it did not exist."""
    for c in _cases(store):
        if c.id == case_id:
            return c
    raise NotFound(f"公開中の事例 {case_id!r} はありません", f"no published case {case_id!r}")


def cooperating_businesses(store: GraphStore) -> list[PublicBusiness]:
    """Businesses whose contribution list a coordinator published, with their published
    cases (each agreed to by every partner)."""
    profiles = {k: p for k, p in _profiles(store).items() if p.contributions}
    orgs = store.get_many("Organization", sorted(profiles))
    cases = _cases(store)
    out = []
    for org_id, org in sorted(
        orgs.items(), key=lambda kv: (kv[1].name if isinstance(kv[1], Organization) else "", kv[0])
    ):
        if not isinstance(org, Organization) or org.sector != Sector.BUSINESS:
            continue
        level = profiles[org_id].level
        contributions = [
            Contribution(case_id=c.id, title=c.title, form=c.form, year=c.year, role=p.role)
            for c in cases
            for p in c.partners
            if p.id == org_id
        ]
        out.append(
            PublicBusiness(
                id=org.id,
                name=org.name,
                area=org.area,
                description=org.description if level in _SHOWS_PROFILE else None,
                website=org.website if level in _SHOWS_PROFILE else None,
                contributions=contributions,
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# The acts that publish (staff, coordinators, admins)
# --------------------------------------------------------------------------------------------


def _collaboration(store: GraphStore, collaboration_id: str) -> Collaboration:
    collab = store.get("Collaboration", collaboration_id)
    if not isinstance(collab, Collaboration):
        raise NotFound(
            f"協働事業 {collaboration_id!r} が見つかりません",
            f"no Collaboration with id {collaboration_id!r}",
        )
    return collab


def case_id_for(collaboration_id: str) -> str:
    return f"case-{collaboration_id}"


def get_case(store: GraphStore, user: User, collaboration_id: str) -> CasePublication:
    """The publication record of a collaboration (an unpublished one if none was made)."""
    check_publishing(user)
    _collaboration(store, collaboration_id)
    pub = store.get("CasePublication", case_id_for(collaboration_id))
    if isinstance(pub, CasePublication):
        return pub
    return CasePublication(id=case_id_for(collaboration_id), collaboration_id=collaboration_id)


def set_case(
    store: GraphStore,
    user: User,
    collaboration_id: str,
    *,
    consents: Sequence[str] | None = None,
    summary: str | None = None,
    public_comments: Sequence[str] | None = None,
    published: bool | None = None,
    recognised: bool | None = None,
    recognised_year: int | None = None,
    recognition_note: str | None = None,
) -> CasePublication:
    """Record partners' consent, the public summary and chosen comments, publish or unpublish,
    recognise: only what is given changes.  Publishing needs an ended collaboration and the
    consent of every partner (409 otherwise); consents and chosen comments name partners."""
    pub = get_case(store, user, collaboration_id)
    collab = _collaboration(store, collaboration_id)
    partners = set(collab.org_ids())
    changes: dict[str, object] = {"changed_by": user.id}
    if consents is not None:
        strangers = sorted(set(consents) - partners)
        if strangers:
            raise InvalidInput(
                f"協働事業の参加団体ではありません: {', '.join(strangers)}",
                f"not partners of this collaboration: {', '.join(strangers)}",
            )
        changes["consents"] = list(consents)
    if public_comments is not None:
        strangers = sorted(set(public_comments) - partners)
        if strangers:
            raise InvalidInput(
                f"協働事業の参加団体ではありません: {', '.join(strangers)}",
                f"not partners of this collaboration: {', '.join(strangers)}",
            )
        changes["public_comments"] = list(public_comments)
    for name, value in (
        ("summary", summary),
        ("recognised", recognised),
        ("recognised_year", recognised_year),
        ("recognition_note", recognition_note),
    ):
        if value is not None:
            changes[name] = value
    if published is not None:
        changes["published"] = published
    new = CasePublication.model_validate({**pub.model_dump(), **changes})
    if new.published:
        if collab.status != CollaborationStatus.ENDED:
            raise Conflict(
                "終了した協働事業だけを公開できます",
                f"only an ended collaboration can be published (this one is {collab.status.value})",
            )
        missing = sorted(partners - set(new.consents))
        if missing:
            orgs = store.get_many_of(Organization, missing, include_inactive=True)
            names = ", ".join(orgs[m].name if m in orgs else m for m in missing)
            raise Conflict(
                f"公開にはすべての参加団体の同意が必要です（未同意: {names}）",
                f"every partner must agree before publication (not yet: {names})",
            )
        if not pub.published:
            new.published_at = utcnow()
    if new.recognised and not new.published:
        raise Conflict(
            "優良事業として表彰できるのは公開中の事例だけです",
            "only a published case can be recognised",
        )
    store.upsert([new])
    stored = store.get("CasePublication", new.id)
    assert isinstance(stored, CasePublication)
    return stored


def get_profile(store: GraphStore, user: User, org_id: str) -> PublicProfile:
    check_publishing(user)
    if store.get("Organization", org_id) is None:
        raise NotFound(f"団体 {org_id!r} が見つかりません", f"no Organization with id {org_id!r}")
    prof = store.get("PublicProfile", f"profile-{org_id}")
    if isinstance(prof, PublicProfile):
        return prof
    return PublicProfile(id=f"profile-{org_id}", org_id=org_id)


def set_profile(
    store: GraphStore,
    user: User,
    org_id: str,
    *,
    level: DisclosureLevel | None = None,
    contributions: bool | None = None,
) -> PublicProfile:
    """Set an organization's disclosure level and (for a business) whether its contribution
    list is published.  Contacts are public only at the ``contact`` level."""
    prof = get_profile(store, user, org_id)
    org = store.get("Organization", org_id)
    assert isinstance(org, Organization)
    changes: dict[str, object] = {"changed_by": user.id}
    if level is not None:
        changes["level"] = level
    if contributions is not None:
        if contributions and org.sector != Sector.BUSINESS:
            raise InvalidInput(
                "協力企業の一覧に載せられるのは事業者だけです",
                "only a business has a published contribution list",
            )
        changes["contributions"] = contributions
    new = PublicProfile.model_validate({**prof.model_dump(), **changes})
    store.upsert([new])
    stored = store.get("PublicProfile", new.id)
    assert isinstance(stored, PublicProfile)
    return stored


class Partner(BaseModel):
    id: str
    name: str


class CaseStatus(BaseModel):
    """An ended collaboration as the staff's publication page lists it: its partners by name
    and its publication record (consents, published or not)."""

    collaboration_id: str
    title: str
    ends: date | None
    partners: list[Partner]
    publication: CasePublication


class ProfileStatus(BaseModel):
    """An organization's disclosure as the staff's page lists it."""

    org_id: str
    name: str
    sector: Sector
    level: DisclosureLevel
    contributions: bool


def case_list(store: GraphStore, user: User) -> list[CaseStatus]:
    """Every ended collaboration with its publication record (an unpublished one where none
    was made), latest end first: what staff may publish."""
    check_publishing(user)
    collabs = [
        c
        for c in store.iter_all("Collaboration", {"status": CollaborationStatus.ENDED.value})
        if isinstance(c, Collaboration)
    ]
    pubs = {
        p.collaboration_id: p
        for p in store.iter_all("CasePublication")
        if isinstance(p, CasePublication)
    }
    org_ids = sorted({o for c in collabs for o in c.org_ids()})
    names = {
        i: o.name
        for i, o in store.get_many_of(Organization, org_ids, include_inactive=True).items()
    }
    out = [
        CaseStatus(
            collaboration_id=c.id,
            title=c.title,
            ends=c.ends,
            partners=[Partner(id=o, name=names.get(o, o)) for o in c.org_ids()],
            publication=pubs.get(c.id)
            or CasePublication(id=case_id_for(c.id), collaboration_id=c.id),
        )
        for c in collabs
    ]
    out.sort(key=lambda c: (c.ends or date.min, c.collaboration_id), reverse=True)
    return out


def profile_list(store: GraphStore, user: User) -> list[ProfileStatus]:
    """Every organization with its disclosure level (hidden where none was set), by name."""
    check_publishing(user)
    profiles = {
        p.org_id: p for p in store.iter_all("PublicProfile") if isinstance(p, PublicProfile)
    }
    out = []
    for org in store.iter_all("Organization"):
        if not isinstance(org, Organization):
            continue
        prof = profiles.get(org.id)
        out.append(
            ProfileStatus(
                org_id=org.id,
                name=org.name,
                sector=org.sector,
                level=prof.level if prof else DisclosureLevel.HIDDEN,
                contributions=prof.contributions if prof else False,
            )
        )
    out.sort(key=lambda p: (p.name, p.org_id))
    return out


# --------------------------------------------------------------------------------------------
# The anonymous offer of help
# --------------------------------------------------------------------------------------------

#: at least this many seconds between fetching the form and sending it (people read first)
MIN_FILL_SECONDS = 3.0
#: a form token older than this is refused (fetch the form again)
MAX_FORM_AGE_SECONDS = 2 * 3600.0


class RateLimited(Conflict):
    """Too many offers from one address in the window (API: 429)."""


class FormGuard:
    """Signs and checks the form tokens (a secret per app; tokens die with a restart)."""

    def __init__(
        self,
        secret: bytes,
        min_seconds: float = MIN_FILL_SECONDS,
        max_age: float = MAX_FORM_AGE_SECONDS,
    ) -> None:
        self.secret = secret
        self.min_seconds = min_seconds
        self.max_age = max_age

    def _sign(self, issued: str) -> str:
        return hmac.new(self.secret, issued.encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> str:
        issued = str(int((time.time() if now is None else now) * 1000))  # milliseconds
        return f"{issued}.{self._sign(issued)}"

    def check(self, token: str, now: float | None = None) -> None:
        """Raise :class:`InvalidInput` for a forged, expired or too quickly sent token."""
        now = time.time() if now is None else now
        issued, _, sig = (token or "").partition(".")
        at = int(issued) / 1000 if issued.isdigit() and len(issued) < 16 else None
        if at is None or not hmac.compare_digest(sig, self._sign(issued)):
            raise InvalidInput(
                "フォームを読み込み直してください", "please reload the form and send it again"
            )
        if now - at > self.max_age:
            raise InvalidInput(
                "フォームの有効期限が切れました。読み込み直してください",
                "the form has expired; please reload it",
            )
        if now - at < self.min_seconds:
            raise InvalidInput(
                "送信が早すぎます。内容を確かめてからもう一度送ってください",
                "sent too quickly; please check the form and send it again",
            )


class RateLimit:
    """At most ``limit`` offers per address in ``window`` seconds, counted in memory."""

    def __init__(self, limit: int = 5, window: float = 3600.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(address, deque())
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise RateLimited(
                    "送信が多すぎます。しばらくしてからお試しください",
                    "too many offers from this address; please try again later",
                )
            hits.append(now)
            if len(self._hits) > 10_000:  # forget quiet addresses so memory stays small
                for key in [k for k, v in self._hits.items() if not v]:
                    del self._hits[key]


def offer_help(
    store: GraphStore,
    need_id: str,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    message: str,
    token: str,
    honeypot: str,
    address: str,
    guard: FormGuard,
    limit: RateLimit,
) -> HelpOffer | None:
    """A resident's offer of help for an open public need, into the coordinators' queue.

    A filled honeypot is answered as a success but nothing is stored (a bot learns nothing);
    a bad or too quick token is refused (422), too many offers from one address too (429).
    Returns the stored offer, or None for a bot's."""
    guard.check(token)
    if honeypot:
        return None
    limit.hit(address)
    public_need(store, need_id)  # 404 for anything but an open public need
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if not email and not phone:
        raise InvalidInput(
            "連絡先（メールまたは電話）を入力してください",
            "give an email address or a phone number",
        )
    if email and "@" not in email:
        raise InvalidInput("メールアドレスが正しくありません", "not an email address")
    offer = HelpOffer(
        # one offer per form token: the same form sent twice is the same offer
        id=f"help-{hashlib.sha256(token.encode()).hexdigest()[:20]}",
        need_id=need_id,
        name=name.strip(),
        email=email,
        phone=phone,
        message=message.strip(),
    )
    if store.get("HelpOffer", offer.id, include_inactive=True) is not None:
        raise Conflict("このフォームはもう送信されています", "this form was sent already")
    store.upsert([offer])
    stored = store.get("HelpOffer", offer.id)
    assert isinstance(stored, HelpOffer)
    return stored


def decide_help_offer(
    store: GraphStore, user: User, offer_id: str, status: InterestStatus, note: str | None = None
) -> HelpOffer:
    """A coordinator accepts or declines a resident's offer of help (it leaves the queue)."""
    if not coordinating(user):
        raise Forbidden(
            "申し出はコーディネーターと管理者だけが扱えます",
            "only coordinators and admins decide offers of help",
        )
    if status == InterestStatus.OPEN:
        raise InvalidInput(
            "受諾（accepted）か辞退（declined）を選んでください", "choose accepted or declined"
        )

    def change(rec: Record) -> Record:
        assert isinstance(rec, HelpOffer)
        if rec.status != InterestStatus.OPEN:
            raise Conflict("この申し出はもう決定済みです", "this offer was decided already")
        return rec.model_copy(
            update={"status": status, "decided_by": user.id, "decided_at": utcnow(), "note": note}
        )

    try:
        got = store.update("HelpOffer", offer_id, change)
    except NotFoundError:
        raise NotFound(
            f"申し出 {offer_id!r} が見つかりません", f"no offer of help {offer_id!r}"
        ) from None
    assert isinstance(got, HelpOffer)
    return got
