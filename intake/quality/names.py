"""Person names: split a full name into first/last, fix caps-lock casing, and flag junk and
company names typed into a name field.

nameparser does the splitting and casing (particles, Mc/Mac, O'..., suffixes, titles). It
costs 0.15-0.35 ms per call, so it runs only when needed (a split, or all-lower/all-upper text)
and its results are memoized per distinct string in bounded LRU caches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from nameparser import HumanName

from ._common import MAX_FIELD_LENGTH, Flag, clean_text, is_single_case, quote, truncate, words
from .flags import FlagCode

__all__ = ["NameCheck", "split_name"]

# Words that mark an organisation, compared after removing periods and commas ("Inc.", "L.L.C.").
_COMPANY_WORDS = words(
    """
    inc llc ltd corp corporation company group gmbh llp plc pllc incorporated limited
    holdings enterprises industries technologies solutions services consulting associates
    partners agency foundation university realty properties pty
    """
)
# "Co." only with its period or after "&" ("Smith & Co"): "Co" alone is too short to trust.
_COMPANY_CO = re.compile(r"(?:^|\s)(?:&\s*co\b|co\.)", re.IGNORECASE)

# Whole values that are placeholders, not names.
_JUNK_VALUES = words(
    """
    test tester testing asdf qwerty xxx n/a none null nil unknown anonymous anon noname
    nobody sample fake dummy name firstname lastname fname lname blah foo bar foobar abc
    abcd x xx lead customer
    """
) | {
    "test test",
    "test user",
    "no name",
    "your name",
    "full name",
    "first name",
    "last name",
    "first last",
    "abc abc",
}
# Words that make a whole name junk wherever they appear ("John Test", "asdf smith").
_JUNK_WORDS = frozenset({"test", "testing", "asdf", "asdfgh", "qwerty", "foobar", "dummy", "fake"})

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_EMAIL_RE = re.compile(r"\S@\S+\.\S")
_URL_RE = re.compile(r"https?://|www\.|\.(?:com|net|org|io|co|biz|info)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]+")  # runs of letters in any script
_VOWELS = frozenset("aeiouy")

# Distinct strings to remember parses of; names repeat a lot (first names especially).
_CACHE_SIZE = 8192


@dataclass(slots=True)
class NameCheck:
    """What split_name found. All strings; "" when unknown."""

    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    flags: list[Flag] = field(default_factory=list)


def split_name(
    *, first_name: str | None, last_name: str | None, full_name: str | None
) -> NameCheck:
    """Clean a lead's name fields and fill the missing ones.

    - A missing first or last name is taken from the full name ("SMITH, JOHN A." -> John /
      Smith); a missing full name is first + last.
    - All-lower or all-upper text is re-cased with nameparser ("o'NEIL" stays as typed,
      "O'NEIL" -> "O'Neil"); mixed case is a deliberate choice and is kept.
    - A company typed as a name is kept whole in full_name with first/last left empty.
    - Junk (digits, "test", keyboard mashes, an email or URL) is kept but flagged.
    Never raises.
    """
    check = NameCheck()
    typed = [_clean(value) for value in (first_name, last_name, full_name)]
    # A name of only punctuation ("-", ".", "?") is how people skip a required field.
    first, last, full = (text if any(c.isalnum() for c in text) else "" for text in typed)
    if not (first or last or full):
        skipped = next((text for text in typed if text), "")
        why = f": {quote(skipped)} has no letters" if skipped else ""
        check.flags.append(
            Flag(FlagCode.NAME_MISSING, f"no first, last or full name was given{why}")
        )
        return check

    company = _company_word(full) or (not full and _company_word(f"{first} {last}"))
    if company:
        return _as_company(check, first, last, full, company)

    _flag_junk(check, first, last, full)
    if first:
        first = _recase(first, "first")
    if last:
        last = _recase(last, "last")
    if full and first and last and "," not in full and not is_single_case(full):
        pass  # nothing to fill and nothing to re-case: skip the (slow) parse
    elif full:
        parsed_first, parsed_last, full = _parse_full(full)
        if not first and not last and not (parsed_first or parsed_last):
            _flag_once(
                check, FlagCode.NAME_SUSPICIOUS, f"no first or last name found in {quote(full)}"
            )
        first = first or parsed_first
        last = last or parsed_last
    else:
        full = " ".join(part for part in (first, last) if part)
    check.first_name, check.last_name, check.full_name = first, last, full
    return check


def _clean(value: str | None) -> str:
    return truncate(clean_text(value), MAX_FIELD_LENGTH)[0]


def _as_company(check: NameCheck, first: str, last: str, full: str, word: str) -> NameCheck:
    if full and (first or last):
        # The person's own fields look fine; only the full name is an organisation.
        check.first_name, check.last_name, check.full_name = first, last, full
        source = full
    else:
        source = full or f"{first} {last}".strip()
        check.full_name = source
    check.flags.append(
        Flag(
            FlagCode.NAME_LOOKS_LIKE_COMPANY,
            f"name {quote(source)} looks like a company ({word!r})",
        )
    )
    return check


def _company_word(text: str) -> str | None:
    """The word that marks `text` as an organisation's name, if any."""
    if not text:
        return None
    match = _COMPANY_CO.search(text)
    if match:
        return match.group(0).strip()
    for word in text.split():
        if word.replace(".", "").replace(",", "").casefold() in _COMPANY_WORDS:
            return word
    return None


