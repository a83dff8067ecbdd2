"""The "New deployment" screen: every field of the create call, validated as you type.

Each field shows the reason it is invalid next to it, and the pre-flight button stays disabled
until nothing is wrong, so an invalid request is never sent. The pre-flight and the create
itself run in `preflight_screen.PreflightScreen`; the screen dismisses with the new uuid.
GPU models are offered from live stock of the chosen regions; images are the account's
private images plus the public base images of the vendor's appendix.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static
from textual.widgets.select import InvalidSelectValueError
from textual.widgets.selection_list import Selection

from autodl_tui.api import AutoDLError
from autodl_tui.catalog import (
    BASE_IMAGES,
    CUDA_CODES,
    DEPLOYMENT_TYPES,
    PORT_PROTOCOLS,
    REGIONS,
    SHUTDOWN_CMD_TIMEOUT_S,
    cuda_label,
)
from autodl_tui.deploy.template import Template, TemplateError, parse_template
from autodl_tui.deploy.template_file import TemplateFile, save_template, template_path
from autodl_tui.display import clean, text
from autodl_tui.ui.dialogs import FOCUS_KEYS, ConfirmDialog
from autodl_tui.ui.guard import Guarded, on
from autodl_tui.ui.widgets.footer import KeyFooter
from autodl_tui.ui.widgets.plain import Plain

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rich.text import Text
    from textual.app import ComposeResult
    from textual.binding import BindingType
    from textual.events import Resize

    from autodl_tui.api import AutoDLClient, GpuStock, PrivateImage
    from autodl_tui.ui.images_screen import ImageChoice

__all__ = ["CreateFormScreen", "image_options", "model_options"]

_TEXT_FIELDS = (
    "name",
    "replica_num",
    "parallelism_num",
    "gpu_num",
    "cpu_num_from",
    "cpu_num_to",
    "memory_gb_from",
    "memory_gb_to",
    "price_yuan_from",
    "price_yuan_to",
    "cmd",
    "cmd_before_shutdown",
)
#: What a field posts when its value is set: code that sets values quietly prevents these.
_FIELD_CHANGES = (Input.Changed, Select.Changed, Checkbox.Changed, SelectionList.SelectedChanged)
_SELECT_FIELDS = (
    "deployment_type",
    "cuda_from",
    "cuda_to",
    "image_uuid",
    "service_6006_port_protocol",
    "service_6008_port_protocol",
)
_HELP = {
    "deployment_type": "ReplicaSet keeps N running · Job runs N completions · Container is one",
    "replica_num": "containers to keep running (ReplicaSet) or completions (Job)",
    "parallelism_num": "Job: at most this many at once",
    "dc_list": "space toggles; code and console name",
    "gpu_name_set": "from live stock of the chosen regions: idle/total cards",
    "gpu_num": "GPUs per container",
    "cuda_from": "the host driver must support this CUDA range",
    "cpu_num_from": "vCPUs per container",
    "memory_gb_from": "GB per container (not bytes)",
    "price_yuan_from": "yuan per GPU per hour",
    "cmd_before_shutdown": f"runs before a stop; killed after {SHUTDOWN_CMD_TIMEOUT_S} s",
    "reuse_container": "restart stopped containers instead of creating new ones",
}
#: Where the help differs on a flavor whose create takes no regions (the private cloud).
_HELP_NO_REGIONS = {
    "gpu_name_set": "from the cluster's live stock: idle/total cards",
    "cuda_from": "the private cloud takes the lower version (cuda_v)",
}


def model_options(stock: Iterable[GpuStock], wanted: Iterable[str]) -> list[tuple[Text, str]]:
    """(label, model) per GPU model with idle/total cards summed over regions.

    Models asked for but absent from stock stay listed, so a loaded template keeps them.
    """
    totals: dict[str, list[int]] = {}
    for s in stock:
        counts = totals.setdefault(s.gpu_name, [0, 0])
        counts[0] += s.idle
        counts[1] += s.total
    options = [
        (f"{name}  {idle}/{total} idle", name)
        for name, (idle, total) in sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    options += [(f"{name}  (no stock here)", name) for name in wanted if name not in totals]
    return [(text(label), name) for label, name in options]


def image_options(private: Iterable[PrivateImage], current: str = "") -> list[tuple[Text, str]]:
    """(label, uuid): the account's private images, then the public base images.

    A base image listed twice in the appendix (PyTorch and TensorRT) appears once with both
    framework names; an unknown `current` uuid is kept so a loaded template is not changed.
    """
    options: dict[str, str] = {}
    for image in private:
        if image.image_uuid:
            options.setdefault(image.image_uuid, f"{image.image_name or '?'}  ({image.image_uuid})")
    frameworks: dict[str, list[str]] = {}
    for base in BASE_IMAGES:
        frameworks.setdefault(base.uuid, []).append(base.framework)
    for base in BASE_IMAGES:
        if base.uuid not in options:
            names = "/".join(frameworks[base.uuid])
            options[base.uuid] = f"{names}: {base.name}  ({base.uuid})"
    if current and current not in options:
        options[current] = f"{current}  (not in your images)"
    # Image names are typed by anyone in the account: prompts are Text, never markup.
    return [(text(label), uuid) for uuid, label in options.items()]


def _row(label: str, *widgets: Any, key: str) -> Horizontal:
    # One line beside the field: the reason it is invalid, else a hint about it.
    aside = Plain(_HELP.get(key, ""), id=f"{key}-error", classes="aside")
    return Horizontal(
        Plain(label, classes="label"), *widgets, aside, id=f"row-{key}", classes="row"
    )


def _pair_row(label: str, stem: str, placeholders: tuple[str, str]) -> Horizontal:
    # The row's one message line shows whichever bound is wrong (see validate_form).
    return _row(
        label,
        Input(placeholder=placeholders[0], id=f"{stem}_from", compact=True, classes="half"),
        Static("to", classes="to"),
        Input(placeholder=placeholders[1], id=f"{stem}_to", compact=True, classes="half"),
        key=f"{stem}_from",
    )


class CreateFormScreen(Guarded, Screen[str | None]):
    """New deployment: every field of the create call; dismisses with the new uuid or None."""

    DEFAULT_CSS = """
    CreateFormScreen #form { height: 1fr; padding: 0 1; }
    CreateFormScreen .title { text-style: bold; margin: 0 1; }
    CreateFormScreen .row { height: auto; margin-bottom: 1; }
    CreateFormScreen .label { width: 18; padding-top: 0; }
    CreateFormScreen .row > Input, CreateFormScreen .row > Select { width: 60; }
    CreateFormScreen .row > Input.half { width: 12; }
    CreateFormScreen .row > Select.half { width: 16; }
    CreateFormScreen .to { width: 4; text-align: center; }
    CreateFormScreen .row > SelectionList { width: 60; height: 8; }
    CreateFormScreen .row > Checkbox { width: 60; }
    CreateFormScreen .aside { width: 1fr; min-width: 30; height: auto; padding-left: 1; }
    CreateFormScreen .aside { color: $text-muted; }
    CreateFormScreen .aside.-invalid { color: $text-error; }
    CreateFormScreen #buttons { height: auto; padding: 0 1; }
    CreateFormScreen #buttons Button { margin-right: 2; }
    CreateFormScreen #summary { width: 1fr; padding-top: 0; color: $text-muted; }
    /* Narrow terminals (80x24): narrower fields, so the hint or problem beside each field
       stays on screen (wrapped) instead of being clipped at the right edge. */
    CreateFormScreen.-narrow .label { width: 16; }
    CreateFormScreen.-narrow .row > Input, CreateFormScreen.-narrow .row > Select { width: 32; }
    CreateFormScreen.-narrow .row > SelectionList, CreateFormScreen.-narrow .row > Checkbox {
        width: 32;
    }
    CreateFormScreen.-narrow .row > Input.half, CreateFormScreen.-narrow .row > Select.half {
        width: 14;
    }
    CreateFormScreen.-narrow .aside { min-width: 20; }
    """
    #: Below this width the form uses its narrow layout (label 18 + field 60 + hint 30 +
    #: padding and scrollbar do not fit).
    NARROW_WIDTH: ClassVar[int] = 112

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
        Binding("ctrl+r", "preflight", "Pre-flight & create", id="form-preflight"),
        Binding("ctrl+s", "save_template", "Save template", id="form-save-template"),
        Binding("ctrl+o", "load_template", "Load template", id="form-load-template"),
        Binding("ctrl+b", "browse_images", "Browse images", id="form-browse-images"),
        # The app's `q` would quit with a half-filled form (from a list or a select); here it
        # only explains. Text fields take the letter before bindings see it.
        Binding("q", "explain_quit", "Quit", show=False, id="form-quit"),
        *FOCUS_KEYS,
    ]
    AUTO_FOCUS = "#name"

    def __init__(self, client: AutoDLClient, template: Template | None = None) -> None:
        super().__init__()
        self.client = client
        self._initial = template or Template()
        self._wanted_models: tuple[str, ...] = self._initial.gpu_name_set
        self._stock: list[GpuStock] = []
        self._private: list[PrivateImage] = []
        #: Field -> message of the last validation; empty when the form is valid.
        self.problems: dict[str, str] = {}
        #: The fields as first shown: a form still equal to them holds no edits.
        self._pristine: dict[str, object] = {}
        self._leaving = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        """Every field in the order of the create call, then the buttons."""
        t = self._initial
        cuda = [(cuda_label(code), code) for code in CUDA_CODES]
        protocols = [(p, p) for p in PORT_PROTOCOLS]
        yield Static("New deployment", classes="title")
        with VerticalScroll(id="form"):
            yield _row("Name", Input(id="name", compact=True), key="name")
            yield _row(
                "Type",
                Select(
                    [(k, k) for k in DEPLOYMENT_TYPES],
                    id="deployment_type",
                    allow_blank=False,
                    compact=True,
                ),
                key="deployment_type",
            )
            yield _row("Replicas", Input(id="replica_num", compact=True), key="replica_num")
            yield _row(
                "Parallelism", Input(id="parallelism_num", compact=True), key="parallelism_num"
            )
            yield _row(
                "Regions",
                SelectionList[str](
                    *(Selection(f"{r.code}  {r.name}", r.code) for r in REGIONS), id="dc_list"
                ),
                key="dc_list",
            )
            yield _row("GPU models", SelectionList[str](id="gpu_name_set"), key="gpu_name_set")
            yield _row("GPUs each", Input(id="gpu_num", compact=True), key="gpu_num")
            yield _row(
                "CUDA",
                Select(cuda, id="cuda_from", allow_blank=False, compact=True, classes="half"),
                Static("to", classes="to"),
                Select(cuda, id="cuda_to", allow_blank=False, compact=True, classes="half"),
                key="cuda_from",
            )
            yield _pair_row("vCPUs", "cpu_num", ("1", "100"))
            yield _pair_row("Memory (GB)", "memory_gb", ("1", "256"))
            yield _pair_row("Price (¥/GPU/h)", "price_yuan", ("0.1", "9"))
            yield _row(
                "Image",
                Select(image_options((), t.image_uuid), id="image_uuid", compact=True),
                key="image_uuid",
            )
            yield _row("Command", Input(id="cmd", compact=True), key="cmd")
            yield _row(
                "Before stop",
                Input(id="cmd_before_shutdown", compact=True, placeholder="optional"),
                key="cmd_before_shutdown",
            )
            yield _row(
                "Reuse",
                Checkbox("reuse stopped containers", id="reuse_container", compact=True),
                key="reuse_container",
            )
            yield _row(
                "Port 6006",
                Select(protocols, id="service_6006_port_protocol", allow_blank=False, compact=True),
                key="service_6006_port_protocol",
            )
            yield _row(
                "Port 6008",
                Select(protocols, id="service_6008_port_protocol", allow_blank=False, compact=True),
                key="service_6008_port_protocol",
            )
        with Horizontal(id="buttons"):
            yield Button("Pre-flight…", id="preflight", variant="primary", compact=True)
            yield Button("Cancel", id="cancel", compact=True)
            yield Plain("", id="summary")
        yield KeyFooter()

    def on_resize(self, event: Resize) -> None:
        """Narrow layout below `NARROW_WIDTH` columns."""
        self.set_class(event.size.width < self.NARROW_WIDTH, "-narrow")

    def on_mount(self) -> None:
        """Fill in the starting template, then load images (and stock, once regions exist)."""
        self.set_class(self.app.size.width < self.NARROW_WIDTH, "-narrow")
        # The private cloud's create sends no regions: the form does not ask for them.
        self.query_one("#row-dc_list").display = self._takes_regions
        self.fill(self._initial)
        self._pristine = self.form_values()
        self._load_images()

    def holds_work(self) -> bool:
        """Whether closing loses something: a prefilled form (clone, image) or any edit."""
        return self._initial != Template() or self.form_values() != self._pristine

    # ------------------------------------------------------------------ values in and out
    def fill(self, template: Template) -> None:
        """Show `template` in every field (a loaded file, a clone, or the defaults)."""
        # The fields' Changed messages would arrive after this returns, each validating
        # again (and the regions' reloading the stock): set every value without them.
        with self.prevent(*_FIELD_CHANGES):
            values = template.as_fields()
            for key in _TEXT_FIELDS:
                self.query_one(f"#{key}", Input).value = _shown(values[key])
            self._set_select("deployment_type", template.deployment_type)
            self._set_select("cuda_from", template.cuda_from)
            self._set_select("cuda_to", template.cuda_to)
            for port in ("6006", "6008"):
                key = f"service_{port}_port_protocol"
                self._set_select(key, getattr(template, key))
            images = self.query_one("#image_uuid", Select)
            images.set_options(image_options(self._private, template.image_uuid))
            if template.image_uuid:
                images.value = template.image_uuid
            self.query_one("#reuse_container", Checkbox).value = template.reuse_container
            regions = self.query_one("#dc_list", SelectionList)
            regions.deselect_all()
            for code in template.dc_list:
                regions.select(code)
            self._wanted_models = template.gpu_name_set
        self._show_models()  # validates the form
        self._load_stock()

    def _set_select(self, key: str, value: object) -> None:
        select: Select[Any] = self.query_one(f"#{key}", Select)
        # A value the options lack keeps the default; validation then says what is wrong.
        with contextlib.suppress(InvalidSelectValueError):
            select.value = value

    def form_values(self) -> dict[str, object]:
        """The raw values of the fields that apply to the chosen type."""
        values: dict[str, object] = {
            key: self.query_one(f"#{key}", Input).value for key in _TEXT_FIELDS
        }
        for key in _SELECT_FIELDS:
            selected = self.query_one(f"#{key}", Select).selection
            values[key] = "" if selected is None else selected
        values["dc_list"] = list(self.query_one("#dc_list", SelectionList).selected)
        values["gpu_name_set"] = list(self.query_one("#gpu_name_set", SelectionList).selected)
        values["reuse_container"] = self.query_one("#reuse_container", Checkbox).value
        kind = values["deployment_type"]
        if kind != "Job":
            del values["parallelism_num"]
        if kind == "Container":
            del values["replica_num"]
        return values

    def current_template(self) -> tuple[Template, dict[str, str]]:
        """The form as a Template, and what is wrong with it per field."""
        return parse_template(self.form_values(), regions=self._takes_regions)

    @property
    def _takes_regions(self) -> bool:
        return self.client.flavor.takes_regions

    def _help(self, key: str) -> str:
        shown = _HELP_NO_REGIONS.get(key) if not self._takes_regions else None
        return shown or _HELP.get(key, "")

    def validate_form(self) -> dict[str, str]:
        """Show each field's problem next to it; enable pre-flight only when there are none."""
        template, problems = self.current_template()
        self.problems = problems
        for aside in self.query(".aside").results(Static):
            key = (aside.id or "").removesuffix("-error")
            message = problems.get(key, "")
            # A from/to row has one line: show the upper bound's problem there too.
            if key.endswith("_from"):
                upper = problems.get(key.removesuffix("_from") + "_to", "")
                message = message or (f"upper bound {upper}" if upper else "")
            aside.set_class(bool(message), "-invalid")
            aside.update(message or self._help(key))
        kind = template.deployment_type
        self.query_one("#row-parallelism_num").display = kind == "Job"
        self.query_one("#row-replica_num").display = kind != "Container"
        self.query_one("#preflight", Button).disabled = bool(problems)
        count = len(problems)
        self.query_one("#summary", Plain).update(
            f"{count} field{'s' * (count != 1)} to fix" if count else "ready for pre-flight"
        )
        return problems

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged, "#gpu_name_set")
    def _changed(self) -> None:
        self.validate_form()

    @on(SelectionList.SelectedChanged, "#dc_list")
    def _regions_changed(self) -> None:
        self.validate_form()
        self._load_stock()

    # ------------------------------------------------------------------ live choices
    @work(group="stock", exclusive=True, exit_on_error=False)
    async def _load_stock(self) -> None:
        chosen = self.query_one("#dc_list", SelectionList).selected
        regions = self.client.flavor.create_stock_regions(chosen)
        results = await asyncio.gather(
            *(self.client.get_gpu_stock(r) for r in regions), return_exceptions=True
        )
        stock: list[GpuStock] = []
        failed = []
        for region, result in zip(regions, results, strict=True):
            if isinstance(result, AutoDLError):
                failed.append(region)
            elif isinstance(result, list):
                stock.extend(result)
        self._stock = stock
        self._show_models()
        if failed:
            self.notify(f"GPU stock unavailable for {', '.join(failed)}", severity="warning")

    def _show_models(self) -> None:
        models: SelectionList[str] = self.query_one("#gpu_name_set", SelectionList)
        chosen = tuple(models.selected) or self._wanted_models
        self._wanted_models = chosen
        with self.prevent(*_FIELD_CHANGES):
            models.clear_options()
            models.add_options(
                Selection(label, name, name in chosen)
                for label, name in model_options(self._stock, chosen)
            )
        self.validate_form()

    @work(group="images", exclusive=True, exit_on_error=False)
    async def _load_images(self) -> None:
        try:
            self._private = await self.client.list_all_private_images()
        except AutoDLError as exc:
            self.notify(f"Private images unavailable: {exc.hint or exc}", severity="warning")
            return
        images = self.query_one("#image_uuid", Select)
        current = images.selection or ""
        with self.prevent(*_FIELD_CHANGES):
            images.set_options(image_options(self._private, current))
            if current:
                images.value = current
        self.validate_form()

    # ------------------------------------------------------------------ actions
    def action_browse_images(self) -> None:
        """Pick the image from the images view (paged private images, public base images)."""
        from autodl_tui.ui.images_screen import ImagesScreen

        def chosen(choice: ImageChoice | None) -> None:
            if choice is None:
                return
            images = self.query_one("#image_uuid", Select)
            images.set_options(image_options(self._private, choice.image_uuid))
            images.value = choice.image_uuid
            self.validate_form()

        self.app.push_screen(ImagesScreen(self.client, enter_label="use this image"), chosen)

    def action_cancel(self) -> None:
        """Leave without creating anything; a form holding work asks first."""
        if self._leaving:
            return
        if not self.holds_work():
            self._leave(True)
            return
        self.app.push_screen(
            ConfirmDialog(
                "Discard this form?",
                "What it holds is lost. n or Esc goes back to it; ctrl+s there saves it as "
                "a template.",
                confirm_label="Discard",
            ),
            self._leave,
        )

    def _leave(self, confirmed: bool | None) -> None:
        if confirmed and not self._leaving:
            self._leaving = True
            self.dismiss(None)

    def action_explain_quit(self) -> None:
        """Say how to leave the form instead of quitting the app under it."""
        self.notify(
            "q does not quit from the form: Esc closes it, ctrl+s keeps it as a template.",
            timeout=4,
        )

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#preflight")
    def _preflight_pressed(self) -> None:
        self.action_preflight()

    def action_preflight(self) -> None:
        """Show the body and matching stock, then create from there (only when valid)."""
        from autodl_tui.ui.preflight_screen import PreflightScreen

        template, problems = self.current_template()
        if problems:
            self.validate_form()
            self._focus_first(problems)
            count = len(problems)
            self.notify(
                f"Fix the {count} marked field{'s' * (count != 1)} first.",
                severity="warning",
                timeout=3,
            )
            return
        try:
            spec = template.to_spec(regions=self._takes_regions)
        except TemplateError as exc:
            self.notify(str(exc), severity="error")
            return

        def done(uuid: str | None) -> None:
            if uuid:
                self.dismiss(uuid)

        self.app.push_screen(PreflightScreen(self.client, spec), done)

    def _focus_first(self, problems: dict[str, str]) -> None:
        """Focus (and so scroll to) the first field, in form order, that has a problem."""
        for widget in self.query("#form Input, #form Select, #form SelectionList"):
            key = widget.id or ""
            if key in problems and widget.display and widget.parent and widget.parent.display:
                widget.focus()
                return

    def action_save_template(self) -> None:
        """Save the form as `templates/NAME.toml` (comments of an existing file are kept)."""
        from autodl_tui.ui.template_dialogs import TemplateNameDialog

        template, problems = self.current_template()
        if problems:
            fields = ", ".join(problems)
            self.notify(f"Fix these fields before saving: {fields}", severity="warning")
            return

        def save(name: str | None) -> None:
            if not name:
                return
            try:
                path = save_template(template, name)
            except (OSError, ValueError, TemplateError) as exc:
                self.notify(f"Could not save: {exc}", severity="error")
                return
            self.notify(f"Saved {path}", title="Template saved")

        self.app.push_screen(TemplateNameDialog(template.name), save)

    def action_load_template(self) -> None:
        """Pick a saved template and show it in the form."""
        from autodl_tui.ui.template_dialogs import TemplatePickDialog

        def load(name: str | None) -> None:
            if not name:
                return
            try:
                file = TemplateFile.load(template_path(name))
            except (TemplateError, ValueError) as exc:
                self.notify(str(exc), severity="error")
                return
            template, problems = file.read()

            def apply(confirmed: bool | None = True) -> None:
                if not confirmed:
                    return
                self.fill(template)
                self._pristine = self.form_values()  # what is on disk is no work to lose
                unknown = [k for k, m in problems.items() if m.startswith("unknown key")]
                if unknown:
                    self.notify(f"Ignored unknown keys: {', '.join(unknown)}", severity="warning")
                self.notify(f"Loaded {name}", title="Template loaded", timeout=3)

            if not self.holds_work():
                apply()
                return
            # Loading replaces every field: a form holding work asks first, as Escape does.
            self.app.push_screen(
                ConfirmDialog(
                    f"Replace the form with {name}?",
                    "What the form holds now is lost (n or Esc keeps it; ctrl+s saves it).",
                    confirm_label="Replace",
                ),
                apply,
            )

        self.app.push_screen(TemplatePickDialog(), load)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    # A loaded file or a cloned deployment may hold controls: shown as ␛/␊, which the
    # template check then reports on the field (nothing raw reaches the terminal).
    return clean(value)


def clone_of(template: Template) -> Template:
    """A clone's starting values: the same template under a new name."""
    return replace(template, name=f"{template.name}-copy" if template.name else "")
