"""The alert engine: rules in, each incident out exactly once, to every sink.

`observe(snapshot)` runs every enabled rule over one poll's snapshot. An incident (its key)
fires the first time a rule finds it active; it stays open, silent, while it holds, and
re-arms when a later snapshot that covered its scope no longer holds it. Parts a snapshot
lacks (a failed poll, a cut list) are not judged at all. What the user asked for in this app
(stop, scale, delete) is noted with `expect`, so those containers leaving is no surprise.

Sinks are plain callables; one that raises is reported through `on_sink_error` and the
others still get the alert.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from autodl_tui.alerts.model import Alert, AlertSettings
from autodl_tui.alerts.rules import build_rules

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from autodl_tui.alerts.model import IncidentKey, Snapshot
    from autodl_tui.alerts.rules import Rule
    from autodl_tui.api.models import Deployment

__all__ = ["HISTORY", "INTENT_TTL", "AlertEngine", "Sink"]

#: Fired alerts the alerts view keeps (the oldest go first).
HISTORY = 500
#: How long a stop or scale asked for in this app excuses containers leaving `running`: a
#: stop lands within a poll or two; ten minutes covers a slow `cmd_before_shutdown` and a
#: connection that was down meanwhile.
INTENT_TTL = timedelta(minutes=10)

Sink = Callable[[Alert], object]
#: Rules whose incidents are scoped by a deployment uuid (the key's second item).
_BY_DEPLOYMENT = frozenset({"container_stopped", "below_replicas", "job_finished", "package_low"})


class AlertEngine:
    """Turns snapshots into alerts, once per incident, and hands each to the sinks."""

    def __init__(
        self,
        settings: AlertSettings | None = None,
        sinks: Iterable[Sink] = (),
        *,
        on_sink_error: Callable[[str], object] = lambda _text: None,
        rules: Sequence[Rule] | None = None,
    ) -> None:
        self.settings = settings or AlertSettings()
        self.rules: list[Rule] = list(rules) if rules is not None else build_rules(self.settings)
        self.sinks: list[Sink] = list(sinks)
        self._on_sink_error = on_sink_error
        self._open: dict[IncidentKey, Alert] = {}
        self._known: dict[str, Deployment] = {}
        #: (deployment uuid, container uuid or "") -> when the user asked for it.
        self._intents: dict[tuple[str, str], datetime] = {}
        self.history: deque[Alert] = deque(maxlen=HISTORY)

    # --- what the user did --------------------------------------------------------------

    def expect(self, deployment_uuid: str, container_uuid: str = "", *, at: datetime) -> None:
        """The user stopped, scaled or deleted this (container of a) deployment just now."""
        self._intents[(deployment_uuid, container_uuid)] = at

    def stopped(self, deployment_uuid: str, container_uuid: str, at: datetime) -> bool:
        """Whether a recent `expect` covers this container (or its whole deployment)."""
        for key in ((deployment_uuid, container_uuid), (deployment_uuid, "")):
            when = self._intents.get(key)
            if when is not None and at - when <= INTENT_TTL:
                return True
        return False

    def touched(self, deployment_uuid: str, at: datetime) -> bool:
        """Whether a recent `expect` covers the deployment or any container of it."""
        return any(
            d == deployment_uuid and at - when <= INTENT_TTL
            for (d, _c), when in self._intents.items()
        )

    def _forget_intents(self, at: datetime) -> None:
        for key in [k for k, when in self._intents.items() if at - when > INTENT_TTL]:
            del self._intents[key]

    # --- snapshots ------------------------------------------------------------------------

    def observe(self, snap: Snapshot) -> list[Alert]:
        """Judge one poll's snapshot; the alerts that fired now (already sent to the sinks)."""
        if snap.deployments is not None:
            self._known = {d.uuid: d for d in snap.deployments}
            # A deleted deployment's incidents can never clear by being judged: drop them.
            for key in [k for k in self._open if k[0] in _BY_DEPLOYMENT]:
                if key[1] not in self._known:
                    del self._open[key]
        fired: list[Alert] = []
        for rule in self.rules:
            verdict = rule.check(snap, self._known, self)
            for key, alert in verdict.active.items():
                if key in self._open:
                    continue
                self._open[key] = alert
                if key[:2] not in verdict.baseline:
                    fired.append(alert)
            for key in [k for k in self._open if k[0] == rule.name]:
                if key[:2] in verdict.scopes and key not in verdict.active:
                    del self._open[key]  # cleared: the next time it holds is a new incident
        self._forget_intents(snap.at)
        for alert in fired:
            self.history.append(alert)
            self._send(alert)
        return fired

    def _send(self, alert: Alert) -> None:
        for sink in self.sinks:
            try:
                sink(alert)
            except Exception as exc:  # one broken sink must not silence the others
                self._on_sink_error(f"alert sink {type(sink).__name__} failed: {exc!r}")

    @property
    def open_incidents(self) -> Sequence[IncidentKey]:
        """Keys of the incidents that hold now (fired, or taken as the baseline)."""
        return tuple(self._open)
