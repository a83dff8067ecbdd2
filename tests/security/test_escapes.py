"""Terminal escapes, C1 controls, bidi, zero-width, wide and 10 kB text from the server.

One app per attack, against a hostile server whose second deployment and every text field
of it carry the attack. Each view a string reaches (tables, pane titles, container and
deployment details, a dialog, a notification, the `E` screen, a form filled by a clone) is
opened, and the screen must show the text literally with controls as visible stand-ins; at
the end, none of the server's sequences may be found in the raw bytes the app wrote.
"""

from __future__ import annotations

from collections.abc import Iterator

import hostile as h
import pytest
from session import TOKEN, Session, focus_containers, scale_to, session
from wcwidth import wcswidth

from autodl_tui.display import clean
from autodl_tui.logs import MASK, secret_forms

ATTACK_NAME = "x-"
#: A view opens in well under a second; a screen frozen by a leaked sequence never does.
VIEW_S = 15.0
#: A row of an open view is painted within this after the view's heading shows.
ROW_S = 5.0


@pytest.fixture(scope="module", params=list(h.ATTACKS))
def app(request: pytest.FixtureRequest) -> Iterator[Session]:
    attack = request.param
    fleet = h.build_fleet({"plain-ok": "", ATTACK_NAME + attack: h.ATTACKS[attack]})
    with session(fleet) as s:
        s.attack = attack
        # Select the hostile deployment: pane titles now name it.
        s.term.press("down")
        s.wait(
            # Its rows, not only the pane title: the title names it before they arrive.
            lambda: "dep01-c02" in s.term.text(),
            "the hostile deployment's containers",
            VIEW_S,
        )
        yield s


def shown(s: Session) -> str:
    """What the screen must show where the attack's text is."""
    return h.SHOWN[s.attack]


def redacted(text: str, attack: str) -> str:
    """`text` as the app shows it once the hostile root passwords are registered as secrets.

    The fleet's passwords end with the attack too, and the app masks every piece of a
    password between control characters wherever it appears (a vendor msg quoting one is
    masked): the msg shows «redacted» where such a piece stands.
    """
    pieces = [
        form
        for form in secret_forms("pw-" + h.ATTACKS[attack])
        if form.isprintable() and not form.startswith("pw-")
    ]
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace("".join(piece.split()), MASK)
    return text


def line_with(s: Session, label: str) -> str:
    """The screen row holding `label` (the assertion shows the screen when there is none)."""
    for line in s.term.lines():
        if label in line:
            return line
    raise AssertionError(f"no row shows {label!r}\n{s.term}")


def row_shows(s: Session, label: str) -> bool:
    """Whether the row holding `label` shows the attack's text as it must look."""
    for line in s.term.lines():
        if label in line:
            return shown(s) in line or (s.attack == "long" and "LLL" in line)
    return False


def assert_row_shows(s: Session, label: str) -> None:
    """The row holding `label` shows the attack's text literally (waiting for its paint)."""
    try:
        s.term.wait(lambda: row_shows(s, label), f"the {label!r} row", ROW_S)
    except AssertionError:
        line_with(s, label)  # fails naming the missing row when there is none
        raise AssertionError(
            f"the {label!r} row does not show the server's text literally "
            f"(expected {shown(s)!r} in it){s.leak_note()}\n{s.term}"
        ) from None


def test_tables_and_pane_titles_show_the_text_literally(app: Session) -> None:
    s = app
    s.home()
    s.wait(lambda: shown(s)[:6] in s.term.text(), f"{shown(s)[:6]!r} in the tables", VIEW_S)
    assert_row_shows(s, ATTACK_NAME + s.attack)
    title = line_with(s, "Containers:")
    expected = (ATTACK_NAME + s.attack + shown(s))[:24]
    assert expected in title, (
        f"the containers pane title does not show {expected!r} literally\n{s.term}"
    )
    # Every pane row still spans the screen to its right border: wide text did not shift
    # the layout and no newline split a row.
    for row in s.term.lines():
        if row.startswith(("│", "╭", "╰")):
            assert wcswidth(row) == s.term.cols and row.endswith(("│", "╮", "╯")), (
                f"a row lost its border:\n{row!r}\n{s.term}"
            )


