"""Form fields the apps' admin pages share."""

import json
import re
from itertools import pairwise

import us
from django import forms

from leadrouter.time_zones import time_zone_names

_KINDS = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}


class JsonObjectField(forms.CharField):
    """Text typed as a JSON object: cleans to a dict, or None when left blank.

    Errors say what is wrong in plain words: where the JSON breaks, or what was given instead
    of an object.
    """

    def __init__(self, *, not_object_message: str = "Give a JSON object.", **kwargs):
        self.not_object_message = not_object_message
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).",
                code="invalid",
            ) from None
        if not isinstance(parsed, dict):
            kind = _KINDS.get(type(parsed), "a number")
            raise forms.ValidationError(
                f"{self.not_object_message} This is {kind}.", code="not_object"
            )
        return parsed

    def prepare_value(self, value):
        # A re-displayed form shows the object as JSON, not as a Python dict.
        return json.dumps(value) if isinstance(value, dict) else value


# --- Pickers for the admin's lists and schedules, so a manager never types JSON. ---

# US states and territories (and DC), by code; "NV", "nv", "Nevada" and " nevada " all read as NV.
US_STATES: dict[str, str] = {
    state.abbr: state.name for state in sorted(us.STATES_AND_TERRITORIES, key=lambda s: s.name)
}
_STATE_BY_NAME = {
    **{name.casefold(): code for code, name in US_STATES.items()},
    **{code.casefold(): code for code in US_STATES},
}


def parse_state(text: str) -> str:
    """A US state typed as a code or a name, in any case → its two-letter code; ValueError if
    it is neither."""
    code = _STATE_BY_NAME.get(" ".join(str(text).split()).casefold())
    if code is None:
        raise ValueError(f"{str(text).strip()!r} is not a US state (e.g. NV or Nevada)")
    return code


class StateMultipleChoiceField(forms.MultipleChoiceField):
    """US states as a grid of ticks; whatever arrives ("nv", "Nevada") is stored as codes
    ("NV"), in alphabetical order, each once."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "lr-state-grid"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            choices=[(code, f"{code} {name}") for code, name in US_STATES.items()], **kwargs
        )

    def prepare_value(self, value):
        # States saved before codes were normalised ("tx") are shown ticked all the same.
        if not isinstance(value, list | tuple):
            return value
        return [_STATE_BY_NAME.get(str(text).strip().casefold(), text) for text in value]

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [part for part in value.replace(";", ",").split(",") if part.strip()]
        codes, unknown = set(), []
        for text in value:
            try:
                codes.add(parse_state(text))
            except ValueError:
                unknown.append(str(text).strip())
        if unknown:
            raise forms.ValidationError(
                f"Not a US state: {', '.join(unknown)} (give a code like NV or a name like "
                "Nevada).",
                code="invalid_choice",
            )
        return sorted(codes)


# Common languages by ISO 639-1 code, English first; a rep's other codes are kept as they are.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "ko": "Korean",
    "ar": "Arabic",
    "ru": "Russian",
    "de": "German",
    "it": "Italian",
    "tl": "Tagalog",
    "ht": "Haitian Creole",
    "pl": "Polish",
    "ja": "Japanese",
    "hi": "Hindi",
    "fa": "Persian",
    "ur": "Urdu",
    "uk": "Ukrainian",
    "he": "Hebrew",
}


class LanguageMultipleChoiceField(forms.MultipleChoiceField):
    """Languages as ticks; stored as lower-case ISO 639-1 codes in the list's order."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "lr-language-grid"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        self.codes = list(LANGUAGES)
        super().__init__(
            choices=[(code, f"{name} ({code})") for code, name in LANGUAGES.items()], **kwargs
        )

    def keep_codes(self, codes) -> None:
        """Codes a record already has that the list lacks stay choosable (and ticked)."""
        extra = [code for code in codes or [] if isinstance(code, str) and code not in self.codes]
        self.codes = [*self.codes, *extra]
        self.choices = [(code, f"{LANGUAGES[code]} ({code})") for code in LANGUAGES] + [
            (code, code) for code in extra
        ]

    def to_python(self, value) -> list[str]:
        codes = [str(code).strip().lower() for code in super().to_python(value)]
        order = self.codes
        return sorted(set(codes), key=lambda code: order.index(code) if code in order else 999)


# --- The weekly hours editor. ---

WEEKDAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
SHIFTS_PER_DAY = 2  # a day and a split shift; a third range saved before is still shown


