"""Coordinates: WGS-84 (GPS, wx.getLocation's default) to GCJ-02 (China's map datum), and
distances. Points are compared only after both are in GCJ-02."""

import math

EARTH_RADIUS_M = 6_371_008.8
# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 transform.
_A = 6_378_245.0
_EE = 0.006_693_421_622_965_943


def is_on_earth(lat: float, lng: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lng <= 180


def is_in_china(lat: float, lng: float) -> bool:
    """Rough bounding box of mainland China; GCJ-02 applies only inside it."""
    return 3.86 <= lat <= 53.56 and 73.66 <= lng <= 135.05


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """The published WGS-84 → GCJ-02 offset; points outside China are returned unchanged."""
    if not is_in_china(lat, lng):
        return lat, lng
    x, y = lng - 105.0, lat - 35.0
    dlat = _transform_lat(x, y)
    dlng = _transform_lng(x, y)
    rad = math.radians(lat)
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + dlat, lng + dlng


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def to_gcj02(lat: float, lng: float, coord_type: str) -> tuple[float, float]:
    """A point in GCJ-02, whichever system it came in."""
    return wgs84_to_gcj02(lat, lng) if coord_type == "wgs84" else (lat, lng)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))
