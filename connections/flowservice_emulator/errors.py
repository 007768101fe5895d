"""The three shapes Adobe's errors come in, as exception base classes.

Each Adobe error is one subclass (in the `exceptions.py` of the service or gateway that raises it) that
writes its code, status and text once. Backends raise them; the emulator turns them into responses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .http import Request, Response


class AdobeError(Exception):
    """An error Adobe answers with; `status` is the HTTP status."""

    status: ClassVar[int] = 400
    text: ClassVar[str] = ""  # the message, a str.format template over the constructor's keyword arguments

    def __init__(self, detail: str | None = None, /, **values: object) -> None:
        self.detail = detail if detail is not None else self.text.format(**values)
        super().__init__(self.detail)

    def http_status(self) -> int:
        return self.status

    def body(self, request: Request) -> Any:
        raise NotImplementedError

    def response(self, request: Request) -> Response:
        return Response(self.http_status(), self.body(request), dict(self.headers()))

    def headers(self) -> dict[str, str]:
        return {}


class FlowServiceError(AdobeError):
    """Flow Service's shape: `{type: …/FLOW-<code>, title, status, report: {detailed-message, request-id}}`."""

    code: ClassVar[str] = "1100-400"
    title: ClassVar[str] = "Invalid request"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.status = int(cls.code.rsplit("-", 1)[1])

    def flow_code(self) -> str:
        return self.code

    def http_status(self) -> int:
        return int(self.flow_code().rsplit("-", 1)[1])

    def error_title(self) -> str:
        return self.title

    def body(self, request: Request) -> Any:
        return {
            "type": f"https://ns.adobe.com/aep/errors/FLOW-{self.flow_code()}",
            "title": self.error_title(),
            "status": self.http_status(),
            "report": {"detailed-message": self.detail, "request-id": request.request_id},
        }


class GatewayError(AdobeError):
    """The Adobe I/O gateway's shape: `{error_code, message}`."""

    error_code: ClassVar[str] = ""

    def body(self, request: Request) -> Any:
        return {"error_code": self.error_code, "message": self.detail}


class ImsError(AdobeError):
    """IMS's shape: `{error, error_description}`."""

    error: ClassVar[str] = ""

    def body(self, request: Request) -> Any:
        return {"error": self.error, "error_description": self.detail}


class PlatformError(AdobeError):
    """Platform's generic shape, `{type: "/placeholder/type/uri", status, title, detail}` (the troubleshooting guide's
    Content-Type error): services whose error bodies Adobe does not document (Catalog, Data Prep) answer in it."""

    title: ClassVar[str] = "BadRequestError"

    def body(self, request: Request) -> Any:
        return {
            "type": "/placeholder/type/uri",
            "status": self.http_status(),
            "title": self.title,
            "detail": self.detail,
        }


class InjectedStatus(AdobeError):
    """A fault a test injected, answered with the status it asked for; mixed into a service's error shape."""

    def __init__(self, status: int, detail: str) -> None:
        self.injected_status = status
        super().__init__(detail)

    def http_status(self) -> int:
        return self.injected_status


class InjectedPlatformError(InjectedStatus, PlatformError):
    """A fault injected into a service that answers in Platform's generic shape."""

    def __init__(self, status: int, message: str | None) -> None:
        super().__init__(status, message or f"Injected fault {status}.")


def platform_fault_error(status: int, code: str | None, message: str | None) -> InjectedPlatformError:
    """The `fault_error` of a Platform-shaped service: Adobe's generic body has no code, so `code` is unused."""
    return InjectedPlatformError(status, message)
