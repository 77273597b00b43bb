"""Where an entry was checked in and out, as a map in China draws it (GCJ-02).

A check-in keeps the point as the phone sent it, with its datum (WGS-84 or GCJ-02), since its
distance and the register check are measured from what was sent; a check-out keeps its point
already converted. Shown side by side on one map, both must be in one datum, so both are
given in GCJ-02 (services.geo: a point outside China is GCJ-02 as it is).
"""

from models import ServiceRecord

from .geo import to_gcj02

DATUM = "gcj02"


def checkin_point(record: ServiceRecord) -> tuple[float, float] | None:
    """The check-in's point in GCJ-02; None when it has none (a leader's registration)."""
    if record.checkin_lat is None or record.checkin_lng is None:
        return None
    return to_gcj02(record.checkin_lat, record.checkin_lng, record.checkin_coord_type)


def checkout_point(record: ServiceRecord) -> tuple[float, float] | None:
    """The check-out's point in GCJ-02 (stored so); None when none was sent."""
    if record.checkout_lat is None or record.checkout_lng is None:
        return None
    return record.checkout_lat, record.checkout_lng
