"""The "New deployment" form's template dialogs: a name to save under, a template to load."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, OptionList, Static

from autodl_tui.deploy.template_file import check_template_name, list_templates, template_path
from autodl_tui.display import text
from autodl_tui.paths import templates_dir
from autodl_tui.ui.dialogs import Dialog
from autodl_tui.ui.guard import on
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

__all__ = ["TemplateNameDialog", "TemplatePickDialog"]


class TemplateNameDialog(Dialog[str | None]):
    """Ask for the name to save a template under (`templates/NAME.toml`)."""

    AUTO_FOCUS = "#template-name"

    def __init__(self, suggested: str) -> None:
        super().__init__()
        try:
            self._suggested = check_template_name(suggested)
        except ValueError:
            self._suggested = ""

    def compose(self) -> ComposeResult:
        """Title, where it goes, name input with error line, buttons."""
        with Vertical(id="dialog", classes="box"):
            yield Static("Save template", classes="title")
            yield Plain(f"Saved in {templates_dir()}", classes="explain")
            yield Input(self._suggested, id="template-name", select_on_focus=True)
            yield Plain("", id="template-name-error", classes="error")
            with Horizontal(id="buttons"):
                yield Button("Save", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield Static("Enter save · Esc cancel", classes="keys")

    @on(Input.Changed, "#template-name")
    def _changed(self, event: Input.Changed) -> None:
        note = ""
        try:
            if template_path(event.value).exists():
                note = "exists: its values are updated, its comments kept"
        except ValueError as exc:
            note = str(exc)
        except OSError:
            note = ""  # an unreadable folder: saving says why, if it cannot write either
        self.show_error("#template-name-error", note)

    def submit(self) -> None:
        """Return the name, or say why it cannot be a file name."""
        try:
            name = check_template_name(self.query_one("#template-name", Input).value)
        except ValueError as exc:
            self.show_error("#template-name-error", str(exc))
            return
        self.finish(name)


class TemplatePickDialog(Dialog[str | None]):
    """Pick one of the saved templates."""

    _names: list[str] = []

    AUTO_FOCUS = "#templates"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def compose(self) -> ComposeResult:
        """Title, the list (or why it is empty), keys."""
        names = self._names = list_templates()
        with Vertical(id="dialog", classes="box"):
            yield Static("Load template", classes="title")
            if names:
                # File names are shown literally; the name returned is the file's own.
                yield OptionList(*(text(n) for n in names), id="templates")
            else:
                yield Plain(
                    f"No saved templates in {templates_dir()} (ctrl+s in the form saves one).",
                    classes="explain",
                )
            yield Static("Enter load · Esc cancel", classes="keys")

    def submit(self) -> None:
        """Return the highlighted template's name."""
        lists = self.query(OptionList)
        if not lists:
            self.finish(None)
            return
        options = lists.first()
        index = options.highlighted
        if index is None:
            return
        self.finish(self._names[index])
