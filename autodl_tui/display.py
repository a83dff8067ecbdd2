"""The one display-text boundary: every outside string reaches a screen or stdout through here.

Names, vendor `msg`s, URLs, passwords, file paths, exception texts and config values are
untrusted: a string may hold Rich/Textual markup (`[/]`, `[@click=app.quit]`), terminal
escapes (`ESC ] 52 ; c ; … BEL` writes the clipboard, `ESC [ 2 J` clears the screen), C1
controls, bidi overrides that reorder what is shown, or megabytes of text. What comes out of
this module is plain text in which every such character is shown visibly (`␛`, `<U+202E>`)
and nothing is ever parsed as markup: `text()` and `title()` build a Rich `Text`, which
Textual renders literally, and `clean()` gives a `str` for stdout, stderr and the clipboard
preview.

No Textual here: the command line and `deploy` print through it too.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rich.cells import cell_len
from rich.text import Text

__all__ = [
    "ELLIPSIS",
    "TITLE_CELLS",
    "clean",
    "fit",
    "has_controls",
    "safe_text",
    "text",
    "title",
]

ELLIPSIS = "…"
#: Widest a pane, dialog or notification title gets before it is cut with an ellipsis.
TITLE_CELLS = 60
#: Longest text any one call keeps (a hostile server may send megabytes in one field).
MAX_CHARS = 4096
# Unicode categories Python calls unprintable that are harmless to show as they are: spaces
# such as U+3000 (CJK text uses it) and private-use glyphs (icon fonts).
_HARMLESS = frozenset({"Zs", "Co"})


@lru_cache(maxsize=1024)
def _shown(char: str) -> str:
    """What an unprintable character is shown as: a control picture or `<U+XXXX>`."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟: ESC is ␛, BEL is ␇, LF is ␊
    if code == 0x7F:
        return "␡"
    if unicodedata.category(char) in _HARMLESS:
        return " " if unicodedata.category(char) == "Zs" and code < 0x3000 else char
    return f"<U+{code:04X}>"


def has_controls(value: str) -> bool:
    """Whether `value` holds anything `clean` would change (controls, format characters)."""
    return not value.isprintable() and any(_shown(c) != c for c in value if not c.isprintable())


def clean(value: object, *, newlines: bool = False, max_chars: int = MAX_CHARS) -> str:
    """`value` as plain text safe for a terminal: every control shown, at most `max_chars`.

    With `newlines`, line feeds stay line feeds (multi-line messages); tabs become a space.
    Anything else unprintable (C0, DEL, C1, bidi overrides, zero-width characters, lone
    surrogates) is replaced by a visible stand-in. Markup characters stay as they are: the
    result is never parsed as markup by this module's callers.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > max_chars:
        text = text[:max_chars] + ELLIPSIS
    if text.isprintable():
        return text
    parts: list[str] = []
    for char in text:
        if char.isprintable() or char == "\n" and newlines:
            parts.append(char)
        elif char == "\t":
            parts.append(" ")
        else:
            parts.append(_shown(char))
    return "".join(parts)


def fit(value: object, cells: int) -> str:
    """`clean(value)` on one line, cut to at most `cells` terminal cells with an ellipsis."""
    line = clean(value)
    if cells <= 0:
        return ""
    if (len(line) <= cells and line.isascii()) or cell_len(line) <= cells:
        return line
    kept: list[str] = []
    used = 0
    for char in line:
        width = cell_len(char)
        if used + width > cells - 1:
            break
        kept.append(char)
        used += width
    return "".join(kept) + ELLIPSIS


def text(
    value: object,
    style: str = "",
    *,
    newlines: bool = True,
    max_chars: int = MAX_CHARS,
) -> Text:
    """`value` as a Rich `Text` (never markup), controls shown, for a widget or notification."""
    return Text(clean(value, newlines=newlines, max_chars=max_chars), style=style)


def safe_text(value: Text) -> Text:
    """A copy of a Rich `Text` built elsewhere, its controls shown and its styles kept.

    Each unprintable character becomes one visible character (a control picture, else
    U+FFFD) so every span still covers the same characters.
    """
    plain = value.plain
    if plain.isprintable():
        return value
    result = value.copy()
    result.plain = "".join(
        c if c.isprintable() or c == "\n" else (s if len(s := _shown(c)) == 1 else "\ufffd")
        for c in plain
    )
    return result


def title(value: object, cells: int = TITLE_CELLS, style: str = "") -> Text:
    """A one-line title (pane border, dialog heading) from outside text, at most `cells` wide."""
    return Text(fit(value, cells), style=style, no_wrap=True, overflow="ellipsis")
