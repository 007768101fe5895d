"""The configured sandboxes (`--sandboxes`), as Sandbox Management lists them. The first is the organisation's
default production sandbox, as `prod` is in every new organisation; the others are development sandboxes. No HTTP
here."""

from __future__ import annotations

from typing import Any

from connections.flowservice_emulator.gateway import Caller

Doc = dict[str, Any]
CREATED = "2024-01-01T00:00:00.000Z"  # Adobe's documents show no date; a fixed one keeps the answers stable


class Sandboxes:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def available(self, caller: Caller) -> Doc:
        """GET /sandbox-management/ (listAvailableSandboxes): every active sandbox of the caller's org."""
        sandboxes = [self._sandbox(name, production=index == 0) for index, name in enumerate(self.names)]
        return {"sandboxes": sandboxes, "_page": {"limit": 50, "count": len(sandboxes)}, "_links": {}}

    @staticmethod
    def _sandbox(name: str, *, production: bool) -> Doc:
        return {
            "name": name,
            "title": "Production" if production else name.replace("-", " ").title(),
            "state": "active",
            "type": "production" if production else "development",
            "region": "VA7",
            "isDefault": production,
            "etag": 1,
            "createdDate": CREATED,
            "lastModifiedDate": CREATED,
            "createdBy": "",
            "modifiedBy": "",
        }
