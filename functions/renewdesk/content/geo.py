"""Coordinate systems of maps in mainland China.

Published Chinese maps use GCJ-02 (AMap, Tencent, Apple in China); Baidu shifts GCJ-02 once more
(BD-09); GPS and schema.org use WGS-84. store.yml says which one its coordinates are in (the
picker marketing copied them from); the site converts for each consumer. The formulas are the
published ones (GCJ-02 forward transform; its inverse by fixed-point iteration, < 1 m).
"""

from __future__ import annotations

import math

SYSTEMS = ("gcj02", "bd09", "wgs84")
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def _delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    )
    dlng = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    )
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    dlng = (dlng * 180.0) / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """GPS → the Chinese published-map system."""
    dlat, dlng = _delta(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The inverse, iterated until it moves less than a millimetre."""
    wlat, wlng = lat, lng
    for _ in range(20):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        step_lat, step_lng = glat - lat, glng - lng
        wlat, wlng = wlat - step_lat, wlng - step_lng
        if abs(step_lat) < 1e-9 and abs(step_lng) < 1e-9:
            break
    return wlat, wlng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 → Baidu's BD-09."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Baidu's BD-09 → GCJ-02."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def to_gcj02(lat: float, lng: float, system: str) -> tuple[float, float]:
    """Coordinates in `system` as GCJ-02."""
    if system == "gcj02":
        return lat, lng
    if system == "bd09":
        return bd09_to_gcj02(lat, lng)
    return wgs84_to_gcj02(lat, lng)


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    """Coordinates in `system` as WGS-84 (schema.org GeoCoordinates)."""
    if system == "wgs84":
        return lat, lng
    return gcj02_to_wgs84(*to_gcj02(lat, lng, system))