def test_container_detail_shows_every_field_literally(app: Session) -> None:
    s = app
    s.home()
    focus_containers(s.term, "dep01-c02", VIEW_S)
    s.term.press("enter")
    s.wait_for("Container c02", VIEW_S)
    if s.attack == "long":
        # 10 kB fields push the rest below the fold: the first one shows, the app lives.
        assert_row_shows(s, "Deployment ")
        s.home()
        return
    s.wait_for("Root password", VIEW_S)
    s.term.press("v")
    s.wait_for("pw02-", VIEW_S)
    for label in ("Machine", "SSH", "Root password", "Port 6006", "Region"):
        assert_row_shows(s, label)
    s.home()


def test_deployment_detail_shows_image_package_and_regions_literally(app: Session) -> None:
    s = app
    s.home()
    s.term.press("d")
    if s.attack == "long":
        # The heading is cut to one line (the table's row shows "x-longLLLL" too, so wait
        # for the heading itself before closing the screen).
        s.wait_for("Deployment x-longLLLL", VIEW_S)
        s.home()
        return
    s.wait_for("Deployment x-", VIEW_S)
    s.wait_for("Duration packages", VIEW_S)
    for label in ("Image", "Command", "Regions", "Deployment x-"):
        assert_row_shows(s, label)
    s.home()


def test_dialog_shows_the_machine_id_literally(app: Session) -> None:
    s = app
    s.home()
    focus_containers(s.term, "dep01-c02", VIEW_S)
    s.term.press("b")
    s.wait(lambda: s.modal_open() or "m02" in s.term.text(), "the blacklist dialog", VIEW_S)
    assert_row_shows(s, "m02")
    s.home()


def test_notification_and_error_screen_show_a_vendor_msg_literally(app: Session) -> None:
    s = app
    s.home()
    s.hostile.error_msg = "nope" + h.ATTACKS[s.attack]
    s.hostile.modes["/deployment/replica_num"] = "error"
    # The whole msg as the boundary shows it, masked as the app masks it, then its start.
    expected = redacted("".join(clean("nope" + h.ATTACKS[s.attack]).split()), s.attack)[:40]
    # A toast wraps the text at its width (a wide character at the wrap may move or drop).
    in_toast = expected[:7]
    try:
        scale_to(s.term, 3, VIEW_S)
        s.wait_for("Scale failed", VIEW_S)

        def toast_shows() -> bool:
            # Toasts move as others above them expire: read until it has settled.
            try:
                return in_toast in s.toast("Scale failed")
            except AssertionError:
                return False

        s.wait(
            toast_shows,
            f"the notification to show the vendor msg literally ({in_toast!r})",
            VIEW_S,
        )
        s.home()
        s.term.press("E")
        s.wait_for("request_id:", VIEW_S)
        # From the msg row on (a long msg wraps onto the rows below it).
        rows = s.term.lines()
        start = next((i for i, row in enumerate(rows) if "msg:" in row), 0)
        flat = "".join("".join(rows[start:]).split())
        assert expected in flat, (
            f"the E screen's msg row does not show {expected!r} literally{s.leak_note()}\n{s.term}"
        )
    finally:
        s.hostile.modes.clear()
        s.home()


def test_form_filled_by_a_clone_shows_the_name_literally(app: Session) -> None:
    s = app
    s.home()
    s.term.press("C")
    s.wait_for("New deployment", VIEW_S)
    assert_row_shows(s, "Name ")
    s.home()


def test_no_server_sequence_reached_the_terminal(app: Session) -> None:
    """Run last for each attack: every view above has been painted at least once."""
    s = app
    raw = s.term.raw
    leaked = [seq for seq in h.FORBIDDEN[s.attack] if seq in raw]
    assert not leaked, f"the server's {s.attack} bytes reached the terminal: {leaked!r}"
    assert not any(h.CLIP_MARKER in c for c in s.term.clipboard()), s.term.clipboard()
    assert h.TITLE_MARKER not in s.term.title()
    assert s.term.alive(), f"the app died\n{s.term}"
    assert TOKEN.encode() not in raw
