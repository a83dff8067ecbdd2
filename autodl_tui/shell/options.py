"""`ssh_options` from the config file: extra ssh arguments, checked before ssh ever sees them.

They come before the host on every ssh the app runs (shell and tunnels). Refused: control
characters, a stray word that ssh would take as the host, and the options that make ssh run
a local program or load a library (ProxyCommand, LocalCommand, PermitLocalCommand,
KnownHostsCommand, PKCS11Provider/-I, SecurityKeyProvider): the config file is data, and a
command hidden in it would run each time a key is pressed. Such a setting belongs in
~/.ssh/config, where ssh users expect it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["REFUSED_KEYWORDS", "check_ssh_options"]

#: ssh's option letters that take an argument (from ssh(1)'s getopt string).
_WITH_ARGUMENT = frozenset("BbcDEeFIiJLlmOoPpQRSWw")
#: ssh's option letters that take none.
_FLAGS = frozenset("46AaCfGgKkMNnqsTtVvXxYy")
#: `-o` keywords that run a local command or load code, lower-cased.
REFUSED_KEYWORDS = frozenset(
    {
        "proxycommand",
        "localcommand",
        "permitlocalcommand",
        "knownhostscommand",
        "pkcs11provider",
        "securitykeyprovider",
    }
)
#: Short options refused for the same reason (-I loads a PKCS#11 library).
_REFUSED_LETTERS = frozenset("I")
_MAX_OPTIONS = 64
_MAX_CHARS = 1024


def check_ssh_options(value: object) -> list[str]:
    """`value` as a list of ssh arguments, or ValueError saying which item and why."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError('must be a list of strings, e.g. ["-o", "ServerAliveInterval=30"]')
    if len(value) > _MAX_OPTIONS:
        raise ValueError(f"holds more than {_MAX_OPTIONS} items")
    items: list[str] = list(value)
    for index, item in enumerate(items):
        if not item:
            raise ValueError(f"item {index + 1} is empty")
        if len(item) > _MAX_CHARS:
            raise ValueError(f"item {index + 1} is longer than {_MAX_CHARS} characters")
        if any(not c.isprintable() for c in item):
            raise ValueError(f"item {index + 1} holds a control character or a line break")
    _check_structure(items)
    return items


def _check_structure(items: Sequence[str]) -> None:
    """Walk the items as ssh's getopt would; every word must be an option or its argument."""
    index = 0
    while index < len(items):
        item = items[index]
        where = f"item {index + 1} ({item!r})"
        if not item.startswith("-") or item in ("-", "--"):
            raise ValueError(
                f"{where} is not an option: ssh would take it as the host or the command"
            )
        letters = item[1:]
        position = 0
        while position < len(letters):
            letter = letters[position]
            if letter in _REFUSED_LETTERS:
                raise ValueError(f"{where}: -{letter} loads a local library; not allowed here")
            if letter in _FLAGS:
                position += 1
                continue
            if letter not in _WITH_ARGUMENT:
                raise ValueError(f"{where}: -{letter} is not an ssh option")
            argument = letters[position + 1 :]
            if not argument:
                index += 1
                if index >= len(items):
                    raise ValueError(f"{where}: -{letter} needs an argument after it")
                argument = items[index]
            if letter == "o":
                _check_keyword(argument, where)
            break
        index += 1


def _check_keyword(argument: str, where: str) -> None:
    keyword = argument.replace("=", " ").split(maxsplit=1)[0].lower() if argument.strip() else ""
    if not keyword:
        raise ValueError(f"{where}: -o needs Keyword=value")
    if keyword in REFUSED_KEYWORDS:
        raise ValueError(
            f"{where}: {keyword} runs a local program or loads a library; "
            "set it in ~/.ssh/config instead if you need it"
        )
