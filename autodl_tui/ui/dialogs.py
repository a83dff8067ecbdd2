"""Modal dialogs for the mutating actions; each returns a typed result and `None` on cancel.

Shared behaviour (`Dialog`): Escape dismisses with `None`; Enter submits from anywhere in the
dialog, except on a focused button, which it presses (so Tab to Cancel + Enter cancels);
invalid input shows a message under its field and keeps the dialog open. The validators are
pure module-level functions so they can be tested without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from autodl_tui.catalog import (
    BLACKLIST_DEFAULT_MINUTES,
    BLACKLIST_MAX_MINUTES,
    MAX_REPLICAS,
    SHUTDOWN_CMD_TIMEOUT_S,
)
from autodl_tui.display import clean, title
from autodl_tui.safety import names_match, parse_minutes, parse_replicas
from autodl_tui.ui.guard import Guarded, on
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.units import minutes_words, region_label
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

__all__ = [
    "BLACKLIST_COMMENT_MAX",
    "FOCUS_KEYS",
    "MAX_REPLICAS",
    "BlacklistChoice",
    "BlacklistDialog",
    "ConfirmDialog",
    "DeleteDialog",
    "Dialog",
    "ScaleDialog",
    "StopContainerChoice",
    "StopContainerDialog",
    # The rules themselves live in autodl_tui.safety, shared with the headless commands.
    "names_match",
    "parse_minutes",
    "parse_replicas",
]


BLACKLIST_COMMENT_MAX = 200
"""Longest blacklist comment the dialog accepts."""

ResultT = TypeVar("ResultT")

#: Tab and shift+Tab as priority bindings: the app runs them the moment it reads them, so
#: focus has moved before it hands out the keys typed right after ("60<Tab>NCCL" in one
#: burst). Not priority, Tab would wait in the focused field's queue behind the keys typed
#: before it while the keys after it were handed to that same field. The keys before it
#: are already in that field's queue, so they still land there.
FOCUS_KEYS: tuple[Binding, ...] = (
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
)

# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StopContainerChoice:
    """What to send with container/stop."""

    decrease_one_replica_num: bool = False
    no_cache: bool = False
    cmd_before_shutdown: str = ""


@dataclass(frozen=True, slots=True)
class BlacklistChoice:
    """What to send with a blacklist POST."""

    expire_in_minutes: int = BLACKLIST_DEFAULT_MINUTES
    comment: str = ""


# --- base -------------------------------------------------------------------------------


class Dialog(Modal[ResultT]):
    """Base for the modal dialogs: layout, Escape to cancel, Enter to submit."""

    DEFAULT_CSS = """
    Dialog > #dialog {
        width: 76;
        padding: 0 2;
    }
    Dialog.-danger > #dialog {
        border: round $error;
    }
    Dialog .title {
        text-style: bold;
        margin-bottom: 1;
    }
    Dialog .explain {
        color: $text-muted;
        margin-bottom: 1;
    }
    Dialog .note {
        color: $text-muted;
    }
    Dialog .spaced {
        margin-bottom: 1;
    }
    Dialog .preview {
        color: $text-accent;
        text-style: bold;
    }
    Dialog .error {
        color: $text-error;
        min-height: 1;
    }
    Dialog Input {
        width: 1fr;
    }
    Dialog #buttons {
        height: auto;
        align-horizontal: right;
    }
    Dialog #buttons Button {
        margin-left: 2;
    }
    Dialog .keys {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
        # Priority, so Enter submits from a RadioSet, Checkbox or Input too (they bind Enter).
        Binding("enter", "submit", "Submit", show=False, priority=True),
        *FOCUS_KEYS,
    ]

    def __init__(self, *, danger: bool = False) -> None:
        super().__init__(classes="-danger" if danger else None)

    def action_cancel(self) -> None:
        """Close without a result."""
        self.finish(None)

    def action_submit(self) -> None:
        """Press the focused button, or submit the dialog."""
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
        elif focused is not None:
            # A priority binding runs as soon as the app reads Enter, while keys typed just
            # before it (a fast typist, a laggy SSH link) may still wait in the focused
            # widget's queue; queue the submit behind them so it reads what was typed.
            focused.call_later(self.submit)
        else:
            self.submit()

    def submit(self) -> None:
        """Validate and, when valid, finish with the result (subclasses implement it)."""
        raise NotImplementedError

    @on(Button.Pressed, "#ok")
    def _ok_pressed(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def show_error(self, selector: str, message: str) -> None:
        """Show (or clear, with "") the inline message of one field."""
        self.query_one(selector, Plain).update(message)


#: Widest a dialog heading gets (dialogs are about 60 cells wide).
DIALOG_TITLE_CELLS = 56


def _buttons(ok_label: str, *, danger: bool, cancel_id: str = "cancel") -> Horizontal:
    return Horizontal(
        Button(ok_label, variant="error" if danger else "primary", id="ok", compact=True),
        Button("Cancel", id=cancel_id, compact=True),
        id="buttons",
    )


def _plain(text: str | Text) -> Plain:
    # Names from the API may hold markup or terminal escapes: shown literally.
    return Plain(text)


def _heading(text: str) -> Plain:
    # A dialog's first line names a deployment or host: one line, cut to the dialog's width.
    return Plain(title(text, DIALOG_TITLE_CELLS))


# --- confirm ----------------------------------------------------------------------------


class ConfirmDialog(Dialog[bool | None]):
    """Yes/no question; True on confirm, False on `n`/Cancel, None on Escape."""

    AUTO_FOCUS = "#ok"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Confirm", show=False),
        Binding("n", "deny", "Cancel", show=False),
    ]

    def __init__(
        self,
        title: str,
        message: str | Text,
        confirm_label: str = "Stop",
        danger: bool = True,
    ) -> None:
        super().__init__(danger=danger)
        self._title = title
        self._message = message
        self._confirm_label = confirm_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        """Title, message, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield _heading(self._title).add_class("title")
            yield _plain(self._message).add_class("explain")
            # The Cancel button answers "no" (False), unlike Escape, which answers nothing.
            yield _buttons(self._confirm_label, danger=self._danger, cancel_id="no")
            yield Static("y/Enter confirm · n/Esc cancel", classes="keys")

    def submit(self) -> None:
        """Confirm."""
        self.finish(True)

    def action_confirm(self) -> None:
        """Confirm (the `y` key)."""
        self.finish(True)

    def action_deny(self) -> None:
        """Decline (the `n` key)."""
        self.finish(False)

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.finish(False)


# --- scale ------------------------------------------------------------------------------


class ScaleDialog(Dialog[int | None]):
    """Ask for a ReplicaSet's new replica count, 0..1000; the int, or None."""

    AUTO_FOCUS = "#replicas"

    def __init__(self, deployment_name: str, current: int) -> None:
        super().__init__()
        self._deployment_name = deployment_name
        self._current = current

    def compose(self) -> ComposeResult:
        """Title, explanation, replica input with preview and error line, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield _heading(f"Scale {self._deployment_name}").add_class("title")
            yield Static(
                "Sets replica_num: the service starts or stops containers to match. "
                f"0 to {MAX_REPLICAS}.",
                classes="explain",
            )
            # select_on_focus: the prefilled count is selected, so typing replaces it.
            yield Input(str(self._current), id="replicas", select_on_focus=True)
            yield Plain(self._preview(str(self._current)), id="preview", classes="preview")
            yield Plain("", id="replicas-error", classes="error")
            yield _buttons("Scale", danger=False)
            yield Static("Enter apply · Esc cancel", classes="keys")

    def _preview(self, text: str) -> str:
        try:
            new = str(parse_replicas(text))
        except ValueError:
            new = "?"
        change = " (no change)" if new == str(self._current) else ""
        return f"replicas: {self._current} → {new}{change}"

    @on(Input.Changed, "#replicas")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#preview", Plain).update(self._preview(event.value))
        self.show_error("#replicas-error", "")

    def submit(self) -> None:
        """Return the count, or show why it is not one."""
        try:
            value = parse_replicas(self.query_one("#replicas", Input).value)
        except ValueError as exc:
            self.show_error("#replicas-error", str(exc))
            return
        self.finish(value)


# --- delete -----------------------------------------------------------------------------


class DeleteDialog(Dialog[bool | None]):
    """Typed-name confirmation for deleting a deployment; True only on an exact match."""

    AUTO_FOCUS = "#name"

    def __init__(self, deployment_name: str, *, deployment_uuid: str = "") -> None:
        super().__init__(danger=True)
        # Unnamed: confirm with the uuid, since an empty name would let a bare Enter delete.
        self._expected = deployment_name or deployment_uuid
        self._label = deployment_name or deployment_uuid or "(unnamed)"

    def compose(self) -> ComposeResult:
        """Title, explanation, name input with error line, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield _heading(f"Delete {self._label}").add_class("title")
            yield Static(
                "The deployment is stopped first (its containers shut down), then deleted. "
                "This cannot be undone.",
                classes="explain",
            )
            yield Plain(Text.assemble("Type ", (clean(self._expected), "bold"), " to confirm:"))
            yield Input(id="name", placeholder="deployment name")
            yield Plain("", id="name-error", classes="error")
            yield _buttons("Delete", danger=True)
            yield Static("Enter delete · Esc cancel", classes="keys")

    @on(Input.Changed, "#name")
    def _changed(self) -> None:
        self.show_error("#name-error", "")

    def submit(self) -> None:
        """Delete only when the typed text is the exact name."""
        if names_match(self.query_one("#name", Input).value, self._expected):
            self.finish(True)
        else:
            self.show_error("#name-error", "type the exact name to confirm")