class WeeklyHoursWidget(forms.Widget):
    """Seven rows of time pickers, one or two ranges a day: `<name>_<day>_<n>_start/_end`.

    The value read back is {"mon": [["09:00", "17:00"], …], …} of the strings as typed; the
    field checks them."""

    template_name = "leadrouter/widgets/weekly_hours.html"

    def format_value(self, value):
        return hours_from_text(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        hours = context["widget"]["value"] or {}
        rows = []
        for day, label in WEEKDAY_NAMES.items():
            spans = [span for span in hours.get(day, []) if isinstance(span, list | tuple)]
            slots = max(SHIFTS_PER_DAY, len(spans))
            spans = [*spans, *([["", ""]] * (slots - len(spans)))]
            rows.append(
                {
                    "day": day,
                    "label": label,
                    "spans": [
                        {
                            "n": n,
                            "start": span[0] if len(span) > 0 else "",
                            "end": span[1] if len(span) > 1 else "",
                        }
                        for n, span in enumerate(spans)
                    ],
                }
            )
        context["widget"]["rows"] = rows
        return context

    def value_from_datadict(self, data, files, name):
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAY_NAMES:
            for n in range(10):
                start_key, end_key = f"{name}_{day}_{n}_start", f"{name}_{day}_{n}_end"
                if start_key not in data and end_key not in data:
                    break
                start, end = data.get(start_key, "").strip(), data.get(end_key, "").strip()
                if start or end:
                    hours.setdefault(day, []).append([start, end])
        return hours

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}_") for key in data)


def hours_from_text(value) -> dict:
    """Saved hours as the editor shows them: a dict, or {} for JSON text that is not one."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except json.JSONDecodeError:
            value = {}
    return value if isinstance(value, dict) else {}


def _minutes(text: str) -> int:
    hour, _, minute = text.partition(":")
    return int(hour) * 60 + int(minute)


class WeeklyHoursField(forms.Field):
    """Working hours per weekday, stored as {"mon": [["09:00", "17:00"]], …}.

    A day with no range is a day off; a week with none at all is "always working" (as the
    model reads an empty object). Every day's problem is reported at once."""

    widget = WeeklyHoursWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> dict[str, list[list[str]]]:
        if not value:
            return {}
        value = hours_from_text(value)
        problems, hours = [], {}
        for day, label in WEEKDAY_NAMES.items():
            spans = []
            for span in value.get(day, []):
                start, end = [*list(span), "", ""][:2]
                if not start or not end:
                    problems.append(f"{label}: give both a start and an end.")
                elif not (_HHMM.match(start) and _HHMM.match(end)):
                    problems.append(f"{label}: {start}-{end} is not a time range (HH:MM).")
                elif _minutes(end) <= _minutes(start):
                    problems.append(f"{label}: the end {end} is not after the start {start}.")
                else:
                    spans.append([start, end])
            spans.sort()
            for (start, end), (next_start, next_end) in pairwise(spans):
                if _minutes(next_start) < _minutes(end):
                    problems.append(
                        f"{label}: {start}-{end} overlaps {next_start}-{next_end} (a split "
                        "shift's second range starts after the first ends)."
                    )
            if spans:
                hours[day] = spans
        if problems:
            raise forms.ValidationError(problems, code="invalid")
        return hours

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != self.to_python(initial)
        except forms.ValidationError:
            return True


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def us_first_time_zones(names) -> list:
    """Time zone choices: the US zones a sales team is most likely in, then every other name
    alphabetically (grouped, for a long select)."""
    names = set(names)
    us_zones = [zone for zone in US_TIME_ZONES if zone in names]
    others = sorted(names - set(us_zones))
    return [
        ("United States", [(zone, zone) for zone in us_zones]),
        ("All", [(z, z) for z in others]),
    ]


US_TIME_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Detroit",
    "America/Indiana/Indianapolis",
    "America/Boise",
)


class TimeZoneField(forms.ChoiceField):
    """An IANA time zone from a select (US zones first); a name this machine does not know,
    like "Pacific", is refused with an example."""

    def __init__(self, **kwargs):
        super().__init__(choices=lambda: us_first_time_zones(time_zone_names()), **kwargs)

    def validate(self, value) -> None:
        if value and value not in time_zone_names():
            raise forms.ValidationError(
                f"{value!r} is not a time zone (e.g. America/Chicago).",
                code="invalid_choice",
            )
        super().validate(value)
