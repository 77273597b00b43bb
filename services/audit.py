"""Audit lines: who did what to which object. One writer, so every service labels the actor
the same way (Actor.label) and stores the object's id as text."""

from datetime import datetime

from models import AuditLog


def record(
    actor_label: str,
    action: str,
    now: datetime,
    obj_type: str = "",
    obj_id: int | str = "",
    detail: dict | None = None,
) -> AuditLog:
    """Write one audit line; an action on no single object leaves the object blank."""
    return AuditLog.create(
        at=now,
        actor=actor_label,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        detail=detail if detail is not None else {},
    )
