"""The registered districts: the ``Area`` records of the store.

An organization, need or offer names its district (``area``) from this list; an unknown one
(a typo, ``月面``) is refused with a field error naming the value, by the API, the pages and
the importer alike, so it can never reach the growth figures or the exports.  A coordinator
registers a new district on purpose (:func:`register`); an import registers the districts of
its own districts table (kind ``areas``) in the same batch, which is how a fresh, empty store
gets its first ones (the demo city's files include theirs).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from graph.errors import Conflict, InvalidInput
from graph.model import Area, Need, Offer, Organization, Record, User
from graph.store import GraphStore
from workflows.access import check_coordinating

#: the pydantic error type of an unknown district (the pages show it under the field)
UNKNOWN_DISTRICT = "unknown_district"


def unknown_district_reasons(value: str) -> tuple[str, str]:
    """The Japanese and English message for an unregistered district ``value``."""
    return (
        f"「{value}」は登録されていない地区です",
        f'"{value}" is not a registered district',
    )


def registered(store: GraphStore) -> list[Area]:
    """Every registered (active) district, by name."""
    areas = [a for a in store.iter_all("Area") if isinstance(a, Area)]
    return sorted(areas, key=lambda a: (a.name_kana or a.name, a.name))


def registered_names(store: GraphStore) -> set[str]:
    """The ids (names) of the registered districts."""
    return {a.id for a in store.iter_all("Area")}


def district_of(rec: Record) -> str | None:
    """The district a record names, for the kinds that name one (else None)."""
    if isinstance(rec, Organization | Need | Offer):
        return rec.area
    return None


def unknown(rec: Record, known: Iterable[str]) -> str | None:
    """The district ``rec`` names if it is not among ``known`` (else None)."""
    area = district_of(rec)
    return area if area and area not in set(known) else None


def check_district(store: GraphStore, rec: Record) -> None:
    """Raise a pydantic :class:`ValidationError` on the field ``area`` (the API's 422, shown
    under the field) when ``rec`` names a district that is not registered."""
    area = district_of(rec)
    if not area or store.get("Area", area) is not None:
        return
    ja, en = unknown_district_reasons(area)
    error = PydanticCustomError(UNKNOWN_DISTRICT, f"{ja} / {en}", {"value": area})
    details: list[InitErrorDetails] = [{"type": error, "loc": ("area",), "input": area}]
    raise ValidationError.from_exception_data(rec.kind, details)


def register(store: GraphStore, user: User, name: str, name_kana: str | None = None) -> Area:
    """Register the district ``name`` on purpose (coordinators and admins only)."""
    check_coordinating(
        user,
        "地区を登録できるのはコーディネーターと管理者だけです",
        "only coordinators and admins may register a district",
    )
    name = name.strip()
    if not name:
        raise InvalidInput("地区名が空です", "the district name is empty")
    kana = (name_kana or "").strip() or None
    stored = store.get_of(Area, name, include_inactive=True)
    if stored is not None and stored.active:
        raise Conflict(
            f"地区「{name}」は登録済みです", f"the district {name!r} is registered already"
        )
    if stored is not None:  # registered once and retired: registering it again brings it back
        again = {"active": True, "name_kana": kana or stored.name_kana}
        store.update("Area", name, lambda a: a.model_copy(update=again), include_inactive=True)
    else:
        store.upsert([Area(id=name, name=name, name_kana=kana, version=0)])
    return store.get_many_of(Area, [name])[name]
