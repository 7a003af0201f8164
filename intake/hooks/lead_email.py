"""Lead fields from the body of a vendor's lead-notification email.

Portals and marketplaces (Zillow, Realtor.com, LendingTree, HomeAdvisor, website form plugins)
often deliver a lead as an email whose body lists it as labelled lines. Every template lays
them out its own way, and forwarding or replying mangles them further, so the reader accepts:

- `Label: value`, `Label - value`, `Label = value`, `Label<TAB>value`, and a known label and
  its value separated by a run of spaces (fixed-width text tables);
- markdown or bold labels (`**Name:** Jane`, `*Name:* Jane`) and list bullets;
- a label alone on its line with its value on the next non-blank one (`Phone:` / `(555) …`);
- several pairs on one line (`Name: Jane | Phone: 555 …`, four-cell table rows) and a row of
  column headers over a row of values;
- quoted-reply prefixes (`> `), CRLF, non-breaking and zero-width spaces;
- HTML-only bodies (tables, `<b>Name:</b> Jane<br>`, definition lists), turned into text with
  the standard library's `html.parser` first.

A line is not a label when its "label" reads as a sentence (over 40 characters, more than six
words, a sentence break or a question mark inside it), a URL (`https://…`) or a time (`10:30`).
`lead_fields_from_labels` then places the labels on lead fields; everything it cannot place
with confidence stays in `attributes` under its label.
"""

import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from typing import Any

from intake.fields import STRING_FIELDS, lead_field_for

MAX_LABEL_LENGTH = 40
MAX_LABEL_WORDS = 6
# Attribute limits of intake.fields (200 keys, 10 000 characters) must never be reached by an
# email, or a long newsletter would be refused instead of kept.
MAX_LABELS = 100
MAX_VALUE_LENGTH = 5000
# A notification lists its lead near the top; reading a megabyte of newsletter line by line in
# the request would only delay the vendor's answer.
MAX_LINES = 3000
MAX_HTML_LENGTH = 400_000

