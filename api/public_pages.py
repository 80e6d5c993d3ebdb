"""The public site's pages (no sign-in): server-rendered in Japanese or English, fast and
printable, from the same workflows as the public JSON (``api.routes.public``).

The data is rendered into the HTML here (Jinja escapes every value), so the pages need no
script and no token; only the offer-of-help form uses a small module
(``static/js/public_offer.js``) that sends no token either.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import Store
from api.pages import labels, messages, page_language, render
from api.routes.public import field_code
from graph.errors import InvalidInput
from graph.model import CollaborationForm, ResourceKind, Sector
from workflows import publication, targets

router = APIRouter(include_in_schema=False)

#: the messages the offer form's script needs
FORM_MESSAGES = (
    "pub_offer_sent",
    "pub_offer_error",
    "pub_offer_sending",
    "pub_offer_wait",
)


def number(value: float | None) -> str:
    """A figure as a plan prints it: whole numbers without decimals, others as given."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _render(request: Request, template: str, title_key: str, **context: Any) -> HTMLResponse:
    lang = page_language(request)
    lab = labels(lang)
    boot = {"messages": {k: messages()[k][lang] for k in FORM_MESSAGES}}
    return render(
        request,
        template,
        title_key,
        active="public",
        public=True,
        labels=lab,
        year_label=lambda y: targets.year_label(y, lang),
        num=number,
        query=dict(request.query_params),
        boot=boot,
        **context,
    )


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value[:200] or None


def _enum(cls: Any, value: str | None) -> Any:
    if not value:
        return None
    try:
        return cls(value)
    except ValueError as exc:
        raise InvalidInput(
            "条件が正しくありません", f"not a valid {cls.__name__}: {value!r}"
        ) from exc


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise InvalidInput("年度が正しくありません", f"not a fiscal year: {value!r}")
    return int(value)


@router.get("/public", response_class=HTMLResponse)
def public_home(request: Request, store: Store) -> HTMLResponse:
    """The public site's start page: what is here, with counts."""
    counts = {
        "needs": len(publication.public_needs(store)),
        "cases": len(publication.case_collection(store)),
        "recognised": len(publication.case_collection(store, recognised=True)),
        "businesses": len(publication.cooperating_businesses(store)),
        "organizations": len(publication.directory(store)),
        "indicators": len(targets.report(store).rows),
    }
    return _render(request, "public_home.html", "pub_title", counts=counts)


@router.get("/public/needs", response_class=HTMLResponse)
def public_needs_page(request: Request, store: Store) -> HTMLResponse:
    """Open public needs, searchable."""
    needs = publication.public_needs(
        store,
        _param(request, "q"),
        field_code(_param(request, "field")),
        _param(request, "area"),
        _enum(ResourceKind, _param(request, "resource_kind")),
    )
    return _render(
        request,
        "public_needs.html",
        "pub_needs_title",
        needs=needs,
        resource_kinds=list(ResourceKind),
    )


@router.get("/public/needs/{need_id}", response_class=HTMLResponse)
def public_need_page(request: Request, store: Store, need_id: str) -> HTMLResponse:
    """One open public need with the offer-of-help form."""
    need = publication.public_need(store, need_id)
    return _render(request, "public_need.html", "pub_need_title", need=need)


@router.get("/public/cases", response_class=HTMLResponse)
def public_cases_page(request: Request, store: Store) -> HTMLResponse:
    """The case collection with its filters."""
    all_cases = publication.case_collection(store)
    cases = publication.case_collection(
        store,
        field_code(_param(request, "field")),
        _param(request, "area"),
        _enum(CollaborationForm, _param(request, "form")),
        _year(_param(request, "year")),
    )
    return _render(
        request,
        "public_cases.html",
        "pub_cases_title",
        cases=cases,
        forms=list(CollaborationForm),
        years=sorted({c.year for c in all_cases}, reverse=True),
        areas=sorted({a for c in all_cases for a in c.areas}),
        fields=sorted({f for c in all_cases for f in c.fields}),
    )


@router.get("/public/cases/{case_id}", response_class=HTMLResponse)
def public_case_page(request: Request, store: Store, case_id: str) -> HTMLResponse:
    case = publication.public_case(store, case_id)
    return _render(request, "public_case.html", "pub_case_title", case=case)


@router.get("/public/recognised", response_class=HTMLResponse)
def public_recognised_page(request: Request, store: Store) -> HTMLResponse:
    cases = publication.case_collection(store, recognised=True)
    return _render(request, "public_recognised.html", "pub_recognised_title", cases=cases)


@router.get("/public/businesses", response_class=HTMLResponse)
def public_businesses_page(request: Request, store: Store) -> HTMLResponse:
    return _render(
        request,
        "public_businesses.html",
        "pub_businesses_title",
        businesses=publication.cooperating_businesses(store),
    )


@router.get("/public/organizations", response_class=HTMLResponse)
def public_organizations_page(request: Request, store: Store) -> HTMLResponse:
    orgs = publication.directory(
        store,
        _param(request, "q"),
        _enum(Sector, _param(request, "sector")),
        _param(request, "area"),
        field_code(_param(request, "field")),
    )
    return _render(
        request, "public_organizations.html", "pub_orgs_title", orgs=orgs, sectors=list(Sector)
    )


@router.get("/public/indicators", response_class=HTMLResponse)
def public_indicators_page(request: Request, store: Store) -> HTMLResponse:
    """The plan's targets: baseline, actuals, targets, achievement; print-ready."""
    return _render(
        request, "public_indicators.html", "pub_indicators_title", report=targets.report(store)
    )
