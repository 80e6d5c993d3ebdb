"""The web pages: HTML shells rendered on the server, data fetched by plain ES modules.

Pages are Japanese by default; ``?lang=en`` (or ``?lang=ja``) switches and the choice is kept in
a cookie.  Every user-facing string lives in ``api/templates/messages.json`` (and, one file per
page group, ``api/templates/messages/*.json``) with both languages; a key defined twice is an error.
The HTML itself holds no data, so it is served without a token; the scripts send the bearer
token kept in the browser's ``localStorage`` with every API call, and the API checks the role.
Static files (our scripts and styles, and the JavaScript libraries vendored from npm) are served
from ``api/static/`` by this router, so nothing is fetched from a CDN and the pages work offline.
"""

from __future__ import annotations

import json
import mimetypes
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import Store
from graph.analytics import FIGURE_LABELS, compute_growth, plan_indicator_table
from graph.model import (
    NPO_FIELDS,
    CollaborationForm,
    CollaborationStatus,
    Intensity,
    NeedStatus,
    ResourceKind,
    Sector,
    Visibility,
)
from workflows import targets

API_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = API_DIR / "templates"
STATIC_DIR = API_DIR / "static"
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
LANG_COOKIE = "tsunagu_lang"

# Colours for the sectors, shared by the map and the charts (colour-blind-friendly Okabe-Ito).
SECTOR_COLOURS = {
    "association": "#E69F00",
    "npo": "#009E73",
    "business": "#0072B2",
    "school": "#CC79A7",
    "government": "#D55E00",
    "welfare": "#56B4E9",
    "other": "#999999",
}

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/css", ".css")

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


@lru_cache
def messages() -> dict[str, dict[str, str]]:
    """Every UI string, ``{key: {"ja": ..., "en": ...}}``."""
    data: dict[str, dict[str, str]] = {}
    files = [TEMPLATE_DIR / "messages.json", *sorted((TEMPLATE_DIR / "messages").glob("*.json"))]
    for path in files:
        part: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        twice = sorted(set(part) & set(data))
        if twice:
            raise ValueError(f"{path.name}: message keys defined twice: {', '.join(twice)}")
        data.update(part)
    return data


def translate(key: str, lang: str, **values: Any) -> str:
    """The string ``key`` in ``lang`` with ``{name}`` placeholders filled in.

    An unknown key raises ``KeyError`` so a typo in a template fails its test instead of
    showing a raw key to a user.
    """
    text = messages()[key][lang]
    return text.format(**values) if values else text


def page_language(request: Request) -> str:
    """``?lang=`` first, then the cookie, then Japanese."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value in LANGUAGES:
            return value
    return DEFAULT_LANGUAGE


def labels(lang: str) -> dict[str, Any]:
    """Labels of the domain's enumerations and the 20 NPO fields, for the scripts."""
    i = 0 if lang == "ja" else 1

    def enum(cls: Any) -> dict[str, str]:
        return {m.value: (m.label_ja, m.label_en)[i] for m in cls}

    return {
        "sector": enum(Sector),
        "resource_kind": enum(ResourceKind),
        "form": enum(CollaborationForm),
        "collaboration_status": enum(CollaborationStatus),
        "intensity": enum(Intensity),
        "need_status": enum(NeedStatus),
        "visibility": enum(Visibility),
        "field": {f.code: (f.name_ja, f.name_en)[i] for f in NPO_FIELDS},
    }


def render(request: Request, template: str, title_key: str, **context: Any) -> HTMLResponse:
    """Render a page in the request's language; remember an explicit ``?lang=`` in a cookie."""
    lang = page_language(request)
    other = "en" if lang == "ja" else "ja"
    page_messages = {k: v[lang] for k, v in messages().items()}
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "other_lang": other,
            "other_lang_name": {"ja": "日本語", "en": "English"}[other],
            "t": lambda key, **values: translate(key, lang, **values),
            "title": translate(title_key, lang),
            "boot": {
                "lang": lang,
                "messages": page_messages,
                "labels": labels(lang),
                "sectorColours": SECTOR_COLOURS,
                **context.pop("boot", {}),
            },
            **context,
        },
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    """The start page: what each page is for and who may use it."""
    return render(request, "home.html", "home_title", active="home")


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request) -> HTMLResponse:
    """The force-directed network map with its time slider."""
    return render(request, "network.html", "network_title", active="network")


@router.get("/growth", response_class=HTMLResponse)
def growth_page(request: Request) -> HTMLResponse:
    """Growth charts, the plan-indicator table and the export downloads."""
    return render(request, "growth.html", "growth_title", active="growth")