# --- HTML to text ----------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "center",
        "div",
        "dl",
        "fieldset",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "ul",
    }
)
_HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "noscript", "title"})
_TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "caption"})
_HTML_SPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Text of an HTML email: blocks and table rows on lines of their own, table cells (and a
    definition term and its description) separated by tabs, so that a two-column table reads
    as `Label<TAB>value` lines.

    Inside a cell, a paragraph or line break only breaks the line between two texts: templates
    wrap each cell's text in <p> or <div>, which must not part a label from its value cell.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._cells = 0
        self._cell_text = False
        self._pending_break = False

    def _row_break(self, mark: str) -> None:
        self.parts.append(mark)
        self._cell_text = False
        self._pending_break = False

    def _block_break(self) -> None:
        if not self._cells:
            self.parts.append("\n")
        elif self._cell_text:
            self._pending_break = True

    def handle_starttag(self, tag: str, _attrs) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in ("td", "th"):
            self._cells += 1
            self._row_break("\t")
        elif tag in _TABLE_TAGS or tag == "dt":
            self._row_break("\n")
        elif tag == "br" or tag in _BLOCK_TAGS:
            self._block_break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in ("td", "th"):
            self._cells = max(0, self._cells - 1)
            self._pending_break = False
        elif tag in _TABLE_TAGS or tag == "dd":
            self._row_break("\n")
        elif tag == "dt":
            self._row_break("\t")
        elif tag in _BLOCK_TAGS:
            self._block_break()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        # Line breaks in HTML source are spaces; only tags break lines.
        text = _HTML_SPACE.sub(" ", data)
        if text.strip():
            if self._pending_break:
                self.parts.append("\n")
                self._pending_break = False
            self._cell_text = True
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one block or table row per line."""
    if not html or not html.strip():
        return ""
    extractor = _TextExtractor()
    extractor.feed(html[:MAX_HTML_LENGTH])
    extractor.close()
    return "".join(extractor.parts)


# --- lines -----------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_BULLET = re.compile(r"^(?:[-*+\u2022\u00b7\u25aa\u25ba\u2013]\s+)+")
_SINGLE_EMPHASIS = re.compile(r"^\*([^*\s][^*]*?)\*(?=\s|$)")


def _clean_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    lines: list[str] = []
    filled = 0
    for raw in text.split("\n"):
        if filled >= MAX_LINES:
            break
        if not raw.strip():
            lines.append("")
            continue
        line = _ODD_SPACES.sub(" ", raw)
        line = _QUOTE_PREFIX.sub("", line).strip()
        line = _BULLET.sub("", line)
        line = line.replace("**", "").replace("__", "")
        line = _SINGLE_EMPHASIS.sub(r"\1", line)
        lines.append(line.strip())
        filled += bool(lines[-1])
    return lines


# --- labels ----------------------------------------------------------------------------------


def label_key(label: str) -> str:
    """A label compared ignoring case, punctuation and spacing: "E-Mail:" -> "e mail",
    "Lead #" -> "lead number"."""
    text = label.casefold().replace("#", " number ")
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def _keys(*labels: str) -> set[str]:
    return {label_key(label) for label in labels}


def _phone_labels(*owners: str) -> set[str]:
    kinds = ("cell", "mobile", "home", "work", "day", "daytime", "evening", "primary", "best")
    keys = _keys("phone", "phone number", "phone no", "telephone", "telephone number", "tel")
    keys |= _keys("cell", "cell phone", "cellphone", "cell number", "mobile", "mobile number")
    keys |= _keys("contact phone", "contact number", "phone 1", "best number")
    keys |= {f"{kind} phone" for kind in kinds} | {f"{kind} phone number" for kind in kinds}
    keys |= {f"phone {kind}" for kind in kinds}
    keys |= {f"{owner} phone" for owner in owners} | {f"{owner} phone number" for owner in owners}
    return keys


# People a vendor's email names besides the lead (the agent, the loan officer) are never read
# as the lead: only these owners' labels are.
_LEAD_OWNERS = ("customer", "client", "buyer", "borrower", "consumer", "homeowner", "lead")

# Normalized label -> lead field ("address" and "place" are handled apart, see below).
FIELD_LABELS: dict[str, set[str]] = {
    "full_name": _keys(
        "name",
        "full name",
        "fullname",
        "your name",
        "contact name",
        "customer",
        "client",
        "buyer",
        "borrower",
        "homeowner",
        "prospect",
        "applicant",
        "from name",
        "sender name",
        *(f"{owner} name" for owner in (*_LEAD_OWNERS, "prospect", "applicant")),
    ),
    "first_name": _keys(
        "first name",
        "firstname",
        "first",
        "given name",
        "fname",
        *(f"{owner} first name" for owner in _LEAD_OWNERS),
    ),
    "last_name": _keys(
        "last name",
        "lastname",
        "last",
        "surname",
        "family name",
        "lname",
        *(f"{owner} last name" for owner in _LEAD_OWNERS),
    ),
    "email": _keys(
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "your email",
        "contact email",
        "email id",
        *(f"{owner} email" for owner in _LEAD_OWNERS),
        *(f"{owner} email address" for owner in _LEAD_OWNERS),
    ),
    "phone": _phone_labels(*_LEAD_OWNERS),
    "company": _keys("company", "company name", "business", "business name", "organization"),
    "city": _keys("city", "town", "property city"),
    "state": _keys("state", "st", "province", "region", "state province", "property state"),
    "postal_code": _keys(
        "zip",
        "zip code",
        "zipcode",
        "postal code",
        "postcode",
        "postal",
        "zip postal code",
        "property zip",
        "property zip code",
    ),
    "country": _keys("country"),
    "message": _keys(
        "comments",
        "comment",
        "message",
        "notes",
        "inquiry",
        "enquiry",
        "question",
        "questions",
        "additional comments",
        "additional information",
        "additional info",
        "your message",
        "project details",
        "project description",
        "request details",
        *(f"{owner} comments" for owner in _LEAD_OWNERS),
        *(f"{owner} message" for owner in _LEAD_OWNERS),
        "message from buyer",
    ),
    "external_id": _keys(
        "lead id",
        "lead #",
        "lead number",
        "lead reference",
        "reference",
        "reference number",
        "reference #",
        "reference id",
        "ref",
        "ref #",
        "request id",
        "inquiry id",
        "quote id",
        "confirmation number",
        "sr #",
        "sr number",
        "sr id",
        "service request #",
        "service request id",
    ),
    # The lead's own address; a listing's ("Property Address") stays an attribute.
    "address": _keys(
        "address",
        "street",
        "street address",
        "address 1",
        "address line 1",
        "mailing address",
        "home address",
    ),
    # Several place fields in one value: "Austin, TX 78701".
    "place": _keys(
        "city state zip",
        "city state zip code",
        "city state postal code",
        "city state",
        "state zip",
        "city zip",
    ),
}
_FIELD_FOR = {key: field for field, keys in FIELD_LABELS.items() for key in keys}
KNOWN_LABELS = frozenset(_FIELD_FOR)
_MESSAGE_LABELS = FIELD_LABELS["message"]
# The header block of a forwarded email describes the email, not the lead.
_EMAIL_HEADER_LABELS = _keys("from", "to", "cc", "bcc", "sent", "subject", "reply to", "re", "fwd")
# A sentence break, a time of day (10:30) or markup inside a "label" means it is none.
_NOT_IN_LABELS = re.compile(r"[.!?;]\s|\d:\d|[<>\[\]{}|]")
_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "cid", "data", "file"})
_EMPTY_VALUES = frozenset(
    {"", "-", "--", "n/a", "na", "none", "null", "not provided", "not specified", "unknown"}
)


def _is_label(label: str) -> bool:
    if not label or len(label) > MAX_LABEL_LENGTH or len(label.split()) > MAX_LABEL_WORDS:
        return False
    if not any(char.isalpha() for char in label):
        return False
    lowered = label.casefold()
    if "@" in label or "//" in label or "www." in lowered or lowered in _SCHEMES:
        return False
    # A question mark may end a form question ("Own the home?: Yes"), never sit inside one.
    return not ("?" in label[:-1] or _NOT_IN_LABELS.search(label))


def _clean_label(label: str) -> str:
    return " ".join(label.strip(" \t*_:").split())


_LINK_NOTE = re.compile(r"\s*<(?:mailto|tel|https?):[^>]*>")
_LEADING_SEPARATOR = re.compile(r"^(?:[:=]|[-\u2013\u2014](?=\s))\s*")


def _clean_value(value: str) -> str:
    value = _LINK_NOTE.sub("", value)
    value = _LEADING_SEPARATOR.sub("", value.strip())
    return " ".join(value.strip(" \t*").split())


_DASH = re.compile(r"\s[-\u2013\u2014]\s")
_EQUALS = re.compile(r"\s*(?<![=!<>])=(?![=>])\s*")
_SPACES = re.compile(r" {2,}")


def _separators(line: str) -> list[tuple[int, int, bool]]:
    """(start, end, known-label-only) of each place a label could end, earliest first."""
    found = []
    for match in re.finditer(":", line):
        at = match.start()
        before = line[at - 1] if at else ""
        after = line[at + 1 : at + 3]
        if before.isdigit() and after[:1].isdigit():
            continue  # a time of day, 10:30
        if after == "//":
            continue  # a URL's scheme
        found.append((at, at + 1, False))
        break
    tab = line.find("\t")
    if tab >= 0:
        found.append((tab, tab + 1, False))
    for pattern in (_DASH, _EQUALS):
        if separator := pattern.search(line):
            found.append((separator.start(), separator.end(), False))
    if padding := _SPACES.search(line):
        # Columns padded with spaces are only trusted after a label vendors are known to use.
        found.append((padding.start(), padding.end(), True))
    return sorted(found)


def _split(line: str) -> tuple[str, str] | None:
    """(label, value) of one line, value '' for a label alone; None for any other line."""
    if not line:
        return None
    for start, end, known_only in _separators(line):
        label = _clean_label(line[:start])
        if known_only and label_key(label) not in KNOWN_LABELS:
            continue
        if not _is_label(label):
            return None
        return label, _clean_value(line[end:])
    label = _clean_label(line)
    # A label alone without a colon is only trusted when vendors are known to use it.
    return (label, "") if label_key(label) in KNOWN_LABELS else None


def _cells(line: str) -> list[str]:
    return [cell for cell in (c.strip() for c in line.split("\t")) if cell]


def _header_cells(line: str) -> list[str] | None:
    """Cells of a row of column headers ("Name<TAB>Email<TAB>Phone"), else None."""
    cells = _cells(line)
    if len(cells) < 2 or any(cell.endswith(":") for cell in cells):
        return None
    if all(label_key(cell) in KNOWN_LABELS for cell in cells):
        return [_clean_label(cell) for cell in cells]
    return None


def _is_cell_label(cell: str) -> bool:
    return (cell.endswith(":") or label_key(cell) in KNOWN_LABELS) and _is_label(_clean_label(cell))


def _row_pairs(line: str) -> list[tuple[str, str]] | None:
    """Several pairs on one line: "Name: Jane | Phone: 555 …" or a four-cell table row."""
    segments = re.split(r"\s+\|\s+", line)
    if len(segments) > 1:
        pairs = [pair for pair in map(_split, segments) if pair and pair[1]]
        if len(pairs) == len(segments):
            return pairs
    cells = _cells(line)
    if len(cells) >= 4 and len(cells) % 2 == 0:
        labels = cells[0::2]
        if all(_is_cell_label(cell) for cell in labels):
            return [
                (_clean_label(label), _clean_value(value))
                for label, value in zip(labels, cells[1::2], strict=True)
            ]
    return None


def _next_filled(lines: list[str], index: int) -> int | None:
    for position in range(index, len(lines)):
        if lines[position]:
            return position
    return None


def _is_value_line(line: str) -> bool:
    return _split(line) is None and _header_cells(line) is None and _row_pairs(line) is None


def _pairs(lines: list[str]) -> Iterator[tuple[str, str]]:
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        header = _header_cells(line)
        if header is not None:
            following = _next_filled(lines, index)
            if following is not None:
                cells = _cells(lines[following])
                if len(cells) == len(header) and _header_cells(lines[following]) is None:
                    yield from zip(header, (_clean_value(cell) for cell in cells), strict=True)
                    index = following + 1
            continue
        row = _row_pairs(line)
        if row is not None:
            yield from row
            continue
        pair = _split(line)
        if pair is None:
            continue
        label, value = pair
        if not value:
            following = _next_filled(lines, index)
            if following is not None and _is_value_line(lines[following]):
                value = _clean_value(lines[following])
                index = following + 1
        if value and label_key(label) in _MESSAGE_LABELS:
            # A message runs on over the following lines until a blank line or the next label.
            more = [value]
            while index < len(lines) and lines[index] and _is_value_line(lines[index]):
                more.append(_clean_value(lines[index]))
                index += 1
            value = "\n".join(more)
        yield label, value


def parse_labeled_lines(text: str, html: str = "") -> dict[str, str]:
    """Label -> value of the labelled lines of an email body, in order; the first value of a
    label wins. The HTML body, when given, adds the labels the text lacks (a text part is
    often only "view this email in your browser")."""
    labels: dict[str, str] = {}
    seen: set[str] = set()
    for body in (text or "", html_to_text(html or "")):
        for label, value in _pairs(_clean_lines(body)):
            key = label_key(label)
            if not key or not value or key in seen:
                continue
            if len(labels) >= MAX_LABELS:
                return labels
            seen.add(key)
            labels[label] = value[:MAX_VALUE_LENGTH]
    return labels


# --- lead fields -----------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,30}(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?", re.I)
_ZIP_AT_END = re.compile(r"[\s,]*\b(\d{5}(?:-\d{4})?|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d)\s*$")


def _email_value(value: str) -> str:
    match = _EMAIL.search(value)
    return match.group(0) if match else ""


def _phone_value(value: str) -> str:
    if "@" in value:
        return ""
    match = _PHONE.match(value.strip())
    if not match:
        return ""
    phone = re.sub(r"[\s(.\-/]+$", "", match.group(0))
    digits = sum(char.isdigit() for char in phone)
    return phone if 7 <= digits <= 20 else ""


def _name_value(value: str) -> str:
    if "@" in value or "//" in value or not any(char.isalpha() for char in value):
        return ""
    return value if sum(char.isdigit() for char in value) <= 2 else ""


def _field_value(field: str, value: str) -> str:
    if field == "email":
        value = _email_value(value)
    elif field == "phone":
        value = _phone_value(value)
    elif field in ("full_name", "first_name", "last_name"):
        value = _name_value(value)
    return value if len(value) <= STRING_FIELDS.get(field, MAX_VALUE_LENGTH) else ""


def _place_parts(value: str, *, city: bool, state: bool, postal: bool) -> dict[str, str]:
    """City, state and postal code out of "Austin, TX 78701" (only those asked for)."""
    parts: dict[str, str] = {}
    rest = value.strip().rstrip(".")
    if postal:
        match = _ZIP_AT_END.search(rest)
        if match:
            parts["postal_code"] = match.group(1)
            rest = rest[: match.start()]
    pieces = [piece.strip(" .") for piece in rest.split(",") if piece.strip(" .")]
    if city and state and len(pieces) >= 2:
        parts["city"], parts["state"] = pieces[-2], pieces[-1]
    elif city and state and len(pieces) == 1:
        # "Austin TX": a trailing two-letter code is the state.
        words = pieces[0].rsplit(" ", 1)
        if len(words) == 2 and len(words[1]) == 2 and words[1].isalpha():
            parts["city"], parts["state"] = words[0], words[1].upper()
        else:
            parts["city"] = pieces[0]
    elif state and len(pieces) == 1:
        parts["state"] = pieces[0]
    elif city and len(pieces) == 1:
        parts["city"] = pieces[0]
    return {key: text for key, text in parts.items() if _field_value(key, text)}


def _place_from_label(key: str, value: str) -> dict[str, str]:
    words = set(key.split())
    return _place_parts(
        value,
        city="city" in words,
        state="state" in words,
        postal=bool(words & {"zip", "postal"}),
    )


def _place_from_address(value: str) -> dict[str, str]:
    """The city, state and ZIP ending a one-line address: "12 Oak Ave, Columbus, OH 43215"."""
    street, _, rest = value.partition(",")
    if not street or "," not in rest:
        return {}
    return _place_parts(rest, city=True, state=True, postal=True)


def _alias_field(label: str) -> str | None:
    # Labels the generic field map would place anyway ("Landing Page", "utm_source") go to
    # their field here, so that every label left over is one no alias claims.
    field = lead_field_for(label)
    return field if field in STRING_FIELDS else None


def lead_fields_from_labels(labels: Mapping[str, str]) -> dict[str, Any]:
    """Lead fields from an email's labels; the rest (and values that do not look like their
    field: "Email: see below", a second phone) in `attributes` under their label.

    Vendor-specific choices ("Loan Type", "Service", "Timeframe") stay attributes: they are
    not this system's request types, and a source's field map can place them.
    """
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    places: dict[str, str] = {}
    for label, raw in labels.items():
        value = raw.strip()
        if value.casefold() in _EMPTY_VALUES:
            continue
        key = label_key(label)
        if key in _EMAIL_HEADER_LABELS:
            continue
        field = _FIELD_FOR.get(key) or _alias_field(label)
        if field == "address" and "address" not in attributes:
            attributes["address"] = value
            places = {**_place_from_address(value), **places}
            continue
        if field == "place":
            found = _place_from_label(key, value)
            if found:
                places = {**found, **places}
                continue
        elif field in STRING_FIELDS and field not in fields:
            clean = _field_value(field, value)
            if clean:
                fields[field] = clean
                continue
        attributes[label] = value
    for field, value in places.items():
        fields.setdefault(field, value)
    fields["attributes"] = attributes
    return fields
