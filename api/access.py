"""Who may see and change what (every route asks here).

- admin, coordinator: everything, contacts included.
- business: acts only for its own organization; sees public needs (and its own), offers,
  organizations without their contacts (its own with them) and the collaborations it is part of.
- staff: read-only; no contacts, no coordinators' queue.
"""

from __future__ import annotations

from api.errors import forbidden
from graph.model import (
    Collaboration,
    Interest,
    Need,
    Offer,
    Organization,
    Record,
    Role,
    User,
    Visibility,
)

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def coordinating(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def can_read(user: User, rec: Record) -> bool:
    """Whether ``user`` may see ``rec`` at all."""
    if coordinating(user):
        return True
    if isinstance(rec, Need):
        if user.role == Role.BUSINESS:
            return rec.visibility == Visibility.PUBLIC or rec.org_id == user.org_id
        return True
    if isinstance(rec, Collaboration):
        return user.role == Role.STAFF or user.org_id in rec.org_ids()
    if isinstance(rec, Interest):
        return user.role == Role.BUSINESS and rec.org_id == user.org_id
    return isinstance(rec, Organization | Offer)


def shown(user: User, rec: Record) -> Record:
    """``rec`` as ``user`` may see it: contacts only for coordinators, admins and the
    organization itself."""
    if isinstance(rec, Organization) and not coordinating(user) and rec.id != user.org_id:
        return rec.model_copy(update=dict.fromkeys(CONTACT_FIELDS))
    return rec


def owner_of(rec: Record) -> str | None:
    """The organization a record belongs to (for a business user's write rights)."""
    if isinstance(rec, Organization):
        return rec.id
    if isinstance(rec, Need | Offer | Interest):
        return rec.org_id
    return None


def check_write(user: User, rec: Record, action: str = "update") -> None:
    """Raise 403 unless ``user`` may ``action`` ("create", "update", "delete") ``rec``.

    A business may update its own organization (not create or delete one) and create, change
    and delete its own needs and offers.  Staff write nothing.
    """
    if coordinating(user):
        return
    if user.role == Role.BUSINESS:
        if isinstance(rec, Need | Offer) and rec.org_id == user.org_id:
            return
        if isinstance(rec, Organization) and rec.id == user.org_id and action == "update":
            return
        raise forbidden(
            "事業者は自団体のニーズ・提供資源と団体情報だけを変更できます",
            "a business may change only its own organization, needs and offers",
        )
    raise forbidden("閲覧専用のロールです", f"the {user.role.value} role is read-only")