def _figure(value: float | None) -> str:
    """A figure as the printed report shows it: whole numbers with separators, others with at
    most two decimals."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _share(value: float | None) -> str:
    """A fraction (0–1) as a plan prints a share: one decimal and a percent sign."""
    return "—" if value is None else f"{value * 100:.1f}%"


@router.get("/growth/report", response_class=HTMLResponse)
def growth_report_page(request: Request, store: Store) -> HTMLResponse:
    """The plan's indicators, print-ready for the annual report to the 推進会議: the targets
    report and the network's figures per fiscal year (both public, so rendered here)."""
    lang = page_language(request)
    return render(
        request,
        "growth_report.html",
        "staff_report_title",
        active="growth",
        report=targets.report(store),
        figures=plan_indicator_table(compute_growth(store, "fiscal")),
        year_label=lambda y: targets.year_label(y, lang),
        num=_figure,
        share=_share,
        today=date.today().isoformat(),
    )


@router.get("/staff/publication", response_class=HTMLResponse)
def publication_page(request: Request) -> HTMLResponse:
    """Staff's page for publishing cases, partners' consent, disclosure levels and the plan's
    indicators (the acts of ``api.routes.publication``)."""
    lang = page_language(request)

    def figure_name(figure: str) -> str:
        name, _, key = figure.partition(":")
        ja, en, _unit = FIGURE_LABELS[name]
        return (ja if lang == "ja" else en) + (f" ({key})" if key else "")

    figures = [{"value": f, "label": figure_name(f)} for f in targets.computable_figures()]
    return render(
        request,
        "publication.html",
        "staff_pub_title",
        active="publication",
        boot={"figures": figures},
    )


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request) -> HTMLResponse:
    """The coordinators' queue of suggestions and expressions of interest."""
    return render(request, "review.html", "review_title", active="review")


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request) -> HTMLResponse:
    """A matching event's seating: attendees, rounds, tables; the plan to print and save."""
    return render(request, "events.html", "ev_title", active="events")


@router.get("/collaborations/new", response_class=HTMLResponse)
def new_collaboration_page(request: Request) -> HTMLResponse:
    """The form for a collaboration made from scratch (not from a suggestion)."""
    return render(request, "collaboration_new.html", "cnew_title", active="collaboration-new")


@router.get("/opportunities", response_class=HTMLResponse)
def opportunities_page(request: Request) -> HTMLResponse:
    """The businesses' search over open public needs."""
    return render(request, "opportunities.html", "opp_title", active="opportunities")


@router.get("/interests", response_class=HTMLResponse)
def interests_page(request: Request) -> HTMLResponse:
    """A business's expressions of interest, each with its need and status."""
    return render(request, "interests.html", "interests_title", active="interests")


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request) -> HTMLResponse:
    """Coordinators upload a file, see every error, import it (or its valid rows), undo."""
    return render(request, "imports.html", "imports_title", active="imports")


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request) -> HTMLResponse:
    """The administrators' token management: create (shown once), list, revoke."""
    return render(request, "tokens.html", "tokens_title", active="tokens")


@router.get("/organizations/{org_id}", response_class=HTMLResponse)
def organization_page(request: Request, org_id: str) -> HTMLResponse:
    """One organization's profile (its data comes from the records API)."""
    return render(
        request, "organization.html", "org_title", active="network", boot={"orgId": org_id}
    )


#: the record kinds the record forms register and edit, by their API path
RECORD_FORMS = {
    "organizations": "rec_form_organization",
    "needs": "rec_form_need",
    "offers": "rec_form_offer",
}


@router.get("/records", response_class=HTMLResponse)
def records_page(request: Request) -> HTMLResponse:
    """Coordinators' records: new records, the registered districts, deleted records."""
    return render(request, "records.html", "rec_title", active="records")


def record_form(request: Request, path: str, record_id: str | None) -> HTMLResponse:
    if path not in RECORD_FORMS:
        raise HTTPException(status_code=404, detail=f"フォームはありません / no form for {path!r}")
    boot = {"recordPath": path, "recordId": record_id}
    return render(request, "record_form.html", RECORD_FORMS[path], active="records", boot=boot)


@router.get("/records/{path}/new", response_class=HTMLResponse)
def new_record_page(request: Request, path: str) -> HTMLResponse:
    """The form registering an organization, a need or an offer."""
    return record_form(request, path, None)


@router.get("/records/{path}/{record_id}/edit", response_class=HTMLResponse)
def edit_record_page(request: Request, path: str, record_id: str) -> HTMLResponse:
    """The form editing (and deleting) an organization, a need or an offer."""
    return record_form(request, path, record_id)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for this path whatever the page says."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    """A file under ``api/static/`` (a plain route, so it survives ``include_router``)."""
    try:  # a NUL byte or an over-long name makes the path itself invalid
        target = (STATIC_DIR / path).resolve()
        found = target.is_relative_to(STATIC_DIR) and target.is_file()
    except (ValueError, OSError):
        found = False
    if not found:
        raise HTTPException(
            status_code=404,
            detail=f"ファイル {path!r} はありません / no static file {path!r}",
        )
    return FileResponse(target, headers={"Cache-Control": "no-cache"})
