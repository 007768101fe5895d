"""The controls under /__emulator__: with --faults, the test controls (inject faults, read counts, expire tokens,
reset, move the clock); always, the demo's own fast-forward, which only moves the clock an hour on."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .faults import Fault, FaultRegistry
from .flowservice.runs import HOUR_MS
from .http import Request, Response
from .schemaregistry import SchemaRegistry
from .store import Store

PREFIX = "/__emulator__"
# The emulator's own, not Adobe's: answered with or without --faults, because moving the simulated clock an hour
# on (never back) only brings the next hourly run's records sooner; it breaks no flow and forgets nothing.
DEMO_NEXT_HOUR = "/demo/next-hour"  # an hour: the length of a flow's run, so the running one ends


class Controls:
    def __init__(
        self,
        store: Store,
        faults: FaultRegistry,
        counts: Callable[[], dict[str, int]],
        schemas: SchemaRegistry | None = None,
    ) -> None:
        self.store = store
        self.schemas = schemas or SchemaRegistry()
        self.faults = faults
        self.counts = counts
        self.actions: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("POST", "/faults"): self.add_fault,
            ("DELETE", "/faults"): self.clear_faults,
            ("GET", "/stats"): lambda request: Response(200, self.stats()),
            ("POST", "/tokens/expire"): self.expire_tokens,
            ("POST", "/reset"): self.reset,
            ("POST", "/clock"): self.advance_clock,
            ("POST", "/schemas/fields/drop"): self.drop_schema_field,
            ("DELETE", "/schemas/fields/drop"): self.restore_schemas,
            ("POST", DEMO_NEXT_HOUR): self.next_hour,
        }

    @staticmethod
    def is_demo(request: Request) -> bool:
        """A control the demo may use without --faults."""
        return (request.method, request.path) == ("POST", PREFIX + DEMO_NEXT_HOUR)

    def handle(self, request: Request) -> Response:
        action = self.actions.get((request.method, request.path[len(PREFIX) :]))
        return action(request) if action else Response(404, {"error": "unknown control"})

    def add_fault(self, request: Request) -> Response:
        try:
            self.faults.add(Fault.from_json(json.loads(request.body or b"{}")))
        except (ValueError, TypeError) as exc:
            return Response(400, {"error": str(exc)})
        return Response(201, {"ok": True})

    def clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return Response(204)

    def expire_tokens(self, request: Request) -> Response:
        self.store.expire_tokens()
        return Response(204)

    def advance_clock(self, request: Request) -> Response:
        """`{"freeze": true}` stops the simulated clock following real time; `{"advance": seconds}` moves it on
        (event arrivals, dataflow runs), never back."""
        try:
            order = json.loads(request.body or b"{}")
            seconds = float(order.get("advance", 0))
        except (ValueError, TypeError, AttributeError):
            return Response(400, {"error": 'send {"freeze": true} and/or {"advance": seconds}'})
        if seconds < 0:
            return Response(400, {"error": "the clock only moves forward"})
        if order.get("freeze"):
            self.store.freeze_clock()
        self.store.advance_clock(int(seconds * 1000))
        return Response(200, {"now": self.store.now_ms()})

    def drop_schema_field(self, request: Request) -> Response:
        """`{"sandbox": "prod", "schema": "Order events", "field": "_eventhubsdemo.order.total"}`: that sandbox's
        copy of the schema lacks the field from now on, as when a schema was changed in one sandbox only."""
        try:
            order = json.loads(request.body or b"{}")
            self.schemas.drop_field(sandbox=str(order["sandbox"]), title=str(order["schema"]), path=str(order["field"]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return Response(400, {"error": f"send sandbox, schema (a title) and field (a dotted path): {exc}"})
        return Response(204)

    def restore_schemas(self, request: Request) -> Response:
        self.schemas.restore()
        return Response(204)

    def next_hour(self, request: Request) -> Response:
        """The demo's fast-forward: the clock an hour on, whatever the body says; answers `{"now": <ms>}`."""
        self.store.advance_clock(HOUR_MS)
        return Response(200, {"now": self.store.now_ms()})

    def reset(self, request: Request) -> Response:
        self.faults.clear()
        self.store.reset()
        self.schemas.restore()
        return Response(204)

    def stats(self) -> dict[str, Any]:
        return {"tokensIssued": self.store.counters().get("tokens_issued", 0), **self.counts()}
