"""Vendor doors: one adapter per vendor at POST /hooks/<adapter>/<source public id>/."""

from importlib import import_module

from intake.hooks.base import HookAdapter, HookRejected
from intake.models import Adapter

# Adapter name -> module defining ADAPTER (an instance of HookAdapter).
_MODULES: dict[str, str] = {
    Adapter.API: "intake.hooks.api",
    Adapter.GOOGLE_ADS: "intake.hooks.google_ads",
    Adapter.META: "intake.hooks.meta",
    Adapter.HUBSPOT: "intake.hooks.hubspot",
    Adapter.TYPEFORM: "intake.hooks.typeform",
    Adapter.TWILIO_SMS: "intake.hooks.twilio_sms",
    Adapter.TWILIO_VOICE: "intake.hooks.twilio_voice",
    Adapter.EMAIL: "intake.hooks.email",
    Adapter.CHAT: "intake.hooks.chat",
    Adapter.FORM: "intake.hooks.form",
}


def get_hook(name: str) -> HookAdapter | None:
    module = _MODULES.get(name)
    return import_module(module).ADAPTER if module else None


__all__ = ["HookAdapter", "HookRejected", "get_hook"]
