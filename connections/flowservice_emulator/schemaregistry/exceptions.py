"""Schema Registry's errors in their coded shape (the published schema-registry.yaml's examples):
`{type: …/XDM-<code>, title, status, report: {registryRequestId, timestamp, detailed-message}, detail}`."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from connections.flowservice_emulator.errors import AdobeError, InjectedStatus
from connections.flowservice_emulator.http import Request


class SchemaRegistryError(AdobeError):
    code: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code:
            cls.status = int(cls.code.rsplit("-", 1)[1])

    def body(self, request: Request) -> Any:
        return {
            "type": f"http://ns.adobe.com/aep/errors/XDM-{self.code}",
            "title": self.title,
            "status": self.http_status(),
            "report": {
                "registryRequestId": request.request_id,
                "timestamp": time.strftime("%m-%d-%Y %H:%M:%S", time.gmtime()),
                "detailed-message": self.detail,
            },
            "detail": self.detail,
        }


class InvalidListAccept(SchemaRegistryError):
    code, title = "1006-400", "Accept header invalid"
    text = (
        "The supplied Accept header is not valid: {accept} - A valid Accept value should look like "
        "application/vnd.adobe.'{{xed|xdm'}}+json"
    )


class InvalidLookupAccept(SchemaRegistryError):
    code, title = "1007-400", "Accept header invalid"
    text = (
        "The supplied Accept header is not valid: {accept} - A valid Accept value should look like "
        "application/vnd.adobe.'{{xed|xdm'}}+json; version=1 (Version should be specified)"
    )


class InvalidPaging(SchemaRegistryError):
    """A paging parameter the appendix does not allow (limit outside 0-500, limit or start without orderby). Adobe's
    documents are silent on this answer's code; a 400 in the registry's shape."""

    code, title = "1001-400", "Bad request"
    text = "{reason}"


class SchemaNotFound(SchemaRegistryError):
    code, title = "1012-404", "Resource Not Found"
    text = "Requested resource {schema_id} with version 1 is not found"


class NotAcceptable(SchemaRegistryError):
    """The OAS lists 406 for an Accept format that exists but not for this resource; its code is the emulator's
    (Adobe's documents are silent)."""

    code, title = "1010-406", "Not Acceptable"
    text = "The specified Accept format {accept} is not available for this resource"


class Injected(InjectedStatus, SchemaRegistryError):
    """A fault injected by a test, in Schema Registry's shape."""

    def __init__(self, status: int, code: str | None, message: str | None) -> None:
        self.injected_code = code or f"1000-{status}"
        super().__init__(status, message or f"Injected fault XDM-{self.injected_code}.")

    def body(self, request: Request) -> Any:
        return {**super().body(request), "type": f"http://ns.adobe.com/aep/errors/XDM-{self.injected_code}"}


def fault_error(status: int, code: str | None, message: str | None) -> Injected:
    return Injected(status, code, message)
