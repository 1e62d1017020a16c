"""What every tab of the dashboard shares: access to the app's service, and table filling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, VerticalScroll
from textual.widgets import DataTable, Static

from propositions.errors import GumdError


if TYPE_CHECKING:
    from .app import GumdApp

T = TypeVar("T")
Row = tuple[str, Sequence[str | Text]]


class Pane(Container):
    """A tab's content. Loads its data in worker threads; renders it when the message arrives."""

    #: the tab's label, and the key that shows it
    title: ClassVar[str] = ""
    loaded: bool = False

    @property
    def gumd(self) -> "GumdApp":
        return cast("GumdApp", self.app)

    def reload(self) -> None:
        """Read this tab's data again (in a worker)."""

    @property
    def row_width(self) -> int:
        """The width a tab's rows are laid out for: the pane's, or while it has none yet
        (hidden, not laid out) the screen's, which it spans."""
        return self.size.width or self.app.size.width

    def refill(self) -> None:
        """Lay out the rows already read again, for the pane's present width."""

    def on_resize(self) -> None:
        # A tab's rows can arrive while it is hidden (width 0) or before the first layout:
        # their text columns are clipped to the width they had then, so clip them again.
        if self.loaded:
            self.refill()

    #: the id of the table the tab's keys act on ("" for a tab without one)
    main_table: ClassVar[str] = ""

    def focus_main(self) -> None:
        """Focus the widget the tab's keys act on: its table."""
        if self.main_table:
            self.query_one(f"#{self.main_table}", DataTable).focus()

    def guarded(self, call: Callable[[], T]) -> T | None:
        """Run ``call`` (in a worker thread); an expected failure becomes a notification."""
        try:
            return call()
        except GumdError as err:
            self.app.notify(str(err), severity="error", markup=False)
            return None

    def write(self, call: Callable[[], Any], note: str | Callable[[Any], str]) -> None:
        """Run a write in a worker thread, then say so and have every tab read again."""
        self.gumd.run_write(call, note)


class ListPane(Pane, Generic[T]):
    """A tab that lists items in a table and shows the selected one in a box below it (the
    questions, the suggestions): the layout, the selection and the refilling, in one place.

    A subclass names its table (``main_table``), its box (``detail``), what one item is called
    and what the box says when there are none, and gives ``_rows`` and ``describe``.
    """

    detail: ClassVar[str] = ""
    noun: ClassVar[str] = ""
    empty: ClassVar[str] = ""
    columns: ClassVar[Sequence[tuple[str, str]]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.main_table and "DEFAULT_CSS" not in cls.__dict__:
            cls.DEFAULT_CSS = (
                f"{cls.__name__} #{cls.main_table} {{ height: 1fr; }}\n"
                f"{cls.__name__} #{cls.detail}-box {{ height: 1fr; "
                "border-top: solid $primary-darken-2; padding: 0 1; }\n")

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[int, T] = {}
        self.listed: list[T] = []

    def compose(self) -> ComposeResult:
        yield row_table(self.main_table, self.columns)
        with VerticalScroll(id=f"{self.detail}-box"):
            yield Static("", id=self.detail)

    def reload(self) -> None:
        self._load()

    def _load(self) -> None:
        """Read the items (in a worker) and post them to the tab."""
        raise NotImplementedError

    def show_items(self, items: list[T], ids: Sequence[int | None]) -> None:
        """Lay out freshly read items (``ids``: each one's id)."""
        self.items = {i: item for i, item in zip(ids, items) if i is not None}
        self.listed = items
        self.refill()
        self.loaded = True
        self._show_selected()

    def refill(self) -> None:
        fill(self.query_one(f"#{self.main_table}", DataTable), self._rows(self.listed))

    def _rows(self, items: list[T]) -> list[Row]:
        raise NotImplementedError

    def describe(self, item: T) -> RenderableType:
        """What the box below the table shows of the selected item."""
        raise NotImplementedError

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == self.main_table:
            self._show_selected()

    def _show_selected(self) -> None:
        item = self._selected(quiet=True)
        box = self.query_one(f"#{self.detail}", Static)
        if item is None:
            box.update(Text(self.empty, style="dim") if not self.items else "")
        else:
            box.update(self.describe(item))

    def _selected(self, quiet: bool = False) -> T | None:
        key = selected_key(self.query_one(f"#{self.main_table}", DataTable))
        item = self.items.get(int(key)) if key else None
        if item is None and not quiet:
            self.app.notify(f"Select a {self.noun} first.", severity="warning")
        return item


def row_table(table_id: str, columns: Sequence[tuple[str, str]]) -> DataTable[str | Text]:
    """A table picked by row, with these (label, key) columns: every tab lists its rows in one."""
    table: DataTable[str | Text] = DataTable(id=table_id, cursor_type="row")
    for label, key in columns:
        table.add_column(label, key=key)
    return table


def fill(table: DataTable[Any], rows: Sequence[Row], keep: str | None = None) -> None:
    """Replace the table's rows, keeping the cursor on the same key where it is still there.

    A live refresh with unchanged rows does nothing, so the view does not flicker or jump.
    """
    signature = [(key, tuple(str(c) for c in cells)) for key, cells in rows]
    if getattr(table, "_gumd_rows", None) == signature:
        return
    current = keep
    if current is None and table.row_count and table.cursor_row < table.row_count:
        current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    old_index = table.cursor_row
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    table._gumd_rows = signature  # type: ignore[attr-defined]
    if not rows:
        return
    keys = [key for key, _ in rows]
    index = keys.index(current) if current in keys else min(old_index, len(rows) - 1)
    table.move_cursor(row=max(index, 0))


def selected_key(table: DataTable[Any]) -> str | None:
    if not table.row_count or table.cursor_row >= table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def clip(text: str, width: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: max(width - 1, 1)] + "…"
