"""One hostile server and the real app in a pty against it, shared by a module's tests."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import hostile as h
from terminal import Terminal

#: Footer of the main screen with the deployments pane focused: "back on the main screen".
MAIN_FOOTER = "s Scale"
TOKEN = "tok-Sec-9f3c2a71"
_CORNER = re.compile("(?<!╮)╭")
_FRAME = frozenset("│╭╮╰╯─▌▐▎▊")


@dataclass
class Session:
    """A running hostile server, the app against it, and the attack it serves."""

    hostile: h.Hostile
    url: str
    term: Terminal
    attack: str = ""

    def home(self) -> None:
        """Close whatever screen or dialog is open, then focus the deployments pane."""
        for _ in range(3):
            if not self.modal_open():
                break
            if "Discard this form?" in self.term.text():
                self.term.press("y")  # a filled (cloned) form asks before it is discarded
            else:
                self.term.press("escape")
            with contextlib.suppress(AssertionError):
                self.term.wait(lambda: not self.modal_open(), "a screen to close", 5.0)
        assert not self.modal_open(), (
            f"escape does not bring back the main screen{self.leak_note()}\n{self.term}"
        )
        self.term.press("1")
        self.term.wait(lambda: MAIN_FOOTER in self.term.lines()[-1], "the main screen", 5.0)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float) -> None:
        """`Terminal.wait`, its failure naming any of the attack's bytes that leaked."""
        try:
            self.term.wait(condition, what, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}{self.leak_note()}") from None

    def wait_for(self, text: str, timeout: float) -> None:
        """Wait until `text` shows (see `wait`)."""
        self.wait(lambda: text in self.term.text(), f"{text!r} on screen", timeout)

    def leak_note(self) -> str:
        """A note for failure messages naming the attack's bytes found in the output."""
        leaked = [seq for seq in h.FORBIDDEN.get(self.attack, []) if seq in self.term.raw]
        return f" (the server's bytes reached the terminal: {leaked!r})" if leaked else ""

    def toast(self, title: str) -> str:
        """The text of the notification titled `title`, rows joined, without spaces."""
        where = self.term.find(title)
        assert where is not None, f"no notification {title!r}\n{self.term}"
        col, row = where
        text = "".join(self.term.block(col, row))
        # Without the frame and the borders of the pane underneath: the message's own text.
        return "".join(c for c in text if not c.isspace() and c not in _FRAME)

    def modal_open(self) -> bool:
        """Whether a detail, dialog or form covers the main screen.

        The main screen's pane corners `╭` sit at column 0 or right after another pane's
        `╮`; an overlay's top-left corner sits anywhere else, and a full screen has no panes.
        """
        lines = self.term.lines()
        overlay = any(_CORNER.search(line, 1) for line in lines)
        return overlay or "1 Deployments" not in "\n".join(lines)


@contextmanager
def session(
    fleet: h.Fleet,
    *args: str,
    cols: int = 120,
    rows: int = 35,
    token: str = TOKEN,
    first: str = "plain-ok",
    env: dict[str, str] | None = None,
    home: Path | None = None,
    **hostile: object,
) -> Iterator[Session]:
    """Serve `fleet`, start the app on it, wait until `first` shows; close both after."""
    state = h.Hostile(fleet=fleet, **hostile)  # type: ignore[arg-type]
    with h.serve(state) as url:
        home = home or Path(tempfile.mkdtemp(prefix="sec-home-"))
        term = Terminal(
            ["--base-url", url, *args],
            home=home,
            cols=cols,
            rows=rows,
            # Through the environment, as users are told to (`--token` warns with a toast
            # that would cover the notifications these tests read).
            env={**(env or {}), "AUTODL_TOKEN": token},
        )
        try:
            if first:
                term.wait_first_paint(first)
            yield Session(state, url, term)
        finally:
            term.close()


def scale_to(term: Terminal, replicas: int, timeout: float) -> None:
    """Open the scale dialog on the selected deployment and ask for `replicas`.

    Each step waits for what a person would see before the next key: the dialog with its
    field ready (the preview says "no change"), the field emptied, the new number in it.
    """
    term.press("s")
    term.wait(lambda: "(no change)" in term.text(), "the scale dialog, its field ready", timeout)
    term.press("backspace")
    term.wait(lambda: "→ ?" in term.text(), "the replicas field emptied", timeout)
    term.type(str(replicas))
    term.wait(lambda: f"→ {replicas}" in term.text(), f"{replicas} in the field", timeout)
    term.press("enter")


def focus_containers(term: Terminal, row: str, timeout: float) -> None:
    """Focus the containers pane and wait until its row `row` shows, as a person would.

    The pane's title names the deployment before its containers arrive: a key pressed on
    the still-empty pane has no row to act on (it says why, and opens nothing).
    """
    term.press("2")
    term.wait(lambda: "Copy SSH" in term.lines()[-1], "the containers pane focused", timeout)
    term.wait(lambda: row in term.text(), f"the container {row!r} in the pane", timeout)
