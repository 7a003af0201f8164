"""Regexes: RE2, whose matching time is linear in the text whatever the pattern.

A backtracking engine (Python's re) takes exponential time on patterns such as (a|a)*b, and no
syntactic guard catches them all; RE2 has no backtracking, at the price of backreferences and
lookaround, which validation refuses in plain words.
"""

from __future__ import annotations

import re
from typing import Any

import re2

from .values import _deaccent_char

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.case_sensitive = False  # the pattern can turn it back on: (?-i:ABC)
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the manager, not to stderr

_OPEN_REPEAT = re.compile(r"\{,(\d*)\}")
_BACKREFERENCE = re.compile(r"\(\?P=[^)]*\)?")
_LOOKAROUND = {
    "(?=": "lookahead",
    "(?!": "lookahead",
    "(?<=": "lookbehind",
    "(?<!": "lookbehind",
}
_NO_BACKTRACKING = (
    "RE2 syntax has no backreferences or lookaround, which is what keeps every pattern fast "
    "on any text"
)


def _re2_spelling(pattern: str) -> str:
    """`pattern` with the Python spellings RE2 reads differently rewritten: ``\\Z`` (end of
    text) becomes ``\\z``, and ``{,n}`` (RE2: literal text) becomes ``{0,n}``. Signals saved
    before RE2 used Python's re, and must keep matching the same leads."""
    out: list[str] = []
    index, length, in_class = 0, len(pattern), False
    while index < length:
        char = pattern[index]
        if char == "\\" and pattern.startswith("\\Q", index):
            end = pattern.find("\\E", index + 2)
            end = length if end < 0 else end + 2
            out.append(pattern[index:end])  # quoted literal text
            index = end
            continue
        if char == "\\":
            escaped = pattern[index : index + 2]
            out.append("\\z" if escaped == "\\Z" and not in_class else escaped)
            index += 2
            continue
        if in_class:
            if pattern.startswith("[:", index) and (close := pattern.find(":]", index)) > 0:
                out.append(pattern[index : close + 2])  # [:alpha:]
                index = close + 2
                continue
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            index += 1
            # A ] right after [ or [^ is a literal, not the end of the class.
            for literal in ("^", "]"):
                if pattern.startswith(literal, index):
                    out.append(literal)
                    index += 1
            continue
        elif char == "{" and (repeat := _OPEN_REPEAT.match(pattern, index)):
            out.append(f"{{0,{repeat.group(1)}}}")
            index = repeat.end()
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _deaccent_pattern(pattern: str) -> str:
    """`pattern` with accented letters written without their accent, to search de-accented
    text (`deaccent`).

    RE2's \\b and \\w know only ASCII letters: in "cafés" it sees a word boundary after "caf"
    and after "café". In the de-accented text "cafes" the pattern ``\\bcafe\\b`` sees words as
    Python's re did. Escaped characters are left alone, and so is a letter whose plain form is
    not a single letter ("æ").
    """
    out: list[str] = []
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if not char.isascii():
            plain = _deaccent_char(char)
            if len(plain) == 1 and plain.isalnum():
                char = plain
        out.append(char)
        index += 1
    return "".join(out)


def _re2_error(exc: Exception) -> str:
    message = exc.args[0] if exc.args else ""
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _regex_problem(pattern: str) -> str | None:
    """Why RE2 cannot run `pattern`, in words (``regex: …``), or None when it can."""
    spelled = _re2_spelling(pattern)
    if "\\C" in spelled.replace("\\\\", ""):
        # RE2 compiles \C, but it matches one byte of a UTF-8 character, not a character.
        return "regex: \\C (any byte) is not supported; use . for any character"
    try:
        re2.compile(spelled, _RE2_OPTIONS)
    except UnicodeEncodeError:
        return "regex contains a character that is not valid text (a lone surrogate)"
    except re2.error as exc:
        error = _re2_error(exc)
        operator = error.removeprefix("invalid perl operator: ")
        reference = re.fullmatch(r"invalid escape sequence: (\\[1-9])", error)
        named = _BACKREFERENCE.search(pattern) if operator == "(?P" else None
        if shown := (reference[1] if reference else named[0] if named else ""):
            return f'regex: backreference "{shown}" is not supported ({_NO_BACKTRACKING})'
        if operator in _LOOKAROUND:
            kind = _LOOKAROUND[operator]
            return f'regex: {kind} "{operator}" is not supported ({_NO_BACKTRACKING})'
        if operator != error and re.fullmatch(r"\(\?[a-zA-Z]", operator):
            return (
                f'regex: "{operator}" is not supported (the flags are i, m, s and U, as in '
                "(?s) or (?-i:ABC); matching ignores case unless the pattern turns it back on)"
            )
        if operator != error:
            return f'regex: "{operator}" is not supported in RE2 syntax ({_NO_BACKTRACKING})'
        if error.startswith("pattern too large"):
            return "regex is too large to run: repeat less, e.g. \\w{100} rather than \\w{1000}"
        return f"regex does not compile: {error}"
    return None


def _compile_regex(pattern: str) -> Any:
    return re2.compile(_re2_spelling(pattern), _RE2_OPTIONS)


# What only the lead's own text can answer: letters that have no plain form, and classes or
# escapes that can name an accented letter ([^a-z], \p{L}, \x{e9}, octal \351); and patterns that
# turn case sensitivity back on, since de-accenting does not keep "É" apart from "E".
_READS_ACCENTS = re.compile(r"[^\x00-\x7f]|\[\^|\\[pPx0-7]|\(\?[imsU]*-")


def _re2_search(pattern: Any, text: str) -> Any:
    try:
        return pattern.search(text)
    except UnicodeEncodeError:  # RE2 reads UTF-8, which cannot hold a lone surrogate
        return pattern.search(text.encode("utf-8", "replace").decode("utf-8"))
