"""Observability Insights' refusals (help/observability/api/metrics.md): `{type: …/INSGHT-<code>, title, status,
report: {tenantInfo, additionalContext}, error-chain: [...]}`."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from connections.flowservice_emulator.errors import AdobeError, InjectedStatus
from connections.flowservice_emulator.http import Request


class InsightsError(AdobeError):
    code: ClassVar[str] = "1000-400"

    def body(self, request: Request) -> Any:
        code = f"INSGHT-{self.code}"
        return {
            "type": f"http://ns.adobe.com/aep/errors/{code}",
            "title": self.detail,
            "status": self.http_status(),
            "report": {"tenantInfo": {}, "additionalContext": None},
            "error-chain": [
                {
                    "serviceId": "INSGHT",
                    "errorCode": code,
                    "invokingServiceId": "INSGHT",
                    "unixTimeStampMs": int(time.time() * 1000),
                }
            ],
        }


class BadPayload(InsightsError):
    code, status, text = "1000-400", 400, "Bad Request - {reason}"


class Injected(InjectedStatus, InsightsError):
    """A fault injected by a test, in Insights' shape."""


def fault_error(status: int, code: str | None, message: str | None) -> Injected:
    return Injected(status, f"Injected fault {status}.")
