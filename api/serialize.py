"""Turning models into the JSON the mini-program reads. Times go out as ISO 8601 in
Shanghai time (+08:00)."""

from datetime import datetime

from models import Member
from services.clock import to_local

ROLE_NAMES = {"member": "队员", "leader": "队长"}


COORDINATE_DECIMALS = 6  # about 0.1 m: what a phone's position is worth, without float noise


def coordinate(value: float | None) -> float | None:
    """A latitude or longitude as the API shows it (a converted point is 34.782700000000006)."""
    return round(value, COORDINATE_DECIMALS) if value is not None else None


def iso(moment: datetime | None) -> str | None:
    return to_local(moment).isoformat() if moment is not None else None


def member(m: Member) -> dict:
    team = m.team
    return {
        "id": m.id,
        "name": m.name,
        "phone": m.phone,
        "role": m.role,
        "role_name": ROLE_NAMES.get(m.role, m.role),
        "team": {"id": team.id, "name": team.name} if team else None,
        "branch": m.branch.name if m.branch_id else None,
    }


def login(result) -> dict:
    body = {"token": result.token, "expires_at": iso(result.expires_at), "scope": result.scope}
    body["bind_required"] = result.scope == "bind"
    body["member"] = member(result.member) if result.member is not None else None
    return body


def list_page(items: list, total: int, limit: int, offset: int) -> dict:
    """A list's page as every list answers: its items, the total and the page asked for."""
    return {"items": items, "total": total, "limit": limit, "offset": offset}
