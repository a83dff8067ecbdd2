"""Validators (unit + property) and Pilot tests for the modal dialogs and the help screen."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from hypothesis import given, strategies as st
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, RadioButton, Static
from views_host import Host

from autodl_tui.catalog import BLACKLIST_DEFAULT_MINUTES, BLACKLIST_MAX_MINUTES
from autodl_tui.ui.dialogs import (
    BLACKLIST_COMMENT_MAX,
    MAX_REPLICAS,
    BlacklistChoice,
    BlacklistDialog,
    ConfirmDialog,
    DeleteDialog,
    ScaleDialog,
    StopContainerChoice,
    StopContainerDialog,
    names_match,
    parse_minutes,
    parse_replicas,
)
from autodl_tui.ui.help import HelpScreen, group_bindings

# --- helpers ------------------------------------------------------------------------------


@asynccontextmanager
async def hosted(screen: Screen[Any]) -> AsyncIterator[tuple[Host, Pilot[None]]]:
    app = Host(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        yield app, pilot


def text(widget: Widget) -> str:
    return str(widget.render())


async def type_text(pilot: Pilot[None], value: str) -> None:
    """Type character by character, as a user would."""
    await pilot.press(*("space" if char == " " else char for char in value))


# --- validators ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0), ("1000", 1000), (" 7 ", 7), ("007", 7), ("+3", 3), ("-0", 0), ("12\t", 12)],
)
def test_parse_replicas_accepts(raw: str, expected: int) -> None:
    assert parse_replicas(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "enter a number"),
        ("   ", "enter a number"),
        ("abc", "not a whole number"),
        ("1.5", "not a whole number"),
        ("1e3", "not a whole number"),
        ("1_000", "not a whole number"),
        ("١٢", "not a whole number"),
        ("--1", "not a whole number"),
        ("-1", "cannot be negative"),
        ("1001", "at most 1000"),
        ("9" * 5000, "at most 1000"),
    ],
)
def test_parse_replicas_rejects_with_message(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_replicas(raw)


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("1440", 1440), ("43200", 43200)])
def test_parse_minutes_accepts(raw: str, expected: int) -> None:
    assert parse_minutes(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "at least 1"),
        ("43201", r"at most 43200 minutes \(30 d\)"),
        ("-5", "cannot be negative"),
        ("1h", "not a whole number"),
        ("", "enter a number"),
    ],
)
def test_parse_minutes_rejects_with_message(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_minutes(raw)


@given(st.text())
def test_parse_replicas_any_text_is_in_range_or_value_error(raw: str) -> None:
    try:
        value = parse_replicas(raw)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(value, int)
        assert 0 <= value <= MAX_REPLICAS


@given(st.text(alphabet="0123456789+- \t", max_size=12))
def test_parse_minutes_digit_like_text_is_in_range_or_value_error(raw: str) -> None:
    try:
        value = parse_minutes(raw)
    except ValueError as exc:
        assert str(exc)
    else:
        assert 1 <= value <= BLACKLIST_MAX_MINUTES


@given(st.text())
def test_parse_minutes_any_text_is_in_range_or_value_error(raw: str) -> None:
    try:
        value = parse_minutes(raw)
    except ValueError:
        return
    assert isinstance(value, int)
    assert 1 <= value <= BLACKLIST_MAX_MINUTES


@given(st.integers(0, MAX_REPLICAS), st.sampled_from(["", " ", "\t", "00"]))
def test_parse_replicas_round_trips(value: int, pad: str) -> None:
    raw = f"{pad}{value}" if pad == "00" else f"{pad}{value}{pad}"
    assert parse_replicas(raw) == value


@given(st.integers().filter(lambda n: not 0 <= n <= MAX_REPLICAS))
def test_parse_replicas_rejects_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        parse_replicas(str(value))


@given(st.integers().filter(lambda n: not 1 <= n <= BLACKLIST_MAX_MINUTES))
def test_parse_minutes_rejects_out_of_range(value: int) -> None:
    with pytest.raises(ValueError):
        parse_minutes(str(value))


def test_names_match_is_exact() -> None:
    assert names_match("train-7b", "train-7b")
    assert not names_match("train-7", "train-7b")
    assert not names_match("Train-7b", "train-7b")
    assert not names_match("train-7b ", "train-7b")
    assert not names_match("", "")
    assert names_match("训练", "训练")


def test_names_match_ignores_only_unicode_encoding() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert names_match(decomposed, composed)


@given(st.text(), st.text())
def test_names_match_never_matches_different_names(typed: str, name: str) -> None:
    if names_match(typed, name):
        assert name
        assert unicodedata.normalize("NFC", typed) == unicodedata.normalize("NFC", name)


@given(st.text(min_size=1))
def test_names_match_accepts_the_name_itself(name: str) -> None:
    assert names_match(name, name)


# --- confirm ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [(("enter",), True), (("y",), True), (("n",), False), (("escape",), None)],
)
async def test_confirm_keys(keys: tuple[str, ...], expected: bool | None) -> None:
    async with hosted(ConfirmDialog("Stop demo?", "All containers shut down.")) as (app, pilot):
        await pilot.press(*keys)
        await pilot.pause()
        assert app.results == [expected]


async def test_confirm_focus_starts_on_confirm_and_tab_enter_cancels() -> None:
    async with hosted(ConfirmDialog("Stop demo?", "msg", confirm_label="Stop")) as (app, pilot):
        assert isinstance(app.focused, Button)
        assert app.focused.id == "ok"
        assert str(app.focused.label) == "Stop"
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert app.results == [False]


async def test_confirm_shows_message_without_markup() -> None:
    dialog = ConfirmDialog("Stop [demo]?", "name is [bold]x[/bold]", danger=False)
    async with hosted(dialog) as (app, _pilot):
        texts = [text(w) for w in app.screen.query(Static)]
        assert "Stop [demo]?" in texts
        assert "name is [bold]x[/bold]" in texts
        assert not app.screen.has_class("-danger")


async def test_enter_twice_dismisses_only_once() -> None:
    async with hosted(ConfirmDialog("Stop?", "msg")) as (app, pilot):
        dialog = app.screen
        dialog.action_submit()
        dialog.action_submit()
        await pilot.pause()
        assert app.results == [True]
        assert len(app.screen_stack) == 1


# --- scale --------------------------------------------------------------------------------


async def test_scale_prefilled_selected_and_replaced_by_typing() -> None:
    async with hosted(ScaleDialog("demo", 2)) as (app, pilot):
        field = app.screen.query_one("#replicas", Input)
        assert app.focused is field
        assert field.value == "2"
        assert field.selected_text == "2"
        await pilot.press("3")
        assert field.value == "3"
        assert "2 → 3" in text(app.screen.query_one("#preview", Static))
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [3]


async def test_scale_multi_digit_and_zero() -> None:
    async with hosted(ScaleDialog("demo", 5)) as (app, pilot):
        await pilot.press("1", "2", "enter")
        await pilot.pause()
        assert app.results == [12]
    async with hosted(ScaleDialog("demo", 5)) as (app, pilot):
        await pilot.press("0", "enter")
        await pilot.pause()
        assert app.results == [0]


@pytest.mark.parametrize(
    ("typed", "message"),
    [("x", "not a whole number"), ("-1", "cannot be negative"), ("1001", "at most 1000")],
)
async def test_scale_invalid_shows_message_and_returns_nothing(typed: str, message: str) -> None:
    async with hosted(ScaleDialog("demo", 2)) as (app, pilot):
        await type_text(pilot, typed)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert isinstance(app.screen, ScaleDialog)
        assert message in text(app.screen.query_one("#replicas-error", Static))
        assert "2 → ?" in text(app.screen.query_one("#preview", Static))
        # Fixing the value clears the message and submits.
        field = app.screen.query_one("#replicas", Input)
        field.value = ""
        await pilot.press("4")
        assert text(app.screen.query_one("#replicas-error", Static)) == ""
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [4]


async def test_scale_empty_enter_and_scale_button() -> None:
    async with hosted(ScaleDialog("demo", 2)) as (app, pilot):
        await pilot.press("backspace", "enter")
        await pilot.pause()
        assert app.results == []
        assert "enter a number" in text(app.screen.query_one("#replicas-error", Static))
        await pilot.press("7")
        await pilot.click("#ok")
        await pilot.pause()
        assert app.results == [7]


async def test_scale_escape_is_none() -> None:
    async with hosted(ScaleDialog("demo", 2)) as (app, pilot):
        await pilot.press("9", "escape")
        await pilot.pause()
        assert app.results == [None]


# --- delete -------------------------------------------------------------------------------


async def test_delete_with_exact_name() -> None:
    async with hosted(DeleteDialog("ab-7_x")) as (app, pilot):
        assert app.focused is app.screen.query_one("#name", Input)
        await type_text(pilot, "ab-7_x")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [True]


@pytest.mark.parametrize("typed", ["", "ab-7", "AB-7_x", "ab-7_x ", "ab-7_y"])
async def test_delete_near_miss_never_deletes(typed: str) -> None:
    async with hosted(DeleteDialog("ab-7_x")) as (app, pilot):
        await type_text(pilot, typed)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert isinstance(app.screen, DeleteDialog)
        error = text(app.screen.query_one("#name-error", Static))
        assert "type the exact name to confirm" in error
        # The Delete button goes through the same check.
        await pilot.click("#ok")
        await pilot.pause()
        assert app.results == []


async def test_delete_escape_and_cancel_are_none() -> None:
    async with hosted(DeleteDialog("demo")) as (app, pilot):
        await type_text(pilot, "demo")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    async with hosted(DeleteDialog("demo")) as (app, pilot):
        await type_text(pilot, "demo")
        await pilot.click("#cancel")
        await pilot.pause()
        assert app.results == [None]


async def test_delete_unnamed_deployment_needs_the_uuid() -> None:
    async with hosted(DeleteDialog("", deployment_uuid="abc123")) as (app, pilot):
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        await type_text(pilot, "abc123")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [True]


async def test_delete_explains_stop_then_delete() -> None:
    async with hosted(DeleteDialog("demo")) as (app, _pilot):
        screen_text = " ".join(text(w) for w in app.screen.query(Static))
        assert "stopped first" in screen_text
        assert "then deleted" in screen_text


# --- stop container -----------------------------------------------------------------------


async def test_stop_replicaset_defaults() -> None:
    async with hosted(StopContainerDialog("1502e6e2", "ReplicaSet")) as (app, pilot):
        assert app.focused is app.screen.query_one("#mode")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [StopContainerChoice(False, False, "")]


async def test_stop_replicaset_decrease_follows_arrow() -> None:
    async with hosted(StopContainerDialog("1502e6e2", "ReplicaSet")) as (app, pilot):
        await pilot.press("down")
        assert app.screen.query_one("#decrease", RadioButton).value
        assert not app.screen.query_one("#replace", RadioButton).value
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [StopContainerChoice(decrease_one_replica_num=True)]


async def test_stop_all_options_and_stop_button() -> None:
    async with hosted(StopContainerDialog("1502e6e2", "ReplicaSet")) as (app, pilot):
        await pilot.press("down", "tab", "space", "tab")
        assert app.focused is app.screen.query_one("#cmd", Input)
        await type_text(pilot, "sleep 1")
        await pilot.click("#ok")
        await pilot.pause()
        assert app.results == [StopContainerChoice(True, True, "sleep 1")]


@pytest.mark.parametrize("kind", ["Job", "Container"])
async def test_stop_job_or_container_has_no_replica_choice(kind: str) -> None:
    async with hosted(StopContainerDialog("1502e6e2", kind)) as (app, pilot):
        with pytest.raises(NoMatches):
            app.screen.query_one("#mode")
        screen_text = " ".join(text(w) for w in app.screen.query(Static))
        assert f"{kind} deployments start no replacement" in screen_text
        assert "5 s" in screen_text
        await pilot.press("space", "enter")
        await pilot.pause()
        assert app.results == [StopContainerChoice(decrease_one_replica_num=False, no_cache=True)]


async def test_stop_escape_is_none() -> None:
    async with hosted(StopContainerDialog("1502e6e2", "ReplicaSet")) as (app, pilot):
        await pilot.press("down", "escape")
        await pilot.pause()
        assert app.results == [None]


# --- blacklist ----------------------------------------------------------------------------


async def test_blacklist_defaults() -> None:
    async with hosted(BlacklistDialog("f94411a60c", "westDC2")) as (app, pilot):
        field = app.screen.query_one("#minutes", Input)
        assert app.focused is field
        assert field.value == str(BLACKLIST_DEFAULT_MINUTES)
        assert "24 h" in text(app.screen.query_one("#preview", Static))
        screen_text = " ".join(text(w) for w in app.screen.query(Static))
        assert "西北企业区" in screen_text
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [BlacklistChoice(expire_in_minutes=1440, comment="")]


async def test_blacklist_typed_minutes_and_comment() -> None:
    async with hosted(BlacklistDialog("f94411a60c", "westDC2")) as (app, pilot):
        await type_text(pilot, "43200")
        assert "30 d" in text(app.screen.query_one("#preview", Static))
        await pilot.press("tab")
        await type_text(pilot, "slow start")
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [BlacklistChoice(expire_in_minutes=43200, comment="slow start")]


@pytest.mark.parametrize(
    ("typed", "message"),
    [("0", "at least 1"), ("43201", "at most 43200"), ("-5", "negative"), ("1d", "whole")],
)
async def test_blacklist_range_errors(typed: str, message: str) -> None:
    async with hosted(BlacklistDialog("f94411a60c", "westDC2")) as (app, pilot):
        await type_text(pilot, typed)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert message in text(app.screen.query_one("#minutes-error", Static))


async def test_blacklist_prefill_and_comment_limit() -> None:
    dialog = BlacklistDialog("m1", "nowhereDC9", minutes=90, comment="x" * 300)
    async with hosted(dialog) as (app, pilot):
        comment = app.screen.query_one("#comment", Input)
        assert comment.value == "x" * BLACKLIST_COMMENT_MAX
        assert "1 h 30 min" in text(app.screen.query_one("#preview", Static))
        # A value set behind the Input's max_length is still refused, inline.
        comment.value = "y" * (BLACKLIST_COMMENT_MAX + 1)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert "at most 200" in text(app.screen.query_one("#comment-error", Static))
        comment.value = "ok"
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [BlacklistChoice(expire_in_minutes=90, comment="ok")]


async def test_blacklist_escape_is_none() -> None:
    async with hosted(BlacklistDialog("m1", "westDC2")) as (app, pilot):
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


# --- help ---------------------------------------------------------------------------------

BINDINGS = [
    ("r", "Refresh", "Stock"),
    ("q", "Quit", "Global"),
    ("x", "Stop container", "Containers"),
    ("ctrl+p", "Command palette", "Global"),
    ("e", "Edit [config]", "Extras"),
    ("s", "Scale", "Deployments"),
]


def test_group_bindings_orders_known_groups_first() -> None:
    groups = group_bindings(BINDINGS)
    assert [g for g, _ in groups] == ["Global", "Deployments", "Containers", "Stock", "Extras"]
    assert groups[0][1] == [("q", "Quit"), ("ctrl+p", "Command palette")]


@pytest.mark.parametrize("key", ["escape", "question_mark", "q"])
async def test_help_lists_bindings_and_closes(key: str) -> None:
    async with hosted(HelpScreen(BINDINGS)) as (app, pilot):
        groups = [text(w) for w in app.screen.query(".group")]
        assert groups == ["Global", "Deployments", "Containers", "Stock", "Extras"]
        body = " ".join(text(w) for w in app.screen.query(".rows"))
        assert "ctrl+p" in body
        assert "Command palette" in body
        assert "Edit [config]" in body
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [None]


# --- keys arriving in one burst (paste-speed typing, a laggy SSH link) ----------------------


async def test_enter_in_the_same_burst_as_the_digits_submits_what_was_typed() -> None:
    from textual import events

    async with hosted(ScaleDialog("llm-serve", 20)) as (app, pilot):
        # All five keys reach the app before any is handled, as when a terminal delivers
        # "\x7f\x7f22\r" in one read: the priority Enter must not overtake the digits.
        for key, char in (("backspace", None), ("backspace", None), ("2", "2"), ("2", "2")):
            app.post_message(events.Key(key, char))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause(0.2)
        assert app.results == [22]


def burst(app: Host, keys: str) -> None:
    """Post every key before any is handled; `\\t` is Tab."""
    from textual import events

    for char in keys:
        if char == "\t":
            app.post_message(events.Key("tab", "\t"))
        else:
            app.post_message(events.Key(char, char))


async def test_tab_in_a_burst_moves_focus_between_the_keys_around_it() -> None:
    # Issue 12: `b`, then "60<Tab>NCCL" at speed put "60NCCL" in the minutes field.
    async with hosted(BlacklistDialog("m-1", "westDC2")) as (app, pilot):
        burst(app, "60\tNCCL")
        await pilot.pause(0.2)
        dialog = app.screen
        assert dialog.query_one("#minutes", Input).value == "60"
        assert dialog.query_one("#comment", Input).value == "NCCL"
        burst(app, "\t\t\t")  # through the buttons and back round to the minutes
        await pilot.pause(0.2)
        assert dialog.focused is dialog.query_one("#minutes", Input)
