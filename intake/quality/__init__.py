"""Intake quality gate: verify, normalize and enrich a lead's contact fields.

Pure Python (no Django), so it can run anywhere and be tested without a database.
Every problem becomes a `Flag` with a human reason; bad data never drops a lead.
"""

from ._common import Flag
from .email import EmailCheck, check_email
from .gate import GateResult, run_quality_gate, warm_up
from .names import NameCheck, split_name
from .phone import PhoneCheck, check_phone
from .places import PlaceCheck, resolve_place

__all__ = [
    "EmailCheck",
    "Flag",
    "GateResult",
    "NameCheck",
    "PhoneCheck",
    "PlaceCheck",
    "check_email",
    "check_phone",
    "resolve_place",
    "run_quality_gate",
    "split_name",
    "warm_up",
]
