"""Who may see and change what: the one place every workflow, route and page asks.

- admin, coordinator: everything, contacts included.
- business: acts only for its own organization; sees public needs (and its own), offers,
  organizations without their contacts (its own with them) and the collaborations it is part of
  (naming only the needs it may see); new records get ids from the service.
- staff: read-only on the records; no contacts, no coordinators' queue or response times;
  but staff, like coordinators, publish (cases, profiles, contributions), record consent,
  recognise good projects and define the plan's indicators (:func:`publishing`).
- the public (no sign-in): only what was published, through ``workflows.publication``.

Nothing a user may not read shows through another answer: not a field of a record it may read
(:func:`shown`), not an error that only a taken id could cause (:func:`check_new_id`).
"""

from __future__ import annotations

from collections.abc import Sequence

from graph.errors import Forbidden
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
from graph.store import GraphStore

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def operator(login: str | None = None) -> User:
    """The person at the command line, as a user of the workflows: whoever can run
    ``tsunagu`` on the server holds the data directory, so acts as an admin.  Never stored;
    ``cli-<login>`` names them in what they ask and decide (a suggestion's ``requested_by``)."""
    import getpass
    import re

    name = login or getpass.getuser() or "operator"
    return User(
        id="cli-" + re.sub(r"[^\w.-]+", "_", name)[:100],
        name=name[:200],
        role=Role.ADMIN,
        token_hash="-",
    )


def coordinating(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def publishing(user: User) -> bool:
    """Whether ``user`` may publish and unpublish, record partners' consent, recognise good
    projects and define the plan's indicators: staff, coordinators and admins."""
    return user.role in (Role.ADMIN, Role.COORDINATOR, Role.STAFF)


def check_publishing(user: User) -> None:
    """Raise :class:`Forbidden` (403) unless ``user`` may publish (see :func:`publishing`)."""
    if not publishing(user):
        raise Forbidden(
            "公開の操作と数値目標の設定は職員・コーディネーター・管理者だけができます",
            f"only staff, coordinators and admins publish and set targets (not {user.role.value})",
        )


def check_coordinating(
    user: User,
    ja: str = "コーディネーターと管理者だけが行えます",
    en: str = "only coordinators and admins may do this",
) -> None:
    """Raise :class:`Forbidden` (403) unless ``user`` coordinates (a coordinator or an
    admin); ``ja`` and ``en`` say what was refused."""
    if not coordinating(user):
        raise Forbidden(ja, f"{en} (not {user.role.value})")


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


def shown(user: User, rec: Record, store: GraphStore) -> Record:
    """``rec`` as ``user`` may see it (see :func:`shown_many`)."""
    return shown_many(user, [rec], store)[0]


def shown_many(user: User, recs: Sequence[Record], store: GraphStore) -> list[Record]:
    """``recs`` as ``user`` may see them: contacts only for coordinators, admins and the
    organization itself; a collaboration names only the needs ``user`` may read."""
    if coordinating(user):
        return list(recs)
    need_ids = sorted({n for r in recs if isinstance(r, Collaboration) for n in r.need_ids})
    needs = store.get_many("Need", need_ids, include_inactive=True) if need_ids else {}
    readable = {i for i, n in needs.items() if can_read(user, n)}
    out: list[Record] = []
    for rec in recs:
        if isinstance(rec, Organization) and rec.id != user.org_id:
            rec = rec.model_copy(update=dict.fromkeys(CONTACT_FIELDS))
        elif isinstance(rec, Collaboration) and not readable.issuperset(rec.need_ids):
            rec = rec.model_copy(update={"need_ids": [n for n in rec.need_ids if n in readable]})
        out.append(rec)
    return out


def check_new_id(user: User, id: str | None) -> None:
    """Raise :class:`Forbidden` (403) if ``user`` may not choose the id of a new record.

    Whether an id is taken says that a record exists: only coordinators and admins, who see
    every record, name new ones; for anyone else the service picks the id.
    """
    if id and not coordinating(user):
        raise Forbidden(
            "新しい記録のIDは自動で付けられます（id を指定しないでください）",
            "the id of a new record is chosen by the service; leave id out",
        )


def owner_of(rec: Record) -> str | None:
    """The organization a record belongs to (for a business user's write rights)."""
    if isinstance(rec, Organization):
        return rec.id
    if isinstance(rec, Need | Offer | Interest):
        return rec.org_id
    return None


def check_write(user: User, rec: Record, action: str = "update") -> None:
    """Raise :class:`Forbidden` (403) unless ``user`` may ``action`` ``rec`` ("create",
    "update" or "delete").

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
        raise Forbidden(
            "事業者は自団体のニーズ・提供資源と団体情報だけを変更できます",
            "a business may change only its own organization, needs and offers",
        )
    raise Forbidden("閲覧専用のロールです", f"the {user.role.value} role is read-only")
