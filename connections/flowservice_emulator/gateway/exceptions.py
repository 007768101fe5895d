"""The gateway's documented refusals (Adobe's troubleshooting guide), and the sandbox codes of Flow Service's
error catalogue, which every Platform service behind the gateway shares here.

Adobe's documents are silent on the sandbox codes of other services (Schema Registry, Catalog): they reuse these.
"""

from __future__ import annotations

from connections.flowservice_emulator.errors import FlowServiceError, GatewayError, PlatformError


class MissingToken(GatewayError):
    status, error_code, text = 403, "403010", "Oauth token is missing."


class InvalidToken(GatewayError):
    status, error_code, text = 401, "401013", "Oauth token is not valid"


class MissingApiKey(GatewayError):
    status, error_code, text = 403, "403000", "Api Key is required"


class InvalidApiKey(GatewayError):
    status, error_code, text = 403, "403003", "Api Key is invalid"


class MissingOrg(GatewayError):
    status, error_code, text = 400, "400003", "Missing header (x-gw-ims-org-id)"


class InvalidOrg(GatewayError):
    """The token is not entitled to the org in `x-gw-ims-org-id`."""

    status, error_code, text = 403, "403025", "Profile is not valid"


class NotFound(GatewayError):
    status, error_code, text = 404, "404000", "Resource not found"


class MethodNotAllowed(GatewayError):
    status, error_code, text = 405, "405000", "Method {method} is not allowed on {path}"


# Adobe's documents are silent on 429 and 502 from the gateway; these exist as fault-injection knobs.
class TooManyRequests(GatewayError):
    status, error_code, text = 429, "429001", "Too many requests"


class BadGateway(GatewayError):
    status, error_code, text = 502, "502000", "Bad Gateway"


class MissingSandboxName(FlowServiceError):
    code, title = "2105-400", "Header is missing"
    text = "The header x-sandbox-name is missing in the request. Please add the header in the request and try again."


class SandboxNotFound(FlowServiceError):
    code, title = "2100-404", "Sandbox not found"
    text = (
        "The sandbox with the name '{name}' could not be found. "
        "Please ensure that the sandbox name is correct and try again."
    )


class SandboxIdNotFound(FlowServiceError):
    code, title = "2103-404", "Sandbox not found"
    text = (
        "The sandbox with ID {sandbox_id} and name {name} could not be found. "
        "Please ensure that the ID and sandbox name values are correct and try again."
    )


class MissingContentType(PlatformError):
    """A body sent without `Content-Type: application/json` (the troubleshooting guide's example)."""

    status, text = 400, "A valid content-type must be specified"
