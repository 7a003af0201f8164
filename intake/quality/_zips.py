"""Lazy in-memory indexes over the `zipcodes` data: ZIP -> place, area code -> state.

`zipcodes.matching` costs ~0.2 ms a call (it scans), far too slow for every lead, so the
whole list (42,789 ZIPs) is read once on first use (~0.3 s) into plain dicts.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

__all__ = ["ZipPlace", "state_from_area_code", "zip_place"]


class ZipPlace(NamedTuple):
    """What one ZIP tells us. `time_zone` is None for military ZIPs (AA/AE/AP)."""

    city: str
    state: str
    time_zone: str | None


_lock = threading.Lock()
_by_zip: dict[str, ZipPlace] | None = None
_area_code_state: dict[str, str] | None = None


def zip_place(zip5: str) -> ZipPlace | None:
    """The place for a 5-digit ZIP, or None when the ZIP does not exist."""
    return _indexes()[0].get(zip5)


def state_from_area_code(area_code: str) -> str | None:
    """The one state whose ZIPs use this area code, or None if none or several do."""
    return _indexes()[1].get(area_code)


def _indexes() -> tuple[dict[str, ZipPlace], dict[str, str]]:
    global _by_zip, _area_code_state
    if _by_zip is None or _area_code_state is None:
        with _lock:  # build once even when the first leads arrive on several threads
            if _by_zip is None or _area_code_state is None:
                _by_zip, _area_code_state = _build()
    return _by_zip, _area_code_state


def _build() -> tuple[dict[str, ZipPlace], dict[str, str]]:
    import zipcodes  # the data loads on first query; importing here keeps start-up cheap

    by_zip: dict[str, ZipPlace] = {}
    area_states: dict[str, set[str]] = {}
    for record in zipcodes.list_all():
        state = record["state"]
        by_zip[record["zip_code"]] = ZipPlace(record["city"], state, record["timezone"] or None)
        for area_code in record["area_codes"]:
            area_states.setdefault(area_code, set()).add(state)
    unique = {code: next(iter(states)) for code, states in area_states.items() if len(states) == 1}
    return by_zip, unique
