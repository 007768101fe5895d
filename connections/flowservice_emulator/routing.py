"""How a service plugs into the emulator: a path prefix, a route table, and the shape of its injected faults."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .errors import AdobeError
from .gateway.exceptions import NotFound
from .http import Request, Response

Handler = Callable[..., Response]  # (request, caller, **path parameters) -> Response
FaultError = Callable[[int, str | None, str | None], AdobeError]  # (status, code, message) -> the error


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, pattern: str, handler: Handler) -> Route:
    """A route; `pattern` is a regular expression over the path after the service's prefix."""
    return Route(method, re.compile(pattern), handler)


@dataclass(frozen=True)
class Service:
    """One Adobe service: where it lives, its routes, whether the gateway guards it, how its faults look."""

    name: str
    prefix: str
    routes: tuple[Route, ...]
    fault_error: FaultError
    not_found: Callable[[], AdobeError] = NotFound  # what a path below the prefix that no route matches gets
    behind_gateway: bool = True
    sandboxed: bool = True  # whether its requests name a sandbox (x-sandbox-name), which the gateway then checks
    counts: Callable[[], dict[str, int]] = field(default=dict)  # what `/__emulator__/stats` reports

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def match(self, request: Request) -> tuple[list[tuple[Route, dict[str, str]]], str]:
        """Every route whose pattern matches the path (any method), and the path below the prefix."""
        sub_path = request.path[len(self.prefix) :]
        return [(r, m.groupdict()) for r in self.routes if (m := r.pattern.fullmatch(sub_path))], sub_path


def routes_for(handlers: Iterable[tuple[str, str, Handler]]) -> tuple[Route, ...]:
    return tuple(route(method, pattern, handler) for method, pattern, handler in handlers)
