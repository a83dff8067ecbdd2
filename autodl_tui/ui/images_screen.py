"""Images to deploy: the account's private images (paged as you scroll) and the public ones.

Enter dismisses the screen with an `ImageChoice`, so any caller (the main screen, which
copies the uuid, or a deployment form, which fills its image field) pushes this screen and
receives what was picked. Private images are fetched a page at a time, the next page only
when the cursor comes near the end of what is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical

from autodl_tui.api import AutoDLError
from autodl_tui.catalog import BASE_IMAGES
from autodl_tui.ui.guard import on
from autodl_tui.ui.modal import Modal
from autodl_tui.ui.widgets.plain import Plain
from autodl_tui.ui.widgets.vtable import Column, Row, VirtualTable

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import BindingType

    from autodl_tui.api import AutoDLClient, PrivateImage

__all__ = ["IMAGE_COLUMNS", "MORE_KEY", "ImageChoice", "ImagesScreen"]

IMAGE_COLUMNS: tuple[Column, ...] = (
    # Not sortable: private pages arrive in the service's order and the "more" row must stay
    # between the private and the public images.
    Column("source", "Source", width=10, sortable=False),
    Column("name", "Name", sortable=False),
    Column("uuid", "Image UUID", width=22, sortable=False),
)

#: Key of the row between private and public images that says how paging stands.
MORE_KEY = "more"
_PRIVATE = "private:"
_PUBLIC = "public:"


@dataclass(frozen=True, slots=True)
class ImageChoice:
    """The image picked: what `image_uuid` a create takes, and a label for people."""

    image_uuid: str
    label: str


class ImagesScreen(Modal[ImageChoice | None]):
    """Private and public images; Enter picks one, Escape closes without a choice."""

    DEFAULT_CSS = """
    ImagesScreen > #images {
        width: 120;
        height: 90%;
    }
    ImagesScreen #images-title {
        text-style: bold;
    }
    ImagesScreen #image-table {
        height: 1fr;
    }
    ImagesScreen #images-keys {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reload", "Reload", id="images-reload"),
        Binding("escape,q", "close", "Close", id="images-close"),
    ]

    def __init__(
        self,
        client: AutoDLClient,
        *,
        page_size: int = 50,
        enter_label: str = "use this image",
    ) -> None:
        super().__init__()
        self.client = client
        self.page_size = max(1, page_size)
        self._enter_label = enter_label
        self.private: list[PrivateImage] = []
        self.pages_loaded = 0
        self.exhausted = False
        #: A page request is in flight. Not `loading`: that is Textual's own reactive, which
        #: covers the whole screen with a spinner while true.
        self.fetching = False
        self.error = ""
        self._placing = False
        self._choices: dict[str, ImageChoice] = {
            f"{_PUBLIC}{i}": ImageChoice(b.uuid, f"{b.framework} {b.name}")
            for i, b in enumerate(BASE_IMAGES)
        }

    @property
    def table(self) -> VirtualTable:
        """The image list."""
        return self.query_one("#image-table", VirtualTable)

    def compose(self) -> ComposeResult:
        """Title, the table, key hints."""
        with Vertical(id="images", classes="box"):
            yield Plain("Images", id="images-title")
            yield VirtualTable(IMAGE_COLUMNS, id="image-table", max_auto_width=64)
            yield Plain(
                f"enter {self._enter_label} · pagedown/scroll loads more · r reload · q close",
                id="images-keys",
            )

    def on_mount(self) -> None:
        """Public images show at once; the first private page loads behind them."""
        self._show_rows()
        self.table.focus()
        self.watch(self.table, "scroll_y", self._maybe_load_more, init=False)
        self.load_next_page()

    # --- data -----------------------------------------------------------------------------

    @work(group="images-page", exclusive=False, exit_on_error=False)
    async def load_next_page(self) -> None:
        """Fetch the next page of private images, unless one is loading or none is left."""
        if self.fetching or self.exhausted:
            return
        self.fetching = True
        self.error = ""
        self._show_rows()
        wanted = self.pages_loaded + 1
        try:
            page = await self.client.list_private_images(wanted, self.page_size)
        except AutoDLError as exc:
            self.error = f"{exc.hint or exc}"
        else:
            known = {im.image_uuid for im in self.private}
            self.private.extend(im for im in page.items if im.image_uuid not in known)
            self.pages_loaded = wanted
            self.exhausted = page.is_last
        finally:
            self.fetching = False
        # The cursor waited on the "loading" row; put it on the first private image. Until it
        # is there, the table's scrolling after the insert must not count as reaching the end.
        waiting = self.table.cursor_key == MORE_KEY
        self._placing = True
        try:
            self._show_rows()
            if wanted == 1 and waiting and self.private:
                self.table.move_cursor(0)
        finally:
            self._placing = False
        if not self.error:
            self._maybe_load_more()

    def action_reload(self) -> None:
        """Start over from the first page of private images."""
        if self.fetching:
            return
        self.private = []
        self.pages_loaded = 0
        self.exhausted = False
        self.load_next_page()

    def _maybe_load_more(self) -> None:
        """Load the next page when the cursor is within a few rows of the loaded end."""
        if self.fetching or self.exhausted or self.error or self._placing:
            return
        table = self.table
        loaded = len(self.private)
        # Near the end by cursor (a few rows ahead), or the "more" row scrolled into view.
        near = (table.cursor_index or 0) >= loaded - max(1, min(10, self.page_size // 4))
        shown = table.size.height > 1 and table.scroll_offset.y + table.size.height - 2 >= loaded
        if near or shown:
            self.load_next_page()

    # --- rows -----------------------------------------------------------------------------

    def _show_rows(self) -> None:
        rows: list[Row] = []
        for im in self.private:
            key = f"{_PRIVATE}{im.image_uuid or im.id}"
            self._choices[key] = ImageChoice(im.image_uuid, im.image_name or im.image_uuid)
            rows.append(Row(key, ("private", im.image_name, im.image_uuid)))
        more = self._more_text()
        if more:
            rows.append(Row(MORE_KEY, ("", Text(more, style="dim italic"), ""), style=""))
        for i, b in enumerate(BASE_IMAGES):
            rows.append(Row(f"{_PUBLIC}{i}", (b.framework, b.name, b.uuid)))
        self.table.set_rows(rows)
        self.query_one("#images-title", Plain).update(self._title())

    def _more_text(self) -> str:
        if self.error:
            return f"Private images could not be loaded: {self.error} (enter retries)"
        if self.fetching:
            return "Loading private images…"
        if not self.exhausted:
            return "More private images: move down to load them"
        if not self.private:
            return "No private images in this account (save one from an instance in the console)"
        return ""

    def _title(self) -> str:
        count = f"{len(self.private)}" + ("" if self.exhausted else "+")
        return f"Images · {count} private · {len(BASE_IMAGES)} public base images"

    # --- keys -----------------------------------------------------------------------------

    @on(VirtualTable.CursorMoved, "#image-table")
    def _cursor_moved(self) -> None:
        self._maybe_load_more()

    @on(VirtualTable.RowActivated, "#image-table")
    def _activated(self, message: VirtualTable.RowActivated) -> None:
        if message.key == MORE_KEY:
            if self.error:
                self.error = ""
                self.load_next_page()
            return
        choice = self._choices.get(message.key)
        if choice is not None:
            self.finish(choice)

    def action_close(self) -> None:
        """Close without a choice (once: a queued second key must not pop the screen below)."""
        self.finish(None)