# --- stop container ---------------------------------------------------------------------


class _FollowRadioSet(Guarded, RadioSet):
    """A RadioSet whose selection follows the highlight.

    Enter submits the dialog, so moving with the arrows must already choose; otherwise
    arrow-then-Enter would silently submit the option that was pressed before.
    """

    def action_next_button(self) -> None:
        """Highlight and press the next enabled option (wrapping)."""
        super().action_next_button()
        self._press_step(1)

    def action_previous_button(self) -> None:
        """Highlight and press the previous enabled option (wrapping)."""
        super().action_previous_button()
        self._press_step(-1)

    def _press_step(self, step: int) -> None:
        # The highlight follows the pressed option, so the next enabled option from the
        # pressed one is the one Textual just highlighted.
        buttons = list(self.query(RadioButton))
        count = len(buttons)
        # From the pressed option; with none pressed, from just outside the end it leaves by.
        anchor = self.pressed_index if self.pressed_index >= 0 else (-1 if step > 0 else count)
        for offset in range(1, count + 1):
            index = (anchor + step * offset) % count
            if not buttons[index].disabled:
                buttons[index].value = True
                return


class StopContainerDialog(Dialog[StopContainerChoice | None]):
    """Options for stopping one container; a StopContainerChoice, or None."""

    def __init__(self, container_short: str, deployment_type: str) -> None:
        super().__init__(danger=True)
        self._short = container_short
        self._deployment_type = deployment_type
        self._replica_set = deployment_type == "ReplicaSet"

    def compose(self) -> ComposeResult:
        """Title, replacement choice (ReplicaSet only), no_cache, shutdown command, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield _heading(f"Stop container {self._short}").add_class("title")
            if self._replica_set:
                yield Static(
                    "After the stop the ReplicaSet normally starts a replacement to keep "
                    "its replica count.",
                    classes="explain",
                )
                yield _FollowRadioSet(
                    RadioButton("Let the ReplicaSet replace it", value=True, id="replace"),
                    RadioButton("Stop and decrease replicas by one", id="decrease"),
                    id="mode",
                )
            else:
                kind = self._deployment_type or "this"
                yield _plain(
                    f"The container is stopped; {kind} deployments start no replacement."
                ).add_class("explain")
            yield Checkbox("Don't keep it for reuse (no_cache)", id="no-cache")
            yield Static(
                "Only matters when the deployment reuses containers.",
                classes="note",
            )
            yield Static("Command to run before the stop (optional):")
            yield Input(id="cmd", placeholder="e.g. pkill -INT -f train.py")
            yield Static(
                f"Killed after {SHUTDOWN_CMD_TIMEOUT_S} s; replaces the deployment's own "
                "cmd_before_shutdown.",
                classes="note spaced",
            )
            yield _buttons("Stop", danger=True)
            yield Static("Space toggle · Enter stop · Esc cancel", classes="keys")

    def submit(self) -> None:
        """Return the chosen options."""
        decrease = self._replica_set and self.query_one("#decrease", RadioButton).value
        self.finish(
            StopContainerChoice(
                decrease_one_replica_num=decrease,
                no_cache=self.query_one("#no-cache", Checkbox).value,
                cmd_before_shutdown=self.query_one("#cmd", Input).value.strip(),
            )
        )


# --- blacklist --------------------------------------------------------------------------


class BlacklistDialog(Dialog[BlacklistChoice | None]):
    """Ask for a host blacklist's duration and comment; a BlacklistChoice, or None."""

    AUTO_FOCUS = "#minutes"

    def __init__(
        self,
        machine_id: str,
        data_center: str,
        *,
        minutes: int = BLACKLIST_DEFAULT_MINUTES,
        comment: str = "",
    ) -> None:
        super().__init__(danger=True)
        self._machine = machine_id
        self._region = data_center
        self._minutes = minutes
        self._comment = comment[:BLACKLIST_COMMENT_MAX]

    def compose(self) -> ComposeResult:
        """Title, explanation, minutes with preview and error, comment with error, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield _heading(f"Blacklist host {self._machine}").add_class("title")
            yield _plain(
                f"None of your deployments will be scheduled on this host "
                f"({region_label(self._region)}) until the entry expires."
            ).add_class("explain")
            yield Static(
                f"Expires in (minutes, 1 to {BLACKLIST_MAX_MINUTES}; "
                f"default {BLACKLIST_DEFAULT_MINUTES} = "
                f"{minutes_words(BLACKLIST_DEFAULT_MINUTES)}):"
            )
            yield Input(str(self._minutes), id="minutes", select_on_focus=True)
            yield Plain(self._preview(str(self._minutes)), id="preview", classes="preview")
            yield Plain("", id="minutes-error", classes="error")
            yield Static(f"Comment (optional, at most {BLACKLIST_COMMENT_MAX} characters):")
            yield Input(
                self._comment,
                id="comment",
                max_length=BLACKLIST_COMMENT_MAX,
                placeholder="e.g. slow start, NCCL errors",
            )
            yield Plain("", id="comment-error", classes="error")
            yield _buttons("Blacklist", danger=True)
            yield Static("Enter blacklist · Esc cancel", classes="keys")

    @staticmethod
    def _preview(text: str) -> str:
        try:
            return f"expires in {minutes_words(parse_minutes(text))}"
        except ValueError:
            return "expires in ?"

    @on(Input.Changed, "#minutes")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#preview", Plain).update(self._preview(event.value))
        self.show_error("#minutes-error", "")

    def submit(self) -> None:
        """Return the choice, or show what is wrong with each field."""
        minutes: int | None = None
        try:
            minutes = parse_minutes(self.query_one("#minutes", Input).value)
        except ValueError as exc:
            self.show_error("#minutes-error", str(exc))
        comment = self.query_one("#comment", Input).value.strip()
        too_long = len(comment) > BLACKLIST_COMMENT_MAX
        self.show_error(
            "#comment-error",
            f"at most {BLACKLIST_COMMENT_MAX} characters" if too_long else "",
        )
        if minutes is None or too_long:
            return
        self.finish(BlacklistChoice(expire_in_minutes=minutes, comment=comment))