def _flag_junk(check: NameCheck, *values: str) -> None:
    for value in values:
        reason = _junk_reason(value) if value else None
        if reason:
            _flag_once(check, FlagCode.NAME_SUSPICIOUS, f"name {quote(value)} {reason}")
            return


def _junk_reason(text: str) -> str | None:
    """Why `text` is not a plausible person's name, or None when it may well be one."""
    if _EMAIL_RE.search(text):
        return "looks like an email address"
    if _URL_RE.search(text):
        return "looks like a web address"
    if not any(c.isalpha() for c in text):
        return "has no letters"
    if any(c.isdigit() for c in text):
        return "contains digits"
    lowered = text.casefold()
    if lowered in _JUNK_VALUES:
        return "is a placeholder, not a name"
    for word in _WORD_RE.findall(lowered):
        reason = _junk_word_reason(word)
        if reason:
            return reason
    return None


def _junk_word_reason(word: str) -> str | None:
    if word in _JUNK_WORDS:
        return "looks like test data"
    if len(word) >= 3 and len(set(word)) == 1 and word != "iii":  # "III" is a suffix
        return "is one letter repeated"
    if len(word) >= 4 and any(word in row or word in row[::-1] for row in _KEYBOARD_ROWS):
        return "looks like a keyboard mash"
    if len(word) >= 5 and word.isascii() and not (_VOWELS & set(word)):
        return "looks like a keyboard mash (no vowels)"
    if len(word) >= 6 and _is_repeated_chunk(word):
        return "looks like a keyboard mash (repeated letters)"
    return None


def _is_repeated_chunk(word: str) -> bool:
    """True for "asdasd", "lolol...": a short chunk repeated to fill the word."""
    for size in (1, 2, 3):
        chunk = word[:size]
        if len(word) % size == 0 and chunk * (len(word) // size) == word:
            return True
    return False


def _flag_once(check: NameCheck, code: str, reason: str) -> None:
    if all(flag.code != code for flag in check.flags):
        check.flags.append(Flag(code, reason))


def _recase(text: str, role: str) -> str:
    """Re-case caps-lock or all-lowercase text; leave deliberate mixed case alone."""
    if not is_single_case(text) or "@" in text or _URL_RE.search(text):
        return text  # mixed case is deliberate; an email or URL is junk, not a name to re-case
    return _recase_cached(text, role)


@lru_cache(maxsize=_CACHE_SIZE)
def _recase_cached(text: str, role: str) -> str:
    try:
        if role == "last" and "," not in text:
            # Parsed as "LAST, X" so nameparser knows these words are a surname and keeps
            # particles lowercase ("DE LA CRUZ" -> "de la Cruz", not "De La Cruz").
            name = HumanName(f"{text}, X")
            name.capitalize(force=True)
            cased = " ".join(part for part in (name.last, name.suffix) if part)
        else:
            name = HumanName(text)
            name.capitalize(force=True)
            cased = str(name)
    except Exception:  # nameparser on hostile input: fall back to simple title case
        return text.title()
    # Only accept a re-casing of the same text (never a reordering or a dropped word).
    return cased if cased.casefold() == text.casefold() else text.title()


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_full(full: str) -> tuple[str, str, str]:
    """Split a full name: (first, last, full name to store).

    All-lower/all-upper input is re-cased as a whole; in mixed input only the parts typed in
    one case are ("O'NEIL, shaun" -> Shaun / O'Neil). The stored full name is rebuilt in
    "Title First Middle Last Suffix" order when anything was re-cased or the input was in
    "Last, First" order, and is the cleaned input otherwise.
    """
    try:
        name = HumanName(full)
        if is_single_case(full) and "@" not in full and not _URL_RE.search(full):
            name.capitalize(force=True)
            parts = [name.title, name.first, name.middle, name.last, name.suffix]
        else:
            parts = [
                _recase(name.title, "first"),
                _recase(name.first, "first"),
                _recase(name.middle, "first"),
                _recase(name.last, "last"),
                name.suffix,
            ]
        if name.nickname:
            parts.insert(2, f'"{name.nickname}"')
        first, last = parts[1], parts[-2]
        if not first and not last and name.middle:
            first = name.middle
    except Exception:  # nameparser on hostile input: a plain whitespace split
        words = full.split()
        return words[0], " ".join(words[1:]), full
    rendered = " ".join(p for p in parts if p)
    if rendered.split() == full.split():
        rendered = full
    elif "," not in full and rendered.casefold().split() != full.casefold().split():
        rendered = full  # never reorder or drop words the person typed without a comma
    return first, last, rendered or full
