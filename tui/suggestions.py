"""The Suggestions tab: new ones highlighted; accept (after asking), dismiss, snooze for an hour."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.worker import get_current_worker

from propositions.errors import GumdError, InvalidInput
from propositions.models import Suggestion

from .dialogs import ConfirmDialog
from .messages import SuggestionsLoaded
from .pane import ListPane, Row, clip
from .timefmt import ago, until

SNOOZE_S = 3600.0
SUGGESTION_LIMIT = 50
#: statuses a person can still act on
OPEN = ("new", "shown", "snoozed")


class NoRunner:
    """Stands in when the dashboard was given no runner: an action-less suggestion needs none."""

    def run(self, action: Mapping[str, Any]) -> str:
        raise InvalidInput("this dashboard was started without an action runner, so it cannot run actions")


class SuggestionsPane(ListPane[Suggestion]):
    title = "Suggestions"
    main_table = "suggestions"
    detail = "suggestion"
    noun = "suggestion"
    empty = "No suggestions right now."
    columns = (("", "mark"), ("suggestion", "title"), ("status", "status"), ("made", "made"))
    BINDINGS = [
        Binding("a", "accept", "Accept"),
        Binding("d", "dismiss", "Dismiss"),
        Binding("z", "snooze", "Snooze 1h"),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: ids that were new when this dashboard first showed them: they stay highlighted
        self.fresh: set[int] = set()

    @work(thread=True, exclusive=True, group="suggestions")
    def _load(self) -> None:
        service = self.gumd.service
        found = self.guarded(lambda: service.list_suggestions(limit=SUGGESTION_LIMIT))
        if found is None or get_current_worker().is_cancelled:
            return
        shown = [s for s in found if s.status in OPEN]
        new_ids = [s.id for s in shown if s.status == "new" and s.id is not None]
        if new_ids:
            # Seen on screen now, so the daemon's notifier need not announce them again.
            self.guarded(lambda: service.mark_shown(new_ids))
        self.post_message(SuggestionsLoaded(shown))

    @on(SuggestionsLoaded)
    def _show(self, message: SuggestionsLoaded) -> None:
        self.fresh |= {s.id for s in message.suggestions if s.status == "new" and s.id is not None}
        self.show_items(message.suggestions, [s.id for s in message.suggestions])

    def _rows(self, items: list[Suggestion]) -> list[Row]:
        now = self.gumd.clock()
        width = max(20, self.row_width - 30)
        rows: list[Row] = []
        for s in items:
            fresh = s.id in self.fresh
            style = "bold yellow" if fresh else ("dim" if s.status == "snoozed" else "")
            status = (f"snoozed, back {until(s.snoozed_until, now)}"
                      if s.status == "snoozed" and s.snoozed_until else s.status)
            rows.append((str(s.id), (
                Text("●" if fresh else " ", style="yellow"),
                Text(clip(s.title, width), style=style),
                Text(clip("new" if fresh and s.status == "shown" else status, 22), style=style),
                ago(s.created_at, now),
            )))
        return rows

    def describe(self, item: Suggestion) -> Group:
        parts = [Text(item.title, style="bold")]
        if item.body:
            parts.append(Text(item.body))
        parts.append(Text.assemble(("accepting will: ", "bold"), self._describe(item, strict=False)))
        if item.proposition_ids:
            parts.append(Text(f"because of propositions {', '.join(f'#{i}' for i in item.proposition_ids)}",
                              style="dim"))
        return Group(*parts)

    def action_accept(self) -> None:
        item = self._selected()
        if item is None or item.id is None:
            return
        service, runner, sugg_id = self.gumd.service, self.gumd.runner or NoRunner(), item.id
        try:
            # Checked and spelt out before asking: the answer is to exactly this target.
            what = self._describe(item)
        except GumdError as err:
            self.app.notify(f"Cannot run it: {err}", severity="error")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(lambda: service.accept_suggestion(sugg_id, runner),
                           lambda done: done[1] or f"Accepted: {item.title}")

        self.app.push_screen(
            ConfirmDialog(f"Accept “{item.title}”?\n\nThis will {what}.", yes="Run it"),
            answered,
        )

    def _describe(self, item: Suggestion, strict: bool = True) -> str:
        """What accepting runs, with its exact target (the runner knows where it saves)."""
        return self.gumd.service.describe_action(item.action, self.gumd.runner, strict=strict)

    def action_dismiss(self) -> None:
        item = self._selected()
        if item is not None and item.id is not None:
            service, sugg_id = self.gumd.service, item.id
            self.write(lambda: service.dismiss_suggestion(sugg_id), f"Dismissed: {item.title}")

    def action_snooze(self) -> None:
        item = self._selected()
        if item is not None and item.id is not None:
            service, sugg_id = self.gumd.service, item.id
            back = self.gumd.clock() + SNOOZE_S
            self.write(lambda: service.snooze_suggestion(sugg_id, back),
                       f"Snoozed for an hour: {item.title}")
