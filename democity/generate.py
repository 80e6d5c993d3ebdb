"""The demo city: 結野市 (Yuino City), generated deterministically from a seed.

``generate(seed)`` builds a whole fictional city as model records: ten districts, about 60
neighbourhood associations, 40 NPOs and volunteer groups, 40 businesses, 20 schools, 10 city
departments and the social welfare council (:mod:`democity.cast`); their needs and offers
written as Japanese sentences (:mod:`democity.texts`); six fiscal years of collaborations
(FY2020–FY2025) with roles and evaluations; historical suggestions with coordinator decisions,
scored and explained by the matcher as of their dates (:mod:`democity.score`); and businesses'
expressions of interest.

How partners are chosen (so that a matcher trained on early years can predict later ones):
each collaboration has a lead organization and a theme; candidate partners are weighted by
sector complementarity, same or neighbouring district, whether the theme is theirs (or their
fields overlap), earlier ties with the lead (weighted by how well those went) and partners of
partners, times each organization's activity level and log-normal noise; a share of partners is
drawn at random.  Organizations join the network over the years and the number of collaborations
grows each year; some organizations never collaborate.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from democity import texts as txt
from democity.cast import (
    ADJACENCY,
    BUSINESSES,
    CENTER_LAT,
    CENTER_LON,
    CITY,
    DEPARTMENTS,
    DISTRICTS,
    NPOS,
    SCHOOLS,
    WELFARE,
    Cast,
)
from democity.city import DemoCity
from democity.score import score_suggestions
from graph.model import (
    Area,
    Collaboration,
    CollaborationForm,
    CollaborationStatus,
    Decision,
    Intensity,
    Interest,
    InterestStatus,
    Need,
    NeedStatus,
    Offer,
    Organization,
    Participant,
    PartnerEvaluation,
    Sector,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
    Visibility,
)
from ingest.convert import corporate_number_check_digit

#: the day the demo's "present" is: collaborations running past it are active
REFERENCE_DATE = date(2026, 3, 31)
FIRST_FY = 2020
FISCAL_YEARS = tuple(range(FIRST_FY, 2026))  # FY2020 (2020-04) … FY2025 (ends 2026-03)
COORDINATORS = ("demo-coordinator-sato", "demo-coordinator-tanaka")

SEC = Sector

ID_PREFIX = {
    SEC.ASSOCIATION: "demo-assoc",
    SEC.NPO: "demo-npo",
    SEC.BUSINESS: "demo-biz",
    SEC.SCHOOL: "demo-school",
    SEC.GOVERNMENT: "demo-city",
    SEC.WELFARE: "demo-welfare",
}

#: how strongly a lead of one sector looks for partners of another (sector complementarity)
SECTOR_AFFINITY: dict[Sector, dict[Sector, float]] = {
    SEC.ASSOCIATION: {
        SEC.ASSOCIATION: 0.5,
        SEC.NPO: 1.0,
        SEC.BUSINESS: 1.4,
        SEC.SCHOOL: 1.3,
        SEC.GOVERNMENT: 0.9,
        SEC.WELFARE: 1.6,
    },
    SEC.NPO: {
        SEC.ASSOCIATION: 1.3,
        SEC.NPO: 0.6,
        SEC.BUSINESS: 1.4,
        SEC.SCHOOL: 1.0,
        SEC.GOVERNMENT: 0.9,
        SEC.WELFARE: 1.0,
    },
    SEC.SCHOOL: {
        SEC.ASSOCIATION: 1.6,
        SEC.NPO: 1.0,
        SEC.BUSINESS: 1.0,
        SEC.SCHOOL: 0.3,
        SEC.GOVERNMENT: 0.5,
        SEC.WELFARE: 0.6,
    },
    SEC.BUSINESS: {
        SEC.ASSOCIATION: 1.4,
        SEC.NPO: 1.4,
        SEC.BUSINESS: 0.3,
        SEC.SCHOOL: 1.1,
        SEC.GOVERNMENT: 0.7,
        SEC.WELFARE: 1.0,
    },
    SEC.GOVERNMENT: {
        SEC.ASSOCIATION: 1.1,
        SEC.NPO: 1.6,
        SEC.BUSINESS: 0.9,
        SEC.SCHOOL: 0.7,
        SEC.GOVERNMENT: 0.1,
        SEC.WELFARE: 1.2,
    },
    SEC.WELFARE: {
        SEC.ASSOCIATION: 2.0,
        SEC.NPO: 1.2,
        SEC.BUSINESS: 0.8,
        SEC.SCHOOL: 0.6,
        SEC.GOVERNMENT: 0.9,
        SEC.WELFARE: 0.0,
    },
}
#: how often an organization of a sector leads a collaboration (relative)
LEAD_WEIGHT: dict[Sector, float] = {
    SEC.ASSOCIATION: 1.0,
    SEC.NPO: 1.3,
    SEC.SCHOOL: 0.6,
    SEC.BUSINESS: 0.3,
    SEC.GOVERNMENT: 0.5,
    SEC.WELFARE: 2.0,
}
#: collaborations started in each fiscal year before noise (the network grows)
COLLABS_PER_YEAR = (16, 22, 29, 38, 48, 60)
#: share of partners drawn uniformly at random (noise the matcher cannot learn)
RANDOM_PARTNER_SHARE = 0.08


@dataclass
class _Org:
    """Generator-side state of an organization (not stored)."""

    id: str
    sector: Sector
    subtype: str
    area: str
    themes: tuple[str, ...]
    citywide: bool
    joined: date  # when it entered the city's register and could start collaborating
    activity: float  # propensity to collaborate; 0 for organizations that never do
    fields: list[str]
    rec: Organization | None = None


@dataclass
class _Collab:
    id: str
    fy: int
    theme: str
    lead: str
    partners: list[str]
    starts: date
    ends: date
    form: CollaborationForm
    roles: dict[str, str]
    status: CollaborationStatus
    need_ids: list[str] = field(default_factory=list)
    suggestion_id: str | None = None
    quality: float = 3.5


def _utc(d: date, hour: int = 9) -> datetime:
    return datetime.combine(d, time(hour, 0), tzinfo=UTC)


def _fy_start(fy: int) -> date:
    return date(fy, 4, 1)


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))


def corporate_number(rng: random.Random) -> str:
    """A 13-digit 法人番号 with a valid check digit (first digit), as the NTA defines it."""
    digits = [rng.randint(0, 9) for _ in range(12)]
    digits[0] = rng.randint(1, 9)
    base = "".join(map(str, digits))
    return f"{corporate_number_check_digit(base)}{base}"


def _fields_of(themes: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for t in themes:
        out.update(txt.THEMES_BY_KEY[t].fields[:2])
    return sorted(out)


def _who(org: _Org) -> str:
    return txt.WHO.get(org.subtype) or txt.WHO.get(org.sector.value, "メンバー")


def _fmt(text: str, org: _Org, rng: random.Random) -> str:
    return text.format(area=org.area, who=_who(org), n=rng.choice((5, 10, 15, 20, 30)))


class _Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.orgs: list[_Org] = []
        self.by_id: dict[str, _Org] = {}
        self.neigh: dict[str, set[str]] = defaultdict(set)
        for a, b in ADJACENCY:
            self.neigh[a].add(b)
            self.neigh[b].add(a)
        self.needs: list[Need] = []
        self.offers: list[Offer] = []
        self.standing_needs: dict[tuple[str, str], str] = {}  # (org, theme) -> need id
        self.need_by_id: dict[str, Need] = {}
        self.collabs: list[_Collab] = []
        self.ties: dict[frozenset[str], list[float]] = defaultdict(list)  # pair -> qualities
        self.partners_of: dict[str, set[str]] = defaultdict(set)

    # -- areas --------------------------------------------------------------------------------

    def areas(self) -> list[Area]:
        out = []
        for d in DISTRICTS:
            out.append(
                Area(
                    id=d.name,
                    name=d.name,
                    name_kana=d.kana,
                    neighbours=sorted(self.neigh[d.name]),
                    lat=round(CENTER_LAT + d.y_km / 111.0, 5),
                    lon=round(
                        CENTER_LON + d.x_km / (111.0 * math.cos(math.radians(CENTER_LAT))), 5
                    ),
                    created_at=_utc(date(FIRST_FY, 4, 1)),
                )
            )
        return out

    # -- organizations ------------------------------------------------------------------------

    def _join_date(self, sector: Sector, citywide: bool) -> date:
        """When an organization enters the register: most at the start, more joining later."""
        rng = self.rng
        if sector in (SEC.GOVERNMENT, SEC.WELFARE):
            return date(FIRST_FY, 4, 1)
        p_first = {SEC.ASSOCIATION: 0.5, SEC.NPO: 0.35, SEC.BUSINESS: 0.3, SEC.SCHOOL: 0.5}[sector]
        if citywide:
            p_first += 0.25
        if rng.random() < p_first:
            fy = FIRST_FY
        else:
            fy = rng.choices(FISCAL_YEARS[1:], weights=(2, 3, 3, 3, 2))[0]
        return _rand_date(rng, _fy_start(fy), _fy_start(fy) + timedelta(days=300))

    def _activity(self, sector: Sector, citywide: bool) -> float:
        rng = self.rng
        never = {
            SEC.ASSOCIATION: 0.12,
            SEC.NPO: 0.06,
            SEC.BUSINESS: 0.12,
            SEC.SCHOOL: 0.06,
            SEC.GOVERNMENT: 0.0,
            SEC.WELFARE: 0.0,
        }[sector]
        if rng.random() < never:
            return 0.0
        base = rng.lognormvariate(0.0, 0.55)
        if sector == SEC.GOVERNMENT:
            base *= 0.9
        if citywide:
            base *= 1.2
        return round(base, 4)

    def _add_org(self, sector: Sector, cast: Cast, area: str, n: int) -> _Org:
        rng = self.rng
        org_id = f"{ID_PREFIX[sector]}-{n:03d}"
        joined = self._join_date(sector, cast.citywide)
        org = _Org(
            id=org_id,
            sector=sector,
            subtype=cast.subtype,
            area=area,
            themes=cast.themes,
            citywide=cast.citywide or sector in (SEC.GOVERNMENT, SEC.WELFARE),
            joined=joined,
            activity=self._activity(sector, cast.citywide),
            fields=_fields_of(cast.themes),
        )
        if sector == SEC.NPO and rng.random() < 0.5:
            org.fields = sorted(
                set(org.fields) | {"19"}
                if "org_support" in cast.themes
                else set(org.fields) | {rng.choice(("02", "03"))}
            )
        founded = self._founded(sector, cast, joined)
        slug = org_id.replace("demo-", "")
        has_contact = sector != SEC.ASSOCIATION or rng.random() < 0.4
        rec = Organization(
            id=org_id,
            name=cast.name,
            name_kana=cast.kana,
            sector=sector,
            subtype=cast.subtype,
            area=area,
            description=self._org_description(org, cast, founded),
            fields=org.fields,
            corporate_number=corporate_number(rng) if cast.corporate else None,
            founded=founded,
            website=f"https://{slug}.example.jp" if sector != SEC.ASSOCIATION else None,
            contact_name=f"{rng.choice(txt.FAMILY_NAMES)} {rng.choice(txt.GIVEN_NAMES)}"
            if has_contact
            else None,
            contact_email=f"info@{slug}.example.jp" if has_contact else None,
            contact_phone=f"0000-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
            if has_contact
            else None,
            created_at=_utc(joined),
        )
        org.rec = rec
        self.orgs.append(org)
        self.by_id[org_id] = org
        return org

    def _founded(self, sector: Sector, cast: Cast, joined: date) -> date | None:
        rng = self.rng
        if sector == SEC.GOVERNMENT:
            return None
        if sector == SEC.ASSOCIATION:
            lo, hi = date(1950, 4, 1), date(1995, 3, 31)
        elif sector == SEC.NPO:
            lo, hi = date(1999, 4, 1), min(joined, date(2024, 3, 31))
        elif sector == SEC.SCHOOL:
            lo, hi = date(1900, 4, 1), date(2005, 3, 31)
        elif sector == SEC.WELFARE:
            lo, hi = date(1955, 4, 1), date(1965, 3, 31)
        else:
            lo, hi = date(1948, 4, 1), min(joined, date(2018, 3, 31))
        d = _rand_date(rng, lo, hi)
        return date(d.year, 4, 1) if cast.subtype in txt.WHO and sector == SEC.SCHOOL else d

    def _org_description(self, org: _Org, cast: Cast, founded: date | None) -> str:
        rng = self.rng
        names = "、".join(txt.THEMES_BY_KEY[t].name for t in cast.themes)
        where = "市内全域" if org.citywide else f"{org.area}地区"
        year = founded.year if founded else None
        s = org.sector
        if s == SEC.ASSOCIATION:
            return (
                f"{org.area}地区の住民でつくる{cast.subtype}。{year}年に発足し、約"
                f"{rng.randrange(60, 900, 10)}世帯が加入している。{names}などに取り組み、"
                "回覧板や総会で住民の声をまとめている。"
            )
        if s == SEC.NPO:
            return (
                f"{where}で{names}に取り組む{cast.subtype}。{year}年設立、会員は約"
                f"{rng.randrange(10, 150, 5)}人。会員とボランティアが活動を支えている。"
            )
        if s == SEC.BUSINESS:
            return (
                f"{where}で事業を営む{cast.subtype}（{year}年創業、従業員約"
                f"{rng.choice((5, 12, 30, 45, 80, 150, 300))}人）。本業の強みを生かし、"
                f"{names}などの地域貢献に取り組んでいる。"
            )
        if s == SEC.SCHOOL:
            pupils = {
                "幼稚園": "園児",
                "保育園": "園児",
                "大学": "学生",
                "専門学校": "学生",
                "小学校": "児童",
            }.get(cast.subtype, "生徒")
            size = rng.randrange(40, 300, 10) if pupils == "園児" else rng.randrange(120, 1200, 20)
            return (
                f"{org.area}地区の{cast.subtype}（{pupils}数約{size}人）。地域と連携した"
                f"{names}の学びに力を入れている。"
            )
        if s == SEC.GOVERNMENT:
            return f"{CITY}の担当課。{names}に関する施策と、市民・団体との協働を担当している。"
        return (
            f"{CITY}の社会福祉協議会（{year}年設立）。ボランティアセンターを運営し、{names}など"
            "地域福祉の活動を区・自治会や市民団体と進めている。"
        )

    def organizations(self) -> None:
        rng = self.rng
        n = 0
        for d in DISTRICTS:
            n += 1
            council = Cast(
                f"{d.name}地区地域づくり協議会",
                f"{d.kana}ちくちいきづくりきょうぎかい",
                "地域づくり協議会",
                tuple(rng.sample(d.themes, 3)),
            )
            self._add_org(SEC.ASSOCIATION, council, d.name, n)
            for name in sorted(rng.sample(d.associations, rng.choice((4, 5, 5, 6)))):
                n += 1
                subtype = (
                    "自治会"
                    if name.endswith("自治会")
                    else ("町内会" if name.endswith("町内会") else "区")
                )
                k = rng.choice((1, 2, 2, 3))
                themes = tuple(rng.sample(d.themes, min(k, len(d.themes))))
                if rng.random() < 0.25:  # some associations care about something else too
                    themes += (rng.choice(("watch", "bousai", "festival", "patrol")),)
                self._add_org(
                    SEC.ASSOCIATION,
                    Cast(name, None, subtype, tuple(dict.fromkeys(themes))),
                    d.name,
                    n,
                )
        districts = [d.name for d in DISTRICTS]
        for sector, casts in (
            (SEC.NPO, NPOS),
            (SEC.BUSINESS, BUSINESSES),
            (SEC.SCHOOL, SCHOOLS),
            (SEC.GOVERNMENT, DEPARTMENTS),
        ):
            for i, cast in enumerate(casts, start=1):
                self._add_org(
                    sector,
                    cast,
                    cast.area or ("中央" if sector == SEC.GOVERNMENT else rng.choice(districts)),
                    i,
                )
        self._add_org(SEC.WELFARE, WELFARE, "中央", 1)

    # -- needs and offers ---------------------------------------------------------------------

    def _need(
        self,
        org: _Org,
        theme_key: str,
        posted: date,
        *,
        title_suffix: str = "",
        starts: date | None = None,
        ends: date | None = None,
    ) -> Need:
        rng = self.rng
        theme = txt.THEMES_BY_KEY[theme_key]
        tpl = rng.choice(theme.needs)
        need = Need(
            id=f"demo-need-{len(self.needs) + 1:04d}",
            org_id=org.id,
            title=_fmt(tpl.title, org, rng) + title_suffix,
            description=_fmt(tpl.body, org, rng),
            fields=list(theme.fields),
            resource_kinds=list(tpl.kinds),
            skills=list(tpl.skills),
            area=None if org.citywide else org.area,
            starts=starts or posted,
            ends=ends,
            status=NeedStatus.OPEN,
            visibility=Visibility.COORDINATORS if rng.random() < 0.1 else Visibility.PUBLIC,
            created_at=_utc(posted, 10),
        )
        self.needs.append(need)
        self.need_by_id[need.id] = need
        return need

    def _offer(self, org: _Org, tpl: txt.Template, fields: Sequence[str], posted: date) -> Offer:
        rng = self.rng
        offer = Offer(
            id=f"demo-offer-{len(self.offers) + 1:04d}",
            org_id=org.id,
            title=_fmt(tpl.title, org, rng),
            description=_fmt(tpl.body, org, rng),
            fields=list(fields),
            resource_kinds=list(tpl.kinds),
            skills=list(tpl.skills),
            area=None if org.citywide else org.area,
            capacity=rng.choice(txt.CAPACITIES),
            availability=rng.choice(txt.AVAILABILITIES),
            created_at=_utc(posted, 11),
        )
        self.offers.append(offer)
        return offer

    def standing(self) -> None:
        """Each organization's standing needs and offers, posted soon after it joined."""
        rng = self.rng
        n_needs = {
            SEC.ASSOCIATION: (1, 2, 2, 3),
            SEC.NPO: (1, 2, 2, 3),
            SEC.SCHOOL: (0, 1, 1, 2),
            SEC.BUSINESS: (0, 0, 0, 1),
            SEC.GOVERNMENT: (0, 1),
            SEC.WELFARE: (3,),
        }
        n_offers = {
            SEC.ASSOCIATION: (0, 0, 0, 1),
            SEC.NPO: (0, 1, 1),
            SEC.SCHOOL: (1, 1, 2),
            SEC.BUSINESS: (1, 2, 2, 3),
            SEC.GOVERNMENT: (1, 2),
            SEC.WELFARE: (3,),
        }
        for org in self.orgs:

            def posted(org: _Org = org) -> date:
                return org.joined + timedelta(days=rng.randint(0, 120))

            k = min(rng.choice(n_needs[org.sector]), len(org.themes))
            for theme in rng.sample(org.themes, k):
                need = self._need(org, theme, posted())
                self.standing_needs[(org.id, theme)] = need.id
            k = rng.choice(n_offers[org.sector])
            if org.sector in (SEC.BUSINESS, SEC.WELFARE, SEC.GOVERNMENT):  # offers cover their work
                k = max(k, len(org.themes))
            themed = min(k, len(org.themes))
            for theme in rng.sample(org.themes, themed):
                t = txt.THEMES_BY_KEY[theme]
                options = [o for o in t.offers if o.fits(org.sector.value, org.subtype)]
                if options:  # e.g. a patrol group has nothing of its patrol work to offer
                    self._offer(org, rng.choice(options), t.fields, posted())
            generic = txt.GENERIC_OFFERS.get(org.sector.value, ())
            if generic and (
                k > themed or org.sector in (SEC.BUSINESS, SEC.GOVERNMENT) and rng.random() < 0.6
            ):
                self._offer(org, rng.choice(generic), org.fields[:2], posted())

    # -- collaborations -----------------------------------------------------------------------

    def _candidates_score(
        self, lead: _Org, theme: str, pool: Sequence[_Org], chosen: Sequence[str]
    ) -> tuple[list[_Org], list[float]]:
        """The organizations that could join as partners now, and their weights."""
        rng = self.rng
        theme_fields = set(txt.THEMES_BY_KEY[theme].fields)
        lead_partners = self.partners_of[lead.id]
        near = self.neigh[lead.area]
        candidates = [c for c in pool if c.activity > 0 and c.id != lead.id and c.id not in chosen]
        scores = []
        for c in candidates:
            s = SECTOR_AFFINITY[lead.sector][c.sector] * c.activity
            if c.citywide or lead.citywide:
                pass
            elif c.area == lead.area:
                s *= 4.5
            elif c.area in near:
                s *= 1.8
            else:
                s *= 0.08
            if theme in c.themes:
                s *= 4.0
            elif theme_fields.isdisjoint(c.fields):
                s *= 0.2
            past = self.ties.get(frozenset((lead.id, c.id)))
            if past:
                mean_q = sum(past) / len(past)
                s *= 1.0 + 1.4 * min(len(past), 3) * max(mean_q - 2.0, 0.2) / 1.5
            elif not lead_partners.isdisjoint(self.partners_of.get(c.id, ())):
                s *= 1.7
            for other in chosen:  # triadic closure among the partners of one collaboration
                if frozenset((other, c.id)) in self.ties:
                    s *= 1.3
            scores.append(s * math.exp(0.5 * rng.gauss(0.0, 1.0)))
        return candidates, scores

    def _pick_partners(self, lead: _Org, theme: str, pool: Sequence[_Org], k: int) -> list[str]:
        rng = self.rng
        chosen: list[str] = []
        for _ in range(k):
            if rng.random() < RANDOM_PARTNER_SHARE:
                options = [
                    o for o in pool if o.id != lead.id and o.id not in chosen and o.activity > 0
                ]
                if options:
                    chosen.append(rng.choice(options).id)
                continue
            candidates, scores = self._candidates_score(lead, theme, pool, chosen)
            if sum(scores) <= 0:
                break
            chosen.append(rng.choices(candidates, weights=scores)[0].id)
        return chosen

    def _city_partner(
        self, lead: _Org, theme: str, partners: list[str]
    ) -> CollaborationForm | None:
        """Bring in the city department in charge, as the plans describe: the city adopts
        flower roads and riverbanks with residents (アドプト), and grants civic projects.

        Appends the department to ``partners`` and returns the form it implies, or ``None``.
        """
        rng = self.rng
        if lead.sector not in (SEC.ASSOCIATION, SEC.NPO):
            return None
        depts = [
            o
            for o in self.orgs
            if o.sector == SEC.GOVERNMENT and theme in o.themes and o.id not in partners
        ]
        if theme in ("flower", "river") and depts and rng.random() < 0.3:
            partners.append(rng.choice(depts).id)
            return CollaborationForm.ADOPTION
        if rng.random() < 0.04:
            funders = depts or [
                o
                for o in self.orgs
                if o.sector == SEC.GOVERNMENT and "org_support" in o.themes and o.id not in partners
            ]
            if funders:
                partners.append(rng.choice(funders).id)
                return CollaborationForm.GRANT
        return None

    def _form_and_roles(
        self, lead: _Org, theme: str, partners: list[str], hint: CollaborationForm | None = None
    ) -> tuple[CollaborationForm, dict[str, str]]:
        rng = self.rng
        t = txt.THEMES_BY_KEY[theme]
        sectors = {p: self.by_id[p].sector for p in partners}
        gov = [p for p, s in sectors.items() if s == SEC.GOVERNMENT]
        form = rng.choice(t.forms)
        if hint is not None:
            form = hint
        elif (
            lead.sector == SEC.GOVERNMENT
            and any(s == SEC.NPO for s in sectors.values())
            and rng.random() < 0.5
        ):
            form = CollaborationForm.COMMISSIONING
        elif gov and rng.random() < 0.5:
            form = rng.choice(
                (CollaborationForm.GRANT, CollaborationForm.GRANT, CollaborationForm.ENDORSEMENT)
            )
        elif gov and theme in ("flower", "river") and rng.random() < 0.5:
            form = CollaborationForm.ADOPTION
        elif lead.sector == SEC.NPO and gov and rng.random() < 0.3:
            form = CollaborationForm.PROPOSAL
        elif len(partners) >= 3 and rng.random() < 0.5:
            form = CollaborationForm.JOINT_COMMITTEE
        if form == CollaborationForm.COMMISSIONING and not (lead.sector == SEC.GOVERNMENT or gov):
            form = CollaborationForm.PROJECT_COOPERATION
        if form in (CollaborationForm.ENDORSEMENT, CollaborationForm.ADOPTION) and not gov:
            form = (
                CollaborationForm.CO_HOSTING
                if form == CollaborationForm.ENDORSEMENT
                else CollaborationForm.PROJECT_COOPERATION
            )
        if form == CollaborationForm.GRANT and not (
            gov or any(s in (SEC.BUSINESS, SEC.WELFARE) for s in sectors.values())
        ):
            form = CollaborationForm.PROJECT_COOPERATION
        roles: dict[str, str] = {}
        if form == CollaborationForm.JOINT_COMMITTEE:
            roles[lead.id] = "事務局"
        elif form == CollaborationForm.COMMISSIONING:
            roles[lead.id] = "委託者" if lead.sector == SEC.GOVERNMENT else "受託者"
        else:
            roles[lead.id] = "主催"
        for p, s in sectors.items():
            if form == CollaborationForm.JOINT_COMMITTEE:
                role = "構成団体"
            elif form == CollaborationForm.COMMISSIONING:
                role = "委託者" if s == SEC.GOVERNMENT else "受託者"
                if roles[lead.id] == role:
                    role = "協力"
            elif s == SEC.GOVERNMENT:
                role = {
                    CollaborationForm.GRANT: "助成",
                    CollaborationForm.ENDORSEMENT: "後援",
                    CollaborationForm.ADOPTION: "管理者",
                }.get(form, "共催")
            elif s == SEC.BUSINESS:
                role = "協賛" if form == CollaborationForm.GRANT or rng.random() < 0.2 else "協力"
            elif form == CollaborationForm.GRANT and s == SEC.WELFARE:
                role = "助成"
            elif form == CollaborationForm.CO_HOSTING:
                role = "共催"
            else:
                role = "協力"
            roles[p] = role
        return form, roles

    def _duration(self, form: CollaborationForm) -> int:
        rng = self.rng
        f = CollaborationForm
        if form in (f.CO_HOSTING, f.ENDORSEMENT):
            return rng.randint(0, 45)
        if form in (f.ADOPTION, f.JOINT_COMMITTEE, f.COMMISSIONING):
            return rng.randint(180, 600)
        if form == f.INFORMATION_EXCHANGE:
            return rng.randint(30, 200)
        return rng.randint(45, 320)

    def _quality(self, lead: _Org, theme: str, partners: list[str]) -> float:
        """How well a collaboration goes: fit of theme, place and sector, plus luck."""
        rng = self.rng
        q = 2.9
        for p in partners:
            o = self.by_id[p]
            q += (0.5 if theme in o.themes else -0.3) / len(partners)
            if not (o.citywide or lead.citywide):
                q += (
                    0.35 if o.area == lead.area or o.area in self.neigh[lead.area] else -0.3
                ) / len(partners)
            q += 0.25 * (SECTOR_AFFINITY[lead.sector][o.sector] - 1.0) / len(partners)
            if frozenset((lead.id, p)) in self.ties:
                q += 0.25 / len(partners)
        return q + rng.gauss(0.0, 0.55)

    def collaborations(self) -> None:
        rng = self.rng
        n = 0
        for i, fy in enumerate(FISCAL_YEARS):
            fy_start = _fy_start(fy)
            count = COLLABS_PER_YEAR[i] + rng.randint(-2, 3)
            for _ in range(count):
                horizon = fy_start + timedelta(days=300)
                leads = [o for o in self.orgs if o.joined <= horizon and o.activity > 0]
                weights = [
                    o.activity
                    * LEAD_WEIGHT[o.sector]
                    * (1 + 0.25 * math.sqrt(len(self.partners_of[o.id])))
                    for o in leads
                ]
                lead = rng.choices(leads, weights=weights)[0]
                theme_w = [
                    1.0 + sum(1 for c in self.collabs if c.lead == lead.id and c.theme == t)
                    for t in lead.themes
                ]
                theme = rng.choices(lead.themes, weights=theme_w)[0]
                month = rng.choice(txt.THEMES_BY_KEY[theme].months)
                starts = date(fy if month >= 4 else fy + 1, month, rng.randint(1, 28))
                if starts < lead.joined:
                    starts = min(
                        lead.joined + timedelta(days=rng.randint(7, 40)), date(fy + 1, 3, 20)
                    )
                pool = [o for o in self.orgs if o.joined <= starts]
                k = rng.choices((1, 2, 3, 4, 5), weights=(40, 30, 16, 9, 5))[0]
                partners = self._pick_partners(lead, theme, pool, k)
                if not partners:
                    continue
                hint = self._city_partner(lead, theme, partners)
                form, roles = self._form_and_roles(lead, theme, partners, hint)
                ends = starts + timedelta(days=self._duration(form))
                if form == CollaborationForm.GRANT:
                    ends = date(fy + 1, 3, 31)
                status = (
                    CollaborationStatus.ENDED
                    if ends <= REFERENCE_DATE
                    else CollaborationStatus.ACTIVE
                )
                if status == CollaborationStatus.ENDED and rng.random() < 0.03:
                    status = CollaborationStatus.CANCELLED
                n += 1
                c = _Collab(
                    id=f"demo-collab-{n:04d}",
                    fy=fy,
                    theme=theme,
                    lead=lead.id,
                    partners=partners,
                    starts=starts,
                    ends=ends,
                    form=form,
                    roles=roles,
                    status=status,
                )
                c.quality = self._quality(lead, theme, partners)
                self._attach_need(c, lead, theme)
                self.collabs.append(c)
                if status != CollaborationStatus.CANCELLED:
                    members = [lead.id, *partners]
                    for a in members:
                        for b in members:
                            if a < b:
                                self.ties[frozenset((a, b))].append(c.quality)
                            if a != b:
                                self.partners_of[a].add(b)
        self._planned(n)

    def _attach_need(self, c: _Collab, lead: _Org, theme: str) -> None:
        rng = self.rng
        standing = self.standing_needs.get((lead.id, theme))
        posted_on = self.need_by_id[standing].starts if standing else None
        if standing and posted_on and posted_on <= c.starts and rng.random() < 0.85:
            c.need_ids = [standing]
        elif lead.sector != SEC.GOVERNMENT and rng.random() < 0.5:
            posted = c.starts - timedelta(days=rng.randint(20, 90))
            need = self._need(
                lead, theme, posted, title_suffix=f"（{c.fy}年度）", starts=c.starts, ends=c.ends
            )
            c.need_ids = [need.id]

    def _planned(self, n: int) -> None:
        """A few collaborations planned for FY2026, after the reference date."""
        rng = self.rng
        for c in rng.sample(
            [
                c
                for c in self.collabs
                if c.fy == FISCAL_YEARS[-1] and c.status == CollaborationStatus.ENDED
            ],
            4,
        ):
            n += 1
            starts = date(2026, rng.choice((5, 6, 7)), rng.randint(1, 28))
            self.collabs.append(
                _Collab(
                    id=f"demo-collab-{n:04d}",
                    fy=2026,
                    theme=c.theme,
                    lead=c.lead,
                    partners=list(c.partners),
                    starts=starts,
                    ends=starts + timedelta(days=self._duration(c.form)),
                    form=c.form,
                    roles=dict(c.roles),
                    status=CollaborationStatus.PLANNED,
                    need_ids=list(c.need_ids),
                    quality=c.quality,
                )
            )

    def _need_statuses(self) -> None:
        addressed: dict[str, list[_Collab]] = defaultdict(list)
        for c in self.collabs:
            for nid in c.need_ids:
                addressed[nid].append(c)
        rng = self.rng
        for need in self.needs:
            cs = addressed.get(need.id)
            if not cs:
                continue
            if any(
                c.status in (CollaborationStatus.ACTIVE, CollaborationStatus.PLANNED) for c in cs
            ):
                need.status = NeedStatus.MATCHED
            elif need.ends is not None or rng.random() < 0.3:
                need.status = NeedStatus.CLOSED

    def _evaluations(self, c: _Collab) -> list[PartnerEvaluation]:
        rng = self.rng
        if c.status != CollaborationStatus.ENDED or rng.random() < 0.2:
            return []
        out: list[PartnerEvaluation] = []
        for org_id in [c.lead, *c.partners]:
            if rng.random() < 0.15 and out:
                continue

            def item(extra: float = 0.0) -> int:
                return max(1, min(5, round(c.quality + extra + rng.gauss(0.0, 0.5))))

            ev = PartnerEvaluation(
                org_id=org_id,
                targets=item(),
                form=item(-0.1),
                strengths=item(),
                selection=item(0.1),
                relationship=item(0.2),
                trust=item(0.1),
                value=item(),
                evaluated_at=_utc(c.ends + timedelta(days=rng.randint(7, 45)), 15),
            )
            mean = ev.mean()
            bucket = "high" if mean >= 3.8 else "mid" if mean >= 2.6 else "low"
            ev.comment = rng.choice(txt.EVAL_COMMENTS[bucket])
            out.append(ev)
        return out

    def _name(self, org_id: str) -> str:
        rec = self.by_id[org_id].rec
        return rec.name if rec else org_id

    def _collab_description(self, c: _Collab, theme: txt.Theme) -> str:
        """The theme's purpose, who did what (by role) and the form, as plain sentences."""
        lead_role = {
            "主催": "主催し",
            "事務局": "事務局を務め",
            "委託者": "事業を委託し",
            "受託者": "事業を受託し",
        }[c.roles[c.lead]]
        by_role: dict[str, list[str]] = defaultdict(list)
        for p in c.partners:
            by_role[c.roles[p]].append(self._name(p))
        verbs = {
            "協力": "協力した",
            "構成団体": "構成団体として参加した",
            "共催": "共催した",
            "助成": "助成した",
            "協賛": "協賛した",
            "後援": "後援した",
            "管理者": "管理者として参加した",
            "受託者": "事業を受託した",
            "委託者": "事業を委託した",
        }
        parts = []
        for role, names in by_role.items():
            who = "、".join(names) if len(names) <= 2 else f"{names[0]}など{len(names)}団体"
            parts.append(f"{who}が{verbs[role]}")
        return (
            f"{theme.collab_body}{self._name(c.lead)}が{lead_role}、{'。'.join(parts)}。"
            f"協働の形態は{c.form.label_ja}。"
        )

    def collaboration_records(self) -> list[Collaboration]:
        out = []
        for c in self.collabs:
            lead = self.by_id[c.lead]
            theme = txt.THEMES_BY_KEY[c.theme]
            title = self.rng.choice(theme.collab_titles).format(area=lead.area)
            if c.form != CollaborationForm.ADOPTION:
                title += f"（{c.fy}年度）" if "年度" not in title else ""
            f = CollaborationForm
            intensity = {
                f.INFORMATION_EXCHANGE: Intensity.AWARENESS,
                f.ENDORSEMENT: Intensity.AWARENESS,
                f.JOINT_COMMITTEE: Intensity.COORDINATION,
                f.COMMISSIONING: Intensity.COORDINATION,
                f.ADOPTION: Intensity.COORDINATION,
            }.get(c.form, Intensity.COOPERATION)
            repeats = min(len(self.ties.get(frozenset((c.lead, p)), [])) for p in c.partners)
            if repeats >= 4 and intensity == Intensity.COORDINATION:
                intensity = Intensity.INTEGRATION
            out.append(
                Collaboration(
                    id=c.id,
                    title=title,
                    description=self._collab_description(c, theme),
                    form=c.form,
                    starts=c.starts,
                    ends=c.ends,
                    status=c.status,
                    intensity=intensity,
                    participants=[
                        Participant(org_id=o, role=c.roles[o]) for o in [c.lead, *c.partners]
                    ],
                    need_ids=c.need_ids,
                    suggestion_id=c.suggestion_id,
                    evaluations=self._evaluations(c),
                    created_at=_utc(c.starts - timedelta(days=14), 12),
                )
            )
        return out

    # -- review queue -------------------------------------------------------------------------

    def _suggestion(
        self, need: Need, cand: _Org, at: date, status: SuggestionStatus, n: int
    ) -> Suggestion:
        """The suggestion of ``cand`` for ``need`` asked for on ``at``, with the coordinator's
        decision; its score, features, offer and explanation come from the matcher once the
        whole city exists (:func:`democity.score.score_suggestions`)."""
        rng = self.rng
        # the hour it was asked for: one draw at this point keeps every later record of a seed
        # as the README describes it
        created = _utc(at, 9 + int(rng.random() * 8))
        history: list[Decision] = []
        reviewer = note = decided = None
        if status != SuggestionStatus.PROPOSED:
            reviewer = rng.choice(COORDINATORS)
            note = rng.choice(txt.SUGGESTION_NOTES[status.value])
            decided = _utc(at + timedelta(days=rng.randint(2, 12)), 16)
            if status == SuggestionStatus.ACCEPTED and rng.random() < 0.3:
                history.append(
                    Decision(
                        status=SuggestionStatus.DEFERRED,
                        reviewer=reviewer,
                        note=rng.choice(txt.SUGGESTION_NOTES["deferred"]),
                        at=created + timedelta(days=1),
                    )
                )
            history.append(Decision(status=status, reviewer=reviewer, note=note, at=decided))
        return Suggestion(
            id=f"demo-suggestion-{n:03d}",
            suggestion_kind=SuggestionKind.NEED_ORG,
            subject_id=need.org_id,
            candidate_id=cand.id,
            need_id=need.id,
            score=0.0,
            status=status,
            reviewer=reviewer,
            note=note,
            decided_at=decided,
            history=history,
            requested_by=rng.choice(COORDINATORS),
            created_at=created,
        )

    def suggestions(self) -> list[Suggestion]:
        rng = self.rng
        out: list[Suggestion] = []
        n = 0
        # accepted: suggestions that became collaborations in FY2024–FY2025
        recent = [
            c
            for c in self.collabs
            if c.fy in (2024, 2025) and c.need_ids and c.status != CollaborationStatus.CANCELLED
        ]
        for c in sorted(rng.sample(recent, min(12, len(recent))), key=lambda c: c.id):
            n += 1
            at = c.starts - timedelta(days=rng.randint(20, 60))
            # the partner a coordinator would have suggested: the one whose work fits best
            best = max(
                c.partners,
                key=lambda p: (
                    c.theme in self.by_id[p].themes,
                    self.by_id[p].sector != SEC.GOVERNMENT,
                ),
            )
            s = self._suggestion(
                self.need_by_id[c.need_ids[0]], self.by_id[best], at, SuggestionStatus.ACCEPTED, n
            )
            c.suggestion_id = s.id
            out.append(s)
        open_needs = [
            nd
            for nd in self.needs
            if nd.status == NeedStatus.OPEN and nd.visibility == Visibility.PUBLIC
        ]
        active = [o for o in self.orgs if o.activity > 0]
        # rejected and deferred: poor or ill-timed fits
        for status, k in ((SuggestionStatus.REJECTED, 8), (SuggestionStatus.DEFERRED, 4)):
            for need in rng.sample(open_needs, k):
                owner = self.by_id[need.org_id]
                far = [
                    o
                    for o in active
                    if o.id != owner.id
                    and o.area != owner.area
                    and o.area not in self.neigh[owner.area]
                ] or active
                n += 1
                at = _rand_date(rng, date(2024, 6, 1), date(2026, 2, 28))
                out.append(self._suggestion(need, rng.choice(far), at, status, n))
        # proposed: good fits waiting in the coordinators' queue now
        for need in rng.sample(open_needs, 10):
            owner = self.by_id[need.org_id]
            theme = next((t for (o, t), nid in self.standing_needs.items() if nid == need.id), None)
            fits = [
                o
                for o in active
                if o.id != owner.id
                and theme in o.themes
                and frozenset((o.id, owner.id)) not in self.ties
            ] or [o for o in active if o.id != owner.id]
            n += 1
            at = _rand_date(rng, date(2026, 3, 1), date(2026, 3, 28))
            out.append(self._suggestion(need, rng.choice(fits), at, SuggestionStatus.PROPOSED, n))
        return out

    def interests(self) -> list[Interest]:
        rng = self.rng
        out: list[Interest] = []
        businesses = [o for o in self.orgs if o.sector == SEC.BUSINESS]
        needs = [
            nd
            for nd in self.needs
            if nd.status == NeedStatus.OPEN and nd.visibility == Visibility.PUBLIC
        ]
        seen: set[tuple[str, str]] = set()
        while len(out) < 12:
            need = rng.choice(needs)
            theme = next((t for t in txt.THEMES if set(t.fields) == set(need.fields)), None)
            fits = [b for b in businesses if theme and theme.key in b.themes] or businesses
            biz = rng.choice(fits)
            if (biz.id, need.id) in seen or biz.id == need.org_id:
                continue
            seen.add((biz.id, need.id))
            created = _rand_date(rng, date(2026, 1, 10), date(2026, 3, 25))
            status = rng.choices(
                (InterestStatus.OPEN, InterestStatus.ACCEPTED, InterestStatus.DECLINED),
                weights=(7, 2, 1),
            )[0]
            decided = status != InterestStatus.OPEN
            out.append(
                Interest(
                    id=f"demo-interest-{len(out) + 1:03d}",
                    org_id=biz.id,
                    need_id=need.id,
                    message=rng.choice(txt.INTEREST_MESSAGES).format(
                        theme=theme.name if theme else "地域活動"
                    ),
                    status=status,
                    decided_by=rng.choice(COORDINATORS) if decided else None,
                    decided_at=_utc(created + timedelta(days=rng.randint(1, 6)), 17)
                    if decided
                    else None,
                    note=(
                        "先方と日程調整を始めた。"
                        if status == InterestStatus.ACCEPTED
                        else "今回は既に協力先が決まっているため見送り。"
                    )
                    if decided
                    else None,
                    created_at=_utc(created, 14),
                )
            )
        return out

    def upcoming_needs(self) -> None:
        """Needs posted in early 2026 for activities in FY2026, each with a date range: what
        the opportunity search and the matcher have to work on "now"."""
        rng = self.rng
        askers = [
            o for o in self.orgs if o.sector in (SEC.ASSOCIATION, SEC.NPO, SEC.SCHOOL, SEC.WELFARE)
        ]
        for org in sorted(rng.sample(askers, 25), key=lambda o: o.id):
            theme = rng.choice(org.themes)
            month = rng.choice(txt.THEMES_BY_KEY[theme].months)
            starts = date(2026 if month >= 4 else 2027, month, rng.randint(1, 28))
            posted = _rand_date(rng, date(2026, 1, 10), date(2026, 3, 25))
            self._need(
                org,
                theme,
                posted,
                title_suffix="（2026年度）",
                starts=starts,
                ends=starts + timedelta(days=rng.randint(14, 120)),
            )

    def run(self) -> DemoCity:
        city = DemoCity(seed=self.seed)
        city.areas = self.areas()
        self.organizations()
        self.standing()
        self.collaborations()
        self._need_statuses()
        self.upcoming_needs()
        city.suggestions = self.suggestions()
        city.collaborations = self.collaboration_records()
        city.interests = self.interests()
        city.organizations = [o.rec for o in self.orgs if o.rec is not None]
        city.org_themes = {o.id: o.themes for o in self.orgs}
        city.needs = list(self.needs)
        city.offers = list(self.offers)
        city.suggestions = score_suggestions(city)
        return city


def generate(seed: int = 42) -> DemoCity:
    """Generate the demo city; the same seed always gives the same city, byte for byte."""
    return _Generator(seed).run()
